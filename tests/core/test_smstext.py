"""Explaining what a text costs: which characters force UCS-2, and how near a part boundary it is."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dunning.core.smstext import GSM7_BASIC, MULTI, SINGLE, explain, text_info

gsm_chars = st.sampled_from(sorted(set(GSM7_BASIC.replace("\x1b", "")) | set("^{}[]~|€")))
any_chars = st.one_of(gsm_chars, st.sampled_from("’“”—…😀安é"))


@given(st.text(any_chars, max_size=400))
def test_the_explanation_agrees_with_text_info(text: str) -> None:
    explained = explain(text)
    assert explained.info == text_info(text)
    if explained.info.encoding == "GSM-7":
        assert explained.forcing == () and explained.without is None
    else:
        assert explained.forcing and explained.without is not None
        assert explained.without.encoding == "GSM-7"  # the forcing characters are all it took
        assert explained.without.segments <= explained.info.segments or len(text) > 0
        for forced in explained.forcing:
            assert all(text[p] == forced.char for p in forced.positions)
            assert forced.code_point == f"U+{ord(forced.char):04X}"
    assert explained.headroom >= 0
    capacity = (
        SINGLE if explained.info.segments == 1 else {k: v * explained.info.segments for k, v in MULTI.items()}
    )
    assert explained.headroom == capacity[explained.info.encoding] - explained.info.units


@given(st.text(gsm_chars, min_size=1, max_size=300))
def test_one_character_at_a_boundary_is_noticed(text: str) -> None:
    explained = explain(text)
    if explained.headroom <= 5:
        assert any("more make part" in en for _, en in explained.notes)
    if explained.over_by is not None and explained.over_by <= 5:
        assert any("saves a part" in en for _, en in explained.notes)


def test_a_curly_quote_in_an_english_text_is_named() -> None:
    text = "Harbor Lending: it’s due today. Call 1-800-555-0100. Reply STOP to opt out."
    explained = explain(text)
    assert explained.info.encoding == "UCS-2"
    assert [(c.char, c.code_point, c.positions) for c in explained.forcing] == [("’", "U+2019", (18,))]
    zh, en = explained.notes[0]
    assert "U+2019" in en and "GSM-7" in en and "U+2019" in zh
    assert explain("【安信金融】" + "您好" * 10).notes == []  # Chinese is UCS-2 by nature: no warning
