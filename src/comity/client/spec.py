"""The operations of the API as the client and the CLI's remote mode use them, derived from the OpenAPI document.

`operations_from_openapi(schema)` turns the OpenAPI document (`comity.api.api.api.get_openapi_schema()`, or
`/api/openapi.json` of a running instance) into one plain description per operation id: its method and path,
its parameters (path, query, header) with their types, its body (JSON fields, or multipart fields and files),
what it answers (JSON object, list, a page to follow, or a file) and the errors it documents. The result is
stored in `operations.json` beside this module (`python scripts/generate_client_operations.py` writes it;
tests/api/test_client.py fails when it differs from the live document), so the client needs neither Django nor
the server to know the operations. Pure Python: no Django here.
"""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path
from typing import Any

OPERATIONS_FILE = Path(__file__).with_name("operations.json")
FORMAT = 1
METHODS = ("get", "post", "put", "patch", "delete")
BODY_TYPES = ("application/json", "multipart/form-data", "application/x-www-form-urlencoded")
# Fields a table leaves out (long free text) when it chooses the important columns of a list.
LONG_FIELDS = {"summary", "description", "text", "comment", "body", "note", "message", "detail", "properties",
               "citation"}
MAX_COLUMNS = 8


def python_name(name: str) -> str:
    """The keyword argument (and CLI option destination) of an API name: `If-Match` -> `if_match`."""
    out = re.sub(r"\W", "_", name).lower()
    if out[:1].isdigit() or keyword.iskeyword(out):
        out += "_"
    return out


def _resolve(schema: Any, components: dict, depth: int = 0) -> dict:
    """Follow `$ref` and single-member `allOf` to the schema itself."""
    while isinstance(schema, dict) and depth < 20:
        if "$ref" in schema:
            schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
        elif len(schema.get("allOf", [])) == 1 and "properties" not in schema:
            schema = schema["allOf"][0]
        else:
            break
        depth += 1
    return schema if isinstance(schema, dict) else {}


def _describe(schema: dict, components: dict) -> dict:
    """A parameter's or field's type, in the few words the client and the CLI need."""
    schema = _resolve(schema, components)
    nullable = False
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        kinds = [_resolve(o, components) for o in options]
        nullable = any(k.get("type") == "null" for k in kinds)
        kinds = [k for k in kinds if k.get("type") != "null"]
        if len(kinds) == 1:
            inner = _describe(kinds[0], components)
            inner["nullable"] = True
            for key in ("default", "description"):
                if key in schema:
                    inner[key] = schema[key]
            return inner
        out: dict[str, Any] = {"type": "json"}  # several shapes: given as JSON text on the command line
    else:
        t = schema.get("type", "json")
        if isinstance(t, list):
            nullable = "null" in t
            t = next((x for x in t if x != "null"), "json")
        out = {"type": t}
        if t == "string" and schema.get("format") == "binary":
            out["type"] = "file"
        elif t == "string" and schema.get("format"):
            out["format"] = schema["format"]
        elif t == "array":
            items = _describe(schema.get("items", {}), components)
            out["items"] = items["type"] if items["type"] in ("string", "integer", "number", "boolean",
                                                              "file") else "json"
            if "enum" in items:
                out["enum"] = items["enum"]
        elif t == "object":
            out["type"] = "json"
    if "enum" in schema:
        out["enum"] = list(schema["enum"])
    if "default" in schema:
        out["default"] = schema["default"]
    if nullable:
        out["nullable"] = True
    if schema.get("description"):
        out["description"] = schema["description"]
    return out


def _fields(schema: dict, components: dict) -> tuple[list[dict], bool]:
    """The named fields of a body schema, and whether it takes fields it does not name (a free object)."""
    schema = _resolve(schema, components)
    required = set(schema.get("required", []))
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        d = _describe(prop, components)
        d.update(name=name, python=python_name(name), required=name in required)
        fields.append(d)
    open_ = not fields or bool(schema.get("additionalProperties"))
    return fields, open_


def _scalar(prop: dict, components: dict) -> bool:
    d = _describe(prop, components)
    return d["type"] in ("string", "integer", "number", "boolean") or (d["type"] == "array" and d.get("items")
                                                                       in ("string", "integer"))


def columns(item_schema: dict, components: dict) -> list[str]:
    """The important columns of a list's items: short scalar fields in the schema's order (codes rather than
    their labels, no long free text), at most MAX_COLUMNS."""
    props = _resolve(item_schema, components).get("properties") or {}
    names = [n for n, p in props.items() if _scalar(p, components) and n not in LONG_FIELDS]
    for suffix in ("_label", "_name"):
        names = [n for n in names if not (n.endswith(suffix) and n[: -len(suffix)] in names)]
    return names[:MAX_COLUMNS]


def _answer(op: dict, components: dict) -> dict:
    """What the operation answers when it succeeds: `json` (an `object`, a `list` or a `page`), or a `file`
    streamed in its media type, or `none`."""
    ok = sorted((int(s), r) for s, r in (op.get("responses") or {}).items() if str(s).isdigit()
                and 200 <= int(s) < 300)
    if not ok:
        return {"kind": "none"}
    status, response = ok[0]
    content = response.get("content") or {}
    if not content:
        return {"kind": "none", "status": status}
    if "application/json" not in content:
        media_type = next(iter(content))
        schema = content[media_type].get("schema") or {}
        return {"kind": "file", "status": status, "media_type": media_type,
                "binary": schema.get("format") == "binary", "description": response.get("description", "")}
    schema = _resolve(content["application/json"].get("schema") or {}, components)
    out: dict[str, Any] = {"kind": "json", "status": status, "shape": "object"}
    if schema.get("type") == "array":
        out["shape"] = "list"
        out["columns"] = columns(schema.get("items") or {}, components)
        return out
    props = schema.get("properties") or {}
    arrays = [n for n, p in props.items() if _resolve(p, components).get("type") == "array"]
    nexts = [n for n in props if n.startswith("next_")]
    if len(arrays) == 1 and len(nexts) == 1:
        out["shape"] = "page"
        out["items"] = arrays[0]
        out["next"] = nexts[0]
        out["more"] = "more" if "more" in props else None
        out["columns"] = columns(_resolve(props[arrays[0]], components).get("items") or {}, components)
    return out


def operations_from_openapi(schema: dict) -> dict:
    """The plain description of every operation of an OpenAPI document (see the module's docstring)."""
    components = (schema.get("components") or {}).get("schemas") or {}
    operations: dict[str, dict] = {}
    for path, item in (schema.get("paths") or {}).items():
        for method, op in item.items():
            if method not in METHODS or not isinstance(op, dict):
                continue
            params = []
            for p in op.get("parameters") or []:
                d = _describe(p.get("schema") or {}, components)
                if p.get("description"):
                    d["description"] = p["description"]
                d.update(name=p["name"], python=python_name(p["name"]), required=bool(p.get("required")))
                d["in"] = p["in"]
                params.append(d)
            body = None
            request_body = op.get("requestBody")
            if request_body:
                content = request_body.get("content") or {}
                media_type = next((m for m in BODY_TYPES if m in content), next(iter(content), None))
                if media_type:
                    fields, open_ = _fields(content[media_type].get("schema") or {}, components)
                    body = {"media_type": media_type, "required": bool(request_body.get("required")),
                            "fields": fields, "open": open_,
                            "files": [f["name"] for f in fields if f["type"] == "file"
                                      or f.get("items") == "file"]}
            answer = _answer(op, components)
            names = {p["name"] for p in params if p["in"] == "query"}
            if answer.get("shape") == "page":
                cursor = answer["next"].removeprefix("next_")
                if cursor in names:
                    answer["cursor"] = cursor
                else:
                    answer["shape"] = "object"
                    for k in ("items", "next", "more", "columns"):
                        answer.pop(k, None)
            operations[op["operationId"]] = {
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tags": list(op.get("tags") or []),
                "auth": bool(op.get("security")), "params": params, "body": body, "answer": answer,
                "if_match": any(p["in"] == "header" and p["name"].lower() == "if-match" for p in params),
                "errors": sorted(int(s) for s in (op.get("responses") or {}) if str(s).isdigit() and int(s) >= 400),
            }
    info = schema.get("info") or {}
    return {"format": FORMAT, "title": info.get("title", ""), "version": info.get("version", ""),
            "operations": dict(sorted(operations.items()))}


def dumps(operations: dict) -> str:
    """operations.json as stored: stable (sorted keys), so a change of the API shows as a small diff."""
    return json.dumps(operations, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_operations(source: str | Path | dict | None = None) -> dict:
    """The operations: the stored operations.json by default, a file of the same format, or an OpenAPI
    document (a dict, or a file holding one), converted."""
    if isinstance(source, dict):
        data = source
    else:
        data = json.loads(Path(source or OPERATIONS_FILE).read_text(encoding="utf-8"))
    if "openapi" in data and "paths" in data:
        data = operations_from_openapi(data)
    if data.get("format") != FORMAT or "operations" not in data:
        raise ValueError("not a Comity operations file (format 1) nor an OpenAPI document")
    return data
