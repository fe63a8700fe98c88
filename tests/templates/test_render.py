from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dunning.core.errors import ConfigError, InputError
from dunning.core.settings import Settings
from dunning.core.smstext import text_info
from dunning.templates import (
    OUTPUT_SCHEMA,
    RenderContext,
    RenderError,
    RowValues,
    load_default_templates,
    parse_templates,
    render,
    render_frame,
    sample_values,
)
from dunning.templates.variables import (
    format_account_tail,
    format_amount,
    format_due_date,
    format_masked_name,
)
from tests.templates.helpers import CN_CONTEXT, US_CONTEXT, frame_of, values

CATALOG = parse_templates(
    """
templates:
  - id: cn-all
    profile: CN
    versions:
      - version: 1
        state: approved
        approved_by: a
        approved_at: "2026-01-01T00:00:00+08:00"
        body: >-
          【{signature}】{masked_name} {creditor} {amount} {due_date} {days_overdue} {account_tail}
          {n_accounts} {app_name} {hotline} {pay_url}
  - id: us-all
    profile: US
    versions:
      - version: 3
        state: approved
        approved_by: a
        approved_at: "2026-01-01T00:00:00-05:00"
        body: >-
          {creditor}: {masked_name} {amount} due {due_date}, {days_overdue} days, acct {account_tail},
          {n_accounts} accts. Call {hotline}. Reply STOP to opt out.
  - id: cn-unapproved
    profile: CN
    versions:
      - {version: 1, state: retired, approved_by: a, approved_at: "2026-01-01T00:00:00+08:00",
         body: "old {amount}"}
      - {version: 2, state: draft, body: "draft {amount}"}
  - id: cn-constant
    profile: CN
    versions:
      - {version: 1, state: approved, approved_by: a, approved_at: "2026-01-01T00:00:00+08:00",
         body: "【{signature}】请致电{hotline}"}
""",
    "test.yaml",
)


def test_formatters_cn_and_us() -> None:
    assert format_amount(123450, "CNY") == "1,234.50元"
    assert format_amount(123450, "USD") == "$1,234.50"
    assert format_amount(5, "CNY") == "0.05元"
    assert format_amount(123456789012, "CNY") == "1,234,567,890.12元"
    assert format_amount(1234, "JPY") == "1,234 JPY"
    assert format_amount(1234567, "KWD") == "1,234.567 KWD"
    assert format_amount(None, "CNY") is None
    with pytest.raises(InputError):
        format_amount(100, "元元元")
    assert format_due_date(date(2026, 11, 28), "CN") == "11月28日"
    assert format_due_date(date(2026, 1, 5), "CN") == "1月5日"
    assert format_due_date(date(2026, 11, 28), "US") == "Nov 28"
    assert format_due_date(date(2026, 1, 5), "US") == "Jan 5"
    assert format_masked_name("张*") == "张*"
    assert format_masked_name("张三丰") == "张*"
    assert format_masked_name(" j.") == "J."
    assert format_masked_name("Jane Doe") == "J."
    assert format_masked_name("*") == "*"
    assert format_masked_name(None) == "*"
    assert format_masked_name("") == "*"
    assert format_account_tail("LN-2024-000123456") == "3456"
    assert format_account_tail("12") == "12"
    assert format_account_tail("abc") is None


def test_scalar_render_cn() -> None:
    body = render(CATALOG["cn-all"], 1, values(n_accounts=3), CN_CONTEXT)
    assert body == (
        "【安信金融】张* 安信消费金融 1,234.50元 11月28日 5 1234 3 安信金融App 95000 https://m.anxin.example/pay"
    )


def test_scalar_render_us() -> None:
    body = render(
        CATALOG["us-all"],
        3,
        RowValues("Jane", 123450, "USD", date(2026, 11, 28), 35, "acct-9876", 2),
        US_CONTEXT,
    )
    assert body == (
        "Acme Lending: J. $1,234.50 due Nov 28, 35 days, acct 9876, 2 accts. Call 1-800-555-0100. "
        "Reply STOP to opt out."
    )
    assert text_info(body).encoding == "GSM-7"


def test_scalar_render_missing_value() -> None:
    with pytest.raises(RenderError) as info:
        render(CATALOG["cn-all"], 1, values(amount_minor=None, account_tail="--"), CN_CONTEXT)
    assert "amount, account_tail" in info.value.en and "缺少变量值" in info.value.zh


def test_render_frame_columns_and_types() -> None:
    frame = frame_of([("cn-all", values()), ("us-all", values(currency="USD")), ("cn-constant", values())])
    out = render_frame(frame.with_columns(debtor_pk=pl.Series([7, 8, 9])), CATALOG, CN_CONTEXT)
    assert out.columns[: frame.width + 1] == [*frame.columns, "debtor_pk"]
    for name, dtype in OUTPUT_SCHEMA.items():
        assert out.schema[name] == dtype, name
    assert out["debtor_pk"].to_list() == [7, 8, 9]  # order kept
    assert out["template_version"].to_list() == [1, 3, 1]
    assert out["template_approved"].to_list() == [True, True, True]
    assert out["body"][2] == "【安信金融】请致电95000"
    assert out["render_error"].to_list() == [None, None, None]
    for body, encoding, segments in out.select("body", "encoding", "segments").iter_rows():
        info = text_info(body)
        assert (encoding, segments) == (info.encoding, info.segments)
    # the US template carries this (Chinese) deployment's creditor name, hence UCS-2 too
    assert out["encoding"].to_list() == ["UCS-2", "UCS-2", "UCS-2"]
    assert out["segments"].to_list() == [2, 2, 1]


def test_no_approved_version_renders_newest_and_flags_it() -> None:
    out = render_frame(
        frame_of([("cn-unapproved", values()), ("cn-constant", values())]), CATALOG, CN_CONTEXT
    )
    row = out.row(0, named=True)
    assert row["template_approved"] is False
    assert row["template_version"] == 2
    assert row["body"] == "draft 1,234.50元"


def test_unknown_template_and_missing_values() -> None:
    frame = frame_of(
        [
            ("nope", values()),
            (None, values()),
            ("cn-all", values(amount_minor=None)),
            ("cn-all", values(due_date=None, account_tail="no digits")),
            ("cn-all", values(name_masked=None)),
        ]
    )
    out = render_frame(frame, CATALOG, CN_CONTEXT)
    assert out["render_error"].to_list() == [
        "unknown_template",
        "unknown_template",
        "missing:amount",
        "missing:due_date,account_tail",
        None,
    ]
    assert out["body"].to_list()[:4] == [None, None, None, None]
    assert out["encoding"].to_list()[:4] == [None, None, None, None]
    assert out["template_approved"].to_list() == [False, False, True, True, True]
    assert out["template_version"].to_list() == [None, None, 1, 1, 1]
    assert out["body"][4].startswith("【安信金融】* 安信消费金融")


def test_empty_frame_and_bad_input() -> None:
    empty = frame_of([]).head(0)
    out = render_frame(empty, CATALOG, CN_CONTEXT)
    assert out.height == 0 and set(OUTPUT_SCHEMA) <= set(out.columns)
    with pytest.raises(InputError) as missing:
        render_frame(frame_of([("cn-all", values())]).drop("due_date"), CATALOG, CN_CONTEXT)
    assert "due_date" in missing.value.en
    with pytest.raises(InputError):
        render_frame(frame_of([("cn-all", values())]).drop("template_id"), CATALOG, CN_CONTEXT)
    with pytest.raises(InputError) as currency:
        render_frame(frame_of([("cn-all", values(currency="加微信"))]), CATALOG, CN_CONTEXT)
    assert "currency" in currency.value.en


def test_rendering_twice_replaces_output_columns() -> None:
    once = render_frame(frame_of([("cn-all", values())]), CATALOG, CN_CONTEXT)
    twice = render_frame(once, CATALOG, CN_CONTEXT)
    assert twice.columns == once.columns and twice.equals(once)


@pytest.mark.parametrize(
    ("field", "value", "en"),
    [
        ("signature", "【假】", "brackets"),
        ("signature", "", "1–20"),
        ("creditor", "Acme www.evil.com", "URL"),
        ("creditor", "加微信 13800138000", "5+ digits"),
        ("app_name", "app\u200b", "invisible"),
        ("hotline", "95000 ext", "digits"),
        ("pay_url", "http://insecure.example", "https://"),
    ],
)
def test_context_constants_are_checked(field: str, value: str, en: str) -> None:
    params = {
        "creditor": "安信消费金融",
        "signature": "安信金融",
        "hotline": "95000",
        "app_name": "安信金融App",
        "pay_url": "https://m.anxin.example/pay",
    }
    params[field] = value
    with pytest.raises(ConfigError) as info:
        RenderContext(**params)
    assert en in info.value.en


def test_context_from_settings() -> None:
    context = RenderContext.from_settings(Settings())
    assert context.hotline == "95000" and context.pay_url == "https://m.anxin.example/pay"
    with pytest.raises(ConfigError) as info:
        RenderContext.from_settings(Settings(hotline="4001234567"))
    assert "allowed_numbers" in info.value.en
    no_url = RenderContext.from_settings(Settings(allowed_urls=[]))
    with pytest.raises(ConfigError):
        render(CATALOG["cn-all"], 1, values(), no_url)


# The largest DPD each default template is used for (strategy_cn.yaml / strategy_us.yaml).
LONGEST_DPD = {"early": 30, "mid": 90, "late": 365, "multi": 365}


def test_default_templates_fit_one_segment_with_typical_values() -> None:
    """CN: ≤ 70 characters incl. 【签名】 with a typical amount (3,567.80元); US: GSM-7, ≤ 160."""
    today = date(2026, 11, 28)
    for profile, context, limit, encoding in (
        ("CN", CN_CONTEXT, 70, "UCS-2"),
        ("US", US_CONTEXT, 160, "GSM-7"),
    ):
        catalog = load_default_templates(profile)  # type: ignore[arg-type]
        for template in catalog.values():
            dpd = next((d for key, d in LONGEST_DPD.items() if key in template.id), 0)
            sample = sample_values(template.profile, today)
            sample = RowValues(
                sample.name_masked, sample.amount_minor, sample.currency, sample.due_date, dpd, "1234", 9
            )
            for version in template.versions:
                body = render(template, version.version, sample, context)
                info = text_info(body)
                assert info.encoding == encoding, (template.id, body)
                assert len(body) <= limit and info.segments == 1, (template.id, len(body), body)
