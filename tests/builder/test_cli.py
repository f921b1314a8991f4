"""`comity draft check` and `comity draft generate` (wired into comity.cli by the lead)."""

from __future__ import annotations

import json

from comity.builder import actions, cli, render
from tests.builder.conftest import ARABIC_NAME


def test_check_lists_missing_elements_and_exits_1(make_request, supervisor, capsys):
    req = make_request("mla")
    actions.do_start_draft(req, measure="records", acting_user=supervisor)
    code = cli.run(cli.build_parser().parse_args(["check", req.reference, "--user", "sup", "--json"]))
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert "ETS 030 Art 14(1)(b)" in {f["citation"] for f in out["findings"]}
    assert out["translations_pending"] == "translations not done: de (needed)"


def test_generate_writes_the_file(parties, make_request, complete_draft, supervisor, tmp_path, capsys):
    req = make_request("mla")
    complete_draft(req, "records")
    target = tmp_path / "request.docx"
    code = cli.run(cli.build_parser().parse_args(["generate", req.reference, "--user", "sup", "--format", "docx",
                                                  "-o", str(target), "--json"]))
    assert code == 0
    assert json.loads(capsys.readouterr().out)["version"] == 1
    assert ARABIC_NAME in render.docx_text(target.read_bytes())


def test_non_member_is_told_there_is_no_such_request(make_request, outsider, supervisor, capsys):
    req = make_request("mla")
    actions.do_start_draft(req, measure="records", acting_user=supervisor)
    code = cli.run(cli.build_parser().parse_args(["check", req.reference, "--user", outsider.username]))
    assert code == 2 and "no such request" in capsys.readouterr().err
