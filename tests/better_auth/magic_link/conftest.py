"""Fixtures of the magic-link tests: a recording sender."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from better_auth import clock

SENT: list[dict[str, Any]] = []


def record(**kwargs: Any) -> None:
    SENT.append(kwargs)


@pytest.fixture
def links(better_auth_settings: Any) -> list[dict[str, Any]]:
    SENT.clear()
    better_auth_settings(
        MAGIC_LINK={"SEND_MAGIC_LINK": "tests.better_auth.magic_link.conftest.record"}
    )
    return SENT


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    with clock.freeze():
        yield


def verify_path(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return parts.path, query
