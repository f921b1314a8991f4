"""Canonical leaf bytes for audit events: stable, recomputable, and strict about what it accepts."""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comity.ledger import (
    InvalidInputError,
    canonical_event,
    canonical_event_bytes,
    canonical_json_bytes,
    event_leaf_hash,
    format_event_time,
)

EVENT = {
    "seq": 7,
    "event_type": "case.viewed",
    "actor": "user:42",
    "time": "2026-01-31T09:30:00.123456Z",
    "case_id": "MLA-2026-0001",
    "object_type": "evidence_item",
    "object_id": 991,
    "old_value": {"status": "draft"},
    "new_value": {"status": "submitted", "items": [1, 2, "trois"]},
    "purpose": "review of incoming request",
}


def test_golden_bytes_pin_the_format():
    # If this changes, every leaf ever written changes: that needs a new leaf version, not an edit.
    assert canonical_event_bytes(EVENT) == (
        b'{"actor":"user:42","case_id":"MLA-2026-0001","event_type":"case.viewed",'
        b'"new_value":{"items":[1,2,"trois"],"status":"submitted"},"object_id":991,'
        b'"object_type":"evidence_item","old_value":{"status":"draft"},'
        b'"purpose":"review of incoming request","seq":7,"time":"2026-01-31T09:30:00.123456Z"}'
    )
    assert event_leaf_hash(EVENT) == hashlib.sha256(b"\x00" + canonical_event_bytes(EVENT)).digest()


def test_key_order_and_none_do_not_change_the_leaf():
    shuffled = dict(reversed(list(EVENT.items())))
    assert canonical_event_bytes(shuffled) == canonical_event_bytes(EVENT)
    assert canonical_event_bytes(EVENT | {"purpose": None}) == canonical_event_bytes(
        {k: v for k, v in EVENT.items() if k != "purpose"}
    )


def test_any_change_of_content_changes_the_leaf():
    base = canonical_event_bytes(EVENT)
    for key, value in [("seq", 8), ("actor", "user:43"), ("purpose", "review of incoming request "),
                       ("time", "2026-01-31T09:30:00.123457Z"), ("new_value", {"status": "Submitted"})]:
        assert canonical_event_bytes(EVENT | {key: value}) != base, key


def test_text_is_utf8_and_escapes_only_what_json_requires():
    event = EVENT | {"purpose": 'Überprüfung "Ersuchen"\n\u00e9\u4e2d\x1f\U0001f600'}
    out = canonical_event_bytes(event)
    assert '"purpose":"Überprüfung \\"Ersuchen\\"\\n\u00e9\u4e2d\\u001f\U0001f600"'.encode() in out
    assert json.loads(out) == event


def test_keys_sort_by_utf16_code_units_as_rfc8785_says():
    # U+1F600 is D83D DE00 in UTF-16, which sorts before U+E000; code-point order says the opposite.
    out = canonical_json_bytes({"\ue000": 1, "\U0001f600": 2, "a": 3})
    assert out == '{"a":3,"\U0001f600":2,"\ue000":1}'.encode()


def test_datetime_is_formatted_in_utc():
    moment = datetime(2026, 1, 31, 10, 30, tzinfo=timezone(timedelta(hours=1)))
    assert format_event_time(moment) == "2026-01-31T09:30:00.000000Z"
    assert canonical_event(EVENT | {"time": moment})["time"] == "2026-01-31T09:30:00.000000Z"


@given(
    st.dictionaries(
        st.text(max_size=5),
        st.recursive(
            st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
            max_leaves=8,
        ),
        max_size=5,
    )
)
def test_canonical_json_round_trips_and_is_stable(value):
    try:
        out = canonical_json_bytes(value)
    except InvalidInputError:
        # only lone surrogates (which hypothesis text can produce) may be refused
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in json.dumps(value, ensure_ascii=False))
        return
    assert json.loads(out) == value
    assert canonical_json_bytes(json.loads(out)) == out
    assert out == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() or any(
        ord(c) > 0xFFFF for c in out.decode()
    )


@pytest.mark.parametrize(
    "change,field",
    [
        ({"seq": -1}, "seq"),
        ({"seq": "7"}, "seq"),
        ({"seq": True}, "seq"),
        ({"event_type": ""}, "event_type"),
        ({"actor": 5}, "actor"),
        ({"time": "2026-01-31 09:30:00"}, "time"),
        ({"time": "2026-01-31T09:30:00+01:00"}, "time"),
        ({"time": "2026-02-30T09:30:00Z"}, "time"),
        ({"time": datetime(2026, 1, 1)}, "time"),  # naive
        ({"case_id": 1.5}, "case_id"),
        ({"new_value": {"amount": 1.5}}, "new_value.amount"),
        ({"new_value": [1, float("nan")]}, "new_value[1]"),
        ({"new_value": {"n": 2**60}}, "new_value.n"),
        ({"new_value": {1: "x"}}, "new_value"),
        ({"new_value": {"x": object()}}, "new_value.x"),
        ({"purpose": "\ud800"}, "event"),
    ],
)
def test_bad_events_are_refused_naming_the_field(change, field):
    with pytest.raises(InvalidInputError) as info:
        canonical_event_bytes(EVENT | change)
    assert field in [e.field for e in info.value.problems]


def test_missing_fields_are_all_reported_at_once():
    with pytest.raises(InvalidInputError) as info:
        canonical_event_bytes({"purpose": "x"})
    assert {e.field for e in info.value.problems} == {"seq", "event_type", "actor", "time"}
    with pytest.raises(InvalidInputError):
        canonical_event_bytes(["not", "an", "event"])  # type: ignore[arg-type]


def test_ledger_package_never_imports_django():
    package = Path(__file__).resolve().parents[2] / "src" / "comity" / "ledger"
    for source in package.rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n == "django" or n.startswith("django.") for n in names), source


def test_importing_the_ledger_loads_no_django(tmp_path):
    import subprocess

    code = "import sys, comity.ledger, comity.ledger.cli; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=4,
)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "seq": st.integers(-2, 2**54) | st.text(max_size=2),
            "event_type": st.text(max_size=3) | st.integers(),
            "actor": st.text(max_size=3) | st.none(),
            "time": st.sampled_from(["2026-01-31T09:30:00Z", "2026-02-30T09:30:00Z", "2026-01-31T09:30:00.5Z",
                                     "2026-01-31T09:30:00", "x"]),
            "case_id": json_values,
            "object_id": json_values,
            "purpose": json_values,
            "new_value": json_values,
        },
    )
)
def test_fast_path_agrees_with_the_careful_path(candidate):
    from comity.ledger.encoding import _normalise_event, _normalise_event_carefully

    def outcome(fn):
        try:
            return fn(candidate)
        except InvalidInputError:
            return "refused"

    assert outcome(_normalise_event) == outcome(_normalise_event_carefully)
