"""get-session with nothing but the work it cannot avoid.

Parse the ``session_token`` cookie, check its HMAC-SHA256 signature (Better
Auth's signed-cookie format, core-surface §4.2: ``value.base64(HMAC)``,
percent-encoded), run one indexed query joining the session to its user, and
render the same JSON body with ``Cache-Control: no-store``. No settings layer,
routing table, schema validation, origin check or hooks: whatever the real
endpoint costs beyond this view is framework overhead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import unquote

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

_QUERY = (
    "SELECT s.id, s.token, s.expires_at, s.ip_address, s.user_agent,"
    " s.created_at, s.updated_at, u.id, u.name, u.email, u.email_verified,"
    " u.image, u.created_at, u.updated_at"
    " FROM better_auth_session s JOIN better_auth_user u ON u.id = s.user_id"
    " WHERE s.token = %s AND s.expires_at > %s AND u.is_active"
)


def _iso(value: datetime | str) -> str:
    """``Date.toISOString()``: UTC with milliseconds and ``Z``.

    SQLite hands raw queries the stored text (naive UTC), PostgreSQL a
    datetime.
    """
    if isinstance(value, str):
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _respond(body: object) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, separators=(",", ":")), content_type="application/json"
    )
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _verified_token(raw: str | None) -> str | None:
    if not raw:
        return None
    token, _, signature = unquote(raw).rpartition(".")
    if not token:
        return None
    mac = hmac.new(settings.FLOOR_SECRET.encode(), token.encode(), hashlib.sha256)
    expected = base64.b64encode(mac.digest()).decode()
    return token if hmac.compare_digest(signature, expected) else None


def get_session(request: HttpRequest) -> HttpResponse:
    token = _verified_token(request.COOKIES.get(settings.FLOOR_COOKIE))
    if token is None:
        return _respond(None)
    with connection.cursor() as cursor:
        now = datetime.now(UTC)
        if connection.vendor == "sqlite":
            # The stored text format, so the comparison is chronological.
            now = now.replace(tzinfo=None).isoformat(" ")  # type: ignore[assignment]
        cursor.execute(_QUERY, [token, now])
        row = cursor.fetchone()
    if row is None:
        return _respond(None)
    (
        sid,
        stoken,
        expires,
        ip,
        agent,
        s_created,
        s_updated,
        uid,
        name,
        email,
        verified,
        image,
        u_created,
        u_updated,
    ) = row
    return _respond(
        {
            "session": {
                "expiresAt": _iso(expires),
                "token": stoken,
                "createdAt": _iso(s_created),
                "updatedAt": _iso(s_updated),
                "ipAddress": ip,
                "userAgent": agent,
                "userId": uid,
                "id": sid,
            },
            "user": {
                "name": name,
                "email": email,
                "emailVerified": bool(verified),
                "image": image,
                "createdAt": _iso(u_created),
                "updatedAt": _iso(u_updated),
                "id": uid,
            },
        }
    )
