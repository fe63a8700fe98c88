"""The event log: one appender, read back in order; a total order even with concurrent writers."""

from __future__ import annotations

import random
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning import events
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.events import EventKind, NewEvent
from tests.factories import T0, add_debtor


def test_append_and_read(engine: Engine, cipher: PersonalDataCipher) -> None:
    with unit_of_work(engine) as conn:
        debtor, _ = add_debtor(conn, cipher, "D1")
        events.append(conn, EventKind.PLAN_RUN, at=T0, actor="planner", subject="run-1", detail={"queued": 3})
        events.append_many(
            conn,
            [
                NewEvent(EventKind.DEBTOR_HELD, T0, "ops", {"reason": "ptp", "note": None}, debtor_id=debtor),
                NewEvent(EventKind.DEBTOR_RELEASED, T0, "ops", debtor_id=debtor),
            ],
        )
    with engine.connect() as conn:
        entries = events.read(conn)
        assert [e.kind for e in entries] == ["plan.run", "debtor.held", "debtor.released"]
        assert entries[0].detail == {"queued": 3} and entries[0].subject == "run-1"
        assert entries[1].detail == {"reason": "ptp"}  # nulls are not stored
        assert [e.kind for e in events.read(conn, debtor_id=debtor)] == ["debtor.held", "debtor.released"]
        assert [e.kind for e in events.read(conn, kinds=["plan.run"])] == ["plan.run"]
        assert events.read(conn, limit=1, newest_first=True)[0].kind == "debtor.released"
        last = events.last_of(conn, EventKind.PLAN_RUN)
        assert last is not None and last.at == T0
        assert events.last_of(conn, EventKind.KEYS_ROTATED) is None
        assert entries[0].as_dict()["at"] == T0.isoformat()


def test_events_outlive_nothing_by_cascade(engine: Engine, cipher: PersonalDataCipher) -> None:
    """Deleting a debtor named by the log (or with messages, whose events are records) is refused:
    removing personal data is an audited tombstoning step, never a cascade."""
    with unit_of_work(engine) as conn:
        debtor, _ = add_debtor(conn, cipher, "D1")
        events.append(conn, EventKind.DEBTOR_HELD, at=T0, actor="ops", debtor_id=debtor)
    with pytest.raises(sa.exc.IntegrityError), unit_of_work(engine) as conn:
        conn.execute(sa.text("DELETE FROM debtors"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM event_log")).scalar_one() == 1


def test_message_events_are_not_deleted_with_their_message(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    from tests.factories import add_message

    with unit_of_work(engine) as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        add_message(conn, debtor, contact)
    for statement in ("DELETE FROM messages", "DELETE FROM debtors"):
        with pytest.raises(sa.exc.IntegrityError), unit_of_work(engine) as conn:
            conn.execute(sa.text(statement))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM message_events")).scalar_one() == 1


def test_concurrent_writers_never_make_a_later_id_visible_first(engine: Engine) -> None:
    """Writers append and then dawdle before committing, in random order. Every snapshot a reader
    takes is a prefix of the final order: ids 1..n with no gap that a slower writer fills later,
    which is what lets a later issue chain the rows by hash without reordering."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has one writer at a time")
    writers, each = 6, 5
    stop = threading.Event()
    snapshots: list[list[int]] = []
    errors: list[BaseException] = []

    def write(n: int) -> None:
        rng = random.Random(n)
        try:
            for i in range(each):
                with unit_of_work(engine) as conn:
                    events.append(conn, EventKind.PLAN_RUN, at=T0, actor=f"w{n}", subject=str(i))
                    time.sleep(rng.uniform(0, 0.02))  # hold the transaction open a while
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def read() -> None:
        while not stop.is_set():
            with engine.connect() as conn:
                ids = conn.execute(sa.text("SELECT id FROM event_log ORDER BY id")).scalars()
                snapshots.append(list(ids))

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    reader.join()
    assert not errors
    with engine.connect() as conn:
        final = list(conn.execute(sa.text("SELECT id FROM event_log ORDER BY id")).scalars())
    assert len(final) == writers * each
    for seen in snapshots:
        assert seen == final[: len(seen)], "a snapshot is not a prefix of the final order"
    assert len(snapshots) > 5
