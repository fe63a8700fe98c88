"""``dunning operators``, ``dunning debtors hold|release`` and ``dunning events``: acts named by an
operator whose role allows them, each one in the event log."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.core.crypto import PersonalDataCipher
from tests.factories import add_debtor, add_message, status_of

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_operators_are_managed_by_an_admin(workdir: Path) -> None:
    del workdir
    code, out = _run("init")
    assert code == 0 and "Default operator: admin" in out
    assert _run("operators", "add", "合规部", "--role", "compliance", "--by", "admin")[0] == 0
    assert _run("operators", "add", "ops-li", "--role", "supervisor", "--by", "admin")[0] == 0
    code, out = _run("operators", "add", "ops-wang", "--role", "operator", "--by", "ops-li")
    assert code == 1 and "may not manage operators" in out and "无权管理操作员" in out
    code, out = _run("operators", "add", "x", "--role", "boss", "--by", "admin")
    assert code == 2 and "unknown role" in out
    code, out = _run("operators", "add", "合规部", "--role", "auditor", "--by", "admin")
    assert code == 2 and "already exists" in out
    assert _run("operators", "disable", "ops-li", "--by", "admin")[0] == 0
    code, out = _run("operators", "add", "ops-zhao", "--role", "operator", "--by", "ops-li")
    assert code == 1 and "disabled" in out
    code, out = _run("operators", "disable", "admin", "--by", "admin")
    assert code == 2 and "themself" in out
    listed = json.loads(_run("operators", "list", "--json")[1])
    assert [(o["username"], o["role"], o["active"]) for o in listed] == [
        ("admin", "admin", True),
        ("ops-li", "supervisor", False),
        ("合规部", "compliance", True),
    ]
    assert "合规部" in _run("operators", "list")[1]
    assert _run("operators", "enable", "ops-li", "--by", "admin")[0] == 0
    logged = json.loads(
        _run("events", "--json", "--kind", "operator.added", "--kind", "operator.disabled")[1]
    )
    assert [(e["kind"], e["subject"], e["actor"]) for e in logged] == [
        ("operator.added", "admin", "dunning init"),
        ("operator.added", "合规部", "admin"),
        ("operator.added", "ops-li", "admin"),
        ("operator.disabled", "ops-li", "admin"),
    ]
    assert "operator.enabled" in _run("events")[1]


def test_a_hold_cancels_queued_messages_and_the_release_is_logged(
    workdir: Path, engine: Engine, cipher: PersonalDataCipher, monkeypatch: object
) -> None:
    del workdir
    _run("init")
    _run("operators", "add", "collector", "--role", "operator", "--by", "admin")
    _run("operators", "add", "auditor-1", "--role", "auditor", "--by", "admin")
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "HOLD-1")
        queued = add_message(conn, debtor, contact)
    now = "2026-11-28T09:00:00+08:00"
    code, out = _run("debtors", "hold", "HOLD-1", "--reason", "ptp", "--by", "auditor-1", "--now", now)
    assert code == 1 and "may not hold or release debtors" in out
    code, out = _run("debtors", "hold", "NOPE", "--reason", "ptp", "--by", "collector", "--now", now)
    assert code == 1 and "NOPE" in out
    code, out = _run(
        "debtors", "hold", "HOLD-1", "--reason", "ptp", "--until", "2026-11-27T09:00:00+08:00",
        "--by", "collector", "--now", now,
    )  # fmt: skip
    assert code == 2 and "--until" in out
    code, out = _run(
        "debtors", "hold", "HOLD-1", "--reason", "ptp", "--until", "2026-12-01T09:00:00+08:00",
        "--note", "承诺周一还款", "--by", "collector", "--now", now,
    )  # fmt: skip
    assert code == 0, out
    assert "queued messages cancelled: 1" in out
    with engine.begin() as conn:
        assert status_of(conn, queued) == "cancelled"
    code, out = _run("debtors", "release", "HOLD-1", "--by", "collector", "--now", now)
    assert code == 0 and "Released" in out
    code, out = _run("debtors", "release", "HOLD-1", "--by", "collector", "--now", now)
    assert code == 0 and "no hold in force" in out
    held = json.loads(_run("events", "--json", "--debtor", "HOLD-1")[1])
    assert [e["kind"] for e in held] == ["debtor.held", "debtor.released"]
    assert held[0]["detail"]["reason"] == "ptp" and held[0]["detail"]["messages_cancelled"] == 1
    assert held[0]["actor"] == "collector"


def test_the_hold_is_obeyed_by_the_next_plan(
    workdir: Path, engine: Engine, cipher: PersonalDataCipher
) -> None:
    from datetime import date

    del workdir
    _run("init")
    _run("operators", "add", "collector", "--role", "operator", "--by", "admin")
    with engine.begin() as conn:
        add_debtor(conn, cipher, "D1", due_date=date(2026, 11, 23))
    now = "2026-11-28T10:00:00+08:00"
    assert _run("debtors", "hold", "D1", "--reason", "hardship", "--by", "collector", "--now", now)[0] == 0
    plan = json.loads(_run("plan", "--now", now, "--json")[1])
    assert plan["queued"] == 0 and plan["blocked"] == 1 and plan["blocked_by_rule"]
