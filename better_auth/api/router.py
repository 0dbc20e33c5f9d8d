"""The auth API's one request pipeline, in Better Auth's order.

disabled paths → rate limit → request-level plugin checks (captcha) → route
match → body parsing → origin / CSRF checks → before-hooks → schema
validation → login CSRF (``form_csrf`` endpoints) → session requirement →
handler → after-hooks (core-surface §1). The login CSRF check and the
session requirement are endpoint middlewares in Better Auth, which run after
validation, so a malformed body is a 400 before either is looked at.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .. import hooks
from ..conf import auth_settings
from ..errors import APIError
from ..ratelimit import consume_request
from . import origin_check, schema
from .context import JSON, Context, Redirect
from .registry import Endpoint, match

logger = logging.getLogger(__name__)

__all__ = ["dispatch", "empty_response", "error_response", "render"]

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"


@csrf_exempt
def dispatch(request: HttpRequest, path: str = "") -> HttpResponse:
    """Serve one auth API request; ``path`` is what follows the base path."""
    route = "/" + path
    if not path or "//" in route:
        return empty_response(404)
    response = _dispatch(request, route)
    for name, value in hooks.route_headers(route).items():
        response.headers.setdefault(name, value)
    return response


def _dispatch(request: HttpRequest, route: str) -> HttpResponse:
    try:
        if route in auth_settings.DISABLED_PATHS:
            # A plain-text Response, so Node labels it with its default type.
            return HttpResponse(
                "Not Found", status=404, content_type="text/plain;charset=UTF-8"
            )
        retry_after = consume_request(request, route)
        if retry_after is not None:
            return _json(
                {"message": "Too many requests. Please try again later."},
                429,
                {"X-Retry-After": str(retry_after)},
                status_text="Too Many Requests",
            )
        for check in hooks.request_checks():
            early = check(request, route)
            if early is not None:
                return early
        found = match(route, request.method or "GET")
        if found is None:
            return empty_response(404)
        endpoint, params = found
        return _run(request, route, endpoint, params)
    except APIError as error:
        return error_response(error)
    except RequestDataTooBig:
        return error_response(
            APIError(413, "PAYLOAD_TOO_LARGE", "Request body is too large")
        )
    except TooManyFieldsSent:
        return error_response(APIError(400, "BAD_REQUEST", "Too many parameters"))
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, route)
        return empty_response(500)


def _run(
    request: HttpRequest, route: str, endpoint: Endpoint, params: dict[str, str]
) -> HttpResponse:
    raw_body = _parse_body(request, endpoint)
    query = _query(request)
    ctx = Context(
        request=request,
        method=request.method or "GET",
        path=route,
        params=params,
        body=raw_body if isinstance(raw_body, dict) else {},
        query=query,
        raw_body=raw_body,
        endpoint=endpoint,
    )
    try:
        origin_check.run(ctx)
        for before in hooks.before_hooks():
            early = before(ctx)
            if early is not None:
                return _finish(ctx, early)
        if endpoint.body is not None:
            body = raw_body if _has_body(request) else schema.UNDEFINED
            ctx.body = endpoint.body.validate(body, "body")
        else:
            _refuse_hostile_text(route, raw_body, "body")
        if endpoint.query is not None:
            ctx.query = endpoint.query.validate(query, "query")
        else:
            _refuse_hostile_text(route, query, "query")
        if endpoint.form_csrf:
            origin_check.form_csrf(ctx)
        if endpoint.session is not None:
            from ..services.sessions import require_session

            ctx.session = require_session(ctx, mode=endpoint.session)
        result = endpoint.handler(ctx)
    except APIError as error:
        result = error
    for after in hooks.after_hooks():
        replaced = after(ctx, result)
        if replaced is not None:
            result = replaced
    return _finish(ctx, result)


class _InvalidOAuthRequest(APIError):
    """``invalid_request`` in the OAuth envelope (RFC 6749 §5.2), no-store."""

    def body(self) -> dict[str, Any] | None:
        return {"error": "invalid_request", "error_description": self.message}


def _refuse_hostile_text(route: str, value: Any, where: str) -> None:
    """Endpoints that read their input themselves still get the rule every
    schema applies: no NUL and no lone surrogate in any string."""
    problem = schema.deep_text_problem(value)
    if problem is None:
        return
    if route.startswith("/oauth2/"):
        raise _InvalidOAuthRequest(
            400,
            "invalid_request",
            f"{where}: {problem}",
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )
    raise APIError(400, "VALIDATION_ERROR", f"[{where}] {problem}", status_text="400")


def _finish(ctx: Context, result: Any) -> HttpResponse:
    if isinstance(result, HttpResponse):
        response = result
    elif isinstance(result, APIError):
        response = error_response(result)
    elif isinstance(result, Redirect):
        # better-call throws a redirect as APIError("FOUND"): empty body,
        # but still labelled JSON (oauth transcript, every 302).
        response = HttpResponse(status=302, content_type=JSON_TYPE)
        response.reason_phrase = "FOUND"
        response["Location"] = result.url
    elif isinstance(result, JSON):
        response = _json(result.body, result.status, result.headers)
    else:
        response = _json(result, 200, {})
    for name, value in ctx.headers.items():
        response[name] = value
    ctx.jar.apply(response)
    return response


# Built once: json.dumps with non-default options makes a new encoder per call.
_encode_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def render(body: Any) -> bytes:
    """The JSON body as better-call sends it: compact, UTF-8, non-ASCII raw."""
    return _encode_json(body).encode()


def _json(
    body: Any, status: int, headers: dict[str, str], status_text: str | None = None
) -> HttpResponse:
    response = HttpResponse(render(body), status=status, content_type=JSON_TYPE)
    if status_text:
        response.reason_phrase = status_text
    for name, value in headers.items():
        response[name] = value
    return response


def empty_response(status: int, status_text: str | None = None) -> HttpResponse:
    """A response with no body and no ``Content-Type``, as better-call's router.

    Better Auth answers an unknown route or method with a bare 404 and an
    unhandled error with a bare 500 (core surface §1, core transcript
    ``routing/*``); Django would otherwise label the empty body ``text/html``.
    """
    response = HttpResponse(status=status)
    if status_text:
        response.reason_phrase = status_text
    del response["Content-Type"]
    return response


def error_response(error: APIError) -> HttpResponse:
    body = error.body()
    if body is None:
        # A thrown error without a body keeps better-call's JSON label; only
        # router-level answers (unknown route, crash) are entirely bare.
        response = HttpResponse(status=error.status, content_type=JSON_TYPE)
        response.reason_phrase = error.status_text
    else:
        response = _json(body, error.status, {}, status_text=error.status_text)
    for name, value in error.headers.items():
        response[name] = value
    return response


def _query(request: HttpRequest) -> dict[str, Any]:
    if "GET" not in request.__dict__ and not request.META.get("QUERY_STRING"):
        # No query string and no QueryDict built or replaced yet: nothing to
        # read, so the QueryDict is not built just to be found empty.
        return {}
    out: dict[str, Any] = {}
    for key in request.GET:
        values = request.GET.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def _has_body(request: HttpRequest) -> bool:
    return request.method not in ("GET", "HEAD", "OPTIONS") and bool(request.body)


def _parse_body(request: HttpRequest, endpoint: Endpoint) -> Any:
    """The parsed body, or None when there is none; 415 / 400 on bad input."""
    if not _has_body(request):
        return None
    raw = request.body
    allowed = [FORM_TYPE, JSON_TYPE] if endpoint.allow_form else [JSON_TYPE]
    content_type = request.content_type or ""
    if not request.META.get("CONTENT_TYPE"):
        raise APIError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"Content-Type is required. Allowed types: {', '.join(allowed)}",
            status_text="415",
        )
    if content_type not in allowed:
        raise APIError(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f'Content-Type "{content_type}" is not allowed. '
            f"Allowed types: {', '.join(allowed)}",
            status_text="415",
        )
    if content_type == FORM_TYPE:
        try:
            pairs = parse_qs(raw.decode(), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise APIError(400, "BAD_REQUEST", "Invalid form body") from None
        # Endpoints that must see repeated fields (OAuth's form endpoints,
        # RFC 6749 §3.2) read every value from here instead of parsing again.
        request.form_values = pairs  # type: ignore[attr-defined]
        # Every value stays a string, as better-call reads form bodies.
        return {k: v[-1] for k, v in pairs.items()}
    try:
        # Bodies are UTF-8 only (json.loads would sniff UTF-16/32 from bytes);
        # absurdly deep nesting is invalid input, not a server error.
        return json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise APIError(400, "BAD_REQUEST", "Invalid JSON in request body") from None
