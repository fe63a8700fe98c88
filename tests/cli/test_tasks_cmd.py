"""``dunning tasks list|show|claim|note|close|export`` and ``dunning debtor show``: work for people,
done by operators whose role allows it; the dialler export is the one place numbers leave in full."""

from __future__ import annotations

import csv
import json
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunning import flows
from dunning.cli.main import app
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.messages.wire import InboundSms
from tests.factories import DAY, T0, add_debtor

runner = CliRunner()
NOW = (T0 + timedelta(minutes=30)).isoformat()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def _reply(engine: Engine, cipher: PersonalDataCipher, phone: str, text: str) -> None:
    with unit_of_work(engine) as conn:
        flows.ingest_replies(
            conn,
            [InboundSms(phone, text, T0)],
            T0,
            cipher=cipher,
            config=flows.builtin_config("CN"),
            provider="smpp",
        )


def test_tasks_are_listed_claimed_noted_and_closed(
    workdir: Path, engine: Engine, cipher: PersonalDataCipher
) -> None:
    del workdir
    assert _run("init")[0] == 0
    assert _run("operators", "add", "agent", "--role", "operator", "--by", "admin")[0] == 0
    assert _run("operators", "add", "audit", "--role", "auditor", "--by", "admin")[0] == 0
    with unit_of_work(engine) as conn:
        add_debtor(conn, cipher, "D7001", "+8613700007001", due_date=DAY)
    _reply(engine, cipher, "+8613700007001", "我已经还了")
    listed = json.loads(_run("tasks", "list", "--json")[1])
    assert [(t["queue"], t["reason"], t["debtor"], t["status"]) for t in listed] == [
        ("payment_check", "paid_claim", "D7001", "open")
    ]
    task = str(listed[0]["id"])
    code, out = _run("tasks", "claim", task, "--by", "audit", "--now", NOW)
    assert code == 1 and "work tasks" in out and "处理任务" in out
    assert _run("tasks", "claim", task, "--by", "agent", "--now", NOW)[0] == 0
    assert _run("tasks", "note", task, "查无到账记录", "--by", "agent", "--now", NOW)[0] == 0
    code, out = _run("tasks", "close", task, "--outcome", "MAYBE", "--by", "agent", "--now", NOW)
    assert code == 2 and "unknown outcome" in out
    code, out = _run("tasks", "close", task, "--outcome", "PAYMENT_NOT_FOUND", "--by", "agent", "--now", NOW)
    assert code == 0, out
    shown = json.loads(_run("tasks", "show", task, "--json")[1])
    assert shown["outcome"] == "PAYMENT_NOT_FOUND" and shown["notes"][0]["text"] == "查无到账记录"
    assert "查无到账记录" in _run("tasks", "show", task)[1]
    assert json.loads(_run("tasks", "list", "--json")[1]) == []  # closed tasks leave the active list
    timeline = json.loads(_run("debtor", "show", "D7001", "--json")[1])
    assert [h["reason"] for h in timeline["holds"]] == ["paid_claim"]
    assert timeline["holds"][0]["cleared_at"] is not None  # "not found" ends the hold early
    assert [r["intent"] for r in timeline["replies"]] == ["paid"]
    assert "+8613700007001" not in json.dumps(timeline, default=str)  # masked everywhere
    code, out = _run("debtors", "show", "D7001")
    assert code == 0 and "paid_claim" in out and "payment_check" in out and "137****7001" in out


def test_dialler_export_has_full_numbers_neutralised_cells_and_an_event(
    workdir: Path, engine: Engine, cipher: PersonalDataCipher
) -> None:
    assert _run("init")[0] == 0
    assert _run("operators", "add", "lead", "--role", "supervisor", "--by", "admin")[0] == 0
    assert _run("operators", "add", "agent", "--role", "operator", "--by", "admin")[0] == 0
    with unit_of_work(engine) as conn:
        debtor, _ = add_debtor(conn, cipher, "=HYPERLINK(1)", "+8613700008001", due_date=DAY)
        add_debtor(conn, cipher, "D8002", "+8613700008002", due_date=DAY)
        conn.execute(sa.text("UPDATE debtors SET name_masked = '@SUM(A1)' WHERE id = :d"), {"d": debtor})
    _reply(engine, cipher, "+8613700008001", "打错了，我不是他")  # the number is invalid: nothing to dial
    _reply(engine, cipher, "+8613700008002", "你们再发我就去12378投诉")
    out = workdir / "dialler.csv"
    code, text = _run(
        "tasks", "export", "--queue", "phone_collection", "--out", str(out), "--by", "agent", "--now", NOW
    )
    assert code == 1 and "dialler" in text
    # Make the wrong-number debtor callable on another number to see neutralising at work.
    with unit_of_work(engine) as conn:
        conn.execute(sa.text("UPDATE contacts SET invalid_at = NULL"))
    code, text = _run(
        "tasks", "export", "--queue", "phone_collection", "--out", str(out), "--by", "lead", "--now", NOW
    )
    assert code == 0, text
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["debtor_id"], r["name"], r["phone"], r["reason"]) for r in rows] == [
        ("'=HYPERLINK(1)", "'@SUM(A1)", "8613700008001", "wrong_number")
    ]
    code, text = _run(
        "tasks", "export", "--queue", "compliance_review", "--out", str(out), "--by", "lead", "--now", NOW
    )
    assert code == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        assert [r["phone"] for r in csv.DictReader(fh)] == ["8613700008002"]
    logged = json.loads(_run("events", "--json", "--kind", "tasks.exported")[1])
    assert [(e["actor"], e["detail"]["queue"], e["detail"]["rows"]) for e in logged] == [
        ("lead", "phone_collection", 1),
        ("lead", "compliance_review", 1),
    ]
