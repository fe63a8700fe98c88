from __future__ import annotations

from pathlib import Path

import pytest

from dunning.core.errors import ConfigError
from dunning.strategy import (
    check_cadence,
    check_templates,
    load_default_strategy,
    load_strategy,
    parse_strategy,
    parse_window,
)
from dunning.templates import load_default_templates, parse_templates

BASE = """
id: test
profile: {profile}
version: 1
exit:
  on: [paid, opt_out]
  min_balance: 10
segments:
{segments}
"""

OK_SEGMENT = """
  - id: early
    when: {buckets: [M1]}
    steps:
      - {id: d1, day: 1, template: cn-early, window: "09:00-12:00"}
"""


def _doc(segments: str, profile: str = "CN") -> str:
    return BASE.format(profile=profile, segments=segments.strip("\n"))


def _error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_strategy(text, "strategy.yaml")
    return info.value


def test_defaults_load_and_pass_every_check() -> None:
    for profile in ("CN", "US"):
        strategy = load_default_strategy(profile)  # type: ignore[arg-type]
        assert strategy.profile == profile
        assert check_templates(strategy, load_default_templates(profile)) == []  # type: ignore[arg-type]
        assert check_cadence(strategy) == []
    cn = load_default_strategy("CN")
    assert cn.exit.on == ("paid", "promise_to_pay", "dispute", "opt_out", "complaint")  # `on:` is not True
    assert [s.day for s in cn.segment("pre-due").steps] == [-3, -1, 0]
    assert [s.day for s in cn.segment("early").steps] == [1, 3, 5, 7, 10, 15, 20, 25, 30]


def test_windows() -> None:
    assert parse_window("09:00-20:30") == (540, 1230)
    assert parse_window("08:00-24:00") == (480, 1440)


@pytest.mark.parametrize(
    ("segments", "en", "zh"),
    [
        (OK_SEGMENT.replace("09:00-12:00", "9-12"), "must look like HH:MM-HH:MM", "格式应为"),
        (OK_SEGMENT.replace("09:00-12:00", "12:00-09:00"), "start must be before the end", "开始须早于结束"),
        (OK_SEGMENT.replace("09:00-12:00", "25:00-26:00"), "invalid time", "时间无效"),
        (
            OK_SEGMENT.replace("09:00-12:00", "07:00-12:00"),
            "outside the CN legal hours 08:00-22:00",
            "法定时段",
        ),
        (OK_SEGMENT.replace("[M1]", "[M9]"), "unknown buckets ['M9']", "未知账龄段"),
        (OK_SEGMENT.replace("day: 1,", "day: 45,"), "day 45 is outside the segment's buckets", "不在本分群"),
        (OK_SEGMENT.replace("[M1]", "[pre-due]").replace("day: 1,", "day: -5,"), "before D-3", "早于"),
        (OK_SEGMENT.replace("day: 1,", "day: 1, every: 0,"), "greater than or equal to 1", "须 ≥ 1"),
        (OK_SEGMENT.replace("template: cn-early", "template: Bad Id"), "pattern", "格式不符"),
        (OK_SEGMENT.replace("window:", "windw:"), "windw", "不认识的字段"),
        (
            OK_SEGMENT.replace("buckets: [M1]", "risk_score: {min: 0.5, max: 0.1}"),
            "min must be below max",
            "min 须小于",
        ),
        (OK_SEGMENT.replace("buckets: [M1]", "balance: {min: -1}"), "greater than or equal to 0", "须 ≥ 0"),
        (OK_SEGMENT.replace("steps:", "stepz:"), "steps", "缺少必填字段"),
    ],
)
def test_errors_name_segment_and_step(segments: str, en: str, zh: str) -> None:
    error = _error(_doc(segments))
    assert "strategy.yaml" in error.en and "strategy.yaml" in error.zh
    assert "segment 'early'" in error.en and "分群 early" in error.zh, error.en
    assert en in error.en, error.en
    assert zh in error.zh, error.zh


def test_step_order_and_duplicates() -> None:
    two = OK_SEGMENT + '      - {id: d0, day: 0, template: cn-early, window: "09:00-12:00"}\n'
    error = _error(_doc(two.replace("[M1]", "[D0, M1]")))
    assert "strictly increasing" in error.en and "严格递增" in error.zh
    same = OK_SEGMENT + '      - {id: d1, day: 2, template: cn-early, window: "09:00-12:00"}\n'
    assert "duplicate step ids: ['d1']" in _error(_doc(same)).en
    assert "duplicate segment ids" in _error(_doc(OK_SEGMENT + OK_SEGMENT)).en


def test_catch_all_segment_must_be_last() -> None:
    catch_all = OK_SEGMENT.replace("    when: {buckets: [M1]}\n", "").replace("id: early", "id: everything")
    error = _error(_doc(catch_all + OK_SEGMENT))
    assert "can never match" in error.en and "永远不会被选中" in error.zh
    parse_strategy(_doc(OK_SEGMENT + catch_all), "strategy.yaml")  # fine at the end


def test_us_legal_hours_and_misc_errors(tmp_path: Path) -> None:
    error = _error(_doc(OK_SEGMENT.replace("09:00-12:00", "20:00-21:30"), profile="US"))
    assert "US legal hours 08:00-21:00" in error.en
    assert "empty" in _error("").en
    assert "line:column" in _error("id: [x\n").en
    assert "exit" in _error(_doc(OK_SEGMENT).replace("on: [paid, opt_out]", "on: [paid, vacation]")).en
    with pytest.raises(ConfigError) as info:
        load_strategy(tmp_path / "none.yaml")
    assert "找不到策略文件" in info.value.zh


def test_check_templates_reports_problems() -> None:
    catalog = parse_templates(
        """
templates:
  - id: cn-early
    profile: CN
    versions: [{version: 1, state: draft, body: "{amount}"}]
  - id: us-x
    profile: US
    versions: [{version: 1, state: draft, body: "{amount}"}]
""",
        "t.yaml",
    )
    segments = OK_SEGMENT + '      - {id: d2, day: 2, template: us-x, window: "09:00-12:00"}\n'
    segments += (
        '      - {id: d3, day: 3, template: cn-gone, template_multi: cn-early, window: "09:00-12:00"}\n'
    )
    problems = check_templates(parse_strategy(_doc(segments)), catalog)
    text = [(p.level, p.where, p.en) for p in problems]
    assert ("error", "segment early › step d3", "template 'cn-gone' is not in t.yaml") in text
    assert ("error", "segment early › step d2", "template 'us-x' is for US, the strategy is CN") in text
    assert any(level == "warning" and "no approved version" in en for level, _, en in text)
    assert any(level == "warning" and "template_multi" in en for level, _, en in text)
    assert all(p.zh for p in problems)


def test_check_cadence_warns_above_caps() -> None:
    dense = _doc(
        """
  - id: dense
    when: {buckets: [M1]}
    steps:
      - {id: d1, day: 1, every: 1, template: us-early, window: "09:00-12:00"}
""",
        profile="US",
    )
    problems = check_cadence(parse_strategy(dense))
    assert len(problems) == 1 and "up to 7 messages in the 7 days from D1 (cap 3)" in problems[0].en
    ma = _doc(
        """
  - id: ma
    when: {regions: [ma]}
    steps:
      - {id: d1, day: 1, template: us-early, window: "09:00-12:00"}
      - {id: d3, day: 3, template: us-early, window: "09:00-12:00"}
      - {id: d5, day: 5, template: us-early, window: "09:00-12:00"}
""",
        profile="US",
    )
    problems = check_cadence(parse_strategy(ma))
    assert [p.en.split(":")[0] for p in problems] == ["region MA"]
    assert "cap 2" in problems[0].en and "地区 MA" in problems[0].zh
