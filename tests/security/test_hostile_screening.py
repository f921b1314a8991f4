"""Hostile watchlists and index files (issue 13 item 9, issue 16): XML bombs and external entities in the UN list,
gzip bombs, over-long lines and files past the size limit, through `comity screen import|index|match` as an
operator runs them. Each ends in a clear error naming the file, exit code 2, no traceback, nothing written."""

from __future__ import annotations

import gzip
import json

import pytest

from comity.screening import cli, files
from comity.screening.importers import un

PERSON = {"id": "p1", "schema": "Person", "properties": {"name": ["Ayman al-Zawahiri"]}}

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&lol9;</FIRST_NAME></INDIVIDUAL>
</INDIVIDUALS></CONSOLIDATED_LIST>
"""
XXE_FILE = """<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&xxe;</FIRST_NAME></INDIVIDUAL>
</INDIVIDUALS></CONSOLIDATED_LIST>
"""
XXE_HTTP = XXE_FILE.replace("file:///etc/passwd", "http://127.0.0.1:9/steal")
DTD_ONLY = """<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://127.0.0.1:9/list.dtd">
<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>
"""
UN_OK = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>6908555</DATAID><FIRST_NAME>RI</FIRST_NAME>
<SECOND_NAME>WON HO</SECOND_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>
"""


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, argv, *words) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and out == ""
    for w in words:
        assert w in err, (w, err)
    return err


@pytest.mark.parametrize("name,text,words", [
    ("laughs.xml", BILLION_LAUGHS, ("laughs.xml", "refused", "DTD")),
    ("xxe-file.xml", XXE_FILE, ("xxe-file.xml", "refused")),
    ("xxe-http.xml", XXE_HTTP, ("xxe-http.xml", "refused")),
    ("dtd.xml", DTD_ONLY, ("dtd.xml", "refused")),
    ("cut.xml", UN_OK[:-40], ("cut.xml", "not the UN consolidated list XML")),
])
def test_hostile_un_lists_are_refused_and_nothing_is_imported(tmp_path, capsys, name, text, words):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    store = tmp_path / "store"
    err = refused(capsys, ["import", "un", "--store", store, f], *words)
    assert "root:" not in err  # nothing of /etc/passwd
    assert not store.exists() or not any(store.iterdir())


def test_the_un_list_size_limit_is_exact(tmp_path, capsys, monkeypatch):
    f = tmp_path / "list.xml"
    f.write_text(UN_OK, encoding="utf-8")
    size = f.stat().st_size
    monkeypatch.setattr(un, "MAX_XML_BYTES", size)
    code, out, err = run(capsys, "import", "un", "--store", tmp_path / "store", f, "--json")
    assert code == 0, err
    assert json.loads(out)["entries"] == 1
    monkeypatch.setattr(un, "MAX_XML_BYTES", size - 1)
    refused(capsys, ["import", "un", "--store", tmp_path / "store2", f], "list.xml", "over the limit")
    assert not (tmp_path / "store2").exists()


def _gz(path, data: bytes):
    with gzip.open(path, "wb", compresslevel=9) as g:
        g.write(data)
    return path


def test_the_expansion_limit_is_exact_for_lists_queries_and_indexes(tmp_path, capsys, monkeypatch):
    data = (json.dumps(PERSON) + "\n").encode() * 3
    wl = _gz(tmp_path / "w.ftm.jsonl.gz", data)
    q = tmp_path / "q.ftm.jsonl"
    q.write_text(json.dumps({"id": "q", "schema": "Person", "properties": {"name": ["Aiman al Zawahri"]}}) + "\n")
    monkeypatch.setenv("COMITY_SCREENING_MAX_INPUT_BYTES", str(len(data)))
    code, out, err = run(capsys, "match", "--list", wl, "--queries", q, "--json")
    assert code == 0, err
    assert json.loads(out)["matches"][0]["id"] == "p1"
    monkeypatch.setenv("COMITY_SCREENING_MAX_INPUT_BYTES", str(len(data) - 1))
    refused(capsys, ["match", "--list", wl, "--queries", q, "--json"], "w.ftm.jsonl.gz", "expands beyond the limit")
    # an index file: saved under the limit, refused past it
    monkeypatch.delenv("COMITY_SCREENING_MAX_INPUT_BYTES")
    idx = tmp_path / "w.index"
    code, _, err = run(capsys, "index", "--list", wl, "--out", idx)
    assert code == 0, err
    with gzip.open(idx, "rb") as g:
        expanded = len(g.read())
    monkeypatch.setenv("COMITY_SCREENING_MAX_INPUT_BYTES", str(expanded))
    code, out, err = run(capsys, "match", "--index", idx, "--queries", q, "--json")
    assert code == 0, err
    monkeypatch.setenv("COMITY_SCREENING_MAX_INPUT_BYTES", str(expanded - 1))
    refused(capsys, ["match", "--index", idx, "--queries", q, "--json"], "w.index", "expands beyond the limit")


def test_a_gzip_bomb_is_refused_by_its_expansion_ratio(tmp_path, capsys):
    # 1 KiB lines, identical: about 1,000 times smaller gzipped; refused once 64 MiB has come out
    line = (json.dumps({**PERSON, "properties": {"name": ["Ayman al-Zawahiri"], "notes": ["x" * 900]}}) + "\n").encode()
    bomb = tmp_path / "bomb.ftm.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as g:
        chunk = line * 1024
        for _ in range(80 * 1024 * 1024 // len(chunk)):
            g.write(chunk)
    assert bomb.stat().st_size * files.MAX_RATIO < 64 * 1024 * 1024
    q = tmp_path / "q.ftm.jsonl"
    q.write_text(json.dumps(PERSON) + "\n")
    refused(capsys, ["index", "--list", bomb, "--out", tmp_path / "x.index"], "bomb.ftm.jsonl.gz", "gzip bomb")
    assert not (tmp_path / "x.index").exists()


def test_an_over_long_line_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 1000)
    wl = tmp_path / "w.ftm.jsonl"
    ok = json.dumps(PERSON)
    wl.write_text(ok + "\n" + json.dumps({**PERSON, "id": "p2", "properties": {"name": ["A" * 2000]}}) + "\n")
    q = tmp_path / "q.ftm.jsonl"
    q.write_text(ok + "\n")
    refused(capsys, ["match", "--list", wl, "--queries", q, "--json"], "w.ftm.jsonl", "longer than 1,000 bytes")


def test_an_fbi_file_past_the_limit_is_refused(tmp_path, capsys, monkeypatch):
    page = {"items": [{"uid": "u1", "title": "JOHN DOE", "person_classification": "Main"}]}
    f = _gz(tmp_path / "fbi.json.gz", json.dumps(page).encode())
    monkeypatch.setenv("COMITY_SCREENING_MAX_INPUT_BYTES", "10")
    refused(capsys, ["import", "fbi", "--store", tmp_path / "store", f], "fbi.json.gz", "expands beyond the limit")
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())
