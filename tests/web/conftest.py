"""A dashboard over a small real day: debtors, a plan, a task, a draft template."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from dunning import flows
from dunning.access import Role
from dunning.core.clock import utcnow
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.tasks import repository as tasks_repo
from tests.api.conftest import Api, make_api
from tests.factories import accounts


def login(api: Api, role: Role) -> None:
    response = api.client.post("/login", data={"key": api.keys[role], "next": "/"}, follow_redirects=False)
    assert response.status_code == 303


@pytest.fixture
def site(workdir: Path, engine: Engine, cipher: PersonalDataCipher) -> Iterator[Api]:
    made = make_api(workdir, engine, cipher)
    now = utcnow()
    # The plan of today's local date, inside the send window whatever the hour the suite runs at.
    local = ZoneInfo("Asia/Shanghai")
    plan_at = datetime.combine(now.astimezone(local).date(), time(10, 0), tzinfo=local).astimezone(UTC)
    with unit_of_work(engine) as conn:
        # Due on the real local date: the cadence has a step on the due day, so the plan is never empty.
        conn.execute(accounts.update().values(due_date=plan_at.astimezone(local).date()))
        flows.plan_day(conn, made.client.app.state.surface.config(), plan_at)  # type: ignore[attr-defined]
        debtor = flows.portfolio.debtor_ids(conn, ["D002"])["D002"]
        tasks_repo.open_task(
            conn,
            queue="phone_collection",
            debtor_id=debtor,
            reason="no_response",
            priority=2,
            due_at=now + timedelta(hours=2),
            now=now,
        )
        flows.propose_template(
            conn,
            workdir / "templates.yaml",
            "cn-due",
            "【{signature}】{masked_name}您好，您的借款{amount}今天到期，请在{app_name}还款。客服{hotline}",
            notes="shorter",
            by="supervisor1",
            now=now,
        )
    with made.client:
        yield made
