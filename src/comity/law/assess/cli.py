"""``comity assess FILE.json | - | --vocabulary``: print the assessment (or the vocabulary) as JSON.

Exit codes: 0 assessed; 2 bad input (invalid JSON, unknown keys, wrong types, unknown codes, impossible
combinations), with ``{"errors": {field: reason}}`` on stdout.
"""

from __future__ import annotations

import json
import sys
from typing import Any

USAGE = "usage: comity assess FILE.json | - | --vocabulary"

#: A file of facts is a few kilobytes; anything over this is refused before it is read (docs/security/hostile-input.md).
MAX_FACTS_BYTES = 1024 * 1024


def _print(obj: Any, stream=None) -> None:
    stream = stream or sys.stdout
    stream.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    """Entry point; ``argv`` excludes the leading ``assess``."""
    from .engine import assess
    from .facts import InvalidFacts
    from .vocabulary import vocabulary

    if argv in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if argv == ["--vocabulary"]:
        _print(vocabulary())
        return 0
    if len(argv) != 1 or (argv[0].startswith("-") and argv[0] != "-"):
        _print({"errors": {"argv": USAGE}})
        return 2
    source = argv[0]
    try:
        if source == "-":
            text = sys.stdin.read(MAX_FACTS_BYTES + 1)
        else:
            with open(source, encoding="utf-8") as fh:
                text = fh.read(MAX_FACTS_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        _print({"errors": {"file": f"cannot read {source}: {exc.__class__.__name__}: {exc}"}})
        return 2
    if len(text.encode("utf-8")) > MAX_FACTS_BYTES:
        _print({"errors": {"file": f"is larger than the limit of {MAX_FACTS_BYTES} bytes"}})
        return 2
    try:
        facts = json.loads(text)
    except json.JSONDecodeError as exc:
        _print({"errors": {"$": f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"}})
        return 2
    except RecursionError:
        _print({"errors": {"$": "invalid JSON: nested too deeply"}})
        return 2
    try:
        result = assess(facts)
    except InvalidFacts as exc:
        _print(exc.as_dict())
        return 2
    _print(result)
    warning = (result.get("verification") or {}).get("warning")
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
