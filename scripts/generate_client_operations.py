#!/usr/bin/env python
"""Write src/comity/client/operations.json (the operations the Python client and `comity remote` know) from the
live OpenAPI document, `comity.api.api.api.get_openapi_schema()`.

    .venv/bin/python scripts/generate_client_operations.py          # write it
    .venv/bin/python scripts/generate_client_operations.py --check  # exit 1 if it differs (what the test checks)

Run it after adding or changing an API operation; tests/api/test_client.py fails until you do.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def live_operations_text() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comity.settings")
    os.environ.setdefault("COMITY_DATA_DIR", tempfile.mkdtemp(prefix="comity-openapi-"))
    import django

    django.setup()
    from comity.api.api import api
    from comity.client.spec import dumps, operations_from_openapi

    return dumps(operations_from_openapi(api.get_openapi_schema()))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="do not write; exit 1 if the stored file differs")
    args = p.parse_args(argv)
    text = live_operations_text()
    from comity.client.spec import OPERATIONS_FILE

    stored = OPERATIONS_FILE.read_text(encoding="utf-8") if OPERATIONS_FILE.exists() else ""
    if args.check:
        if stored != text:
            print(f"{OPERATIONS_FILE.relative_to(ROOT)} differs from the live OpenAPI document; run "
                  f"python scripts/generate_client_operations.py", file=sys.stderr)
            return 1
        return 0
    if stored != text:
        OPERATIONS_FILE.write_text(text, encoding="utf-8")
    import json

    print(f"{OPERATIONS_FILE.relative_to(ROOT)}: {len(json.loads(text)['operations'])} operations"
          + ("" if stored != text else " (unchanged)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
