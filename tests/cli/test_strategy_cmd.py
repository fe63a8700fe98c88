from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.strategy import default_strategy_text

runner = CliRunner()


def test_show(in_tmp: Path) -> None:
    result = runner.invoke(app, ["strategy", "show"])
    assert result.exit_code == 0, result.output
    for text in ("cn-default", "early-low-risk", "cn-multi-overdue", "D-3", "14 天 / days", "agent_queue"):
        assert text in result.stdout
    (in_tmp / "us.yaml").write_text(default_strategy_text("US"), encoding="utf-8")
    us = runner.invoke(app, ["strategy", "show", "--file", "us.yaml"])
    assert us.exit_code == 0 and "massachusetts" in us.stdout and "regions MA" in us.stdout


def test_validate(in_tmp: Path) -> None:
    good = in_tmp / "strategy.yaml"
    good.write_text(default_strategy_text("CN"), encoding="utf-8")
    result = runner.invoke(app, ["strategy", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "有效 / valid" in result.stdout

    bad_template = in_tmp / "bad_template.yaml"
    bad_template.write_text(default_strategy_text("CN").replace("template: cn-mid,", "template: cn-gone,"))
    result = runner.invoke(app, ["strategy", "validate", str(bad_template)])
    assert result.exit_code == 1
    assert "cn-gone" in result.stdout and "无效 / invalid" in result.stdout

    broken = in_tmp / "broken.yaml"
    broken.write_text(
        default_strategy_text("CN").replace('window: "10:00-12:00"', 'window: "06:00-12:00"', 1)
    )
    result = runner.invoke(app, ["strategy", "validate", str(broken)])
    assert result.exit_code == 1
    assert "broken.yaml" in result.output and "segment 'pre-due' › step 'd-3'" not in result.output
    assert "segment 'pre-due' step 'd-3'" in result.output and "法定时段" in result.output
