"""The C-encoder fast path of ``js_json_stringify`` writes what the general one does.

Better Auth signs ``JSON.stringify`` output, so one differing byte breaks every
cookie-cache MAC; the general member-by-member serialiser is the reference
(checked against Node in test_cookie_cache.py), and the fast path must agree
with it on every value it accepts.
"""

from __future__ import annotations

import random
from typing import Any

from better_auth.cookie_cache import _stringify, js_json_stringify

_ALPHABET = [chr(c) for c in range(0, 0x80)] + [
    "é",
    "ß",
    "日",
    "😀",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ud800",
    "\udfff",
]


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 12)))


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randint(0, 7 if depth < 3 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 7, 2**53 - 1, -(2**53) + 1, 2**53, 10**20])
    if kind in (3, 4):
        return _text(rng)
    if kind == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = [_text(rng) or "k" for _ in range(rng.randint(0, 5))]
    if rng.random() < 0.2:
        keys.append(str(rng.randint(0, 50)))
    return {key: _value(rng, depth + 1) for key in keys}


def test_fast_path_matches_the_general_serialiser() -> None:
    rng = random.Random(20261203)
    for _ in range(3000):
        value = _value(rng)
        assert js_json_stringify(value) == _stringify(value), repr(value)


def test_session_shaped_payloads_take_the_same_bytes() -> None:
    payload = {
        "session": {"token": "abc", "expiresAt": "2026-12-03T10:00:00.000Z"},
        "user": {
            "name": 'Zoë "Q" \\ \t 😀 \u2028',
            "emailVerified": False,
            "image": None,
        },
        "updatedAt": 1764756000000,
        "version": "1",
    }
    assert js_json_stringify(payload) == _stringify(payload)
