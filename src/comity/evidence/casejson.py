"""The chain of custody as CASE/UCO JSON-LD (Cyber-investigation Analysis Standard Expression,
https://caseontology.org; UCO 1.x / CASE 1.x namespaces). Pure Python: plain dicts in, a dict out.

Shape: one `@graph` holding
- the exhibit: a `uco-observable:File` with a FileFacet (name, size) and a ContentDataFacet carrying
  `uco-types:Hash` entries for a digital item, or a `uco-core:Item` for a physical exhibit;
- the people and authorities involved: `uco-identity:Identity`;
- one `case-investigation:InvestigativeAction` per custody event (performer, start time, location,
  the exhibit as object, the reason as description) whose result is a
  `case-investigation:ProvenanceRecord` naming the exhibit number and the exhibit;
- the Comity-specific integrity proofs (Ed25519 signature, RFC 3161 token) in a `comity:` namespace,
  which CASE tools ignore but keep.
"""

from __future__ import annotations

import base64

CONTEXT = {
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-location": "https://ontology.unifiedcyberontology.org/uco/location/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "uco-vocabulary": "https://ontology.unifiedcyberontology.org/uco/vocabulary/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "comity": "https://comity.invalid/ns/evidence#",
}

_HASH_NAMES = {"sha256": "SHA256", "sha512": "SHA512"}


def _lit(value, xsd_type: str) -> dict:
    return {"@type": f"xsd:{xsd_type}", "@value": value}


def export_chain(item: dict, events: list[dict], *, kb: str = "urn:comity:") -> dict:
    """`item`: uuid, exhibit_number, kind ("digital"/"physical"), title, description, filename, size,
    hashes {algorithm: hex}, registered_at (ISO), seal_numbers, location.
    `events`: each with uuid, seq, kind, at (ISO), place, reason, actor, from_label, to_label,
    signature (bytes), public_key (bytes), timestamp_token (bytes)."""
    context = dict(CONTEXT, kb=kb)
    item_id = f"kb:evidence-{item['uuid']}"
    graph: list[dict] = []
    if item["kind"] == "digital":
        hashes = [{"@id": f"kb:hash-{item['uuid']}-{alg}", "@type": "uco-types:Hash",
                   "uco-types:hashMethod": {"@type": "uco-vocabulary:HashNameVocab", "@value": _HASH_NAMES[alg]},
                   "uco-types:hashValue": _lit(hexval.upper(), "hexBinary")}
                  for alg, hexval in sorted(item["hashes"].items()) if hexval]
        graph.append({
            "@id": item_id, "@type": "uco-observable:File",
            "uco-core:name": item["title"], "uco-core:description": item.get("description", ""),
            "uco-core:hasFacet": [
                {"@id": f"kb:file-facet-{item['uuid']}", "@type": "uco-observable:FileFacet",
                 "uco-observable:fileName": item["filename"],
                 "uco-observable:sizeInBytes": _lit(item["size"], "integer")},
                {"@id": f"kb:content-facet-{item['uuid']}", "@type": "uco-observable:ContentDataFacet",
                 "uco-observable:sizeInBytes": _lit(item["size"], "integer"),
                 "uco-observable:hash": hashes},
            ],
        })
    else:
        graph.append({"@id": item_id, "@type": "uco-core:Item", "uco-core:name": item["title"],
                      "uco-core:description": item.get("description", ""),
                      "comity:sealNumbers": item.get("seal_numbers", ""),
                      "comity:location": item.get("location", "")})
    identities: dict[str, str] = {}

    def identity(label: str) -> dict:
        if label not in identities:
            identities[label] = f"kb:identity-{len(identities) + 1}"
            graph.append({"@id": identities[label], "@type": "uco-identity:Identity", "uco-core:name": label})
        return {"@id": identities[label]}

    locations: dict[str, str] = {}

    def location(label: str) -> dict:
        if label not in locations:
            locations[label] = f"kb:location-{len(locations) + 1}"
            graph.append({"@id": locations[label], "@type": "uco-location:Location", "uco-core:name": label})
        return {"@id": locations[label]}

    for ev in events:
        prov_id = f"kb:provenance-record-{ev['uuid']}"
        action = {
            "@id": f"kb:investigative-action-{ev['uuid']}", "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": ev["kind"],
            "uco-core:description": ev.get("reason", ""),
            "uco-action:startTime": _lit(ev["at"], "dateTime"),
            "uco-action:performer": identity(ev["actor"]),
            "uco-action:object": [{"@id": item_id}],
            "uco-action:result": [{"@id": prov_id}],
            "comity:sequence": _lit(ev["seq"], "integer"),
            "comity:ed25519Signature": base64.b64encode(ev["signature"]).decode(),
            "comity:ed25519PublicKey": base64.b64encode(ev["public_key"]).decode(),
            "comity:rfc3161Token": base64.b64encode(ev["timestamp_token"]).decode() if ev.get("timestamp_token") else "",
        }
        if ev.get("place"):
            action["uco-action:location"] = location(ev["place"])
        participants = [identity(x) for x in (ev.get("from_label"), ev.get("to_label")) if x]
        if participants:
            action["uco-action:participant"] = participants
        if ev.get("from_label"):
            action["comity:handedOverBy"] = identity(ev["from_label"])
        if ev.get("to_label"):
            action["comity:handedOverTo"] = identity(ev["to_label"])
        graph.append(action)
        graph.append({"@id": prov_id, "@type": "case-investigation:ProvenanceRecord",
                      "case-investigation:exhibitNumber": item["exhibit_number"],
                      "uco-core:description": f"{ev['kind']} #{ev['seq']}",
                      "uco-core:object": [{"@id": item_id}]})
    return {"@context": context, "@graph": graph}
