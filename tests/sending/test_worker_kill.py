"""Issue 3, reliability: a sender killed at any moment loses nothing and sends nothing twice.

The sender runs as a real ``dunning send`` subprocess against the built-in SMSC simulator (in this
process, journaling every accepted submit_sm). We SIGKILL it mid-run, restart it, and compare what
the SMSC received with the database; then the same with SIGTERM (graceful), and on PostgreSQL two
senders at once.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.flows import report_day
from dunning.messages.outbox import claim_due, mark_submitting
from dunning.sending.smsc import SimulatorThread
from tests.sending.kill_helpers import (
    FINAL,
    NOT_SENT,
    SEND_AT,
    SENT,
    T0,
    Row,
    body_of,
    finish,
    outbox_rows,
    parked_count,
    phone_of,
    read_journal,
    seed_outbox,
    sender_env,
    start_sender,
    status_counts,
    wait_for_journal,
)
from tests.sending.scripted import ScriptedProvider, send

# As in tests/conftest.py (not imported: several conftest modules share that name).
TEST_KEY = base64.b64encode(b"k" * 32).decode()
BACKEND = os.environ.get("DUNNING_TEST_DB", "sqlite")

pytestmark = pytest.mark.slow

BATCH = 500  # settings.sender_batch
WINDOW = 50  # the provider URL's window
RECEIPT_DELAY = 1.0  # simulator: seconds from submit_sm_resp to the receipt
# The restart runs a little later than the killed run, as a real restart does. On PostgreSQL a
# restarted sender leaves another sender's claims alone until they are older than ``stale_after``
# (10 min, not configurable from the CLI), so there it restarts after that grace period. SQLite
# releases them at once (but see test_restart_at_the_same_now_recovers_the_dead_senders_claims).
RESTART_AT = (
    datetime.fromisoformat(SEND_AT) + timedelta(minutes=11 if BACKEND == "postgresql" else 1)
).isoformat()


def _journal_by_message(
    journal: Sequence[Mapping[str, Any]], rows: Mapping[int, Row]
) -> dict[int, list[Mapping[str, Any]]]:
    """Journal entries grouped by the DB message they carry (by body, which is unique)."""
    by_body = {r.body: r.id for r in rows.values()}
    out: dict[int, list[Mapping[str, Any]]] = {}
    strays = []
    for entry in journal:
        assert entry["part_total"] is None, f"a single-part message was split: {entry}"
        mid = by_body.get(entry["text"])
        if mid is None:
            strays.append(entry)
            continue
        out.setdefault(mid, []).append(entry)
    assert not strays, f"{len(strays)} journal entries match no message, e.g. {strays[:2]}"
    return out


def _check_no_duplicates(journal: Sequence[Mapping[str, Any]]) -> None:
    bodies = Counter(e["text"] for e in journal)
    twice = {b: n for b, n in bodies.items() if n > 1}
    assert not twice, f"{len(twice)} bodies sent more than once, e.g. {list(twice.items())[:3]}"
    dests = Counter(e["destination"] for e in journal)
    twice_d = {d: n for d, n in dests.items() if n > 1}
    assert not twice_d, f"{len(twice_d)} handsets got more than one message, e.g. {list(twice_d.items())[:3]}"


def _check_events(rows: Mapping[int, Row]) -> None:
    """At most one ``submitting`` per claim, none after ``unknown``; one per message here (no retries)."""
    bad = []
    for r in rows.values():
        claimed_since = False
        seen_unknown = False
        for event in r.events:
            if event == "claimed":
                claimed_since = True
            elif event == "submitting":
                if not claimed_since or seen_unknown:
                    bad.append(r)
                    break
                claimed_since = False
            elif event == "unknown":
                seen_unknown = True
        if r.events.count("submitting") > 1:
            bad.append(r)
    assert not bad, f"{len(bad)} messages with a second hand-over, e.g. {bad[0].id}: {bad[0].events}"


def _check_journal_against_db(
    rows: Mapping[int, Row], sent: Mapping[int, Sequence[Mapping[str, Any]]], seeded: Sequence[int]
) -> None:
    assert set(rows) == set(seeded), "the outbox lost or gained rows"
    # Each message went to its own number.
    index = {body_of(i): i for i in range(len(seeded))}
    for mid, entries in sent.items():
        for e in entries:
            assert e["destination"] == phone_of(index[rows[mid].body]).lstrip("+"), (mid, e)
    # Recorded as sent → exactly one journal entry, with the id we stored.
    for r in rows.values():
        if r.status in SENT:
            entries = sent.get(r.id, [])
            assert len(entries) == 1, f"message {r.id} is {r.status} with {len(entries)} journal entries"
            assert r.provider_message_id == entries[0]["message_id"], (r, entries[0])
            assert "submitting" in r.events
    # Never sent according to the DB → not in the journal.
    leaked = [r for r in rows.values() if r.status in NOT_SENT and r.id in sent]
    assert not leaked, f"{len(leaked)} messages reached the SMSC but the DB says not sent: {leaked[:2]}"
    # Nothing in an intermediate or unexpected state.
    allowed = {*SENT, "unknown"}
    odd = [r for r in rows.values() if r.status not in allowed]
    assert not odd, (
        f"{len(odd)} messages not sent after the restart: {Counter(r.status for r in odd)}; "
        f"e.g. {odd[0].id}: {list(zip(odd[0].events, odd[0].details, strict=True))}"
    )


def _run_one(
    tmp: Path, db_url: str, port: int, name: str, *, now: str = SEND_AT, receipt_wait: float = 5.0
) -> dict[str, Any]:
    env = sender_env(db_url, TEST_KEY, port, tps=5000, receipt_wait=receipt_wait)
    return finish(start_sender(tmp / name, env, name, now=now), tmp / name, name, timeout=120)


def test_sigkill_mid_batch_then_restart_sends_each_message_once(
    engine: Engine, db_url: str, cipher: PersonalDataCipher, tmp_path: Path
) -> None:
    n = 10_000
    seeded = seed_outbox(engine, cipher, n)
    journal_path = tmp_path / "smsc.jsonl"
    with SimulatorThread(journal=journal_path, password="pw", receipt_delay=RECEIPT_DELAY) as sim:
        env = sender_env(db_url, TEST_KEY, sim.port, tps=5000, receipt_wait=5.0)
        first = start_sender(tmp_path / "first", env, "first")
        wait_for_journal(journal_path, 3_250, first, timeout=90)  # mid-batch (batches of 500)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.time()
        assert first.returncode == -signal.SIGKILL
        time.sleep(0.3)  # let the simulator see the connection go
        at_kill = outbox_rows(engine)
        in_flight = [r.id for r in at_kill.values() if r.status == "submitting"]
        second = _run_one(tmp_path, db_url, sim.port, "second", now=RESTART_AT)
    journal = read_journal(journal_path)
    rows = outbox_rows(engine)
    counts = status_counts(rows)
    sent = _journal_by_message(journal, rows)

    _check_no_duplicates(journal)
    _check_journal_against_db(rows, sent, seeded)
    _check_events(rows)

    # Lost: none. In flight at the kill → unknown (never resent), or reconciled to a final state.
    unknown = [r for r in rows.values() if r.status == "unknown"]
    assert len(unknown) <= BATCH + WINDOW, counts
    assert {r.id for r in unknown} <= set(in_flight), "only messages in flight at the kill may be unknown"
    reconciled = [r for r in rows.values() if any(d and '"reconciled":true' in d for d in r.details)]
    assert {r.id for r in reconciled} <= set(in_flight)
    assert all(r.status in SENT for r in reconciled)
    # A message in flight that the SMSC took and whose receipt fired after the kill was kept by the
    # SMSC and delivered at the restart's bind: it must have been reconciled. Only a receipt that
    # fired while the killed sender's bind was still up (written to a socket nobody read) is lost.
    unreconciled = [
        (r.id, sent[r.id][0]["time"] + RECEIPT_DELAY - killed_at) for r in unknown if r.id in sent
    ]
    late = [(mid, lag) for mid, lag in unreconciled if lag > 0]
    assert not late, (
        f"{len(late)} unknown messages reached the SMSC after the kill, not reconciled: {late[:5]}"
    )
    never_left = [r.id for r in unknown if r.id not in sent]
    # Receipts the killed sender received but had not stored were never answered, so the SMSC
    # delivered them again at the restart's bind: every message the SMSC took ends final.
    final = set(FINAL)
    stuck = [(r.id, r.status) for r in rows.values() if r.id in sent and r.status not in final]
    assert not stuck, f"{len(stuck)} messages the SMSC took are not final: {stuck[:5]}"
    print(
        json.dumps(
            {
                "journal": len(journal),
                "in_flight_at_kill": len(in_flight),
                "unknown": len(unknown),
                "unknown_never_left": len(never_left),
                "unknown_receipt_lost_with_the_dead_bind": len(unreconciled),
                "reconciled": len(reconciled),
                "parked": parked_count(engine),
                "redelivered_by_smsc": sim.simulator.stats.get("redelivered", 0),
                "statuses": dict(counts),
                "restart": {k: second[k] for k in ("claimed", "submitted", "unknown", "released")},
                "restart_receipts": second["receipts"],
            }
        )
    )
    # Every seeded message is accounted for: sent once, or unknown (in flight when the sender died).
    assert sum(1 for r in rows.values() if r.status in SENT) + len(unknown) == n
    assert len(sent) == sum(1 for r in rows.values() if r.status in SENT) + len(unknown) - len(never_left)
    # The report is a projection of those states: reconciled messages count as sent, nothing exceeds it.
    with engine.connect() as conn:
        report = report_day(conn, datetime.fromisoformat(RESTART_AT), "Asia/Shanghai")
    assert report["planned"] == n
    assert report["sent"] == n  # every message either reached the SMSC or may have (unknown)
    assert report["sent"] - report["unknown"] == len(sent) - (len(unknown) - len(never_left))
    assert report["delivered"] == counts["delivered"] <= report["sent"]
    assert report["delivery_rate"] is not None and report["delivery_rate"] <= 1.0
    assert report["unknown"] == len(unknown)


def test_sigterm_finishes_the_batch_in_hand_and_the_restart_sends_the_rest(
    engine: Engine, db_url: str, cipher: PersonalDataCipher, tmp_path: Path
) -> None:
    n = 3_000
    seeded = seed_outbox(engine, cipher, n)
    journal_path = tmp_path / "smsc.jsonl"
    with SimulatorThread(journal=journal_path, password="pw") as sim:
        env = sender_env(db_url, TEST_KEY, sim.port, tps=5000, receipt_wait=5.0)
        first = start_sender(tmp_path / "first", env, "first")
        wait_for_journal(journal_path, 700, first, timeout=60)
        first.send_signal(signal.SIGTERM)
        started = time.monotonic()
        summary = finish(first, tmp_path / "first", "first", timeout=15)
        took = time.monotonic() - started
        mid = outbox_rows(engine)
        second = _run_one(tmp_path, db_url, sim.port, "second")
    assert summary["stopped"] is True
    assert took < 10, f"SIGTERM took {took:.1f}s"
    mid_counts = status_counts(mid)
    assert not {"unknown", "submitting", "claimed"} & set(mid_counts), mid_counts
    assert mid_counts["queued"] > 0, "SIGTERM came too late to leave anything queued"
    assert summary["submitted"] == summary["claimed"] == sum(mid_counts[s] for s in SENT)
    assert second["unknown"] == 0 and second["released"] == 0
    assert second["submitted"] == mid_counts["queued"]

    journal = read_journal(journal_path)
    rows = outbox_rows(engine)
    _check_no_duplicates(journal)
    sent = _journal_by_message(journal, rows)
    _check_journal_against_db(rows, sent, seeded)
    _check_events(rows)
    assert len(journal) == n and all(r.status in SENT for r in rows.values()), status_counts(rows)


@pytest.mark.skipif(BACKEND != "postgresql", reason="SQLite allows one sender at a time (sender_lock)")
def test_two_senders_share_the_outbox_without_double_claiming(
    engine: Engine, db_url: str, cipher: PersonalDataCipher, tmp_path: Path
) -> None:
    n = 6_000
    seeded = seed_outbox(engine, cipher, n)
    journal_path = tmp_path / "smsc.jsonl"
    with SimulatorThread(journal=journal_path, password="pw") as sim:
        env = sender_env(db_url, TEST_KEY, sim.port, tps=5000, receipt_wait=5.0)
        procs = [(start_sender(tmp_path / f"s{i}", env, f"s{i}"), f"s{i}") for i in (1, 2)]
        summaries = [finish(p, tmp_path / name, name, timeout=120) for p, name in procs]
    journal = read_journal(journal_path)
    rows = outbox_rows(engine)
    _check_no_duplicates(journal)
    sent = _journal_by_message(journal, rows)
    _check_journal_against_db(rows, sent, seeded)
    _check_events(rows)
    assert len(journal) == n
    assert all(r.status in SENT for r in rows.values()), status_counts(rows)
    assert sum(s["submitted"] for s in summaries) == n
    assert all(s["submitted"] > 0 for s in summaries), "one sender did all the work: no sharing tested"
    workers = Counter(r.details[1] for r in rows.values())  # the claimed event names the worker
    assert len(workers) == 2, workers


@pytest.mark.skipif(BACKEND != "sqlite", reason="on PostgreSQL claims are released after stale_after")
def test_restart_at_the_same_now_recovers_the_dead_senders_claims(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    """On SQLite every leftover claim is stale at start, also when the restart replays the same
    ``--now`` as the run that died (``dunning send --now …`` twice)."""
    ids = seed_outbox(engine, cipher, 6)
    with unit_of_work(engine) as conn:  # a sender that died mid-batch: 4 claimed, 2 of them handed over
        claimed = claim_due(conn, "dead:1:x", T0, 4)
        mark_submitting(conn, "dead:1:x", [c.message_id for c in claimed[:2]], T0, provider="scripted")
    provider = ScriptedProvider()
    summary, _ = send(engine, provider, cipher, T0, batch_size=500, worker_id=None)
    rows = outbox_rows(engine)
    assert (summary.unknown, summary.released) == (2, 2), status_counts(rows)
    assert sorted(provider.sent_ids) == ids[2:]
    assert [rows[i].status for i in ids] == ["unknown"] * 2 + ["delivered"] * 4
