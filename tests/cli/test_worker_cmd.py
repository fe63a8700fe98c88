"""``dunning worker``: sends and maintains continuously on the real clock, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from dunning.core.clock import utcnow
from dunning.core.crypto import PersonalDataCipher
from dunning.core.settings import Settings
from dunning.flows import load_config, run_worker
from tests.conftest import TEST_KEY
from tests.factories import WINDOW_END, add_debtor, add_message, status_of
from tests.sending.kill_helpers import DUE, TEMPLATE, body_of
from tests.sending.scripted import ScriptedProvider

SEND_AT = datetime.fromisoformat("2026-11-28T10:00:00+08:00")


def test_run_worker_sends_what_becomes_due_and_stops_on_request(
    engine: Engine, cipher: PersonalDataCipher, tmp_path: Path
) -> None:
    started = time.monotonic()

    def clock() -> datetime:  # the worker's clock, running from 10:00 in Shanghai
        return SEND_AT + timedelta(seconds=time.monotonic() - started)

    with engine.begin() as conn:
        d1, c1 = add_debtor(conn, cipher, "NOW", "+8613800138001", due_date=DUE)
        d2, c2 = add_debtor(conn, cipher, "SOON", "+8613800138002", due_date=DUE)
        common = {"template_id": TEMPLATE[0], "template_version": TEMPLATE[1], "window_end": WINDOW_END}
        due = add_message(
            conn, d1, c1, scheduled_at=SEND_AT - timedelta(minutes=1), body=body_of(1), **common
        )
        soon = add_message(
            conn, d2, c2, scheduled_at=SEND_AT + timedelta(seconds=1), body=body_of(2), **common
        )
    config = load_config(Settings(strategy_file=tmp_path / "x", templates_file=tmp_path / "x"))
    provider = ScriptedProvider()

    async def go() -> int:
        stop = asyncio.Event()

        async def stop_when_done() -> None:
            while len(provider.sent_ids) < 2:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)  # a pass or two of collecting receipts
            stop.set()

        watcher = asyncio.create_task(stop_when_done())
        summary = await asyncio.wait_for(
            run_worker(engine, config, provider, cipher, stop=stop, poll=0.2, clock=clock), 30
        )
        await watcher
        return summary.passes

    passes = asyncio.run(go())
    assert passes >= 2 and provider.sent_ids == [due, soon]  # the second when it became due
    with engine.begin() as conn:
        assert (status_of(conn, due), status_of(conn, soon)) == ("delivered", "delivered")


def test_a_paused_provider_does_not_make_the_worker_spin(
    engine: Engine, cipher: PersonalDataCipher, tmp_path: Path
) -> None:
    from dunning.messages.wire import SubmitOutcome

    with engine.begin() as conn:  # three due, one per batch: two are still due when the pause starts
        for i in range(1, 4):
            debtor, contact = add_debtor(conn, cipher, f"D{i}", f"+861380013800{i}", due_date=DUE)
            add_message(
                conn,
                debtor,
                contact,
                scheduled_at=SEND_AT - timedelta(minutes=1),
                body=body_of(i),
                template_id=TEMPLATE[0],
                template_version=TEMPLATE[1],
                window_end=WINDOW_END,
            )
    config = load_config(Settings(strategy_file=tmp_path / "x", templates_file=tmp_path / "x"))
    provider = ScriptedProvider(
        lambda sms, n: SubmitOutcome.paused(sms.message_id, "BALANCE", "no balance", 600)
    )

    async def go() -> int:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(1.0, stop.set)
        summary = await run_worker(
            engine, config, provider, cipher, stop=stop, poll=0.5, clock=lambda: SEND_AT
        )
        return summary.passes

    passes = asyncio.run(go())
    assert passes <= 3  # one pass per poll interval while paused, not a busy loop
    assert len(provider.calls) == 1  # offered once; then the pause holds


def test_dunning_worker_runs_until_sigterm(
    workdir: Path, db_url: str, engine: Engine, cipher: PersonalDataCipher
) -> None:
    now = utcnow()
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "W1", "+8613800138009")
        mid = add_message(
            conn,
            debtor,
            contact,
            scheduled_at=now - timedelta(minutes=1),
            window_end=now + timedelta(hours=1),
        )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUNNING_")}
    env.update(
        DUNNING_DATABASE_URL=db_url,
        DUNNING_SECRET_KEY=TEST_KEY,
        DUNNING_PROVIDER_URL=f"file://{workdir / 'out.jsonl'}",
        PYTHONUNBUFFERED="1",
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", "from dunning.cli.main import app; app()", "worker", "--poll", "0.2"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # On the real clock the gate may block it (outside the send window); either way the worker took it.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            with engine.connect() as conn:
                if status_of(conn, mid) != "queued":
                    break
            time.sleep(0.05)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert "Stopped after" in out.decode() and "Traceback" not in err.decode()
    with engine.connect() as conn:
        assert status_of(conn, mid) in ("delivered", "blocked")
