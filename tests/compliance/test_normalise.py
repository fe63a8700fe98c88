from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.compliance import compact, compact_expr, normalise, normalise_expr, words, words_expr
from dunning.compliance.normalise import fold, fold_expr


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width → half-width, lower case
        ("￥１，２３４", "¥1,234"),
        ("逾期不還將被移交公安機關", "逾期不还将被移交公安机关"),  # traditional → simplified
        ("徵信", "征信"),
        ("JaIl", "jail"),
        ("аrrest", "arrest"),  # Cyrillic а
        ("𝐣𝐚𝐢𝐥", "jail"),  # mathematical bold
        ("🇯🇦🇮🇱", "jail"),  # regional indicators
        ("①③⑧", "138"),
        ("加\u200b微\u200d信", "加微信"),  # zero-width characters vanish
        ("【安信金融】", "【安信金融】"),  # the signature brackets are kept
        ("", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "evasion",
    [
        "加微信",
        "加 微 信",
        "加-微-信",
        "加.微.信",
        "加*微*信",
        "加👉微👉信",
        "加ｖｘ",
        "加 V X",
        "加薇信",
        "加威信",
        "加weixin",
        "加Wei信",
    ],
)
def test_compact_folds_separators_and_homophones(evasion: str) -> None:
    assert compact(evasion) == "加微信"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("坐 牢", "坐牢"),
        ("ZUO LAO", "坐牢"),
        ("吃牢饭", "坐牢"),
        ("扣扣", "qq"),
        ("lao-lai", "老赖"),
        ("通迅录", "通讯录"),
    ],
)
def test_homophones(raw: str, expected: str) -> None:
    assert compact(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("You will go to J A I L!", " you will go to jail "),
        ("J.A.I.L", " jail "),
        ("don't  sue", " don t sue "),  # apostrophes split words; phrases are normalised the same way
        ("Issue", " issue "),  # "sue" is not a word of it
        ("", " "),
        ("!!!", " "),
    ],
)
def test_words(raw: str, expected: str) -> None:
    assert words(raw) == expected


def test_forms_are_idempotent_on_examples() -> None:
    for text in ("加 V X", "逾期不還", "Y O U  will", "ＡＲＲＥＳＴ"):
        assert normalise(normalise(text)) == normalise(text)
        assert compact(compact(text)) == compact(text)


# Text that exercises the tables: mapped characters, separators, homophone keys, single letters.
_ALPHABET = st.one_of(
    st.characters(exclude_categories=["Cs"]),
    st.sampled_from(
        list("加微信 vxVX薇威坐牢zuolao JAIL jail.-_ 　ＡＢｖｘ臺灣萬與①𝐣🇯\u2060\u200b扣qQ老lai")
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=40), min_size=1, max_size=25))
def test_scalar_and_expression_agree(texts: list[str]) -> None:
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    out = frame.select(n=normalise_expr(pl.col("t")), c=compact_expr(pl.col("t")), w=words_expr(pl.col("t")))
    assert out["n"].to_list() == [normalise(t) for t in texts]
    assert out["c"].to_list() == [compact(t) for t in texts]
    assert out["w"].to_list() == [words(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)
    assert compact(compact(text)) == compact(text)
    assert "  " not in words(text)
    assert words(text).startswith(" ") and words(text).endswith(" ")


# ---- fold: leetspeak, look-alike letters, broken words ----------------------------------------------

_LEET_ALPHABET = st.sampled_from(list("warnt jail 0134578@$€|! 1-855 $1,880. \n\r\t aZ 尾号 ΑΤΜ ροτ а е о"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_LEET_ALPHABET, max_size=40), min_size=1, max_size=25))
def test_fold_scalar_and_expression_agree(texts: list[str]) -> None:
    normalised = [normalise(t) for t in texts]
    frame = pl.DataFrame({"t": normalised}, schema={"t": pl.String})
    assert frame.select(fold_expr(pl.col("t"))).to_series().to_list() == [fold(t) for t in normalised]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a w@rr@nt for your @rr3st", "a warrant for your arrest"),
        ("j41l t1m3 b4 5pm", "jail time before spm"),
        ("t@k3 u t0 c0urt", "take you to court"),
        ("cr!m!nal c0mpla!nt", "criminal complaint"),
        ("$ervice$ unle$$ paid now!", "services unless paid now"),
        ("1mm1gr@t10n", "immigration"),
        ("lосаl роliсе", "local police"),  # Cyrillic о а р с
        ("CΟURΤ SUΜΜΟΝS", "court summons"),  # Greek capitals
        ("ραssροrτ", "passport"),  # Greek small
    ],
)
def test_fold_reads_leetspeak_and_lookalikes_as_words(raw: str, expected: str) -> None:
    # a text with a "1" also gets a copy that reads it as l, after the filler
    assert words(fold(normalise(raw))).split(" qqq ")[0].strip() == expected


def test_a_one_is_also_read_as_an_l() -> None:
    assert "balance just doubled" in words(fold(normalise("y0ur b@1@nc3 ju$t d0ub13d")))


def test_fold_keeps_numbers_out_of_the_words() -> None:
    # a number standing alone is "#", which the words form drops: amounts and phones are not words
    assert words(fold(normalise("Pay $1,880 by 12/15 or call 1-855-555-0134 now!"))).strip() == (
        "pay by or call now"
    )
    # a text without leetspeak is left exactly as it is
    plain = normalise("Your balance of $412.60 is 9 days past due.")
    assert fold(plain) == plain


def test_fold_reads_a_broken_word_both_ways() -> None:
    out = words(fold(normalise("We requested an ar\nrest order")))
    assert " ar rest " in out and " arrest order " in out
