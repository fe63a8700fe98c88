from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.templates import default_templates_text, load_templates
from tests.factories import add_operator

runner = CliRunner()


def test_list_falls_back_to_shipped_examples(in_tmp: Path) -> None:
    result = runner.invoke(app, ["templates", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    ids = {r["id"] for r in rows}
    assert "cn-early" in ids
    sent = [r for r in rows if r["id"] == "cn-early" and r["sent"]]
    assert [r["version"] for r in sent] == [1]
    assert all(r["encoding"] == "UCS-2" and r["segments"] == 1 for r in rows if r["state"] == "approved")
    table = runner.invoke(app, ["templates", "list"])
    assert table.exit_code == 0 and "cn-multi-late" in table.stdout


def test_preview(in_tmp: Path) -> None:
    result = runner.invoke(
        app, ["templates", "preview", "cn-early", "--version", "2", "--now", "2026-11-28T09:00:00+08:00"]
    )
    assert result.exit_code == 0, result.output
    assert "张*您好" in result.stdout and "UCS-2" in result.stdout
    assert "不会被发送" in result.stdout  # a draft
    data = json.loads(
        runner.invoke(
            app, ["templates", "preview", "cn-due", "--json", "--now", "2026-11-28T09:00:00+08:00"]
        ).stdout
    )
    assert data["version"] == 2 and data["sendable"] is True and data["segments"] == 1
    missing = runner.invoke(app, ["templates", "preview", "nope"])
    assert missing.exit_code == 1 and "没有模板" in missing.output


def test_approve_writes_the_file(workdir: Path, engine: Engine) -> None:
    path = workdir / "templates.yaml"
    with engine.begin() as conn:
        add_operator(conn, "王五", "compliance")
        add_operator(conn, "赵六", "operator")
    no_file = runner.invoke(app, ["templates", "approve", "cn-early", "2", "--by", "王五"])
    assert no_file.exit_code == 1 and "dunning init" in no_file.output
    path.write_text(default_templates_text("CN"), encoding="utf-8")
    denied = runner.invoke(app, ["templates", "approve", "cn-early", "2", "--by", "赵六"])
    assert denied.exit_code == 1 and "compliance" in denied.output and "无权审批模板" in denied.output
    nobody = runner.invoke(app, ["templates", "approve", "cn-early", "2"])
    assert nobody.exit_code == 2 and "--by" in nobody.output
    result = runner.invoke(
        app, ["templates", "approve", "cn-early", "2", "--by", "王五", "--now", "2026-11-28T09:00:00+08:00"]
    )
    assert result.exit_code == 0, result.output
    assert "已审批 / Approved" in result.stdout
    catalog = load_templates(path)
    assert catalog["cn-early"].approved is not None and catalog["cn-early"].approved.version == 2
    assert catalog["cn-early"].approved.approved_by == "王五"
    with engine.begin() as conn:
        logged = conn.execute(sa.text("select kind, actor, subject from event_log")).all()
    assert [tuple(r) for r in logged] == [("template.approved", "王五", "cn-early#2")]
    again = runner.invoke(app, ["templates", "approve", "cn-early", "2", "--by", "王五"])
    assert again.exit_code == 2 and "already approved" in again.output
    unknown = runner.invoke(app, ["templates", "approve", "cn-early", "9", "--by", "王五"])
    assert unknown.exit_code == 1 and "第 9 版" in unknown.output
    listing = json.loads(runner.invoke(app, ["templates", "list", "--json"]).stdout)
    assert [r["version"] for r in listing if r["id"] == "cn-early" and r["sent"]] == [2]


def test_one_character_that_changes_the_cost_is_named_at_preview_and_approval(
    workdir: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A curly apostrophe turns a one-part GSM-7 text into UCS-2: preview and approval say so."""
    from dunning.core.settings import reset_settings_cache

    monkeypatch.setenv("DUNNING_PROFILE", "US")
    reset_settings_cache()
    try:
        text = default_templates_text("US").replace(
            "is past due since {due_date}", "is past due, it’s {due_date}"
        )
        (workdir / "templates.yaml").write_text(text, encoding="utf-8")
        with engine.begin() as conn:
            add_operator(conn, "compliance-1", "compliance")
        preview = runner.invoke(app, ["templates", "preview", "us-early", "--version", "2", "--json"])
        assert preview.exit_code == 0, preview.output
        cost = json.loads(preview.stdout)["cost"]
        assert cost["encoding"] == "UCS-2" and cost["forcing_ucs2"][0]["code_point"] == "U+2019"
        assert cost["without_forcing"]["encoding"] == "GSM-7"
        shown = runner.invoke(app, ["templates", "preview", "us-early", "--version", "2"])
        assert "U+2019" in shown.output and "GSM-7" in shown.output
        approved = runner.invoke(app, ["templates", "approve", "us-early", "2", "--by", "compliance-1"])
        assert approved.exit_code == 0, approved.output
        assert "U+2019" in approved.output and "Approved" in approved.output
    finally:
        reset_settings_cache()
