from __future__ import annotations

from datetime import date, time
from importlib import resources
from pathlib import Path

import pytest

from dunning.compliance import AuditedOverride, ComplianceProfile, default_profile, load_profile
from dunning.core.errors import ConfigError, InputError
from dunning.core.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        creditor="安信消费金融",
        signature="安信金融",
        hotline="95000",
        allowed_urls=["https://m.anxin.example/pay"],
        allowed_numbers=["95000", "4008000000"],
        compliance_file=tmp_path / "absent.yaml",
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "compliance.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cn_defaults_follow_compliance_md(settings: Settings) -> None:
    p = default_profile("CN", settings)
    assert (p.window_start, p.window_end) == (time(8), time(21))
    assert (p.daily_cap, p.rolling_7d_cap, p.min_gap_hours) == (2, 7, 4)
    assert p.region_7d_caps == ()
    assert p.max_chars == 500
    assert "opt_out_line" not in p.required_elements
    assert set(p.required_elements) == {"signature", "creditor", "amount", "overdue", "contact"}
    assert {"退订", "TD", "T", "N", "R", "拒收", "别发了", "不要再发"} <= set(p.opt_out_keywords)
    assert {"起诉", "诉讼"} <= set(p.litigation_words)


def test_us_defaults_follow_compliance_md(settings: Settings) -> None:
    p = default_profile("us", settings)
    assert p.name == "US"
    assert (p.window_start, p.window_end) == (time(8), time(21))
    assert (p.daily_cap, p.rolling_7d_cap, p.min_gap_hours) == (1, 3, 24)
    assert p.region_7d_caps == (("MA", 2),)
    assert "opt_out_line" in p.required_elements
    assert p.opt_out_line == "Reply STOP to opt out."
    assert {"STOP", "QUIT", "END", "REVOKE", "OPT OUT", "CANCEL", "UNSUBSCRIBE"} <= set(p.opt_out_keywords)
    assert {"sue", "lawsuit", "legal action"} <= set(p.litigation_words)


def test_deployment_values_come_from_settings(settings: Settings) -> None:
    p = default_profile("CN", settings)
    assert (p.creditor, p.signature, p.hotline) == ("安信消费金融", "安信金融", "95000")
    assert p.allowed_urls == ("https://m.anxin.example/pay",)
    assert p.permitted_numbers == ("95000", "4008000000")


def test_unknown_profile_name(settings: Settings) -> None:
    with pytest.raises(InputError) as err:
        default_profile("UK", settings)
    assert "CN" in err.value.zh and "CN" in err.value.en


def test_profile_is_immutable(settings: Settings) -> None:
    p = default_profile("CN", settings)
    with pytest.raises(ValueError):
        p.daily_cap = 5  # type: ignore[misc]


def test_shipped_yaml_is_the_defaults(settings: Settings, tmp_path: Path) -> None:
    shipped = resources.files("dunning.defaults").joinpath("compliance.yaml").read_text(encoding="utf-8")
    path = write(tmp_path, shipped)
    for name in ("CN", "US"):
        assert load_profile(name, settings, path) == default_profile(name, settings)


def test_settings_compliance_file_is_the_default_path(tmp_path: Path) -> None:
    path = write(tmp_path, "CN:\n  daily_cap: 1\n")
    p = load_profile("CN", Settings(compliance_file=path))
    assert p.daily_cap == 1
    assert load_profile("CN", Settings(compliance_file=tmp_path / "none.yaml")).daily_cap == 2


def test_stricter_values_are_accepted(settings: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
CN:
  window_start: "09:00"
  window_end: "20:00"
  daily_cap: 1
  rolling_7d_cap: 5
  min_gap_hours: 6
  max_chars: 140
  required_elements: [signature, creditor, amount, overdue, contact, opt_out_line]
  opt_out_keywords: [退订, TD, T, N, R, 拒收, 别发了, 不要再发, 停止]
  extra_terms:
    content.private_channel: [钉钉]
US:
  window_end: 20:30
  region_7d_caps: {MA: 2, NY: 2}
  required_elements: [creditor, amount, overdue, contact, opt_out_line, collector_disclosure]
""",
    )
    cn = load_profile("CN", settings, path)
    assert (cn.window_start_min, cn.window_end_min) == (540, 1200)
    assert (cn.daily_cap, cn.rolling_7d_cap, cn.min_gap_minutes, cn.max_chars) == (1, 5, 360, 140)
    assert cn.extra_terms_for("content.private_channel") == ("钉钉",)
    assert cn.audited_overrides == ()
    us = load_profile("US", settings, path)
    assert us.window_end == time(20, 30)  # YAML's base-60 1230 read as minutes of the day
    assert dict(us.region_7d_caps) == {"MA": 2, "NY": 2}
    assert "collector_disclosure" in us.required_elements


def test_cn_may_close_at_the_legal_floor_without_override(settings: Settings, tmp_path: Path) -> None:
    p = load_profile("CN", settings, write(tmp_path, 'CN:\n  window_end: "22:00"\n'))
    assert p.window_end == time(22) and p.audited_overrides == ()


@pytest.mark.parametrize(
    ("profile", "yaml_text", "needle"),
    [
        ("CN", 'CN:\n  window_start: "07:30"\n', "window_start"),
        ("CN", 'CN:\n  window_end: "22:30"\n', "window_end"),
        ("US", 'US:\n  window_end: "21:30"\n', "window_end"),
        ("US", 'US:\n  window_start: "07:59"\n', "window_start"),
        ("CN", "CN:\n  daily_cap: 3\n", "daily_cap"),
        ("US", "US:\n  rolling_7d_cap: 4\n", "rolling_7d_cap"),
        ("CN", "CN:\n  min_gap_hours: 2\n", "min_gap_hours"),
        ("US", "US:\n  region_7d_caps: {}\n", "region_7d_caps"),
        ("US", "US:\n  region_7d_caps: {MA: 3}\n", "region_7d_caps"),
        ("CN", "CN:\n  max_chars: 600\n", "max_chars"),
        ("US", "US:\n  max_segments: 5\n", "max_segments"),
        ("US", "US:\n  opt_out_keywords: [STOP]\n", "opt_out_keywords"),
        ("US", "US:\n  required_elements: [creditor, amount, overdue, contact]\n", "required_elements"),
        ("US", "US:\n  opt_out_line: Text us to unsubscribe\n", "opt_out_line"),
        ("CN", "CN:\n  litigation_words: [起诉]\n", "litigation_words"),
    ],
)
def test_looser_than_the_floor_is_refused(
    settings: Settings, tmp_path: Path, profile: str, yaml_text: str, needle: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_profile(profile, settings, write(tmp_path, yaml_text))
    assert needle in err.value.en and needle in err.value.zh
    assert "overrides" in err.value.en and "审批人" in err.value.zh


def test_audited_override_is_accepted_and_listed(settings: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
US:
  window_end: "21:30"
overrides:
  - profile: US
    setting: window_end
    value: "21:30"
    reason: West-coast customers asked for evening reminders; legal memo 2026-014
    approved_by: Head of Compliance
    approved_at: 2026-01-15
    ticket: COMP-231
""",
    )
    p = load_profile("US", settings, path)
    assert p.window_end == time(21, 30)
    (override,) = p.audited_overrides
    assert isinstance(override, AuditedOverride)
    assert (override.setting, override.approved_by, override.approved_at) == (
        "window_end",
        "Head of Compliance",
        date(2026, 1, 15),
    )
    assert "legal memo" in override.describe()
    # The other profile is untouched by an override scoped to US.
    assert load_profile("CN", settings, path).audited_overrides == ()


def test_override_alone_sets_the_value(settings: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
overrides:
  - profile: CN
    setting: daily_cap
    value: 3
    reason: pilot
    approved_by: compliance
""",
    )
    assert load_profile("CN", settings, path).daily_cap == 3


@pytest.mark.parametrize(
    "entry",
    [
        "  - {profile: CN, setting: daily_cap, value: 3, reason: pilot}",  # no approver
        "  - {profile: CN, setting: daily_cap, value: 3, reason: '  ', approved_by: x}",  # blank reason
        "  - {profile: CN, setting: daily_cap, value: 3, approved_by: x}",  # no reason
    ],
)
def test_override_needs_reason_and_approver(settings: Settings, tmp_path: Path, entry: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_profile("CN", settings, write(tmp_path, "overrides:\n" + entry + "\n"))
    assert "approved_by" in err.value.en


def test_override_value_must_match_the_section(settings: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "CN:\n  daily_cap: 4\noverrides:\n"
        "  - {profile: CN, setting: daily_cap, value: 3, reason: pilot, approved_by: x}\n",
    )
    with pytest.raises(ConfigError, match="approved override"):
        load_profile("CN", settings, path)


@pytest.mark.parametrize(
    ("yaml_text", "needle"),
    [
        ("CN:\n  daly_cap: 1\n", "daly_cap"),  # typo
        ("CN:\n  creditor: 别家\n", "dunning.toml"),  # deployment values live in settings
        ("UK:\n  daily_cap: 1\n", "UK"),
        ("CN: [1, 2]\n", "mapping"),
        ("- just a list\n", "mapping"),
        ("CN:\n  daily_cap: [\n", "YAML"),
        ("CN:\n  daily_cap: many\n", "daily_cap"),
        ('CN:\n  window_start: "21:00"\n  window_end: "09:00"\n', "window_start"),
        ('CN:\n  window_start: "8 am"\n', "HH:MM"),
        ("CN:\n  extra_terms: {content.nonsense: [x]}\n", "content.nonsense"),
        ("overrides:\n  - {setting: nonsense, value: 1, reason: r, approved_by: a}\n", "nonsense"),
    ],
)
def test_bad_files_are_refused_clearly(
    settings: Settings, tmp_path: Path, yaml_text: str, needle: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_profile("CN", settings, write(tmp_path, yaml_text))
    assert needle in err.value.en
    assert err.value.zh != err.value.en  # both languages


def test_required_deployment_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="signature"):
        default_profile("CN", Settings(signature=" ", compliance_file=tmp_path / "x"))


@pytest.mark.parametrize(
    ("profile", "reply", "expected"),
    [
        ("CN", "退订", True),
        ("CN", "td", True),
        ("CN", "Ｔ", True),
        ("CN", "别发了！", True),
        ("CN", "退订了吗我想问", False),
        ("US", "stop", True),
        ("US", "Opt-Out", True),
        ("US", "UNSUBSCRIBE.", True),
        ("US", "stop by tomorrow", False),
    ],
)
def test_opt_out_keywords(settings: Settings, profile: str, reply: str, expected: bool) -> None:
    p: ComplianceProfile = default_profile(profile, settings)
    assert p.is_opt_out(reply) is expected
