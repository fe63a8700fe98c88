"""``messages.enqueue``: the planner's one bulk writer — messages, their accounts, first events and the
decisions that blocked them, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning.compliance import evaluate, rule_table
from dunning.compliance.corpus import corpus_profile
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.messages.models import compliance_violations, message_accounts, message_events, messages
from dunning.messages.repository import enqueue
from tests.compliance.compliance_texts import CN_OK, cn_with
from tests.factories import T0, add_debtor, assert_projection_consistent, enqueue_frame, planned


def test_enqueue_writes_messages_accounts_events_and_decisions(
    engine: Engine, cipher: PersonalDataCipher
) -> None:
    cn = corpus_profile("CN")
    bodies = [CN_OK, cn_with("后果自负，加微信。")]
    with unit_of_work(engine) as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        account = conn.execute(sa.text("select id from accounts")).scalar_one()
        checked = evaluate(pl.DataFrame({"body": bodies, "paid": [False, True]}), cn)
        rows = [
            {**planned(debtor, contact, f"k{i}", body=b), "account_ids": [account]}
            for i, b in enumerate(bodies)
        ]
        written = enqueue(
            conn,
            enqueue_frame(rows, checked["violations"].to_list()),
            run_id="r1",
            now=T0,
            rules=rule_table(cn),
        )
        assert (written.queued, written.blocked, written.segments) == (1, 1, 1)
        # planning the same keys again writes nothing
        again = enqueue(conn, enqueue_frame(rows, [[], []]), run_id="r2", now=T0, rules=rule_table(cn))
        assert (again.queued, again.blocked) == (0, 0)

    with engine.connect() as conn:
        stored = conn.execute(sa.select(messages.c.id, messages.c.status).order_by(messages.c.id)).all()
        assert [s for _, s in stored] == ["queued", "blocked"]
        ids = [i for i, _ in stored]
        links = conn.execute(sa.select(message_accounts.c.message_id, message_accounts.c.account_id)).all()
        assert sorted(tuple(r) for r in links) == [(ids[0], account), (ids[1], account)]
        first = conn.execute(sa.select(message_events.c.event, message_events.c.actor)).all()
        assert sorted(tuple(r) for r in first) == [("blocked", "planner"), ("queued", "planner")]
        decisions = conn.execute(
            sa.select(
                compliance_violations.c.message_id,
                compliance_violations.c.stage,
                compliance_violations.c.rule,
                compliance_violations.c.reason_zh,
                compliance_violations.c.legal_basis,
                compliance_violations.c.decided_at,
            ).order_by(compliance_violations.c.id)
        ).all()
        assert [(d.message_id, d.rule) for d in decisions] == [
            (ids[1], "status.paid"),
            (ids[1], "content.intimidation"),
            (ids[1], "content.private_channel"),
        ]
        assert {d.stage for d in decisions} == {"plan"}
        assert all(d.reason_zh and d.legal_basis for d in decisions)
        assert {
            d.decided_at.replace(tzinfo=UTC) if d.decided_at.tzinfo is None else d.decided_at
            for d in decisions
        } == {T0}
        assert_projection_consistent(conn)


def test_a_message_covers_several_accounts(engine: Engine, cipher: PersonalDataCipher) -> None:
    cn = corpus_profile("CN")
    with unit_of_work(engine) as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        first = conn.execute(sa.text("select id, debtor_id from accounts")).one()
        conn.execute(
            sa.text(
                "insert into accounts (external_id, debtor_id, currency, outstanding_minor, paid_minor,"
                " due_date, dispute, complaint, bankrupt, deceased, time_barred, opt_out, status,"
                " created_at, updated_at) select 'D1-B', debtor_id, currency, 500, 0, due_date, dispute,"
                " complaint, bankrupt, deceased, time_barred, opt_out, status, created_at, updated_at"
                " from accounts"
            )
        )
        both = sorted(conn.execute(sa.text("select id from accounts")).scalars())
        row = {**planned(debtor, contact, "multi"), "account_ids": both}
        enqueue(conn, enqueue_frame([row], [[]]), run_id="r", now=T0, rules=rule_table(cn))
        covered = sorted(conn.execute(sa.select(message_accounts.c.account_id)).scalars())
    assert covered == both and first.id in covered
