"""Error pages (handler400/403/404/500 in comity.urls).

Pages get the styled templates 400.html ... 500.html; anything under /api/ keeps answering JSON
(`{"detail": ...}`), as the API's own error handlers do. The 500 page is rendered without the request,
so it needs neither the database nor the session: it must work when they are what failed.
"""

from __future__ import annotations

import logging

from django.http import HttpResponseServerError, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

log = logging.getLogger(__name__)

# Shown if even the 500 template cannot be rendered (a broken template or static configuration).
_PLAIN_500 = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Server error · Comity</title>"
              "</head><body><h1>Something went wrong on our side</h1><p>The server could not finish your request; "
              "the error has been recorded. <a href=\"/\">Go to the start page</a>.</p></body></html>")


def _api(request) -> bool:
    return request.path_info.startswith("/api/")


def _json(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    if _api(request):
        from django.conf import settings
        from django.core.exceptions import RequestDataTooBig

        if isinstance(exception, RequestDataTooBig):  # the package's error shape, naming the body (413)
            reason = f"is larger than the limit of {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"
            return JsonResponse({"error": "invalid_input", "message": f"body: {reason}", "errors": {"body": reason},
                                 "detail": f"body: {reason}"}, status=413)
        return _json("Bad request.", 400)
    return defaults.bad_request(request, exception)


@requires_csrf_token
def permission_denied(request, exception=None):
    if _api(request):
        return _json(str(exception or "") or "Not allowed.", 403)
    return defaults.permission_denied(request, exception)


@requires_csrf_token
def page_not_found(request, exception=None):
    if _api(request):
        return _json("Not found.", 404)
    return defaults.page_not_found(request, exception)


@requires_csrf_token
def server_error(request):
    if _api(request):
        return _json("Server error: the request could not be completed; it has been logged.", 500)
    try:
        body = loader.get_template("500.html").render()  # no request: no context processors, no database
    except Exception:  # the error page itself must never fail
        log.exception("the 500 page could not be rendered")
        body = _PLAIN_500
    return HttpResponseServerError(body)
