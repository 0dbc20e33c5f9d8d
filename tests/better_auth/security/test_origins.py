"""Trusted-origin matching: Better Auth 1.7 ``matchesOriginPattern`` (§6.1)."""

from __future__ import annotations

import time

import pytest

from better_auth.security.origins import (
    is_trusted_origin,
    matches_origin_pattern,
    origin_of,
    parse_http_url,
    validate_origin_pattern,
)

CASE_62 = ["https://*.example.com", "myapp://callback"]


@pytest.mark.parametrize(
    ("origin", "trusted"),
    [
        ("http://api.example.com", False),  # (a) scheme differs
        ("https://api.example.com", True),  # (b)
        ("https://example.com.evil.test", False),  # (c) suffix attack
        ("myapp://callbackevil", False),  # (d) not a prefix match
        ("myapp://callback.evil.test", False),  # (e) authority must be exact
        ("null", False),  # (f) opaque origin
        ("https://evil.test", False),  # (g) the Origin sent beside electron-origin
    ],
)
def test_case_62_wildcards_honour_scheme_custom_schemes_not_prefixes(
    origin: str, trusted: bool
) -> None:
    """Case 62: a scheme wildcard needs that scheme; custom schemes are exact."""
    assert is_trusted_origin(origin, CASE_62) is trusted


@pytest.mark.parametrize("patterns", [["*.example.com"], ["https://*.example.com"]])
@pytest.mark.parametrize(
    ("value", "trusted"),
    [
        ("malicious.test?.example.com", False),  # (a) no scheme
        ("https://evil.test/.example.com", False),  # (b) path, not host
        ("https://evil.test#.example.com", False),  # (c) fragment, not host
        ("https://a.example.com.evil.test/", False),  # (d) suffix attack
        ("https://a.example.com/dashboard", True),  # (e)
    ],
)
def test_case_63_wildcards_parse_the_host(
    patterns: list[str], value: str, trusted: bool
) -> None:
    """Case 63: hosts are parsed, never substring-matched, in both configs."""
    assert is_trusted_origin(value, patterns, allow_relative_paths=True) is trusted


@pytest.mark.parametrize(
    ("url", "pattern", "expected"),
    [
        ("https://api.example.com", "https://*.example.com", True),
        ("https://a.b.example.com", "https://*.example.com", True),
        ("https://example.com", "https://*.example.com", False),
        ("https://xexample.com", "https://*.example.com", False),
        ("https://a.example.com:8443", "https://*.example.com", False),
        ("https://A.EXAMPLE.com:443/x", "https://*.example.com", True),
        ("https://a.example.com", "https://?.example.com", True),
        ("https://ab.example.com", "https://?.example.com", False),
        ("http://localhost:5173", "http://localhost:*", True),
        ("https://a.example.com", "*://a.example.com", True),
        ("https://a.example.com/x", "https://*", True),
        ("https://a.example.com/x", "https://**", True),
    ],
)
def test_spec_6_1_scheme_wildcard_globs_the_origin(
    url: str, pattern: str, expected: bool
) -> None:
    """§6.1 row 1: ``*``/``?`` with ``://`` glob the URL's serialised origin."""
    assert matches_origin_pattern(url, pattern) is expected


@pytest.mark.parametrize(
    ("url", "pattern", "expected"),
    [
        ("https://a.example.com", "*.example.com", True),
        ("http://a.example.com/any/path", "*.example.com", True),
        ("https://a.example.com:3000", "*.example.com", False),
        ("https://example.com", "*.example.com", False),
        ("https://a.example.com:3000", "*.example.com:3000", True),
        ("myapp://a.example.com", "*.example.com", True),
        ("myapp://user@a.example.com", "*.example.com", False),
        ("https://evil.test@a.example.com", "*.example.com", True),
        ("https://a.example.com@evil.test", "*.example.com", False),
    ],
)
def test_spec_6_1_schemeless_wildcard_globs_host_with_port(
    url: str, pattern: str, expected: bool
) -> None:
    """§6.1 row 2: a schemeless wildcard globs ``host[:port]`` of the URL."""
    assert matches_origin_pattern(url, pattern) is expected


@pytest.mark.parametrize(
    ("url", "pattern", "expected"),
    [
        ("https://192.168.1.5", "https://192.168.*.*", True),
        ("https://192.168.attacker.test", "https://192.168.*.*", False),
        ("https://192.168.1.5:3000", "192.168.*.*:*", True),
        ("https://192.168.attacker.test:3000", "192.168.*.*:*", False),
        ("exp://192.168.1.5:8081", "exp://192.168.*.*:*/**", True),
        ("exp://192.168.1.5:8081/--/home", "exp://192.168.*.*:*/**", True),
        ("exp://192.168.attacker.test:8081", "exp://192.168.*.*:*/**", False),
    ],
)
def test_ba_1_7_digit_wildcards_admit_only_ipv4(
    url: str, pattern: str, expected: bool
) -> None:
    """BA 1.7: a wildcard host of digits and dots names an IPv4 range only."""
    assert matches_origin_pattern(url, pattern) is expected


@pytest.mark.parametrize(
    ("url", "pattern", "expected"),
    [
        ("https://app.example.test", "https://app.example.test", True),
        ("https://app.example.test/", "https://app.example.test", True),
        ("https://APP.example.test:443/a?b#c", "https://app.example.test", True),
        ("https://app.example.test", "https://app.example.test/", False),
        ("https://app.example.test/cb", "https://app.example.test/cb", False),
        ("http://app.example.test", "https://app.example.test", False),
        ("https://app.example.test:8443", "https://app.example.test", False),
        ("http://127.0.0.1:3000/x", "http://127.0.0.1:3000", True),
        ("http://[::1]:3000", "http://[::1]:3000", True),
        ("http://[0:0::1]:3000", "http://[::1]:3000", True),
        ("https://app.example.test.", "https://app.example.test", False),
        ("https://evil.test@app.example.test", "https://app.example.test", True),
        ("https://app.example.test@evil.test", "https://app.example.test", False),
        ("https://app.example.test\\@evil.test", "https://app.example.test", True),
    ],
)
def test_spec_6_1_plain_http_pattern_is_exact_origin_equality(
    url: str, pattern: str, expected: bool
) -> None:
    """§6.1 row 3: ``pattern == origin(url)``; a path or slash never matches.

    The last two rows follow the WHATWG authority rules: userinfo ends at the
    last ``@`` and ``\\`` ends the authority of an http(s) URL.
    """
    assert matches_origin_pattern(url, pattern) is expected


@pytest.mark.parametrize(
    ("url", "pattern", "expected"),
    [
        ("myapp://callback", "myapp://callback", True),
        ("MYAPP://CALLBACK", "myapp://callback", True),
        ("myapp://callback", "MyApp://Callback", True),
        ("myapp://callback/deep/link", "myapp://callback", True),
        ("myapp://callback?x=1#f", "myapp://callback", True),
        ("myapp://callbackevil", "myapp://callback", False),
        ("myapp://callback.attacker.tld", "myapp://callback", False),
        ("myapp://evil@callback", "myapp://callback", False),
        ("otherapp://callback", "myapp://callback", False),
        ("myapp://anything", "myapp://", True),
        ("myapp://anything/x", "myapp:/", True),
        ("myapp:opaque", "myapp://", True),
        ("exp://192.168.1.5:8081", "exp://", True),
        ("myapp://cb/a", "myapp://cb/a", True),
        ("myapp://cb/a/b", "myapp://cb/a", True),
        ("myapp://cb/a/", "myapp://cb/a", True),
        ("myapp://cb//a", "myapp://cb/a", True),
        ("myapp://cb/ab", "myapp://cb/a", False),
        ("myapp://cb/a/../evil", "myapp://cb/a", False),
        ("myapp://cb/a/%2e%2e/evil", "myapp://cb/a", False),
        ("myapp://cb/a%2f..%2f..%2fevil", "myapp://cb/a", False),
        ("myapp://cb/b/../a/x", "myapp://cb/a", True),
        ("myapp://cb/%61", "myapp://cb/a", True),
        ("myapp://cb/a", "myapp://cb/*", True),
        ("myapp://cb/a/b", "myapp://cb/*", False),
        ("myapp://cb/a/b", "myapp://cb/**", True),
        ("chrome-extension://abcdef/popup.html", "chrome-extension://abcdef", True),
        ("chrome-extension://abcdefg", "chrome-extension://abcdef", False),
    ],
)
def test_spec_6_1_custom_scheme_rules(url: str, pattern: str, expected: bool) -> None:
    """§6.1 row 4 (BA 1.7): scheme equal, authority exact, path by segment."""
    assert matches_origin_pattern(url, pattern) is expected


@pytest.mark.parametrize(
    "url",
    [
        "myapp://\\",
        "myapp://:",
        "myapp://@",
        "myapp://user@",
        "myapp://[::1]junk",
        "myapp://host:port",
        "myapp://host:99999",
        "myapp://ho|st",
        "myapp://callback\n",
        "myapp://call\tback",
    ],
)
def test_custom_scheme_urls_a_url_parser_rejects_are_untrusted(url: str) -> None:
    """A custom URL that fails WHATWG parsing is untrusted even by ``myapp://``."""
    assert matches_origin_pattern(url, "myapp://") is False


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
    ],
)
@pytest.mark.parametrize("pattern", ["javascript:", "data:", "vbscript:", "*", "**"])
def test_script_schemes_are_never_trusted(url: str, pattern: str) -> None:
    """``javascript:``, ``data:`` and ``vbscript:`` never match any pattern."""
    assert matches_origin_pattern(url, pattern) is False


@pytest.mark.parametrize(
    "value",
    [
        "example.com",
        "a.example.com",
        "malicious.test?.example.com",
        "www.example.com/.example.com",
        "",
    ],
)
@pytest.mark.parametrize(
    "pattern", ["*.example.com", "https://*.example.com", "*", "**", "example.com"]
)
def test_case_63_value_without_scheme_never_matches(value: str, pattern: str) -> None:
    """Case 63a: a value without a scheme satisfies no pattern at all."""
    assert matches_origin_pattern(value, pattern) is False


@pytest.mark.parametrize(
    "url",
    [
        "https:\\\\evil.test",  # WHATWG reads backslashes as slashes
        "https:/evil.test",
        "https:evil.test",
        "https:///evil.test",
        " https://a.example.com",
        "https://a.example.com\t",
        "https://a.exa\nmple.com",
        "https://a%2eexample.com",
        "https://ａ.example.com",  # full-width letter: IDNA-mapped by browsers
        "https://a。example.com",  # ideographic full stop
        "https://a.example.com:99999",
        "https://a.example.com:8o",
        "https://[::1",
        "https://[fe80::1%25eth0]",
    ],
)
def test_ambiguous_http_urls_are_untrusted(url: str) -> None:
    """Forms a browser might parse differently are refused, not guessed at."""
    assert origin_of(url) is None
    assert matches_origin_pattern(url, "https://*.example.com") is False
    assert matches_origin_pattern(url, "*.example.com") is False


def test_relative_paths_only_with_allow_relative_paths() -> None:
    """Relative callbacks are accepted only when asked, never as an Origin."""
    assert is_trusted_origin("/dashboard", ["https://a.example.com"]) is False
    assert is_trusted_origin("/dashboard", [], allow_relative_paths=True) is True
    assert is_trusted_origin("//evil.test", [], allow_relative_paths=True) is False
    assert matches_origin_pattern("/dashboard", "https://a.example.com") is False


def test_is_trusted_origin_ignores_empty_patterns_and_bad_input() -> None:
    """Empty entries trust nothing; non-string values are never trusted."""
    assert is_trusted_origin("https://a.example.com", ["", None]) is False  # type: ignore[list-item]
    assert is_trusted_origin(None, ["*"]) is False  # type: ignore[arg-type]
    assert is_trusted_origin(["https://a"], ["*"]) is False  # type: ignore[arg-type]
    assert is_trusted_origin("", ["*"]) is False


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://App.Example.Test/path?q#f", "https://app.example.test"),
        ("HTTP://app.example.test:80/", "http://app.example.test"),
        ("https://app.example.test:443", "https://app.example.test"),
        ("https://app.example.test:0443", "https://app.example.test"),
        ("http://app.example.test:443", "http://app.example.test:443"),
        ("https://app.example.test:", "https://app.example.test"),
        ("http://127.0.0.1:3100/api/auth", "http://127.0.0.1:3100"),
        ("http://[0:0:0:0:0:0:0:1]:8000", "http://[::1]:8000"),
        ("http://[::FFFF:1.2.3.4]", "http://[::ffff:102:304]"),
        ("http://[2001:db8:0:1:0:0:0:1]", "http://[2001:db8:0:1::1]"),
        ("https://user:pw@app.example.test/x", "https://app.example.test"),
        ("myapp://callback", None),
        ("ftp://files.example.test", None),
        ("/relative", None),
        ("not a url", None),
        ("http://0x7f.1", None),
        ("http://127.1", None),
        ("http://1.2.3.4.5", None),
    ],
)
def test_origin_of_serialises_like_whatwg(url: str, origin: str | None) -> None:
    """``origin_of`` returns the WHATWG origin of http(s) URLs, else ``None``.

    Non-canonical IPv4 spellings, which WHATWG would rewrite, give ``None``.
    """
    assert origin_of(url) == origin


def test_parse_http_url_splits_authority_like_a_browser() -> None:
    """Userinfo ends at the last ``@``; the authority ends at ``/\\?#``."""
    parsed = parse_http_url("https://a@b@Host.Example:8443\\path?q")
    assert parsed is not None
    assert parsed.userinfo == "a@b"
    assert parsed.host == "host.example"
    assert parsed.port == "8443"
    assert parsed.rest == "\\path?q"
    assert parsed.origin == "https://host.example:8443"
    assert parse_http_url(123) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "pattern",
    [
        "https://app.example.test",
        "http://localhost:3000",
        "http://[::1]:3000",
        "https://*.example.com",
        "https://*.example.com/",
        "*.example.com",
        "*.example.com:3000",
        "myapp://callback",
        "myapp://",
        "myapp:/",
        "exp://192.168.*.*:*/**",
        "chrome-extension://abcdef",
        "*://a.example.com",
    ],
)
def test_validate_origin_pattern_accepts_working_entries(pattern: str) -> None:
    """Entries that can match something produce no error."""
    assert validate_origin_pattern(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("", "non-empty"),
        (None, "non-empty"),
        (" https://app.example.test", "whitespace"),
        ("https://app.example.test ", "whitespace"),
        ("https://app.example.test/", "trailing slash"),
        ("https://app.example.test/cb", "path"),
        ("https://*.example.com/app", "path"),
        ("https://App.example.test", "canonical"),
        ("https://app.example.test:443", "canonical"),
        ("HTTPS://*.example.com", "lower-case"),
        ("*.Example.com", "lower-case"),
        ("*.example.com/cb", "cannot contain"),
        ("app.example.test", "no scheme"),
        ("localhost:3000", "missing '//'"),
        ("https:app.example.test", "missing '//'"),
        ("https://", "not a valid"),
        ("https://user@app.example.test", "not a valid"),
        ("https://exa mple.com", "whitespace"),
        ("1http://x", "invalid scheme"),
        ("a b://x", "whitespace"),
        ("javascript:", "never trusted"),
        ("/dashboard", "path"),
    ],
)
def test_validate_origin_pattern_flags_entries_that_never_match(
    pattern: str, fragment: str
) -> None:
    """Malformed or never-matching entries get an explanatory message."""
    message = validate_origin_pattern(pattern)
    assert message is not None
    assert fragment in message


@pytest.mark.parametrize(
    ("url", "pattern", "expected"),
    [
        ("myapp://cb/a", "myapp://cb/a/**", True),
        ("myapp://cb/a/b/c", "myapp://cb/a/**", True),
        ("myapp://cb/ab", "myapp://cb/a/**", True),  # BA quirk: separator optional
        ("myapp://cb/b", "myapp://cb/a/**", False),
        ("myapp://cb/a/x/y/z", "myapp://cb/a/**/z", True),
        ("myapp://cb/a/z", "myapp://cb/a/**/z", True),
        ("myapp://cb/a/x/y", "myapp://cb/a/**/z", False),
        ("myapp://cb/a", "myapp://cb/?", True),
        ("myapp://cb/ab", "myapp://cb/?", False),
        ("myapp://cb/a*b", "myapp://cb/a\\*b", True),
        ("myapp://cb/axb", "myapp://cb/a\\*b", False),
    ],
)
def test_ba_glob_dialect_on_custom_scheme_paths(
    url: str, pattern: str, expected: bool
) -> None:
    """Better Auth globs: ``**`` spans segments, ``?`` is one char, ``\\`` escapes."""
    assert matches_origin_pattern(url, pattern) is expected


def test_glob_matching_time_is_linear_in_the_input() -> None:
    """Many-star patterns against a huge Origin finish fast (no ReDoS).

    A backtracking regex takes minutes here; the automaton takes milliseconds.
    """
    started = time.monotonic()
    origin = "https://" + "a." * 3000 + "evil.test"
    assert not matches_origin_pattern(origin, "https://*.*.*.*.*.*.example.com")
    assert not matches_origin_pattern(origin, "*.*.*.*.*.*.example.com")
    path = "myapp://cb/" + "x/" * 3000 + "c"
    assert not matches_origin_pattern(path, "myapp://cb/**/*/**/*/b")
    assert time.monotonic() - started < 2
