"""SSRF host classification, Better Auth 1.7 ``classifyHost`` (§6.5)."""

from __future__ import annotations

import pytest

from better_auth.security.ssrf import (
    HOST_KINDS,
    OutboundURLRefused,
    check_outbound_url,
    classify_host,
    is_public_host,
)

TABLE = [
    # loopback: 127.0.0.0/8, ::1
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("::1", "loopback"),
    # localhost: localhost, *.localhost
    ("localhost", "localhost"),
    ("tenant.localhost", "localhost"),
    ("a.b.localhost", "localhost"),
    # unspecified / broadcast
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("255.255.255.255", "broadcast"),
    # private: 10/8, 172.16/12, 192.168/16, fc00::/7
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("fc00::1", "private"),
    ("fdff:ffff::1", "private"),
    # linkLocal: 169.254/16, fe80::/10
    ("169.254.169.254", "linkLocal"),
    ("fe80::1", "linkLocal"),
    ("febf::1", "linkLocal"),
    # sharedAddressSpace: 100.64/10
    ("100.64.0.1", "sharedAddressSpace"),
    ("100.127.255.255", "sharedAddressSpace"),
    # documentation
    ("192.0.2.1", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("2001:db8::1", "documentation"),
    ("2001:db8:ffff::1", "documentation"),
    ("3fff::1", "documentation"),
    ("3fff:fff:ffff::1", "documentation"),
    # benchmarking: 198.18/15, 2001:2::/48
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("2001:2::1", "benchmarking"),
    ("2001:2:0:ffff::1", "benchmarking"),
    # multicast: 224/4, ff00::/8
    ("224.0.0.1", "multicast"),
    ("239.255.255.255", "multicast"),
    ("ff02::1", "multicast"),
    # reserved
    ("0.1.2.3", "reserved"),
    ("192.0.0.8", "reserved"),
    ("192.88.99.1", "reserved"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.254", "reserved"),
    ("fec0::1", "reserved"),
    ("feff::1", "reserved"),
    ("2002:7f00:1::", "reserved"),  # 6to4 embedding 127.0.0.1
    ("2002:c0a8:101::1", "reserved"),  # 6to4 embedding 192.168.1.1
    ("2002:a9fe:a9fe::", "reserved"),  # 6to4 embedding 169.254.169.254
    ("64:ff9b::808:808", "reserved"),  # NAT64, even of a public IPv4
    ("64:ff9b::7f00:1", "reserved"),
    ("64:ff9b:1::1", "reserved"),
    ("2001::1", "reserved"),  # Teredo
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"),
    ("100::1", "reserved"),
    ("100::ffff:ffff:ffff:ffff", "reserved"),
    ("5f00::1", "reserved"),
    ("::7f00:1", "reserved"),  # IPv4-compatible ::127.0.0.1
    ("::808:808", "reserved"),
    ("::2", "reserved"),
    # cloudMetadata
    ("metadata.google.internal", "cloudMetadata"),
    ("metadata.goog", "cloudMetadata"),
    ("metadata", "cloudMetadata"),
    ("instance-data", "cloudMetadata"),
    ("instance-data.ec2.internal", "cloudMetadata"),
    # public
    ("8.8.8.8", "public"),
    ("1.1.1.1", "public"),
    ("172.32.0.1", "public"),
    ("100.128.0.1", "public"),
    ("198.20.0.1", "public"),
    ("11.0.0.1", "public"),
    ("2606:4700:4700::1111", "public"),
    ("2002:808:808::", "public"),  # 6to4 embedding public 8.8.8.8
    ("2001:db9::1", "public"),
    ("2001:2:1::1", "public"),
    ("3fff:1000::1", "public"),
    ("100:0:0:1::1", "public"),
    ("example.com", "public"),
    ("metadata.example.com", "public"),
    ("localhost.example.com", "public"),
]


@pytest.mark.parametrize(("host", "kind"), TABLE)
def test_spec_6_5_classification_table(host: str, kind: str) -> None:
    """§6.5: every range of the table maps to its kind."""
    assert classify_host(host) == kind


def test_spec_6_5_every_kind_is_covered() -> None:
    """The table above exercises every kind ``classify_host`` can return."""
    assert {kind for _, kind in TABLE} == set(HOST_KINDS)


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("[::1]", "loopback"),
        ("[::1]:8080", "loopback"),
        ("127.0.0.1:3000", "loopback"),
        ("localhost:3000", "localhost"),
        ("LOCALHOST", "localhost"),
        ("localhost.", "localhost"),
        ("localhost..", "localhost"),
        ("metadata.google.internal.", "cloudMetadata"),
        ("METADATA.Google.Internal:80", "cloudMetadata"),
        ("fe80::1%eth0", "linkLocal"),
        ("fe80::1%25eth0", "linkLocal"),
        ("[fe80::1%eth0]:443", "linkLocal"),
        ("  10.0.0.1  ", "private"),
        ("example.com:443", "public"),
        ("example.com.", "public"),
    ],
)
def test_spec_6_5_normalises_brackets_port_zone_and_trailing_dots(
    host: str, kind: str
) -> None:
    """§6.5: brackets, port, zone id, case and trailing dots are stripped."""
    assert classify_host(host) == kind


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:7f00:1", "loopback"),
        ("[::ffff:10.0.0.1]:443", "private"),
        ("::ffff:169.254.169.254", "linkLocal"),
        ("::ffff:192.0.2.1", "documentation"),
        ("::ffff:8.8.8.8", "public"),
    ],
)
def test_spec_6_5_ipv4_mapped_ipv6_classifies_as_ipv4(host: str, kind: str) -> None:
    """§6.5: an IPv4-mapped IPv6 literal is judged by its IPv4 address."""
    assert classify_host(host) == kind


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("2130706433", "loopback"),  # decimal 127.0.0.1
        ("0x7f000001", "loopback"),
        ("0X7F000001", "loopback"),
        ("017700000001", "loopback"),  # octal
        ("0177.0.0.1", "loopback"),
        ("0x7f.1", "loopback"),
        ("0x7f.0.0.1", "loopback"),
        ("127.1", "loopback"),
        ("127.0.1", "loopback"),
        ("0", "unspecified"),
        ("0x0", "unspecified"),
        ("4294967295", "broadcast"),
        ("167772161", "private"),  # 10.0.0.1
        ("0xa.0.0.1", "private"),
        ("012.0.0.1", "private"),  # octal 10.0.0.1
        ("0xa9.0xfe.0xa9.0xfe", "linkLocal"),  # 169.254.169.254
        ("2852039166", "linkLocal"),
        ("0251.0376.0251.0376", "linkLocal"),
        ("169.254.43518", "linkLocal"),
        ("0xc0.0xa8.1.1:8080", "private"),
        ("2130706433.", "loopback"),
        ("134744072", "public"),  # 8.8.8.8
    ],
)
def test_odd_ipv4_spellings_classify_as_the_address_they_denote(
    host: str, kind: str
) -> None:
    """inet_aton / WHATWG IPv4 spellings are classified as their address."""
    assert classify_host(host) == kind


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("010.0.0.1", "private"),  # octal 8.0.0.1, but decimal 10.0.0.1
        ("0127.0.0.1", "loopback"),  # octal 87.0.0.1, but decimal 127.0.0.1
        ("08.8.8.8", "public"),  # invalid octal, decimal 8.8.8.8
    ],
)
def test_ambiguous_leading_zero_spellings_take_the_stricter_reading(
    host: str, kind: str
) -> None:
    """Leading zeros read as octal or decimal: the non-public reading wins."""
    assert classify_host(host) == kind


@pytest.mark.parametrize(
    "host",
    [
        "",
        "   ",
        "[]",
        "1.2.3.4.5",
        "256.256.256.256",
        "4294967296",
        "0x100000000",
        "0x1.0xg.1",
        "a.b.123",
        "127.0.0.1 evil.test",
        "evil\t.test",
        "ev\x00il.test",
        "[::1",
        "evil.test/path",
        "user@evil.test",
        "a:b:c",
    ],
)
def test_empty_malformed_and_numeric_non_addresses_are_reserved(host: str) -> None:
    """No public DNS name is empty, malformed or all-numeric (RFC 3696 §2)."""
    assert classify_host(host) == "reserved"


def test_is_public_host() -> None:
    """``is_public_host`` is true only for the ``public`` kind."""
    assert is_public_host("example.com") is True
    assert is_public_host("8.8.8.8") is True
    assert is_public_host("169.254.169.254") is False
    assert is_public_host("metadata.google.internal") is False
    assert is_public_host("2130706433") is False


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/.well-known/jwks.json",
        "http://example.com:8080/logout",
        "https://8.8.8.8/",
        "https://[2606:4700:4700::1111]/",
        "HTTPS://Example.COM",
    ],
)
def test_outbound_public_urls_are_allowed(url: str) -> None:
    """Public http(s) URLs pass the outbound check."""
    assert check_outbound_url(url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://example.com/", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("//example.com/", "scheme"),
        ("", "empty"),
        ("https://user:pw@example.com/", "userinfo"),
        ("https://example.com@127.0.0.1/", "userinfo"),
        ("https://example.com\\@127.0.0.1/", "backslash"),
        ("https://exa\tmple.com/", "control"),
        ("https:example.com", "well-formed"),
        ("https://0x7f.1/", "well-formed"),
        ("https://2130706433/", "well-formed"),
        ("https://127.0.0.1/", "loopback"),
        ("http://localhost:8080/", "localhost"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "linkLocal"),
        ("http://metadata.google.internal/computeMetadata/v1/", "cloudMetadata"),
        ("http://metadata.google.internal./", "cloudMetadata"),
        ("http://10.0.0.5/", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://[2002:7f00:1::]/", "reserved"),
        ("http://0.0.0.0/", "unspecified"),
    ],
)
def test_outbound_non_public_or_malformed_urls_are_refused(
    url: str, reason: str
) -> None:
    """§6.5: only ``public`` hosts over http(s), without userinfo, are fetched."""
    with pytest.raises(OutboundURLRefused) as excinfo:
        check_outbound_url(url)
    assert reason in excinfo.value.reason
    assert isinstance(excinfo.value, ValueError)


def test_outbound_allow_loopback_admits_only_loopback_and_localhost() -> None:
    """``allow_loopback`` opens loopback and ``localhost``, nothing else."""
    check_outbound_url("http://127.0.0.1:9000/", allow_loopback=True)
    check_outbound_url("http://[::1]:9000/", allow_loopback=True)
    check_outbound_url("http://localhost:9000/", allow_loopback=True)
    check_outbound_url("http://app.localhost/", allow_loopback=True)
    for url in ("http://10.0.0.1/", "http://169.254.169.254/", "http://0.0.0.0/"):
        with pytest.raises(OutboundURLRefused):
            check_outbound_url(url, allow_loopback=True)


def test_outbound_allow_hosts_exempts_listed_hosts_only() -> None:
    """Hosts in ``allow_hosts`` pass whatever their kind; others do not."""
    allow = ["idp.internal.corp", "10.0.0.5", "[fd00::1]", "METADATA"]
    check_outbound_url("https://idp.internal.corp/jwks", allow_hosts=allow)
    check_outbound_url("https://IDP.internal.corp.:8443/", allow_hosts=allow)
    check_outbound_url("http://10.0.0.5:8080/", allow_hosts=allow)
    check_outbound_url("http://[fd00:0::1]/", allow_hosts=allow)
    check_outbound_url("http://metadata/", allow_hosts=allow)
    with pytest.raises(OutboundURLRefused):
        check_outbound_url("http://10.0.0.6/", allow_hosts=allow)
    with pytest.raises(OutboundURLRefused):
        check_outbound_url("https://user@idp.internal.corp/", allow_hosts=allow)


def test_outbound_refusal_is_logged_without_the_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refusal is logged at WARNING with the kind, not the URL's secrets."""
    with caplog.at_level("WARNING", logger="better_auth.security.ssrf"):
        with pytest.raises(OutboundURLRefused):
            check_outbound_url("http://10.0.0.1/cb?token=s3cret-value")
    assert "private" in caplog.text
    assert "s3cret-value" not in caplog.text
