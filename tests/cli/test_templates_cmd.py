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


# ---- approving a version the gate does not allow ------------------------------------------------

#: cn-early without the creditor's name: blocked on a text rule (required.creditor).
NO_CREDITOR = (
    "【{signature}】{masked_name}您好，您尾号{account_tail}的借款{amount}已逾期{days_overdue}天，"
    "请在{app_name}还款。客服{hotline}"
)
NOW = "2026-11-28T09:00:00+08:00"


@pytest.fixture
def flagged(workdir: Path, engine: Engine) -> Path:
    """A templates file with a blocked draft (cn-early v3) and operators of three roles."""
    from dunning.templates.catalog import propose_version

    path = workdir / "templates.yaml"
    path.write_text(default_templates_text("CN"), encoding="utf-8")
    assert propose_version(path, "cn-early", NO_CREDITOR, by="ops").version == 3
    with engine.begin() as conn:
        add_operator(conn, "王五", "compliance")
        add_operator(conn, "root", "admin")
        add_operator(conn, "赵六", "operator")
    return path


def _events(engine: Engine) -> list[tuple[str, str, str, dict[str, object]]]:
    with engine.begin() as conn:
        rows = conn.execute(sa.text("select kind, actor, subject, detail from event_log order by id")).all()
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def test_preview_shows_the_gate_verdict(flagged: Path) -> None:
    data = json.loads(runner.invoke(app, ["templates", "preview", "cn-early", "-v", "3", "--json"]).stdout)
    assert (data["outcome"], data["allowed"], data["overridable"], data["kind"]) == (
        "blocked", False, True, "collection"
    )  # fmt: skip
    assert [v["rule"] for v in data["violations"]] == ["required.creditor"] and data["review"] == []
    assert data["score"] is None or 0.0 <= data["score"] <= 1.0
    shown = runner.invoke(app, ["templates", "preview", "cn-early", "-v", "3"])
    assert (
        "拦截 / blocked" in shown.stdout
        and "required.creditor" in shown.stdout
        and "--reason" in shown.stdout
    )
    ok = runner.invoke(app, ["templates", "preview", "cn-early", "-v", "2"])
    assert "通过 / allowed" in ok.stdout


def test_a_blocked_version_needs_compliance_and_a_reason(flagged: Path, engine: Engine) -> None:
    before = flagged.read_text(encoding="utf-8")
    approve = ["templates", "approve", "cn-early", "3", "--now", NOW]
    no_reason = runner.invoke(app, [*approve, "--by", "王五"])
    assert no_reason.exit_code == 2, no_reason.output
    assert "须填写理由" in no_reason.output and "needs a reason" in no_reason.output
    assert "required.creditor" in no_reason.output
    blank = runner.invoke(app, [*approve, "--by", "王五", "--reason", "   "])
    assert blank.exit_code == 2
    control = runner.invoke(app, [*approve, "--by", "王五", "--reason", "ok\x1b[2J"])
    assert control.exit_code == 2 and "控制字符" in control.output
    admin = runner.invoke(app, [*approve, "--by", "root", "--reason", "the brand is the creditor"])
    assert admin.exit_code == 1 and "只有合规角色" in admin.output and "compliance role" in admin.output
    operator = runner.invoke(app, [*approve, "--by", "赵六", "--reason", "x"])
    assert operator.exit_code == 1 and "无权审批模板" in operator.output
    assert flagged.read_text(encoding="utf-8") == before and _events(engine) == []

    done = runner.invoke(
        app, [*approve, "--by", "王五", "--reason", "签名即债权人品牌 / the brand is the creditor"]
    )
    assert done.exit_code == 0, done.output
    assert "合规放行" in done.stdout and "required.creditor" in done.stdout
    version = load_templates(flagged)["cn-early"].version(3)
    assert (version.state, version.approved_by, version.override_outcome) == ("approved", "王五", "blocked")
    assert version.override_flags == ("required.creditor",)
    assert version.override_reason == "签名即债权人品牌 / the brand is the creditor"
    ((kind, actor, subject, detail),) = _events(engine)
    assert (kind, actor, subject) == ("template.approved_override", "王五", "cn-early#3")
    assert (
        detail["outcome"] == "blocked" and detail["rules"] == ["required.creditor"] and detail["review"] == []
    )
    assert detail["reason"] == "签名即债权人品牌 / the brand is the creditor" and detail["operator"] == "王五"
    # comments and every other version are kept byte for byte
    after = flagged.read_text(encoding="utf-8")
    assert after.count("\n") == before.count("\n") + 5 and "# ---- 回复与还款的应答" in after
    data = json.loads(runner.invoke(app, ["templates", "preview", "cn-early", "-v", "3", "--json"]).stdout)
    assert data["override"]["reason"].startswith("签名即债权人品牌") and data["override"]["by"] == "王五"


def test_an_allowed_version_needs_no_reason_even_from_an_admin(flagged: Path, engine: Engine) -> None:
    done = runner.invoke(
        app, ["templates", "approve", "cn-early", "2", "--by", "root", "--reason", "ignored"]
    )
    assert done.exit_code == 0, done.output
    assert "合规放行" not in done.stdout
    version = load_templates(flagged)["cn-early"].version(2)
    assert version.override_outcome is None and version.override_reason is None
    assert [e[0] for e in _events(engine)] == ["template.approved"]


def test_a_version_held_for_review_is_approved_by_compliance_with_a_reason(
    flagged: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second opinion holds cn-early v2 for review (no rule broken): same override path."""
    from dunning.compliance import gate

    monkeypatch.setattr(gate, "judge_message", lambda *a, **k: gate.Verdict((), ("classifier",), 0.83))
    preview = json.loads(runner.invoke(app, ["templates", "preview", "cn-early", "-v", "2", "--json"]).stdout)
    assert (preview["outcome"], preview["review"], preview["score"], preview["overridable"]) == (
        "review", ["classifier"], 0.83, True
    )  # fmt: skip
    refused = runner.invoke(app, ["templates", "approve", "cn-early", "2", "--by", "root"])
    assert refused.exit_code == 1 and "待人工复核" in refused.output and "review" in refused.output
    done = runner.invoke(
        app,
        [
            "templates",
            "approve",
            "cn-early",
            "2",
            "--by",
            "王五",
            "--reason",
            "语气平和，误报 / a false alarm",
        ],
    )
    assert done.exit_code == 0, done.output
    version = load_templates(flagged)["cn-early"].version(2)
    assert (version.override_outcome, version.override_flags) == ("review", ("classifier",))
    ((kind, _, _, detail),) = _events(engine)
    assert kind == "template.approved_override"
    assert (detail["outcome"], detail["rules"], detail["review"], detail["score"]) == (
        "review",
        [],
        ["classifier"],
        0.83,
    )


def test_rules_that_are_not_about_the_text_cannot_be_overridden(
    flagged: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dunning import flows
    from dunning.compliance import gate

    assert flows.override_blockers(["required.creditor", "content.threat_arrest", "length.max"]) == []
    mixed = ["status.opt_out", "required.amount", "time.window", "frequency.daily_cap"]
    assert flows.override_blockers(mixed) == ["status.opt_out", "time.window", "frequency.daily_cap"]
    monkeypatch.setattr(
        gate, "judge_message", lambda *a, **k: gate.Verdict(("required.amount", "status.opt_out"))
    )
    preview = json.loads(runner.invoke(app, ["templates", "preview", "cn-early", "-v", "2", "--json"]).stdout)
    assert preview["outcome"] == "blocked" and preview["overridable"] is False
    refused = runner.invoke(
        app, ["templates", "approve", "cn-early", "2", "--by", "王五", "--reason", "please"]
    )
    assert (
        refused.exit_code == 1 and "不能附理由放行" in refused.output and "status.opt_out" in refused.output
    )
    assert load_templates(flagged)["cn-early"].version(2).state == "draft" and _events(engine) == []


def test_a_hand_written_override_on_a_draft_is_refused(in_tmp: Path) -> None:
    from dunning.core.errors import ConfigError
    from dunning.templates import parse_templates

    text = """templates:
  - id: t
    profile: CN
    versions:
      - {version: 1, state: draft, body: "x", override_outcome: blocked, override_reason: "why"}
"""
    with pytest.raises(ConfigError, match="override"):
        parse_templates(text)
    with pytest.raises(ConfigError, match="override_reason"):
        parse_templates(
            text.replace("state: draft", "state: retired").replace(', override_reason: "why"', "")
        )
