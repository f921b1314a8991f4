"""The chain of custody as CASE/UCO JSON-LD: structure test against the published namespaces."""

import json

import pytest
from django.utils import timezone

from comity.evidence import actions, casejson, report

pytestmark = pytest.mark.django_db

NAMESPACES = {
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "uco-vocabulary": "https://ontology.unifiedcyberontology.org/uco/vocabulary/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
}


def _by_type(graph, t):
    return [n for n in graph if n["@type"] == t]


def test_digital_item_export_shape(register, caseworker, colleague):
    item = register(sha512=True)
    actions.do_record_custody_event(item, kind="transferred", at=timezone.now(), place="Rome", reason="lab",
                                    to_user=colleague, acting_user=caseworker)
    doc = json.loads(json.dumps(report.case_uco(item)))  # plain JSON all the way down
    for prefix, iri in NAMESPACES.items():
        assert doc["@context"][prefix] == iri
    graph = doc["@graph"]
    ids = [n["@id"] for n in graph]
    assert len(ids) == len(set(ids))
    prefixes = set(doc["@context"])
    for node in graph:  # every compact IRI uses a declared prefix
        for key in [k for k in node if not k.startswith("@")] + [node["@type"]]:
            assert key.split(":")[0] in prefixes, key
    (file_node,) = _by_type(graph, "uco-observable:File")
    facets = {f["@type"]: f for f in file_node["uco-core:hasFacet"]}
    assert facets["uco-observable:FileFacet"]["uco-observable:fileName"] == "statements.csv"
    assert facets["uco-observable:FileFacet"]["uco-observable:sizeInBytes"] == {"@type": "xsd:integer",
                                                                                 "@value": item.size}
    hashes = {h["uco-types:hashMethod"]["@value"]: h["uco-types:hashValue"]
              for h in facets["uco-observable:ContentDataFacet"]["uco-observable:hash"]}
    assert hashes["SHA256"] == {"@type": "xsd:hexBinary", "@value": item.sha256.upper()}
    assert hashes["SHA512"]["@value"] == item.sha512.upper()
    assert all(h["@type"] == "uco-types:Hash" for h in facets["uco-observable:ContentDataFacet"]["uco-observable:hash"])
    acts = _by_type(graph, "case-investigation:InvestigativeAction")
    records = {r["@id"]: r for r in _by_type(graph, "case-investigation:ProvenanceRecord")}
    assert [a["uco-core:name"] for a in acts] == ["received", "transferred"]
    identities = {n["@id"]: n["uco-core:name"] for n in _by_type(graph, "uco-identity:Identity")}
    for a in acts:
        assert a["uco-action:object"] == [{"@id": file_node["@id"]}]
        assert a["uco-action:startTime"]["@type"] == "xsd:dateTime"
        assert a["uco-action:performer"]["@id"] in identities
        (result,) = a["uco-action:result"]
        rec = records[result["@id"]]
        assert rec["case-investigation:exhibitNumber"] == item.exhibit_number
        assert rec["uco-core:object"] == [{"@id": file_node["@id"]}]
        assert a["comity:ed25519Signature"] and a["comity:rfc3161Token"]
    assert identities[acts[1]["comity:handedOverTo"]["@id"]] == colleague.username
    assert _by_type(graph, "uco-location:Location")


def test_physical_item_is_a_uco_core_item():
    doc = casejson.export_chain({"uuid": "u1", "exhibit_number": "EV-1", "kind": "physical", "title": "Laptop",
                                 "description": "grey", "seal_numbers": "S1", "location": "room B"}, [])
    (node,) = doc["@graph"]
    assert node["@type"] == "uco-core:Item" and node["comity:sealNumbers"] == "S1"
