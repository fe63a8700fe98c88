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
from dunning.core.db import unit_of_work
from dunning.core.masking import mask_phone
from dunning.models import Account, Contact, Debtor, Message, MessageEvent

debtors: sa.Table = Debtor.__table__  # type: ignore[assignment]
contacts: sa.Table = Contact.__table__  # type: ignore[assignment]
accounts: sa.Table = Account.__table__  # type: ignore[assignment]
messages: sa.Table = Message.__table__  # type: ignore[assignment]
events: sa.Table = MessageEvent.__table__  # type: ignore[assignment]

DAY = date(2026, 11, 28)
DUE = date(2026, 11, 23)  # 5 days past due on DAY
T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
WINDOW_END = datetime(2026, 11, 28, 13, 0, tzinfo=UTC)  # 21:00 in Shanghai
SEND_AT = "2026-11-28T10:00:00+08:00"  # inside the window, after T0
TEMPLATE = ("cn-early", 1)  # approved in the built-in CN catalog

FINAL = ("delivered", "undelivered", "rejected", "expired")
SENT = ("submitted", *FINAL)
NOT_SENT = ("queued", "claimed", "cancelled", "failed", "blocked")


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
    """``n`` debtors, each with one account, one verified contact and one queued message."""
    with unit_of_work(engine) as conn:
        debtor_ids = [
            int(x)
            for x in conn.execute(
                debtors.insert().returning(debtors.c.id, sort_by_parameter_order=True),
                [
                    {
                        "external_id": f"K{i:06d}",
                        "name_enc": cipher.encrypt("张三"),
                        "name_masked": "张*",
                        "time_zones": "Asia/Shanghai",
                        "created_at": T0,
                        "updated_at": T0,
                    }
                    for i in range(n)
                ],
            ).scalars()
        ]
        conn.execute(
            accounts.insert(),
            [
                {
                    "external_id": f"K{i:06d}-A",
                    "debtor_id": d,
                    "currency": "CNY",
                    "outstanding_minor": (100 + i) * 100,
                    "paid_minor": 0,
                    "due_date": DUE,
                    "dispute": False,
                    "complaint": False,
                    "bankrupt": False,
                    "deceased": False,
                    "time_barred": False,
                    "opt_out": False,
                    "status": "open",
                    "created_at": T0,
                    "updated_at": T0,
                }
                for i, d in enumerate(debtor_ids)
            ],
        )
        contact_ids = [
            int(x)
            for x in conn.execute(
                contacts.insert().returning(contacts.c.id, sort_by_parameter_order=True),
                [
                    {
                        "debtor_id": d,
                        "phone_enc": cipher.encrypt(phone_of(i)),
                        "phone_hash": cipher.lookup_hash(phone_of(i)),
                        "phone_masked": mask_phone(phone_of(i)),
                        "relation": "self",
                        "verified": True,
                        "primary": True,
                        "created_at": T0,
                        "updated_at": T0,
                    }
                    for i, d in enumerate(debtor_ids)
                ],
            ).scalars()
        ]
        message_ids = [
            int(x)
            for x in conn.execute(
                messages.insert().returning(messages.c.id, sort_by_parameter_order=True),
                [
                    {
                        "plan_key": f"{d}:{DAY}:kill",
                        "plan_run": "kill-test",
                        "debtor_id": d,
                        "contact_id": c,
                        "slot_date": DAY,
                        "strategy_id": "default",
                        "segment_id": "early",
                        "step_id": "d5",
                        "arm": "champion",
                        "probability": 1.0,
                        "template_id": TEMPLATE[0],
                        "template_version": TEMPLATE[1],
                        "account_ids": str(d),
                        "amount_minor": (100 + i) * 100,
                        "currency": "CNY",
                        "days_past_due": 5,
                        "bucket": "4-7",
                        "body": body_of(i),
                        "encoding": "UCS-2",
                        "segments": 1,
                        "scheduled_at": T0,
                        "window_end": WINDOW_END,
                        "status": "queued",
                        "created_at": T0,
                        "updated_at": T0,
                    }
                    for i, (d, c) in enumerate(zip(debtor_ids, contact_ids, strict=True))
                ],
            ).scalars()
        ]
        conn.execute(
            events.insert(),
            [{"message_id": m, "event": "queued", "at": T0, "actor": "planner"} for m in message_ids],
        )
    return message_ids


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
    from dunning.sending.models import ParkedReceipt

    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(ParkedReceipt)).scalar_one())
