"""Canonical bytes for audit events: what a ledger leaf *is*.

The Django audit app stores an event, hashes ``canonical_event_bytes(event)`` into the log, and
exports the same event later; an oversight body recomputes the bytes from the export with this
function (or any other language following the rules below) and gets the same leaf hash.

The encoding is JSON in the style of RFC 8785 (JSON Canonicalization Scheme), restricted so that
every implementation agrees byte for byte without a special number formatter:

* objects: keys sorted by their UTF-16 code units (RFC 8785 §3.2.3; for keys inside the Basic
  Multilingual Plane this is plain code-point order), no insignificant whitespace
  (``{"a":1,"b":[true,null]}``);
* strings: UTF-8, only ``"``, ``\\`` and control characters escaped (``\\n``, ``\\t``, ... and
  ``\\u001f`` style, lower-case hex), everything else literal; lone surrogates are refused;
* numbers: integers only, within +/-(2**53 - 1) so that JavaScript and every JSON parser read them
  exactly.  Floats are refused: decimal formatting of doubles differs between languages, and an
  audit value that needs a fraction (an amount frozen, a percentage) should travel as a string.

Event fields (the audit event model of ``comity.audit``):

=============  ========================  =====================================================
field          type                      meaning
=============  ========================  =====================================================
seq            int >= 0, required        position in the log; by convention the leaf index
event_type     non-empty str, required   e.g. ``"case.viewed"``, ``"request.submitted"``
actor          non-empty str, required   who acted (user id or system component)
time           str, required             UTC, ``YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z``
                                         (an aware ``datetime`` is accepted and formatted by
                                         :func:`format_event_time`)
case_id        str | int, optional       the case concerned
object_type    str, optional             e.g. ``"evidence_item"``
object_id      str | int, optional
old_value      any JSON, optional        value before the change
new_value      any JSON, optional        value after the change
purpose        str, optional             stated purpose of a read (LED Art 25)
=============  ========================  =====================================================

Other keys are allowed (and hashed) so the audit model can grow without a new leaf version.  A
top-level key whose value is ``None`` is dropped before encoding, so "absent" and "null" give the
same leaf: the database may store either.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from typing import Any, Mapping

from comity.ledger.errors import FieldError, InvalidInputError

MAX_SAFE_INTEGER = 2**53 - 1

REQUIRED_EVENT_FIELDS = ("seq", "event_type", "actor", "time")

_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z\Z", re.ASCII)


def format_event_time(moment: datetime) -> str:
    """Format an aware datetime as the canonical event time ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInputError([FieldError("time", "must be a timezone-aware datetime")])
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_time(value: Any, field: str, errors: list[FieldError]) -> str | None:
    if isinstance(value, datetime):
        try:
            return format_event_time(value)
        except InvalidInputError as exc:
            errors.extend(FieldError(field, e.reason) for e in exc.problems)
            return None
    if not isinstance(value, str) or not _TIME_RE.match(value):
        errors.append(FieldError(field, "must be an ISO-8601 UTC time like 2026-01-31T09:30:00Z"))
        return None
    try:
        datetime.fromisoformat(value[:19])
    except ValueError:
        errors.append(FieldError(field, f"{value!r} is not a real date and time"))
        return None
    return value


_INVALID = 2


def _scan_json(value: Any) -> int:
    """Fast check without error paths: 0 = fine, 1 = fine but astral keys, 2 = invalid somewhere."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return 0
    if kind is int:
        return 0 if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else _INVALID
    if kind is dict:
        found = 0
        for key, item in value.items():
            if type(key) is not str:
                return _INVALID
            if not key.isascii() and any(ord(c) > 0xFFFF for c in key):
                found = 1
            sub = _scan_json(item)
            if sub == _INVALID:
                return _INVALID
            found |= sub
        return found
    if kind is list or kind is tuple:
        found = 0
        for item in value:
            sub = _scan_json(item)
            if sub == _INVALID:
                return _INVALID
            found |= sub
        return found
    return _INVALID


def _check_json(value: Any, field: str, errors: list[FieldError]) -> bool:
    """Check ``value`` is canonical-JSON-able; return True if some key needs UTF-16 reordering."""
    kind = type(value)
    if kind is str:
        return False
    if kind is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            errors.append(FieldError(field, "integer outside +/-(2**53 - 1); send it as a string"))
        return False
    if kind is bool or value is None:
        return False
    if kind is float:
        errors.append(FieldError(field, "floats are not allowed in ledger events; send a string"))
        return False
    if kind is list or kind is tuple:
        reorder = False
        for i, item in enumerate(value):
            reorder |= _check_json(item, f"{field}[{i}]", errors)
        return reorder
    if kind is dict:
        reorder = False
        for key, item in value.items():
            if type(key) is not str:
                errors.append(FieldError(field, f"object key {key!r} is not a string"))
                continue
            if not key.isascii() and any(ord(c) > 0xFFFF for c in key):
                reorder = True
            reorder |= _check_json(item, f"{field}.{key}", errors)
        return reorder
    errors.append(FieldError(field, f"{kind.__name__} is not a JSON value"))
    return False


def _utf16_order(value: Any) -> Any:
    """Rebuild dicts in RFC 8785 key order (UTF-16 code units); only needed for astral keys."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return {k: _utf16_order(value[k]) for k in keys}
    if isinstance(value, (list, tuple)):
        return [_utf16_order(v) for v in value]
    return value


def canonical_json_bytes(value: Any, *, field: str = "value") -> bytes:
    """Canonical JSON bytes of any JSON-able value under the rules in the module docstring.

    Raises :class:`InvalidInputError` naming the offending path (e.g. ``value.items[2]``).
    """
    scan = _scan_json(value)
    if scan == _INVALID:
        errors: list[FieldError] = []
        _check_json(value, field, errors)
        raise InvalidInputError(errors or [FieldError(field, "is not canonical JSON")])
    reorder = scan == 1
    return _dump(_utf16_order(value) if reorder else value, sort=not reorder, field=field)


_SORTED_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_ORDERED_ENCODER = json.JSONEncoder(sort_keys=False, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _dump(value: Any, *, sort: bool, field: str) -> bytes:
    text = (_SORTED_ENCODER if sort else _ORDERED_ENCODER).encode(value)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError([FieldError(field, "contains a lone surrogate, which is not valid UTF-8")])


_STR_OR_INT = (str, int)


def _normalise_event(event: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """Fast path for the common, valid event; anything unusual goes through the careful path."""
    if type(event) is dict:
        normal = {key: value for key, value in event.items() if value is not None}
        seq, time_text = normal.get("seq"), normal.get("time")
        event_type, actor = normal.get("event_type"), normal.get("actor")
        if (
            type(seq) is int and seq >= 0
            and type(event_type) is str and event_type
            and type(actor) is str and actor
            and type(time_text) is str and _TIME_RE.match(time_text)
            and type(normal.get("object_type", "")) is str
            and type(normal.get("purpose", "")) is str
            and type(normal.get("case_id", "")) in _STR_OR_INT
            and type(normal.get("object_id", "")) in _STR_OR_INT
        ):
            scan = 0
            for key, value in normal.items():
                kind = type(value)
                if kind is str:
                    pass
                elif kind is int:
                    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                        scan = _INVALID
                        break
                else:
                    sub = _scan_json(value)
                    if sub == _INVALID:
                        scan = _INVALID
                        break
                    scan |= sub
                if type(key) is not str:
                    scan = _INVALID
                    break
                if not key.isascii() and any(ord(c) > 0xFFFF for c in key):
                    scan |= 1
            if scan != _INVALID:
                try:
                    datetime.fromisoformat(time_text[:19])
                except ValueError:
                    pass
                else:
                    return (_utf16_order(normal) if scan else normal), bool(scan)
    return _normalise_event_carefully(event)


def _normalise_event_carefully(event: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    if not isinstance(event, Mapping):
        raise InvalidInputError([FieldError("event", "must be a JSON object")])
    errors: list[FieldError] = []
    normal: dict[str, Any] = {}
    for key, value in event.items():
        if type(key) is not str:
            errors.append(FieldError("event", f"key {key!r} is not a string"))
        elif value is not None:
            normal[key] = value
    for name in REQUIRED_EVENT_FIELDS:
        if name not in normal:
            errors.append(FieldError(name, "is required"))
    seq = normal.get("seq")
    if "seq" in normal and (type(seq) is not int or seq < 0):
        errors.append(FieldError("seq", "must be a non-negative integer"))
    for name in ("event_type", "actor"):
        if name in normal and (type(normal[name]) is not str or not normal[name]):
            errors.append(FieldError(name, "must be a non-empty string"))
    for name in ("object_type", "purpose"):
        if name in normal and type(normal[name]) is not str:
            errors.append(FieldError(name, "must be a string"))
    for name in ("case_id", "object_id"):
        if name in normal and type(normal[name]) not in (str, int):
            errors.append(FieldError(name, "must be a string or an integer"))
    if "time" in normal:
        formatted = _check_time(normal["time"], "time", errors)
        if formatted is not None:
            normal["time"] = formatted
    reorder = False
    for key, value in normal.items():
        if key != "time":
            scan = _scan_json(value)
            if scan == _INVALID:
                _check_json(value, key, errors)
            reorder |= scan == 1
    if errors:
        raise InvalidInputError(errors)
    return (_utf16_order(normal) if reorder else normal), reorder


def canonical_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an audit event and return its normalised form (``None`` dropped, time formatted).

    Raises :class:`InvalidInputError` listing every problem found, each naming its field.
    """
    return _normalise_event(event)[0]


def canonical_event_bytes(event: Mapping[str, Any]) -> bytes:
    """The leaf bytes of an audit event: canonical JSON, UTF-8.

    >>> canonical_event_bytes({"seq": 0, "event_type": "case.viewed", "actor": "u1",
    ...                        "time": "2026-01-31T09:30:00Z", "purpose": None})
    b'{"actor":"u1","event_type":"case.viewed","seq":0,"time":"2026-01-31T09:30:00Z"}'
    """
    normal, reorder = _normalise_event(event)
    return _dump(normal, sort=not reorder, field="event")


def event_leaf_hash(event: Mapping[str, Any]) -> bytes:
    """RFC 9162 leaf hash of an audit event: SHA-256(0x00 || canonical_event_bytes(event))."""
    return hashlib.sha256(b"\x00" + canonical_event_bytes(event)).digest()
