"""The authorization endpoint's decision, in Better Auth's processing order.

:func:`authorize` takes the parameters of an authorization request (RFC 6749
§4.1.1, OIDC Core §3.1.2.1) and the Better Auth session, and answers with
the URL the browser goes to next: the client's redirect URI with a code or
an error, a page of the frontend (login, consent, ...) with a signed
continuation, or the server's error page. The first failing step wins
(oauth-provider surface §1.4):

1. the provider does not offer the authorization code grant → 404;
2. ``request`` / ``request_uri`` (JAR / PAR are not supported);
3. parameter validation (duplicates, ``response_type``, ``redirect_uri``
   syntax, ``prompt``, ``max_age``, PKCE method, ``dpop_jkt``, ``resource``);
4. missing ``response_type``;
5. ``prompt=select_account`` without an account-selection page;
6. client lookup and exact redirect URI matching (RFC 6749 §3.1.2.3, with
   the RFC 8252 §7.3 loopback port exemption) - failures here never
   redirect to the supplied URI (RFC 6749 §4.1.2.1);
7. scopes; 8. the ``claims`` parameter; 9. resource indicators (RFC 8707);
10. PKCE (RFC 7636, S256 only); 11. the session, ``max_age`` and
``prompt=login`` / ``create``; 12. account selection, sign-up and
post-login gates; 13. consent; 14. the code.

Errors before step 6 go to the redirect URI only when the client exists, is
enabled and registered that exact URI; later errors go to the verified URI.
Every redirect to the client carries ``iss`` (RFC 9207 §2) and ``state``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from better_auth.errors import APIError
from better_auth.services.sessions import SessionContext

from ..conf import hook, issuer, section
from ..errors import (
    AccessDenied,
    AccountSelectionRequired,
    ClientDisabled,
    ConsentRequired,
    InteractionRequired,
    InvalidClient,
    InvalidScope,
    LoginRequired,
    OAuthError,
    RequestNotSupported,
    RequestUriNotSupported,
    UnauthorizedClient,
)
from ..oauth.authorization_request import (
    Params,
    invalid,
    remove_param,
    resource_list,
    text_param,
    validate_parameters,
)
from ..oauth.authorization_response import error_page_url, error_redirect_url
from ..oauth.claims import (
    essential_acr_satisfied,
    parse_claims_request,
    requested_userinfo_claims,
)
from ..oauth.pkce import pkce_requirement
from ..oauth.prompt import parse_prompt, within_max_age
from ..oauth.redirect_uris import find_registered
from ..oauth.scopes import check_scopes
from . import consent as consents
from .authorization_codes import issue_code
from .authorization_redirects import page_redirect, route_error
from .client_lookup import client_scopes, get_client, profile_of
from .resources import resolve_resource_policy

logger = logging.getLogger(__name__)
security_log = logging.getLogger("better_auth.security.oauth_authorize")

__all__ = ["SessionSource", "authorize", "issue_code"]

SessionSource = SessionContext | None | Callable[[], SessionContext | None]


class _Answer(Exception):
    """A step decided where the browser goes; later steps do not run."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@dataclass
class _Flow:
    """One authorization request, as the steps learn about it."""

    raw: Params
    iss: str
    query: Params = field(default_factory=dict)
    prompts: set[str] = field(default_factory=set)
    app: Any = None
    scopes: list[str] = field(default_factory=list)
    userinfo_claims: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    session: SessionContext | None = None

    def refuse(self, error: OAuthError) -> _Answer:
        """An error for the verified redirect URI (steps 7 and later)."""
        logger.info("authorization request refused: %s", error.error)
        url = error_redirect_url(
            self.query["redirect_uri"],
            error,
            state=text_param(self.query, "state"),
            iss=self.iss,
        )
        return _Answer(url)

    def to_page(self, kind: str, **options: Any) -> _Answer:
        """Send the user to a frontend page with the signed continuation."""
        return _Answer(page_redirect(kind, self.query, **options))


def _step_request_objects(flow: _Flow) -> None:
    """Step 2: request objects (OIDC Core §6) and request_uri (RFC 9126)
    are not supported."""
    raw = flow.raw
    request_object = text_param(raw, "request")
    request_uri = text_param(raw, "request_uri")
    if request_object is not None and request_uri is not None:
        error: OAuthError = invalid("request and request_uri cannot be used together")
    elif request_object is not None:
        error = RequestNotSupported("request object not supported")
    elif request_uri is not None and not text_param(raw, "client_id"):
        error = invalid("client_id is required")
    elif request_uri is not None:
        error = RequestUriNotSupported("request_uri not supported")
    else:
        return
    raise _Answer(route_error(raw, error, flow.iss))


def _step_parameters(flow: _Flow) -> None:
    """Steps 3 to 5: valid parameters, a ``response_type``, and a page for
    ``prompt=select_account``."""
    query, error = validate_parameters(flow.raw)
    if error is None and "response_type" not in query:
        error = invalid("response_type is required")
    if error is not None:
        raise _Answer(route_error(flow.raw, error, flow.iss))
    flow.query, flow.prompts = query, parse_prompt(query.get("prompt"))
    if "select_account" in flow.prompts and not section().SELECT_ACCOUNT_PAGE:
        error = OAuthError(
            "unsupported prompt type", error="unsupported_prompt_select_account"
        )
        raise _Answer(error_page_url(error, flow.iss))


def _step_client(flow: _Flow) -> None:
    """Step 6: an enabled client allowed the code grant that registered the
    exact redirect URI (RFC 6749 §3.1.2.3); otherwise the error page."""
    app = get_client(flow.query["client_id"])
    profile = profile_of(app) if app is not None else None
    redirect_uri = flow.query.get("redirect_uri")
    if app is None or profile is None:
        error: OAuthError = InvalidClient("client_id is required")
    elif profile.disabled:
        error = ClientDisabled("client is disabled")
    elif not profile.allows_grant("authorization_code"):
        error = UnauthorizedClient(
            "client is not authorized to use the authorization_code grant"
        )
    elif not redirect_uri or not find_registered(
        redirect_uri, app.redirect_uris.split()
    ):
        error = OAuthError("invalid redirect uri", error="invalid_redirect")
    else:
        flow.app = app
        return
    security_log.warning("authorization refused before redirect: %s", error.error)
    raise _Answer(error_page_url(error, flow.iss))


def _step_scopes(flow: _Flow) -> None:
    """Step 7, RFC 6749 §3.3: every scope allowed; none given = defaults."""
    allowed = client_scopes(flow.app)
    if "scope" not in flow.query:
        flow.query = {**flow.query, "scope": " ".join(allowed)}
        flow.scopes = list(allowed)
        return
    flow.scopes = [s for s in str(flow.query["scope"]).split(" ") if s]
    try:
        check_scopes(allowed, flow.scopes)
    except InvalidScope as refused:
        raise flow.refuse(refused) from None


def _step_claims(flow: _Flow) -> None:
    """Step 8, OIDC Core §5.5: the claims request parameter."""
    claims = flow.query.get("claims")
    openid = "openid" in flow.scopes
    if claims is not None and not openid:
        description = "openid scope must be requested when using the claims parameter"
        raise flow.refuse(invalid(description))
    if openid and claims is not None and parse_claims_request(claims) is None:
        raise flow.refuse(invalid("claims must be a valid Claims request object"))
    if openid and not essential_acr_satisfied(claims):
        raise flow.refuse(AccessDenied("essential acr requirement cannot be met"))
    flow.userinfo_claims = requested_userinfo_claims(claims)


def _step_resources(flow: _Flow) -> None:
    """Step 9, RFC 8707 §2: resource indicators."""
    flow.resources = resource_list(flow.query.get("resource"))
    if flow.resources:
        try:
            resolve_resource_policy(flow.resources, flow.app, flow.scopes, iss=flow.iss)
        except OAuthError as refused:
            raise flow.refuse(refused) from None


def _step_pkce(flow: _Flow) -> None:
    """Step 10, RFC 7636 §4.3 and OAuth 2.1 §4.1.1: S256 only (step 3)."""
    challenge = flow.query.get("code_challenge")
    method = flow.query.get("code_challenge_method")
    profile = profile_of(flow.app)
    reason = pkce_requirement(profile, flow.scopes, text_param(flow.query, "nonce"))
    if reason and not (challenge and method):
        raise flow.refuse(invalid(reason))
    if (challenge or method) and not (challenge and method):
        description = "code_challenge and code_challenge_method must both be provided"
        raise flow.refuse(invalid(description))


def _step_authenticate(flow: _Flow, session: SessionSource) -> SessionContext:
    """Step 11, OIDC Core §3.1.2.1 / §3.1.2.3: a session, fresh enough for
    ``max_age``, unless ``login`` or ``create`` asks to authenticate again."""
    current = session() if callable(session) else session
    max_age = flow.query.get("max_age")
    satisfied = (
        current is not None
        and max_age is not None
        and within_max_age(current.session.created_at, max_age)
    )
    stale = max_age is not None and not satisfied
    if current is None or stale or flow.prompts & {"login", "create"}:
        if "none" in flow.prompts:
            raise flow.refuse(LoginRequired("authentication required"))
        raise flow.to_page("create" if "create" in flow.prompts else "login")
    if satisfied:
        flow.query = remove_param(flow.query, "max_age")
    flow.session = current
    return current


def _gate(name: str, context: dict[str, Any]) -> Any:
    gate = hook(name)
    return gate(context) if gate is not None else None


def _step_gates(
    flow: _Flow, headers: Mapping[str, str], *, entry: bool, post_login_cleared: bool
) -> None:
    """Step 12: account selection, sign-up and post-login pages; with
    ``prompt=none`` the interaction they need is an error (OIDC §3.1.2.6)."""
    assert flow.session is not None
    context = {
        "user": flow.session.user,
        "session": flow.session.session,
        "scopes": flow.scopes,
        "client": flow.app,
        "headers": dict(headers),
    }
    none = "none" in flow.prompts
    if entry and "select_account" in flow.prompts:
        raise flow.to_page("select_account")
    if entry and _gate("SELECT_ACCOUNT_SHOULD_REDIRECT", context):
        if none:
            error = AccountSelectionRequired("End-User account selection is required")
            raise flow.refuse(error)
        raise flow.to_page("select_account")
    signup = _gate("SIGNUP_SHOULD_REDIRECT", context)
    if signup:
        if none:
            raise flow.refuse(InteractionRequired("End-User interaction is required"))
        raise flow.to_page("create", page=signup if isinstance(signup, str) else None)
    if not post_login_cleared and _gate("POST_LOGIN_SHOULD_REDIRECT", context):
        if none:
            raise flow.refuse(InteractionRequired("End-User interaction is required"))
        raise flow.to_page("post_login")


def _step_consent(flow: _Flow) -> Any:
    """Step 13, OIDC Core §3.1.2.4: forced by ``prompt=consent``, skipped for
    ``skip_consent`` clients, else a remembered consent must cover the
    request. Returns the covering consent row (None when skipped)."""
    assert flow.session is not None
    session_id = str(flow.session.session.id)
    if "consent" in flow.prompts:
        raise flow.to_page("consent", session_id=session_id)
    if profile_of(flow.app).skip_consent:
        return None
    consent = consents.find_consent(flow.session.user.pk, flow.app)
    if consents.covers(
        consent,
        scopes=flow.scopes,
        userinfo_claims=flow.userinfo_claims,
        resources=flow.resources,
    ):
        return consent
    if "none" in flow.prompts:
        raise flow.refuse(ConsentRequired("End-User consent is required"))
    raise flow.to_page("consent", session_id=session_id)


def authorize(
    params: Mapping[str, Any],
    *,
    session: SessionSource,
    iss: str | None = None,
    headers: Mapping[str, str] | None = None,
    entry: bool = False,
    post_login_cleared: bool = False,
) -> str:
    """Decide an authorization request; the URL the browser goes to next.

    ``session`` is the Better Auth session (or a callable loading it, so
    requests refused before step 11 never read it). ``iss`` is the issuer
    (default: the configured one); ``headers`` are the request headers the
    page gates may look at. ``entry`` marks the authorization endpoint
    itself (account selection is offered there only);
    ``post_login_cleared`` that this session passed the post-login gate.
    Raises :class:`~better_auth.errors.APIError` for 404 (no code grant)
    and 500 (a page the flow needs is not configured).
    """
    if "authorization_code" not in section().GRANT_TYPES:
        raise APIError(404, None, empty=True)
    flow = _Flow(raw=dict(params), iss=iss or issuer())
    try:
        _step_request_objects(flow)
        _step_parameters(flow)
        _step_client(flow)
        _step_scopes(flow)
        _step_claims(flow)
        _step_resources(flow)
        _step_pkce(flow)
        current = _step_authenticate(flow, session)
        _step_gates(
            flow, headers or {}, entry=entry, post_login_cleared=post_login_cleared
        )
        consent = _step_consent(flow)
    except _Answer as answer:
        return answer.url
    # Step 14: the code.
    return issue_code(
        flow.app,
        query=flow.query,
        session=current,
        scopes=flow.scopes,
        userinfo_claims=flow.userinfo_claims,
        resources=flow.resources,
        consent=consent,
        iss=flow.iss,
    )
