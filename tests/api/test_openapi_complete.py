"""The OpenAPI document describes every endpoint, every parameter and every error answer (issue 14 item 5).

These fail when someone adds an endpoint or a parameter the document does not describe: the document is what
the Python client, the CLI's remote mode and other systems are built from."""

from __future__ import annotations

import inspect

import pytest

SKIP_PARAMS = {"request", "response"}


@pytest.fixture(scope="module")
def schema():
    from comity.api.api import api

    return api.get_openapi_schema()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, op


def _view_functions():
    from comity.api.api import api

    found = {}
    for bound in api._get_bound_routers():
        for path, path_view in bound.template.path_operations.items():
            for op in path_view.operations:
                found[op.view_func.__name__] = op
    return found


def test_every_url_of_the_api_is_an_operation_of_the_document(schema):
    from django.urls import get_resolver

    from comity.api.api import api

    documented = {p.removeprefix("/api/") for p in schema["paths"]}
    patterns = set()
    for pattern in api.urls[0]:
        route = str(pattern.pattern)
        if route in ("", "docs", "openapi.json") or route.startswith("docs/"):
            continue
        import re

        patterns.add(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
    assert patterns, get_resolver()
    assert patterns <= documented, sorted(patterns - documented)


def test_operation_ids_are_unique_plain_names_and_every_operation_says_what_it_does(schema):
    ids = [op["operationId"] for _, _, op in _operations(schema)]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for path, method, op in _operations(schema):
        assert op["operationId"].isidentifier() and not op["operationId"].startswith("comity_"), op["operationId"]
        assert op.get("summary") or op.get("description"), f"{method.upper()} {path} has no summary"
        # django-ninja's default summary is the function's name in words ("Add Note"): say what it does instead
        assert op.get("summary", "").lower() != op["operationId"].replace("_", " "), \
            f"{method.upper()} {path}: write a summary a caseworker understands"
        assert op.get("tags"), f"{method.upper()} {path} has no tag"


def test_every_parameter_of_every_endpoint_is_in_the_document(schema):
    views = _view_functions()
    missing = []
    for path, method, op in _operations(schema):
        view = views.get(op["operationId"])
        assert view is not None, op["operationId"]
        documented = {p["name"] for p in op.get("parameters", [])}
        body = op.get("requestBody", {}).get("content", {})
        for media in body.values():
            ref = media.get("schema", {})
            if "$ref" in ref:
                ref = schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]
            documented |= set(ref.get("properties", {}))
            documented.add("payload")
        for name in inspect.signature(view.view_func).parameters:
            if name in SKIP_PARAMS or name in documented:
                continue
            missing.append(f"{method.upper()} {path}: {name}")
    assert not missing, missing


def test_every_error_an_operation_can_give_is_documented_with_its_shape(schema):
    problems = []
    for path, method, op in _operations(schema):
        responses = op["responses"]
        label = f"{method.upper()} {path}"
        secured = bool(op.get("security"))
        if secured and "401" not in responses:
            problems.append(f"{label}: no 401")
        if (op.get("parameters") or op.get("requestBody")) and "422" not in responses:
            problems.append(f"{label}: no 422 for bad input")
        if "{" in path and secured and "404" not in responses:
            problems.append(f"{label}: no 404 for what the caller may not see")
        if method != "get" and secured and "403" not in responses and "sign_now" != op["operationId"]:
            problems.append(f"{label}: no 403 for a read-only token")
        for code, answer in responses.items():
            if code.startswith(("4", "5")) and code not in ("400", "401"):
                schema_ref = answer.get("content", {}).get("application/json", {}).get("schema", {})
                if not schema_ref:
                    problems.append(f"{label}: {code} without a JSON shape")
        if op.get("x-if-match"):
            names = {p["name"] for p in op.get("parameters", [])}
            if "If-Match" not in names or "412" not in responses or "428" not in responses:
                problems.append(f"{label}: an update without If-Match, 412 and 428 documented")
        if method in ("post", "put", "patch", "delete"):
            if "Idempotency-Key" not in {p["name"] for p in op.get("parameters", [])}:
                problems.append(f"{label}: no Idempotency-Key")
    assert not problems, problems


def test_the_error_shape_names_fields_and_412_says_what_changed(schema):
    comps = schema["components"]["schemas"]
    assert set(comps["ErrorOut"]["required"]) >= {"error", "message", "errors", "detail"}
    assert {"changed", "etag"} <= set(comps["PreconditionOut"]["properties"])


def test_no_operation_reads_input_the_document_cannot_describe():
    """Parameters reach an operation through its signature (which django-ninja documents); an operation that
    read request.GET, request.POST or the raw body itself would take input the document does not show.
    The exceptions are the shared plumbing (the body parser, If-Match, Idempotency-Key, all documented by
    comity.api.schemas.finish_schema) and the assessment, whose body is documented by hand."""
    import re
    from pathlib import Path

    import comity.api

    allowed = {"api.py": {"request.body"}, "etag.py": {"request.headers"}, "idempotency.py": None,
               "law_api.py": {"request.body"}}
    found = []
    for f in sorted(Path(comity.api.__file__).parent.glob("*.py")):
        rule = allowed.get(f.name, set())
        if rule is None:
            continue
        for n, line in enumerate(f.read_text().splitlines(), 1):
            for m in re.findall(r"request\.(GET|POST|body|META|FILES|headers)", line):
                if f"request.{m}" not in rule:
                    found.append(f"{f.name}:{n}: request.{m}")
    assert not found, found
