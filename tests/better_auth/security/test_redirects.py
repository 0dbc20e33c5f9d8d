"""Redirect-target validation: callbackURL and friends (§6.1, RFC 9700 §4.11)."""

from __future__ import annotations

import pytest

from better_auth.security.redirects import (
    SAFE_RELATIVE_PATH,
    is_allowed_redirect,
    is_safe_relative_path,
)

TRUSTED = ["https://app.example.test", "https://*.example.com", "myapp://callback"]


def test_safe_relative_path_regex_is_better_auths() -> None:
    """The regex text is Better Auth's, with ``\\w`` kept to ASCII."""
    assert SAFE_RELATIVE_PATH.pattern == (
        r"^/(?!/|\\|%2f|%5c)[\w\-.+/@]*(\?[\w\-.+/=&%@]*)?$"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://evil.test/", False),  # (a)
        ("//evil.test/", False),  # (b)
        ("/dashboard?tab=1", True),  # (c)
        ("javascript:alert(1)", False),  # (d)
    ],
)
def test_case_64_plain_open_redirect_forms(value: str, expected: bool) -> None:
    """Case 64: absolute foreign, protocol-relative and script URLs are refused."""
    assert is_allowed_redirect(value, TRUSTED) is expected


@pytest.mark.parametrize("patterns", [["*.example.com"], ["https://*.example.com"]])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("malicious.test?.example.com", False),
        ("https://evil.test/.example.com", False),
        ("https://evil.test#.example.com", False),
        ("https://a.example.com.evil.test/", False),
        ("https://a.example.com/dashboard", True),
    ],
)
def test_case_63_callback_against_wildcards(
    patterns: list[str], value: str, expected: bool
) -> None:
    """Case 63: the callback host is parsed; no scheme means no match."""
    assert is_allowed_redirect(value, patterns) is expected


@pytest.mark.parametrize(
    "value",
    [
        "/",
        "/dashboard",
        "/a/b/c",
        "/user@home",
        "/a-b_c.d+e",
        "/dashboard?tab=1",
        "/cb?next=/x&y=%2F",
        "/cb?",
        "/DASHBOARD",
    ],
)
def test_spec_6_1_safe_relative_paths_are_accepted(value: str) -> None:
    """§6.1: same-origin paths of the permitted characters are accepted."""
    assert is_safe_relative_path(value) is True
    assert is_allowed_redirect(value, []) is True


@pytest.mark.parametrize(
    "value",
    [
        "//evil.test",  # protocol-relative
        "///evil.test",
        "/\\evil.test",  # backslash read as slash by browsers
        "/\\/evil.test",
        "\\\\evil.test",
        "\\/evil.test",
        "/%2f%2fevil.test",  # encoded protocol-relative
        "/%2F%2Fevil.test",
        "/%5cevil.test",
        "/%5Cevil.test",
        "/%2e%2e/x",  # no percent in the path at all
        "/\tevil.test",
        "/\n/evil.test",
        "/dashboard\n",  # "$" alone would accept a trailing newline
        "/dash\x00board",
        "/dashboard#frag",
        "/a:b",
        "/~user",
        "/a,b",
        "/a b",
        "/ｅvil",  # non-ASCII word character
        "/cb?x=a b",
        "/cb?x=#",
        " /dashboard",
        "dashboard",
        "",
    ],
)
def test_spec_6_1_unsafe_relative_paths_are_refused(value: str) -> None:
    """§6.1: anything but ``/`` + safe characters is refused as a path."""
    assert is_safe_relative_path(value) is False
    assert is_allowed_redirect(value, ["*"]) is False


@pytest.mark.parametrize(
    "value",
    [
        "https://app.example.test",
        "https://app.example.test/",
        "https://app.example.test/cb?x=1#y",
        "HTTPS://APP.EXAMPLE.TEST/cb",
        "https://app.example.test:443/cb",
        "https://a.example.com/dashboard",
        "myapp://callback",
        "myapp://callback/done",
    ],
)
def test_trusted_absolute_targets_are_accepted(value: str) -> None:
    """Absolute URLs whose origin a trusted pattern covers are accepted."""
    assert is_allowed_redirect(value, TRUSTED) is True


@pytest.mark.parametrize(
    "value",
    [
        "https://app.example.test@evil.test",  # userinfo: real host is evil
        "https://app.example.test:443@evil.test/",
        "https://evil.test@app.example.test/",  # userinfo refused outright
        "https://user:pass@app.example.test/",
        "https://app.example.test\\@evil.test",  # backslash in authority
        "https://evil.test\\@app.example.test",
        "https://app.example.test/\\evil",
        "https:\\\\app.example.test",
        "https:/app.example.test",
        "https:app.example.test",
        "https:///evil.test",
        " https://app.example.test",
        "\thttps://app.example.test",
        "https://app.example.test\n",
        "https://app.exa\tmple.test",
        "https://app.example.test\r\nSet-Cookie:x=y",
        "https://app.example.test/\x7f",
        "https://app.example.test/\u0085",
        "https://app.example.test/\u3000",
        "java\tscript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "javascript://app.example.test/%0aalert(1)",
        "data:text/html,x",
        "vbscript:x",
        "https://app.example.test.evil.test",
        "https://evil.test/https://app.example.test",
        "https://evil.test?https://app.example.test",
        "http://app.example.test",  # scheme differs
        "myapp://callback.evil.test",
        "myapp://callbackevil",
        "https://app%2eexample.test",
        "https://0x7f.1",
    ],
)
def test_open_redirect_variants_are_refused(value: str) -> None:
    """Userinfo, backslash, control-character and encoded tricks are refused."""
    assert is_allowed_redirect(value, TRUSTED) is False


@pytest.mark.parametrize("value", [None, 1, ["/x"], {"url": "/x"}, b"/x"])
def test_non_string_values_are_refused(value: object) -> None:
    """A non-string callback value is never a target (caller reports 400)."""
    assert is_allowed_redirect(value, TRUSTED) is False  # type: ignore[arg-type]
    assert is_safe_relative_path(value) is False  # type: ignore[arg-type]
