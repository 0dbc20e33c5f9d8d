"""Remembered consent and the consent / continue steps of an authorization.

A user's consent to a client is remembered per (user, client): the scopes
granted, the ``claims.userinfo`` names accepted (OIDC Core §5.5) and the
resource indicators (RFC 8707). The authorization endpoint skips the consent
page while that row covers everything requested (OIDC Core §3.1.2.4 lets the
server decide how to obtain consent), and a ``skip_consent`` client never
shows it. The consent page answers with :func:`decide_consent`; the other
pages resume with :func:`continue_authorization` (Better Auth's
``/oauth2/consent`` and ``/oauth2/continue``, oauth-provider surface §1.5).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from better_auth import clock
from better_auth.services.sessions import SessionContext

from ..errors import AccessDenied, InvalidClient, InvalidRequest
from ..models import Consent
from ..oauth.authorization_request import Params, params_from_pairs, remove_param
from ..oauth.authorization_response import error_page_url, error_redirect_url
from ..oauth.claims import filter_claims_request, requested_userinfo_claims
from ..oauth.prompt import is_fresh_for, parse_prompt, remove_prompt
from ..oauth.signed_query import VerifiedQuery
from . import authorization as authz
from .authorization_redirects import trusted_redirect_uri
from .client_lookup import client_scopes, get_client

logger = logging.getLogger(__name__)

__all__ = [
    "consents_of",
    "continue_authorization",
    "covers",
    "decide_consent",
    "find_consent",
    "narrow_consent",
    "record_consent",
]


def find_consent(user_id: Any, application: Any) -> Consent | None:
    """The user's remembered consent to the client, if any."""
    return Consent.objects.filter(
        user_id=user_id, application=application, reference_id=""
    ).first()


def consents_of(user_id: Any) -> list[Consent]:
    """The user's consents, oldest first, with their clients."""
    rows = Consent.objects.select_related("application").filter(user_id=user_id)
    return list(rows.order_by("created_at", "id"))


def narrow_consent(consent: Consent, scopes: Any) -> Consent:
    """Replace the granted scopes with ``scopes``, which the client must be
    allowed (Better Auth's update-consent); ``invalid_request`` otherwise."""
    allowed = set(client_scopes(consent.application))
    if (
        not isinstance(scopes, list)
        or not all(isinstance(v, str) for v in scopes)
        or not set(scopes) <= allowed
    ):
        raise InvalidRequest(
            f"unable to provide scopes to {consent.user_id}", no_store=False
        )
    consent.scopes = list(dict.fromkeys(scopes))
    consent.updated_at = clock.now()
    consent.save(update_fields=["scopes", "updated_at"])
    return consent


def covers(
    consent: Consent | None,
    *,
    scopes: Iterable[str],
    userinfo_claims: Iterable[str] = (),
    resources: Iterable[str] = (),
) -> bool:
    """Whether a remembered consent covers every scope, claim and resource."""
    if consent is None:
        return False
    granted = set(consent.scopes or [])
    claims = set(consent.requested_userinfo_claims or [])
    targets = set(consent.resources or [])
    return (
        all(s in granted for s in scopes)
        and all(c in claims for c in userinfo_claims)
        and all(r in targets for r in resources)
    )


def record_consent(
    user_id: Any,
    application: Any,
    *,
    scopes: list[str],
    userinfo_claims: list[str],
    resources: list[str] | None,
) -> Consent:
    """Create or replace the user's consent to the client.

    The scopes and claims are replaced by what was just granted, as Better
    Auth does; resources are replaced only when the request named some.
    """
    now = clock.now()
    values: dict[str, Any] = {
        "scopes": list(scopes),
        "requested_userinfo_claims": list(userinfo_claims),
        "updated_at": now,
    }
    if resources:
        values["resources"] = list(resources)
    rows = Consent.objects.filter(
        user_id=user_id, application=application, reference_id=""
    )
    for _ in range(2):
        if rows.update(**values):
            found = rows.first()
            if found is not None:
                return found
        try:
            with transaction.atomic():
                return Consent.objects.create(
                    user_id=user_id,
                    application=application,
                    reference_id="",
                    created_at=now,
                    **values,
                )
        except IntegrityError:
            # A concurrent consent created the row first; update it instead.
            continue
    raise RuntimeError("could not record consent")  # pragma: no cover


def _split_scope(value: Any) -> list[str]:
    return value.split(" ") if isinstance(value, str) else []


@dataclass
class _Choice:
    """What the user accepted on the consent page, checked against the request.

    ``scopes`` is None when the page did not narrow them.
    """

    scopes: list[str] | None
    claims: list[str]
    requested_scopes: list[str]


def _choice(query: Params, scope: str | None, claims: Any) -> _Choice:
    """The accepted scopes and claims may narrow the request, never widen it."""
    requested_scopes = _split_scope(query.get("scope"))
    requested_claims = requested_userinfo_claims(query.get("claims"))
    scopes = _split_scope(scope) if scope is not None else None
    if scopes is not None and not all(s in requested_scopes for s in scopes):
        raise InvalidRequest("Scope not originally requested", no_store=False)
    if claims is None:
        return _Choice(scopes, requested_claims, requested_scopes)
    accepted = requested_userinfo_claims(claims)
    if not all(c in requested_claims for c in accepted):
        raise InvalidRequest("Claim not originally requested", no_store=False)
    return _Choice(scopes, accepted, requested_scopes)


def _denied(query: Params, client_id: str, iss: str | None) -> str:
    """RFC 6749 §4.1.2.1 ``access_denied`` for the verified redirect URI."""
    redirect_uri = trusted_redirect_uri(client_id, query.get("redirect_uri"))
    error = AccessDenied("User denied access")
    logger.info("consent denied for client %s", client_id)
    if redirect_uri is None:
        return error_page_url(error, iss)
    state = query.get("state")
    return error_redirect_url(
        redirect_uri,
        error,
        state=state if isinstance(state, str) else None,
        iss=iss,
    )


def _consented_query(
    query: Params, choice: _Choice, claims: Any, *, login_done: bool
) -> Params:
    """The request to resume: narrowed as accepted, ``consent`` done."""
    if choice.scopes is not None:
        query["scope"] = " ".join(choice.scopes)
    if claims is not None:
        filtered = filter_claims_request(query.get("claims"), choice.claims)
        if filtered is None:
            query.pop("claims", None)
        else:
            query["claims"] = json.dumps(filtered, separators=(",", ":"))
    query = remove_prompt(query, "consent")
    if login_done:
        query = remove_param(remove_prompt(query, "login"), "max_age")
    return query


def _remember(
    state: VerifiedQuery, choice: _Choice, session: SessionContext, application: Any
) -> None:
    """Record what was granted, with every ``resource`` of the request."""
    resources = [v for k, v in state.params if k == "resource"]
    granted = choice.scopes if choice.scopes is not None else choice.requested_scopes
    record_consent(
        session.user.pk,
        application,
        scopes=granted,
        userinfo_claims=choice.claims,
        resources=resources or None,
    )
    logger.info("consent recorded for client %s", application.client_id)


def _post_login_cleared(state: VerifiedQuery, session: SessionContext) -> bool:
    signed = state.post_login_session
    return signed is not None and signed == str(session.session.id)


def decide_consent(
    state: VerifiedQuery | None,
    *,
    accept: bool,
    scope: str | None,
    claims: Any,
    session: SessionContext,
    iss: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """The user's answer on the consent page; the URL to go to next.

    Denial sends ``access_denied`` to the client (RFC 6749 §4.1.2.1) with
    ``state`` and ``iss``. Acceptance records the consent (the scopes and
    userinfo claims accepted may narrow the request, never widen it) and
    resumes the authorization, which now issues the code. A request that
    still needs a fresh login (``prompt=login`` with a session older than
    the continuation) goes back to authentication first.
    """
    if state is None:
        raise InvalidRequest("missing oauth query", no_store=False)
    query = params_from_pairs(state.params)
    client_id = query.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise InvalidClient("client_id is required", no_store=False)
    choice = _choice(query, scope, claims)
    if accept is not True:
        return _denied(query, client_id, iss)

    wants_login = "login" in parse_prompt(query.get("prompt"))
    login_done = wants_login and is_fresh_for(session, state.issued_at)
    if wants_login and not login_done:
        return authz.authorize(query, session=session, iss=iss, headers=headers)
    application = get_client(client_id)
    if application is None:
        return error_page_url(InvalidClient("client_id is required"), iss)
    _remember(state, choice, session, application)
    return authz.authorize(
        _consented_query(query, choice, claims, login_done=login_done),
        session=session,
        iss=iss,
        headers=headers,
        post_login_cleared=_post_login_cleared(state, session),
    )


def continue_authorization(
    state: VerifiedQuery | None,
    *,
    selected: bool = False,
    created: bool = False,
    post_login: bool = False,
    session: SessionContext,
    iss: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """Resume after the account-selection, sign-up or post-login page.

    ``selected`` drops ``select_account`` from the prompt, ``created``
    drops ``create``; ``post_login`` resumes with the post-login gate
    cleared only when the signed continuation names this session.
    """
    if not (selected or created or post_login):
        raise InvalidRequest("Missing parameters", no_store=False)
    if state is None:
        raise InvalidRequest("missing oauth query", no_store=False)
    query = params_from_pairs(state.params)
    cleared = False
    if selected:
        query = remove_prompt(query, "select_account")
    elif created:
        query = remove_prompt(query, "create")
    else:
        cleared = _post_login_cleared(state, session)
    return authz.authorize(
        query,
        session=session,
        iss=iss,
        headers=headers,
        post_login_cleared=cleared,
    )
