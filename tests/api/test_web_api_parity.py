"""Everything a person can do on the web, another system can do through the API (issue 14 items 1 and 5).

The web's operations are the named URLs of the product (comity/urls.py and the apps' urls.py); each area of the
matrix (tests/api/matrix/*.py, `WEB`) says which API operations do the same. This fails on a web URL that no
area maps (a new page or form without its API operation) and on a mapping to an operation the API lacks."""

from __future__ import annotations

# Not operations on the product's data: signing in and out, second factor and password pages (allauth; the API
# authenticates with tokens instead), the health check, the API's own pages, and the exchange protocol's
# endpoints (instance to instance, authenticated by signatures: docs/exchange.md).
NOT_OPERATIONS_PREFIXES = ("accounts/", "api/", "healthz", "static/", "exchange/v1/")


def _web_names() -> set[str]:
    from django.urls import URLPattern, URLResolver, get_resolver

    names = set()

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern) and p.name:
                if route.startswith(NOT_OPERATIONS_PREFIXES):
                    continue
                names.add(namespace + p.name)

    walk(get_resolver().url_patterns)
    return names


def _mapped() -> dict[str, list[str]]:
    from tests.api.matrix.world import area_modules

    out: dict[str, list[str]] = {}
    for module in area_modules():
        for name, ops in getattr(module, "WEB", {}).items():
            assert name not in out, f"{name} is mapped in two matrix modules"
            out[name] = list(ops)
    return out


def test_every_web_operation_has_its_api_operation(db):
    web = _web_names()
    assert len(web) > 50, sorted(web)
    mapped = _mapped()
    unmapped = sorted(web - set(mapped))
    assert not unmapped, f"web URLs without an API operation (map them in tests/api/matrix/<area>.py WEB): {unmapped}"


def test_every_mapped_api_operation_exists(db):
    from comity.api.api import api

    ids = {op["operationId"] for item in api.get_openapi_schema()["paths"].values() for op in item.values()
           if isinstance(op, dict) and "operationId" in op}
    mapped = _mapped()
    wrong = {name: [o for o in ops if o not in ids] for name, ops in mapped.items()}
    wrong = {k: v for k, v in wrong.items() if v or not mapped[k]}
    assert not wrong, wrong
    stale = sorted(set(mapped) - _web_names())
    assert not stale, f"mapped web URL names that no longer exist: {stale}"


def test_no_api_operation_takes_the_name_of_a_web_page(db):
    """django-ninja names each operation's URL after its function: a function named like a page
    (`case_history`) would make reverse() and every URL walk find the API path for the page."""
    from comity.api.api import api

    ids = {op["operationId"] for item in api.get_openapi_schema()["paths"].values() for op in item.values()
           if isinstance(op, dict) and "operationId" in op}
    web = {name.rsplit(":", 1)[-1] for name in _web_names()}
    assert not ids & web, sorted(ids & web)
