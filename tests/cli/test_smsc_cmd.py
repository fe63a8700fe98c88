"""``dunning smsc`` runs a real SMPP server on loopback that an SMPP client can bind to."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

from dunning.sending.providers.smpp.pdu import BindTransceiver, BindTransceiverResp, PduReader, decode, encode


def test_smsc_command_accepts_a_bind_on_loopback() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", "from dunning.cli.main import app; app()", "smsc", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))  # type: ignore[union-attr]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(encode(BindTransceiver(sequence=1, system_id="bank", password="pw")))
            reader = PduReader()
            frames: list[bytes] = []
            while not frames:
                frames = reader.feed(sock.recv(4096))
        answer = decode(frames[0])
        assert isinstance(answer, BindTransceiverResp) and answer.command_status == 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
