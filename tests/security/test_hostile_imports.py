"""Hostile input to the importers and JSON entry points, through the real entry points: `comity law import FILE`
and `comity assess FILE.json` (comity.cli.main), and the API's JSON bodies (POST /api/cases with a token, the
public POST /api/assess).

Malformed CSV (ragged rows, NUL bytes, BOMs, wrong delimiters, quote storms, formula cells), JSON that is not an
object or is nested 100,000 deep, huge fields and too many rows, invalid UTF-8 and mixed encodings: each ends in
a clear error naming the field (CLI: "line N, FIELD: reason" / {"errors": {FIELD: …}}; API: errors.FIELD), no
traceback, no 500, and nothing written: the law data folder is byte-identical afterwards, and no row or audit
event is added. See docs/security/hostile-input.md."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.security.hostile_support import BOUNDED, snapshot

DEEP = "[" * 100_000 + "]" * 100_000
HEADER = "state,signature,deposit_kind,deposit,entry_into_force\n"


@pytest.fixture
def law_dir(tmp_path, monkeypatch):
    """A copy of the law data the importer reads and (with --apply) writes, so a mistake cannot touch the
    packaged data; returns a function that fingerprints every file in it."""
    import shutil

    from comity.law.loader import DATA_DIR

    target = tmp_path / "law"
    shutil.copytree(DATA_DIR, target)
    monkeypatch.setenv("COMITY_LAW_DATA_DIR", str(target))

    def fingerprint():
        return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(target.rglob("*")) if p.is_file()}

    return fingerprint


def _law_import(capsys, path, *extra):
    from comity.cli import main

    code = main(["law", "import", str(path), "--instrument", "CETS-024", "--source",
                 "https://www.coe.int/en/web/conventions/full-list?module=signatures-by-treaty&treatynum=024",
                 "--apply", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def _refused(code, out, err, field):
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert f"{field}:" in err or f'"field": "{field}"' in out, (field, out, err)


HOSTILE_CSV = {
    "ragged_more": (HEADER + "Austria,13/12/1957,ratification,21/05/1969,19/08/1969,extra,cells\n", "row"),
    "ragged_less": (HEADER + "Austria\n", "signature"),
    "nul_byte": (HEADER + "Aus\0tria,13/12/1957,,,\n", "state"),
    "bom_then_semicolons": ("\ufeffstate;signature\nAustria;13/12/1957\n", "header"),
    "tab_delimited": ("state\tsignature\nAustria\t13/12/1957\n", "header"),
    "quote_storm": (HEADER + '"""""Austria"""' + '"' * 5000 + ",x\n", "state"),
    "unclosed_quote_huge_field": (HEADER + '"' + "A" * 200_000 + "\n", "row"),
    "formula_cells": (HEADER + "=cmd|' /C calc'!A0,+1,@SUM(1),-2,=1+1\n", "state"),
    "header_only": (HEADER, "parties"),
    "no_header": ("Austria,13/12/1957\n", "header"),
}


@pytest.mark.parametrize("case_name", sorted(HOSTILE_CSV))
def test_malformed_party_csv_is_refused_naming_line_and_field(law_dir, tmp_path, capsys, case_name):
    text, field = HOSTILE_CSV[case_name]
    path = tmp_path / "parties.csv"
    path.write_text(text, encoding="utf-8")
    before = law_dir()
    _refused(*_law_import(capsys, path), field)
    assert law_dir() == before


@pytest.mark.parametrize("raw,field", [
    (b"\xff\xfe" + "state,signature\n".encode("utf-16-le"), "file"),          # UTF-16 with its BOM
    (HEADER.encode() + "Côte d'Ivoire".encode("latin-1") + b",01/01/2000,,,\n", "file"),  # Latin-1 in UTF-8
    (HEADER.encode() + b"\xc3\x28,01/01/2000,,,\n", "file"),                  # invalid UTF-8 sequence
    (DEEP.encode(), "json"),                                                  # deep nesting, not an object
    (b'{"parties": ' + DEEP.encode() + b"}", "json"),
    (b'"just a string"', "parties"),
    (b"[1, 2, 3]", "parties"),
    (b'{"parties": [1, "x", null]}', "parties[0]"),
    (b'{"parties": [{"state": {"nested": ["object"]}, "signature": "2000-01-01"}]}', "state"),
])
def test_hostile_party_json_and_encodings(law_dir, tmp_path, capsys, raw, field):
    path = tmp_path / ("parties.json" if raw.lstrip()[:1] in (b"{", b"[", b'"') else "parties.csv")
    path.write_bytes(raw)
    before = law_dir()
    _refused(*_law_import(capsys, path), field)
    assert law_dir() == before


def test_party_file_size_limit_is_exact(law_dir, tmp_path, capsys):
    """The limit is enforced before the file is read: at the limit the file is read (and here refused for its
    content), one byte over it is refused for its size, naming the file."""
    from comity.law.importer import MAX_FILE_BYTES

    before = law_dir()
    path = tmp_path / "parties.csv"
    body = HEADER + "Atlantis,13/12/1957,ratification,21/05/1969,19/08/1969\n"
    path.write_text(body + "\n" * (MAX_FILE_BYTES - len(body)), encoding="utf-8")  # blank lines are skipped
    assert path.stat().st_size == MAX_FILE_BYTES
    code, out, err = _law_import(capsys, path, "--json")
    assert code == 2 and set(json.loads(out)["errors"]) == {"state"}, out[:300]  # read: refused for its content
    with open(path, "a") as fh:
        fh.write("\n")
    code, out, err = _law_import(capsys, path, "--json")
    assert code == 2 and json.loads(out)["errors"]["file"].startswith("is larger than")
    assert law_dir() == before


def test_party_file_row_limit_is_exact(law_dir, tmp_path, capsys):
    from comity.law.importer import MAX_ROWS

    before = law_dir()
    path = tmp_path / "parties.csv"
    path.write_text(HEADER + "Austria,13/12/1957,,,\n" * MAX_ROWS, encoding="utf-8")
    code, out, err = _law_import(capsys, path)
    assert "more than" not in err and "Traceback" not in err  # refused for duplicates, not for its length
    path.write_text(HEADER + "Austria,13/12/1957,,,\n" * (MAX_ROWS + 1), encoding="utf-8")
    code, out, err = _law_import(capsys, path)
    _refused(code, out, err, "parties")
    assert f"more than {MAX_ROWS} rows" in err
    assert law_dir() == before


@BOUNDED
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=600).map(lambda t: HEADER + t))
def test_any_csv_ends_in_a_verdict_never_a_traceback(law_dir, tmp_path, capsys, text):
    path = tmp_path / "parties.csv"
    path.write_text(text, encoding="utf-8", newline="")
    before = law_dir()
    code, out, err = _law_import(capsys, path, "--json")
    assert "Traceback" not in out + err
    if code != 0:
        assert code == 2 and json.loads(out)["errors"], out
        assert law_dir() == before


@BOUNDED
@given(raw=st.binary(max_size=400))
def test_any_bytes_ends_in_a_verdict_never_a_traceback(law_dir, tmp_path, capsys, raw):
    path = tmp_path / "parties.json"
    path.write_bytes(raw)
    before = law_dir()
    code, out, err = _law_import(capsys, path, "--json")
    assert code == 2 and json.loads(out)["errors"] and law_dir() == before


# --- comity assess FILE.json ---------------------------------------------------------------------------------

def _assess(capsys, path):
    from comity.cli import main

    code = main(["assess", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("raw,field", [
    (DEEP.encode(), "$"), (b'{"a": ' + DEEP.encode() + b"}", "$"), (b"[]", "$"), (b'"facts"', "$"),
    (b"\xff\xfe{\x00}\x00", "file"), (b'{"kind": "extradition\xc3\x28"}', "file"), (b"", "$"),
])
def test_assess_file_hostile_json(tmp_path, capsys, raw, field):
    path = tmp_path / "facts.json"
    path.write_bytes(raw)
    code, out, err = _assess(capsys, path)
    assert code == 2 and "Traceback" not in out + err, (out, err)
    assert field in json.loads(out)["errors"], out


def test_assess_file_size_limit_is_exact(tmp_path, capsys):
    from comity.law.assess.cli import MAX_FACTS_BYTES

    path = tmp_path / "facts.json"
    body = b'{"kind": "extradition"}'
    path.write_bytes(body + b" " * (MAX_FACTS_BYTES - len(body)))
    code, out, err = _assess(capsys, path)
    assert "larger than" not in out
    path.write_bytes(body + b" " * (MAX_FACTS_BYTES + 1 - len(body)))
    code, out, err = _assess(capsys, path)
    assert code == 2 and json.loads(out)["errors"]["file"].startswith("is larger than")


# --- API JSON bodies -----------------------------------------------------------------------------------------

@pytest.fixture
def token(supervisor):
    from comity.accounts.actions import do_create_token

    _, raw = do_create_token(supervisor, name="hostile", scope="write", acting_user=supervisor)
    return raw


BODIES = [DEEP, '{"title": ' + DEEP + "}", '"Operation Smoke"', "[]", "null", "1e999999", "{\"title\": \"x\"",
          b'{"title": "\xc3\x28"}', b"\xff\xfe{}", '{"title": "' + "x" * 100_000 + '"}',
          '{"title": "ok", "summary": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"]


@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_api_json_bodies_are_422_naming_the_field(client, token, body, db):
    from comity.cases.models import Case

    before = snapshot()
    r = client.post("/api/cases", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 422, (r.status_code, r.content[:300])
    errors = r.json()["errors"]
    assert set(errors) & {"body", "title", "summary"}, errors
    r = client.post("/api/assess", body, content_type="application/json")
    assert r.status_code == 422, (r.status_code, r.content[:300])
    assert r.json()["errors"], r.content[:300]
    assert snapshot() == before and not Case.objects.filter(title="x").exists()


def test_api_body_over_the_request_limit_is_refused_cleanly(client, token, settings, db):
    """Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds every non-file body: exactly at it the body is read, one
    byte over it is refused with a 4xx naming the body, never a 500."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = limit = 64 * 1024
    before = snapshot()
    pad = '{"title": "Hostile", "summary": "'
    at_limit = pad + "s" * (limit - len(pad) - 2) + '"}'
    assert len(at_limit) == limit
    r = client.post("/api/cases", at_limit, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code in (201, 422) and r.status_code < 500, r.content[:300]
    created = r.status_code == 201
    over = pad + "s" * (limit - len(pad) - 1) + '"}'
    r = client.post("/api/cases", over, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert 400 <= r.status_code < 500 and r.status_code != 404, (r.status_code, r.content[:300])
    assert "body" in r.json().get("errors", {}), r.content[:300]
    after = snapshot()
    assert after["cases"] == before["cases"] + (1 if created else 0)


def test_the_packaged_law_data_is_untouched(law_dir):
    from comity.law.loader import DATA_DIR, default_data_dir

    assert default_data_dir() != DATA_DIR and Path(default_data_dir()).exists()
