"""Reply text → one canonical form that the cue patterns, the promise parser and the model all read.

Steps, in order: full-width → half-width and Chinese punctuation → ASCII, traditional → simplified
(opencc's character table, read once), lower case, zero-width characters and emoji removed
(replaced by a space, so "还了👍别发" keeps its clause boundary), then slang and typo spellings
rewritten to the standard word (木有 → 没有, tmrw → tomorrow, payed → paid) and runs of spaces
collapsed.

The compliance package has its own normaliser; this one is separate because ``replies`` may import
only ``dunning.core`` and because its rewrites serve a different vocabulary.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

__all__ = ["is_blank", "normalise"]

_INVISIBLE = "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
_INVISIBLE += "\u2060\u2061\u2062\u2063\u2064\ufeff\ufe0e\ufe0f"

# Chinese punctuation outside the full-width ASCII block.
_PUNCT = {"。": ".", "、": ",", "～": "~", "…": "...", "「": '"', "」": '"', "『": '"', "』": '"'}
_PUNCT |= {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "【": "[", "】": "]", "《": "<"}
_PUNCT |= {"》": ">", "—": "-", "\u3000": " "}

# Emoji and pictographs: removed, a space left behind.
_EMOJI_RANGES = (
    (0x2190, 0x21FF),  # arrows
    (0x2300, 0x23FF),  # technical (⌚ ⏰)
    (0x2460, 0x24FF),  # enclosed alphanumerics used as decoration
    (0x25A0, 0x27BF),  # shapes, dingbats, ☺ ✌ ❤
    (0x2B00, 0x2BFF),  # arrows and stars
    (0x1F000, 0x1FAFF),  # emoji proper, skin tones, symbols
)

# Chinese slang, dialect and pinyin spellings → the standard word the cues are written in.
# Longest key wins (the alternation is sorted), so 木有钱 is not read as 木 + 有钱.
CN_SLANG: dict[str, str] = {
    "木有": "没有",
    "米有": "没有",
    "灭有": "没有",
    "莫有": "没有",
    "么有": "没有",
    "冇得": "没有",
    "冇": "没有",
    "莫得": "没有",
    "木得": "没有",
    "没得": "没有",
    "木钱": "没钱",
    "米钱": "没钱",
    "咩": "什么",
    "咋": "怎么",
    "hao de": "好的",
    "haode": "好的",
    "好滴": "好的",
    "酱紫": "这样子",
    "俺": "我",
    "阿拉": "我",
    "宝宝没钱": "我没钱",
    "表再发": "不要再发",
    "表发": "不要发",
    "mei qian": "没钱",
    "meiqian": "没钱",
    "mei you qian": "没有钱",
    "tui ding": "退订",
    "tuiding": "退订",
    "da cuo": "打错",
    "dacuo": "打错",
    "tou su": "投诉",
    "tousu": "投诉",
    "ming tian": "明天",
    "mingtian": "明天",
    "hou tian": "后天",
    "huan le": "还了",
    "yi huan": "已还",
    "ok de": "ok",
    "okde": "ok",
    "ok的": "ok",
    "收到滴": "收到",
    "退顶": "退订",
    "退定": "退订",
    "推订": "退订",
    "退丁": "退订",
}

# English texting spellings, matched as whole words.
EN_WORDS: dict[str, str] = {
    "pls": "please",
    "plz": "please",
    "plez": "please",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "tmw": "tomorrow",
    "tomoro": "tomorrow",
    "tomorow": "tomorrow",
    "tommorow": "tomorrow",
    "tommorrow": "tomorrow",
    "2morrow": "tomorrow",
    "2moro": "tomorrow",
    "2mrw": "tomorrow",
    "2day": "today",
    "tdy": "today",
    "2nite": "tonight",
    "tonite": "tonight",
    "fri": "friday",
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "sat": "saturday",
    "sun": "sunday",
    "wk": "week",
    "wkend": "weekend",
    "nxt": "next",
    "mo": "month",
    "ur": "your",
    "u": "you",
    "r": "are",
    "ya": "you",
    "im": "i'm",
    "ill pay": "i'll pay",
    "ill send": "i'll send",
    "ill make": "i'll make",
    "ill have": "i'll have",
    "ill try": "i'll try",
    "ill call": "i'll call",
    "ive": "i've",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "aint": "ain't",
    "payed": "paid",
    "pd": "paid",
    "pymt": "payment",
    "pmt": "payment",
    "paymnt": "payment",
    "payement": "payment",
    "thx": "thanks",
    "rn": "right now",
    "thnx": "thanks",
    "ty": "thanks",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "msg": "message",
    "msgs": "messages",
    "txt": "text",
    "txts": "texts",
    "texting": "texting",
    "stp": "stop",
    "unsubscibe": "unsubscribe",
    "unsubcribe": "unsubscribe",
    "unsuscribe": "unsubscribe",
    "wrng": "wrong",
    "num": "number",
    "#": "number",
    "lawer": "lawyer",
    "lawyar": "lawyer",
    "atty": "attorney",
    "asap": "asap",
    "eom": "end of month",
    "hrs": "hours",
    "w/": "with",
}


@cache
def _char_table() -> dict[int, str]:
    table: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    table[0xFFE5] = "¥"
    for ch, out in _PUNCT.items():
        table[ord(ch)] = out
    for ch in _INVISIBLE:
        table[ord(ch)] = ""
    for start, end in _EMOJI_RANGES:
        for cp in range(start, end + 1):
            table[cp] = " "
    for trad, simple in _traditional().items():
        table.setdefault(ord(trad), simple)
    return table


def _traditional() -> dict[str, str]:
    """opencc's one-character traditional → simplified table (its dictionary file, no conversion engine)."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        trad, _, simplified = line.partition("\t")
        first = simplified.split(" ")[0]
        if len(trad) == 1 and len(first) == 1 and first != trad:
            table[trad] = first
    # 沒 is 没 in every reply we see; opencc maps it, but keep the intent explicit.
    table["沒"] = "没"
    return table


def _alternation(keys: list[str]) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


_CN_RE = re.compile(_alternation(list(CN_SLANG)))
# ASCII word boundaries: "明天tmr" still rewrites the English word next to a Chinese character.
_EN_RE = re.compile(r"(?<![\w'])(?:" + _alternation(list(EN_WORDS)) + r")(?![\w'])", re.ASCII)
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The canonical form: simplified, half-width, lower case, no emoji, slang and typos rewritten."""
    out = text.translate(_char_table()).lower()
    out = _CN_RE.sub(lambda m: CN_SLANG[m.group(0)], out)
    if out.isascii() or re.search("[a-z]", out):
        out = _EN_RE.sub(lambda m: EN_WORDS[m.group(0)], out)
    return _SPACES.sub(" ", out).strip()


_BLANK = re.compile(r"[\W_]*")


def is_blank(normalised: str) -> bool:
    """Nothing but punctuation and spaces left (an emoji-only reply, "?", "...")."""
    return _BLANK.fullmatch(normalised) is not None
