"""The second opinion: a small statistical classifier of abusive collection texts, shipped with the package.

The rules decide; this model only asks a person to look. Its score, P(abusive), may hold a message for
a compliance officer ("review") but never lets a rule-blocked message through.

How a text is scored, the same way in training and at run time (on whole columns, never per row in
Python):

1. **Skeleton** (``skeletons``): every ASCII digit → ``0`` but those inside a word with a letter
   (leetspeak: "j41l"); masked names (``张*`` after a
   greeting or the signature, ``J.`` as a word) → ``某*`` / ``X.``. The planner's bodies come from a
   few templates, so 1,000,000 bodies have a few hundred skeletons; ``score_series`` scores each once.
   The model reads the skeleton only, so deduplicating on it changes nothing but speed.
2. **Views**: ``normalise``, every run of digits → one ``0`` (full-width ones included), then
   ``compact`` (no separators, homophones rewritten) and/or ``words`` (whole words) of it.
3. **Features**: character n-grams of each view, hashed (scikit-learn ``HashingVectorizer``: no
   vocabulary to ship), TF-IDF weighted, L2-normalised; a logistic regression gives P(abusive).

The model file (``model/{cn,us}.npz``) holds arrays and one JSON string: the non-zero weights and their
IDF, the intercept, the review threshold, the view parameters and the training report. It is read
with ``allow_pickle=False``.

Training (``train``) generates tens of thousands of rows per profile from seed messages (the shipped
corpus and the development sets ``train``, ``eval``, ``blind``; never ``sealed``): every mutation
class of ``mutations.py`` with several seeds, abusive sentences of must-block seeds spliced into
must-pass messages, sentences of must-pass seeds recombined, lender identity, names, amounts and
greetings varied. Seeds are dealt into folds and rows are only built from seeds of one fold, so a
grouped cross-validation never has a mutation of one seed on both sides. The out-of-fold scores give
the AUC and the review threshold: the lowest that sends at most ``REVIEW_PASS_SHARE`` of held-out
must-pass rows (and of held-out must-pass seeds as written) to review. The shipped model is then
fitted on every row.

Must-block seeds count as abusive when a content or personal-data rule is expected to catch them,
except ``content.time_barred_litigation`` (lawful on a live debt: the text alone cannot tell).
Lines blocked for time, frequency, recipient, required elements, links or numbers are left out:
their words are those of a must-pass message.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import random
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from dunning.compliance.normalise import compact_expr, fold_expr, normalise_expr, words_expr
from dunning.core.errors import ConfigError, InputError

__all__ = [
    "FEATURE_VERSION",
    "REVIEW_PASS_SHARE",
    "Model",
    "Progress",
    "clear_cache",
    "load_model",
    "model_info",
    "model_path",
    "score",
    "score_series",
    "skeleton_expr",
    "skeletons",
    "threshold",
    "train",
    "zero_digits",
]

#: Bumped whenever the skeleton, the views or the features change: a model of another version is refused.
FEATURE_VERSION: Final = 3
#: The corpus sets that seed training, besides the shipped corpus (never ``sealed``, the held-out set).
SEED_SETS: Final = ("train", "eval", "blind")

#: The most must-pass messages (held out from training) the review threshold may send to review, per
#: profile: what the 95 % pass target leaves after the rules' own errors on lawful texts. The English
#: rules' error on the development sets is about 1.5 %, so its second opinion may hold 3 %; the Chinese
#: rules' error on each new writer's lawful texts was larger (4-9 % on first reading of ``eval`` and
#: ``blind``), so its second opinion keeps 2 %.
REVIEW_PASS_SHARE: Final[dict[str, float]] = {"CN": 0.02, "US": 0.03}
_PROFILES: Final = ("CN", "US")
_FOLDS: Final = 5

#: (stage, fraction done) while ``train`` runs.
Progress = Callable[[str, float], None]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class View:
    """One text view of the skeleton and the character n-grams hashed from it."""

    form: str  # "compact" | "words"
    analyzer: str  # "char" | "char_wb"
    ngram: tuple[int, int]
    n_features: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "analyzer": self.analyzer,
            "ngram": list(self.ngram),
            "n_features": self.n_features,
        }

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> View:
        lo, hi = raw["ngram"]
        return cls(str(raw["form"]), str(raw["analyzer"]), (int(lo), int(hi)), int(raw["n_features"]))


VIEWS: Final[dict[str, tuple[View, ...]]] = {
    "CN": (View("compact", "char", (1, 4), 2**18),),
    "US": (
        View("compact", "char", (3, 5), 2**17),
        View("words", "char_wb", (2, 5), 2**17),
        View("words", "word", (1, 2), 2**16),
    ),
}

# ---- skeleton and views -------------------------------------------------------------------------

_CJK = "\u4e00-\u9fff"
# A masked Chinese name after the signature, a greeting or a separator, before 您/先生/女士 or a
# non-CJK character: "【安信金融】张*您好", "尊敬的李*，". Mutations that put "*" between characters
# ("坐*牢") are left alone: a name is never followed by another ideograph but 您.
_CJK_NAME = (
    rf"(^|】|尊敬的|亲爱的|[\s,，:：;；])[{_CJK}][*＊]{{1,2}}([^{_CJK}*＊]|您|先生|女士|$)",
    "${1}某*${2}",
)
# A masked Latin name: one capital letter and a full stop as a word ("Hi J., your").
_LATIN_NAME = (r"(^|[\s,:;(])[A-Z]\.([\s,:;)]|$)", "${1}X.${2}")


_ZERO: Final = np.uint8(ord("0"))


def zero_digits(texts: pl.Series) -> pl.Series:
    """Every ASCII digit → ``0`` (null → "") except inside a word of letters, where it stands for a
    letter ("j41l", "cr1m1nal": the words view folds it), byte by byte on the Arrow buffer: the same
    length, so the offsets stay; about ten times cheaper than a regex over a million planner bodies."""
    import pyarrow as pa

    arr = texts.cast(pl.String).fill_null("").to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    validity, offsets, data = arr.buffers()
    if data is None or len(arr) == 0 or data.size == 0:
        return pl.Series(texts.name, [""] * len(arr), dtype=pl.String)
    raw = np.frombuffer(data, dtype=np.uint8)
    shifted = raw - _ZERO  # wraps for bytes below "0": only digits land in 0..9
    digit = shifted < 10
    lower = raw | np.uint8(0x20)
    letter = (lower >= np.uint8(ord("a"))) & (lower <= np.uint8(ord("z")))
    # Words are runs of ASCII letters and digits; a row's first byte starts a new one.
    starts = np.zeros(len(raw), dtype=np.bool_)
    row_starts = np.frombuffer(offsets, dtype=np.int64)[arr.offset : arr.offset + len(arr)]
    starts[row_starts[row_starts < len(raw)]] = True
    word = np.cumsum(~(letter | digit) | starts)
    has_letter = np.bincount(word[letter], minlength=int(word[-1]) + 1) > 0
    zeroed = raw - (digit & ~has_letter[word]) * shifted
    out = pa.LargeStringArray.from_buffers(len(arr), offsets, pa.py_buffer(zeroed), validity, 0, arr.offset)
    series = pl.from_arrow(out)
    assert isinstance(series, pl.Series)
    return series.cast(pl.String).alias(texts.name)


# Who sent it is not what it says: the sender's signature, organisation and app names, links and
# domains become placeholders, so the model learns content, not the style of one deployment.
_SIGNATURE = (r"【[^】]{0,20}】", "【签名】")
_URL = (
    r"(?i)(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|example|io|app|co)\b\S*",
    " url ",
)


def _class_without(span: tuple[int, int], stop: str) -> str:
    """A character class of ``span`` and ASCII letters without the ``stop`` characters (both regex
    engines read explicit ranges alike; set subtraction is not portable)."""
    cuts = sorted({ord(c) for c in stop if span[0] <= ord(c) <= span[1]})
    ranges, start = [], span[0]
    for cut in cuts:
        if cut > start:
            ranges.append(f"{chr(start)}-{chr(cut - 1)}" if cut - 1 > start else chr(start))
        start = cut + 1
    if start <= span[1]:
        ranges.append(f"{chr(start)}-{chr(span[1])}")
    return "[" + "".join(ranges) + "A-Za-z]"


_CJK_RANGE = (0x4E00, 0x9FFF)
# An organisation name does not start with a function word ("您在安信消费金融" keeps "您在").
_NAME_CHAR = _class_without(
    _CJK_RANGE, "您你在的了请登录和与向从到于是为被将把对给由经通过至使用打开进入前往及或等已会"
)
_CN_ORG = (
    rf"{_NAME_CHAR}{{1,8}}?(?:消费金融有限公司|消费金融|小额贷款有限公司|小额贷款|小贷|金融科技|"
    rf"科技有限公司|融资担保|金融|有限公司)(?:[Aa][Pp][Pp])?",
    "某机构",
)
_CN_APP = (rf"{_NAME_CHAR}{{1,8}}?[Aa][Pp][Pp]", "App")
_US_ORG = (
    r"\b(?:[A-Z][A-Za-z&'.-]+ ){0,3}(?:Lending|Lenders?|Credit|Financial|Finance|Bank|Loans?|Capital|Funding|"
    r"Recovery|Collections?|Services|Solutions|Group|Partners|Associates|LLC|Inc\.?|Co\.)\b",
    "Org",
)


def _collapse_names(texts: pl.Series) -> pl.Series:
    frame = pl.DataFrame({"t": texts})
    text = pl.col("t").str.replace_all(*_CJK_NAME).str.replace_all(*_LATIN_NAME)
    text = text.str.replace_all(*_URL).str.replace_all(*_SIGNATURE)
    text = text.str.replace_all(*_CN_ORG).str.replace_all(*_CN_APP).str.replace_all(*_US_ORG)
    return frame.select(text).to_series()


def skeletons(texts: pl.Series) -> pl.Series:
    """What the model reads of each text, and the key ``score_series`` deduplicates on: every ASCII
    digit → ``0``, masked names collapsed (``张*`` → ``某*``, ``J.`` → ``X.``); null → ""."""
    return _collapse_names(zero_digits(texts)).alias(texts.name)


def skeleton_expr(text: pl.Expr) -> pl.Expr:
    """``skeletons`` as a Polars expression (a regex per step: the reference, and slower); the digit
    step has no regex form (a digit's fate depends on its whole word) and is ``zero_digits``."""
    out = text.cast(pl.String).fill_null("").map_batches(zero_digits, return_dtype=pl.String)
    out = out.str.replace_all(*_CJK_NAME).str.replace_all(*_LATIN_NAME)
    out = out.str.replace_all(*_URL).str.replace_all(*_SIGNATURE)
    return out.str.replace_all(*_CN_ORG).str.replace_all(*_CN_APP).str.replace_all(*_US_ORG)


def _views(skeletons: pl.Series, views: Sequence[View]) -> list[list[str]]:
    """The texts of each view for ``skeletons`` (one list per view, in order)."""
    frame = pl.DataFrame({"s": skeletons})
    norm = normalise_expr(pl.col("s"))
    forms = {
        "compact": compact_expr(pl.col("n").str.replace_all("[0-9]+", "0"), normalised=True),
        # leetspeak read as letters, as the rules read it
        "words": words_expr(fold_expr(pl.col("n")).str.replace_all("[0-9]+", "0"), normalised=True),
    }
    wanted = {v.form for v in views}
    out = frame.select(norm.alias("n")).select(*(forms[f].alias(f) for f in sorted(wanted)))
    return [out[v.form].to_list() for v in views]


@cache
def _vectorizer(view: View) -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer=view.analyzer,
        ngram_range=view.ngram,
        n_features=view.n_features,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        dtype=np.float64,
    )


def _counts(skeletons: pl.Series, views: Sequence[View]) -> Any:
    """Hashed n-gram counts of every view side by side (a CSR matrix)."""
    from scipy import sparse

    texts = _views(skeletons, views)
    blocks = [_vectorizer(v).transform(t) for v, t in zip(views, texts, strict=True)]
    return sparse.hstack(blocks, format="csr")


def _tfidf(counts: Any, idf: FloatArray, sublinear: bool) -> Any:
    """TF-IDF rows, L2-normalised (scikit-learn's ``TfidfTransformer`` with the given ``idf``)."""
    from sklearn.preprocessing import normalize

    weighted = counts.astype(np.float64, copy=True).tocsr()
    if sublinear:
        weighted.data = 1.0 + np.log(weighted.data)
    weighted.data *= idf[weighted.indices]
    return normalize(weighted, norm="l2", copy=False)


# ---- the model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Weights, IDF and threshold of one profile, with the training report (``info``)."""

    profile: str
    views: tuple[View, ...]
    sublinear_tf: bool
    coef: FloatArray
    intercept: float
    idf: FloatArray
    threshold: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        return sum(v.n_features for v in self.views)

    def _score_skeletons(self, skeletons: pl.Series) -> FloatArray:
        if skeletons.len() == 0:
            return np.zeros(0, dtype=np.float64)
        return _predict(
            _counts(skeletons, self.views), self.coef, self.intercept, self.idf, self.sublinear_tf
        )

    def score(self, texts: Sequence[str | None]) -> FloatArray:
        """P(abusive) per text, in order (``None`` is an empty message)."""
        return self._score_skeletons(skeletons(pl.Series("body", list(texts), dtype=pl.String)))

    def score_series(self, bodies: pl.Series) -> pl.Series:
        """``score`` for a column: each distinct skeleton is scored once and joined back.

        Digits are zeroed on every row (one pass over the bytes), then the rest of the skeleton, the
        views and the model run on the distinct results only: a planner's million bodies come from a
        few templates and have a few hundred."""
        keys = zero_digits(bodies)
        unique = keys.unique()
        named = _collapse_names(unique)
        distinct = named.unique()
        scores = pl.Series("score", self._score_skeletons(distinct), dtype=pl.Float64)
        per_key = named.replace_strict(distinct, scores, return_dtype=pl.Float64)
        return keys.replace_strict(unique, per_key, return_dtype=pl.Float64).alias(bodies.name)

    # ---- persistence (no pickle: arrays and one JSON string) ----

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        index = np.flatnonzero(self.coef).astype(np.int32)
        default_idf = float(self.idf.max()) if self.idf.size else 1.0
        meta = {
            "feature_version": FEATURE_VERSION,
            "profile": self.profile,
            "views": [v.as_dict() for v in self.views],
            "sublinear_tf": self.sublinear_tf,
            "info": self.info,
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            index=index,
            coef=self.coef[index].astype(np.float32),
            idf=self.idf[index].astype(np.float32),
            default_idf=np.array([default_idf], dtype=np.float64),
            intercept=np.array([self.intercept], dtype=np.float64),
            threshold=np.array([self.threshold], dtype=np.float64),
            meta=np.array(json.dumps(meta, ensure_ascii=False, sort_keys=True)),
        )
        path.write_bytes(buffer.getvalue())

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "model") -> Model:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                meta = json.loads(str(npz["meta"]))
                if meta.get("feature_version") != FEATURE_VERSION:
                    raise ConfigError(
                        f"classifier {source} has feature version {meta.get('feature_version')}, "
                        f"this dunning reads {FEATURE_VERSION}: retrain it",
                        f"分类器 {source} 的特征版本为 {meta.get('feature_version')}，"
                        f"当前版本为 {FEATURE_VERSION}：请重新训练",
                    )
                views = tuple(View.parse(v) for v in meta["views"])
                n = sum(v.n_features for v in views)
                index = npz["index"].astype(np.int64)
                coef = np.zeros(n, dtype=np.float64)
                coef[index] = npz["coef"].astype(np.float64)
                idf = np.full(n, float(npz["default_idf"][0]), dtype=np.float64)
                idf[index] = npz["idf"].astype(np.float64)
                return cls(
                    profile=str(meta["profile"]),
                    views=views,
                    sublinear_tf=bool(meta["sublinear_tf"]),
                    coef=coef,
                    intercept=float(npz["intercept"][0]),
                    idf=idf,
                    threshold=float(npz["threshold"][0]),
                    info=dict(meta.get("info", {})),
                )
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise ConfigError(
                f"classifier {source} is unreadable: {exc}", f"分类器 {source} 无法读取：{exc}"
            ) from exc

    @classmethod
    def load(cls, path: Path) -> Model:
        return cls.from_bytes(path.read_bytes(), str(path))


def _profile_name(profile: str) -> str:
    name = profile.upper()
    if name not in _PROFILES:
        raise InputError(
            f"unknown profile {profile!r}; choose from {', '.join(_PROFILES)}",
            f"未知配置 {profile!r}；可选 {'、'.join(_PROFILES)}",
        )
    return name


def model_path(profile: str) -> str:
    """Where the shipped model of ``profile`` lives inside the package (``dunning.compliance/model``)."""
    return f"model/{_profile_name(profile).lower()}.npz"


def _resource(profile: str) -> Traversable:
    return resources.files("dunning.compliance").joinpath("model", f"{_profile_name(profile).lower()}.npz")


@cache
def load_model(profile: str) -> Model:
    """The shipped model of ``profile``, read once per process."""
    name = _profile_name(profile)
    resource = _resource(name)
    if not resource.is_file():
        raise ConfigError(
            f"no classifier for profile {name} in the package; run `dunning compliance train-classifier`",
            f"安装包中没有 {name} 的分类器；请运行 `dunning compliance train-classifier`",
        )
    return Model.from_bytes(resource.read_bytes(), f"{name.lower()}.npz")


def clear_cache() -> None:
    """Forget the loaded models (after ``train`` wrote new ones)."""
    load_model.cache_clear()


def score(texts: Sequence[str], profile: str) -> FloatArray:
    """P(abusive) per text under the shipped model of ``profile``."""
    return load_model(profile).score(texts)


def score_series(bodies: pl.Series, profile: str) -> pl.Series:
    """``score`` over a column (Float64, same length and name); null bodies score as empty messages."""
    return load_model(profile).score_series(bodies)


def threshold(profile: str) -> float:
    """The review threshold: a score at or above it holds the message for review."""
    return load_model(profile).threshold


def model_info(profile: str) -> dict[str, Any]:
    """What the shipped model was trained on and how it measured (the report of ``train``)."""
    model = load_model(profile)
    return {
        **model.info,
        "profile": model.profile,
        "feature_version": FEATURE_VERSION,
        "threshold": model.threshold,
        "views": [v.as_dict() for v in model.views],
        "sublinear_tf": model.sublinear_tf,
        "nonzero_weights": int(np.count_nonzero(model.coef)),
        "file": f"dunning/compliance/{model_path(profile)}",
        "file_bytes": len(_resource(profile).read_bytes()),
    }


# ---- seeds --------------------------------------------------------------------------------------

_EXCLUDED_RULES: Final = frozenset({"content.time_barred_litigation"})
_TEXT_RULES: Final = ("content.", "personal_data.")


@dataclass(frozen=True, slots=True)
class Seed:
    group: str  # folds are dealt by group: one seed, or identical texts under several ids
    text: str
    abusive: bool
    origin: str  # "corpus" | "train" | a caller's label


def _label(raw: dict[str, Any], must_block: bool) -> bool | None:
    """True: abusive; False: must pass; None: not a text the model can learn from."""
    if not must_block:
        return False
    expect = [str(e) for e in raw.get("expect", ())]
    if not expect:
        return None if raw.get("context") else True
    text_rules = {e for e in expect if e.startswith(_TEXT_RULES)} - _EXCLUDED_RULES
    return True if text_rules else None


def _read_jsonl(text: str, name: str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
                raise ValueError("no text")
        except ValueError as exc:
            raise ConfigError(
                f"seed file {name} line {number} is malformed: {exc}",
                f"种子文件 {name} 第 {number} 行格式错误：{exc}",
            ) from exc
        raw.setdefault("id", f"{name}:{number}")
        rows.append(raw)
    return rows


def load_seeds(profile: str, corpus: Traversable | Path | None = None) -> list[Seed]:
    """The seeds of ``profile``: ``corpus/{p}_{block,pass}.jsonl`` and, when present, the same files
    of the development sets ``train``, ``eval`` and ``blind`` (``corpus``: the package's corpus
    folder). ``sealed``, the held-out set, is never read here."""
    name = _profile_name(profile).lower()
    if corpus is None:
        corpus = resources.files("dunning.compliance").joinpath("corpus")
    sources = [("corpus", corpus), *((sub, corpus.joinpath(sub)) for sub in SEED_SETS)]
    found: list[tuple[str, dict[str, Any], bool]] = []
    for origin, folder in sources:
        for kind in ("block", "pass"):
            resource = folder.joinpath(f"{name}_{kind}.jsonl")
            if not resource.is_file():
                continue
            for raw in _read_jsonl(resource.read_text(encoding="utf-8"), f"{origin}/{name}_{kind}.jsonl"):
                found.append((origin, raw, kind == "block"))
    return _as_seeds(
        (origin, str(raw["id"]), str(raw["text"]), _label(raw, block)) for origin, raw, block in found
    )


def _as_seeds(rows: Iterable[tuple[str, str, str, bool | None]]) -> list[Seed]:
    """Seeds with their groups: identical texts (on the skeleton) share the group of the first one;
    a text given both labels is dropped."""
    kept = [(o, i, t, lab) for o, i, t, lab in rows if lab is not None]
    if not kept:
        return []
    keys = _model_keys([t for _, _, t, _ in kept])
    first: dict[str, str] = {}
    labels: dict[str, set[bool]] = {}
    for (origin, ident, _, lab), key in zip(kept, keys, strict=True):
        first.setdefault(key, f"{origin}:{ident}")
        labels.setdefault(key, set()).add(bool(lab))
    seeds = []
    seen: set[tuple[str, bool]] = set()
    for (origin, _, text, lab), key in zip(kept, keys, strict=True):
        if len(labels[key]) > 1 or (key, bool(lab)) in seen:
            continue
        seen.add((key, bool(lab)))
        seeds.append(Seed(first[key], text, bool(lab), origin))
    return seeds


def _model_keys(texts: Sequence[str]) -> list[str]:
    """What the model reads of each text, as one string (for deduplication)."""
    keys = skeletons(pl.Series("t", list(texts), dtype=pl.String))
    return _views(keys, (View("compact", "char", (1, 1), 1),))[0]


# ---- generation ---------------------------------------------------------------------------------

_CN_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]*\n*")
_US_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# A clause ends at a Chinese comma or colon, or at a Latin one followed by a space (not "$1,286.40").
_CLAUSE = re.compile(r".+?(?:[，：]+|[,:](?=\s)|$)", re.DOTALL)

_CN_BRANDS: Final = (
    "安信", "宏达", "众利", "鑫源", "盛世", "恒通", "华信", "聚财", "优品", "银谷", "嘉和", "瑞丰",
    "国泰", "东方", "汇融", "金桥", "融达", "信和", "和顺", "永利", "佳禾", "天元", "长兴", "北辰",
)  # fmt: skip
_CN_CREDITOR: Final = ("消费金融", "小额贷款", "金融", "信贷", "数科", "普惠")
_CN_SIGNATURE: Final = ("金融", "借款", "贷", "钱包", "分期", "")
_CN_SURNAMES: Final = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
_US_BRANDS: Final = (
    "Harbor", "Summit", "Pioneer", "Maple", "Cedar", "Beacon", "Granite", "Liberty", "Evergreen",
    "Northwind", "Redwood", "Bluewater", "Keystone", "Lakeside", "Ironwood", "Sterling", "Meridian",
    "Oakmont", "Riverside", "Silverline", "Prairie", "Westgate", "Frontier", "Coastal",
)  # fmt: skip
_US_KIND: Final = ("Lending", "Credit", "Finance", "Loans", "Capital", "Financial", "Credit Union")
_US_FIRST: Final = ("Jane", "John", "Maria", "David", "Aisha", "Wei", "Carlos", "Emily", "Sam", "Priya")


def _cn_identity(text: str, rng: random.Random) -> str:
    brand = rng.choice(_CN_BRANDS)
    signature = brand + rng.choice(_CN_SIGNATURE)
    for old, new in (
        ("安信消费金融", brand + rng.choice(_CN_CREDITOR)),
        ("安信金融App", signature + rng.choice(("App", "APP", "app"))),
        ("安信金融", signature),
        ("安信", brand),
    ):
        text = text.replace(old, new)
    text = re.sub(r"[\u4e00-\u9fff]\*", lambda _: rng.choice(_CN_SURNAMES) + "*", text)
    roll = rng.random()
    if roll < 0.15:
        text = text.replace("您好", rng.choice(("你好", "您好！", "")), 1)
    elif roll < 0.3:
        text = text.replace("尊敬的", rng.choice(("亲爱的", "")), 1)
    return _amounts(text, rng)


def _us_identity(text: str, rng: random.Random) -> str:
    brand = rng.choice(_US_BRANDS)
    lender = f"{brand} {rng.choice(_US_KIND)}"
    for old, new in (
        ("Harbor Lending", lender),
        ("harborlending", lender.replace(" ", "").lower()),
        ("Harbor", brand),
    ):
        text = text.replace(old, new)

    def name(m: re.Match[str]) -> str:
        if rng.random() < 0.1:
            return m.group(1) + rng.choice(_US_FIRST)
        return m.group(1) + chr(ord("A") + rng.randrange(26)) + "."

    text = re.sub(r"(^|[\s,:;(])[A-Z]\.(?=[\s,:;)]|$)", name, text)
    roll = rng.random()
    if roll < 0.1:
        text = text.replace("Hi ", rng.choice(("Hello ", "Dear ", "")), 1)
    return _amounts(text, rng)


def _amounts(text: str, rng: random.Random) -> str:
    def amount(_: re.Match[str]) -> str:
        return f"{rng.randint(1_000, 3_000_000) / 100:,.2f}"

    return re.sub(r"\d{1,3}(?:,\d{3})*\.\d{2}", amount, text)


def _sentences(text: str, profile: str) -> list[str]:
    if profile == "CN":
        return [m.group(0) for m in _CN_SENTENCE.finditer(text) if m.group(0).strip()]
    return [s for s in _US_SENTENCE.split(text) if s.strip()]


def _join(parts: Sequence[str], profile: str) -> str:
    if profile == "CN":
        return "".join(p if re.search(r"[。！？!?；;]\s*$", p) else p + "。" for p in parts[:-1]) + parts[-1]
    return " ".join(p.strip() for p in parts)


def _as_sentence(part: str, profile: str) -> str:
    part = part.strip()
    if profile == "CN":
        return part if re.search("[。！？!?；;]$", part) else part + "。"
    return part if re.search(r"[.!?]$", part) else part + "."


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    abusive: bool
    group: str  # the seed the row's label comes from
    fold: int
    kind: str  # "seed" | "splice" | "recombine"
    mutation: str  # mutation class, "none", or "a+b" when stacked


def _fold(group: str, folds: int, seed: int) -> int:
    return zlib.crc32(f"{seed}\x1f{group}".encode()) % folds


def _clauses(sentence: str) -> list[str]:
    return [m.group(0) for m in _CLAUSE.finditer(sentence) if m.group(0).strip()]


def _abusive_parts(seeds: Sequence[Seed], profile: str, *, use_gate: bool = True) -> dict[str, list[str]]:
    """The part of each abusive seed that carries the abuse, to splice into other messages.

    The sentences a content or personal-data rule flags on their own (``use_gate``); when none is
    flagged, the sentences no must-pass seed has and fewer than three seeds share (the rest is the
    frame: "欠款1,286.40元。", "Call us at …"). Leading clauses that must-pass seeds have too are cut
    ("您尾号1234的借款已逾期7天，"). A seed whose every sentence is chosen has nothing to splice."""
    benign = [s for seed in seeds if not seed.abusive for s in _sentences(seed.text, profile)]
    pass_keys = set(_model_keys(benign or [""]))
    clause_keys = set(_model_keys([c for s in benign for c in _clauses(s)] or [""]))
    abusive = [seed for seed in seeds if seed.abusive]
    split = [_sentences(seed.text, profile) for seed in abusive]
    flat = [s for parts in split for s in parts]
    if not flat:
        return {}
    keys = _model_keys(flat)
    spread: dict[str, set[str]] = {}
    for seed, parts, start in zip(abusive, split, _offsets(split), strict=True):
        for k in keys[start : start + len(parts)]:
            spread.setdefault(k, set()).add(seed.group)
    flagged = _flagged(flat, profile) if use_gate else [False] * len(flat)
    out: dict[str, list[str]] = {}
    for seed, parts, start in zip(abusive, split, _offsets(split), strict=True):
        mine = range(start, start + len(parts))
        chosen = [flat[i] for i in mine if flagged[i]] or [
            flat[i] for i in mine if keys[i] not in pass_keys and len(spread[keys[i]]) < 3
        ]
        if not chosen:
            continue
        trimmed = []
        for sentence in chosen:
            clauses = _clauses(sentence)
            known = _model_keys(clauses)
            first = 0
            while first < len(clauses) - 1 and known[first] in clause_keys:
                first += 1
            trimmed.append("".join(clauses[first:]).strip())
        if trimmed == [p.strip() for p in parts]:
            continue  # the whole message: nothing to splice
        out[seed.group] = trimmed
    return out


def _offsets(split: Sequence[Sequence[str]]) -> list[int]:
    starts, at = [], 0
    for parts in split:
        starts.append(at)
        at += len(parts)
    return starts


def _flagged(sentences: Sequence[str], profile: str) -> list[bool]:
    """Whether a content or personal-data rule fires on each sentence alone."""
    from dunning.compliance.corpus import corpus_profile
    from dunning.compliance.gate import evaluate_records

    found = evaluate_records([{"body": s} for s in sentences], corpus_profile(profile))
    return [any(r.startswith(_TEXT_RULES) for r in ids) for ids in found]


def _pass_parts(seeds: Sequence[Seed], profile: str) -> dict[str, str]:
    """What each must-pass seed says beyond the boilerplate: its clauses that fewer than three
    must-pass seeds share, less the first sentence's (signature, name, amount)."""
    passes = [seed for seed in seeds if not seed.abusive]
    clauses = [
        [c for sentence in _sentences(seed.text, profile)[1:] for c in _clauses(sentence)] for seed in passes
    ]
    flat = [c for cs in clauses for c in cs]
    if not flat:
        return {}
    keys = _model_keys(flat)
    spread: dict[str, set[str]] = {}
    i = 0
    for seed, cs in zip(passes, clauses, strict=True):
        for k in keys[i : i + len(cs)]:
            spread.setdefault(k, set()).add(seed.group)
        i += len(cs)
    out: dict[str, str] = {}
    i = 0
    for seed, cs in zip(passes, clauses, strict=True):
        own = [c for c, k in zip(cs, keys[i : i + len(cs)], strict=True) if len(spread[k]) < 3]
        i += len(cs)
        if own:
            out[seed.group] = (" " if profile == "US" else "").join(c.strip() for c in own).strip(" ，,：:")
    return out


def generate(
    seeds: Sequence[Seed],
    profile: str,
    *,
    rows: int = 40_000,
    seed: int = 0,
    folds: int = _FOLDS,
    use_gate: bool = True,
    progress: Progress | None = None,
) -> list[Row]:
    """Training rows from ``seeds``: about ``rows`` of them, half abusive, each built from seeds of a
    single fold (so the folds are a grouped split), deduplicated on what the model reads."""
    from dunning.compliance.mutations import classes_for, mutate

    name = _profile_name(profile)
    mutations = [m.name for m in classes_for(name)]
    identity = _cn_identity if name == "CN" else _us_identity
    rng = random.Random(f"dunning-classifier\x1f{name}\x1f{seed}")
    fold_of = {s.group: _fold(s.group, folds, seed) for s in seeds}
    parts = _abusive_parts(seeds, name, use_gate=use_gate)
    benign = _pass_parts(seeds, name)
    passes = [s for s in seeds if not s.abusive]
    blocks = [s for s in seeds if s.abusive]
    pass_by_fold: dict[int, list[Seed]] = {}
    for s in passes:
        pass_by_fold.setdefault(fold_of[s.group], []).append(s)
    per_block = max(4, rows // 2 // max(1, len(blocks)))
    per_pass = max(4, rows // 2 // max(1, len(passes)))

    def mutated(text: str) -> tuple[str, str]:
        roll = rng.random()
        if roll < 0.3:
            return text, "none"
        first = rng.choice(mutations)
        out = mutate(text, first, seed=rng.randrange(1 << 30))
        if roll < 0.85:
            return out, first
        second = rng.choice([m for m in mutations if m != first] or mutations)
        return mutate(out, second, seed=rng.randrange(1 << 30)), f"{first}+{second}"

    out: list[Row] = []
    total = len(blocks) + len(passes)
    for done, s in enumerate([*blocks, *passes]):
        if progress is not None and done % 8 == 0:
            progress("generate", done / max(1, total))
        fold = fold_of[s.group]
        n = per_block if s.abusive else per_pass
        # The seed itself: as written, then every mutation class with a few seeds, then re-identified.
        out.append(Row(s.text, s.abusive, s.group, fold, "seed", "none"))
        for m in mutations:
            for k in range(2):
                out.append(
                    Row(mutate(s.text, m, seed=f"{seed}:{k}:{s.group}"), s.abusive, s.group, fold, "seed", m)
                )
        whole = max(1, n // 4)
        for _ in range(whole):
            text, m = mutated(identity(s.text, rng))
            out.append(Row(text, s.abusive, s.group, fold, "seed", m))
        frames = pass_by_fold.get(fold, [])
        others = [p for p in frames if p.group != s.group]
        if s.abusive:
            pieces = parts.get(s.group, [])
            if not pieces or not frames:
                continue
            for _ in range(n - whole):
                frame = _sentences(rng.choice(frames).text, name)
                piece = (" " if name == "US" else "").join(_as_sentence(x, name) for x in pieces)
                at = rng.randint(1, len(frame)) if len(frame) > 1 else 1
                if len(frame) > 2 and rng.random() < 0.4:
                    frame = frame[:at] + frame[at + 1 :] if at < len(frame) - 1 else frame
                text = _join([*frame[:at], piece, *frame[at:]], name)
                text, m = mutated(identity(text, rng))
                out.append(Row(text, True, s.group, fold, "splice", m))
        else:
            mine = _sentences(s.text, name)
            donors = [benign[p.group] for p in others if benign.get(p.group)]
            if len(mine) < 2 or not donors:
                continue
            for _ in range(n - whole):
                piece = _as_sentence(rng.choice(donors), name)
                at = rng.randint(1, len(mine) - 1)
                if rng.random() < 0.5 and len(mine) > 2:
                    parts_ = [*mine[:at], piece, *mine[at + 1 :]]
                else:
                    parts_ = [*mine[:at], piece, *mine[at:]]
                text, m = mutated(identity(_join(parts_, name), rng))
                out.append(Row(text, False, s.group, fold, "recombine", m))
    if progress is not None:
        progress("generate", 1.0)
    return _dedupe(out)


def _dedupe(rows: list[Row]) -> list[Row]:
    keys = _model_keys([r.text for r in rows])
    labels: dict[str, set[bool]] = {}
    for r, k in zip(rows, keys, strict=True):
        labels.setdefault(k, set()).add(r.abusive)
    seen: set[str] = set()
    out = []
    for r, k in zip(rows, keys, strict=True):
        if k in seen or len(labels[k]) > 1:
            continue
        seen.add(k)
        out.append(r)
    return out


# ---- training -----------------------------------------------------------------------------------


#: The logistic regression's C is this over the number of rows: the penalty per row stays the same
#: however many variants of each seed are generated (a fixed C overfits the seeds as rows grow).
#: Chosen on the grouped folds.
_C_ROWS: Final = 10_000.0
_SUBLINEAR_TF: Final = True


def _fit(
    counts: Any, labels: npt.NDArray[np.bool_], seed: int, c: float | None = None
) -> tuple[FloatArray, float, FloatArray]:
    """IDF (smooth, as scikit-learn's TfidfTransformer) and a logistic regression on ``counts``.

    Fitted on the hashed columns that occur (a few percent of them) with liblinear's dual solver,
    which is fast when there are more features than rows; the others keep a zero weight."""
    from sklearn.linear_model import LogisticRegression

    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    used = np.flatnonzero(df)
    x = _tfidf(counts, idf, _SUBLINEAR_TF)[:, used]
    # No intercept: a text the model has no n-gram evidence about scores 0.5, below any review
    # threshold, instead of the base rate of the generated corpus (an intercept of 2.4 sent short,
    # unfamiliar but harmless messages of other senders to review).
    lr = LogisticRegression(
        C=c if c is not None else _C_ROWS / max(1, n),
        fit_intercept=False,
        class_weight="balanced",
        max_iter=5000,
        random_state=seed,
        solver="liblinear",
        dual=True,
    )
    lr.fit(x, labels)
    coef = np.zeros(counts.shape[1], dtype=np.float64)
    coef[used] = lr.coef_[0]
    return coef, float(np.asarray(lr.intercept_).ravel()[0]) if lr.fit_intercept else 0.0, idf


def _predict(
    counts: Any, coef: FloatArray, intercept: float, idf: FloatArray, sublinear: bool = _SUBLINEAR_TF
) -> FloatArray:
    """P(abusive) per row; a row without a single n-gram (empty, only emoji or punctuation) has nothing
    to judge and scores 0 (the model's intercept alone is no opinion about a text)."""
    if counts.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    z = np.asarray(_tfidf(counts, idf, sublinear) @ coef, dtype=np.float64) + intercept
    p = 1.0 / (1.0 + np.exp(-z))
    p[np.diff(counts.indptr) == 0] = 0.0
    return np.asarray(p, dtype=np.float64)


def choose_threshold(pass_scores: Sequence[float] | FloatArray, share: float = 0.02) -> float:
    """The lowest threshold (midway between two scores) that sends at most ``share`` of ``pass_scores``
    to review (score ≥ threshold)."""
    ranked = np.sort(np.asarray(pass_scores, dtype=np.float64))[::-1]
    if ranked.size == 0:
        return 0.5
    allowed = math.floor(share * ranked.size)
    if allowed >= ranked.size:
        return 0.0
    below = ranked[allowed]
    above = ranked[allowed - 1] if allowed > 0 else 1.0
    return float(min(1.0, (below + above) / 2 if above > below else np.nextafter(below, 2.0)))


def _rate(mask: npt.NDArray[np.bool_]) -> float | None:
    return round(float(mask.mean()), 4) if mask.size else None


def fit_rows(
    rows: Sequence[Row],
    profile: str,
    *,
    seed: int = 0,
    folds: int = _FOLDS,
    seeds: Sequence[Seed] = (),
    progress: Progress | None = None,
) -> tuple[Model, dict[str, Any]]:
    """Grouped cross-validation over the rows' folds (AUC, threshold, rates), then the model on all rows."""
    from sklearn.metrics import roc_auc_score

    name = _profile_name(profile)
    views = VIEWS[name]
    if not rows or len({r.abusive for r in rows}) < 2:
        raise InputError("training needs abusive and must-pass rows", "训练需要违规与合规两类样本")
    texts = pl.Series("t", [r.text for r in rows], dtype=pl.String)
    counts = _counts(skeletons(texts), views)
    labels = np.array([r.abusive for r in rows], dtype=np.bool_)
    fold = np.array([r.fold for r in rows], dtype=np.int64)
    written = [s for s in seeds]
    seed_fold = np.array([_fold(s.group, folds, seed) for s in written], dtype=np.int64)
    seed_labels = np.array([s.abusive for s in written], dtype=np.bool_)
    seed_counts = (
        _counts(
            skeletons(pl.Series("t", [s.text for s in written], dtype=pl.String)),
            views,
        )
        if written
        else None
    )
    oof = np.full(len(rows), np.nan)
    seed_oof = np.full(len(written), np.nan)
    for k in range(folds):
        if progress is not None:
            progress("validate", k / (folds + 1))
        held = fold == k
        train_rows = ~held
        if not held.any() or len(set(labels[train_rows])) < 2:
            continue
        coef, intercept, idf = _fit(counts[np.flatnonzero(train_rows)], labels[train_rows], seed)
        oof[held] = _predict(counts[np.flatnonzero(held)], coef, intercept, idf)
        if seed_counts is not None and (seed_fold == k).any():
            seed_oof[seed_fold == k] = _predict(
                seed_counts[np.flatnonzero(seed_fold == k)], coef, intercept, idf
            )
    if progress is not None:
        progress("fit", folds / (folds + 1))
    scored = ~np.isnan(oof)
    y, s = labels[scored], oof[scored]
    seed_scored = ~np.isnan(seed_oof)
    ys, ss = seed_labels[seed_scored], seed_oof[seed_scored]
    share = REVIEW_PASS_SHARE[name]
    cut = max(choose_threshold(s[~y], share), choose_threshold(ss[~ys], share) if (~ys).any() else 0.0)
    coef, intercept, idf = _fit(counts, labels, seed)
    kinds = np.array([r.kind for r in rows])
    mutation = np.array(["stacked" if "+" in r.mutation else r.mutation for r in rows])
    per_class = {
        m: {
            "recall": _rate(s[y & (mutation[scored] == m)] >= cut),
            "pass_review": _rate(s[~y & (mutation[scored] == m)] >= cut),
        }
        for m in sorted(set(mutation.tolist()))
    }
    report: dict[str, Any] = {
        "profile": name,
        "seed": seed,
        "rows": len(rows),
        "rows_abusive": int(labels.sum()),
        "rows_pass": int((~labels).sum()),
        "rows_by_kind": {k: int((kinds == k).sum()) for k in sorted(set(kinds.tolist()))},
        "seeds_abusive": int(seed_labels.sum()),
        "seeds_pass": int((~seed_labels).sum()),
        "seeds_by_origin": {
            o: sum(1 for x in written if x.origin == o) for o in sorted({x.origin for x in written})
        },
        "folds": folds,
        "validation": "grouped by seed: out-of-fold scores of rows built only from held-out seeds",
        "auc": round(float(roc_auc_score(y, s)), 4) if len(set(y.tolist())) == 2 else None,
        "auc_seeds": round(float(roc_auc_score(ys, ss)), 4) if len(set(ys.tolist())) == 2 else None,
        "threshold": round(cut, 6),
        "review_pass_share": share,
        "recall_at_threshold": _rate(s[y] >= cut),
        "pass_review_rate": _rate(s[~y] >= cut),
        "pass_rate_at_threshold": _rate(s[~y] < cut),
        "seed_recall_at_threshold": _rate(ss[ys] >= cut),
        "seed_pass_rate_at_threshold": _rate(ss[~ys] < cut),
        "recall_by_kind": {k: _rate(s[y & (kinds[scored] == k)] >= cut) for k in ("seed", "splice")},
        "by_mutation": per_class,
    }
    model = Model(name, views, _SUBLINEAR_TF, coef, intercept, idf, cut, {})
    if progress is not None:
        progress("fit", 1.0)
    return model, report


def _checks(model: Model, profile: str) -> list[dict[str, Any]]:
    """A few texts and their scores at training time: ``model_info`` carries them, a test re-scores
    them, so a change in hashing or normalisation shows as a number that moved."""
    texts = _CHECK_TEXTS[profile]
    return [{"text": t, "score": round(float(p), 6)} for t, p in zip(texts, model.score(texts), strict=True)]


_CHECK_TEXTS: Final = {
    "CN": (
        "【安信金融】张*您好，您在安信消费金融的借款已逾期3天，欠款1,286.40元，请尽快还款。客服95000",
        "【安信金融】张*您好，您的借款已逾期3天，再不还款我们就上门找你家人，让你坐牢。客服95000",
        "",
    ),
    "US": (
        "Harbor Lending: Hi J., your loan ending 1234 is 3 days past due. Balance: $1,286.40. "
        "Call 1-800-555-0100. Reply STOP to opt out.",
        "Harbor Lending: J., pay $1,286.40 today or the sheriff will come to arrest you at work. "
        "Reply STOP to opt out.",
        "",
    ),
}


def train(
    profile: str,
    out: Path,
    *,
    seed: int = 0,
    rows: int = 40_000,
    folds: int = _FOLDS,
    use_gate: bool = True,
    progress: Progress | None = None,
    seeds: Sequence[Seed] | None = None,
) -> dict[str, Any]:
    """Generate, validate (grouped by seed), fit and write ``out/{profile}.npz``; return the report.

    ``seeds`` defaults to ``load_seeds(profile)``; ``progress`` gets (stage, share of the whole work
    done). Deterministic for the same seeds, ``seed`` and ``rows``."""
    import sklearn

    name = _profile_name(profile)
    chosen = list(load_seeds(name) if seeds is None else seeds)

    def part(start: float, share: float) -> Progress | None:
        if progress is None:
            return None
        report_to = progress
        return lambda stage, done: report_to(stage, start + share * done)

    generated = generate(
        chosen, name, rows=rows, seed=seed, folds=folds, use_gate=use_gate, progress=part(0.0, 0.3)
    )
    model, report = fit_rows(generated, name, seed=seed, folds=folds, seeds=chosen, progress=part(0.3, 0.7))
    report["rows_requested"] = rows
    report["splice_location"] = "gate, then novelty" if use_gate else "novelty"
    path = Path(out) / f"{name.lower()}.npz"
    report["sklearn"] = sklearn.__version__
    report["checks"] = _checks(model, name)
    final = dataclasses.replace(model, info=report)
    final.save(path)
    report["file"] = str(path)
    report["file_bytes"] = path.stat().st_size
    clear_cache()
    return report
