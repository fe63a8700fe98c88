from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dunning.core.errors import ConfigError, InputError, NotFound
from dunning.templates import (
    approve_version,
    default_templates_text,
    load_default_templates,
    load_templates,
    parse_templates,
)

GOOD = """
# a comment that must survive approvals
templates:
  - id: t-one
    profile: CN
    description: one
    versions:
      - version: 1
        state: approved
        approved_by: 审批人甲
        approved_at: "2026-01-01T10:00:00+08:00"
        body: "【{signature}】v1 {amount}"
      - version: 2
        state: approved
        approved_by: 审批人乙
        approved_at: "2026-02-01T10:00:00+08:00"
        body: "【{signature}】v2 {amount}"   # trailing comment
      - version: 3
        state: draft
        body: "【{signature}】v3 draft {amount}"
  - id: t-retired
    profile: CN
    versions:
      - version: 1
        state: approved
        approved_by: x
        approved_at: "2026-01-01T10:00:00+08:00"
        body: "old {amount}"
      - version: 2
        state: retired
        approved_by: x
        approved_at: "2026-01-02T10:00:00+08:00"
        body: "retired {amount}"
  - id: t-draft-only
    profile: US
    versions:
      - {version: 1, state: draft, body: "{creditor}: draft only. Reply STOP to opt out."}
"""


def test_newest_approved_version_is_the_one_sent() -> None:
    catalog = parse_templates(GOOD, "good.yaml")
    assert len(catalog) == 3
    one = catalog["t-one"]
    assert one.approved is not None and one.approved.version == 2  # draft v3 is newer but ignored
    assert one.for_sending() == (one.version(2), True)
    retired = catalog["t-retired"]
    assert retired.approved is not None and retired.approved.version == 1  # retired v2 ignored
    draft_only = catalog["t-draft-only"]
    assert draft_only.approved is None
    assert draft_only.for_sending() == (draft_only.version(1), False)
    assert catalog.approved("t-one") == one.version(2)


def test_unknown_template_and_version() -> None:
    catalog = parse_templates(GOOD, "good.yaml")
    with pytest.raises(NotFound) as info:
        catalog["nope"]
    assert "nope" in info.value.en and "没有模板" in info.value.zh
    with pytest.raises(NotFound) as info:
        catalog["t-one"].version(9)
    assert "no version 9" in info.value.en and "第 9 版" in info.value.zh


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_templates(text, "bad.yaml")
    return info.value


def _one(body: str = '"{amount}"', extra: str = "", state: str = "draft") -> str:
    return (
        "templates:\n  - id: cn-x\n    profile: CN\n    versions:\n"
        f"      - version: 7\n        state: {state}\n        body: {body}\n{extra}"
    )


def test_errors_name_file_template_and_version_in_both_languages() -> None:
    error = _error(_one('"hi {nobody}"'))
    assert "bad.yaml" in error.en and "bad.yaml" in error.zh
    assert "template 'cn-x' › version 7 › body" in error.en
    assert "模板 cn-x › 第 7 版 › body" in error.zh
    assert "unknown variable {nobody}" in error.en and "未知变量 {nobody}" in error.zh


@pytest.mark.parametrize(
    ("text", "en", "zh"),
    [
        (_one('"{{name}}"'), "Jinja-like", "Jinja"),
        (_one('"{amount"'), "unbalanced", "不配对"),
        (_one(state="approved"), "needs approved_by and approved_at", "须填写 approved_by"),
        (_one(extra="        approved_by: someone\n"), "cannot carry approved_by", "不能带审批信息"),
        (_one(state="published"), "Input should be 'draft', 'approved' or 'retired'", "取值须为"),
        (_one(extra="        colour: red\n"), "colour", "不认识的字段"),
        (
            _one(
                state="approved", extra='        approved_by: a\n        approved_at: "2026-01-01T10:00:00"\n'
            ),
            "needs a UTC offset",
            "须带时区偏移",
        ),
        ("templates:\n  - id: Bad Id\n    profile: CN\n    versions: []\n", "id", "格式不符"),
        ("templates:\n  - id: x\n    profile: XX\n    versions: []\n", "profile", "取值须为"),
        ("templates: []\n", "at least one template", "至少需要一个模板"),
    ],
)
def test_load_errors(text: str, en: str, zh: str) -> None:
    error = _error(text)
    assert en in error.en, error.en
    assert zh in error.zh, error.zh


def test_duplicates() -> None:
    twice = GOOD + GOOD.split("templates:\n", 1)[1]
    assert "duplicate template ids" in _error(twice).en
    dup_versions = _one() + "      - version: 7\n        state: draft\n        body: x\n"
    assert "duplicate version numbers: [7]" in _error(dup_versions).en


def test_yaml_syntax_error_names_line() -> None:
    error = _error("templates:\n  - id: [unclosed\n")
    assert "bad.yaml" in error.en and "line:column" in error.en and "行:列" in error.zh


def test_empty_and_missing_files(tmp_path: Path) -> None:
    assert "empty" in _error("").en
    with pytest.raises(ConfigError) as info:
        load_templates(tmp_path / "missing.yaml")
    assert "dunning init" in info.value.en and "找不到模板文件" in info.value.zh


# ---------------------------------------------------------------------------------------- approval

AT = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def test_approve_updates_only_the_approval_fields(tmp_path: Path) -> None:
    path = tmp_path / "templates.yaml"
    path.write_text(GOOD, encoding="utf-8")
    approved = approve_version(path, "t-one", 3, by="合规 王五", at=AT)
    assert approved.state == "approved" and approved.approved_by == "合规 王五" and approved.approved_at == AT
    text = path.read_text(encoding="utf-8")
    assert "# a comment that must survive approvals" in text
    assert "# trailing comment" in text
    catalog = load_templates(path)
    assert catalog["t-one"].approved == catalog["t-one"].version(3)
    # nothing else changed
    before = GOOD.splitlines()
    after = text.splitlines()
    diff = [d for d in difflib.ndiff(before, after) if d[:1] in "+-"]
    assert diff == [
        "-         state: draft",
        "+         state: approved",
        '+         approved_by: "合规 王五"',
        '+         approved_at: "2026-11-28T01:00:00+00:00"',
    ]


def test_approve_flow_style_version(tmp_path: Path) -> None:
    path = tmp_path / "templates.yaml"
    path.write_text(GOOD, encoding="utf-8")
    approve_version(path, "t-draft-only", 1, by='Jane "QA" Doe', at=AT)
    catalog = load_templates(path)
    version = catalog["t-draft-only"].version(1)
    assert version.state == "approved" and version.approved_by == 'Jane "QA" Doe'


def test_approve_replaces_empty_existing_fields(tmp_path: Path) -> None:
    path = tmp_path / "templates.yaml"
    path.write_text(
        _one(extra="        approved_by:\n        approved_at:\n        notes: n\n"), encoding="utf-8"
    )
    approve_version(path, "cn-x", 7, by="A", at=AT)
    version = load_templates(path)["cn-x"].version(7)
    assert (version.state, version.approved_by, version.approved_at, version.notes) == (
        "approved",
        "A",
        AT,
        "n",
    )


def test_approve_refusals(tmp_path: Path) -> None:
    path = tmp_path / "templates.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(NotFound):
        approve_version(path, "nope", 1, by="A", at=AT)
    with pytest.raises(NotFound) as info:
        approve_version(path, "t-one", 42, by="A", at=AT)
    assert "versions: [1, 2, 3]" in info.value.en
    with pytest.raises(InputError) as already:
        approve_version(path, "t-one", 2, by="A", at=AT)
    assert "already approved" in already.value.en and "已审批" in already.value.zh
    with pytest.raises(InputError) as retired:
        approve_version(path, "t-retired", 2, by="A", at=AT)
    assert "retired" in retired.value.en
    with pytest.raises(InputError):
        approve_version(path, "t-one", 3, by="  ", at=AT)
    with pytest.raises(InputError):
        approve_version(path, "t-one", 3, by="A", at=datetime(2026, 1, 1))
    assert path.read_text(encoding="utf-8") == GOOD


# ---------------------------------------------------------------------------------------- defaults


@pytest.mark.parametrize("profile", ["CN", "US"])
def test_defaults_load_and_show_the_workflow(profile: str) -> None:
    catalog = load_default_templates(profile)  # type: ignore[arg-type]
    states = [v.state for t in catalog.values() for v in t.versions]
    assert "draft" in states
    for template in catalog.values():
        assert template.profile == profile
        assert template.approved is not None, template.id
        assert template.id.startswith(profile.lower() + "-")
    assert re.search(r"^templates:", default_templates_text(profile), re.M)  # type: ignore[arg-type]


def test_default_cn_template_content() -> None:
    catalog = load_default_templates("CN")
    for template in catalog.values():
        if template.kind != "collection":
            continue  # answers have their own elements: test_default_answers_pass_the_gate_of_their_kind
        body = template.approved.body if template.approved else ""
        assert body.startswith("【{signature}】{masked_name}"), template.id
        for needed in ("{creditor}", "{amount}", "{app_name}", "{hotline}"):
            assert needed in body, (template.id, needed)
        assert "{days_overdue}" in body or "{due_date}" in body or "今日到期" in body or "明天到期" in body
        if "multi" in template.id:
            assert "您名下{n_accounts}笔" in body
        else:
            assert "尾号{account_tail}" in body
    bodies = " ".join(v.body for t in catalog.values() for v in t.versions)
    assert "逾期信息可能报送征信" in bodies and "按合同计收逾期利息" in bodies


def test_default_us_template_content() -> None:
    catalog = load_default_templates("US")
    for template in catalog.values():
        if template.kind != "collection":
            continue
        for version in template.versions:
            assert version.body.endswith("Reply STOP to opt out."), template.id
            for needed in ("{creditor}", "{amount}", "{hotline}"):
                assert needed in version.body
            assert (
                "{days_overdue}" in version.body
                or "{due_date}" in version.body
                or "due today" in version.body
            )
