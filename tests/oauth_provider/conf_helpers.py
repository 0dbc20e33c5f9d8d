"""Helpers for the OAuth provider tests: the recorded oracle transcript.

``data/oauth.jsonl`` is a copy of the transcript recorded from the real
Better Auth 1.7.25 server with openid-client (the oracle's ``rp.mjs``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

TRANSCRIPT = Path(__file__).resolve().parent / "data" / "oauth.jsonl"


@lru_cache(maxsize=1)
def _cases() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for line in TRANSCRIPT.read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            out[entry["case"]] = entry
    return out


def transcript_case(name: str) -> dict[str, Any]:
    """One recorded exchange of ``oauth.jsonl`` by its case name."""
    return _cases()[name]
