"""The signed continuation (``oauth_query``) sent to the login / consent pages.

HMAC-SHA256 under the auth secret over the sorted parameters plus ``exp``,
``ba_iat`` and ``ba_param``; exactly one ``sig``; unexpired; verified in
constant time (Better Auth's ``signParams`` / ``verifyOAuthQueryParams``,
oauth-provider surface §1.4 and §13.24). A continuation that fails any of
these is answered ``400 {"error": "invalid_signature"}`` on every endpoint
that receives one, before the endpoint runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest

from better_auth import clock
from better_auth_oauth_provider.oauth import signed_query
from tests.oauth_provider.test_authorize import authorize, continuation, location

SECRET = "test-better-auth-secret-0123456789-abcdefghijklmnop"
REQUEST = [
    ("response_type", "code"),
    ("client_id", "client-a"),
    ("redirect_uri", "https://app.example.test/cb"),
    ("scope", "openid profile"),
    ("state", "s~1 *x"),
]


def test_signed_query_round_trip(db: None) -> None:
    """Signing adds exp, ba_iat, the sorted names and sig; verifying gives
    the request back without them."""
    with clock.freeze():
        query = signed_query.sign(REQUEST)
        now_ms = clock.now_ms()
        verified = signed_query.verify(query)
    pairs = parse_qsl(query)
    names = [k for k, _ in pairs]
    assert names[: len(REQUEST)] == [k for k, _ in REQUEST]
    assert names[-1] == "sig"
    assert [v for k, v in pairs if k == "ba_param"] == sorted(
        {k for k, _ in REQUEST} | {"exp", "ba_iat", "ba_param"}
    )
    assert dict(pairs)["exp"] == str(now_ms // 1000 + 600)
    assert dict(pairs)["ba_iat"] == str(now_ms)
    assert verified is not None
    assert verified.params == REQUEST
    assert int(verified.issued_at.timestamp() * 1000) == now_ms
    assert verified.post_login_session is None


def _form(text: str) -> str:
    return quote(text, safe="*").replace("%20", "+").replace("~", "%7E")


def test_signature_is_hmac_sha256_over_the_canonical_query(db: None) -> None:
    """The signed bytes are the parameters sorted by name then value and
    form-encoded as URLSearchParams does (space as ``+``, ``~`` escaped)."""
    query = signed_query.sign(REQUEST)
    pairs = parse_qsl(query, keep_blank_values=True)
    unsigned = [kv for kv in pairs if kv[0] != "sig"]
    ordered = sorted(unsigned)
    canonical = "&".join(f"{_form(k)}={_form(v)}" for k, v in ordered)
    assert "s%7E1+*x" in canonical
    digest = hmac.new(SECRET.encode(), canonical.encode(), hashlib.sha256).digest()
    assert dict(pairs)["sig"] == base64.b64encode(digest).decode()
    assert signed_query.canonicalize(unsigned) == canonical


def test_incoming_control_parameters_are_replaced(db: None) -> None:
    """A request carrying its own sig / exp / ba_param cannot pre-sign anything:
    the server's values replace them."""
    query = signed_query.sign(
        [*REQUEST, ("sig", "forged"), ("exp", "9999999999"), ("ba_param", "x")]
    )
    pairs = parse_qsl(query)
    assert [v for k, v in pairs if k == "sig"] != ["forged"]
    assert len([k for k, _ in pairs if k == "sig"]) == 1
    assert len([k for k, _ in pairs if k == "exp"]) == 1
    assert "x" not in [v for k, v in pairs if k == "ba_param"]
    assert signed_query.verify(query) is not None


def _tampered(query: str, transform: Any) -> str:
    return transform(query)


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda q: q.replace("client-a", "client-b"), id="value-changed"),
        pytest.param(lambda q: q + "&scope=admin", id="param-added"),
        pytest.param(lambda q: q.replace("state=s%7E1+*x&", ""), id="param-removed"),
        pytest.param(lambda q: q + "&sig=" + q.rsplit("sig=", 1)[1], id="sig-repeated"),
        pytest.param(lambda q: q.rsplit("&sig=", 1)[0], id="sig-missing"),
        pytest.param(lambda q: q.rsplit("&sig=", 1)[0] + "&sig=", id="sig-empty"),
        pytest.param(
            lambda q: q.replace("response_type=code", "response_type=token"),
            id="response-type-changed",
        ),
        pytest.param(lambda q: "", id="empty"),
    ],
)
def test_tampered_continuations_are_refused(db: None, transform: Any) -> None:
    """Surface §13.24: any change, a repeated or missing sig is refused."""
    query = signed_query.sign(REQUEST)
    assert signed_query.verify(query) is not None
    assert signed_query.verify(_tampered(query, transform)) is None


def test_expired_continuation_is_refused(db: None) -> None:
    """``exp`` = issue second + CODE_EXPIRES_IN; afterwards the query is dead."""
    with clock.freeze():
        query = signed_query.sign(REQUEST)
        clock.advance(599)
        assert signed_query.verify(query) is not None
        clock.advance(2)
        assert signed_query.verify(query) is None


def test_other_secret_is_refused_previous_secret_accepted(
    db: None, better_auth_settings: Any
) -> None:
    """Only the auth secret signs; after a rotation, continuations signed with
    a PREVIOUS_SECRETS entry still verify (flows in progress survive)."""
    query = signed_query.sign(REQUEST)
    better_auth_settings(SECRET="another-secret-0123456789-abcdefghijklmnopqrstuv")
    assert signed_query.verify(query) is None
    better_auth_settings(
        SECRET="another-secret-0123456789-abcdefghijklmnopqrstuv",
        PREVIOUS_SECRETS=[SECRET],
    )
    assert signed_query.verify(query) is not None


def test_non_string_and_oversized_continuations_are_refused(db: None) -> None:
    for value in (None, 123, ["a"], {"a": "b"}, "a=b&sig=" + "x" * 40000):
        assert signed_query.verify(value) is None


def test_post_login_session_is_signed(db: None) -> None:
    """``ba_pl`` names the session that passed the post-login gate; it is
    covered by the signature like everything else."""
    query = signed_query.sign(REQUEST, post_login_session="sess-1")
    verified = signed_query.verify(query)
    assert verified is not None and verified.post_login_session == "sess-1"
    assert ("ba_pl", "sess-1") not in verified.params
    assert signed_query.verify(query.replace("sess-1", "sess-2")) is None


def test_parse_follows_urlsearchparams(db: None) -> None:
    """``+`` is a space, malformed escapes stay literal, bad UTF-8 is U+FFFD."""
    assert signed_query.parse("?a=1+2&b=%zz&c=%FF&d&=e") == [
        ("a", "1 2"),
        ("b", "%zz"),
        ("c", "\ufffd"),
        ("d", ""),
        ("", "e"),
    ]
    assert signed_query.serialize([("a b", "~*-._!")]) == "a+b=%7E*-._%21"


# The oracle's fixed test secret (shared/oracle/lib/constants.mjs) and a login
# page query the real Better Auth 1.7 server signed with it, with non-ASCII,
# "~", "*" and spaces in values.
ORACLE_SECRET = "oracle-fixed-secret-0123456789abcdef-do-not-use-in-prod"
ORACLE_QUERY = (
    "response_type=code&redirect_uri=https%3A%2F%2Frp.oracle.test%2Fcallbac"
    "k&scope=openid&state=s%C3%A9%7E&client_id=vZFTmwGmZxmIAigrsLatFyanihXE"
    "OvTh&code_challenge=rUGXoN2_j5qkiEzx9kqEW2ih_AJcHh5iQSt75uNnM3E&code_c"
    "hallenge_method=S256&nonce=n&claims=%7B%22userinfo%22%3A%7B%22email%22"
    "%3Anull%7D%7D&foo=b%7Eb+*x+y&exp=1796332470&ba_iat=1796331870174&ba_pa"
    "ram=ba_iat&ba_param=ba_param&ba_param=claims&ba_param=client_id&ba_par"
    "am=code_challenge&ba_param=code_challenge_method&ba_param=exp&ba_param"
    "=foo&ba_param=nonce&ba_param=redirect_uri&ba_param=response_type&ba_pa"
    "ram=scope&ba_param=state&sig=Zyyh873FDk0E7Kl23rV4iv4HlqPccttQnzUDJ9ulM"
    "Q4%3D"
)


def test_a_query_signed_by_better_auth_verifies(
    db: None, better_auth_settings: Any
) -> None:
    """Wire compatibility: the canonical form and HMAC are Better Auth's, so a
    continuation its server signed verifies here under the same secret, and
    serialising the parameters again gives its bytes."""
    from datetime import UTC, datetime

    better_auth_settings(SECRET=ORACLE_SECRET)
    issued_ms = int(dict(parse_qsl(ORACLE_QUERY))["ba_iat"])
    with clock.freeze(datetime.fromtimestamp(issued_ms / 1000, tz=UTC)):
        verified = signed_query.verify(ORACLE_QUERY)
        assert verified is not None
        assert ("state", "s\u00e9~") in verified.params
        assert ("foo", "b~b *x y") in verified.params
        assert ORACLE_QUERY.startswith(signed_query.serialize(verified.params) + "&")
        assert signed_query.verify(ORACLE_QUERY.replace("nonce=n", "nonce=m")) is None


# --- through the API ----------------------------------------------------------------


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda q: q.replace("state=s1", "state=s2"), id="tampered"),
        pytest.param(lambda q: q + "&sig=" + q.rsplit("sig=", 1)[1], id="two-sigs"),
        pytest.param(lambda q: q.rsplit("&sig=", 1)[0], id="unsigned"),
    ],
)
def test_sign_in_with_a_bad_oauth_query_is_invalid_signature(
    api: Any, trusted_client: Any, user_factory: Any, transform: Any
) -> None:
    """Surface §13.24: 400 ``{"error": "invalid_signature"}``, and no session
    is created (the check runs before the sign-in)."""
    from better_auth.models import Session

    user_factory(email="bob@example.test", password="bob-password-123")
    app, _ = trusted_client
    query = continuation(location(authorize(api, app.client_id)))
    response = api.sign_in(
        "bob@example.test", "bob-password-123", oauth_query=transform(query)
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_signature"}
    assert not Session.objects.exists()


def test_expired_oauth_query_is_invalid_signature_on_every_endpoint(
    signed_in_api: Any, web_client: Any
) -> None:
    """Surface §13.24: an expired continuation is refused by sign-in,
    consent and continue alike."""
    app, _ = web_client
    with clock.freeze():
        query = continuation(location(authorize(signed_in_api, app.client_id)))
        clock.advance(601)
        for path, body in (
            ("/oauth2/consent", {"accept": True}),
            ("/oauth2/continue", {"postLogin": True}),
            ("/sign-in/email", {"email": "alice@example.test", "password": "x"}),
        ):
            response = signed_in_api.post(path, {**body, "oauth_query": query})
            assert response.status_code == 400, path
            assert response.json() == {"error": "invalid_signature"}
