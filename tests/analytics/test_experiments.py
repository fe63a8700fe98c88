"""The experiment report: interval and sample size against a case worked out by hand; per-arm
figures on frames; end to end after real plans; the CLI."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import yaml
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunning.analytics.experiments import arm_report, difference_ci, sample_size
from dunning.cli.main import app
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.settings import Settings
from dunning.flows import experiment_report, load_config, plan_day
from dunning.portfolio.synthetic import populate_synthetic
from tests.strategy.test_experiments import NOW, _experiment

T = datetime(2026, 11, 1, tzinfo=UTC)


def test_the_interval_and_the_sample_size_of_a_known_case() -> None:
    # 30 % of 1,000 against 25 % of 1,000: difference 5 pp, se = sqrt(.21/1000 + .1875/1000) = 0.019937
    diff, low, high = difference_ci(0.30, 1000, 0.25, 1000)  # type: ignore[misc]
    assert diff == pytest.approx(0.05) and low == pytest.approx(0.010923, abs=1e-5)
    assert high == pytest.approx(0.089077, abs=1e-5)
    assert sample_size(0.30, 0.25) == 1251  # the textbook 25 % vs 30 %, two-sided 5 %, power 80 %
    assert sample_size(0.2, 0.2) is None and difference_ci(0.1, 0, 0.1, 10) is None


def test_arm_figures_count_only_what_happened_within_the_window() -> None:
    assignments = pl.DataFrame(
        {
            "debtor_pk": [1, 2, 3, 4],
            "arm": ["holdout", "holdout", "a", "a"],
            "probability": [0.5] * 4,
            "assigned_at": [T] * 4,
        },
        schema_overrides={"assigned_at": pl.Datetime("us", "UTC")},
    )
    utc = pl.Datetime("us", "UTC")
    messages = pl.DataFrame(
        {
            "debtor_pk": [3, 4, 4],
            "status": ["delivered", "delivered", "undelivered"],
            "created_at": [T, T, T + timedelta(days=1)],
        },
        schema_overrides={"created_at": utc},
    )
    payments = pl.DataFrame(
        {
            "debtor_pk": [1, 3, 4],
            "amount_minor": [100, 500, 700],
            "paid_at": [T + timedelta(days=2), T + timedelta(days=3), T + timedelta(days=30)],
        },
        schema_overrides={"paid_at": utc},
    )
    intents = pl.DataFrame(
        {"debtor_pk": [4], "intent": ["complaint"], "received_at": [T + timedelta(hours=5)]},
        schema_overrides={"received_at": utc},
    )
    promises = pl.DataFrame(
        {"debtor_pk": [3], "created_at": [T + timedelta(days=1)]}, schema_overrides={"created_at": utc}
    )
    report = arm_report(assignments, messages, payments, intents, promises, days=14)
    a, control = report["arms"]["a"], report["arms"]["holdout"]
    assert (a["debtors"], a["messages"], a["delivered"], a["payers"], a["recovered_minor"]) == (
        2,
        3,
        2,
        1,
        500,
    )
    assert (a["promises"], a["complaints"], control["payers"], control["messages"]) == (1, 1, 1, 0)
    assert a["uplift"]["payment_rate"]["difference"] == pytest.approx(0.0)  # 1/2 against 1/2
    assert control["uplift"] is None


def test_report_after_real_plans_and_promote_by_the_cli(
    engine: Engine, cipher: PersonalDataCipher, workdir: Path
) -> None:
    plain = load_config(Settings())
    config = dataclasses.replace(
        plain, strategy=plain.strategy.model_copy(update={"experiment": _experiment()})
    )
    with unit_of_work(engine) as conn:
        populate_synthetic(conn, 800, 3, NOW, "CN", cipher)
        plan_day(conn, config, NOW)
        report = experiment_report(conn, "timing-1", days=7)
    arms = report["arms"]
    assert set(arms) == {"holdout", "champion", "morning"}
    assert arms["holdout"]["messages"] == 0 and arms["champion"]["messages"] > 0
    assert arms["morning"]["uplift"] is not None
    out = CliRunner().invoke(app, ["experiment", "report", "timing-1", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["arms"]["holdout"]["messages"] == 0
    strategy = config.strategy.model_dump(mode="json", exclude_none=True)
    (workdir / "strategy.yaml").write_text(yaml.safe_dump(strategy, allow_unicode=True), encoding="utf-8")
    CliRunner().invoke(app, ["init"])
    promoted = CliRunner().invoke(app, ["experiment", "promote", "timing-1", "morning", "--by", "admin"])
    assert promoted.exit_code == 0, promoted.output
    assert yaml.safe_load((workdir / "strategy.yaml").read_text())["experiment"]["promoted"] == "morning"
    missing = CliRunner().invoke(app, ["experiment", "report", "nope"])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
