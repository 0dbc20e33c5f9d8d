"""The ``session_data`` cookie cache encodings (core-surface §4.3).

``data/oracle_cookie_cache.json`` holds ``session_data`` cookies set by the
Better Auth 1.7.25 oracle with ``cookieCache`` on (``compact`` and ``jwt``
strategies), plus the time each response was received.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest

from better_auth.cookie_cache import (
    decode_compact,
    decode_jwt,
    encode_compact,
    encode_jwt,
    js_json_stringify,
    js_number_to_string,
)
from better_auth.crypto import decode_cookie_value, unsign_cookie_value

DATA = Path(__file__).parent / "data"
ORACLE = json.loads((DATA / "oracle_cookie_cache.json").read_text("utf-8"))
SECRET = ORACLE["secret"]
COMPACT = [c for c in ORACLE["captures"] if c["strategy"] == "compact"]
JWT = [c for c in ORACLE["captures"] if c["strategy"] == "jwt"]
NOW_MS = 1_796_327_505_377
SESSION_TOKEN = "RgzvYrehZBjcGLuSpyyPBjP7nw5cAQuC"


def _token(capture):
    signed = decode_cookie_value(capture["session_token_cookie"])
    return unsign_cookie_value(signed, SECRET)


def _payload(expires_in=timedelta(days=7), **user):
    now = datetime.fromtimestamp(NOW_MS / 1000, UTC)
    return {
        "session": {
            "expiresAt": now + expires_in,
            "token": SESSION_TOKEN,
            "createdAt": now,
            "updatedAt": now,
            "ipAddress": "",
            "userAgent": "pytest",
            "userId": "u1",
            "id": "s1",
        },
        "user": {
            "name": "Ada",
            "email": "ada@example.com",
            "emailVerified": False,
            "image": None,
            "createdAt": now,
            "updatedAt": now,
            "id": "u1",
            **user,
        },
        "updatedAt": NOW_MS,
        "version": "1",
    }


# -- JSON.stringify ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # expected values printed by Node 20's JSON.stringify
        (0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (1.5, "1.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (123456789012345680000, "123456789012345680000"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (1.234e-7, "1.234e-7"),
        (123e-20, "1.23e-18"),
        (9007199254740993, "9007199254740992"),
        (1796327805377, "1796327805377"),
        (-1.5e300, "-1.5e+300"),
        (1e100, "1e+100"),
        (123456789.123456789, "123456789.12345679"),
        (1.5e16, "15000000000000000"),
        (float("nan"), "null"),
        (float("inf"), "null"),
        (10**400, "null"),
    ],
)
def test_js_number_to_string_matches_node(value, expected):
    """Numbers print as ECMA-262 Number::toString does."""
    assert js_number_to_string(value) == expected
    assert js_json_stringify(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("\x00\x01\x1f\x7f", '"\\u0000\\u0001\\u001f\x7f"'),
        ('"\\/\b\f\n\r\t', '"\\"\\\\/\\b\\f\\n\\r\\t"'),
        ("\u2028\u2029", '"\u2028\u2029"'),
        ("\ud800", '"\\ud800"'),
        ("a\udc00b", '"a\\udc00b"'),
        ("😀é", '"😀é"'),
        ("\ud83d\ude00", '"😀"'),
    ],
)
def test_js_json_stringify_strings_match_node(value, expected):
    """Strings escape only what JSON.stringify escapes."""
    assert js_json_stringify(value) == expected


def test_js_json_stringify_orders_array_index_keys_first():
    """Integer-like keys come first in numeric order, as in a JS object."""
    value = {"b": 1, "2": "x", "a": 2, "1": "y", "01": 3, "4294967294": 4}
    value.update({"4294967295": 5, "-1": 6})
    assert js_json_stringify(value) == (
        '{"1":"y","2":"x","4294967294":4,"b":1,"a":2,"01":3,"4294967295":5,"-1":6}'
    )


def test_js_json_stringify_structures_and_dates():
    """Nested values have no whitespace and datetimes use toISOString."""
    moment = datetime(
        2026, 12, 3, 20, 51, 45, 371999, tzinfo=timezone(timedelta(hours=1))
    )
    value = {"a": [1, True, None, "x"], "when": moment, "t": (False,), "o": {}}
    assert js_json_stringify(value) == (
        '{"a":[1,true,null,"x"],"when":"2026-12-03T19:51:45.371Z","t":[false],"o":{}}'
    )


@pytest.mark.parametrize("value", [{1: "int key"}, {"s": {1, 2}}, object()])
def test_js_json_stringify_rejects_unsupported_values(value):
    """Values with no JSON form raise TypeError."""
    with pytest.raises(TypeError):
        js_json_stringify(value)


# -- compact strategy -------------------------------------------------------


@pytest.mark.parametrize("capture", COMPACT, ids=lambda c: c["request"])
def test_compact_decodes_oracle_cookie(capture):
    """A compact cache set by the oracle decodes at the time it was sent."""
    token = _token(capture)
    now = capture["received_ms"]
    result = decode_compact(capture["session_data"], SECRET, now, session_token=token)
    assert result is not None
    payload = result["session"]
    assert list(payload) == ["session", "user", "updatedAt", "version"]
    assert payload["session"]["token"] == token
    assert payload["user"]["name"] == 'Zoë "Q" \\ Ünïcødé 😀\t</x>\u2028'
    assert payload["version"] == "1"
    assert result["expiresAt"] > now


@pytest.mark.parametrize("capture", COMPACT, ids=lambda c: c["request"])
def test_compact_encoding_reproduces_oracle_bytes(capture):
    """Re-encoding the decoded payload yields the oracle's exact cookie."""
    now = capture["received_ms"]
    result = decode_compact(capture["session_data"], SECRET, now)
    payload = result["session"]
    max_age = (result["expiresAt"] - payload["updatedAt"]) // 1000
    # The oracle uses maxAge (300 s), or 60 s when rememberMe is false.
    assert max_age == (60 if "rememberMe:false" in capture["request"] else 300)
    encoded = encode_compact(payload, SECRET, max_age, payload["updatedAt"])
    assert encoded == capture["session_data"]
    assert capture["session_data_set_cookie"].startswith(
        f"better-auth.session_data={encoded};"
    )


def test_compact_oracle_cookie_rejected_when_expired_or_rebound():
    """The cache expires after maxAge and is bound to its session token."""
    capture = COMPACT[0]
    value = capture["session_data"]
    expires_at = decode_compact(value, SECRET, capture["received_ms"])["expiresAt"]
    assert decode_compact(value, SECRET, expires_at) is not None
    assert decode_compact(value, SECRET, expires_at + 1) is None
    assert (
        decode_compact(value, SECRET, capture["received_ms"], session_token="x") is None
    )
    assert decode_compact(value, "wrong-secret", capture["received_ms"]) is None
    assert decode_compact(value, ["new", SECRET], capture["received_ms"]) is not None


def test_compact_round_trip_with_datetimes():
    """Payloads with datetimes encode to verifiable, ISO-dated cookies."""
    value = encode_compact(_payload(), SECRET, 300, NOW_MS)
    result = decode_compact(value, SECRET, NOW_MS, session_token=SESSION_TOKEN)
    assert result["expiresAt"] == NOW_MS + 300_000
    assert result["session"]["session"]["expiresAt"] == "2026-12-10T19:51:45.377Z"
    assert "=" not in value and "+" not in value and "/" not in value


def test_compact_normalises_iso_strings_like_revived_dates():
    """ISO strings without milliseconds are signed as toISOString renders them."""
    payload = _payload()
    payload["session"]["expiresAt"] = "2026-12-10T19:51:45Z"
    result = decode_compact(
        encode_compact(payload, SECRET, 300, NOW_MS), SECRET, NOW_MS
    )
    assert result["session"]["session"]["expiresAt"] == "2026-12-10T19:51:45.000Z"


def test_compact_rejects_expired_embedded_session():
    """A cache whose session has already expired is not usable."""
    value = encode_compact(
        _payload(expires_in=timedelta(seconds=1)), SECRET, 300, NOW_MS
    )
    assert decode_compact(value, SECRET, NOW_MS) is not None
    assert decode_compact(value, SECRET, NOW_MS + 1001) is None


def test_compact_checks_version():
    """The cache version must match (default "1"); None skips the check."""
    payload = _payload()
    payload["version"] = "2"
    value = encode_compact(payload, SECRET, 300, NOW_MS)
    assert decode_compact(value, SECRET, NOW_MS) is None
    assert decode_compact(value, SECRET, NOW_MS, version="2") is not None
    assert decode_compact(value, SECRET, NOW_MS, version=None) is not None


def _reencode(document):
    text = js_json_stringify(document).encode("utf-8")
    return base64.urlsafe_b64encode(text).rstrip(b"=").decode()


def test_compact_rejects_tampered_payload():
    """Changing any signed field invalidates the signature."""
    value = encode_compact(_payload(), SECRET, 300, NOW_MS)
    document = json.loads(base64.urlsafe_b64decode(value + "=="))
    forged = copy.deepcopy(document)
    forged["session"]["user"]["email"] = "mallory@example.com"
    assert decode_compact(_reencode(forged), SECRET, NOW_MS) is None
    extended = dict(document, expiresAt=document["expiresAt"] + 10**9)
    assert decode_compact(_reencode(extended), SECRET, NOW_MS) is None
    assert decode_compact(_reencode(document), SECRET, NOW_MS) is not None


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p["user"].pop("email"),
        lambda p: p["session"].pop("token"),
        lambda p: p["session"].update(expiresAt="tomorrow"),
        lambda p: p.update(updatedAt="now"),
        lambda p: p.update(version=2),
        lambda p: p["user"].update(emailVerified="yes"),
    ],
    ids=[
        "no-email",
        "no-token",
        "bad-date",
        "bad-updated-at",
        "int-version",
        "bad-bool",
    ],
)
def test_compact_rejects_signed_payload_failing_schema(mutate):
    """A correctly signed payload must still match Better Auth's schema."""
    payload = _payload()
    mutate(payload)
    value = encode_compact(payload, SECRET, 300, NOW_MS)
    assert decode_compact(value, SECRET, NOW_MS, version=None) is None


@pytest.mark.parametrize(
    "value",
    ["", "!!!", "bm90IGpzb24", "WzEsMl0", "eyJzZXNzaW9uIjp7fX0", "e30"],
    ids=["empty", "not-base64", "not-json", "array", "missing-fields", "empty-object"],
)
def test_compact_rejects_garbage(value):
    """Undecodable or incomplete values give None, never an exception."""
    assert decode_compact(value, SECRET, NOW_MS) is None


# -- jwt strategy -----------------------------------------------------------


@pytest.mark.parametrize("capture", JWT, ids=lambda c: c["request"])
def test_jwt_decodes_and_reproduces_oracle_cookie(capture):
    """An HS256 cache from the oracle verifies and re-encodes byte for byte."""
    token = _token(capture)
    now_s = capture["received_ms"] // 1000
    result = decode_jwt(capture["session_data"], SECRET, now_s, session_token=token)
    claims = result["session"]
    assert list(claims)[-2:] == ["iat", "exp"]
    assert claims["exp"] - claims["iat"] == ORACLE["max_age"]
    assert result["expiresAt"] == claims["exp"] * 1000
    payload = {k: v for k, v in claims.items() if k not in ("iat", "exp")}
    encoded = encode_jwt(payload, SECRET, ORACLE["max_age"], claims["iat"])
    assert encoded == capture["session_data"]


def test_jwt_oracle_cookie_expiry_and_binding():
    """The JWT cache is refused from exp on, for another token or secret."""
    capture = JWT[0]
    value = capture["session_data"]
    exp = jwt.decode(value, options={"verify_signature": False})["exp"]
    assert decode_jwt(value, SECRET, exp - 1) is not None
    assert decode_jwt(value, SECRET, exp) is None
    assert decode_jwt(value, SECRET, exp - 1, session_token="other") is None
    other = "another-secret-of-at-least-thirty-two-bytes"
    assert decode_jwt(value, other, exp - 1) is None
    assert decode_jwt(value, [other, SECRET], exp - 1) is not None


def test_jwt_header_is_alg_only():
    """The protected header is exactly {"alg":"HS256"}, as jose writes it."""
    value = encode_jwt(_payload(), SECRET, 300, NOW_MS // 1000)
    assert value.split(".")[0] == "eyJhbGciOiJIUzI1NiJ9"


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_jwt_rejects_unsigned_and_foreign_tokens():
    """alg=none, other algorithms, tokens without exp and garbage fail."""
    now_s = NOW_MS // 1000
    claims = {**_payload(), "iat": now_s, "exp": now_s + 300}
    claims = json.loads(js_json_stringify(claims))
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert decode_jwt(unsigned, SECRET, now_s) is None
    hs512 = jwt.encode(claims, SECRET, algorithm="HS512")
    assert decode_jwt(hs512, SECRET, now_s) is None
    no_exp = jwt.encode({k: v for k, v in claims.items() if k != "exp"}, SECRET)
    assert decode_jwt(no_exp, SECRET, now_s) is None
    assert decode_jwt(jwt.encode(claims, SECRET), SECRET, now_s) is not None
    assert decode_jwt("not.a.jwt", SECRET, now_s) is None
