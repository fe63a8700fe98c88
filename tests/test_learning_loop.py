"""Issue 10's loop from the command line: ``dunning demo --days N --policy adaptive`` shows the
experiment report and the logged choices; then in that directory ``learn``, ``policy evaluate``,
``portfolio segments`` and ``strategy use`` work; ``simulate --json`` prints every policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning.cli.main import app as cli
from dunning.core.settings import reset_settings_cache

END = "2026-03-07T09:00:00+08:00"


def _clean_env(monkeypatch: pytest.MonkeyPatch, where: Path) -> None:
    monkeypatch.chdir(where)
    for key in ("DUNNING_DATABASE_URL", "DUNNING_PROFILE", "DUNNING_PROVIDER_URL", "DUNNING_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    reset_settings_cache()


@pytest.mark.slow
def test_adaptive_demo_then_the_learning_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _clean_env(monkeypatch, tmp_path)
    demo = tmp_path / "demo"
    runner = CliRunner()
    out = runner.invoke(
        cli, ["demo", "--dir", str(demo), "--accounts", "300", "--days", "5", "--policy", "adaptive"]
    )
    assert out.exit_code == 0, out.output
    assert "holdout" in out.output and "p(send)" in out.output
    _clean_env(monkeypatch, demo)

    learned = runner.invoke(cli, ["learn", "--now", END, "--json"])
    assert learned.exit_code == 0, learned.output
    report = json.loads(learned.output)
    assert report["policy"] == "adaptive" and report["model"]["rows"] > 0
    assert all(0 < c["mean_probability"] <= 1 for c in report["choices"])

    evaluated = runner.invoke(cli, ["policy", "evaluate", "--now", END, "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    estimates = json.loads(evaluated.output)
    assert set(estimates["pay_rate"]) == {"never", "always", "rules", "adaptive"}
    assert estimates["pay_rate"]["never"]["target_send_rate"] == 0.0

    segments = runner.invoke(cli, ["portfolio", "segments", "--now", END, "--json"])
    assert segments.exit_code == 0, segments.output
    cells = json.loads(segments.output)["segments"]
    assert {c["segment"] for c in cells} == {"can_will", "can_wont", "cant_will", "cant_wont"}
    assert sum(c["debtors"] for c in cells) > 0

    before = (demo / "strategy.yaml").read_text(encoding="utf-8")
    switched = runner.invoke(cli, ["strategy", "use", "rules", "--by", "admin", "--now", END])
    assert switched.exit_code == 0, switched.output
    backups = list(demo.glob("strategy.yaml.bak-*"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == before
    assert "policy: adaptive" not in (demo / "strategy.yaml").read_text(encoding="utf-8")
    events = runner.invoke(cli, ["events", "--kind", "strategy.switched"])
    assert "Event log — 1" in events.output
    refused = runner.invoke(cli, ["strategy", "use", "bandit", "--by", "admin"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output


def test_simulate_prints_every_policy_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _clean_env(monkeypatch, tmp_path)
    out = CliRunner().invoke(
        cli,
        ["simulate", "--accounts", "120", "--days", "2", "--policy", "none,rules", "--seed", "2", "--json"],
    )
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    by = {p["policy"]: p for p in report["policies"]}
    assert by["none"]["messages"] == 0 and by["rules"]["messages"] > 0
    assert by["rules"]["incremental"] == pytest.approx(by["rules"]["recovered"] - by["none"]["recovered"])
    bad = CliRunner().invoke(cli, ["simulate", "--policy", "magic"])
    assert bad.exit_code != 0 and "Traceback" not in bad.output
