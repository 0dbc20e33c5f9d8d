"""OpenID Connect Back-Channel Logout 1.0: telling relying parties a session ended.

When a Better Auth session ends (sign-out, revocation, end-session, an
admin, a password reset, the user's deletion), every client that holds
tokens issued in that session (access or refresh tokens, or a redeemed code
that yielded an ID token) and registered a ``backchannel_logout_uri`` is
sent a Logout Token (§2.4, :mod:`..oauth.logout_token`), form-encoded
(§2.5), through the one outbound HTTP client, whose guard refuses private
and loopback targets unless the OUTBOUND settings allow them.

The session's access tokens are marked revoked, and so are its refresh
tokens except those granted ``offline_access``, which outlive the browser
session by design (Better Auth's rule, oauth-provider surface §6.1).

Delivery runs as a Celery task when Celery is configured, retried with
exponential backoff on anything but 200 / 204 (§2.8); without Celery it is
one best-effort attempt, inline after the commit. Better Auth makes one
attempt in both cases. A Logout Token is minted per attempt, so a retry
minutes later still carries a fresh ``exp``; the task itself carries only
ids, never a token. Failures never fail the sign-out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import requests
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from oauth2_provider.models import get_refresh_token_model

from better_auth import clock
from better_auth.background import use_celery
from better_auth.keys import sign_jwt
from better_auth.outbound import OutboundURLRefused, fetch

from .. import capabilities
from ..conf import hook, issuer, section
from ..models import (
    AccessTokenContext,
    ClientProfile,
    GrantContext,
    RefreshTokenContext,
)
from ..oauth.logout_token import MEDIA_TYPE, TYP, form_body, logout_token_claims
from .client_lookup import get_client, profile_of

logger = logging.getLogger(__name__)

__all__ = [
    "Target",
    "build_logout_token",
    "deliver",
    "logout_targets",
    "retry_delay",
    "revoke_session_tokens",
    "sessions_ended",
    "user_deleting",
]

capabilities.declare("backchannel_logout")

# How long a handled session id is remembered, so the two signals of one
# sign-out (user_signed_out and session_revoked) notify once.
SEEN_SECONDS = 600
SUCCESS = frozenset({200, 204})
MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Target:
    """One relying party to notify about one ended session."""

    client_id: str
    user_id: str
    session_id: str


def _first_time(session_id: str) -> bool:
    """One atomic ``add``: true for the first notice of a session's end."""
    return bool(cache.add(f"better_auth_oauth:bcl:{session_id}", 1, SEEN_SECONDS))


def _client_pks(session_id: str) -> set[int]:
    """Clients holding tokens, or an ID token, issued in the session."""
    pks: set[int] = set()
    sources = (
        AccessTokenContext.objects.filter(session_id=session_id).values_list(
            "access_token__application_id", flat=True
        ),
        RefreshTokenContext.objects.filter(session_id=session_id).values_list(
            "refresh_token__application_id", flat=True
        ),
        GrantContext.objects.filter(
            session_id=session_id, redeemed_at__isnull=False
        ).values_list("grant__application_id", flat=True),
    )
    for values in sources:
        pks.update(pk for pk in values if pk is not None)
    return pks


def logout_targets(user_id: str, session_id: str) -> list[Target]:
    """Enabled clients of the session with a ``backchannel_logout_uri``."""
    if not session_id:
        return []
    pks = _client_pks(session_id)
    if not pks:
        return []
    profiles = (
        ClientProfile.objects.filter(application_id__in=pks, disabled=False)
        .exclude(backchannel_logout_uri="")
        .select_related("application")
        .order_by("application_id")
    )
    return [Target(p.application.client_id, str(user_id), session_id) for p in profiles]


def revoke_session_tokens(session_id: str) -> tuple[int, int]:
    """Mark the session's access tokens and non-offline refresh tokens revoked.

    Two UPDATE statements; rows already revoked keep their time. Returns
    how many access and refresh tokens were revoked.
    """
    if not session_id:
        return 0, 0
    now = clock.now()
    access = AccessTokenContext.objects.filter(
        session_id=session_id, revoked_at__isnull=True
    ).update(revoked_at=now)
    offline = Q(better_auth_context__scope__regex=r"(^|\s)offline_access(\s|$)")
    refresh = (
        get_refresh_token_model()
        .objects.filter(
            better_auth_context__session_id=session_id, revoked__isnull=True
        )
        .exclude(offline)
        .update(revoked=now, updated=now)
    )
    return access, refresh


def build_logout_token(client_id: str, user_id: str, session_id: str) -> str:
    """A signed Logout Token for one client (§2.4), typed ``logout+jwt``.

    Signed like ID tokens: the configured ``JWT_SIGNER``, else the newest
    key of the ID-token algorithm in the key store.
    """
    cfg = section()
    claims = logout_token_claims(
        issuer=issuer(),
        client_id=client_id,
        # The ID token's ``sub`` (services/id_tokens.py): the user id, as
        # long as no pairwise subjects are issued.
        subject=str(user_id),
        session_id=session_id,
        now=clock.now(),
        lifetime=int(cfg.BACKCHANNEL_LOGOUT_TOKEN_EXPIRES_IN),
    )
    signer = hook("JWT_SIGNER")
    if signer is not None:
        return str(signer(claims, {"alg": cfg.SIGNING_ALGORITHM, "typ": TYP}))
    return sign_jwt(claims, headers={"typ": TYP})


def deliver(client_id: str, user_id: str, session_id: str) -> bool | None:
    """One delivery attempt: True delivered, False worth retrying, None dropped.

    Dropped: the client is gone, disabled or no longer registered for
    back-channel logout, or the guard refuses its URI (a refusal does not
    change by waiting). The token and the response body are never logged.
    """
    app = get_client(client_id)
    if app is None:
        return None
    profile = profile_of(app)
    uri = profile.backchannel_logout_uri
    if profile.disabled or not uri:
        return None
    token = build_logout_token(client_id, user_id, session_id)
    try:
        response = fetch(
            uri,
            method="POST",
            headers={"Content-Type": MEDIA_TYPE, "Accept": "application/json"},
            data=form_body(token),
            timeout=float(section().BACKCHANNEL_LOGOUT_TIMEOUT),
            max_bytes=MAX_RESPONSE_BYTES,
        )
    except OutboundURLRefused as error:
        logger.warning(
            "back-channel logout to client %s refused by the outbound guard: %s",
            client_id,
            error,
        )
        return None
    except requests.RequestException as error:
        logger.warning(
            "back-channel logout to client %s failed (%s)",
            client_id,
            type(error).__name__,
        )
        return False
    if response.status in SUCCESS:
        logger.info("back-channel logout delivered to client %s", client_id)
        return True
    logger.warning(
        "back-channel logout to client %s answered %s", client_id, response.status
    )
    return False


def retry_delay(retries: int) -> int:
    """Seconds before retry ``retries + 1``: BACKOFF * 2**retries, capped."""
    cfg = section()
    base = max(0, int(cfg.BACKCHANNEL_LOGOUT_RETRY_BACKOFF))
    cap = max(0, int(cfg.BACKCHANNEL_LOGOUT_RETRY_BACKOFF_MAX))
    return min(cap, base * 2 ** max(0, retries))


def _use_celery() -> bool:
    return use_celery(section().BACKCHANNEL_LOGOUT_USE_CELERY)


def _dispatch(target: Target) -> None:
    """Queue the delivery, or make it now; never raise into the sign-out."""
    args = (target.client_id, target.user_id, target.session_id)
    try:
        if _use_celery():
            from ..tasks import deliver_logout_token

            deliver_logout_token.delay(*args)
        else:
            deliver(*args)
    except Exception as error:  # a broker or network failure, say
        logger.error(
            "back-channel logout to client %s failed (%s)",
            target.client_id,
            type(error).__name__,
        )


def user_deleting(user_id: str) -> None:
    """Plan now, send after the commit: the user's tokens go with the user.

    Called before a user row is deleted. Its token rows cascade away in
    the same transaction, so the ``session_revoked`` notice that follows
    the commit would find no client to tell. Each session is claimed here,
    so that notice does not repeat it. A rolled-back deletion leaves the
    claims for SEEN_SECONDS; the introspection backstop still treats the
    tokens of an ended session as inactive.
    """
    sources = (
        AccessTokenContext.objects.filter(access_token__user_id=user_id),
        RefreshTokenContext.objects.filter(refresh_token__user_id=user_id),
        GrantContext.objects.filter(grant__user_id=user_id, redeemed_at__isnull=False),
    )
    session_ids: set[str] = set()
    for rows in sources:
        session_ids.update(
            rows.exclude(session_id="").values_list("session_id", flat=True)
        )
    targets: list[Target] = []
    for session_id in sorted(session_ids):
        if _first_time(session_id):
            targets.extend(logout_targets(user_id, session_id))
    if targets:
        transaction.on_commit(lambda: [_dispatch(t) for t in targets])


def sessions_ended(user_id: str, session_ids: Iterable[str]) -> None:
    """Revoke the sessions' tokens and notify their relying parties.

    Called after the commit that ended the sessions (core signals are sent
    from ``on_commit``); each session is handled once.
    """
    for session_id in session_ids:
        session_id = str(session_id or "")
        if not session_id or not _first_time(session_id):
            continue
        targets = logout_targets(user_id, session_id)
        access, refresh = revoke_session_tokens(session_id)
        if access or refresh or targets:
            logger.info(
                "session %s ended: %s access and %s refresh tokens revoked, "
                "%s clients to notify",
                session_id,
                access,
                refresh,
                len(targets),
            )
        for target in targets:
            _dispatch(target)
