"""`comity evidence` (comity.evidence.cli): register by path, verify, export, bad input exit codes."""

import json
import os
import subprocess

import pytest

from comity.evidence import cli
from comity.evidence.models import CustodyEvent, EvidenceItem

pytestmark = pytest.mark.django_db


def _run(capsys, *argv):
    code = cli.run(cli.build_parser().parse_args(list(argv)))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_register_verify_export(evidence_env, case, caseworker, tmp_path, capsys):
    src = tmp_path / "disk.img"
    src.write_bytes(os.urandom(2_000_000))
    code, out, _ = _run(capsys, "register", case.reference, str(src), "--user", caseworker.username, "--title",
                        "Disk image", "--date-obtained", "2026-03-01", "--providing-state", "ES", "--sha512", "--json")
    assert code == 0
    reg = json.loads(out)
    sha = subprocess.run(["sha256sum", str(src)], capture_output=True, text=True).stdout.split()[0]
    assert reg["sha256"] == sha and reg["size"] == 2_000_000
    code, out, _ = _run(capsys, "verify", reg["exhibit_number"], "--user", caseworker.username)
    assert code == 0 and "OK" in out
    code, out, _ = _run(capsys, "export-case", reg["exhibit_number"], "--user", caseworker.username)
    assert code == 0 and json.loads(out)["@context"]["uco-core"]
    CustodyEvent.objects.filter(item__exhibit_number=reg["exhibit_number"]).update(place="elsewhere")
    code, out, _ = _run(capsys, "verify", reg["exhibit_number"], "--user", caseworker.username)
    assert code == 1 and "PROBLEMS FOUND" in out and "signature does not verify" in out


def test_bad_input_exits_2_naming_the_field(evidence_env, case, caseworker, outsider, tmp_path, capsys):
    empty = tmp_path / "empty.bin"
    empty.touch()
    code, _, err = _run(capsys, "register", case.reference, str(empty), "--user", caseworker.username, "--title", "x",
                        "--date-obtained", "2026-03-01")
    assert code == 2 and "error: file:" in err and "empty" in err
    code, _, err = _run(capsys, "register", case.reference, str(empty), "--user", outsider.username, "--title", "x",
                        "--date-obtained", "2026-03-01")
    assert code == 2 and "error: case:" in err
    assert not EvidenceItem.objects.exists()
    code, _, err = _run(capsys, "init-key")
    assert code == 2 and "exists already" in err
