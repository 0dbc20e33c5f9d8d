from __future__ import annotations

import re
from html import escape
from urllib.parse import urlencode

from django.http import HttpResponse

from ..context import Context
from ..registry import endpoint

_ERROR_CODE = re.compile(r"^['A-Za-z0-9_-]+$")


@endpoint("/ok", "GET")
def ok(ctx: Context) -> dict[str, bool]:
    return {"ok": True}


@endpoint("/error", "GET")
def error_page(ctx: Context) -> HttpResponse:
    """A plain page for errors redirected to the auth server itself."""
    code = str(ctx.query.get("error") or "")
    if not _ERROR_CODE.match(code):
        code = "UNKNOWN"
    description = str(ctx.query.get("error_description") or "")
    from ...conf import auth_settings

    error_url = getattr(auth_settings, "ERROR_URL", None)
    if error_url:
        response = HttpResponse(status=302)
        params = {"error": code}
        if description:
            params["error_description"] = description
        response["Location"] = f"{error_url}?{urlencode(params)}"
        return response
    body = (
        "<!doctype html><html><head><meta charset=utf-8><title>Error</title></head>"
        f"<body><h1>Something went wrong</h1><p><code>{escape(code)}</code></p>"
        f"<p>{escape(description)}</p></body></html>"
    )
    return HttpResponse(body, content_type="text/html; charset=utf-8")
