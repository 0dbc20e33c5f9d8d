"""OAuth 2.0 Protected Resource Metadata (RFC 9728) for local resources.

``/.well-known/oauth-protected-resource{path}`` (RFC 9728 §3.1) describes
the resource ``{origin}{path}`` when it is a stored, enabled resource
served by this project (its origin is this server's). Members: ``resource``,
``authorization_servers`` (this issuer), ``scopes_supported`` (the
resource's allowed scopes, else the provider's scopes without the OpenID
ones, omitted when empty, as Better Auth builds it), ``bearer_methods_supported``
``["header"]``, ``resource_name`` and ``dpop_bound_access_tokens_required``
when set (surface §2 "RFC 9728 document").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from better_auth.api.router import render
from better_auth.conf import auth_settings

from .. import capabilities
from ..conf import issuer, section
from ..discovery import CACHE_CONTROL, method_not_allowed

__all__ = [
    "IDENTITY_SCOPES",
    "protected_resource_metadata",
    "protected_resource_metadata_view",
]

# Scopes about the user, not about an API (surface §2).
IDENTITY_SCOPES = frozenset(
    {"openid", "profile", "email", "phone", "address", "offline_access"}
)


def protected_resource_metadata(row: Any, request: HttpRequest | None = None) -> dict:
    """The RFC 9728 §2 document of a stored resource."""
    doc: dict[str, Any] = {
        "resource": row.identifier,
        "authorization_servers": [issuer(request)],
    }
    if row.allowed_scopes is not None:
        scopes = [s for s in row.allowed_scopes if s not in IDENTITY_SCOPES]
    else:
        scopes = [s for s in section().SCOPES if s not in IDENTITY_SCOPES]
    if scopes:
        doc["scopes_supported"] = scopes
    doc["bearer_methods_supported"] = ["header"]
    if row.name:
        doc["resource_name"] = row.name
    if capabilities.is_supported("dpop"):
        # RFC 9728 §2: the proof algorithms this resource accepts.
        doc["dpop_signing_alg_values_supported"] = list(
            section().DPOP_SIGNING_ALGORITHMS
        )
    if row.dpop_required:
        doc["dpop_bound_access_tokens_required"] = True
    return doc


def _origins(request: HttpRequest) -> list[str]:
    out = []
    for base in (auth_settings.BASE_URL, request.build_absolute_uri("/")):
        parts = urlsplit(base or "")
        if parts.scheme and parts.netloc:
            out.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(out))


def _candidates(request: HttpRequest, path: str) -> list[str]:
    query = request.META.get("QUERY_STRING", "")
    suffix = f"?{query}" if query else ""
    path = path.rstrip("/")
    out = []
    for origin in _origins(request):
        out += [f"{origin}{path}{suffix}", f"{origin}{path}/{suffix}"]
    return out


@csrf_exempt
def protected_resource_metadata_view(
    request: HttpRequest, resource_path: str = ""
) -> HttpResponse:
    """GET/HEAD ``/.well-known/oauth-protected-resource{path}``."""
    from ..models import Resource
    from ..services.resources import ensure_seeded

    if request.method not in ("GET", "HEAD"):
        return method_not_allowed()
    ensure_seeded()
    candidates = _candidates(request, resource_path or "")
    rows = {
        r.identifier: r
        for r in Resource.objects.filter(identifier__in=candidates, enabled=True)
    }
    row = next((rows[c] for c in candidates if c in rows), None)
    if row is None:
        response = HttpResponse(status=404)
        del response["Content-Type"]
        return response
    doc = protected_resource_metadata(row, request)
    body = b"" if request.method == "HEAD" else render(doc)
    response = HttpResponse(body, content_type="application/json")
    response["Cache-Control"] = CACHE_CONTROL
    return response
