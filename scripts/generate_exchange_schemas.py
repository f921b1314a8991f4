#!/usr/bin/env python
"""Write the JSON Schemas (draft 2020-12) of the exchange format, docs/exchange/*.schema.json, from the pydantic
models of comity.exchange (pure Python: no Django).

- message-v1.schema.json: the message payload (`Payload`), with the body each message type requires
  (comity.exchange.message.BODIES) as `if type == X then body: ...` branches, so that a validator alone checks
  a body against its type;
- evidence-v1.schema.json: the signed evidence document (`Evidence`);
- identity-v1.schema.json: the identity document an identity file signs (`Identity`).

    .venv/bin/python scripts/generate_exchange_schemas.py          # write them
    .venv/bin/python scripts/generate_exchange_schemas.py --check  # exit 1, naming the stale file, if one differs

Run it after changing a model in src/comity/exchange; tests/exchange/test_schema.py fails until you do.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "exchange"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
REF = "#/$defs/{model}"


def _message_schema() -> dict:
    from pydantic.json_schema import models_json_schema

    from comity.exchange.message import BODIES, FORMAT, MESSAGE_TYPES, Payload

    bodies = list(dict.fromkeys(BODIES.values()))
    _, bundle = models_json_schema([(Payload, "validation")] + [(m, "validation") for m in bodies],
                                   ref_template=REF)
    defs = bundle["$defs"]
    top = defs.pop("Payload")
    top["properties"]["format"] = {"const": FORMAT, "default": FORMAT, "title": "Format", "type": "string",
                                   "description": "the format and its version; a receiver refuses other values "
                                                  "(reason unsupported_version)"}
    top["required"] = ["format", *top["required"]]  # the model defaults it; a receiver refuses a payload without
    top["properties"]["type"]["description"] = "the message type; it fixes the shape of `body`"
    top["properties"]["created"]["description"] = "when the message was written: RFC 3339 with its offset (Z)"
    top["properties"]["in_reply_to"]["description"] = "the id of the message this one answers, if any"
    top["properties"]["body"]["description"] = "the body: its shape is the one `type` names (see allOf)"
    top["properties"]["attachments"]["description"] = (
        "the attachments, in order: attachment i has index i; each travels as separately sealed chunks")
    defs["AttachmentRef"]["description"] = (
        "one attachment: `chunks` lists the SHA-256 of each chunk of `chunk_size` bytes (the last may be shorter); "
        "there are max(1, ceil(size / chunk_size)) of them (an empty attachment has one, the SHA-256 of nothing)")
    for mtype, model in BODIES.items():
        defs[model.__name__].setdefault("description", f"the body of a `{mtype}` message: {MESSAGE_TYPES[mtype]}")
    top["allOf"] = [{"if": {"properties": {"type": {"const": mtype}}, "required": ["type"]},
                     "then": {"properties": {"body": {"$ref": REF.format(model=model.__name__)}}}}
                    for mtype, model in BODIES.items()]
    return {"$schema": DRAFT, "$id": "message-v1.schema.json",
            "title": f"Comity exchange message payload ({FORMAT})",
            "description": "The payload of a message between Comity instances: canonical JSON, encrypted (JWE) "
                           "then signed (JWS). See docs/exchange.md.",
            **{k: v for k, v in top.items() if k not in ("title", "description")}, "$defs": defs}


def _evidence_schema() -> dict:
    from comity.exchange.evidence import EVIDENCE_FORMAT, EVIDENCE_TYPES, Evidence

    schema = Evidence.model_json_schema(ref_template=REF)
    schema["properties"]["type"]["description"] = "; ".join(f"{k}: {v}" for k, v in EVIDENCE_TYPES.items())
    return {"$schema": DRAFT, "$id": "evidence-v1.schema.json",
            "title": f"Comity exchange evidence ({EVIDENCE_FORMAT})",
            "description": "Signed evidence of a step a message took (after e-CODEX's evidence types), the "
                           "payload of a compact JWS of type comity-evidence+jws. See docs/exchange.md.",
            **{k: v for k, v in schema.items() if k not in ("title", "description")}}


def _identity_schema() -> dict:
    from comity.exchange.identity import IDENTITY_FORMAT, ROLES, Identity

    schema = Identity.model_json_schema(ref_template=REF)
    schema["properties"]["role"] = {"enum": list(ROLES), "title": "Role", "type": "string"}
    schema["properties"]["tls_certificate_sha256"]["description"] = (
        "SHA-256 (hex) of the DER bytes of the TLS certificate the endpoint presents (pinned by senders)")
    schema["$defs"]["KeyRecord"]["description"] = (
        "a public key (JWK members kty, crv, x) with its RFC 7638 thumbprint as kid, its use and its validity")
    return {"$schema": DRAFT, "$id": "identity-v1.schema.json",
            "title": f"Comity exchange identity ({IDENTITY_FORMAT})",
            "description": "The public identity of an authority's instance, the payload of its identity file (a "
                           "compact JWS of type comity-identity+jws). See docs/exchange.md.",
            **{k: v for k, v in schema.items() if k not in ("title", "description")}}


SCHEMAS = {"message-v1.schema.json": _message_schema, "evidence-v1.schema.json": _evidence_schema,
           "identity-v1.schema.json": _identity_schema}


def dumps(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def texts() -> dict[str, str]:
    """File name -> the schema text the models give now."""
    if str(ROOT / "src") not in sys.path:
        sys.path.insert(0, str(ROOT / "src"))
    return {name: dumps(make()) for name, make in SCHEMAS.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="do not write; exit 1 if a stored schema differs")
    p.add_argument("--dir", type=Path, default=OUT, help=f"where the schemas are (default: {OUT.relative_to(ROOT)})")
    args = p.parse_args(argv)
    out: Path = args.dir
    stale = []
    for name, text in texts().items():
        path = out / name
        stored = path.read_text(encoding="utf-8") if path.exists() else None
        if stored == text:
            continue
        stale.append(path)
        if not args.check:
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    shown = [str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in stale]
    if args.check:
        for s in shown:
            print(f"{s} differs from what the models in src/comity/exchange give; run "
                  "python scripts/generate_exchange_schemas.py", file=sys.stderr)
        return 1 if stale else 0
    print("written: " + ", ".join(shown) if shown else "the schemas are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
