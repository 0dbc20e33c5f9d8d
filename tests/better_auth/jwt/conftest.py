"""Fixtures of the JWT plugin tests: a clean key store for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_keys() -> Iterator[None]:
    from better_auth import keys
    from better_auth.plugins.jwt.verification import clear_cache

    keys.reset_cache()
    clear_cache()
    yield
    keys.reset_cache()
    clear_cache()
