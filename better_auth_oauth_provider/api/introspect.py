"""``POST /oauth2/introspect``: token introspection (RFC 7662).

The caller must authenticate with its secret (RFC 7662 §2.1: the endpoint
MUST require authorization; public clients get 401 ``invalid_client``
"missing required credentials", transcript ``A/introspect-no-client-auth``).
Form-encoded bodies only (§2.1). Every answer carries the no-store headers.
"""

from __future__ import annotations

from better_auth.api.context import JSON, Context
from better_auth.api.registry import endpoint

from ..errors import NO_STORE_HEADERS, InvalidRequest
from ..oauth.client_auth import authenticate_client
from ..oauth.form_params import form_values, single_values
from ..services.introspection import introspect as introspect_token
from ._common import form_only

__all__: list[str] = []

form_only("/oauth2/introspect", no_store=True)


@endpoint("/oauth2/introspect", "POST", allow_form=True)
def introspect(ctx: Context) -> JSON:
    """``{"active": ...}`` for the token (RFC 7662 §2.2)."""
    form = form_values(ctx.request)
    client = authenticate_client(ctx.request, form=form, require_credentials=True)
    params = single_values(form, ("token", "token_type_hint"))
    if not params["token"]:
        raise InvalidRequest("token is required")
    body = introspect_token(client, params["token"], params["token_type_hint"])
    return JSON(body, 200, dict(NO_STORE_HEADERS))
