"""The daily loop across domains: plan → gate → outbox → send → receipts, on a real database."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.settings import Settings
from dunning.flows import DailyConfig, import_portfolio, load_config, plan_day, send_day
from dunning.models import ComplianceViolation, Contact, LoggedEvent, Message, MessageEvent
from dunning.portfolio.service import import_file
from dunning.portfolio.synthetic import populate_synthetic
from dunning.sending.providers.registry import build_provider
from tests.factories import add_debtor, add_message

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def config(tmp_path: Path) -> DailyConfig:
    # Files that do not exist → the shipped CN examples.
    return load_config(
        Settings(
            strategy_file=tmp_path / "none.yaml",
            templates_file=tmp_path / "none.yaml",
            compliance_file=tmp_path / "none.yaml",
        )
    )


def _statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(Message.status, sa.func.count()).group_by(Message.status)).all())


def test_plan_twice_never_plans_duplicates(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig
) -> None:
    with unit_of_work(engine) as conn:
        populate_synthetic(conn, 2000, 11, NOW, "CN", cipher)
    with unit_of_work(engine) as conn:
        first = plan_day(conn, config, NOW)
    assert first.queued > 100
    assert first.blocked > 0  # flags, holds and third parties exist in the synthetic portfolio
    with unit_of_work(engine) as conn:
        second = plan_day(conn, config, NOW + timedelta(hours=2))
    assert second.queued == 0 and second.blocked == 0
    assert second.already_planned == first.queued + first.blocked
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one()
        keys = conn.execute(sa.select(sa.func.count(sa.distinct(Message.debtor_id)))).scalar_one()
        events = conn.execute(sa.select(sa.func.count()).select_from(MessageEvent)).scalar_one()
    assert total == keys == first.queued + first.blocked  # one message per debtor per day
    assert events == total  # each message has its first event


def test_blocked_messages_record_rule_and_reason(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig
) -> None:
    with unit_of_work(engine) as conn:
        populate_synthetic(conn, 2000, 11, NOW, "CN", cipher)
        result = plan_day(conn, config, NOW)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(ComplianceViolation.rule, ComplianceViolation.reason_zh, ComplianceViolation.reason_en)
        ).all()
        blocked_ids = conn.execute(sa.select(Message.id).where(Message.status == "blocked")).scalars().all()
        with_violation = conn.execute(sa.select(ComplianceViolation.message_id).distinct()).scalars().all()
    assert set(blocked_ids) == set(with_violation)
    assert {r.rule for r in rows} == set(result.blocked_by_rule)
    assert all(r.reason_zh and r.reason_en for r in rows)


def test_dry_run_writes_nothing(engine: Engine, cipher: PersonalDataCipher, config: DailyConfig) -> None:
    with unit_of_work(engine) as conn:
        populate_synthetic(conn, 500, 3, NOW, "CN", cipher)
        result = plan_day(conn, config, NOW, dry_run=True)
    assert result.queued > 0
    assert _statuses(engine) == {}


def _one_debtor_day(engine: Engine, cipher: PersonalDataCipher, config: DailyConfig) -> tuple[int, int]:
    """One debtor 5 days past due, planned at 10:00 Shanghai; returns (debtor_pk, message id)."""
    with unit_of_work(engine) as conn:
        debtor_pk, _ = add_debtor(conn, cipher, "D1", due_date=date(2026, 11, 23), outstanding=123_450)
        result = plan_day(conn, config, NOW)
    assert result.queued == 1, result.as_dict()
    with engine.connect() as conn:
        message_id = conn.execute(sa.select(Message.id)).scalar_one()
    return debtor_pk, message_id


def _scheduled(engine: Engine) -> datetime:
    with engine.connect() as conn:
        at: datetime = conn.execute(sa.select(sa.func.min(Message.scheduled_at))).scalar_one()
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _send(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig, at: datetime, tmp_path: Path
) -> dict[str, int]:
    provider = build_provider(f"file://{tmp_path / 'out.jsonl'}?seed=1")

    async def go() -> dict[str, int]:
        async with provider:
            return (await send_day(engine, config, provider, cipher, at, settle=0)).as_dict()

    return asyncio.run(go())


def test_send_and_receipts_for_one_debtor(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig, tmp_path: Path
) -> None:
    _, message_id = _one_debtor_day(engine, cipher, config)
    summary = _send(engine, cipher, config, _scheduled(engine), tmp_path)
    assert summary["submitted"] == 1
    assert _statuses(engine) == {"delivered": 1}
    line = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert "13800138000" not in json.dumps(line)  # the file provider writes masked numbers
    with engine.connect() as conn:
        body = conn.execute(sa.select(Message.body).where(Message.id == message_id)).scalar_one()
    assert body.startswith("【安信金融】") and "1,234.50元" in body and "张*" in body


def test_payment_between_plan_and_send_blocks_at_submit(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig, tmp_path: Path
) -> None:
    _debtor_pk, message_id = _one_debtor_day(engine, cipher, config)
    # A payment written by another process (no cancellation hook ran): the submit-time gate catches it.
    with unit_of_work(engine) as conn:
        conn.execute(sa.text("UPDATE accounts SET paid_minor = outstanding_minor, status = 'paid'"))
    summary = _send(engine, cipher, config, _scheduled(engine), tmp_path)
    assert summary["submitted"] == 0 and summary["blocked"] == 1
    with engine.connect() as conn:
        stages = conn.execute(
            sa.select(ComplianceViolation.stage, ComplianceViolation.rule).where(
                ComplianceViolation.message_id == message_id
            )
        ).all()
    assert [s for s, _ in stages] == ["submit"]
    assert "paid" in stages[0][1]
    assert not (tmp_path / "out.jsonl").exists() or (tmp_path / "out.jsonl").read_text() == ""


def test_payment_file_cancels_queued_messages(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig, tmp_path: Path
) -> None:
    _debtor_pk, _message_id = _one_debtor_day(engine, cipher, config)
    payments = tmp_path / "payments.csv"
    payments.write_text(
        "payment_id,account_id,amount,currency,paid_at\nP1,D1-A,1234.50,CNY,2026-11-28T10:01:00+08:00\n"
    )
    with unit_of_work(engine) as conn:
        outcome = import_portfolio(conn, "payments", payments, cipher=cipher, profile="CN", now=NOW)
    assert outcome.cancelled == 1
    assert _statuses(engine) == {"cancelled": 1}
    with engine.connect() as conn:
        logged = conn.execute(
            sa.select(LoggedEvent.subject, LoggedEvent.detail).where(LoggedEvent.kind == "portfolio.imported")
        ).one()
    detail = json.loads(logged.detail)
    assert logged.subject == "payments.csv"
    assert detail["sha256"] == __import__("hashlib").sha256(payments.read_bytes()).hexdigest()
    assert (detail["kind"], detail["rows"], detail["messages_cancelled"]) == ("payments", 1, 1)


def test_opt_out_between_plan_and_send_blocks_at_submit(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig, tmp_path: Path
) -> None:
    _one_debtor_day(engine, cipher, config)
    with unit_of_work(engine) as conn:
        conn.execute(sa.update(Contact).values(opted_out_at=NOW))
    summary = _send(engine, cipher, config, _scheduled(engine), tmp_path)
    assert summary["blocked"] == 1 and summary["submitted"] == 0


def test_window_boundary_at_send_time(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig, tmp_path: Path
) -> None:
    _one_debtor_day(engine, cipher, config)
    with engine.connect() as conn:
        window_end = conn.execute(sa.select(Message.window_end)).scalar_one()
    # The step window closes before 21:00 local; sending at its end is too late, never sent.
    summary = _send(engine, cipher, config, window_end, tmp_path)
    assert summary["submitted"] == 0
    assert _statuses(engine) == {"lapsed": 1}


def test_third_message_of_the_day_is_blocked(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig
) -> None:
    with unit_of_work(engine) as conn:
        debtor_pk, contact_pk = add_debtor(conn, cipher, "D1", due_date=date(2026, 11, 23))
        for hours in (8, 4):  # 06:00 UTC−8h = earlier today in Shanghai, and 4h before the next plan
            add_message(
                conn,
                debtor_pk,
                contact_pk,
                status="delivered",
                slot_date=date(2026, 11, 28),
                scheduled_at=NOW + timedelta(hours=1) - timedelta(hours=hours),
                submitted_at=NOW + timedelta(hours=1) - timedelta(hours=hours),
                plan_key=f"manual-{hours}",
            )
        result = plan_day(conn, config, NOW + timedelta(hours=1))
    assert result.blocked == 1
    assert "frequency.daily_cap" in result.blocked_by_rule


def test_injection_through_a_name_cannot_change_the_message(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig, tmp_path: Path
) -> None:
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account_id,debtor_id,name,phone,outstanding,currency,due_date\n"
        'A1,D1,"加微信bad{hotline}http://x.cn",13800138000,100.00,CNY,2026-11-23\n',
        encoding="utf-8",
    )
    with unit_of_work(engine) as conn:
        import_file(conn, "accounts", accounts, cipher=cipher, profile="CN", now=NOW)
        result = plan_day(conn, config, NOW)
    assert result.queued == 1
    with engine.connect() as conn:
        body = conn.execute(sa.select(Message.body)).scalar_one()
    assert "加*" in body
    for smuggled in ("微信", "http", "{hotline}", "x.cn"):
        assert smuggled not in body


def test_send_day_runs_inside_the_callers_event_loop(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig, tmp_path: Path
) -> None:
    """An API server or a worker already runs a loop: send_day is a coroutine and installs no
    signal handlers, so other tasks go on while it sends."""
    assert config.window.start_min == 8 * 60 and config.window.end_min == 21 * 60
    assert asyncio.iscoroutinefunction(send_day)
    _one_debtor_day(engine, cipher, config)
    ticks: list[int] = []

    async def beside() -> None:
        for i in range(3):
            ticks.append(i)
            await asyncio.sleep(0)

    async def go() -> int:
        provider = build_provider(f"file://{tmp_path / 'out.jsonl'}")
        async with provider:
            result, _ = await asyncio.gather(
                send_day(engine, config, provider, cipher, _scheduled(engine), settle=0), beside()
            )
        return result.send.submitted

    assert asyncio.run(go()) == 1 and ticks == [0, 1, 2]


def test_a_template_missing_from_the_catalog_blocks_instead_of_crashing(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig
) -> None:
    from dataclasses import replace

    from dunning.templates.models import TemplateCatalog

    empty = replace(config, catalog=TemplateCatalog([], source="empty"))
    with unit_of_work(engine) as conn:
        add_debtor(conn, cipher, "D1", due_date=date(2026, 11, 23))
        result = plan_day(conn, empty, NOW)
    assert result.queued == 0 and result.blocked == 1
    assert any(rule.startswith("template.") for rule in result.blocked_by_rule)
    with engine.connect() as conn:
        assert conn.execute(sa.select(Message.body, Message.status)).one() == ("", "blocked")


def test_a_plan_is_logged_and_a_strategy_change_only_once(
    engine: Engine, cipher: PersonalDataCipher, config: DailyConfig
) -> None:
    with unit_of_work(engine) as conn:
        populate_synthetic(conn, 500, 3, NOW, "CN", cipher)
        first = plan_day(conn, config, NOW)
        plan_day(conn, config, NOW + timedelta(hours=1))
    with engine.connect() as conn:
        kinds = [r.kind for r in conn.execute(sa.select(LoggedEvent.kind).order_by(LoggedEvent.id))]
        decisions = conn.execute(
            sa.select(LoggedEvent.detail).where(LoggedEvent.kind == "compliance.decisions")
        ).scalar_one()
    assert kinds == ["strategy.changed", "plan.run", "compliance.decisions", "plan.run"]
    assert json.loads(decisions)["by_rule"] == dict(sorted(first.blocked_by_rule.items()))


def test_the_simulator_is_refused_on_postgresql_unless_allowed(engine: Engine) -> None:
    from dunning.core.errors import ConfigError
    from dunning.flows import check_provider

    provider = build_provider("smsc://embedded")
    routed = build_provider("file://x.jsonl?route_name=a | smsc://embedded?route_name=b")
    if engine.dialect.name == "sqlite":
        check_provider(provider, engine, Settings())  # the embedded default on a laptop
        return
    for candidate in (provider, routed):
        with pytest.raises(ConfigError) as info:
            check_provider(candidate, engine, Settings())
        assert "DUNNING_ALLOW_EMBEDDED_SMSC" in info.value.en and "DUNNING_PROVIDER_URL" in info.value.zh
    check_provider(provider, engine, Settings(allow_embedded_smsc=True))
    check_provider(build_provider("file://x.jsonl"), engine, Settings())
