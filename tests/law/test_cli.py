"""`comity law ...` command line: output, --json, and exit codes."""

from __future__ import annotations

import json
import shutil


from comity.law.cli import main
from comity.law.loader import DATA_DIR


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_basis_json(capsys):
    code, out, _ = run(capsys, "basis", "FR", "IE", "--kind", "mla", "--date", "2024-01-01", "--json")
    assert code == 0
    data = json.loads(out)
    ids = [x["instrument"] for x in data["legal_basis"]]
    assert ids[0] == "CETS-030" and "EU-EIO" not in ids
    assert all({"instrument", "title", "citation"} <= set(x) for x in data["legal_basis"])
    assert isinstance(data["reason"], str) and data["reason"]


def test_basis_none_json(capsys):
    code, out, _ = run(capsys, "basis", "CN", "US", "--kind", "extradition", "--date", "2024-01-01", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["legal_basis"] == [] and "requires a treaty" in data["reason"]


def test_basis_text(capsys):
    code, out, _ = run(capsys, "basis", "DE", "GB", "--kind", "extradition", "--date", "2022-01-01")
    assert code == 0
    assert out.splitlines()[1].startswith("1. EU-UK-TCA")


def test_instrument_json(capsys):
    code, out, _ = run(capsys, "instrument", "CETS-024", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "CETS-024" and data["kind"] == "multilateral_treaty"
    gb = next(p for p in data["parties"] if p["state"] == "GB")
    assert gb["entry_into_force"] == "1991-05-14"
    assert {"state", "signature", "ratification", "entry_into_force", "verified", "reservations"} <= set(gb)


def test_country_json(capsys, law):
    assert "FR" in law.profiles  # the repository's own data: a missing profile fails, never skips
    code, out, _ = run(capsys, "country", "FR", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["state"] == "FR"
    assert "source" in data["extradition_basis"] and "verified" in data["extradition_basis"]


def test_check(capsys):
    code, out, _ = run(capsys, "check", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["valid"] is True and data["instruments"] > 20 and data["parties"] > 1000
    assert "interpol_members_without_profile" in data and "unverified_facts_total" in data


def test_check_fails_on_invalid_data(capsys, tmp_path, monkeypatch):
    broken = tmp_path / "data"
    shutil.copytree(DATA_DIR, broken)
    path = broken / "instruments" / "CETS-112.yaml"
    path.write_text(path.read_text().replace("kind: multilateral_treaty", "kind: treaty"))
    monkeypatch.setenv("COMITY_LAW_DATA_DIR", str(broken))
    code, out, _ = run(capsys, "check", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["error"] == "data_error"
    assert data["problems"][0]["file"] == "instruments/CETS-112.yaml" and data["problems"][0]["field"] == "CETS-112.kind"
    code, _, err = run(capsys, "check")
    assert code == 1 and "CETS-112.kind" in err


def test_bad_input_exit_code_2(capsys):
    code, out, _ = run(capsys, "basis", "XX", "FR", "--kind", "mla", "--json")
    assert code == 2 and json.loads(out)["problems"][0]["field"] == "requesting"
    code, out, _ = run(capsys, "basis", "FR", "DE", "--kind", "mla", "--date", "2024-13-01", "--json")
    assert code == 2 and json.loads(out)["problems"][0]["field"] == "on_date"
    code, _, err = run(capsys, "instrument", "NOPE")
    assert code == 2 and "instrument" in err
    code, out, _ = run(capsys, "country", "QQ", "--json")
    assert code == 2 and json.loads(out)["problems"][0]["field"] == "state"
    code, _, err = run(capsys, "basis", "FR", "DE")  # --kind missing
    assert code == 2 and "--kind" in err
