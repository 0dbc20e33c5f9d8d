"""``POST /oauth2/revoke``: token revocation (RFC 7009).

Any registered client may revoke its own tokens, public ones with just
their ``client_id`` (RFC 7009 §2.1 authenticates confidential clients).
Success is 200 with an empty body, also for unknown, already revoked or
foreign tokens (§2.2; Better Auth answers 400 "token not found" there).
As Better Auth does, revocation responses carry no cache headers
(transcript ``A/revoke-*``): they return no credential.
"""

from __future__ import annotations

from django.http import HttpResponse

from better_auth.api.context import Context
from better_auth.api.registry import endpoint

from ..errors import NO_STORE_HEADERS, InvalidRequest, OAuthError
from ..oauth.client_auth import authenticate_client
from ..oauth.form_params import form_values, single_values
from ..services.revocation import revoke as revoke_token
from ._common import form_only

__all__: list[str] = []

form_only("/oauth2/revoke")


def _without_cache_headers(error: OAuthError) -> OAuthError:
    for name in NO_STORE_HEADERS:
        error.headers.pop(name, None)
    return error


@endpoint("/oauth2/revoke", "POST", allow_form=True)
def revoke(ctx: Context) -> HttpResponse:
    """Revoke the token if it is the caller's; 200 either way (RFC 7009 §2.2)."""
    form = form_values(ctx.request)
    try:
        client = authenticate_client(ctx.request, form=form)
        params = single_values(form, ("token", "token_type_hint"))
        if not params["token"]:
            raise InvalidRequest("token is required", no_store=False)
    except OAuthError as error:
        raise _without_cache_headers(error) from None
    revoke_token(client, params["token"], params["token_type_hint"])
    return HttpResponse(b"", status=200, content_type="application/json")
