from __future__ import annotations

import re
from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.compliance import (
    RULES,
    ComplianceProfile,
    Violation,
    check_message,
    context_frame,
    evaluate,
    evaluate_records,
    explain,
    rule_table,
    rules_for,
)
from dunning.compliance.corpus import load_corpus
from dunning.compliance.features import FEATURES, feature_exprs
from dunning.compliance.gate import CONTENT_SCOPE_ONLY
from dunning.compliance.lexicon import FORBIDDEN
from dunning.core.errors import InputError, NotFound
from tests.compliance.compliance_texts import CN_OK, US_OK, cn_with


def test_evaluate_adds_violations_and_keeps_the_frame(cn: ComplianceProfile) -> None:
    frame = pl.DataFrame(
        {
            "debtor_pk": [1, 2, 3],
            "body": [CN_OK, cn_with("后果自负。"), CN_OK],
            "sends_today": pl.Series([0, 0, 2], dtype=pl.Int32),
        }
    )
    out = evaluate(frame, cn)
    assert out.columns == ["debtor_pk", "body", "sends_today", "violations"]
    assert out.schema["violations"] == pl.List(pl.String)
    assert out.drop("violations").equals(frame)
    assert out["violations"].to_list() == [[], ["content.intimidation"], ["frequency.daily_cap"]]


def test_rules_with_absent_columns_are_skipped(cn: ComplianceProfile) -> None:
    # No body: no text rule runs, so an empty frame of facts is judged on facts alone.
    assert evaluate(pl.DataFrame({"paid": [False]}), cn)["violations"].to_list() == [[]]
    assert evaluate(pl.DataFrame({"debtor_pk": [1]}), cn)["violations"].to_list() == [[]]


def test_empty_frame(cn: ComplianceProfile) -> None:
    out = evaluate(pl.DataFrame(schema={"body": pl.String}), cn)
    assert out.height == 0 and out.schema["violations"] == pl.List(pl.String)


def test_missing_body_is_an_empty_message(cn: ComplianceProfile) -> None:
    frame = pl.DataFrame({"body": [None, ""]}, schema={"body": pl.String})
    required = ["required.signature", "required.creditor", "required.amount", "required.overdue"]
    assert evaluate(frame, cn)["violations"].to_list() == [[*required, "required.contact"]] * 2


def test_existing_violations_column_is_replaced(cn: ComplianceProfile) -> None:
    frame = pl.DataFrame({"paid": [True], "violations": [["stale"]]})
    assert evaluate(frame, cn)["violations"].to_list() == [["status.paid"]]


def test_stage_is_checked(cn: ComplianceProfile) -> None:
    frame = pl.DataFrame({"body": [CN_OK]})
    assert evaluate(frame, cn, stage="submit")["violations"].to_list() == [[]]
    with pytest.raises(InputError):
        evaluate(frame, cn, stage="later")


def test_violations_follow_catalogue_order(cn: ComplianceProfile) -> None:
    text = cn_with("后果自负，加微信。").replace("客服95000", "")
    ids = [v.rule for v in check_message(text, cn, {"paid": True, "sends_today": 3})]
    order = [r.id for r in RULES]
    assert ids == sorted(ids, key=order.index)
    assert {"status.paid", "frequency.daily_cap", "required.contact", "content.private_channel"} <= set(ids)


def test_check_message_is_evaluate(cn: ComplianceProfile) -> None:
    (violation,) = check_message(cn_with("后果自负。"), cn)
    assert violation == explain("content.intimidation", cn)
    assert violation.legal_basis and violation.reason_zh and violation.reason_en
    assert violation.reason() == f"{violation.reason_zh} / {violation.reason_en}"


def test_check_message_context(cn: ComplianceProfile) -> None:
    at = "2026-11-28T20:30:00+08:00"
    got = check_message(CN_OK, cn, {"scheduled_at": at, "last_sent_at": "2026-11-28T18:00:00+08:00"})
    assert [v.rule for v in got] == ["frequency.min_gap"]
    with pytest.raises(InputError, match="unknown context key"):
        check_message(CN_OK, cn, {"time_bared": True})
    with pytest.raises(InputError, match="true/false"):
        check_message(CN_OK, cn, {"time_barred": "yes"})
    with pytest.raises(InputError, match="offset"):
        check_message(CN_OK, cn, {"scheduled_at": "2026-11-28T20:30:00"})
    with pytest.raises(InputError, match="integer"):
        check_message(CN_OK, cn, {"sends_today": True})
    with pytest.raises(InputError):
        check_message(CN_OK, cn, {"body": "other"})


def test_context_frame_types() -> None:
    frame = context_frame(
        [
            {
                "body": "x",
                "sends_today": 1,
                "region": None,
                "paid": False,
                "scheduled_at": datetime(2026, 1, 1, tzinfo=UTC),
            }
        ]
    )
    assert frame.schema["sends_today"] == pl.Int32
    assert frame.schema["scheduled_at"] == pl.Datetime("us", "UTC")
    with pytest.raises(InputError, match="same keys"):
        context_frame([{"body": "x"}, {"body": "y", "paid": True}])


def test_evaluate_records_judges_each_record_on_its_own_keys(cn: ComplianceProfile) -> None:
    records = [
        {"body": CN_OK},
        {"body": CN_OK, "recipient_verified": False},
        {"body": CN_OK, "time_barred": True},
        {"body": cn_with("我司将依法起诉。")},
        {"body": cn_with("我司将依法起诉。"), "time_barred": True},
    ]
    # The first record is not null-filled with the second one's recipient_verified (which would block it).
    assert evaluate_records(records, cn) == [
        [],
        ["recipient.unverified"],
        [],
        [],
        ["content.time_barred_litigation"],
    ]


def test_explain(cn: ComplianceProfile, us: ComplianceProfile) -> None:
    v = explain("time.window", us)
    assert isinstance(v, Violation)
    assert "1006.6(b)(1)(i)" in v.legal_basis
    assert "08:00" in v.reason_zh and "21:00" in v.reason_en
    assert "1006" not in explain("time.window", cn).legal_basis
    with pytest.raises(NotFound):
        explain("no.such.rule", cn)
    with pytest.raises(NotFound):
        explain("frequency.region_7d_cap", cn)  # a US rule


def test_reasons_cite_the_profile(cn: ComplianceProfile) -> None:
    stricter = cn.model_copy(update={"daily_cap": 1})
    assert "1 条" in explain("frequency.daily_cap", stricter).reason_zh
    assert "At most 1 SMS" in explain("frequency.daily_cap", stricter).reason_en


def test_catalogue(cn: ComplianceProfile, us: ComplianceProfile) -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    categories = {"send_time", "frequency", "suppression", "recipient", "template", "required_content"}
    categories |= {"forbidden_content", "personal_data", "link", "phone_number", "length"}
    assert {r.category for r in RULES} == categories
    for profile in (cn, us):
        for rule in rules_for(profile):
            zh, en = rule.reason(profile)  # every placeholder resolves
            assert zh and en and "{" not in zh + en
            assert rule.legal_basis[profile.name]
    # The twelve forbidden-content categories of COMPLIANCE.md, both profiles.
    content = set(FORBIDDEN) | {
        "content.time_barred_litigation",
        "personal_data.id_number",
        "link.not_allowed",
    }
    assert len({r for r in content if r.startswith(("content.", "personal_data."))}) >= 12
    for rule_id, lexicons in FORBIDDEN.items():
        assert set(lexicons) == {"CN", "US"}, rule_id
        # Gaps stay shorter than the 8-character filler that replaces a masked reassurance.
        for pattern in lexicons["CN"].cjk_patterns:
            assert all(int(n) < 8 for n in re.findall(r"\.\{0,(\d+)\}", pattern)), pattern
            assert ".*" not in pattern and ".+" not in pattern, pattern


def test_rule_table_explains_every_rule_a_decision_may_cite(cn: ComplianceProfile) -> None:
    from dunning.compliance import rules_for

    table = rule_table(cn)
    assert table.columns == ["rule", "category", "legal_basis", "reason_zh", "reason_en"]
    assert set(table["rule"]) == {r.id for r in rules_for(cn)}
    assert table.null_count().sum_horizontal().item() == 0
    checked = evaluate(pl.DataFrame({"body": [cn_with("后果自负。")], "paid": [True]}), cn)
    assert set(checked["violations"][0]) <= set(table["rule"])


# ---- the screens change nothing -----------------------------------------------------------------


def _every_rule_on_every_row(frame: pl.DataFrame, profile: ComplianceProfile) -> list[list[str]]:
    """The reference: all features and every applicable rule on all rows, no screening."""
    lf = frame.lazy()
    for stage in feature_exprs(profile, set(FEATURES)):
        lf = lf.with_columns(stage)
    rules = [
        r
        for r in rules_for(profile)
        if set(r.columns) <= set(frame.columns) and r.id not in CONTENT_SCOPE_ONLY
    ]
    flags = lf.select([r.violated(profile).alias(r.id) for r in rules]).collect()
    return [[r.id for r in rules if row[r.id]] for row in flags.iter_rows(named=True)]


@pytest.mark.parametrize("name", ["CN", "US"])
def test_screens_match_running_every_rule_on_the_corpus(
    name: str, cn: ComplianceProfile, us: ComplianceProfile
) -> None:
    profile = cn if name == "CN" else us
    cases = load_corpus(name)
    for time_barred in (False, True):
        frame = pl.DataFrame({"body": [c.text for c in cases], "time_barred": [time_barred] * len(cases)})
        assert evaluate(frame, profile)["violations"].to_list() == _every_rule_on_every_row(frame, profile)


_FRAGMENTS = [c.text for c in load_corpus("CN")[::7]] + [c.text for c in load_corpus("US")[::7]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bodies=st.lists(
        st.lists(
            st.one_of(
                st.sampled_from(_FRAGMENTS), st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
            ),
            min_size=1,
            max_size=3,
        ).map("".join),
        min_size=1,
        max_size=8,
    ),
    time_barred=st.booleans(),
)
def test_screens_match_running_every_rule_on_mixed_texts(
    bodies: list[str], time_barred: bool, cn: ComplianceProfile, us: ComplianceProfile
) -> None:
    frame = pl.DataFrame({"body": bodies, "time_barred": [time_barred] * len(bodies)})
    for profile in (cn, us):
        assert evaluate(frame, profile)["violations"].to_list() == _every_rule_on_every_row(frame, profile)


def test_us_baseline(us: ComplianceProfile) -> None:
    assert check_message(US_OK, us) == []
