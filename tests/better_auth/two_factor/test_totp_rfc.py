"""HOTP / TOTP against the RFC test vectors, and the otpauth key URI."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from better_auth.plugins.two_factor import totp

KEY = b"12345678901234567890"


@pytest.mark.parametrize(
    ("counter", "code"),
    list(
        enumerate(
            [
                "755224",
                "287082",
                "359152",
                "969429",
                "338314",
                "254676",
                "287922",
                "162583",
                "399871",
                "520489",
            ]
        )
    ),
)
def test_hotp_rfc4226_appendix_d(counter: int, code: str) -> None:
    """RFC 4226 Appendix D: HOTP values of the test secret for counters 0-9."""
    assert totp.hotp(KEY, counter) == code


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_totp_rfc6238_appendix_b_sha1(unix_time: int, code: str) -> None:
    """RFC 6238 Appendix B: 8-digit SHA-1 TOTP with X = 30, T0 = 0."""
    assert totp.totp(KEY, unix_time, digits=8) == code


def test_window_accepts_one_step_either_side_only() -> None:
    """RFC 6238 §5.2: one step of drift each way is accepted, two are not."""
    now = 1_700_000_000
    step = totp.time_step(now)
    for delta in (-1, 0, 1):
        code = totp.hotp(KEY, step + delta)
        assert totp.verify_totp(KEY, code, now) == step + delta
    for delta in (-2, 2):
        assert totp.verify_totp(KEY, totp.hotp(KEY, step + delta), now) is None
    assert totp.verify_totp(KEY, "not-a-code", now) is None


def test_key_uri_is_what_authenticator_apps_read() -> None:
    """Key URI format: otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=..."""
    uri = totp.key_uri(KEY, issuer="My App", account="a+b@example.test")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parts.path == "/My%20App:a%2Bb%40example.test"
    query = parse_qs(parts.query)
    assert query == {
        "secret": ["GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"],
        "issuer": ["My App"],
        "digits": ["6"],
        "period": ["30"],
    }
