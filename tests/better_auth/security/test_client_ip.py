"""Client IP and public origin from forwarding headers (§6.2, case 67)."""

from __future__ import annotations

import pytest

from better_auth.security.client_ip import (
    NO_TRUSTED_IP,
    client_ip,
    invalid_trusted_proxies,
    public_origin,
    rate_limit_ip_key,
)

PROXIES = ["10.0.0.0/8", "2001:db8:ffff::/48"]


def test_spec_6_2_peer_address_without_headers() -> None:
    """§6.2: with no IP header the peer address is the client."""
    assert client_ip({}, "203.0.113.7") == "203.0.113.7"
    assert client_ip({}, None) is None
    assert client_ip({}, "not-an-ip") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("198.51.100.1", "198.51.100.1"),
        ("  198.51.100.1  ", "198.51.100.1"),
        ("198.51.100.1,", "198.51.100.1"),
        ("::ffff:198.51.100.1", "198.51.100.1"),
        ("198.51.100.1, 198.51.100.2", "203.0.113.7"),  # a chain: ambiguous
        ("198.51.100.1,198.51.100.1", "203.0.113.7"),
        ("garbage", "203.0.113.7"),
        ("unknown", "203.0.113.7"),
        ("198.51.100.1:5678", "203.0.113.7"),  # ports are not addresses
        ("[2001:db8::1]", "203.0.113.7"),
        ("fe80::1%eth0", "203.0.113.7"),  # zone ids are not client addresses
        ("0198.51.100.1", "203.0.113.7"),
        ("", "203.0.113.7"),
    ],
)
def test_spec_6_2_without_trusted_proxies_only_a_single_ip_counts(
    value: str, expected: str
) -> None:
    """§6.2: without trusted proxies a header must hold exactly one valid IP.

    That rule only applies when the socket peer is unknown; with a known peer
    and no trusted proxy, headers are never believed (next test).
    """
    expected = None if expected == "203.0.113.7" else expected
    assert client_ip({"x-forwarded-for": value}, None) == expected


def test_without_trusted_proxies_a_known_peer_wins_over_headers() -> None:
    """A direct client cannot pick its own IP (and rate-limit bucket) by header."""
    assert client_ip({"x-forwarded-for": "6.6.6.6"}, "203.0.113.9") == "203.0.113.9"


def test_spec_6_2_header_names_are_case_insensitive() -> None:
    """§6.2: configured header names match whatever case the request uses."""
    headers = {"X-Forwarded-For": "198.51.100.1"}
    assert client_ip(headers, None) == "198.51.100.1"
    assert client_ip(headers, None, ip_headers=["X-FORWARDED-FOR"]) == "198.51.100.1"


def test_spec_6_2_ip_headers_are_tried_in_order() -> None:
    """§6.2: the first configured header giving an address wins."""
    headers = {"cf-connecting-ip": "198.51.100.9", "x-forwarded-for": "198.51.100.1"}
    order = ("cf-connecting-ip", "x-forwarded-for")
    assert client_ip(headers, None, ip_headers=order) == "198.51.100.9"
    headers["cf-connecting-ip"] = "a, b"
    assert client_ip(headers, None, ip_headers=order) == "198.51.100.1"
    assert client_ip(headers, "203.0.113.7", ip_headers=()) == "203.0.113.7"


@pytest.mark.parametrize(
    ("value", "remote", "expected"),
    [
        ("198.51.100.1", "10.0.0.1", "198.51.100.1"),
        ("198.51.100.1, 10.0.0.2", "10.0.0.1", "198.51.100.1"),
        ("6.6.6.6, 198.51.100.1", "10.0.0.1", "198.51.100.1"),  # spoofed left
        ("garbage, 198.51.100.1, 10.0.0.2", "10.0.0.1", "198.51.100.1"),
        ("198.51.100.1, garbage", "10.0.0.1", None),  # unknown nearest hop
        ("10.0.0.3, 10.0.0.2", "10.0.0.1", "10.0.0.3"),  # all internal
        ("2001:db8:1:2:3:4:5:6, 2001:db8:ffff::1", "10.0.0.1", "2001:db8:1:2::"),
        ("198.51.100.1", "::ffff:10.0.0.1", "198.51.100.1"),
        ("198.51.100.1", "2001:db8:ffff::9", "198.51.100.1"),
    ],
)
def test_spec_6_2_trusted_proxies_walk_the_chain_right_to_left(
    value: str, remote: str, expected: str | None
) -> None:
    """§6.2: trusted hops are skipped from the right; the next hop is the client."""
    headers = {"x-forwarded-for": value}
    assert client_ip(headers, remote, trusted_proxies=PROXIES) == expected


def test_spec_6_2_headers_are_ignored_when_peer_is_not_a_trusted_proxy() -> None:
    """A request straight from the internet cannot choose its own address."""
    headers = {"x-forwarded-for": "198.51.100.1, 10.0.0.2"}
    assert client_ip(headers, "203.0.113.7", trusted_proxies=PROXIES) == "203.0.113.7"
    assert client_ip(headers, None, trusted_proxies=PROXIES) is None


def test_spec_6_2_trusted_peer_without_header_is_the_client() -> None:
    """A trusted host calling directly (no header) is itself the client."""
    assert client_ip({}, "10.0.0.1", trusted_proxies=PROXIES) == "10.0.0.1"


def test_spec_6_2_malformed_trusted_proxies_trust_nothing() -> None:
    """Unparsable proxy entries never widen trust (not even to "everything")."""
    headers = {"x-forwarded-for": "198.51.100.1"}
    bad = ["not-an-ip", "10.0.0.0/99", "10.0.0.0/x", "10.0.0.0/-1", ""]
    assert client_ip(headers, "10.0.0.1", trusted_proxies=bad) == "10.0.0.1"
    assert invalid_trusted_proxies([*bad, "10.0.0.0/8", "::1", "fd00::/8"]) == bad
    single = ["10.0.0.1"]
    assert client_ip(headers, "10.0.0.1", trusted_proxies=single) == "198.51.100.1"


@pytest.mark.parametrize(
    ("address", "subnet", "expected"),
    [
        ("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::"),
        ("2001:DB8:1:2:3:4:5:6", 64, "2001:db8:1:2::"),
        ("2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::"),
        ("2001:db8:1:2:3:4:5:6", 56, "2001:db8:1::"),
        ("2001:db8:1:2ff:3:4:5:6", 56, "2001:db8:1:200::"),
        ("2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6"),
        ("2001:db8:1:2:3:4:5:6", 0, "::"),
        ("2001:db8:1:2:3:4:5:6", 200, "2001:db8:1:2:3:4:5:6"),
        ("::ffff:192.0.2.1", 64, "192.0.2.1"),
        ("192.0.2.1", 8, "192.0.2.1"),
    ],
)
def test_spec_6_2_ipv6_is_truncated_to_its_subnet(
    address: str, subnet: int, expected: str
) -> None:
    """§6.2: IPv6 is cut to ``/ipv6_subnet``; IPv4 and mapped IPv4 are kept."""
    assert client_ip({}, address, ipv6_subnet=subnet) == expected
    headers = {"x-forwarded-for": address}
    assert client_ip(headers, None, ipv6_subnet=subnet) == expected


def test_spec_6_2_disable_tracking_returns_none() -> None:
    """§6.2: ``disableIpTracking`` means no address at all."""
    headers = {"x-forwarded-for": "198.51.100.1"}
    assert client_ip(headers, "203.0.113.7", disable_tracking=True) is None


def test_spec_6_3_rate_limit_key_shares_a_bucket_for_unknown_ips() -> None:
    """§6.3: requests without a trusted IP share ``no-trusted-ip``."""
    assert rate_limit_ip_key("198.51.100.1") == "198.51.100.1"
    assert rate_limit_ip_key(None) == NO_TRUSTED_IP == "no-trusted-ip"
    assert rate_limit_ip_key("") == "no-trusted-ip"


SPOOFED = {
    "Host": "app.example.test",
    "X-Forwarded-Host": "evil.test",
    "X-Forwarded-Proto": "http",
}


def test_case_67_forwarded_headers_ignored_without_trusted_proxy_headers() -> None:
    """Case 67: spoofed X-Forwarded-* never reach links unless trusted."""
    origin = public_origin(
        SPOOFED, scheme_from_request="https", trusted_proxy_headers=False
    )
    assert origin == "https://app.example.test"


def test_spec_6_2_forwarded_headers_used_when_trusted() -> None:
    """§6.2: with ``trustedProxyHeaders`` the forwarded host and proto win."""
    origin = public_origin(
        SPOOFED, scheme_from_request="https", trusted_proxy_headers=True
    )
    assert origin == "http://evil.test"
    headers = {"host": "10.0.0.1:8000", "x-forwarded-host": "App.Example.Test:443"}
    origin = public_origin(
        headers, scheme_from_request="https", trusted_proxy_headers=True
    )
    assert origin == "https://app.example.test"


@pytest.mark.parametrize(
    ("proto", "expected"),
    [
        ("https", "https://app.example.test"),
        ("http", "http://app.example.test"),
        ("HTTPS", "https://app.example.test"),  # invalid: request scheme used
        ("javascript", "https://app.example.test"),
        ("https, http", "https://app.example.test"),
        ("", "https://app.example.test"),
    ],
)
def test_spec_6_2_forwarded_proto_must_be_http_or_https(
    proto: str, expected: str
) -> None:
    """§6.2: a forwarded proto other than ``http``/``https`` is ignored."""
    headers = {"host": "app.example.test", "x-forwarded-proto": proto}
    got = public_origin(
        headers, scheme_from_request="https", trusted_proxy_headers=True
    )
    assert got == expected


@pytest.mark.parametrize(
    "forwarded",
    ["evil.test/path", "evil.test, app.example.test", "a b", "<x>", "..", "[zz::1]"],
)
def test_spec_6_2_invalid_forwarded_host_falls_back_to_host(forwarded: str) -> None:
    """§6.2: an invalid X-Forwarded-Host is ignored in favour of Host."""
    headers = {"host": "app.example.test", "x-forwarded-host": forwarded}
    got = public_origin(
        headers, scheme_from_request="https", trusted_proxy_headers=True
    )
    assert got == "https://app.example.test"


@pytest.mark.parametrize(
    ("host", "scheme", "expected"),
    [
        ("app.example.test", "https", "https://app.example.test"),
        ("APP.Example.TEST", "https", "https://app.example.test"),
        ("app.example.test:8443", "https", "https://app.example.test:8443"),
        ("app.example.test:443", "https", "https://app.example.test"),
        ("app.example.test:80", "http", "http://app.example.test"),
        ("localhost:3000", "http", "http://localhost:3000"),
        ("LOCALHOST", "http", "http://localhost"),
        ("127.0.0.1:8000", "http", "http://127.0.0.1:8000"),
        ("[::1]:8000", "http", "http://[::1]:8000"),
        ("[2001:DB8::1]", "https", "https://[2001:db8::1]"),
        ("app.example.test", "HTTPS", "https://app.example.test"),
    ],
)
def test_spec_6_2_valid_host_headers(host: str, scheme: str, expected: str) -> None:
    """§6.2: hostname, IPv4, [IPv6] or localhost with an optional port."""
    got = public_origin(
        {"host": host}, scheme_from_request=scheme, trusted_proxy_headers=False
    )
    assert got == expected


@pytest.mark.parametrize(
    "host",
    [
        "",
        "evil.test/path",
        "evil.test?x",
        "evil.test#x",
        "user@evil.test",
        "evil.test\\x",
        "evil test",
        "evil.test\r\nX-Injected: 1",
        "-bad.test",
        "bad-.test",
        ".test",
        "a..b",
        "app.example.test.",
        "under_score.test",
        "évil.test",
        "evil.test:99999",
        "evil.test:",
        "evil.test:80:80",
        "[::1",
        "[zz::1]",
        "::1",
        "999.1.1.1",
        "0x7f.1",
        "127.1",
        "a.123",
        "javascript:alert(1)",
    ],
)
def test_spec_6_2_invalid_host_header_gives_no_origin(host: str) -> None:
    """§6.2: an invalid Host yields ``None`` rather than a poisoned link."""
    got = public_origin(
        {"host": host}, scheme_from_request="https", trusted_proxy_headers=True
    )
    assert got is None


def test_public_origin_needs_a_host_and_an_http_scheme() -> None:
    """Without Host, or with a non-http(s) request scheme, there is no origin."""
    assert (
        public_origin({}, scheme_from_request="https", trusted_proxy_headers=True)
        is None
    )
    headers = {"host": "app.example.test"}
    assert (
        public_origin(headers, scheme_from_request="ftp", trusted_proxy_headers=False)
        is None
    )
    assert (
        public_origin(headers, scheme_from_request="", trusted_proxy_headers=False)
        is None
    )
