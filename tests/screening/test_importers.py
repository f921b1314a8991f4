"""Importers on small files in each source's published format; a second import records what disappeared."""

from __future__ import annotations

import gzip
import json

from comity.screening import Index, read_ftm_file
from comity.screening.importers import run_import

SDN = '''36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- 
2676,"AL ZAWAHIRI, Dr. Ayman","individual","SDGT","Operational and Military Leader of JIHAD GROUP",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 19 Jun 1951; POB Giza, Egypt; nationality Egypt."
9999,"VESSEL ONE",vessel,"IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- 
'''
ALT = '''2676,1,"aka","AL-ZAWAHIRI, Ayman",-0- 
2676,2,"aka","AL-ZAWAHRI, Aiman Muhammad Rabi",-0- 
'''
UN_XML = '''<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" dateGenerated="2024-05-01T00:00:00.000Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>6908555</DATAID>
      <VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>RI</FIRST_NAME>
      <SECOND_NAME>WON HO</SECOND_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPi.033</REFERENCE_NUMBER>
      <LISTED_ON>2016-11-30</LISTED_ON>
      <NAME_ORIGINAL_SCRIPT>리원호</NAME_ORIGINAL_SCRIPT>
      <NATIONALITY><VALUE>Democratic People's Republic of Korea</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Ri Won-ho</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1964-07-17</DATE></INDIVIDUAL_DATE_OF_BIRTH>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>110404</DATAID>
      <FIRST_NAME>AL-QAIDA</FIRST_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <REFERENCE_NUMBER>QDe.004</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>The Base</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
'''


def _interpol_list(*notices):
    return {"total": len(notices), "query": {"page": 1, "resultPerPage": 20}, "_embedded": {"notices": [
        {"forename": f, "name": n, "date_of_birth": dob, "entity_id": eid, "nationalities": nats,
         "_links": {"self": {"href": f"https://ws-public.interpol.int/notices/v1/red/{eid.replace('/', '-')}"},
                    "images": {"href": "..."}, "thumbnail": {"href": "..."}}}
        for f, n, dob, eid, nats in notices]}, "_links": {"self": {"href": "..."}}}


DETAIL = {"arrest_warrants": [{"issuing_country_id": "FR", "charge": "Trafic de stupéfiants",
                               "charge_translation": "Drug trafficking"}],
          "weight": 80, "forename": "JEAN", "date_of_birth": "1970/05/12", "entity_id": "2021/12345",
          "languages_spoken_ids": ["FRE"], "nationalities": ["FR"], "height": 1.8, "sex_id": "M",
          "country_of_birth_id": "FR", "name": "DUPONT", "place_of_birth": "Lyon",
          "_links": {"self": {"href": "https://ws-public.interpol.int/notices/v1/red/2021-12345"}}}


def test_ofac_csv_persons_and_organisations_with_dates_and_aliases(tmp_path):
    (tmp_path / "sdn.csv").write_text(SDN)
    (tmp_path / "alt.csv").write_text(ALT)
    rep = run_import("ofac", [str(tmp_path / "sdn.csv"), str(tmp_path / "alt.csv")], store=str(tmp_path / "store"),
                     retrieved="2021-07-07")
    assert rep["entries"] == 2 and rep["source"] == "us-ofac-sdn" and "public domain" in rep["licence"]
    ents = {e.id: e for e in read_ftm_file(rep["file"]).entities}
    z = ents["ofac-2676"]
    assert z.schema == "Person" and z.birth_dates == ("1951-06-19",) and z.nationalities == ("eg",)
    assert "AL-ZAWAHRI, Aiman Muhammad Rabi" in z.aliases
    assert ents["ofac-36"].schema == "Organization"
    meta = json.loads((tmp_path / "store" / "us-ofac-sdn.meta.json").read_text())
    assert meta["retrieved"] == "2021-07-07" and meta["licence"] and meta["url"].startswith("https://")
    hit = Index(list(ents.values())).search(["أيمن الظواهري"])[0]
    assert hit.id == "ofac-2676" and hit.match


def test_un_consolidated_xml(tmp_path):
    (tmp_path / "un.xml").write_text(UN_XML)
    rep = run_import("un", [str(tmp_path / "un.xml")], store=str(tmp_path / "store"), retrieved="2024-05-01")
    ents = {e.id: e for e in read_ftm_file(rep["file"]).entities}
    ri = ents["un-6908555"]
    assert ri.names == ("RI WON HO",) and "리원호" in ri.aliases and ri.nationalities == ("kp",)
    assert ri.birth_dates == ("1964-07-17",) and ri.extra["reference_number"] == "KPi.033"
    assert ents["un-110404"].schema == "Organization"
    hit = Index(list(ents.values())).search(["리원호"])[0]
    assert hit.id == "un-6908555" and hit.match


def test_interpol_list_and_detail_pages_then_a_withdrawn_notice(tmp_path):
    page = tmp_path / "red-page-1.json"
    page.write_text(json.dumps(_interpol_list(("JEAN", "DUPONT", "1970/05/12", "2021/12345", ["FR"]),
                                              ("ALI", "HASSAN", "1985", "2022/777", ["IQ"]))))
    detail = tmp_path / "red-2021-12345.json"
    detail.write_text(json.dumps(DETAIL))
    store = tmp_path / "store"
    rep = run_import("interpol", [str(page), str(detail)], store=str(store), retrieved="2024-01-10")
    assert rep["entries"] == 2 and rep["added"] == 2
    ents = {e.id: e for e in read_ftm_file(rep["file"]).entities}
    jd = ents["interpol-red-2021-12345"]
    assert jd.birth_dates == ("1970-05-12",) and jd.nationalities == ("fr",)
    assert jd.extra["arrest_warrants"][0] == {"country": "fr", "charge": "Trafic de stupéfiants",
                                              "charge_translation": "Drug trafficking"}
    # the next retrieval no longer has Hassan's notice: it is withdrawn, and a match says so
    page.write_text(json.dumps(_interpol_list(("JEAN", "DUPONT", "1970/05/12", "2021/12345", ["FR"]))))
    rep = run_import("interpol", [str(page)], store=str(store), retrieved="2024-03-01")
    assert rep["withdrawn"] == 1 and rep["withdrawn_ids"] == ["interpol-red-2022-777"]
    ents = {e.id: e for e in read_ftm_file(rep["file"]).entities}
    assert ents["interpol-red-2022-777"].withdrawn == "2024-03-01"
    assert ents["interpol-red-2021-12345"].withdrawn == ""
    hit = Index(list(ents.values())).search(["Ali Hassan"])[0]
    assert hit.id == "interpol-red-2022-777"
    assert any("withdrawn from interpol-notices on 2024-03-01" in e for e in hit.explanation)
    meta = json.loads((store / "interpol-notices.meta.json").read_text())
    assert [h["retrieved"] for h in meta["history"]] == ["2024-01-10", "2024-03-01"]
    assert meta["history"][1]["withdrawn"] == ["interpol-red-2022-777"]
    # it comes back: listed again
    page.write_text(json.dumps(_interpol_list(("ALI", "HASSAN", "1985", "2022/777", ["IQ"]),
                                              ("JEAN", "DUPONT", "1970/05/12", "2021/12345", ["FR"]))))
    rep = run_import("interpol", [str(page)], store=str(store), retrieved="2024-04-01")
    assert rep["relisted"] == 1 and rep["withdrawn"] == 0


def test_fbi_wanted_only_subjects(tmp_path):
    items = [
        {"uid": "a1", "title": "JOHN ROBERT DOE", "person_classification": "Main", "aliases": ["Johnny Doe"],
         "dates_of_birth_used": ["December 23, 1972"], "nationality": "American", "url": "https://www.fbi.gov/x",
         "subjects": ["Violent Crime - Murders"]},
        {"uid": "a2", "title": "JANE ROE", "person_classification": "Victim", "subjects": ["ViCAP Missing Persons"]},
    ]
    f = tmp_path / "fbi.jsonl.gz"
    with gzip.open(f, "wt") as out:
        out.write("".join(json.dumps(i) + "\n" for i in items))
    rep = run_import("fbi", [str(f)], store=str(tmp_path / "store"), retrieved="2021-06-08")
    ents = read_ftm_file(rep["file"]).entities
    assert [e.id for e in ents] == ["fbi-a1"]
    assert ents[0].birth_dates == ("1972-12-23",) and ents[0].nationalities == ("us",)


def test_cli_import_and_match_the_store(tmp_path):
    import subprocess
    import sys

    (tmp_path / "sdn.csv").write_text(SDN)
    r = subprocess.run([sys.executable, "-m", "comity.cli", "screen", "import", "ofac", "--store", str(tmp_path / "s"),
                        str(tmp_path / "sdn.csv"), "--retrieved", "2021-07-07"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "us-ofac-sdn: 2 entries (2 new" in r.stdout
