"""``/oauth2/consent`` and ``/oauth2/continue``: the frontend pages answer.

The consent page posts ``{accept, scope?, claims?, oauth_query}``; the
account-selection, sign-up and post-login pages post ``{selected | created
| postLogin: true, oauth_query}``. Both need the session and always answer
``{"redirect": true, "url"}`` for the page's script to follow (Better Auth's
provider, oauth-provider surface §1.5). The continuation was verified by the
before-hook of :mod:`.authorize`. The session is read from the store, never
the cookie cache, since both endpoints can end in a code.
"""

from __future__ import annotations

from typing import Any

from better_auth.api import schema as s
from better_auth.api.context import Context
from better_auth.api.registry import endpoint
from better_auth.errors import APIError

from ..conf import issuer
from ..oauth.claims import parse_claims_request
from ..services import consent
from .authorize import CONTINUATION, RESUMED, deliver

__all__: list[str] = []

CONSENT = s.Schema(
    {
        "accept": s.boolean(),
        "scope": s.string(optional=True),
        "claims": s.any_value(),
        "oauth_query": s.string(optional=True),
    }
)
CONTINUE = s.Schema(
    {
        "selected": s.boolean(optional=True),
        "created": s.boolean(optional=True),
        "postLogin": s.boolean(optional=True),
        "oauth_query": s.string(optional=True),
    }
)


def _claims(ctx: Context) -> Any:
    """The accepted claims request: a JSON string or an object (OIDC §5.5)."""
    claims = ctx.body.get("claims")
    if claims is None:
        return None
    if not isinstance(claims, (str, dict)):
        problem = "Invalid input"
    elif parse_claims_request(claims) is None:
        problem = "claims must be a valid Claims request object"
    else:
        return claims
    raise APIError(
        400, "VALIDATION_ERROR", f"[body.claims] {problem}", status_text="400"
    )


@endpoint("/oauth2/consent", "POST", body=CONSENT, session="sensitive")
def consent_endpoint(ctx: Context) -> Any:
    """The user's consent decision (OIDC Core §3.1.2.4, RFC 6749 §4.1.2.1)."""
    ctx.extra[RESUMED] = True
    url = consent.decide_consent(
        ctx.extra.get(CONTINUATION),
        accept=ctx.body["accept"],
        scope=ctx.body.get("scope"),
        claims=_claims(ctx),
        session=ctx.session,
        iss=issuer(ctx.request),
        headers=ctx.request.headers,
    )
    return deliver(url, as_json=True)


@endpoint("/oauth2/continue", "POST", body=CONTINUE, session="sensitive")
def continue_endpoint(ctx: Context) -> Any:
    """Resume after account selection, sign-up or the post-login page."""
    ctx.extra[RESUMED] = True
    url = consent.continue_authorization(
        ctx.extra.get(CONTINUATION),
        selected=ctx.body.get("selected") is True,
        created=ctx.body.get("created") is True,
        post_login=ctx.body.get("postLogin") is True,
        session=ctx.session,
        iss=issuer(ctx.request),
        headers=ctx.request.headers,
    )
    return deliver(url, as_json=True)
