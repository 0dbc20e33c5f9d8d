"""Google One Tap: ``POST /one-tap/callback {idToken, callbackURL?}``.

Better Auth's one-tap plugin (core-surface §8.8), served when the Google
provider is configured with ``ONE_TAP: True``. The ID token is verified
with the Google provider's verifier (OIDC Core §3.1.3.7: issuer, our client
id as audience, signature from Google's JWKS, expiry, ``hd``), and the
account is the one bound to its ``sub``.
"""

from __future__ import annotations

from typing import Any

from ...errors import APIError
from ...serializers import user_json
from ...services import social
from ...services.sessions import set_session_cookie
from ...social import ProviderError, get_provider
from .. import schema as s
from ..context import Context
from ..registry import endpoint

ONE_TAP = s.Schema(
    {"idToken": s.string(), "callbackURL": s.string(optional=True)}, required=True
)


@endpoint("/one-tap/callback", "POST", body=ONE_TAP)
def one_tap_callback(ctx: Context) -> dict[str, Any]:
    provider = get_provider("google")
    if provider is None or not provider.options.get("ONE_TAP"):
        # Not enabled: the same bare 404 as a route that does not exist.
        raise APIError(404, empty=True)
    try:
        provider.resolve()
    except ProviderError:
        raise APIError(400, None, "invalid id token") from None
    result = social.one_tap_sign_in(
        provider,
        ctx.body["idToken"],
        ip_address=ctx.info.ip,
        user_agent=ctx.info.user_agent,
    )
    set_session_cookie(ctx.jar, result.session, result.user)
    return {"token": result.session.token, "user": user_json(result.user)}
