"""The Python client: every operation of the API by its operation id, built from operations.json (comity.client.spec).

    from comity.client import Client

    api = Client("https://comity.example", token="cmt_…")
    page = api.list_cases(state="open", limit=20)          # the same as api.call("list_cases", ...)
    for case in api.pages("list_cases", state="open"):     # every item, following next_cursor
        ...
    case = api.get_case(case_id=7)                          # a dict; case.etag is its ETag
    api.update_case(case_id=7, if_match=case.etag, title="New title")
    api.create_case(title="Operation X", idempotency_key="my-unique-key")
    api.upload_document(case_id=7, file="scan.pdf", title="Scan")
    api.download_document(case_id=7, document_id=3, output="copy.pdf")

Keyword arguments are the operation's parameters by their API names (`If-Match` and `Idempotency-Key` as
`if_match` and `idempotency_key`), then the fields of its JSON body, or `body={...}` for the whole body; files
are a path, bytes, a binary file object or a (filename, file object) pair, streamed. Errors are comity.errors
exceptions (comity.client.errors). Pure Python, standard library only (urllib): no Django.
"""

from __future__ import annotations

import email.message
import hashlib
import inspect
import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from comity.client.errors import ServerUnreachable, from_answer
from comity.client.spec import load_operations
from comity.errors import InvalidInput

CHUNK = 64 * 1024
TYPES = {"string": str, "integer": int, "number": float, "boolean": bool, "file": Any, "json": Any}


class Answer:
    """What a decoded JSON answer carries besides its data: `status`, `headers`, `etag` (send it back as
    `if_match` to update what you read) and `replayed` (an Idempotency-Key retry got the first answer)."""

    status: int = 0
    headers: dict[str, str]
    raw: bytes = b""

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def replayed(self) -> bool:
        return self.headers.get("idempotent-replayed") == "true"


class AnswerDict(dict, Answer):
    pass


class AnswerList(list, Answer):
    pass


def _with_answer(data: Any, status: int, headers: dict, raw: bytes) -> Any:
    if isinstance(data, dict):
        out: Any = AnswerDict(data)
    elif isinstance(data, list):
        out = AnswerList(data)
    else:
        return data
    out.status, out.headers, out.raw = status, headers, raw
    return out


def _headers(response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


def _filename(disposition: str) -> str:
    if not disposition:
        return ""
    msg = email.message.Message()
    msg["content-disposition"] = disposition
    return msg.get_filename() or ""


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Upload:
    """One file of a multipart body: its name, size and chunks, read as they are sent."""

    def __init__(self, value: Any, field: str):
        self.close_after = False
        name = None
        if isinstance(value, tuple):
            name, value = value
        if isinstance(value, (bytes, bytearray)):
            self.data, self.stream, self.size = bytes(value), None, len(value)
            self.name = name or field
        elif isinstance(value, (str, os.PathLike)):
            path = Path(value)
            if not path.is_file():
                raise InvalidInput({field: f"no such file: {path}"})
            self.data, self.stream, self.size = None, None, path.stat().st_size
            self.path, self.name = path, name or path.name
        elif hasattr(value, "read"):
            self.data, self.stream = None, value
            here = value.tell()
            value.seek(0, os.SEEK_END)
            self.size = value.tell() - here
            value.seek(here)
            self.name = name or Path(getattr(value, "name", field) or field).name
        else:
            raise InvalidInput({field: "must be a path, bytes or a binary file object"})

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            yield self.data
            return
        f = self.stream if self.stream is not None else open(self.path, "rb")  # noqa: SIM115
        try:
            while True:
                block = f.read(CHUNK)
                if not block:
                    break
                yield block
        finally:
            if self.stream is None:
                f.close()


def _multipart(fields: dict[str, Any], files: dict[str, list[_Upload]]) -> tuple[str, int, Iterator[bytes]]:
    """A multipart/form-data body as (content type, length, chunks): the files are read while sent."""
    boundary = uuid.uuid4().hex
    parts: list[Any] = []
    for name, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            if v is None:
                continue
            text = _query_value(v) if not isinstance(v, (dict, list)) else json.dumps(v)
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                         + text.encode() + b"\r\n")
    for name, uploads in files.items():
        for up in uploads:
            filename = up.name.replace("\\", "_").replace('"', "%22").replace("\r", "").replace("\n", "")
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
                         f"\r\nContent-Type: application/octet-stream\r\n\r\n".encode())
            parts.append(up)
            parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    length = sum(p.size if isinstance(p, _Upload) else len(p) for p in parts)

    def chunks() -> Iterator[bytes]:
        for p in parts:
            if isinstance(p, _Upload):
                yield from p.chunks()
            else:
                yield p

    return f"multipart/form-data; boundary={boundary}", length, chunks()


class Client:
    """A client of one Comity instance (`base_url`, e.g. https://comity.example) with a personal access token.

    `operations`: the stored operations.json by default; another file of that format, or an OpenAPI document
    (dict or file), for an instance of another version (`Client.from_server` reads the instance's own).
    `cafile`: a CA bundle or certificate to trust (an instance serving HTTPS with its own certificate)."""

    def __init__(self, base_url: str, token: str | None = None, *, operations: Any = None, timeout: float = 60,
                 cafile: str | None = None, user_agent: str = "comity-client/1"):
        self.base_url = base_url.rstrip("/")
        self.token = (token or "").strip() or None
        self.spec = load_operations(operations)
        self.operations: dict[str, dict] = self.spec["operations"]
        self.timeout = timeout
        self.user_agent = user_agent
        self._context = ssl.create_default_context(cafile=cafile) if cafile else None
        self._opener = urllib.request.build_opener(*([urllib.request.HTTPSHandler(context=self._context)]
                                                     if self._context else []))
        self.last_response: Answer | None = None

    @classmethod
    def from_server(cls, base_url: str, token: str | None = None, **kw) -> Client:
        """A client built from the instance's own OpenAPI document (/api/openapi.json)."""
        probe = cls(base_url, token, **kw)
        document = probe._send("GET", probe._url("/api/openapi.json"), auth=bool(token))
        return cls(base_url, token, operations=dict(document), **kw)

    # -- operations by name -----------------------------------------------------------------------------

    def __getattr__(self, name: str):
        operations = self.__dict__.get("operations") or {}
        if name not in operations:
            raise AttributeError(f"{type(self).__name__} has no operation or attribute {name!r}")

        def operation(**params):
            return self.call(name, **params)

        operation.__name__ = operation.__qualname__ = name
        operation.__doc__ = self.describe(name)
        operation.__signature__ = self.signature(name)  # type: ignore[attr-defined]
        return operation

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self.operations))

    def operation(self, operation_id: str) -> dict:
        op = self.operations.get(operation_id)
        if op is None:
            raise InvalidInput({"operation": f"no operation {operation_id!r} (the client knows "
                                             f"{len(self.operations)}; see Client.operations)"})
        return op

    def signature(self, operation_id: str) -> inspect.Signature:
        """The operation's keyword arguments with their types (help(client.list_cases) shows them)."""
        op = self.operation(operation_id)
        params, seen = [], set()
        for p in self._inputs(op):
            if p["python"] in seen or not p["python"].isidentifier():
                continue
            seen.add(p["python"])
            annotation = TYPES.get(p["type"], Any)
            if p["type"] == "array":
                annotation = list
            default = inspect.Parameter.empty if p.get("required") else p.get("default")
            params.append(inspect.Parameter(p["python"], inspect.Parameter.KEYWORD_ONLY, default=default,
                                            annotation=annotation))
        if op.get("body") and "body" not in seen:
            params.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=dict))
        if op["answer"].get("kind") == "file" and "output" not in seen:
            params.append(inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=None))
        return inspect.Signature(params)

    def describe(self, operation_id: str) -> str:
        op = self.operation(operation_id)
        lines = [f"{op['method']} {op['path']}: {op.get('summary') or operation_id}", ""]
        for p in self._inputs(op):
            where = p.get("in", "body")
            req = " (required)" if p.get("required") else ""
            enum = f" one of {p['enum']}" if p.get("enum") else ""
            lines.append(f"  {p['python']}: {p['type']}{enum}, {where}{req}. {p.get('description', '')}".rstrip())
        return "\n".join(lines)

    @staticmethod
    def _inputs(op: dict) -> list[dict]:
        return list(op["params"]) + list((op.get("body") or {}).get("fields") or [])

    # -- calls ------------------------------------------------------------------------------------------

    def call(self, operation_id: str, **params) -> Any:
        """Call an operation; answer its decoded JSON (a dict or list with `.etag`, `.status`, `.headers`), or
        for a file: with `output` (a path or a binary file object) the file is streamed there and the answer
        is {path, size, sha256, filename, content_type}; without, its bytes."""
        op = self.operation(operation_id)
        kw = dict(params)
        names = {p["python"] for p in self._inputs(op)} | {p["name"] for p in self._inputs(op)}
        whole_body = kw.pop("body", None) if "body" not in names else None
        output = kw.pop("output", None) if "output" not in names else None
        path, query, headers = op["path"], [], {}
        for p in op["params"]:
            value = kw.pop(p["python"], kw.pop(p["name"], None))
            if value is None:
                if p.get("required") and p["in"] == "path":
                    raise InvalidInput({p["name"]: f"is required by {operation_id}"})
                continue
            if p["in"] == "path":
                path = path.replace("{" + p["name"] + "}", urllib.parse.quote(str(value), safe=""))
            elif p["in"] == "query":
                for v in value if isinstance(value, (list, tuple)) else [value]:
                    query.append((p["name"], _query_value(v)))
            elif p["in"] == "header":
                headers[p["name"]] = str(value)
        data: Any = None
        body = op.get("body")
        if body:
            content = dict(whole_body or {})
            files: dict[str, list[_Upload]] = {}
            for f in body["fields"]:
                if f["python"] in kw or f["name"] in kw:
                    value = kw.pop(f["python"]) if f["python"] in kw else kw.pop(f["name"])
                    if f["name"] in body["files"]:
                        values = value if isinstance(value, list) else [value]
                        files[f["name"]] = [_Upload(v, f["name"]) for v in values if v is not None]
                    else:
                        content[f["name"]] = value
            if body["open"]:
                content.update(kw)
                kw = {}
            if body["media_type"] == "multipart/form-data":
                for name in list(content):
                    if name in body["files"]:
                        v = content.pop(name)
                        files[name] = [_Upload(x, name) for x in (v if isinstance(v, list) else [v])]
                ctype, length, data = _multipart(content, files)
                headers.update({"Content-Type": ctype, "Content-Length": str(length)})
            elif body["media_type"] == "application/x-www-form-urlencoded":
                data = urllib.parse.urlencode(content, doseq=True).encode()
                headers["Content-Type"] = body["media_type"]
            else:
                data = json.dumps(content, ensure_ascii=False, default=str).encode()
                headers["Content-Type"] = "application/json"
        elif whole_body is not None:
            raise InvalidInput({"body": f"{operation_id} takes no body"})
        if kw:
            raise InvalidInput({k: f"is not a parameter of {operation_id}" for k in kw})
        url = self._url(path) + ("?" + urllib.parse.urlencode(query) if query else "")
        return self._send(op["method"], url, headers=headers, data=data, auth=op.get("auth", True),
                          stream=op["answer"].get("kind") == "file", output=output)

    def pages(self, operation_id: str, **params) -> Iterator[Any]:
        """Every item of a list, page after page, following `next_cursor` (or the list's own `next_…`)."""
        op = self.operation(operation_id)
        answer = op["answer"]
        if answer.get("shape") != "page":
            raise InvalidInput({"operation": f"{operation_id} does not answer pages"})
        while True:
            page = self.call(operation_id, **params)
            yield from page.get(answer["items"]) or []
            following = page.get(answer["next"])
            if following in (None, "") or (answer.get("more") and not page.get(answer["more"])):
                return
            if following == params.get(answer["cursor"]):
                return  # the server gave the same position again: nothing more to read
            params[answer["cursor"]] = following

    def all(self, operation_id: str, **params) -> dict:
        """A list's pages as one page: the first page's envelope with every item (the CLI's --all)."""
        op = self.operation(operation_id)
        answer = op["answer"]
        items: list = []
        first: dict | None = None
        while True:
            page = self.call(operation_id, **params)
            first = first if first is not None else dict(page)
            items.extend(page.get(answer["items"]) or [])
            following = page.get(answer["next"])
            if (following in (None, "") or (answer.get("more") and not page.get(answer["more"]))
                    or following == params.get(answer["cursor"])):
                break
            params[answer["cursor"]] = following
        out = dict(first or {})
        out[answer["items"]] = items
        out[answer["next"]] = page.get(answer["next"]) if answer.get("more") else None
        if answer.get("more"):
            out[answer["more"]] = False
        return out

    # -- HTTP -------------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        base = self.base_url
        if base.endswith("/api") and path.startswith("/api/"):
            base = base[: -len("/api")]
        return base + path

    def _send(self, method: str, url: str, *, headers: dict | None = None, data: Any = None, auth: bool = True,
              stream: bool = False, output: Any = None) -> Any:
        headers = dict(headers or {})
        headers.setdefault("Accept", "application/json")
        headers["User-Agent"] = self.user_agent
        if self.token and auth is not False:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            response = self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as e:
            with e:
                raw = e.read()
                answer_headers = _headers(e)
            try:
                body: Any = json.loads(raw) if raw else {}
            except ValueError:
                body = raw.decode("utf-8", "replace")
            self.last_response = _with_answer({}, e.code, answer_headers, raw)
            raise from_answer(e.code, body, answer_headers) from None
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", e)
            raise ServerUnreachable({"url": f"no answer from {self.base_url}: {reason}"}) from None
        with response:
            status, answer_headers = response.status, _headers(response)
            if stream:
                return self._download(response, status, answer_headers, output)
            raw = response.read()
        ctype = answer_headers.get("content-type", "")
        if raw and "json" in ctype:
            data_out: Any = json.loads(raw)
        elif raw:
            data_out = raw
        else:
            data_out = {}
        out = _with_answer(data_out, status, answer_headers, raw)
        self.last_response = out if isinstance(out, Answer) else _with_answer({}, status, answer_headers, raw)
        return out

    def _download(self, response, status: int, headers: dict, output: Any) -> Any:
        digest, size = hashlib.sha256(), 0
        filename = _filename(headers.get("content-disposition", ""))
        if output is None:
            raw = response.read()
            self.last_response = _with_answer({}, status, headers, b"")
            return raw
        target = None
        if hasattr(output, "write"):
            sink = output
        else:
            target = Path(output)
            if target.is_dir():
                target = target / (Path(filename).name or "download")
            sink = open(target, "wb")  # noqa: SIM115
        try:
            while True:
                block = response.read(CHUNK)
                if not block:
                    break
                digest.update(block)
                size += len(block)
                sink.write(block)
        except BaseException:
            if target is not None:
                sink.close()
                target.unlink(missing_ok=True)
            raise
        if target is not None:
            sink.close()
        result = {"path": str(target) if target is not None else getattr(output, "name", None), "size": size,
                  "sha256": digest.hexdigest(), "filename": filename,
                  "content_type": headers.get("content-type", "")}
        out = _with_answer(result, status, headers, b"")
        self.last_response = out
        return out
