"""Helpers of the kill/restart tests: bulk seeding of a sendable outbox, sender subprocesses, journals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.messages.models import message_events as events
from dunning.messages.models import messages, parked_receipts
from dunning.messages.status import RECEIPT_FINAL
from tests import factories

DAY = date(2026, 11, 28)
DUE = date(2026, 11, 23)  # 5 days past due on DAY
T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
WINDOW_END = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai
SEND_AT = "2026-11-28T10:00:00+08:00"  # inside the window, after T0
TEMPLATE = ("cn-early", 1)  # approved in the built-in CN catalog

FINAL = tuple(str(s) for s in RECEIPT_FINAL)
SENT = ("submitted", *FINAL)
NOT_SENT = ("queued", "claimed", "cancelled", "refused", "lapsed", "blocked")


def phone_of(i: int) -> str:
    return f"+86138{i:08d}"


def body_of(i: int) -> str:
    """The cn-early v1 body as rendered for debtor ``i`` (unique: the amount carries ``i``)."""
    amount = f"¥{100 + i:,}.00"
    return (
        f"【安信金融】张*您好，您安信消费金融尾号{i % 10_000:04d}借款{amount}已逾期5天，"
        "请尽快在安信金融App还款，如已还请忽略。客服95000"
    )


def seed_outbox(engine: Engine, cipher: PersonalDataCipher, n: int) -> list[int]:
    """``n`` debtors, each with one account, one verified contact and one queued message (through
    ``messages.enqueue``, as the planner writes them)."""
    return factories.seed_outbox(
        engine, cipher, n, phone_of=phone_of, body_of=body_of, template=TEMPLATE, window_end=WINDOW_END
    )


# --------------------------------------------------------------------------------------------------
# The sender as a separate process


def sender_env(db_url: str, key: str, port: int, *, tps: int, receipt_wait: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUNNING_")}
    env.update(
        DUNNING_DATABASE_URL=db_url,
        DUNNING_SECRET_KEY=key,
        DUNNING_PROFILE="CN",
        DUNNING_PROVIDER_URL=f"smpp://dunning:pw@127.0.0.1:{port}?tps={tps}&window=50",
        DUNNING_RECEIPT_WAIT=str(receipt_wait),
        PYTHONUNBUFFERED="1",
    )
    return env


def start_sender(
    workdir: Path, env: Mapping[str, str], name: str, *, now: str = SEND_AT
) -> subprocess.Popen[bytes]:
    """``dunning send --now NOW --json`` in ``workdir``; stdout/stderr go to ``name``.out/.err."""
    workdir.mkdir(parents=True, exist_ok=True)
    code = "from dunning.cli.main import app; app()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "send", "--now", now, "--json"],
        cwd=workdir,
        env=dict(env),
        stdout=(workdir / f"{name}.out").open("wb"),
        stderr=(workdir / f"{name}.err").open("wb"),
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[bytes], workdir: Path, name: str, timeout: float) -> dict[str, Any]:
    """Wait for a sender, assert it exited 0 and return its JSON summary."""
    try:
        rc = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"{name} did not finish within {timeout}s: {tail(workdir, name)}") from None
    assert rc == 0, f"{name} exited {rc}: {tail(workdir, name)}"
    out = (workdir / f"{name}.out").read_text(encoding="utf-8")
    start = out.find("{")
    assert start >= 0, f"{name} printed no JSON summary: {tail(workdir, name)}"
    summary: dict[str, Any] = json.loads(out[start:])
    return summary


def tail(workdir: Path, name: str, chars: int = 3000) -> str:
    parts = []
    for ext in ("out", "err"):
        path = workdir / f"{name}.{ext}"
        if path.exists():
            parts.append(f"--- {ext}\n" + path.read_text(encoding="utf-8", errors="replace")[-chars:])
    return "\n".join(parts)


def journal_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def wait_for_journal(
    path: Path, at_least: int, proc: subprocess.Popen[bytes], timeout: float, poll: float = 0.005
) -> int:
    """Poll the journal until it has ``at_least`` lines (the sender must still be running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = journal_lines(path)
        if count >= at_least:
            return count
        if proc.poll() is not None:
            raise AssertionError(f"the sender exited ({proc.returncode}) before {at_least} submits: {count}")
        time.sleep(poll)
    raise AssertionError(f"the journal did not reach {at_least} lines within {timeout}s")


def read_journal(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# --------------------------------------------------------------------------------------------------
# The database side


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    status: str
    body: str
    provider_message_id: str | None
    events: tuple[str, ...]
    details: tuple[str | None, ...]


def outbox_rows(engine: Engine) -> dict[int, Row]:
    with engine.connect() as conn:
        evs: dict[int, list[tuple[str, str | None]]] = {}
        for mid, event, detail in conn.execute(
            sa.select(events.c.message_id, events.c.event, events.c.detail).order_by(events.c.id)
        ):
            evs.setdefault(int(mid), []).append((str(event), detail))
        out = {}
        for r in conn.execute(
            sa.select(messages.c.id, messages.c.status, messages.c.body, messages.c.provider_message_id)
        ):
            e = evs.get(int(r.id), [])
            out[int(r.id)] = Row(
                int(r.id),
                str(r.status),
                str(r.body),
                r.provider_message_id,
                tuple(x for x, _ in e),
                tuple(d for _, d in e),
            )
    return out


def status_counts(rows: Mapping[int, Row]) -> Counter[str]:
    return Counter(r.status for r in rows.values())


def parked_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(parked_receipts)).scalar_one())
