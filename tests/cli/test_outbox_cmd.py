"""``dunning outbox``: unknown messages are listed, and only an operator with a reason requeues them."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.core.crypto import PersonalDataCipher
from tests.factories import add_debtor, add_message, add_operator, events_of, last_detail, status_of

runner = CliRunner()


def test_unknown_messages_are_listed_and_requeued_by_an_operator(
    workdir: Path, engine: Engine, cipher: PersonalDataCipher
) -> None:
    del workdir
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "LOST-1", "+8613800138123")
        lost = add_message(conn, debtor, contact, status="unknown", provider="smpp")
        fine = add_message(
            conn, debtor, contact, status="delivered", provider="smpp", provider_message_id="9"
        )
        add_operator(conn, "ops-li", "supervisor")
        add_operator(conn, "collector-wu", "operator")

    listed = runner.invoke(app, ["outbox", "unknown", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(r["message_id"], r["debtor"], r["to"]) for r in rows] == [(lost, "LOST-1", "138****8123")]
    table = runner.invoke(app, ["outbox", "unknown"])
    assert "LOST-1" in table.output and "13800138123" not in table.output

    refused = runner.invoke(app, ["outbox", "requeue", str(lost), "--by", " ", "--reason", "x"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    for who, why in (("nobody", "not an operator"), ("collector-wu", "may not requeue messages")):
        denied = runner.invoke(app, ["outbox", "requeue", str(lost), "--by", who, "--reason", "checked"])
        assert denied.exit_code == 1 and why in denied.output, denied.output

    done = runner.invoke(
        app,
        [
            "outbox",
            "requeue",
            str(lost),
            str(fine),
            "--by",
            "ops-li",
            "--reason",
            "SMSC confirms not received",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "Requeued: 1" in done.output and str(fine) in done.output
    with engine.begin() as conn:
        assert status_of(conn, lost) == "queued" and status_of(conn, fine) == "delivered"
        assert events_of(conn, lost)[-1] == "queued"
        assert last_detail(conn, lost) == {
            "note": "SMSC confirms not received",
            "reason": "operator_requeue_unknown",
        }
    with engine.begin() as conn:
        logged = conn.execute(sa.text("select kind, actor, detail from event_log")).all()
    assert [(r.kind, r.actor) for r in logged] == [("messages.requeued", "ops-li")]
    assert json.loads(logged[0].detail) == {"messages": [lost], "reason": "SMSC confirms not received"}


def test_outbox_due_says_when_the_next_messages_are_due(
    workdir: Path, engine: Engine, cipher: PersonalDataCipher
) -> None:
    del workdir
    from datetime import timedelta

    from tests.factories import T0

    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "D1")
        add_message(conn, debtor, contact, scheduled_at=T0)
        add_message(conn, debtor, contact, scheduled_at=T0 + timedelta(hours=2))
        add_message(conn, debtor, contact, scheduled_at=T0 + timedelta(hours=2))
    now = T0.isoformat()
    data = json.loads(runner.invoke(app, ["outbox", "due", "--now", now, "--json"]).output)
    assert data["due_now"] == 1 and data["next_due"] == now
    later = (T0 + timedelta(minutes=1)).isoformat()
    data = json.loads(runner.invoke(app, ["outbox", "due", "--now", later, "--json"]).output)
    assert data["due_now"] == 1  # still in its window, not sent yet
    assert data["upcoming"] == [{"at": (T0 + timedelta(hours=2)).isoformat(), "messages": 2}]
    table = runner.invoke(app, ["outbox", "due", "--now", now])
    assert table.exit_code == 0 and "Next due" in table.output
