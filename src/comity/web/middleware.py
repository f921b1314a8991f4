"""HTTP security middleware (docs/operations.md, "Running behind a proxy, TLS").

- TrustedProxyMiddleware: the client's address and scheme. X-Forwarded-For and X-Forwarded-Proto are believed
  only when the request comes from a proxy in COMITY_TRUSTED_PROXIES; from anyone else they are dropped, so
  a client cannot choose the address the login throttle counts, nor claim HTTPS.
- ContentSecurityPolicyMiddleware: django-csp's header (settings.CONTENT_SECURITY_POLICY), plus the hashes of
  the inline styles the templates themselves contain (no inline script is allowed at all).
- NoStoreMiddleware: `Cache-Control: no-store` on every response that may carry personal data.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import ipaddress
import re
from pathlib import Path

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.utils.cache import add_never_cache_headers

# --- client address behind trusted proxies -------------------------------------------------------------------

_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT",
              "HTTP_X_REAL_IP", "HTTP_FORWARDED")


@functools.lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(n, strict=False) for n in trusted)


def _address(text: str):
    """An IP address as a proxy writes it ("192.0.2.1", "192.0.2.1:5050", "[2001:db8::1]:443"), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(addr, networks) -> bool:
    return addr is not None and any(addr in n for n in networks)


def client_address(peer: str, forwarded_for: str, trusted: list[str] | tuple[str, ...]) -> str:
    """The client's address: the peer itself, unless the peer is a trusted proxy; then the first address from
    the right of X-Forwarded-For that is not a trusted proxy (entries further left were written by the client
    and prove nothing)."""
    networks = _networks(tuple(trusted))
    candidate = _address(peer)
    if not _trusted(candidate, networks):
        return peer
    for hop in reversed([h for h in forwarded_for.split(",") if h.strip()]):
        addr = _address(hop)
        if addr is None:
            break  # garbage from the client: the last hop we could read stands
        candidate = addr
        if not _trusted(addr, networks):
            break
    return str(candidate)


class TrustedProxyMiddleware:
    """Sets REMOTE_ADDR to the client's address; keeps X-Forwarded-* only from trusted proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        trusted = getattr(settings, "COMITY_TRUSTED_PROXIES", [])
        peer = meta.get("REMOTE_ADDR", "")
        if trusted and _trusted(_address(peer), _networks(tuple(trusted))):
            meta["COMITY_PROXY_ADDR"] = peer
            meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR", ""), trusted)
        else:
            for name in _FORWARDED:
                meta.pop(name, None)
        return self.get_response(request)


# --- Content-Security-Policy -------------------------------------------------------------------------------------

_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.DOTALL | re.IGNORECASE)
_STYLE_ATTR = re.compile(r"""<[a-zA-Z][^>]*?\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.DOTALL)
_TEMPLATE_SYNTAX = ("{{", "{%", "{#")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def style_hashes_of(source: str) -> set[str]:
    """CSP hashes of the inline styles a template writes literally: <style> blocks (their text as is) and style
    attributes (their value once character references are decoded, as the browser hashes it). Styles built from
    template variables are skipped: their output is not known, and the policy will not allow them."""
    found = set()
    for body in _STYLE_BLOCK.findall(source):
        if not any(t in body for t in _TEMPLATE_SYNTAX):
            found.add(_hash(body))
    for double, single in _STYLE_ATTR.findall(source):
        value = double or single
        if value and not any(t in value for t in _TEMPLATE_SYNTAX):
            found.add(_hash(html.unescape(value)))
    return found


@functools.lru_cache(maxsize=1)
def template_style_hashes() -> tuple[str, ...]:
    """The hashes of every literal inline style in the templates any engine can render, computed once per
    process (templates ship with the code)."""
    from django.template import engines

    found: set[str] = set()
    for engine in engines.all():
        for folder in engine.template_dirs:
            for path in Path(folder).rglob("*.html"):
                found |= style_hashes_of(path.read_text(errors="replace"))
    return tuple(sorted(found))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp, with the templates' own inline styles allowed by hash on HTML pages ('unsafe-hashes' lets the
    hashes cover style attributes too; injected styles and every inline script stay blocked)."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and response.get("Content-Type", "").startswith("text/html"):
            update = dict(parts.update or {})
            update["style-src"] = ["'unsafe-hashes'", *template_style_hashes(), *update.get("style-src", [])]
            parts.update = update
        return parts


# --- Cache-Control -------------------------------------------------------------------------------------------------

#: Pages anyone may read without signing in, which carry no personal data: caches may keep them for anonymous
#: readers. Everything else, and everything a signed-in user or a token holder gets, is never stored.
PUBLIC_PREFIXES = ("/law/", "/api/law/", "/api/docs", "/api/openapi.json", "/static/", "/healthz")


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with no-cache, must-revalidate, private, max-age=0) on every response to a
    signed-in user or an API token, and on every response outside the public law pages: case, request,
    evidence and assessment pages, documents, exports and reports stay out of browser and proxy caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = (not request.path.startswith(PUBLIC_PREFIXES)
                    or "HTTP_AUTHORIZATION" in request.META
                    or (user is not None and user.is_authenticated))
        if personal and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


class RejectNulMiddleware:
    """A NUL character (U+0000) in the address or a query parameter is refused before any view runs: PostgreSQL
    cannot store or compare text holding one (a case search with `?state=%00` was a server error there, found
    by fuzzing the API on PostgreSQL). The API answers 422 naming the parameter; pages answer 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = next((key for key, values in request.GET.lists()
                    if "\x00" in key or any("\x00" in v for v in values)), None)
        if bad is None and "\x00" in request.path:
            bad = "path"
        if bad is None:
            return self.get_response(request)
        field = bad.replace("\x00", "\\0") or "query"
        reason = "contains a NUL character (U+0000)"
        if request.path_info.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"error": "invalid_input", "message": f"{field}: {reason}", "errors": {field: reason},
                                 "detail": f"{field}: {reason}"}, status=422)
        from django.views import defaults

        return defaults.bad_request(request, ValueError(f"{field} {reason}"))
