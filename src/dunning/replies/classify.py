"""classify / classify_many: keyword → rules → model, then promise terms for promises."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from dunning.core.clock import zone
from dunning.core.profiles import PROFILE_TIME_ZONE
from dunning.replies.intents import RANK, Intent
from dunning.replies.model import IntentModel, default_model
from dunning.replies.normalise import is_blank, normalise
from dunning.replies.promise import PromiseTerms, parse_normalised
from dunning.replies.rules import detect, is_acknowledgement

__all__ = ["DEFAULT_OPT_OUT_KEYWORDS", "Classification", "classify", "classify_many"]

#: Exact-reply opt-out keywords per profile (the caller may pass the profile's configured list).
DEFAULT_OPT_OUT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "CN": ("退订", "TD", "T", "N", "R", "拒收", "别发了", "不要再发"),
    "US": ("STOP", "STOPALL", "QUIT", "END", "REVOKE", "OPT OUT", "OPTOUT", "CANCEL", "UNSUBSCRIBE"),
}

# Confidence of a rule decision: one intent found, or the priority winner among several.
RULE_SINGLE = 0.93
RULE_SEVERAL = 0.85
ACKNOWLEDGEMENT = 0.9
NEGATED_ONLY = 0.75  # a cue was there but negated, and nothing else was said
# Below this probability the model's guess is not acted on: the reply is "other" (a person reads it).
# Chosen on the cross-validated corpus, not the holdout.
MODEL_FLOOR = 0.45


@dataclass(frozen=True, slots=True)
class Classification:
    intent: Intent
    confidence: float
    intents: tuple[Intent, ...]  # everything detected, most action-driving first
    promise: PromiseTerms | None  # only when intent is promise
    source: str  # "keyword" | "rule" | "model"


_TRIM = " \t\r\n.。!！,，~～?？"


def _keyword_form(text: str) -> str:
    # Full-width letters (ＴＤ) count: the keyword test runs on the half-width, upper-cased reply.
    return normalise(text).strip(_TRIM).upper()


def _keywords(profile: str, opt_out_keywords: Collection[str] | None) -> frozenset[str]:
    words = opt_out_keywords if opt_out_keywords is not None else DEFAULT_OPT_OUT_KEYWORDS.get(profile, ())
    return frozenset(_keyword_form(w) for w in words)


def _by_priority(intents: Iterable[Intent]) -> tuple[Intent, ...]:
    return tuple(sorted(set(intents), key=RANK.__getitem__))


def classify_many(
    texts: Sequence[str],
    *,
    profile: str,
    now: datetime | Sequence[datetime],
    time_zone: str | None = None,
    amount_due: Decimal | Sequence[Decimal | None] | None = None,
    opt_out_keywords: Collection[str] | None = None,
    model: IntentModel | None = None,
) -> list[Classification]:
    """Classify replies in one pass; the model sees all rule-less replies in one batch.

    ``now`` and ``amount_due`` may be one value for all or one per text.
    """
    if profile not in PROFILE_TIME_ZONE:
        raise ValueError(f"unknown profile {profile!r}")
    tz = zone(time_zone or PROFILE_TIME_ZONE[profile])
    nows = [now] * len(texts) if isinstance(now, datetime) else list(now)
    dues = list(amount_due) if isinstance(amount_due, Sequence) else [amount_due] * len(texts)
    if len(nows) != len(texts) or len(dues) != len(texts):
        raise ValueError("now and amount_due must be one value or one per text")
    keywords = _keywords(profile, opt_out_keywords)
    today_cache: dict[datetime, date] = {}
    detected: dict[str, tuple[set[Intent], bool]] = {}

    results: list[Classification | None] = [None] * len(texts)
    pending: list[int] = []
    normalised: list[str] = []
    for i, raw in enumerate(texts):
        text = normalise(raw)
        normalised.append(text)
        if text.strip(_TRIM).upper() in keywords:
            results[i] = Classification(Intent.OPT_OUT, 1.0, (Intent.OPT_OUT,), None, "keyword")
            continue
        if is_blank(text) or is_acknowledgement(text):
            results[i] = Classification(Intent.OTHER, ACKNOWLEDGEMENT, (Intent.OTHER,), None, "rule")
            continue
        seen = detected.get(text)
        if seen is None:  # replies repeat a lot (好, 已还, stop): detect each text once per batch
            seen = detected[text] = detect(text)
        found, negated = seen
        if not found:
            if negated:
                results[i] = Classification(Intent.OTHER, NEGATED_ONLY, (Intent.OTHER,), None, "rule")
            else:
                pending.append(i)
            continue
        ordered = _by_priority(found)
        confidence = RULE_SINGLE if len(ordered) == 1 else RULE_SEVERAL
        results[i] = Classification(ordered[0], confidence, ordered, None, "rule")

    if pending:
        predictions = (model or default_model()).predict([normalised[i] for i in pending])
        for i, (intent, probability) in zip(pending, predictions, strict=True):
            if probability < MODEL_FLOOR:
                intent, probability = Intent.OTHER, 1.0 - probability
            results[i] = Classification(intent, round(probability, 4), (intent,), None, "model")

    out: list[Classification] = []
    for i, result in enumerate(results):
        assert result is not None
        if result.intent is Intent.PROMISE:
            instant = nows[i]
            if instant.tzinfo is None:
                raise ValueError("now must be timezone-aware")
            today = today_cache.get(instant)
            if today is None:
                today = today_cache[instant] = instant.astimezone(tz).date()
            terms = parse_normalised(normalised[i], today, dues[i])
            result = Classification(result.intent, result.confidence, result.intents, terms, result.source)
        out.append(result)
    return out


def classify(
    text: str,
    *,
    profile: str,
    now: datetime,
    time_zone: str | None = None,
    amount_due: Decimal | None = None,
    opt_out_keywords: Collection[str] | None = None,
) -> Classification:
    """One reply → its action-driving intent, confidence, all intents and (for promises) the terms."""
    return classify_many(
        [text],
        profile=profile,
        now=now,
        time_zone=time_zone,
        amount_due=amount_due,
        opt_out_keywords=opt_out_keywords,
    )[0]
