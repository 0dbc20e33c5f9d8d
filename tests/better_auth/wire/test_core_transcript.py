"""Replay of the golden Better Auth 1.7.25 core transcript against this server.

Each test replays the transcript from its first exchange up to one case, in
order and with the recorded headers and bodies, then compares that case's
response: status, JSON field names (in order) and value types, literal
values, exact error ``code`` and ``message``, Set-Cookie names and
attributes, and the ``content-type`` / ``cache-control`` / ``pragma``
headers. Placeholders in the transcript stand for "a string", and one
placeholder must always stand for the same value: ``<id#1>`` in a session's
``userId`` is the user's ``id``, ``<token#3>`` in a later Cookie header is
the token this server issued. ``BASE_URL`` is the oracle's
``http://127.0.0.1:3100`` so that the recorded ``Origin`` headers are trusted
as they were there.
"""

from __future__ import annotations

import json
import re
import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from .transcript import (
    EXCHANGES,
    EXTRA_COOKIES,
    EXTRA_EXPOSED_HEADERS,
    EXTRA_FIELDS,
    ISO_DATE,
    ORACLE_ORIGIN,
    PLACEHOLDER,
    STATUS_ONLY,
    VALUE_MAY_DIFFER,
    parse_set_cookie,
    skip_reason,
)

# Response headers compared whenever either side sends them.
COMPARED_HEADERS = (
    "content-type",
    "cache-control",
    "pragma",
    "location",
    "www-authenticate",
    "x-retry-after",
    "set-auth-jwt",
    "access-control-expose-headers",
)


class Replay:
    """Sends transcript requests and matches responses, binding placeholders."""

    def __init__(self) -> None:
        self.client = Client()
        self.run = secrets.token_hex(3)
        self.bound: dict[str, str] = {}
        self.owner: dict[str, str] = {}
        # Cookies this server set, by name (what a browser jar would hold).
        self.jar: dict[str, str] = {}

    # -- placeholders -------------------------------------------------------

    def value_for(self, placeholder: str) -> str:
        """The concrete value of a request placeholder, generating inputs."""
        if placeholder in self.bound:
            return self.bound[placeholder]
        kind, number = PLACEHOLDER.fullmatch(placeholder).groups()  # type: ignore[union-attr]
        if kind == "run":
            value = self.run
        elif kind == "email":
            value = f"user{number}-{self.run}@example.com"
        elif kind == "slug":
            value = f"org{number}-{self.run}"
        elif kind == "email_upper":
            value = self.value_for(f"<email#{number}>").upper()
        else:
            raise AssertionError(f"{placeholder} is used before the server issued it")
        self.bind(placeholder, value)
        return value

    def bind(self, placeholder: str, value: str) -> str | None:
        """Record ``placeholder = value``; describe a broken relation, if any."""
        known = self.bound.get(placeholder)
        if known is not None and known != value:
            return f"{placeholder} was {known!r} before, now {value!r}"
        owner = self.owner.get(value)
        if owner is not None and owner != placeholder:
            return f"{value!r} is {owner} already, transcript says {placeholder}"
        self.bound[placeholder] = value
        self.owner[value] = placeholder
        return None

    def fill(self, value: Any) -> Any:
        """Substitute placeholders in a request value (recursively)."""
        if isinstance(value, str):
            return PLACEHOLDER.sub(lambda m: self.value_for(m.group(0)), value)
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        if isinstance(value, dict):
            return {k: self.fill(v) for k, v in value.items()}
        return value

    # -- requests -----------------------------------------------------------

    def send(self, exchange: dict[str, Any]) -> Any:
        request = exchange["request"]
        headers = {k: self.fill(v) for k, v in request["headers"].items()}
        content_type = headers.pop("content-type", None)
        if "body" in request:
            data: str = json.dumps(self.fill(request["body"]), separators=(",", ":"))
        elif "body_form" in request:
            data = urlencode(self.fill(request["body_form"]))
        else:
            data = self.fill(request.get("body_raw", ""))
        path = self.fill(request["path"])
        if request.get("query"):
            path += "?" + urlencode(self.fill(request["query"]))
        # Exactly the recorded Cookie header, never the client's own jar.
        self.client.cookies = SimpleCookie()
        response = self.client.generic(
            request["method"],
            path,
            data=data,
            content_type=content_type or "application/octet-stream",
            headers=headers,
        )
        self.learn_cookies(response)
        return response

    def learn_cookies(self, response: Any) -> None:
        for morsel in response.cookies.values():
            if morsel.value and morsel.get("max-age") != 0:
                self.jar[morsel.key] = morsel.coded_value
            else:
                self.jar.pop(morsel.key, None)

    # -- comparison ---------------------------------------------------------

    def compare(self, exchange: dict[str, Any], response: Any) -> list[str]:
        expected = exchange["response"]
        problems: list[str] = []
        if response.status_code != expected["status"]:
            problems.append(
                f"status {response.status_code}, expected {expected['status']}"
            )
        if exchange["case"] in STATUS_ONLY:
            return problems
        problems += self.compare_headers(expected["headers"], response)
        problems += self.compare_cookies(expected["set_cookies"], response)
        content = response.content
        if "body" in expected:
            try:
                actual = json.loads(content)
            except ValueError:
                return [*problems, f"body is not JSON: {content[:200]!r}"]
            problems += self.match(expected["body"], actual, "body")
        elif "body_text" in expected:
            if content.decode() != expected["body_text"]:
                problems.append(f"body {content[:200]!r}, expected text")
        elif content:
            problems.append(f"body {content[:200]!r}, expected none")
        return problems

    def compare_headers(self, expected: dict[str, str], response: Any) -> list[str]:
        problems = []
        for name in COMPARED_HEADERS:
            if skip_reason(f"header:{name}"):
                continue
            want, got = expected.get(name), response.headers.get(name)
            if name == "access-control-expose-headers" and got is not None:
                kept = [
                    n.strip()
                    for n in got.split(",")
                    if n.strip() and n.strip() not in EXTRA_EXPOSED_HEADERS
                ]
                got = ", ".join(kept) or None
            if want is None and got is None:
                continue
            if want is None or got is None:
                problems.append(f"header {name}: {got!r}, expected {want!r}")
            else:
                problems += self.match(want, got, f"header {name}")
        return problems

    def compare_cookies(
        self, expected: list[dict[str, Any]], response: Any
    ) -> list[str]:
        actual = [
            parse_set_cookie(m.OutputString())
            for m in response.cookies.values()
            if not any(mark in m.key for mark in EXTRA_COOKIES)
        ]
        names = [c["name"] for c in actual]
        wanted = [c["name"] for c in expected]
        if names != wanted:
            return [f"Set-Cookie names {names}, expected {wanted}"]
        problems = []
        for want, got in zip(expected, actual, strict=True):
            where = f"Set-Cookie {want['name']}"
            if got["attrs"] != want["attrs"]:
                problems.append(
                    f"{where} attributes {got['attrs']}, expected {want['attrs']}"
                )
            value = want["value"]
            if value and "." in value and PLACEHOLDER.search(value):
                # "<token#n>.<cookiesig#m>": the wire form, split at the last dot.
                head, _, sig = got["value"].rpartition(".")
                want_head, _, want_sig = value.rpartition(".")
                problems += self.match(want_head, head, where + " value")
                problems += self.match(want_sig, sig, where + " signature")
            else:
                problems += self.match(value, got["value"], where + " value")
        return problems

    def match(self, expected: Any, actual: Any, where: str) -> list[str]:
        """Compare a recorded JSON value with ours, binding placeholders."""
        if isinstance(expected, dict):
            if not isinstance(actual, dict):
                return [f"{where}: {type(actual).__name__}, expected object"]
            keys = [k for k in expected if not skip_reason(f"field:{k}")]
            # A plugin-only field is ignored where the oracle did not send it
            # ("role" is the admin plugin's on users, core on members).
            got = [k for k in actual if k not in EXTRA_FIELDS or k in expected]
            if got != keys:
                return [f"{where}: keys {got}, expected {keys}"]
            problems = []
            for key in keys:
                sub = f"{where}.{key}"
                if key in VALUE_MAY_DIFFER and isinstance(expected[key], str):
                    if not isinstance(actual[key], str):
                        problems.append(f"{sub}: {actual[key]!r}, expected a string")
                    continue
                problems += self.match(expected[key], actual[key], sub)
            return problems
        if isinstance(expected, list):
            if not isinstance(actual, list) or len(actual) != len(expected):
                return [f"{where}: {actual!r}, expected {len(expected)} items"]
            problems = []
            for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
                problems += self.match(want, got, f"{where}[{index}]")
            return problems
        if isinstance(expected, str):
            if not isinstance(actual, str):
                return [f"{where}: {actual!r}, expected a string"]
            return self.match_string(expected, actual, where)
        if type(actual) is not type(expected) or actual != expected:
            return [f"{where}: {actual!r}, expected {expected!r}"]
        return []

    # Placeholders that stand for any value of a shape, never bound to a name;
    # a subclass adds its own (the OAuth replay's ``<epoch>``).
    SHAPES: dict[str, re.Pattern[str]] = {"<date>": ISO_DATE}
    _split: re.Pattern[str] | None = None

    @classmethod
    def _splitter(cls) -> re.Pattern[str]:
        """Bound placeholders (``<email#1>``) and the shapes, compiled once."""
        if cls.__dict__.get("_split") is None:
            shapes = "|".join(re.escape(name) for name in cls.SHAPES)
            cls._split = re.compile(rf"(<[a-z_]+#\d+>|{shapes})")
        return cls._split

    def match_string(self, expected: str, actual: str, where: str) -> list[str]:
        parts = self._splitter().split(expected)
        if len(parts) == 1:
            return (
                []
                if actual == expected
                else [f"{where}: {actual!r}, expected {expected!r}"]
            )
        pattern, names = "", []
        for index, part in enumerate(parts):
            if index % 2 == 0:
                pattern += re.escape(part)
            elif part in self.SHAPES:
                pattern += f"({self.SHAPES[part].pattern})"
                names.append(None)
            elif part in self.bound:
                pattern += f"({re.escape(self.bound[part])})"
                names.append(part)
            else:
                pattern += "(.+?)"
                names.append(part)
        found = re.fullmatch(pattern, actual, re.DOTALL)
        if found is None:
            return [f"{where}: {actual!r} does not fit {expected!r}"]
        problems = []
        for name, value in zip(names, found.groups(), strict=True):
            if name is not None:
                problem = self.bind(name, value)
                if problem:
                    problems.append(f"{where}: {problem}")
        return problems


def _params() -> list[Any]:
    params = []
    for index, exchange in enumerate(EXCHANGES):
        reason = skip_reason(f"case:{exchange['case']}")
        marks = [pytest.mark.skip(reason=reason)] if reason else []
        params.append(pytest.param(index, id=exchange["case"], marks=marks))
    return params


@pytest.fixture
def oracle_base_url(better_auth_settings: Any) -> None:
    better_auth_settings(BASE_URL=ORACLE_ORIGIN)


@pytest.mark.parametrize("index", _params())
def test_core_exchange_matches_better_auth(
    index: int, db: None, oracle_base_url: None
) -> None:
    """The response to this exchange, after all earlier ones, is Better Auth's."""
    replay = Replay()
    for earlier in EXCHANGES[:index]:
        if skip_reason(f"case:{earlier['case']}"):
            continue
        replay.compare(earlier, replay.send(earlier))
    exchange = EXCHANGES[index]
    problems = replay.compare(exchange, replay.send(exchange))
    assert not problems, f"{exchange['case']}:\n  " + "\n  ".join(problems)


def test_transcript_covers_every_core_case() -> None:
    """The vendored transcript is the full 56-exchange core recording."""
    cases = [e["case"] for e in EXCHANGES]
    assert len(cases) == 56 and len(set(cases)) == 56
    assert cases[0] == "ok" and cases[-1] == "scim/create-user"
