"""Chinese terms by sound: near-homophones (three characters or more), pinyin and initials."""

from __future__ import annotations

import re

import pytest

from dunning.compliance import ComplianceProfile
from dunning.compliance.gate import judge_message
from dunning.compliance.sounds import SOUND_TERMS, sound_classes, sound_patterns, spelled_literals


def _violations(text: str, profile: ComplianceProfile) -> set[str]:
    return set(judge_message(text, profile, scope="content").violations)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("content.threat_arrest", "再不还款就让你去zuolao，自己看着办。"),
        ("content.threat_arrest", "今天不处理，明天就送你ZL。"),
        ("content.third_party_contact", "我们将联系你的tongxunlu里的每一个人。"),
        ("content.third_party_contact", "今天不还，就打你通迅碌里所有人的电话。"),
    ],
)
def test_terms_spelled_by_sound_are_caught(rule: str, text: str, cn: ComplianceProfile) -> None:
    assert rule in _violations(text, cn)


def test_two_character_terms_are_not_matched_by_near_homophones_across_words(cn: ComplianceProfile) -> None:
    # 李 + 安信 sounds like 立案 when words run together: two-character classes would see it
    text = "【安信金融】李*，安信消费金融提醒：您的借款已逾期50天，请及时还款，咨询95000。"
    assert not {v for v in _violations(text, cn) if v.startswith("content.")}
    assert sound_classes("立案") is None and sound_classes("通讯录") is not None


def test_only_listed_terms_are_matched_by_sound() -> None:
    assert sound_patterns("刑事") == ()  # 形式 sounds the same
    assert all(sound_patterns(t) for t in SOUND_TERMS)


def test_the_classes_hold_the_term_and_its_common_homophones() -> None:
    classes = sound_classes("通讯录")
    assert classes is not None
    assert re.fullmatch(classes, "通讯录") and re.fullmatch(classes, "通迅碌")
    assert not re.fullmatch(classes, "通知书")


def test_initials_are_not_common_letter_pairs() -> None:
    assert spelled_literals("坐牢") == ("zuolao", "zl")
    assert "cp" not in spelled_literals("传票")  # "cp" is common in Chinese texts
