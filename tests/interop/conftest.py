"""Fixtures that run the JavaScript interop flows against a live Django server.

The flows in this folder use Better Auth's own npm client (``better-auth``
1.7.25, pinned in package.json) and a real Chromium, so they prove wire
compatibility with the code Better Auth ships rather than with a Python
imitation of it. Each flow prints one JSON object per line and exits 0 only
when every step passed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
INSTALL_HINT = "npm ci --prefix tests/interop"


def in_ci() -> bool:
    """Tell whether the run is a CI run, where nothing may be skipped quietly."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@dataclass
class FlowResult:
    """Outcome of one node flow: exit code, parsed JSON lines and raw output."""

    command: list[str]
    returncode: int | None
    lines: list[Any] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False

    @property
    def steps(self) -> list[dict[str, Any]]:
        return [
            line
            for line in self.lines
            if isinstance(line, dict) and "step" in line and not line.get("summary")
        ]

    @property
    def summary(self) -> dict[str, Any] | None:
        for line in reversed(self.lines):
            if isinstance(line, dict) and line.get("summary"):
                return line
        return None

    def report(self) -> str:
        """Render the run for a failure message: failing steps first, then all."""
        head = " ".join(self.command)
        if self.timed_out:
            status = "timed out"
        else:
            status = f"exited with {self.returncode}"
        out = [f"{head} {status}"]
        failed = [step for step in self.steps if not step.get("ok")]
        if failed:
            out.append(f"{len(failed)} failed step(s):")
            out.extend("  " + json.dumps(step, sort_keys=True) for step in failed)
        out.append("all output lines:")
        out.extend(
            "  " + (line if isinstance(line, str) else json.dumps(line, sort_keys=True))
            for line in self.lines
        )
        if self.stderr.strip():
            out.append("stderr:")
            out.append(self.stderr.strip()[-4000:])
        return "\n".join(out)


def _parse(stdout: str) -> list[Any]:
    lines: list[Any] = []
    for raw in stdout.splitlines():
        raw = raw.strip()
        if not raw:
            continue
        try:
            lines.append(json.loads(raw))
        except ValueError:
            lines.append(raw)
    return lines


def _text(value: str | bytes | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


@pytest.fixture
def run_flow() -> Callable[..., FlowResult]:
    """Return a runner for ``node tests/interop/<script> <args...>``.

    Fails the test, with the command to run, when node or the npm
    dependencies are missing: a skipped interop test would hide exactly the
    incompatibility it exists to catch.
    """
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node (Node.js 20+) is not on PATH; install it to run interop tests"
        )
    if not (NODE_MODULES / "better-auth").is_dir():
        pytest.fail(
            f"{NODE_MODULES} is missing its npm dependencies; run "
            f"`{INSTALL_HINT}` from the repository root (./scripts/test does it)"
        )

    def run(script: str, *args: str, timeout: float = 120) -> FlowResult:
        command = [node, str(HERE / script), *args]
        env = {**os.environ, "NO_COLOR": "1"}
        try:
            done = subprocess.run(
                command,
                cwd=HERE,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as expired:
            stdout = _text(expired.stdout)
            return FlowResult(
                command,
                None,
                _parse(stdout),
                stdout,
                _text(expired.stderr),
                timed_out=True,
            )
        return FlowResult(
            command, done.returncode, _parse(done.stdout), done.stdout, done.stderr
        )

    return run


@pytest.fixture
def auth_server(live_server: Any, better_auth_settings: Callable[..., None]) -> str:
    """Return the URL of a live server whose BASE_URL is that very URL.

    Better Auth trusts the origin of its base URL, so the clients' Origin
    header (the live server's own origin) passes the origin check exactly
    as it does for a same-origin deployment.
    """
    better_auth_settings(BASE_URL=live_server.url)
    return str(live_server.url)
