"""``dunning outbox``: unknown messages are listed, and only an operator with a reason requeues them."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.core.crypto import PersonalDataCipher
from sending.helpers import add_debtor, add_message, events_of, last_detail, status_of

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

    listed = runner.invoke(app, ["outbox", "unknown", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(r["message_id"], r["debtor"], r["to"]) for r in rows] == [(lost, "LOST-1", "138****8123")]
    table = runner.invoke(app, ["outbox", "unknown"])
    assert "LOST-1" in table.output and "13800138123" not in table.output

    refused = runner.invoke(app, ["outbox", "requeue", str(lost), "--by", " ", "--reason", "x"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output

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
