"""Canonical JSON: the bytes a payload is hashed and sealed as.

Keys sorted, no insignificant whitespace, UTF-8, no floating-point numbers (the schema has none). For such
documents this is exactly the JSON Canonicalization Scheme of RFC 8785 (keys are ASCII, so code-point and
UTF-16 ordering agree; string escaping is JSON's minimal one, as RFC 8785 requires)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def _no_floats(value: Any, where: str = "$") -> None:
    if isinstance(value, float):
        raise TypeError(f"{where}: floating-point numbers are not allowed in canonical JSON")
    if isinstance(value, dict):
        for k, v in value.items():
            _no_floats(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_floats(v, f"{where}[{i}]")


def canonical(value: Any) -> bytes:
    _no_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
