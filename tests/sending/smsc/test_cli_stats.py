"""``dunning smsc --stats``: counters written on SIGUSR1 and on SIGTERM (the benchmark reads them)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dunning.sending.providers.smpp import pdu as P

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="POSIX signals")


def _wait_for(path: Path) -> dict[str, object]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists():  # written atomically (rename): complete once it exists
            data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
            return data
        time.sleep(0.02)
    raise AssertionError("no stats written")


def test_stats_on_sigusr1_and_on_sigterm(tmp_path: Path) -> None:
    stats = tmp_path / "stats.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from dunning.cli.main import app; app()",
            "smsc",
            "--port",
            "0",
            "--tps",
            "0.5",
            "--tps-burst",
            "1",
            "--tps-scope",
            "account",
            "--receipts",
            "never",
            "--stats",
            str(stats),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert proc.stdout is not None
        port = int(re.search(r"127\.0\.0\.1:(\d+)", proc.stdout.readline()).group(1))  # type: ignore[union-attr]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(P.encode(P.BindTransceiver(sequence=1, system_id="a", password="b")))
            for seq in (2, 3):
                sock.sendall(P.encode(P.SubmitSm(sequence=seq, destination_addr="1", short_message=b"x")))
            reader, got = P.PduReader(), []
            while len(got) < 3:
                got += [P.decode(f) for f in reader.feed(sock.recv(4096))]
        assert [g.command_status for g in got[1:]] == [0, P.Status.ESME_RTHROTTLED]
        proc.send_signal(signal.SIGUSR1)
        snap = _wait_for(stats)
        assert snap["stats"] == {"binds": 1, "accepted": 1, "throttled": 1}
        assert snap["tps_scope"] == "account" and snap["tps_burst"] == 1
        stats.unlink()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        final = _wait_for(stats)
        assert sum(final["accepted_per_second"].values()) == 1  # type: ignore[attr-defined]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
