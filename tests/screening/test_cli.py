"""The exact contract of `comity screen match`, through the real command, and bad input with line numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

WATCHLIST = [
    {"id": "w-putin", "schema": "Person", "properties": {"name": ["PUTIN, Vladimir Vladimirovich"],
                                                         "alias": ["Путин Владимир Владимирович"],
                                                         "birthDate": ["1952-10-07"], "nationality": ["ru"]}},
    {"id": "w-zawahiri", "schema": "Person", "properties": {"name": ["AL ZAWAHIRI, Ayman"],
                                                            "birthDate": ["1951-06-19"], "nationality": ["eg"]}},
    {"id": "w-biliy", "schema": "Person", "properties": {"name": ["Vladimir Biliy"]}},
    {"id": "sanction-1", "schema": "Sanction", "properties": {"entity": ["w-putin"]}},
]
QUERIES = [
    {"id": "q1", "schema": "Person", "properties": {"name": ["Vladimir Putin"], "birthDate": ["1952-10-07"]}},
    {"id": "q2", "schema": "Person", "properties": {"name": ["أيمن الظواهري"]}},
    {"id": "q3", "schema": "Person", "properties": {"name": ["Nobody Atall"], "nationality": ["fr"]}},
]


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def screen(*args):
    return subprocess.run([sys.executable, "-m", "comity.cli", "screen", *map(str, args)], capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def files(tmp_path):
    return _write(tmp_path / "w.ftm.jsonl", WATCHLIST), _write(tmp_path / "q.ftm.jsonl", QUERIES)


def test_match_prints_one_json_object_per_query_in_order(files):
    wl, q = files
    r = screen("match", "--list", wl, "--queries", q, "--limit", 2, "--json")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["query"] for x in lines] == ["q1", "q2", "q3"]
    for x in lines:
        assert set(x) == {"query", "matches"} and len(x["matches"]) <= 2
        for m in x["matches"]:
            assert set(m) == {"id", "score", "match", "explanation"}
            assert 0 <= m["score"] <= 1 and isinstance(m["match"], bool) and isinstance(m["explanation"], list)
        assert [m["score"] for m in x["matches"]] == sorted((m["score"] for m in x["matches"]), reverse=True)
    assert lines[0]["matches"][0]["id"] == "w-putin" and lines[0]["matches"][0]["match"] is True
    assert "date of birth matches (1952-10-07)" in lines[0]["matches"][0]["explanation"]
    assert lines[1]["matches"][0]["id"] == "w-zawahiri" and lines[1]["matches"][0]["match"] is True
    assert not any(m["match"] for m in lines[2]["matches"])
    assert any(line.startswith("build_seconds: ") and float(line.split()[1]) >= 0 for line in r.stderr.splitlines())


def test_index_is_saved_and_reused(files, tmp_path):
    wl, q = files
    out = tmp_path / "w.index"
    r = screen("index", "--list", wl, "--out", out)
    assert r.returncode == 0, r.stderr
    from_list = screen("match", "--list", wl, "--queries", q, "--json")
    from_index = screen("match", "--index", out, "--queries", q, "--json")
    assert from_index.returncode == 0, from_index.stderr
    assert from_index.stdout == from_list.stdout
    assert "build_seconds: " in from_index.stderr
    bad = tmp_path / "not.index"
    bad.write_text("hello")
    r = screen("match", "--index", bad, "--queries", q, "--json")
    assert r.returncode == 2 and "not a screening index" in r.stderr


@pytest.mark.parametrize("line,reason", [
    ('{"id": "x", "schema": "Person", "properties": {"name": ["A B"]', "not valid JSON"),
    ('{"id": "x", "schema": "Persn", "properties": {"name": ["A B"]}}', "unknown schema 'Persn'"),
    ('{"id": "x", "schema": "Person", "properties": {"name": [""]}}', "property name: empty"),
    ('{"id": "x", "schema": "Person", "properties": {"name": ["' + "a" * 10000 + '"]}}', "10000 characters"),
    ('{"id": "x", "schema": "Person", "properties": {"name": ["A B"], "birthDate": ["1980-02-30"]}}',
     "day 30 does not exist"),
    ('{"id": "x", "schema": "Person", "properties": {"name": ["A B"], "birthDate": ["last year"]}}', "is not a date"),
    ('{"id": "x", "schema": "Person", "properties": {"name": ["A B"], "nationality": ["qq"]}}',
     "'qq' is not a country code"),
])
def test_bad_lines_are_named_with_their_number_and_the_file_is_refused(files, tmp_path, line, reason):
    wl, _ = files
    q = _write(tmp_path / "bad.jsonl", [QUERIES[0], "", line, QUERIES[1]])
    r = screen("match", "--list", wl, "--queries", q, "--json")
    assert r.returncode == 2
    assert r.stdout == ""  # refused as a whole: no query was screened
    assert "line 3" in r.stderr and reason in r.stderr, r.stderr
    assert "refused as a whole" in r.stderr
    r = screen("match", "--list", q, "--queries", wl, "--json")  # the same in a watchlist
    assert r.returncode == 2 and "line 3" in r.stderr and reason in r.stderr


def test_json_errors_and_every_bad_line_listed(files, tmp_path):
    wl, _ = files
    q = _write(tmp_path / "bad.jsonl", ["not json", QUERIES[0], '{"id": "y", "schema": "Person", "properties": {}}'])
    r = screen("match", "--list", wl, "--queries", q, "--json")
    err = json.loads(r.stderr)
    assert err["error"] == "invalid_input"
    assert [p["line"] for p in err["problems"]] == [1, 3]
