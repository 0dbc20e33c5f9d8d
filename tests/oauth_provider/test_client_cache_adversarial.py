"""Trying to break the per-process client memory and the statement cursor.

:mod:`better_auth_oauth_provider.services.client_cache` serves a warm
client_credentials request (RFC 6749 §4.4) from a client this process read
earlier, and the token's insert carries a guard on the version of the
client's rows. Its promise is that nobody can tell: every answer is the one
the uncached path gives (RFC 6749 §2.3.1 client authentication, §5.2
errors), whatever changed in between and however many requests overlap.
So most tests here are differential: the same change is made to two
identical clients, one answered from a stale memory and one read afresh,
and their answers must match. The concurrent ones run each request in its
own thread with its own PostgreSQL connection, as
``tests/oauth_provider/test_token_concurrency_pg.py`` does, and change the
client while requests are in flight.

The last section attacks :func:`better_auth.storage.statements.
statement_cursor`, the server-binding cursor PostgreSQL prepares statements
on (``prepare_threshold`` in the test settings): transactions that roll
back, errors, time zones, dropped connections and query capture.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext, override_settings
from oauth2_provider.models import get_access_token_model, get_application_model

from better_auth.storage.statements import prepares_statements, statement_cursor
from better_auth_oauth_provider.models import ClientProfile
from better_auth_oauth_provider.oauth.client_assertion import JWT_BEARER
from better_auth_oauth_provider.oauth.digests import token_digest
from better_auth_oauth_provider.services import client_cache, client_jwks
from better_auth_oauth_provider.services.client_secrets import rotate_secret
from better_auth_oauth_provider.services.clients import create_client
from tests.oauth_provider.test_dpop_tokens import make_proof
from tests.oauth_provider.test_private_key_jwt import Key, jwk_set
from tests.oauth_provider.test_resources import API, link
from tests.oauth_provider.test_rfc9449_dpop_proofs import Holder
from tests.oauth_provider.test_token import client_credentials, post_form

AccessToken = get_access_token_model()
Application = get_application_model()


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _needs_postgres() -> None:
    if not _postgres():
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    client_cache.forget_all()
    client_jwks.reset_cache()
    yield
    client_cache.forget_all()
    client_jwks.reset_cache()


# --- helpers ---------------------------------------------------------------------


def _m2m(factory: Callable[..., Any], **extra: Any) -> tuple[Any, str]:
    metadata: dict[str, Any] = {
        "client_name": "m2m",
        "grant_types": ["client_credentials"],
        "response_types": None,
        "redirect_uris": None,
        "client_credentials_scopes": ["read", "write"],
        **extra,
    }
    return factory(**metadata)


_cc = client_credentials


def _cc_post(client_id: str, secret: str | None, **form: str) -> Any:
    """client_credentials with ``client_secret_post`` (RFC 6749 §2.3.1)."""
    return post_form(
        "/oauth2/token",
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret or "",
            **form,
        },
    )


def _body(response: Any) -> dict[str, Any]:
    """The JSON body; empty for a server error (the router's bare 500)."""
    return response.json() if response.content else {}


def _outcome(response: Any) -> tuple[Any, ...]:
    """What a client can observe of an answer, minus the random token."""
    body = _body(response)
    if response.status_code == 200:
        return 200, body["token_type"], body.get("scope"), "access_token" in body
    return (
        response.status_code,
        body.get("error"),
        body.get("error_description"),
        response.headers.get("WWW-Authenticate"),
    )


def _stored(body: dict[str, Any]) -> bool:
    return AccessToken.objects.filter(
        token_checksum=token_digest(body["access_token"])
    ).exists()


def _warm(app: Any, secret: str) -> dict[Any, Any]:
    """One request remembers the client; returns the memory to re-inject."""
    assert _cc(app.client_id, secret).status_code == 200
    if not _postgres():
        assert not client_cache._entries
        return {}
    remembered = {
        k: v for k, v in client_cache._entries.items() if k[1] == app.client_id
    }
    assert remembered, "a PostgreSQL client_credentials request remembers its client"
    return remembered


def _guarded_statements(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in captured.captured_queries if q["sql"].startswith("WITH g")
    ]


# --- differential: a stale memory answers as a fresh read ------------------------

MUTATIONS: dict[str, Callable[[Any], Any]] = {
    "rename": lambda app: Application.objects.filter(pk=app.pk).update(name="x"),
    "disable": lambda app: ClientProfile.objects.filter(application=app).update(
        disabled=True
    ),
    "delete-profile": lambda app: ClientProfile.objects.filter(
        application=app
    ).delete(),
    "delete-application": lambda app: Application.objects.filter(pk=app.pk).delete(),
    "switch-to-post": lambda app: ClientProfile.objects.filter(application=app).update(
        token_endpoint_auth_method="client_secret_post"
    ),
    "make-public": lambda app: ClientProfile.objects.filter(application=app).update(
        token_endpoint_auth_method="none"
    ),
    "secret-expired": lambda app: ClientProfile.objects.filter(application=app).update(
        client_secret_expires_at=1
    ),
    "secret-expires-later": lambda app: ClientProfile.objects.filter(
        application=app
    ).update(client_secret_expires_at=int(time.time()) + 3600),
    "no-cc-scopes": lambda app: ClientProfile.objects.filter(application=app).update(
        client_credentials_scopes=[]
    ),
    "identity-scopes-only": lambda app: ClientProfile.objects.filter(
        application=app
    ).update(client_credentials_scopes=["openid", "read"]),
    "code-grant-only": lambda app: ClientProfile.objects.filter(application=app).update(
        grant_types=["authorization_code"]
    ),
    "dpop-bound": lambda app: ClientProfile.objects.filter(application=app).update(
        dpop_bound_access_tokens=True
    ),
    "secret-digest-cleared": lambda app: Application.objects.filter(pk=app.pk).update(
        client_secret=""
    ),
    "noop-update": lambda app: ClientProfile.objects.filter(application=app).update(
        disabled=False
    ),
}

PROBES: dict[str, Callable[[Any, str], Any]] = {
    "basic": lambda app, secret: _cc(app.client_id, secret),
    "basic-scope-read": lambda app, secret: _cc(app.client_id, secret, scope="read"),
    "basic-scope-admin": lambda app, secret: _cc(app.client_id, secret, scope="admin"),
    "basic-scope-dup": lambda app, secret: _cc(
        app.client_id, secret, scope="read  read\twrite"
    ),
    "basic-scope-blank": lambda app, secret: _cc(app.client_id, secret, scope=" "),
    "basic-scope-openid": lambda app, secret: _cc(
        app.client_id, secret, scope="openid"
    ),
    "basic-wrong-secret": lambda app, _secret: _cc(app.client_id, "nope"),
    "post": lambda app, secret: _cc_post(app.client_id, secret),
    "post-wrong-secret": lambda app, _secret: _cc_post(app.client_id, "nope"),
    "repeated-scope": lambda app, secret: post_form(
        "/oauth2/token",
        [("grant_type", "client_credentials"), ("scope", "read"), ("scope", "read")],
        auth=(app.client_id, secret),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_stale_memory_answers_every_probe_as_a_fresh_read(
    oauth_client_factory: Any, mutation: str
) -> None:
    """Two identical clients get the same change; one is answered from the
    memory of its old rows (re-injected before every probe, as a worker
    that has not seen the change would hold it), the other from a fresh
    read. Every probe must get the same answer, RFC 6749 §5.2 error,
    description and ``WWW-Authenticate`` challenge included, and the two
    must end with as many stored tokens: a stale memory neither refuses
    nor allows anything."""
    stale_app, stale_secret = _m2m(oauth_client_factory)
    fresh_app, fresh_secret = _m2m(oauth_client_factory)
    memory = _warm(stale_app, stale_secret)
    _warm(fresh_app, fresh_secret)
    MUTATIONS[mutation](stale_app)
    MUTATIONS[mutation](fresh_app)
    for name, probe in PROBES.items():
        client_cache._entries.update(memory)
        stale = _outcome(probe(stale_app, stale_secret))
        client_cache.forget(fresh_app.client_id)
        fresh = _outcome(probe(fresh_app, fresh_secret))
        assert stale == fresh, (mutation, name)
    stale_count = AccessToken.objects.filter(application_id=stale_app.pk).count()
    fresh_count = AccessToken.objects.filter(application_id=fresh_app.pk).count()
    assert stale_count == fresh_count


@pytest.mark.django_db
def test_every_warm_answer_is_a_stored_token(m2m_client: tuple[Any, str]) -> None:
    """A 200 from the memory is a row the resource server can find: the
    guarded insert wrote it (RFC 6749 §4.4.3)."""
    app, secret = m2m_client
    _warm(app, secret)
    for scope in ("read", "write", "read write", None):
        form = {"scope": scope} if scope else {}
        response = _cc(app.client_id, secret, **form)
        assert response.status_code == 200, response.content
        assert _stored(response.json())


@pytest.mark.django_db
def test_grant_type_added_after_a_refusal_is_granted(
    oauth_client_factory: Any,
) -> None:
    """A client first refused client_credentials (RFC 6749 §5.2
    ``unauthorized_client``) is remembered all the same; once the grant is
    added the very next request must be served, as an uncached read would
    serve it."""
    _needs_postgres()
    app, secret = oauth_client_factory(client_credentials_scopes=["read"])
    refused = _cc(app.client_id, secret)
    assert refused.status_code == 400
    assert refused.json()["error"] == "unauthorized_client"
    ClientProfile.objects.filter(application=app).update(
        grant_types=["authorization_code", "refresh_token", "client_credentials"]
    )
    response = _cc(app.client_id, secret)
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_grant_type_added_is_granted_when_read_afresh(
    oauth_client_factory: Any,
) -> None:
    """The reference for the test above: with the memory dropped the same
    change is honoured at once."""
    app, secret = oauth_client_factory(client_credentials_scopes=["read"])
    assert _cc(app.client_id, secret).json()["error"] == "unauthorized_client"
    ClientProfile.objects.filter(application=app).update(
        grant_types=["authorization_code", "refresh_token", "client_credentials"]
    )
    client_cache.forget(app.client_id)
    assert _cc(app.client_id, secret).status_code == 200


# --- the retry meets another worker's stale read ---------------------------------


@pytest.fixture
def late_stale_read(monkeypatch: Any) -> Callable[[dict[Any, Any]], None]:
    """Replay one interleaving of two threads of a worker: thread 1's guard
    fails and it forgets the client; thread 2, whose read of the client
    was made before the change, stores that read just then; thread 1 then
    reads the client again for its retry. ``install(memory)`` makes the
    first ``forget`` be followed by thread 2's store of ``memory``."""

    def install(memory: dict[Any, Any]) -> None:
        real = client_cache.forget
        pending = [memory]

        def forget(client_id: str) -> None:
            real(client_id)
            if pending:
                with client_cache._lock:
                    client_cache._entries.update(pending.pop())

        monkeypatch.setattr(client_cache, "forget", forget)

    return install


@pytest.mark.django_db
def test_retry_served_from_a_stale_entry_another_thread_stored(
    m2m_client: tuple[Any, str], late_stale_read: Any
) -> None:
    """A change that leaves the client allowed (its name): the request
    must be served (RFC 6749 §4.4.3) even when the retry finds the memory
    refilled with the old row by a concurrent request."""
    _needs_postgres()
    app, secret = m2m_client
    late_stale_read(_warm(app, secret))
    Application.objects.filter(pk=app.pk).update(name="renamed")
    response = _cc(app.client_id, secret)
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_retry_refuses_nothing_a_stale_entry_forbids(
    m2m_client: tuple[Any, str], late_stale_read: Any
) -> None:
    """RFC 6749 §3.3 / §5.2: a widened scope is granted at once, whatever
    a concurrent request put back in the memory."""
    _needs_postgres()
    app, secret = m2m_client
    late_stale_read(_warm(app, secret))
    ClientProfile.objects.filter(application=app).update(
        client_credentials_scopes=["read", "write", "admin"]
    )
    response = _cc(app.client_id, secret, scope="admin")
    assert response.status_code == 200, response.content


# --- private_key_jwt: the assertion is single use too ----------------------------


def _jwt_client(key: Key, **flags: Any) -> Any:
    body = {
        "client_name": "jwt-client",
        "grant_types": ["client_credentials"],
        "response_types": [],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": jwk_set(key),
    }
    app, _secret = create_client(body, client_credentials_scopes=["read"], **flags)
    return app


def _assertion_cc(app: Any, key: Key, **form: str) -> Any:
    return post_form(
        "/oauth2/token",
        {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": key.sign(app.client_id),
            **form,
        },
    )


@pytest.mark.django_db
def test_private_key_jwt_warm_request(db: None) -> None:
    """RFC 7523 §2.2 clients are remembered too; a warm request is served."""
    key = Key("ES256")
    app = _jwt_client(key)
    assert _assertion_cc(app, key).status_code == 200
    response = _assertion_cc(app, key)
    assert response.status_code == 200, response.content
    assert _stored(response.json())


@pytest.mark.django_db
def test_private_key_jwt_client_changed_since_remembered(db: None) -> None:
    """RFC 7523 §3 item 7 makes the assertion single use, so the server
    may verify it only once per request. A change to a remembered client
    that leaves it allowed (here its name) must not turn the next valid
    request into ``invalid_client`` (RFC 6749 §5.2)."""
    _needs_postgres()
    key = Key("ES256")
    app = _jwt_client(key)
    assert _assertion_cc(app, key).status_code == 200
    Application.objects.filter(pk=app.pk).update(name="renamed")
    response = _assertion_cc(app, key)
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_private_key_jwt_widened_scopes(db: None) -> None:
    """RFC 6749 §3.3: a scope the current row allows must be granted even
    though the remembered row did not allow it."""
    _needs_postgres()
    key = Key("ES256")
    app = _jwt_client(key)
    assert _assertion_cc(app, key).status_code == 200
    ClientProfile.objects.filter(application=app).update(
        client_credentials_scopes=["read", "admin"]
    )
    response = _assertion_cc(app, key, scope="admin")
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_private_key_jwt_grant_added_after_a_refusal(db: None) -> None:
    """A private_key_jwt client refused client_credentials (RFC 6749 §5.2
    ``unauthorized_client``) and then allowed it: its next request, with
    a fresh single-use assertion (RFC 7523 §3 item 7), is served."""
    _needs_postgres()
    key = Key("ES256")
    app, _secret = create_client(
        {
            "client_name": "jwt-web",
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "redirect_uris": ["https://app.example.test/cb"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": jwk_set(key),
        },
        client_credentials_scopes=["read"],
    )
    refused = _assertion_cc(app, key)
    assert refused.json()["error"] == "unauthorized_client"
    ClientProfile.objects.filter(application=app).update(
        grant_types=["authorization_code", "client_credentials"]
    )
    response = _assertion_cc(app, key)
    assert response.status_code == 200, response.content


@pytest.mark.django_db
def test_private_key_jwt_replay_refused_from_memory(db: None) -> None:
    """RFC 7523 §3 item 7: one assertion, one use, warm or not."""
    key = Key("ES256")
    app = _jwt_client(key)
    assert _assertion_cc(app, key).status_code == 200
    assertion = key.sign(app.client_id)
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
    }
    assert post_form("/oauth2/token", form).status_code == 200
    replay = post_form("/oauth2/token", form)
    assert replay.status_code in (400, 401)
    assert replay.json()["error"] == "invalid_client"


@pytest.mark.django_db
def test_private_key_jwt_key_rotated_while_remembered(db: None) -> None:
    """A client that replaced its keys: the new key's assertion is accepted
    at once, the old key's refused (RFC 7523 §3 item 9)."""
    old, new = Key("ES256"), Key("ES256")
    app = _jwt_client(old)
    assert _assertion_cc(app, old).status_code == 200
    ClientProfile.objects.filter(application=app).update(jwks=jwk_set(new))
    client_jwks.reset_cache()
    assert _assertion_cc(app, new).status_code == 200
    refused = _assertion_cc(app, old)
    assert refused.json()["error"] == "invalid_client"


# --- secrets, methods and identifiers --------------------------------------------


@pytest.mark.django_db
def test_two_clients_swapping_secrets(oauth_client_factory: Any) -> None:
    """Each secret follows its digest: after two remembered clients swap
    digests, each authenticates with the other's former secret only, and
    the token belongs to the client named (RFC 6749 §2.3.1)."""
    a, a_secret = _m2m(oauth_client_factory)
    b, b_secret = _m2m(oauth_client_factory)
    _warm(a, a_secret)
    _warm(b, b_secret)
    a_digest = Application.objects.get(pk=a.pk).client_secret
    b_digest = Application.objects.get(pk=b.pk).client_secret
    with transaction.atomic():
        Application.objects.filter(pk=a.pk).update(client_secret="swapping")
        Application.objects.filter(pk=b.pk).update(client_secret=a_digest)
        Application.objects.filter(pk=a.pk).update(client_secret=b_digest)
    for _ in range(2):
        assert _cc(a.client_id, a_secret).status_code == 401
        assert _cc(b.client_id, b_secret).status_code == 401
        to_a = _cc(a.client_id, b_secret)
        to_b = _cc(b.client_id, a_secret)
        assert to_a.status_code == to_b.status_code == 200
        token_a = AccessToken.objects.get(
            token_checksum=token_digest(to_a.json()["access_token"])
        )
        token_b = AccessToken.objects.get(
            token_checksum=token_digest(to_b.json()["access_token"])
        )
        assert (token_a.application_id, token_b.application_id) == (a.pk, b.pk)


@pytest.mark.django_db
def test_rotated_secret_under_post(m2m_client: tuple[Any, str]) -> None:
    """``client_secret_post`` failures are 400 ``invalid_client`` without a
    challenge, from the memory as from a fresh read (RFC 6749 §5.2)."""
    app, old = m2m_client
    ClientProfile.objects.filter(application=app).update(
        token_endpoint_auth_method="client_secret_post"
    )
    assert _cc_post(app.client_id, old).status_code == 200
    new = rotate_secret(Application.objects.get(pk=app.pk))
    refused = _cc_post(app.client_id, old)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_client"
    assert "WWW-Authenticate" not in refused.headers
    assert _cc_post(app.client_id, new).status_code == 200
    assert _cc_post(app.client_id, new).status_code == 200


@pytest.mark.django_db
def test_post_client_warm_is_one_guarded_statement(
    m2m_client: tuple[Any, str],
) -> None:
    """The memory serves ``client_secret_post`` as it serves Basic."""
    _needs_postgres()
    app, secret = m2m_client
    ClientProfile.objects.filter(application=app).update(
        token_endpoint_auth_method="client_secret_post"
    )
    assert _cc_post(app.client_id, secret).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = _cc_post(app.client_id, secret)
    assert response.status_code == 200, response.content
    assert len(captured.captured_queries) == 1
    assert _guarded_statements(captured)


ODD_IDS = {
    "max-length-odd": ("é ü:%+/\"';\\\u2603" * 40)[:255],
    "spaces-and-colons": "a:b c+d%20e",
    "quote": "x\"y'z",
    "unicode-normalisation": "cafe\u0301",
    "trailing-space": "client ",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ODD_IDS))
def test_odd_client_ids_are_remembered_by_exact_value(
    oauth_client_factory: Any, name: str
) -> None:
    """A client_id is compared exactly (RFC 6749 §2.2): the odd one is
    served warm, and a look-alike (one character off, another Unicode
    form, without the trailing space) is an unknown client."""
    client_id = ODD_IDS[name]
    app, secret = _m2m(oauth_client_factory)
    Application.objects.filter(pk=app.pk).update(client_id=client_id)
    app.client_id = client_id
    _warm(app, secret)
    response = _cc(client_id, secret)
    assert response.status_code == 200, response.content
    assert _stored(response.json())
    for look_alike in (client_id[:-1], client_id.strip() + "x", "caf\u00e9"):
        if look_alike == client_id:
            continue
        refused = _cc(look_alike, secret)
        assert refused.status_code == 401, look_alike
        assert refused.json()["error"] == "invalid_client"


@pytest.mark.django_db
def test_overlong_client_id_is_unknown_and_not_remembered(
    m2m_client: tuple[Any, str],
) -> None:
    """256 characters exceed the column: refused as an unknown client
    (RFC 6749 §5.2 ``invalid_client``), never looked up or remembered."""
    _app, secret = m2m_client
    response = _cc("a" * 256, secret)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not client_cache._entries


@pytest.mark.django_db
@pytest.mark.parametrize("remembered", [True, False], ids=["cached", "uncached"])
@pytest.mark.parametrize("client_id", ["ab\x00cd", "\x00"])
def test_nul_in_client_id_is_invalid_client(
    m2m_client: tuple[Any, str], client_id: str, monkeypatch: Any, remembered: bool
) -> None:
    """A NUL cannot be in any stored client_id; PostgreSQL text refuses it
    outright, so the lookup must not reach the database with it. The
    answer is RFC 6749 §5.2 ``invalid_client``, not a server error."""
    _app, secret = m2m_client
    if not remembered:
        monkeypatch.setattr(client_cache, "_alias", lambda: None)
    response = _cc(client_id, secret)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "client_id",
    ["https://client.example.test/metadata.json", "x://y", "urn://a"],
)
def test_url_client_ids_are_never_remembered(
    m2m_client: tuple[Any, str], client_id: str
) -> None:
    """A client_id with ``://`` may name a metadata document, whose lookup
    does more than read a row: even a stored row by that name is never
    remembered, and the answer is the fresh path's."""
    app, secret = m2m_client
    Application.objects.filter(pk=app.pk).update(client_id=client_id)
    first = _outcome(_cc(client_id, secret))
    second = _outcome(_cc(client_id, secret))
    assert first == second
    assert client_cache.cached_client(client_id) is None
    assert not client_cache._entries


@pytest.mark.django_db
def test_profile_less_application_is_not_remembered(
    m2m_client: tuple[Any, str],
) -> None:
    """An application without a profile row is given one by the ordinary
    lookup; only then may it be remembered, and its answers are those of
    a client read afresh."""
    _needs_postgres()
    app, secret = m2m_client
    ClientProfile.objects.filter(application=app).delete()
    assert client_cache.cached_client(app.client_id) is None
    assert not client_cache._entries
    first = _cc(app.client_id, secret)
    # The profile made from DOT's fields has no client_credentials scopes.
    assert first.status_code == 400
    assert first.json()["error"] == "unauthorized_client"
    assert ClientProfile.objects.filter(application=app).exists()
    client_cache.forget_all()
    assert _outcome(_cc(app.client_id, secret)) == _outcome(first)


# --- DPoP, JWT access tokens -----------------------------------------------------


@pytest.mark.django_db
def test_dpop_request_bypasses_the_memory(m2m_client: tuple[Any, str]) -> None:
    """RFC 9449 §11.1: a proof's jti is single use, so a DPoP request is
    never served from memory (no guarded statement), and its token is
    bound (RFC 9449 §5)."""
    _needs_postgres()
    app, secret = m2m_client
    _warm(app, secret)
    holder = Holder()
    with CaptureQueriesContext(connection) as captured:
        response = _cc(app.client_id, secret, headers={"DPoP": make_proof(holder)})
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "DPoP"
    assert not _guarded_statements(captured)


@pytest.mark.django_db
def test_dpop_request_for_a_disabled_remembered_client(
    m2m_client: tuple[Any, str],
) -> None:
    """The DPoP path reads afresh: a disabled client is refused (RFC 6749
    §5.2) although its enabled row is remembered."""
    app, secret = m2m_client
    _warm(app, secret)
    ClientProfile.objects.filter(application=app).update(disabled=True)
    response = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
        headers={"DPoP": make_proof(Holder())},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.django_db
def test_dpop_bound_client_needs_a_proof_when_warm(
    m2m_client: tuple[Any, str],
) -> None:
    """A client that now requires DPoP (RFC 9449 §5.2
    ``dpop_bound_access_tokens``) is refused without a proof and served
    with one, though its remembered row did not require it."""
    app, secret = m2m_client
    _warm(app, secret)
    ClientProfile.objects.filter(application=app).update(dpop_bound_access_tokens=True)
    refused = _cc(app.client_id, secret)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_dpop_proof"
    bound = post_form(
        "/oauth2/token",
        {"grant_type": "client_credentials"},
        auth=(app.client_id, secret),
        headers={"DPoP": make_proof(Holder())},
    )
    assert bound.status_code == 200, bound.content
    assert bound.json()["token_type"] == "DPoP"


@pytest.mark.django_db
def test_jwt_access_token_guard_sees_a_disabled_client(
    m2m_client: tuple[Any, str],
) -> None:
    """A JWT access token (RFC 9068) has no row to insert, so the guard is
    a statement of its own; a client disabled since it was remembered
    still gets ``invalid_client``, and nothing is written."""
    from better_auth.keys import get_signing_key

    get_signing_key()
    app, secret = m2m_client
    link(app, API)
    assert _cc(app.client_id, secret, resource=API).status_code == 200
    assert _cc(app.client_id, secret, resource=API).status_code == 200
    ClientProfile.objects.filter(application=app).update(disabled=True)
    before = AccessToken.objects.count()
    refused = _cc(app.client_id, secret, resource=API)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    assert AccessToken.objects.count() == before


# --- the bound -------------------------------------------------------------------


@pytest.mark.django_db
def test_memory_evicts_the_least_recently_used(
    monkeypatch: Any, oauth_client_factory: Any
) -> None:
    """With room for three, using the oldest client again keeps it: the
    one evicted is the least recently *used*, not the first read."""
    _needs_postgres()
    monkeypatch.setattr(client_cache, "MAX_ENTRIES", 3)
    clients = [_m2m(oauth_client_factory, client_name=f"c{n}") for n in range(4)]
    for app, secret in clients[:3]:
        _warm(app, secret)
    app0, secret0 = clients[0]
    assert _cc(app0.client_id, secret0).status_code == 200
    _warm(*clients[3])
    remembered = {key[1] for key in client_cache._entries}
    assert remembered == {clients[n][0].client_id for n in (0, 2, 3)}
    for app, secret in clients:
        assert _cc(app.client_id, secret).status_code == 200
    assert len(client_cache._entries) == 3


@pytest.mark.django_db
def test_sqlite_remembers_nothing(m2m_client: tuple[Any, str]) -> None:
    """Without row versions there is no guard, so nothing may be served
    from memory: every request reads the client."""
    if _postgres():
        pytest.skip("the fallback of databases without row versions")
    app, secret = m2m_client
    for _ in range(3):
        assert _cc(app.client_id, secret).status_code == 200
    assert client_cache.cached_client(app.client_id) is None
    assert client_cache.cached_client("unknown") is None
    assert not client_cache._entries
    ClientProfile.objects.filter(application=app).update(disabled=True)
    assert _cc(app.client_id, secret).status_code == 401


# --- real concurrency on PostgreSQL ----------------------------------------------


@dataclass
class Shot:
    started: float
    kind: str
    status: int
    body: dict[str, Any]


def _hammer(
    workers: dict[str, Callable[[], Any | None]],
    change: Callable[[], Any],
    *,
    threads_per_worker: int = 3,
    before: float = 0.4,
    after: float = 0.6,
) -> tuple[list[Shot], float]:
    """Run each worker in a loop in its own threads (own connections), make
    ``change`` from this thread while they run, and return every answer
    with when its request started and when the change had committed."""
    stop = threading.Event()
    shots: list[Shot] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def loop(kind: str, work: Callable[[], Any | None]) -> None:
        from django.db import connection as thread_connection

        try:
            while not stop.is_set():
                started = time.monotonic()
                response = work()
                if response is None:
                    time.sleep(0.005)
                    continue
                shot = Shot(started, kind, response.status_code, _body(response))
                with lock:
                    shots.append(shot)
        except BaseException as error:  # reported below
            with lock:
                errors.append(error)
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=loop, args=(kind, work))
        for kind, work in workers.items()
        for _ in range(threads_per_worker)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(before)
        change()
        changed_at = time.monotonic()
        time.sleep(after)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors
    return shots, changed_at


def _assert_tokens_match_answers(shots: list[Shot], app: Any) -> None:
    """Every 200 is a stored row, and no row exists that no 200 handed out
    (a failed guard writes nothing, a retry writes one)."""
    handed = {token_digest(s.body["access_token"]) for s in shots if s.status == 200}
    stored = set(
        AccessToken.objects.filter(application_id=app.pk).values_list(
            "token_checksum", flat=True
        )
    )
    assert handed == stored


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_disabling_while_requests_are_in_flight(
    m2m_client: tuple[Any, str],
) -> None:
    """No request that starts after the disabling commits gets a token
    (RFC 6749 §5.2 ``invalid_client`` 401 for Basic); every earlier 200
    is a stored token; nothing else is ever answered."""
    _needs_postgres()
    app, secret = m2m_client
    shots, changed_at = _hammer(
        {"old": lambda: _cc(app.client_id, secret)},
        lambda: ClientProfile.objects.filter(application=app).update(disabled=True),
    )
    after = [s for s in shots if s.started > changed_at]
    assert after and any(s.status == 200 for s in shots)
    assert {s.status for s in shots} <= {200, 401}
    assert all(
        s.status == 401 and s.body["error"] == "invalid_client" for s in after
    ), [s for s in after if s.status != 401]
    _assert_tokens_match_answers(shots, app)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rotating_the_secret_while_requests_are_in_flight(
    m2m_client: tuple[Any, str],
) -> None:
    """After the rotation commits the old secret is refused at once and the
    new one accepted at once, by every thread, whatever the memory holds
    (RFC 6749 §2.3.1)."""
    _needs_postgres()
    app, old = m2m_client
    published: dict[str, str] = {}

    def with_new() -> Any | None:
        new = published.get("secret")
        return None if new is None else _cc(app.client_id, new)

    def rotate() -> None:
        published["secret"] = rotate_secret(Application.objects.get(pk=app.pk))

    shots, changed_at = _hammer(
        {"old": lambda: _cc(app.client_id, old), "new": with_new}, rotate
    )
    old_after = [s for s in shots if s.kind == "old" and s.started > changed_at]
    new_shots = [s for s in shots if s.kind == "new"]
    assert old_after and new_shots
    assert all(s.status == 401 for s in old_after)
    assert all(s.status == 200 for s in new_shots), [
        s.body for s in new_shots if s.status != 200
    ]
    assert {s.status for s in shots} <= {200, 401}
    _assert_tokens_match_answers(shots, app)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_narrowing_scopes_while_requests_are_in_flight(
    m2m_client: tuple[Any, str],
) -> None:
    """Once ``write`` is withdrawn no later request gets it (RFC 6749 §5.2
    ``invalid_scope``), while ``read`` keeps being granted."""
    _needs_postgres()
    app, secret = m2m_client
    shots, changed_at = _hammer(
        {
            "write": lambda: _cc(app.client_id, secret, scope="write"),
            "read": lambda: _cc(app.client_id, secret, scope="read"),
        },
        lambda: ClientProfile.objects.filter(application=app).update(
            client_credentials_scopes=["read"]
        ),
        threads_per_worker=2,
    )
    write_after = [s for s in shots if s.kind == "write" and s.started > changed_at]
    assert write_after
    assert all(s.body.get("error") == "invalid_scope" for s in write_after)
    assert all(s.status == 200 for s in shots if s.kind == "read")
    _assert_tokens_match_answers(shots, app)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("remembered", [True, False], ids=["cached", "uncached"])
def test_deleting_the_client_while_requests_are_in_flight(
    m2m_client: tuple[Any, str], monkeypatch: Any, remembered: bool
) -> None:
    """After the deletion commits every request is ``invalid_client``
    (RFC 6749 §5.2); a request in flight meanwhile gets a token or that
    error, never a server error; no token of the client is left. The
    deletion locks the row, as Django's cascade (run in Python) otherwise
    keeps failing on tokens inserted after it collected them."""
    _needs_postgres()
    app, secret = m2m_client
    if not remembered:
        monkeypatch.setattr(client_cache, "_alias", lambda: None)

    def delete() -> None:
        # Locking the row first keeps in-flight inserts from committing
        # tokens the cascade has not collected (Django cascades in Python).
        with transaction.atomic():
            list(Application.objects.select_for_update().filter(pk=app.pk))
            # Long enough for in-flight requests to reach their insert.
            time.sleep(0.2)
            Application.objects.filter(pk=app.pk).delete()

    shots, changed_at = _hammer({"old": lambda: _cc(app.client_id, secret)}, delete)
    after = [s for s in shots if s.started > changed_at]
    assert after
    assert {s.status for s in shots} <= {200, 401}
    assert all(s.status == 401 for s in after)
    assert not AccessToken.objects.filter(application_id=app.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rapid_harmless_changes_while_requests_are_in_flight(
    m2m_client: tuple[Any, str],
) -> None:
    """A client renamed again and again while six threads request tokens:
    it stays allowed throughout, so every request gets a stored token
    (RFC 6749 §4.4.3), none a server error."""
    _needs_postgres()
    app, secret = m2m_client

    def renames() -> None:
        for n in range(200):
            Application.objects.filter(pk=app.pk).update(name=f"name-{n}")

    shots, _changed_at = _hammer(
        {"any": lambda: _cc(app.client_id, secret)},
        renames,
        threads_per_worker=6,
        before=0.2,
        after=0.2,
    )
    assert shots and all(s.status == 200 for s in shots)
    _assert_tokens_match_answers(shots, app)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_clients_through_a_tiny_memory(
    monkeypatch: Any, oauth_client_factory: Any
) -> None:
    """Eviction under contention: eight clients, room for two, six threads;
    every request is served and every token stored."""
    _needs_postgres()
    monkeypatch.setattr(client_cache, "MAX_ENTRIES", 2)
    clients = [_m2m(oauth_client_factory, client_name=f"c{n}") for n in range(8)]
    counter = iter(range(10**9))
    lock = threading.Lock()

    def next_client() -> Any:
        with lock:
            app, secret = clients[next(counter) % len(clients)]
        return _cc(app.client_id, secret)

    shots, _changed_at = _hammer(
        {"any": next_client}, lambda: None, threads_per_worker=6, after=0.3
    )
    assert shots and all(s.status == 200 for s in shots)
    assert len(client_cache._entries) <= 2
    stored = set(AccessToken.objects.values_list("token_checksum", flat=True))
    assert {token_digest(s.body["access_token"]) for s in shots} == stored


# --- statement_cursor ------------------------------------------------------------


def _prepared(marker: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{marker}%"],
        )
        return cursor.fetchone()[0]


def _run(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def scratch(transactional_db: None) -> Iterator[str]:
    """A session-local table: a unique key and a timestamptz."""
    _needs_postgres()
    assert prepares_statements(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE adv_scratch (id int PRIMARY KEY, at timestamptz)"
        )
    yield "adv_scratch"
    connection.close()


INSERT = "INSERT INTO adv_scratch (id, at) VALUES (%s, %s) /* adv-insert */"
SELECT = "SELECT id, at FROM adv_scratch WHERE id >= %s ORDER BY id /* adv-select */"
MOMENT = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)


class _Rollback(Exception):
    pass


def test_statements_survive_a_rolled_back_transaction(scratch: str) -> None:
    """A statement prepared before, and one first prepared inside, a
    transaction that rolls back both run afterwards; the rolled back row
    is gone."""
    _run(INSERT, [1, MOMENT])
    with pytest.raises(_Rollback), transaction.atomic():
        _run(INSERT, [2, MOMENT])
        assert [r[0] for r in _run(SELECT, [0])] == [1, 2]
        raise _Rollback
    _run(INSERT, [3, MOMENT])
    assert [r[0] for r in _run(SELECT, [0])] == [1, 3]
    assert _prepared("adv-insert") == 1
    assert _prepared("adv-select") == 1


def test_statements_survive_a_rolled_back_savepoint(scratch: str) -> None:
    """The same for a savepoint rolled back inside a transaction that
    commits (``atomic`` nested)."""
    with transaction.atomic():
        _run(INSERT, [1, MOMENT])
        with pytest.raises(_Rollback), transaction.atomic():
            _run(SELECT, [0])
            _run(INSERT, [2, MOMENT])
            raise _Rollback
        _run(INSERT, [3, MOMENT])
        assert [r[0] for r in _run(SELECT, [0])] == [1, 3]
    assert [r[0] for r in _run(SELECT, [0])] == [1, 3]


def test_a_failed_statement_leaves_the_cursor_usable(scratch: str) -> None:
    """A unique violation is Django's ``IntegrityError`` (as from a Django
    cursor), in autocommit and in a savepoint, and the same prepared
    statement then runs again."""
    _run(INSERT, [1, MOMENT])
    with pytest.raises(IntegrityError):
        _run(INSERT, [1, MOMENT])
    _run(INSERT, [2, MOMENT])
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic():
            _run(INSERT, [2, MOMENT])
        _run(INSERT, [3, MOMENT])
    assert [r[0] for r in _run(SELECT, [0])] == [1, 2, 3]


def test_a_broken_transaction_fails_as_with_a_django_cursor(scratch: str) -> None:
    """After an error swallowed inside ``atomic`` without a savepoint, the
    next statement fails the way it does on Django's own cursor, and the
    connection recovers once the block ends."""
    _run(INSERT, [1, MOMENT])
    outcomes = []
    for run in (
        _run,
        lambda sql, params: connection.cursor().execute(sql, params),
    ):
        with pytest.raises(DatabaseError) as caught, transaction.atomic():
            try:
                _run(INSERT, [1, MOMENT])
            except IntegrityError:
                pass
            run(SELECT, [0])
        outcomes.append(type(caught.value))
    assert outcomes[0] is outcomes[1]
    assert [r[0] for r in _run(SELECT, [0])] == [1]


@pytest.mark.parametrize(
    "overrides",
    [
        {"TIME_ZONE": "Pacific/Chatham"},
        {"TIME_ZONE": "America/St_Johns"},
        {"USE_TZ": False},
        {"USE_TZ": False, "TIME_ZONE": "Asia/Kathmandu"},
    ],
)
def test_datetimes_match_a_django_cursor(
    scratch: str, overrides: dict[str, Any]
) -> None:
    """Whatever ``TIME_ZONE`` / ``USE_TZ`` say, a date-time read through
    the statement cursor is the one Django's cursor reads (aware and the
    same instant with USE_TZ), before and after the statement is
    prepared, and after the settings are restored."""
    _run(INSERT, [1, MOMENT])
    with override_settings(**overrides):
        for _ in range(2):
            ours = _run(SELECT, [0])
            with connection.cursor() as cursor:
                cursor.execute(SELECT.replace("adv-select", "django"), [0])
                theirs = cursor.fetchall()
            assert ours == theirs
            if overrides.get("USE_TZ", True):
                assert ours[0][1] == MOMENT
                assert ours[0][1].tzinfo is not None
    assert _run(SELECT, [0])[0][1] == MOMENT


def test_statement_after_the_connection_closed(scratch: str) -> None:
    """A closed connection is reopened; the statement is prepared again on
    the new one."""
    assert _run("SELECT %s::int /* adv-closed */", [1]) == [(1,)]
    connection.close()
    assert _run("SELECT %s::int /* adv-closed */", [2]) == [(2,)]
    assert _prepared("adv-closed") == 1


def test_statement_after_the_server_dropped_the_connection(scratch: str) -> None:
    """With health checks on (CONN_HEALTH_CHECKS), a connection the server
    terminated is replaced before the statement runs, as for a Django
    cursor."""
    from django.db import connections

    assert _run("SELECT %s::int /* adv-health */", [1]) == [(1,)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = connections.create_connection(connection.alias)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    time.sleep(0.1)
    connection.health_check_enabled = True
    connection.health_check_done = False
    assert _run("SELECT %s::int /* adv-health */", [2]) == [(2,)]


def test_captured_queries_show_the_statement(scratch: str) -> None:
    """Query logging sees the text of every run, the prepared ones too
    (``CaptureQueriesContext``, ``execute_wrapper``)."""
    seen: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, ctx: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(wrapper):
        with CaptureQueriesContext(connection) as captured:
            for n in range(3):
                _run(INSERT, [n, MOMENT])
            _run(SELECT, [0])
    sqls = [q["sql"] for q in captured.captured_queries]
    assert len(sqls) == 4
    assert all(sql is not None and "adv_scratch" in sql for sql in sqls), sqls
    assert len(seen) == 4


@pytest.mark.django_db
def test_statement_cursor_on_any_database() -> None:
    """Without prepared statements it is the connection's own cursor, so
    it works (and is logged) everywhere."""
    with CaptureQueriesContext(connection) as captured:
        with statement_cursor(connection) as cursor:
            cursor.execute("SELECT CAST(%s AS TEXT) /* adv-any */", ["x"])
            assert cursor.fetchone() == ("x",)
    assert "adv-any" in (captured.captured_queries[0]["sql"] or "")
    assert prepares_statements(connection) is _postgres()


@pytest.mark.django_db(transaction=True)
def test_row_version_holds_on_another_connection(
    m2m_client: tuple[Any, str],
) -> None:
    """The row version a thread remembered is checked by the guard on
    whichever connection serves the next request: it must hold on a
    fresh connection too, and fail there once the row changed."""
    _needs_postgres()
    app, _secret = m2m_client
    found, guard = client_cache.cached_client(app.client_id) or (None, None)
    assert found is not None and guard is None
    _found, guard = client_cache.cached_client(app.client_id) or (None, None)
    assert guard is not None
    assert guard.run(connection.alias)
    holds: list[bool] = []

    def elsewhere() -> None:
        from django.db import connection as thread_connection

        try:
            holds.append(guard.run(thread_connection.alias))
        finally:
            thread_connection.close()

    for change in (None, "renamed"):
        if change:
            Application.objects.filter(pk=app.pk).update(name=change)
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert holds == [True, False]
