"""Fixtures for the interop tests: an SMSC not written in this project (node-smpp) as a subprocess.

Needs ``node`` and ``tests/interop/node/node_modules/smpp`` (``npm ci --prefix tests/interop/node``;
``make test`` does it). Without them the tests are skipped, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).parent / "node"
SMSC_JS = NODE_DIR / "smsc.js"
START_TIMEOUT = 10.0


def _missing() -> str | None:
    """Why the node SMSC cannot run here, or None."""
    if shutil.which("node") is None:
        return "`node` is not on PATH (install Node.js >= 18)"
    if not (NODE_DIR / "node_modules" / "smpp" / "package.json").is_file():
        return (
            "tests/interop/node/node_modules/smpp is missing: run "
            "`npm ci --prefix tests/interop/node --no-audit --no-fund` (or `make test`)"
        )
    return None


def require_node() -> None:
    """Skip the test when node-smpp cannot run, or fail it under CI=true."""
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"node SMSC interop test cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"node SMSC interop test skipped: {reason}")


@dataclass
class NodeSmsc:
    """A running ``node smsc.js``: its port and its journal (one JSON object a line)."""

    process: subprocess.Popen[bytes]
    port: int
    journal_path: Path

    def journal(self, event: str | None = None) -> list[dict[str, Any]]:
        if not self.journal_path.exists():
            return []
        lines = self.journal_path.read_text(encoding="utf-8").splitlines()
        entries = [json.loads(line) for line in lines if line.strip()]
        return [e for e in entries if event is None or e["event"] == event]

    def wait_for(self, event: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The journal's ``event`` entries once there are at least ``count`` (or at the deadline)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.journal(event)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def start_node_smsc(journal_path: Path, **options: str) -> NodeSmsc:
    """Start ``node smsc.js`` with ``--key=value`` options (underscores become dashes)."""
    args = ["node", str(SMSC_JS), f"--journal={journal_path}"]
    args += [f"--{key.replace('_', '-')}={value}" for key, value in options.items()]
    process = subprocess.Popen(
        args, cwd=NODE_DIR, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdout is not None and process.stderr is not None
    line = b""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + START_TIMEOUT
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                break
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                break
            line += chunk
    smsc = NodeSmsc(process, 0, journal_path)
    try:
        smsc.port = int(json.loads(line)["port"])
    except (ValueError, KeyError, TypeError):
        smsc.stop()
        raise RuntimeError(
            f"node smsc.js did not report its port (exit code {process.returncode}); stdout "
            f"{line[:200]!r}, stderr {process.stderr.read()[-2000:]!r}"
        ) from None
    return smsc


@contextlib.contextmanager
def _smsc_factory(directory: Path) -> Iterator[Callable[..., NodeSmsc]]:
    require_node()
    started: list[NodeSmsc] = []

    def start(**options: str) -> NodeSmsc:
        smsc = start_node_smsc(directory / f"journal-{len(started)}.jsonl", **options)
        started.append(smsc)
        return smsc

    try:
        yield start
    finally:
        for smsc in started:
            smsc.stop()


@pytest.fixture
def node_smsc(tmp_path: Path) -> Iterator[Callable[..., NodeSmsc]]:
    """A factory: ``node_smsc(password="pw", ...)`` starts an SMSC; all are stopped at teardown."""
    with _smsc_factory(tmp_path) as start:
        yield start


@pytest.fixture(scope="module")
def module_node_smsc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., NodeSmsc]]:
    """:func:`node_smsc` for module-scoped fixtures."""
    with _smsc_factory(tmp_path_factory.mktemp("node-smsc")) as start:
        yield start
