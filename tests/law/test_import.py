"""``comity law import``: an operator refreshes an instrument's party rows from a depositary's list.

It shows the differences first, writes only with --apply, marks what it writes as read (source URL and date),
moves the data set's refresh date, and refuses a bad file with the line and field, writing nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from comity.law import compile_law
from comity.law.cli import main
from comity.law.importer import parse_any_date, state_code
from comity.law.loader import DATA_DIR, known_states

CHART = "https://www.coe.int/en/web/conventions/full-list?module=signatures-by-treaty&treatynum=112"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    monkeypatch.setenv("COMITY_LAW_DATA_DIR", str(target))
    monkeypatch.setenv("COMITY_LAW_NO_CACHE", "1")
    return target


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _snapshot(data_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data_dir)): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}


def test_dates_in_the_depositaries_formats():
    assert parse_any_date("21/05/1969") == dt.date(1969, 5, 21)  # Council of Europe
    assert parse_any_date("21-05-1969") == dt.date(1969, 5, 21)  # Dutch treaty database
    assert parse_any_date("21.05.1969") == dt.date(1969, 5, 21)  # Fedlex
    assert parse_any_date("12 Dec 2000") == dt.date(2000, 12, 12)  # UN Treaty Collection
    assert parse_any_date("1969-05-21") == dt.date(1969, 5, 21)
    assert parse_any_date("31/02/2001") is None
    assert parse_any_date("05/21/1969") is None  # month 21: not a date, never silently swapped


def test_state_names_as_depositaries_write_them():
    names = known_states()
    assert state_code("Türkiye", names) == "TR"
    assert state_code("Netherlands, the Kingdom of the", names) == "NL"
    assert state_code("Republic of Korea", names) == "KR"
    assert state_code("Bolivia (Plurinational State of)", names) == "BO"
    assert state_code("Côte d'Ivoire", names) == "CI"
    assert state_code("Austria", names) == "AT" and state_code("at", names) == "AT"
    assert state_code("Narnia", names) is None
    assert state_code("Georgia", names) == "GE"  # not Georgia, USA; not GA


def test_preview_shows_the_differences_and_writes_nothing(data_dir, tmp_path, capsys):
    before = _snapshot(data_dir)
    law = compile_law(data_dir)
    at = law.instruments["CETS-112"].parties["AT"]
    csv = tmp_path / "chart.csv"
    csv.write_text("state,signature,deposit_kind,deposit,entry_into_force\n"
                   "Austria,21/03/1983,ratification,09/09/1986,01/01/1987\n"
                   "Kazakhstan,,accession,02/02/2022,01/06/2022\n", encoding="utf-8")
    code, out, _ = _run(capsys, "import", str(csv), "--instrument", "ETS 112", "--json")
    assert code == 0
    diff = json.loads(out)["diff"]
    assert {"state": "KZ", "accession": "2022-02-02", "entry_into_force": "2022-06-01"} in diff["added"] or \
        "KZ" in {c["state"] for c in diff["changed"]}
    changed = {c["state"]: c["changes"] for c in diff["changed"]}
    if at.signature != dt.date(1983, 3, 21):
        assert changed["AT"]["signature"]["new"] == "1983-03-21"
    assert json.loads(out)["applied"] is False
    assert _snapshot(data_dir) == before


def test_apply_writes_verified_rows_with_source_and_read_date(data_dir, tmp_path, capsys):
    payload = {"instrument": "CETS-112", "source": CHART, "as_of": "2026-11-30",
               "parties": [{"state": "Kazakhstan", "accession": "2022-02-02", "entry_into_force": "2022-06-01"}]}
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    code, out, err = _run(capsys, "import", str(path), "--instrument", "CETS-112", "--read", "2026-12-01",
                          "--apply")
    assert code == 0, err
    assert "applied" in out
    law = compile_law(data_dir)
    kz = law.instruments["CETS-112"].parties["KZ"]
    assert kz.deposit_kind == "accession" and kz.ratification == dt.date(2022, 2, 2)
    assert kz.entry_into_force == dt.date(2022, 6, 1)
    assert kz.verified and kz.source == CHART and kz.read == dt.date(2026, 12, 1)
    assert law.data_version["refreshed"] == dt.date(2026, 12, 1)
    # Rows not in the file are kept as they were.
    assert law.instruments["CETS-112"].parties["GB"].ratification is not None


def test_apply_needs_the_url_of_what_was_read(data_dir, tmp_path, capsys):
    before = _snapshot(data_dir)
    path = tmp_path / "chart.csv"
    path.write_text("state,deposit_kind,deposit,entry_into_force\nKazakhstan,accession,02/02/2022,01/06/2022\n",
                    encoding="utf-8")
    code, _, err = _run(capsys, "import", str(path), "--instrument", "CETS-112", "--apply")
    assert code == 2 and "source" in err
    assert _snapshot(data_dir) == before


@pytest.mark.parametrize("content,line,field,reason", [
    ("state,deposit_kind,deposit\nNarnia,ratification,2001-01-01\n", 2, "state", "unknown State"),
    ("state,deposit_kind,deposit\nAustria,ratification,31/02/2001\n", 2, "deposit", "not a date"),
    ("state,signature,deposit_kind,deposit\nAustria,2001-05-01,ratification,2001-01-01\n", 2, "deposit",
     "before the signature"),
    ("state,deposit_kind,deposit,entry_into_force\nAustria,accession,2001-05-01,2001-01-01\n", 2,
     "entry_into_force", "before the deposit"),
    ("state,deposit_kind,deposit\nAustria,ratification,2001-01-01\nAustria,ratification,2001-01-01\n", 3,
     "state", "also on line 2"),
    ("state,deposit_kind,deposit\nAustria,promise,2001-01-01\n", 2, "deposit_kind", "unknown kind"),
    ("country;date\nAustria;2001-01-01\n", 1, "header", "state"),
    ("instrument,state,deposit_kind,deposit\nCETS-024,Austria,ratification,2001-01-01\n", 2, "instrument",
     "not CETS-112"),
    ("state,deposit_kind,deposit\nAustria,ratification,2999-01-01\n", 2, "deposit", "in the future"),
])
def test_bad_files_name_the_line_and_field_and_apply_nothing(data_dir, tmp_path, capsys, content, line, field,
                                                             reason):
    before = _snapshot(data_dir)
    path = tmp_path / "chart.csv"
    path.write_text(content, encoding="utf-8")
    code, out, _ = _run(capsys, "import", str(path), "--instrument", "CETS-112", "--source", CHART, "--apply",
                        "--json")
    assert code == 2
    errors = json.loads(out)["problems"]
    assert any(e["line"] == line and e["field"] == field and reason in e["reason"] for e in errors), errors
    assert _snapshot(data_dir) == before


def test_malformed_json_is_refused_with_its_line(data_dir, tmp_path, capsys):
    path = tmp_path / "chart.json"
    path.write_text('{"parties": [\n  {"state": "AT",}\n]}', encoding="utf-8")
    code, out, _ = _run(capsys, "import", str(path), "--instrument", "CETS-112", "--json")
    assert code == 2
    (err,) = json.loads(out)["problems"]
    assert err["field"] == "json" and err["line"] == 2


def test_json_for_another_instrument_is_refused(data_dir, tmp_path, capsys):
    path = tmp_path / "chart.json"
    path.write_text(json.dumps({"instrument": "UNTOC", "parties": [{"state": "AT", "ratification": "2004-09-23"}]}),
                    encoding="utf-8")
    code, out, _ = _run(capsys, "import", str(path), "--instrument", "CETS-112", "--json")
    assert code == 2
    assert any(e["field"] == "instrument" and "UNTOC" in e["reason"] for e in json.loads(out)["problems"])


def test_an_import_that_would_break_the_data_set_writes_nothing(data_dir, tmp_path, capsys):
    """Entry into force that contradicts the treaty's own rule (ETS 112 Art 18: first day of the month after
    three months) is refused by the whole-set validation, and nothing is written."""
    before = _snapshot(data_dir)
    path = tmp_path / "chart.csv"
    path.write_text("state,deposit_kind,deposit,entry_into_force\nKazakhstan,accession,02/02/2022,15/03/2022\n",
                    encoding="utf-8")
    code, _, err = _run(capsys, "import", str(path), "--instrument", "CETS-112", "--source", CHART, "--apply")
    assert code == 1 and "entry_into_force" in err
    assert _snapshot(data_dir) == before
