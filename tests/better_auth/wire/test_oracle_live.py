"""The oracle's own recorder, run against this server and against the oracle.

``record.mjs`` (shared/oracle) is the script that recorded the golden core
transcript. Pointed at a live Django server it records the same 56 exchanges,
so the two recordings can be compared case by case after dropping what
``transcript.py`` lists as skipped or legitimately different.

Needs Node and a running oracle: ``ORACLE_URL=http://127.0.0.1:3100`` (any
port). ``ORACLE_RECORDER`` may point at ``record.mjs``; by default it is
looked up in the ``shared/oracle`` folder beside the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from .transcript import DATA, load, normalise

pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not os.environ.get("ORACLE_URL"), reason="ORACLE_URL is not set"
    ),
]

REPO = Path(__file__).resolve().parents[3]


def _recorder() -> Path:
    configured = os.environ.get("ORACLE_RECORDER")
    path = Path(configured) if configured else REPO.parent / "shared/oracle/record.mjs"
    if not path.is_file():
        pytest.skip(f"record.mjs not found at {path}")
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    return path


def _record(base_url: str, out: Path) -> list[dict[str, Any]]:
    """Run record.mjs against ``base_url``; unexpected statuses are not fatal."""
    done = subprocess.run(
        ["node", str(_recorder()), base_url, str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.is_file(), f"record.mjs wrote nothing:\n{done.stdout}\n{done.stderr}"
    return load(out)


def _differences(oracle: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    lines = []
    for case in oracle.keys() | ours.keys():
        if oracle.get(case) != ours.get(case):
            lines.append(
                f"{case}\n  oracle: {json.dumps(oracle.get(case))[:800]}"
                f"\n  ours:   {json.dumps(ours.get(case))[:800]}"
            )
    return sorted(lines)


@pytest.fixture
def oracle_recording(tmp_path: Path) -> dict[str, Any]:
    base = os.environ["ORACLE_URL"].rstrip("/")
    return normalise(_record(base, tmp_path / "oracle.jsonl"), base)


def test_recorder_against_this_server_matches_the_oracle(
    live_server: Any,
    transactional_db: None,
    better_auth_settings: Any,
    oracle_recording: dict[str, Any],
    tmp_path: Path,
) -> None:
    """Every core exchange record.mjs makes gets the oracle's response here."""
    base = live_server.url.rstrip("/")
    better_auth_settings(BASE_URL=base)
    ours = normalise(_record(base, tmp_path / "ours.jsonl"), base)
    assert not _differences(oracle_recording, ours), "\n".join(
        _differences(oracle_recording, ours)
    )


def test_vendored_transcript_is_what_the_oracle_records(
    oracle_recording: dict[str, Any],
) -> None:
    """data/core.jsonl is still what the running oracle answers."""
    vendored = normalise(load(DATA), "http://127.0.0.1:3100")
    assert not _differences(vendored, oracle_recording), "\n".join(
        _differences(vendored, oracle_recording)
    )
