"""Trusted-origin matching with Better Auth 1.7 ``matchesOriginPattern`` rules.

The origin check (CSRF) and every client-supplied redirect target are judged
here, so both agree on what "trusted" means. Pattern kinds:

* ``https://*.example.com`` (wildcard with a scheme) is a glob against the
  URL's serialised origin;
* ``*.example.com`` (wildcard without a scheme) is a glob against the URL's
  host including its port;
* ``https://app.example.com`` is exact equality with the URL's origin, so an
  entry with a path or a trailing slash never matches;
* ``myapp://callback`` and other custom schemes are parsed as strings: the
  schemes must agree, a pattern authority must equal the URL authority, and a
  pattern path must equal or be a segment prefix of the URL path.

Globs follow Better Auth's wildcard dialect: ``*`` is any run of characters
except ``/``, ``?`` is one such character and a ``**`` segment crosses ``/``.

URLs are parsed strictly: anything a browser could read differently from this
module (control characters, whitespace, percent-encoded or non-ASCII hosts,
non-canonical IPv4 spellings, ``https:host`` without slashes) is treated as
untrusted rather than guessed at (WHATWG URL Standard, "host parsing").
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import unquote

__all__ = [
    "HttpURL",
    "is_trusted_origin",
    "matches_origin_pattern",
    "origin_of",
    "parse_http_url",
    "validate_origin_pattern",
]

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# C0 controls, space, DEL and C1 controls: WHATWG strips or drops some of
# these before parsing, which would let a value mean two different things.
_UNSAFE_CHAR_RE = re.compile(r"[\x00-\x20\x7f-\x9f]")
_HOST_RE = re.compile(r"[a-z0-9_\-.]+")
_NUMERIC_LABEL_RE = re.compile(r"[0-9]+|0x[0-9a-f]*")
_IP_WILDCARD_HOST_RE = re.compile(r"(?=.*\d)[\d*?.]+", re.ASCII)
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_NEVER_TRUSTED_SCHEMES = frozenset({"javascript", "data", "vbscript"})


class HttpURL(NamedTuple):
    """An absolute http(s) URL split the way a browser splits it."""

    scheme: str
    userinfo: str | None
    host: str
    port: str | None
    rest: str

    @property
    def origin(self) -> str:
        """Serialise the origin, omitting the scheme's default port."""
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{self.host}{port}"


def _scheme_of(value: str) -> str | None:
    match = _SCHEME_RE.match(value)
    return match.group(1).lower() if match else None


def _ipv6_text(address: ipaddress.IPv6Address) -> str:
    """Serialise like WHATWG: compress the first longest zero run, no dots."""
    groups = [f"{int(g, 16):x}" for g in address.exploded.split(":")]
    best_start, best_len, start = -1, 0, -1
    for index, group in enumerate([*groups, "x"]):
        if group == "0":
            start = index if start < 0 else start
            continue
        if start >= 0 and index - start > best_len:
            best_start, best_len = start, index - start
        start = -1
    if best_len < 2:
        return ":".join(groups)
    head = ":".join(groups[:best_start])
    tail = ":".join(groups[best_start + best_len :])
    return f"{head}::{tail}"


def _parse_host(raw: str) -> str | None:
    if raw.startswith("["):
        if not raw.endswith("]") or "%" in raw:
            return None
        try:
            return f"[{_ipv6_text(ipaddress.IPv6Address(raw[1:-1]))}]"
        except ValueError:
            return None
    host = raw.lower()
    if not _HOST_RE.fullmatch(host):
        return None
    labels = host.split(".")
    last = labels[-1] or (labels[-2] if len(labels) > 1 else "")
    if _NUMERIC_LABEL_RE.fullmatch(last):
        # WHATWG reads a host ending in a number as IPv4 and rewrites odd
        # spellings (0x7f.1 becomes 127.0.0.1); only the canonical form is
        # accepted so that no rewriting is ever needed to compare it.
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return None
    return host


def parse_http_url(url: str) -> HttpURL | None:
    """Split an absolute ``http``/``https`` URL, or return ``None``.

    Only ``scheme://authority`` forms are accepted; the authority ends at the
    first ``/``, ``\\``, ``?`` or ``#`` and userinfo ends at the last ``@``,
    as in the WHATWG "authority state". The host is lower-cased, an IPv6
    literal is serialised canonically and the default port is dropped.
    """
    if not isinstance(url, str) or _UNSAFE_CHAR_RE.search(url):
        return None
    scheme = _scheme_of(url)
    if scheme not in _DEFAULT_PORTS:
        return None
    rest = url[len(scheme) + 1 :]
    if not rest.startswith("//"):
        return None
    rest = rest[2:]
    end = min((i for i in map(rest.find, "/\\?#") if i >= 0), default=len(rest))
    authority, rest = rest[:end], rest[end:]
    userinfo = None
    if "@" in authority:
        userinfo, _, authority = authority.rpartition("@")
    if authority.startswith("["):
        close = authority.find("]")
        raw_host, port_part = authority[: close + 1], authority[close + 1 :]
        if close < 0 or (port_part and not port_part.startswith(":")):
            return None
        port = port_part[1:] if port_part else ""
    else:
        raw_host, _, port = authority.partition(":")
    host = _parse_host(raw_host)
    if host is None or (port and not (port.isdigit() and port.isascii())):
        return None
    if port:
        if int(port) > 65535:
            return None
        port = str(int(port))
    if port == _DEFAULT_PORTS[scheme]:
        port = ""
    return HttpURL(scheme, userinfo, host, port or None, rest)


def origin_of(url: str) -> str | None:
    """Return the serialised origin of an http(s) URL, else ``None``.

    Matches the WHATWG origin serialisation (lower-cased host, default port
    omitted). Custom schemes have an opaque origin and yield ``None``.
    """
    parsed = parse_http_url(url)
    return parsed.origin if parsed else None


# Glob tokens. Matching simulates the automaton directly (a set of live
# positions per input character) instead of compiling to a backtracking
# regex: "*.*.*.example.com" against a long attacker-chosen Origin would
# otherwise take polynomial time with a large exponent.
_LIT, _ONE, _STAR, _SEP, _SEPS, _DIRS, _DIRS_RUN, _ANY = range(8)
_SEPARATORS = "/\\"


@functools.lru_cache(maxsize=512)
def _glob(pattern: str) -> tuple[tuple[int, str], ...]:
    """Compile Better Auth's wildcard dialect (``/`` as the separator).

    Between segments one or more ``/`` (or ``\\``) are required; after the
    last segment they are optional. A ``**`` segment matches any number of
    whole segments (any text at all when it ends the pattern), so ``a/**``
    also matches ``a`` and ``ab``, as in Better Auth. ``\\`` escapes.
    """
    segments = pattern.split("/")
    tokens: list[tuple[int, str]] = []
    for index, segment in enumerate(segments):
        if not segment and index > 0:
            continue
        last = index == len(segments) - 1
        joiner = "" if not last and segments[index + 1] == "**" else "sep"
        if segment == "**":
            if joiner and last:
                tokens.append((_ANY, ""))
            elif joiner:
                tokens.extend([(_SEP, ""), (_SEPS, "")] if index else [])
                tokens.extend([(_DIRS, ""), (_DIRS_RUN, "")])
            continue
        chars = iter(segment)
        for char in chars:
            if char == "\\":
                escaped = next(chars, None)
                if escaped is not None:
                    tokens.append((_LIT, escaped))
            elif char in "?*":
                tokens.append((_ONE if char == "?" else _STAR, ""))
            else:
                tokens.append((_LIT, char))
        if joiner:
            tokens.extend([(_SEPS, "")] if last else [(_SEP, ""), (_SEPS, "")])
    return tuple(tokens)


def _closure(tokens: tuple[tuple[int, str], ...], states: set[int]) -> set[int]:
    """Add positions reachable without input (skippable tokens)."""
    stack, seen = list(states), set(states)
    while stack:
        state = stack.pop()
        if state >= len(tokens):
            continue
        kind = tokens[state][0]
        if kind in (_STAR, _SEPS, _ANY, _DIRS):
            target = state + (2 if kind == _DIRS else 1)
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def _glob_match(pattern: str, value: str) -> bool:
    tokens = _glob(pattern)
    states = _closure(tokens, {0})
    for char in value:
        is_sep = char in _SEPARATORS
        following: set[int] = set()
        for state in states:
            if state >= len(tokens):
                continue
            kind, literal = tokens[state]
            if kind == _LIT and char == literal:
                following.add(state + 1)
            elif kind in (_ONE, _SEP) and is_sep == (kind == _SEP):
                following.add(state + 1)
            elif kind == _STAR and not is_sep or kind == _SEPS and is_sep:
                following.add(state)
            elif kind == _ANY:
                following.add(state)
            elif kind == _DIRS:
                following.add(state if is_sep else state + 1)
            elif kind == _DIRS_RUN:
                following.add(state - 1 if is_sep else state)
        if not following:
            return False
        states = _closure(tokens, following)
    return len(tokens) in states


def _ipv4_host_allowed(pattern_authority: str, authority: str) -> bool:
    """Keep digit-only wildcard hosts (``192.168.*.*``) to IPv4 addresses.

    Better Auth 1.7: otherwise ``*`` would cross ``.`` and let
    ``192.168.attacker.test`` satisfy an address-range pattern.
    """
    if not _IP_WILDCARD_HOST_RE.fullmatch(pattern_authority.split(":")[0]):
        return True
    try:
        ipaddress.IPv4Address(authority.split(":")[0])
    except ValueError:
        return False
    return True


def _normalise_path(path: str) -> str:
    """Percent-decode and resolve dot segments; ``""`` for an empty/root path.

    Stops ``myapp://host/cb/../evil`` or ``/cb/%2e%2e/evil`` from satisfying a
    path-pinned pattern ``myapp://host/cb``.
    """
    if "%" in path and not re.search(r"%(?![0-9A-Fa-f]{2})", path):
        try:
            path = unquote(path, errors="strict")
        except UnicodeDecodeError:
            pass
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in (".", ""):
            segments.append(segment)
    return "/" + "/".join(segments) if segments else ""


# WHATWG "forbidden host code points": an opaque host holding one makes the
# whole URL unparsable, so Better Auth never trusts it.
_FORBIDDEN_OPAQUE_HOST_RE = re.compile(r"[\x00\t\n\r #/:<>?@\[\\\]^|]")


def _authority_parses(authority: str) -> bool:
    """Tell whether a non-special URL authority survives WHATWG parsing."""
    hostport = authority.rpartition("@")[2]
    if ("@" in authority and not hostport) or hostport.startswith(":"):
        return False  # WHATWG "host-missing"
    if hostport.startswith("["):
        close = hostport.find("]")
        host, port = hostport[1:close], hostport[close + 1 :]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        if port and not port.startswith(":"):
            return False
        port = port[1:]
    else:
        host, _, port = hostport.partition(":")
        if _FORBIDDEN_OPAQUE_HOST_RE.search(host):
            return False
    if not port:
        return True
    return port.isascii() and port.isdigit() and int(port) <= 65535


class _CustomURL(NamedTuple):
    scheme: str
    authority: str
    path: str


def _parse_custom(value: str, *, glob: bool = False) -> _CustomURL | None:
    """Split ``scheme:[//authority]path`` with plain string operations.

    No URL library is used: non-special schemes parse differently between
    engines, and the decision must not depend on which one is asked. In a
    glob pattern ``?`` is a wildcard, not the start of a query.
    """
    if _UNSAFE_CHAR_RE.search(value):
        return None
    colon = value.find(":")
    if colon <= 0:
        return None
    scheme, rest = value[:colon].lower(), value[colon + 1 :]
    enders = "/#" if glob else "/?#"
    authority = ""
    if rest.startswith("//"):
        rest = rest[2:]
        end = min((i for i in map(rest.find, enders) if i >= 0), default=len(rest))
        authority, rest = rest[:end], rest[end:]
    end = min((i for i in map(rest.find, enders[1:]) if i >= 0), default=len(rest))
    return _CustomURL(scheme, authority.lower(), _normalise_path(rest[:end]))


def _host_of(url: str) -> str | None:
    """Return ``host[:port]`` of an absolute URL (WHATWG ``URL.host``)."""
    parsed = parse_http_url(url)
    if parsed is not None:
        port = f":{parsed.port}" if parsed.port else ""
        return f"{parsed.host}{port}"
    if _scheme_of(url) in _DEFAULT_PORTS:
        return None
    custom = _parse_custom(url) if _scheme_of(url) else None
    if custom is None or not custom.authority or "@" in custom.authority:
        return None
    return custom.authority if _authority_parses(custom.authority) else None


def _matches_custom(url: str, pattern: str, has_wildcard: bool) -> bool:
    parsed = _parse_custom(url)
    wanted = _parse_custom(pattern, glob=has_wildcard)
    if parsed is None or wanted is None or parsed.scheme != wanted.scheme:
        return False
    if not _authority_parses(parsed.authority):
        return False
    if has_wildcard:
        if "@" in parsed.authority:
            return False
        if wanted.authority and not (
            _glob_match(wanted.authority, parsed.authority)
            and _ipv4_host_allowed(wanted.authority, parsed.authority)
        ):
            return False
        return not wanted.path or _glob_match(wanted.path, parsed.path or "/")
    # Better Auth 1.7: an authority is compared whole, so ``myapp://callback``
    # does not trust ``myapp://callback.attacker.tld``.
    if wanted.authority and parsed.authority != wanted.authority:
        return False
    if not wanted.path:
        return True
    return parsed.path == wanted.path or parsed.path.startswith(wanted.path + "/")


def matches_origin_pattern(url: str, pattern: str) -> bool:
    """Tell whether ``url`` is covered by one trusted-origin ``pattern``.

    Implements Better Auth 1.7 ``matchesOriginPattern`` (see the module
    docstring). Relative paths never match here; ``is_trusted_origin``
    handles them. ``javascript:``, ``data:`` and ``vbscript:`` URLs never
    match, and a value without a scheme never satisfies any pattern.
    """
    if not url or not pattern or url.startswith("/"):
        return False
    scheme = _scheme_of(url)
    if scheme is None or scheme in _NEVER_TRUSTED_SCHEMES:
        return False
    has_wildcard = "*" in pattern or "?" in pattern
    if has_wildcard and "://" not in pattern:
        host = _host_of(url)
        return bool(host) and (
            _glob_match(pattern, host) and _ipv4_host_allowed(pattern, host)
        )
    if scheme in _DEFAULT_PORTS:
        origin = origin_of(url)
        if origin is None:
            return False
        if not has_wildcard:
            return pattern == origin
        return _glob_match(pattern, origin) and _ipv4_host_allowed(
            pattern.split("://", 1)[1], origin.split("://", 1)[1]
        )
    return _matches_custom(url, pattern, has_wildcard)


def is_trusted_origin(
    url: str, patterns: Iterable[str], *, allow_relative_paths: bool = False
) -> bool:
    """Tell whether ``url`` matches any trusted-origin pattern.

    With ``allow_relative_paths`` a same-origin path is accepted when it
    passes ``redirects.SAFE_RELATIVE_PATH`` (Better Auth callback checks);
    the Origin header check leaves it off. Empty patterns are ignored.
    """
    if not isinstance(url, str) or not url:
        return False
    if url.startswith("/"):
        if not allow_relative_paths:
            return False
        # Imported here: the redirect rules build on this module.
        from better_auth.security.redirects import is_safe_relative_path

        return is_safe_relative_path(url)
    return any(matches_origin_pattern(url, p) for p in patterns if p)


def validate_origin_pattern(pattern: str) -> str | None:
    """Describe why a ``trustedOrigins`` entry can never work, else ``None``.

    For system checks: catches entries Better Auth accepts but that silently
    never match, such as a path or trailing slash on an exact http(s) origin,
    an upper-case host, a default port, or a host given without a scheme.
    """
    if not isinstance(pattern, str) or not pattern:
        return "must be a non-empty string"
    if _UNSAFE_CHAR_RE.search(pattern) or any(c.isspace() for c in pattern):
        return f"{pattern!r} contains whitespace or control characters"
    if pattern.startswith("/"):
        return f"{pattern!r} is a path; give an origin such as https://example.com"
    has_wildcard = "*" in pattern or "?" in pattern
    if has_wildcard and "://" not in pattern:
        return _validate_host_glob(pattern)
    if "://" in pattern:
        scheme_part, authority_and_path = pattern.split("://", 1)
        if has_wildcard and ("*" in scheme_part or "?" in scheme_part):
            return _validate_origin_glob(pattern, authority_and_path)
        if _scheme_of(pattern) is None or ":" in scheme_part:
            return f"{pattern!r} has an invalid scheme"
    scheme = _scheme_of(pattern)
    if scheme is None:
        return (
            f"{pattern!r} has no scheme; write https://{pattern} or use a "
            "wildcard such as *.example.com"
        )
    if scheme in _NEVER_TRUSTED_SCHEMES:
        return f"{pattern!r} uses a scheme that is never trusted"
    if "://" not in pattern:
        after = pattern[len(scheme) + 1 :]
        if scheme in _DEFAULT_PORTS or (after.isdigit() and after.isascii()):
            return f"{pattern!r} is missing '//'; write it as scheme://host"
        return None
    if scheme not in _DEFAULT_PORTS:
        return None
    if has_wildcard:
        return _validate_origin_glob(pattern, authority_and_path)
    parsed = parse_http_url(pattern)
    if parsed is None or parsed.userinfo is not None:
        return f"{pattern!r} is not a valid http(s) origin"
    if parsed.rest:
        return f"{pattern!r} has a path or trailing slash; write {parsed.origin!r}"
    if parsed.origin != pattern:
        return f"{pattern!r} is not in canonical form; write {parsed.origin!r}"
    return None


def _validate_host_glob(pattern: str) -> str | None:
    if "/" in pattern:
        return f"{pattern!r} is a host pattern and cannot contain '/'"
    if pattern != pattern.lower():
        return f"{pattern!r} must be lower-case"
    return None


def _validate_origin_glob(pattern: str, authority_and_path: str) -> str | None:
    # The optional trailing separator of the glob makes "https://*.x.com/"
    # still match; anything after it can never match an origin.
    if authority_and_path.partition("/")[2]:
        return f"{pattern!r} has a path; an origin pattern cannot match one"
    if pattern != pattern.lower():
        return f"{pattern!r} must be lower-case"
    return None
