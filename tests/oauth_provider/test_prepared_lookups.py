"""The token path's lookups compiled once, and its single-statement writes.

:mod:`better_auth_oauth_provider.storage` runs the ORM's own SQL for the
client, code, access-token and refresh-token lookups, compiled once per
connection; these tests hold it to the plain ``select_related`` queryset:
the same instances, relations cached as ``select_related`` leaves them
(missing one-to-one rows included), the same annotation. The claim that
makes a code or refresh token single use (RFC 6749 §4.1.2, RFC 9700
§4.14.2) joins the insert of the new tokens: a lost claim writes nothing,
and on PostgreSQL a token request opens no transaction.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from better_auth import clock
from better_auth.models import Session
from better_auth_oauth_provider.oauth.digests import token_digest
from tests.oauth_provider.test_token import (
    issue_code,
    login_tokens,
    pkce_pair,
    post_form,
    redeem,
    refresh,
)

_TX_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}


def _fields(instance: Any) -> dict[str, Any]:
    """The loaded column values (``__dict__``: the user's ``password`` is a
    property that reads the credential account)."""
    fields = instance._meta.concrete_fields
    return {f.attname: instance.__dict__.get(f.attname) for f in fields}


def _assert_same(prepared: Any, orm: Any, relations: tuple[str, ...]) -> None:
    assert type(prepared) is type(orm)
    assert _fields(prepared) == _fields(orm)
    for path in relations:
        a, b = prepared, orm
        for name in path.split("__"):
            a, b = getattr(a, name), getattr(b, name)
        assert _fields(a) == _fields(b), path


def test_client_lookup_is_the_orm_row_with_its_profile(
    web_client: tuple[Any, str], django_assert_num_queries: Any
) -> None:
    from better_auth_oauth_provider.services.client_lookup import (
        Application,
        get_client,
    )

    app, _ = web_client
    orm = Application.objects.select_related("better_auth_profile").get(pk=app.pk)
    with django_assert_num_queries(1):
        found = get_client(app.client_id)
        profile = found.better_auth_profile
    _assert_same(found, orm, ("better_auth_profile",))
    assert profile.grant_types == ["authorization_code", "refresh_token"]
    assert get_client("no-such-client") is None


def test_application_without_profile_still_gets_one(db: None) -> None:
    """The missing reverse one-to-one row is cached as missing, as
    ``select_related`` leaves it, so the profile is created from DOT's fields."""
    from better_auth_oauth_provider.models import ClientProfile
    from better_auth_oauth_provider.services.client_lookup import (
        Application,
        get_client,
    )

    app = Application.objects.create(
        name="dot-only",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    found = get_client(app.client_id)
    assert found.better_auth_profile.grant_types == ["client_credentials"]
    assert ClientProfile.objects.filter(application=app).count() == 1


def test_token_lookups_are_the_orm_rows(
    rp: Any, django_assert_num_queries: Any
) -> None:
    from oauth2_provider.models import AccessToken, RefreshToken

    from better_auth_oauth_provider.services.introspection import (
        alive_annotation,
        find_access_token,
        find_refresh_token,
    )

    app, secret, user = rp
    body = login_tokens(app, secret, user)
    now = clock.now()
    alive = alive_annotation("better_auth_context__session_id", now)
    assert alive is not None
    related = ("better_auth_context", "application__better_auth_profile", "user")
    orm_access = (
        AccessToken.objects.select_related(*related)
        .annotate(session_alive=alive)
        .get(token_checksum=token_digest(body["access_token"]))
    )
    with django_assert_num_queries(1):
        access = find_access_token(body["access_token"], now)
        assert access.session_alive is True
        _assert_same(access, orm_access, related)
    orm_refresh = (
        RefreshToken.objects.select_related(*related, "access_token")
        .annotate(session_alive=alive)
        .get(token_checksum=token_digest(body["refresh_token"]))
    )
    with django_assert_num_queries(1):
        row = find_refresh_token(body["refresh_token"], now)
        _assert_same(row, orm_refresh, (*related, "access_token"))
    assert row.session_alive is True
    Session.objects.filter(user=user).delete()
    assert find_access_token(body["access_token"]).session_alive is False
    assert find_access_token("unknown-token") is None


def test_sessions_in_the_cache_compile_another_statement(rp: Any) -> None:
    """The variant key keeps one statement per session storage."""
    from better_auth_oauth_provider.services import introspection

    app, secret, user = rp
    body = login_tokens(app, secret, user)
    digest = token_digest(body["access_token"])
    now = clock.now()
    joined = introspection._ACCESS_TOKEN.first(True, checksum=digest, now=now)
    listed = introspection._ACCESS_TOKEN.first(False, checksum=digest, now=now)
    assert joined.session_alive is True
    assert not hasattr(listed, "session_alive")
    assert _fields(joined) == _fields(listed)


def test_refresh_lookup_prefers_the_live_row(rp: Any) -> None:
    """Refresh checksums are unique per ``revoked`` only (DOT's schema)."""
    from oauth2_provider.models import RefreshToken

    from better_auth_oauth_provider.services.introspection import (
        find_refresh_token,
    )

    app, secret, user = rp
    body = login_tokens(app, secret, user)
    live = RefreshToken.objects.get(token_checksum=token_digest(body["refresh_token"]))
    RefreshToken.objects.create(
        user=user,
        application=app,
        token="",
        token_checksum=live.token_checksum,
        revoked=clock.now(),
    )
    assert find_refresh_token(body["refresh_token"]).pk == live.pk
    RefreshToken.objects.filter(pk=live.pk).update(revoked=F("created"))
    assert find_refresh_token(body["refresh_token"]).revoked is not None


def test_token_row_without_context(rp: Any) -> None:
    """A DOT row without the provider's context: cached as missing."""
    from datetime import timedelta

    from oauth2_provider.models import AccessToken

    from better_auth_oauth_provider.services.introspection import (
        context_of,
        find_access_token,
    )

    app, _, user = rp
    AccessToken.objects.create(
        user=user,
        application=app,
        token="",
        token_checksum=token_digest("bare-dot-token"),
        expires=clock.now() + timedelta(hours=1),
        scope="openid",
    )
    row = find_access_token("bare-dot-token")
    assert row is not None and context_of(row) is None


def test_a_lost_claim_writes_nothing(rp: Any) -> None:
    """RFC 6749 §4.1.2: the request that does not spend the code issues nothing."""
    from oauth2_provider.models import AccessToken, get_grant_model

    from better_auth_oauth_provider.models import GrantContext
    from better_auth_oauth_provider.services._persist import Claim, Row

    app, _, user = rp
    code = issue_code(app, user)
    grant = get_grant_model().objects.get(code=token_digest(code))
    claim = Claim(GrantContext, grant.pk, "redeemed_at", {"redeemed_at": clock.now()})
    assert claim.run(connection.alias) is True
    assert claim.run(connection.alias) is False
    from better_auth_oauth_provider.services.tokens import store

    before = AccessToken.objects.count()
    token = AccessToken(
        user=user,
        application=app,
        token="",
        token_checksum=token_digest("never-issued"),
        expires=clock.now(),
        scope="openid",
    )
    assert store([Row(token)], claim) is False
    assert AccessToken.objects.count() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_token_requests_are_two_statements_without_a_transaction(
    rp: Any, m2m_client: tuple[Any, str]
) -> None:
    """On PostgreSQL: the lookup, then one statement claiming the grant and
    writing the tokens; no BEGIN / COMMIT round trips."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    from better_auth.keys import get_signing_key

    get_signing_key()
    app, secret, user = rp
    verifier, challenge = pkce_pair()
    code = issue_code(app, user, challenge=challenge)
    m2m, m2m_secret = m2m_client
    requests = {
        "authorization_code": lambda: redeem(app, secret, code, verifier),
        "refresh_token": lambda: refresh(app, secret, tokens["refresh_token"]),
        "client_credentials": lambda: post_form(
            "/oauth2/token",
            {"grant_type": "client_credentials"},
            auth=(m2m.client_id, m2m_secret),
        ),
    }
    tokens: dict[str, Any] = {}
    for name, send in requests.items():
        with CaptureQueriesContext(connection) as captured:
            response = send()
        assert response.status_code == 200, response.content
        tokens = response.json() if name == "authorization_code" else tokens
        statements = [q["sql"] for q in captured.captured_queries]
        assert not _TX_CONTROL & {s.strip().upper() for s in statements}, name
        assert len(statements) == 2, (name, statements)


def test_parameters_prepared_as_django_prepares_them(rp: tuple[Any, str, Any]) -> None:
    """The statement's values, some taken as they are (their fields would
    return them unchanged), equal what ``get_db_prep_save`` gives for all."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    import datetime as dt

    from better_auth_oauth_provider.services import _persist
    from better_auth_oauth_provider.services.tokens import _access_rows, _refresh_rows

    app, _secret, user = rp
    _persist._STATEMENTS.clear()

    class _Client:
        application = app

    class _Spec:
        client = _Client()
        scopes = ["openid", "offline_access"]
        grant_scopes: list[str] = []
        resources: list[str] = []
        refresh_resources = ["https://api.example.test/"]
        session_id = "s" * 32
        code_digest = "c" * 64
        userinfo_claims = ["email"]
        dpop_jkt = ""
        family = None
        refresh = True
        parent = None
        policy = None
        now = clock.now()
        auth_time = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    _Spec.user = user
    rows = _access_rows(_Spec, "a" * 32, clock.now()) + _refresh_rows(_Spec, "r" * 32)
    _sql, bound = _persist._statement(connection, rows, [], None)

    def normal(values: list[Any]) -> list[Any]:
        return [
            getattr(v, "obj", v) if type(v).__name__ == "Jsonb" else v for v in values
        ]

    fast = normal(_persist._params(connection, rows, bound, [], None))
    every = tuple(
        tuple((f, name, _persist._CALLS_PRE_SAVE) for f, name, _kinds in fields)
        for fields in bound
    )
    full = normal(_persist._params(connection, rows, every, [], None))
    auto = [
        i
        for i, (f, _name, _kinds) in enumerate(x for fields in bound for x in fields)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    assert len(fast) == len(full)
    for i, (a, b) in enumerate(zip(fast, full, strict=True)):
        if i in auto:
            assert isinstance(a, dt.datetime) and isinstance(b, dt.datetime)
        else:
            assert (type(a), a) == (type(b), b), i


def test_client_credentials_token_without_a_context_row(
    m2m_client: tuple[Any, str],
) -> None:
    """A client's own bearer token carries no session, code, claims or key:
    no context row is written, and the token reads as the defaults (RFC
    7662 §2.2 introspection; RFC 7009 revocation still ends it)."""
    from better_auth_oauth_provider.models import AccessTokenContext
    from better_auth_oauth_provider.services import client_cache

    client_cache.forget_all()
    app, secret = m2m_client
    issued = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
    )
    assert issued.status_code == 200, issued.content
    token = issued.json()["access_token"]
    contexts = AccessTokenContext.objects.filter(
        access_token__token_checksum=token_digest(token)
    )
    assert not contexts.exists()
    seen = post_form(
        "/oauth2/introspect", {"token": token}, auth=(app.client_id, secret)
    )
    body = seen.json()
    assert body["active"] is True
    assert body["token_type"] == "Bearer"
    assert body["client_id"] == app.client_id
    assert "sid" not in body
    revoked = post_form(
        "/oauth2/revoke", {"token": token}, auth=(app.client_id, secret)
    )
    assert revoked.status_code == 200
    after = post_form(
        "/oauth2/introspect", {"token": token}, auth=(app.client_id, secret)
    )
    assert after.json() == {"active": False}
