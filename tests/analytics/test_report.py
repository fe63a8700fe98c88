from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection, Engine
from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import make_engine
from dunning.core.errors import InputError
from dunning.flows import report_day as daily_report
from dunning.models import ComplianceViolation
from tests.factories import DAY, T0, add_debtor, add_messages

EVENING = datetime.fromisoformat("2026-11-28T18:00:00+08:00")


def _violation(conn: Connection, message_id: int, rule: str, stage: str) -> None:
    conn.execute(
        ComplianceViolation.__table__.insert().values(
            message_id=message_id,
            stage=stage,
            rule=rule,
            category="c",
            legal_basis="b",
            reason_zh="原因",
            reason_en="reason",
            decided_at=T0,
        )
    )


def build_day(conn: Connection, cipher: PersonalDataCipher) -> None:
    """A hand-built day. Debtors in scope: D1 (overdue), D2 (due in 3 days), D5 (partially paid)."""
    d1, c1 = add_debtor(conn, cipher, "D1", due_date=DAY - timedelta(days=5))
    add_debtor(conn, cipher, "D2", "+8613800000002", due_date=DAY + timedelta(days=3))
    add_debtor(conn, cipher, "D3", "+8613800000003", due_date=DAY + timedelta(days=4))  # too early
    add_debtor(conn, cipher, "D4", "+8613800000004", status="paid", outstanding=5000, paid=5000)
    add_debtor(conn, cipher, "D5", "+8613800000005", status="partially_paid", outstanding=9000, paid=1000)
    add_debtor(conn, cipher, "D6", "+8613800000006", outstanding=1000, paid=1000)  # nothing left

    sent = {"submitted_at": T0}
    rows = [
        {"status": "delivered", "segments": 1, **sent},
        {"status": "delivered", "segments": 2, **sent},
        {"status": "delivered", "segments": 1, **sent},
        {"status": "delivered", "segments": 1},  # reconciled from unknown by its late receipt: sent too
        {"status": "submitted", "segments": 1, **sent},
        {"status": "undelivered", "segments": 1, **sent},
        {"status": "rejected", "segments": 3, **sent},
        {"status": "expired", "segments": 1, **sent},  # expired at the SMSC (was sent)
        {"status": "lapsed", "segments": 2},  # window closed in the outbox (never sent)
        {"status": "refused", "segments": 1},  # permanent error at submission (never sent)
        {"status": "unknown", "segments": 1},  # crashed in flight: may have been sent
        {"status": "blocked", "segments": 1},  # plan: two rules
        {"status": "blocked", "segments": 1},  # submit: one rule
        {"status": "cancelled", "segments": 1},
        {"status": "queued", "segments": 1},
        {"status": "claimed", "segments": 1},
    ]
    ids = add_messages(conn, d1, c1, rows)
    _violation(conn, ids[11], "quiet_hours", "plan")
    _violation(conn, ids[11], "daily_cap", "plan")
    _violation(conn, ids[12], "paid_in_full", "submit")
    # another day's messages and violations never count
    other = add_messages(
        conn,
        d1,
        c1,
        [
            {"status": "delivered", "slot_date": DAY - timedelta(days=1), "segments": 5, **sent},
            {"status": "blocked", "slot_date": DAY - timedelta(days=1)},
        ],
    )
    _violation(conn, other[0], "quiet_hours", "plan")
    _violation(conn, other[1], "daily_cap", "submit")


def test_daily_report_figures(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        build_day(conn, cipher)
        report = daily_report(conn, EVENING, "Asia/Shanghai")
    assert report["date"] == "2026-11-28"
    assert report["debtors_in_scope"] == 3
    assert report["planned"] == 16
    assert report["blocked"] == 2
    assert report["blocked_by_rule"] == {"daily_cap": 1, "paid_in_full": 1, "quiet_hours": 1}
    assert report["sent"] == 9  # delivered 4, awaiting 1, undelivered/rejected/expired 3, unknown 1
    assert report["delivered"] == 4
    assert report["awaiting_receipt"] == 1
    assert report["failed"] == 5
    assert report["failed_by_status"] == {
        "undelivered": 1,
        "rejected": 1,
        "expired": 1,
        "failed": 0,
        "refused": 1,
        "lapsed": 1,
    }
    assert report["expired_in_outbox"] == 1
    assert report["cancelled"] == 1
    assert report["queued"] == 1 and report["in_progress"] == 1
    assert report["unknown"] == 1
    assert report["segments_sent"] == 1 + 2 + 1 + 1 + 1 + 1 + 3 + 1 + 1
    assert report["cost_segments"] == report["segments_sent"]
    assert report["segments_delivered"] == 5
    assert report["delivery_rate"] == round(4 / 9, 4)
    _assert_adds_up(report)


def _assert_adds_up(report: dict[str, object]) -> None:
    """Every figure is a sum over the same statuses: the parts make the whole."""
    by = report["by_status"]
    assert isinstance(by, dict)
    parts = ("blocked", "queued", "in_progress", "cancelled", "sent")
    never_left = by.get("refused", 0) + by.get("lapsed", 0)
    assert report["planned"] == sum(report[k] for k in parts) + never_left  # type: ignore[misc]
    after = sum(by.get(s, 0) for s in ("undelivered", "rejected", "expired", "failed"))
    assert report["sent"] == report["awaiting_receipt"] + report["unknown"] + report["delivered"] + after  # type: ignore[operator]
    assert report["delivered"] <= report["sent"]  # type: ignore[operator]


def test_report_day_follows_the_time_zone(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        build_day(conn, cipher)
        early = datetime.fromisoformat("2026-11-28T07:00:00+08:00")  # still 27 Nov in New York
        assert daily_report(conn, early, "America/New_York")["date"] == "2026-11-27"
        yesterday = daily_report(conn, early, "America/New_York")
        assert (yesterday["planned"], yesterday["blocked_by_rule"]) == (2, {"daily_cap": 1, "quiet_hours": 1})
        with pytest.raises(InputError):
            daily_report(conn, early, "Mars/Olympus")


def test_empty_day(engine: Engine) -> None:
    with engine.begin() as conn:
        report = daily_report(conn, EVENING, "Asia/Shanghai")
    assert report["planned"] == 0 and report["delivery_rate"] is None and report["blocked_by_rule"] == {}


def test_report_command_json_and_tables(workdir: Path, db_url: str, cipher: PersonalDataCipher) -> None:
    with make_engine(db_url).begin() as conn:
        build_day(conn, cipher)
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--now", "2026-11-28T18:00:00+08:00", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["date"] == "2026-11-28" and payload["time_zone"] == "Asia/Shanghai"
    assert (payload["planned"], payload["sent"], payload["delivered"], payload["failed"]) == (16, 9, 4, 5)
    assert payload["blocked_by_rule"]["paid_in_full"] == 1
    expected_keys = {
        "date",
        "time_zone",
        "as_of",
        "return_path",
        "debtors_in_scope",
        "planned",
        "blocked",
        "blocked_by_rule",
        "queued",
        "in_progress",
        "cancelled",
        "sent",
        "awaiting_receipt",
        "delivered",
        "failed",
        "failed_by_status",
        "expired_in_outbox",
        "unknown",
        "delivery_rate",
        "segments_sent",
        "segments_delivered",
        "cost_segments",
        "by_status",
    }
    assert set(payload) == expected_keys

    table = runner.invoke(app, ["report", "--now", "2026-11-28T18:00:00+08:00"])
    assert table.exit_code == 0, table.output
    for heading in (
        "每日报表 / Daily report",
        "已送达 / Delivered",
        "按规则拦截 / Blocked by rule",
        "quiet_hours",
    ):
        assert heading in table.stdout

    bad = runner.invoke(app, ["report", "--now", "yesterday"])
    assert bad.exit_code == 2
    assert "--now" in bad.output
