"""`comity remote`: every operation of a Comity instance's API from the command line (docs/api.md).

    comity remote [--url URL] [--token-file FILE] [--json] OPERATION [--param value ...]

One subcommand per operation id of operations.json, its parameters as options named as in the API
(`--case_id 7`, also `--case-id`), the fields of its JSON body as options too (`--title ...`) or the whole
body from `--body FILE|-`; `--file PATH` uploads, `--output PATH` downloads (streamed), `--if-match ETAG`,
`--idempotency-key KEY`, `--all` follows a list's cursors to the end. The token: `--token-file FILE` or the
environment variable COMITY_TOKEN; the instance: `--url` or COMITY_URL (default http://127.0.0.1:8000).

Output: lists as tables of their important columns, objects as `key: value` lines; `--json` prints the API's
JSON. Exit codes are those of comity.errors: 0 done, 2 bad input (422, or a wrong option), 3 not allowed (403),
4 not found (404), 5 service unavailable (503, or no answer from the server), 6 conflict (409), 7 precondition
(412 stale If-Match, 428 If-Match missing), 8 authentication (401), 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from comity.client.core import Client
from comity.client.errors import AuthenticationFailed
from comity.client.spec import load_operations
from comity.errors import ComityError, InvalidInput, PreconditionFailed, render_cli

DEFAULT_URL = "http://127.0.0.1:8000"
RESERVED = {"help", "h", "url", "token_file", "json", "cafile", "timeout", "body", "file", "output", "all",
            "operations"}
CELL = 40


# -- the parser, built from the operations -----------------------------------------------------------------


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("true", "yes", "1", "on"):
        return True
    if low in ("false", "no", "0", "off"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} is not true or false")


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"is not JSON ({e})") from None


SCALAR = {"integer": int, "number": float, "boolean": _bool, "string": str}


def _add_common(p: argparse.ArgumentParser, *, top: bool) -> None:
    """The options every call takes, before or after the operation's name."""
    d = {} if top else {"default": argparse.SUPPRESS}
    p.add_argument("--url", help="the instance (default: COMITY_URL, else " + DEFAULT_URL + ")", **d)
    p.add_argument("--token-file", help="a file holding your API token (default: the environment variable "
                                        "COMITY_TOKEN)", **d)
    p.add_argument("--json", action="store_true", help="print the API's JSON", **d)
    p.add_argument("--cafile", help="a CA certificate to trust for HTTPS (default: COMITY_CAFILE)", **d)
    p.add_argument("--timeout", type=float, help="seconds to wait for an answer (default 60)", **d)


def _add_value(p: argparse.ArgumentParser, spec: dict, flags: list[str], dest: str, *, where: str) -> None:
    kind = spec["type"]
    help_ = spec.get("description", "") or ""
    if spec.get("enum"):
        help_ = (help_ + " " if help_ else "") + "one of: " + ", ".join(repr(e) if e == "" else str(e)
                                                                          for e in spec["enum"])
    if "default" in spec and spec["default"] not in (None, ""):
        help_ += f" (default {spec['default']})"
    kw: dict[str, Any] = {"dest": dest, "default": argparse.SUPPRESS, "help": (help_ + f" [{where}]").strip()}
    if kind == "array":
        kw["action"] = "append"
        kw["type"] = SCALAR.get(spec.get("items", "string"), _json_value)
        kw["metavar"] = spec.get("items", "VALUE").upper()
    elif kind in SCALAR:
        kw["type"] = SCALAR[kind]
        kw["metavar"] = kind.upper()
        if spec.get("enum") and kind != "boolean":
            kw["choices"] = spec["enum"]
            kw["metavar"] = "{" + ",".join(str(e) for e in spec["enum"]) + "}"
    else:
        kw["type"] = _json_value
        kw["metavar"] = "JSON"
    if spec.get("required") and where == "path":
        kw["required"] = True
    p.add_argument(*flags, **kw)


def _flags(name: str, taken: set[str]) -> list[str]:
    out = []
    for flag in dict.fromkeys([f"--{name}", f"--{name.replace('_', '-')}", f"--{name.lower()}"]):
        if flag not in taken:
            out.append(flag)
    return out


def build_parser(operations: dict) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="comity remote", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Call the API of a Comity instance: one subcommand per operation (comity remote OPERATION "
                    "--help shows its parameters).",
        epilog="exit codes: 0 done, 1 other error, 2 bad input (422), 3 not allowed (403), 4 not found (404), "
               "5 unavailable / no answer, 6 conflict (409), 7 precondition (412 stale, 428 If-Match "
               "missing), 8 authentication (401). docs/api.md")
    _add_common(p, top=True)
    sub = p.add_subparsers(dest="operation", metavar="OPERATION", title="operations")
    for oid, op in operations["operations"].items():
        s = sub.add_parser(oid, help=op.get("summary") or f"{op['method']} {op['path']}",
                           description=f"{op['method']} {op['path']}: {op.get('summary', '')}".strip(": "))
        _add_common(s, top=False)
        taken = {"--help", "-h"} | {f"--{r}" for r in RESERVED} | {f"--{r.replace('_', '-')}" for r in RESERVED}
        s.set_defaults(_fields={}, _params={})
        params: dict[str, str] = {}
        for prm in op["params"]:
            flags = _flags(prm["name"] if prm["in"] != "header" else prm["name"].lower(), taken)
            if not flags:
                continue
            taken.update(flags)
            dest = "p_" + prm["python"]
            params[dest] = prm["python"]
            _add_value(s, prm, flags, dest, where=prm["in"] if prm["in"] != "query" else "query")
        fields: dict[str, str] = {}
        body = op.get("body")
        if body:
            for f in body["fields"]:
                if f["name"] in body["files"]:
                    flags = ["--file"] if len(body["files"]) == 1 or f["name"] == "file" else []
                    flags += [x for x in _flags(f["name"], taken) if x not in flags]
                    taken.update(flags)
                    s.add_argument(*dict.fromkeys(flags), dest="f_" + f["python"], action="append",
                                   default=argparse.SUPPRESS, metavar="PATH",
                                   help=f"the file to upload ({f['name']}, streamed)")
                    fields["f_" + f["python"]] = f["name"]
                    continue
                flags = _flags(f["name"], taken)
                if not flags:
                    continue  # only through --body
                taken.update(flags)
                fields["b_" + f["python"]] = f["name"]
                _add_value(s, {**f, "required": False}, flags, "b_" + f["python"], where="body")
            s.add_argument("--body", metavar="FILE|-", default=argparse.SUPPRESS,
                           help="the JSON body from a file, or - for standard input (options override its "
                                "fields)" if body["media_type"] == "application/json" else
                                "the form's fields as a JSON object from a file, or - for standard input")
        if op["answer"].get("kind") == "file":
            s.add_argument("--output", metavar="PATH", default=argparse.SUPPRESS,
                           help="write the file here, streamed (a folder: under the server's file name; "
                                "default: standard output)")
        if op["answer"].get("shape") == "page":
            s.add_argument("--all", action="store_true", default=argparse.SUPPRESS,
                           help=f"follow `{op['answer']['next']}` and show every item of every page")
        s.set_defaults(_params=params, _fields=fields)
    return p


# -- output ----------------------------------------------------------------------------------------------


def _cell(value: Any, width: int = CELL) -> str:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list):
        text = ", ".join(_cell(v, width) for v in value) if all(not isinstance(v, (dict, list)) for v in value) \
            else f"[{len(value)}]"
    elif isinstance(value, dict):
        text = f"{{{len(value)}}}"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _columns(rows: list, preferred: list[str] | None) -> list[str]:
    if preferred:
        return preferred
    cols: list[str] = []
    for row in rows[:20]:
        if isinstance(row, dict):
            for k, v in row.items():
                if k not in cols and not isinstance(v, (dict, list)) and len(cols) < 8:
                    cols.append(k)
    return cols


def table(rows: list, columns: list[str] | None = None, indent: str = "") -> str:
    if not rows:
        return indent + "(none)"
    if not all(isinstance(r, dict) for r in rows):
        return "\n".join(indent + _cell(r, 200) for r in rows)
    cols = _columns(rows, columns)
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(cols, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(indent + line for line in lines)


def key_values(obj: dict, indent: str = "") -> str:
    lines = []
    for k, v in obj.items():
        if isinstance(v, dict):
            lines.append(f"{indent}{k}:" + ("" if v else " {}"))
            if v:
                lines.append(key_values(v, indent + "  "))
        elif isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v):
            lines.append(f"{indent}{k}: ({len(v)})")
            lines.append(table(v, None, indent + "  "))
        elif isinstance(v, list) and not v:
            lines.append(f"{indent}{k}: (none)")
        else:
            lines.append(f"{indent}{k}: {_cell(v, 10_000)}")
    return "\n".join(lines)


def human(op: dict, data: Any) -> str:
    answer = op["answer"]
    if answer.get("shape") == "page" and isinstance(data, dict):
        items = data.get(answer["items"]) or []
        out = [table(items, answer.get("columns"))]
        count = data.get("count")
        shown = f"{len(items)} of {count}" if isinstance(count, int) else f"{len(items)}"
        following = data.get(answer["next"])
        more = following not in (None, "") and (not answer.get("more") or data.get(answer["more"]))
        out.append(f"({shown}" + (f"; next page: --{answer['cursor']} {following}, or --all)" if more else ")"))
        return "\n".join(out)
    if isinstance(data, list):
        return table(data, answer.get("columns"))
    if isinstance(data, dict):
        if set(data) == {"detail"}:
            return str(data["detail"])
        return key_values(data)
    return "" if data is None else str(data)


def _error(exc: ComityError, as_json: bool) -> int:
    body = getattr(exc, "body", None)
    if as_json:
        print(json.dumps(body if isinstance(body, dict) and body else exc.as_dict(), indent=2,
                         ensure_ascii=False), file=sys.stderr)
        return exc.exit_code
    print(render_cli(exc, as_json=False), file=sys.stderr)
    if isinstance(exc, PreconditionFailed):
        for field, value in exc.changed.items():
            print(f"changed: {field}: {_cell(value, 200)}", file=sys.stderr)
        if exc.current_etag:
            print(f"current etag: {exc.current_etag}", file=sys.stderr)
    return exc.exit_code


# -- running ---------------------------------------------------------------------------------------------


def _token(args) -> str | None:
    if getattr(args, "token_file", None):
        try:
            return Path(args.token_file).read_text(encoding="utf-8").strip() or None
        except OSError as e:
            raise InvalidInput({"token-file": f"cannot be read: {e.strerror or e}"}) from None
    return os.environ.get("COMITY_TOKEN", "").strip() or None


def _read_body(source: str) -> dict:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInput({"body": f"cannot be read: {e.strerror or e}"}) from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise InvalidInput({"body": f"is not valid JSON ({e})"}) from None
    if not isinstance(data, dict):
        raise InvalidInput({"body": "must be a JSON object with named fields"})
    return data


def run(args, operations: dict) -> int:
    as_json = bool(getattr(args, "json", False))
    oid = args.operation
    op = operations["operations"][oid]
    client = Client(getattr(args, "url", None) or os.environ.get("COMITY_URL") or DEFAULT_URL, None,
                    operations=operations, timeout=getattr(args, "timeout", None) or 60,
                    cafile=getattr(args, "cafile", None) or os.environ.get("COMITY_CAFILE") or None)
    try:
        client.token = _token(args)
        if op.get("auth") and not client.token:
            raise AuthenticationFailed({"token": "no API token: set COMITY_TOKEN or pass --token-file FILE "
                                                 "(create one with `comity token USER --name NAME` or on your "
                                                 "account page)"})
        params: dict[str, Any] = {}
        for dest, name in args._params.items():
            if hasattr(args, dest):
                params[name] = getattr(args, dest)
        body: dict[str, Any] | None = _read_body(args.body) if getattr(args, "body", None) else None
        for dest, name in args._fields.items():
            if hasattr(args, dest):
                value = getattr(args, dest)
                if dest.startswith("f_"):
                    value = value if len(value) > 1 else value[0]
                body = body if body is not None else {}
                body[name] = value
        if body is not None:
            params["body"] = body
        if op["answer"].get("kind") == "file":
            output = getattr(args, "output", None)
            if output in (None, "-"):
                data = client.call(oid, **params)
                sys.stdout.buffer.write(data if isinstance(data, bytes) else bytes(data))
                sys.stdout.flush()
                return 0
            data = client.call(oid, output=output, **params)
        elif getattr(args, "all", False):
            data = client.all(oid, **params)
        else:
            data = client.call(oid, **params)
    except ComityError as exc:
        return _error(exc, as_json)
    etag = getattr(data, "etag", None)
    if as_json:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            print(json.dumps(data, indent=2, ensure_ascii=False))
        if etag:
            print(f"ETag: {etag}", file=sys.stderr)
        return 0
    text = human(op, data)
    if text:
        print(text)
    if etag:
        print(f"etag: {etag}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    source = os.environ.get("COMITY_OPERATIONS") or None
    try:
        operations = load_operations(source)
    except (OSError, ValueError) as e:
        print(f"error: operations: cannot be read from {source}: {e}", file=sys.stderr)
        return 1
    parser = build_parser(operations)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) if isinstance(e.code, int) else 2
    if not args.operation:
        parser.print_help(sys.stderr)
        return 2
    return run(args, operations)


if __name__ == "__main__":
    sys.exit(main())
