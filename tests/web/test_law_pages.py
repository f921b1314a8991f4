"""The public law pages and API: no sign-in, answers from comity.law, errors naming the field."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.django_db


def test_law_pages_need_no_login(client):
    for url in ["/law/", "/law/instruments/", "/law/countries/", "/law/countries/FR/", "/law/instruments/CETS-024/",
                "/law/basis/?requesting=FR&requested=DE", "/law/map/?state=FR"]:
        assert client.get(url).status_code == 200, url


def test_pair_view_between_two_eu_states_gives_the_eaw_not_cets_024(client):
    html = client.get("/law/basis/?requesting=FR&requested=DE&kind=extradition&date=2024-01-01").content.decode()
    listed = html.split('id="basis"')[1].split("</ol>")[0]
    assert "EU-EAW" in listed and "CETS-024" not in listed


def test_pair_view_says_why_there_is_no_legal_basis(client):
    html = client.get("/law/basis/?requesting=CN&requested=US&kind=extradition").content.decode()
    assert 'id="no-basis"' in html and "treaty" in html.split('id="no-basis"')[1].split("</div>")[0].lower()


def test_unknown_state_is_a_clear_error_naming_the_field(client):
    resp = client.get("/law/basis/?requesting=XQ&requested=DE")
    assert resp.status_code == 400
    errors = resp.content.decode().split('id="errors"')[1].split("</ul>")[0]
    assert "requesting" in errors


def test_instrument_page_lists_parties_with_dates_and_sources(client):
    html = client.get("/law/instruments/CETS-024/").content.decode()
    parties = html.split('id="parties"')[1].split("</table>")[0]
    assert ">Israel<" in parties and ">South Africa<" in parties  # non-member parties of the Council of Europe
    assert "accession 2011-09-29" in parties  # Korea: the kind of instrument deposited, in words
    assert "read 2026-12-02" in parties
    assert client.get("/law/instruments/NOPE-1/").status_code == 404


def test_country_profile_shows_each_fact_with_source_and_verification(client):
    html = client.get("/law/countries/DE/").content.decode()
    profile = html.split('id="profile"')[1].split("</table>")[0]
    assert "extradites_nationals" in profile and "death_penalty" in profile
    assert "verified" in profile and "http" in profile


def test_world_map_colours_states_by_legal_basis(client):
    html = client.get("/law/map/?state=US&role=requesting&kind=extradition").content.decode()
    svg = html.split("<svg")[1].split("</svg>")[0]
    assert 'class="self"' in svg
    assert 'class="treaty" d="' in svg and 'data-state="GB"' in svg
    gb = svg.split('data-state="GB"')[0].rsplit("<path", 1)[1]
    assert 'class="treaty"' in gb
    assert client.get("/law/map/?state=ZZ").status_code == 400


def _cli(args):
    r = subprocess.run([sys.executable, "-m", "comity.cli", "law", *args], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout


def test_api_answers_in_the_cli_shapes(client):
    api = client.get("/api/law/basis?requesting=GB&requested=US&kind=extradition&date=2024-01-01").json()
    code, out = _cli(["basis", "GB", "US", "--kind", "extradition", "--date", "2024-01-01", "--json"])
    assert code == 0
    cli = json.loads(out)
    assert [b["instrument"] for b in api["legal_basis"]] == [b["instrument"] for b in cli["legal_basis"]]
    assert api["legal_basis"][0]["instrument"] == "bilateral:GB-US:2003"
    inst = client.get("/api/law/instruments/CETS-024").json()
    assert inst["id"] == "CETS-024" and any(p["state"] == "FR" for p in inst["parties"])
    assert client.get("/api/law/countries/fr").json()["state"] == "FR"


def test_api_law_errors_are_422_naming_the_field(client):
    r = client.get("/api/law/basis?requesting=FR&requested=DE&kind=teleport")
    assert r.status_code == 422 and "kind" in r.json()["errors"]
    r = client.get("/api/law/basis?requesting=FR&requested=DE&date=2024-02-30")
    assert r.status_code == 422 and "date" in r.json()["errors"]
    r = client.post("/api/law/clocks", {"kind": "extradition", "instrument": "CETS-024",
                                        "events": {"provisional_arrest": "2026-01-10"}, "requested_state": "CH"},
                    content_type="application/json")
    assert r.status_code == 200
    assert {c["code"]: c["due"] for c in r.json()}["provisional_arrest_release"] == "2026-02-19"


def test_answers_say_what_they_rest_on_in_the_api_the_cli_and_the_pages(client):
    api = client.get("/api/law/basis?requesting=BR&requested=FR&kind=extradition&date=2024-01-01").json()
    first = api["legal_basis"][0]
    assert first["rests_on"], first
    for fact in first["rests_on"]:
        assert {"label", "source", "read", "verified", "stale"} <= set(fact)
    unverified = [f for b in api["legal_basis"] for f in b["rests_on"] if not f["verified"]]
    assert unverified and all(b["warning"] for b in api["legal_basis"] if any(not f["verified"]
                                                                            for f in b["rests_on"]))
    assert api["law_data"]["version"] and api["law_data"]["refreshed"]
    code, out = _cli(["basis", "BR", "FR", "--kind", "extradition", "--date", "2024-01-01"])
    assert code == 0 and "rests on" in out and "NOT VERIFIED" in out and "last refreshed" in out
    page = client.get("/law/basis/?requesting=BR&requested=FR&kind=extradition&on=2024-01-01").content.decode()
    assert "Rests on" in page and "not verified" in page
    assert "last refreshed from official sources on" in page


def test_country_page_shows_structured_nationals_rule_history_and_read_date(client):
    page = client.get("/law/countries/GB/").content.decode()
    assert "History (2 values)" in page  # EU membership until 31 January 2020
    assert "read 2026-12-02" in page
    ch = client.get("/law/countries/CH/").content.decode()
    assert "bar (" in ch and "exceptions:" in ch and "NationalsRule(" not in ch
