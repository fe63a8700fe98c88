"""The gate: every rule of a profile over a frame at once, set-based.

One code path serves the planner (``stage="plan"``), the pre-submit recheck (``stage="submit"``)
and single texts (``check_message``): the same rules give the same answer everywhere. Rules whose
input columns are absent are skipped, so a frame holding only ``body`` is checked for content only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import polars as pl

from dunning.compliance.features import FEATURES, feature_exprs
from dunning.compliance.kinds import KIND_COLUMN, exemption
from dunning.compliance.profiles import ComplianceProfile
from dunning.compliance.rules import Rule, Screen, get_rule, rules_for
from dunning.core.errors import InputError, NotFound

__all__ = [
    "CONTENT_SCOPE_ONLY",
    "INPUT_SCHEMA",
    "OUTCOMES",
    "SCOPES",
    "STAGES",
    "Identity",
    "Outcome",
    "Verdict",
    "Violation",
    "check_message",
    "context_frame",
    "evaluate",
    "evaluate_records",
    "explain",
    "judge_message",
    "judge_records",
    "rule_table",
    "typed_context",
    "with_identity",
]

STAGES = ("plan", "submit")
#: ``full``: everything the deployment requires; ``content``: what the text says only (no required
#: elements; links and numbers only against a sender identity when one is given).
SCOPES = ("full", "content")
Outcome = Literal["allowed", "blocked", "review"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

# The columns rules read (docs/design/pipeline.md "Gate input") and their types.
INPUT_SCHEMA: dict[str, pl.DataType] = {
    "body": pl.String(),
    "local_minute_min": pl.Int32(),
    "local_minute_max": pl.Int32(),
    "sends_today": pl.Int32(),
    "sends_7d": pl.Int32(),
    "scheduled_at": pl.Datetime("us", "UTC"),
    "last_sent_at": pl.Datetime("us", "UTC"),
    "region": pl.String(),
    "paid": pl.Boolean(),
    "opt_out": pl.Boolean(),
    "recipient_opted_out": pl.Boolean(),
    "dispute": pl.Boolean(),
    "complaint": pl.Boolean(),
    "bankrupt": pl.Boolean(),
    "deceased": pl.Boolean(),
    "time_barred": pl.Boolean(),
    "hold_reason": pl.String(),
    "recipient_relation": pl.String(),
    "recipient_verified": pl.Boolean(),
    "template_approved": pl.Boolean(),
    "recipient_invalid": pl.Boolean(),
    "kind": pl.String(),
}
_NULLABLE = frozenset({"region", "hold_reason", "last_sent_at", "kind"})


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    category: str
    legal_basis: str
    reason_zh: str
    reason_en: str

    def reason(self) -> str:
        return f"{self.reason_zh} / {self.reason_en}"


def explain(rule_id: str, profile: ComplianceProfile) -> Violation:
    """The legal basis and bilingual reason of ``rule_id`` under ``profile``."""
    rule = get_rule(rule_id)
    if profile.name not in rule.legal_basis:
        raise NotFound(
            f"rule {rule_id!r} does not apply under profile {profile.name}",
            f"规则 {rule_id!r} 不适用于 {profile.name} 配置",
        )
    zh, en = rule.reason(profile)
    return Violation(rule.id, rule.category, rule.legal_basis[profile.name], zh, en)


def evaluate(
    frame: pl.DataFrame, profile: ComplianceProfile, stage: str = "plan", *, scope: str = "full"
) -> pl.DataFrame:
    """``frame`` plus ``violations``: the ids of the rules each row breaks (empty list = allowed).

    The rules are the same at both stages, so a message that passed at plan time and fails at submit
    time failed because its facts changed, never because the checks differ.

    Two passes keep it fast: every row gets the dense rules and one combined regex per derived text
    column for the screens of the rare-violation rules; only rows a screen flags get those rules.
    """
    if stage not in STAGES:
        raise InputError(f"stage must be one of {', '.join(STAGES)}", f"stage 须为 {'、'.join(STAGES)} 之一")
    if scope not in SCOPES:
        raise InputError(f"scope must be one of {', '.join(SCOPES)}", f"scope 须为 {'、'.join(SCOPES)} 之一")
    frame = frame.drop("violations", strict=False)  # a recheck replaces the earlier verdict
    present = set(frame.columns)
    active = [r for r in rules_for(profile) if set(r.columns) <= present and _in_scope(r, profile, scope)]
    by_kind = KIND_COLUMN in present

    def violated(rule: Rule) -> pl.Expr:
        expr = rule.violated(profile)
        exempt = exemption(rule.id) if by_kind else None
        return expr if exempt is None else expr & ~exempt

    dense = [(r.id, violated(r)) for r in active if r.screen is None]
    sparse = [(r.id, violated(r)) for r in active if r.screen is not None]
    screen = _screen([s for r in active if r.screen is not None for s in r.screen(profile)])

    row, mask, flagged = "__compliance_row", "__compliance_mask", "__compliance_screen"
    first = _with_features(frame.lazy().with_row_index(row), profile, [e for _, e in dense] + [screen])
    # Dense results as bits of one integer: a list per row for 1M rows costs more than all the checks.
    assert len(dense) <= 64, "more dense rules than bits in the mask"
    first = first.with_columns(_bits(dense).alias(mask), screen.alias(flagged))
    # The streaming engine splits the column into morsels and uses every core for the regex passes.
    result = first.select(*frame.columns, row, mask, flagged).collect(engine="streaming")

    # Only rows with a dense hit or a screen flag go further, as (row, rule) pairs: building a list
    # per row is the dearest step of all, so it is done for the rows that have something in it.
    order = {rule.id: i for i, rule in enumerate(active)}
    pairs: list[pl.DataFrame] = []
    hit = result.filter(pl.col(mask) != 0).select(row, mask)
    for i, (rule_id, _) in enumerate(dense):
        bit = pl.lit(1 << i, dtype=pl.UInt64)
        pairs.append(hit.filter((pl.col(mask) & bit) != 0).select(row, *_pair(rule_id, order)))
    screened = result.filter(pl.col(flagged)).drop(mask, flagged)
    if sparse and screened.height:
        lf = _with_features(screened.lazy(), profile, [e for _, e in sparse])
        flags = lf.select(row, *[expr.alias(rule_id) for rule_id, expr in sparse]).collect()
        pairs += [flags.filter(pl.col(rule_id)).select(row, *_pair(rule_id, order)) for rule_id, _ in sparse]
    empty = pl.lit([], dtype=pl.List(pl.String))
    found = pl.concat(pairs) if pairs else pl.DataFrame()
    if found.height == 0:
        return result.select(*frame.columns, empty.alias("violations"))
    lists = found.group_by(row).agg(pl.col("rule").sort_by("order").alias("violations"))
    result = result.join(lists, on=row, how="left", maintain_order="left")
    return result.select(*frame.columns, pl.col("violations").fill_null(empty))


# Rules for a text checked on its content alone, which full scope checks another way.
CONTENT_SCOPE_ONLY = frozenset({"content.opt_out_missing"})


def _in_scope(rule: Rule, profile: ComplianceProfile, scope: str) -> bool:
    if scope == "full":
        return rule.id not in CONTENT_SCOPE_ONLY
    if rule.category == "required_content":
        return False
    # Without an identity there is nothing to hold a link or a number against.
    if rule.id == "link.not_allowed":
        return bool(profile.allowed_urls or profile.allowed_domains)
    if rule.id == "number.not_allowed":
        return bool(profile.permitted_numbers)
    return True


def _pair(rule_id: str, order: dict[str, int]) -> tuple[pl.Expr, pl.Expr]:
    return pl.lit(rule_id).alias("rule"), pl.lit(order[rule_id], dtype=pl.Int32).alias("order")


def _bits(checks: list[tuple[str, pl.Expr]]) -> pl.Expr:
    if not checks:
        return pl.lit(0, dtype=pl.UInt64)
    return pl.sum_horizontal([expr.cast(pl.UInt64) * (1 << i) for i, (_, expr) in enumerate(checks)])


def _screen(screens: list[Screen]) -> pl.Expr:
    """One regex per column for all "matches" screens, one test per distinct "absent" screen."""
    found: dict[str, list[str]] = {}
    absent: dict[tuple[str, str], None] = {}
    for s in screens:
        if s.absent:
            absent[(s.column, s.pattern)] = None
        else:
            found.setdefault(s.column, []).append(f"(?:{s.pattern})")
    parts = [pl.col(column).str.contains("|".join(dict.fromkeys(ps))) for column, ps in found.items()]
    parts += [~pl.col(column).str.contains(pattern) for column, pattern in absent]
    return pl.any_horizontal(parts).fill_null(True) if parts else pl.lit(False)


def _with_features(lf: pl.LazyFrame, profile: ComplianceProfile, exprs: list[pl.Expr]) -> pl.LazyFrame:
    needed = {name for e in exprs for name in e.meta.root_names()} & set(FEATURES)
    for stage_exprs in feature_exprs(profile, needed):
        lf = lf.with_columns(stage_exprs)
    return lf


def context_frame(records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """A typed gate frame from plain values (JSON): booleans, integers, strings, ISO 8601 instants.

    All records must have the same keys. Raises InputError naming the first bad key.
    """
    if not records:
        return pl.DataFrame(schema={"body": pl.String()})
    keys = list(records[0])
    columns: dict[str, list[Any]] = {key: [] for key in keys}
    for record in records:
        if list(record) != keys:
            raise InputError("all records must have the same keys", "所有记录的键必须相同")
        for key, value in record.items():
            columns[key].append(_typed(key, value))
    return pl.DataFrame(
        {key: pl.Series(key, values, dtype=INPUT_SCHEMA[key]) for key, values in columns.items()}
    )


def typed_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """Check and convert plain context values (JSON) to what ``context_frame`` needs; InputError if bad."""
    return {key: _typed(key, value) for key, value in context.items()}


def _typed(key: str, value: Any) -> Any:
    dtype = INPUT_SCHEMA.get(key)
    if dtype is None:
        known = ", ".join(k for k in INPUT_SCHEMA if k != "body")
        raise InputError(
            f"unknown context key {key!r}; known: {known}", f"未知的上下文字段 {key!r}；可用：{known}"
        )
    if value is None:
        if key in _NULLABLE:
            return None
        raise InputError(f"{key} must not be null", f"{key} 不能为空")
    if key == "kind":
        from dunning.core.kinds import parse_kind

        return parse_kind(value)  # a kind or an alias; InputError naming the choices
    if dtype == pl.Boolean():
        ok = isinstance(value, bool)
    elif dtype == pl.Int32():
        ok = isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
    elif dtype == pl.String():
        ok = isinstance(value, str)
    else:
        return _instant(key, value)
    if not ok:
        kind = {pl.Boolean(): "true/false", pl.Int32(): "an integer", pl.String(): "a string"}[dtype]
        zh = {pl.Boolean(): "true/false", pl.Int32(): "整数", pl.String(): "字符串"}[dtype]
        raise InputError(f"{key} must be {kind}, got {value!r}", f"{key} 须为{zh}，收到 {value!r}")
    return value


def _instant(key: str, value: Any) -> datetime:
    parsed: datetime | None = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InputError(
            f"{key} must be an ISO 8601 instant with an offset, got {value!r}",
            f"{key} 须为带时区偏移的 ISO 8601 时间，收到 {value!r}",
        )
    return parsed.astimezone(UTC)


def evaluate_records(
    records: Sequence[Mapping[str, Any]], profile: ComplianceProfile, stage: str = "plan"
) -> list[list[str]]:
    """Violations of plain records (``body`` plus context keys), in input order.

    Records are grouped by their set of keys and each group is evaluated as one frame, so a record
    is judged exactly as it would be alone (a key one record lacks is not null-filled for it).
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, record in enumerate(records):
        groups.setdefault(tuple(sorted(record)), []).append(index)
    result: list[list[str]] = [[] for _ in records]
    for keys, indices in groups.items():
        frame = context_frame([{k: records[i][k] for k in keys} for i in indices])
        for index, ids in zip(indices, evaluate(frame, profile, stage)["violations"].to_list(), strict=True):
            result[index] = ids
    return result


def check_message(
    text: str, profile: ComplianceProfile, context: Mapping[str, Any] | None = None
) -> list[Violation]:
    """The violations of one text, through the same ``evaluate`` as the planner.

    ``context`` may carry any gate column (``{"time_barred": True}``); without it only the
    text rules run.
    """
    extra = dict(context or {})
    if "body" in extra:
        raise InputError("context must not contain body", "上下文中不能包含 body")
    frame = context_frame([{"body": text, **extra}])
    ids = evaluate(frame, profile)["violations"][0].to_list()
    return [explain(rule_id, profile) for rule_id in ids]


def rule_table(profile: ComplianceProfile) -> pl.DataFrame:
    """Every rule of ``profile`` explained (``rule, category, legal_basis, reason_zh, reason_en``):
    what a stored decision cites for each rule id it names."""
    explained = [explain(rule.id, profile) for rule in rules_for(profile)]
    return pl.DataFrame(
        {
            "rule": [v.rule for v in explained],
            "category": [v.category for v in explained],
            "legal_basis": [v.legal_basis for v in explained],
            "reason_zh": [v.reason_zh for v in explained],
            "reason_en": [v.reason_en for v in explained],
        },
        schema={name: pl.String for name in ("rule", "category", "legal_basis", "reason_zh", "reason_en")},
    )


# ---- identities and verdicts --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a message is from, for agencies that write for several lenders: what it may be signed with
    and which numbers and domains it may carry."""

    signature: str | None = None
    creditor: str | None = None
    hotlines: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: Any) -> Identity:
        """From JSON: {"signature": "【…】", "creditor": "…", "hotlines": [...], "domains": [...]}."""
        if not isinstance(value, Mapping):
            raise InputError("identity must be an object", "identity 须为对象")
        unknown = sorted(set(value) - {"signature", "creditor", "hotlines", "domains"})
        if unknown:
            raise InputError(
                f"unknown identity key(s): {', '.join(unknown)}; "
                "known: signature, creditor, hotlines, domains",
                f"未知的 identity 字段：{'、'.join(unknown)}；可用：signature、creditor、hotlines、domains",
            )
        texts: dict[str, str | None] = {}
        for key in ("signature", "creditor"):
            item = value.get(key)
            if item is not None and not isinstance(item, str):
                raise InputError(f"identity.{key} must be a string", f"identity.{key} 须为字符串")
            texts[key] = item.strip() if isinstance(item, str) and item.strip() else None
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("hotlines", "domains"):
            items = value.get(key, [])
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise InputError(
                    f"identity.{key} must be a list of strings", f"identity.{key} 须为字符串列表"
                )
            lists[key] = tuple(i.strip() for i in items if i.strip())
        return cls(texts["signature"], texts["creditor"], lists["hotlines"], lists["domains"])


def with_identity(profile: ComplianceProfile, identity: Identity | None) -> ComplianceProfile:
    """``profile`` for a message sent as ``identity``: its signature, creditor, numbers and domains
    replace the deployment's (the rules themselves stay the profile's)."""
    if identity is None:
        return profile
    update: dict[str, Any] = {}
    if identity.signature:
        update["signature"] = identity.signature.strip().removeprefix("【").removesuffix("】").strip()
    if identity.creditor:
        update["creditor"] = identity.creditor
    update["hotline"] = identity.hotlines[0] if identity.hotlines else ""
    update["allowed_numbers"] = identity.hotlines[1:]
    update["allowed_urls"] = ()
    update["allowed_domains"] = identity.domains
    return profile.model_copy(update=update)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the gate decided about one message: rules broken (blocked), or held for a person (review)."""

    violations: tuple[str, ...]
    review: tuple[str, ...] = ()  # why it is held: "classifier" …
    score: float | None = None  # the second opinion's P(abusive), when it ran

    @property
    def outcome(self) -> Outcome:
        if self.violations:
            return "blocked"
        return "review" if self.review else "allowed"


def judge_records(
    records: Sequence[Mapping[str, Any]],
    profile: ComplianceProfile,
    stage: str = "plan",
    *,
    scope: str = "full",
    identities: Sequence[Identity | None] | None = None,
    second_opinion: bool = True,
) -> list[Verdict]:
    """Verdicts of plain records (``body`` plus context keys), in input order, each judged under its
    own identity when ``identities`` gives one.

    With ``second_opinion`` the shipped classifier scores every text; one that no rule blocks but
    that scores at or above the profile's threshold is held for review. A score never unblocks.
    """
    if identities is not None and len(identities) != len(records):
        raise InputError("one identity (or None) per record", "每条记录须对应一个 identity（或 None）")
    groups: dict[tuple[tuple[str, ...], Identity | None], list[int]] = {}
    for index, record in enumerate(records):
        identity = identities[index] if identities is not None else None
        groups.setdefault((tuple(sorted(record)), identity), []).append(index)
    verdicts: list[Verdict] = [Verdict(()) for _ in records]
    for (keys, identity), indices in groups.items():
        # In content scope the deployment's own identity is not the measure: only the line's is.
        blank = Identity() if scope == "content" else None
        chosen = with_identity(profile, identity if identity is not None else blank)
        frame = context_frame([{k: records[i][k] for k in keys} for i in indices])
        found = evaluate(frame, chosen, stage, scope=scope)["violations"].to_list()
        for index, ids in zip(indices, found, strict=True):
            verdicts[index] = Verdict(tuple(ids))
    if second_opinion and records:
        verdicts = _with_second_opinion(records, verdicts, profile)
    return verdicts


def _with_second_opinion(
    records: Sequence[Mapping[str, Any]], verdicts: list[Verdict], profile: ComplianceProfile
) -> list[Verdict]:
    from dunning.compliance import classifier  # numpy and scikit-learn only when a text is judged

    bodies = pl.Series("body", [r.get("body") for r in records], dtype=pl.String)
    scores = classifier.score_series(bodies, profile.name).to_list()
    cut = classifier.threshold(profile.name)
    out: list[Verdict] = []
    for verdict, value in zip(verdicts, scores, strict=True):
        score = round(float(value), 4)
        review = ("classifier",) if not verdict.violations and score >= cut else ()
        out.append(Verdict(verdict.violations, review, score))
    return out


def judge_message(
    text: str,
    profile: ComplianceProfile,
    context: Mapping[str, Any] | None = None,
    *,
    scope: str = "full",
    identity: Identity | None = None,
) -> Verdict:
    """The verdict on one text (``check_message`` with the outcome and the second opinion)."""
    extra = dict(context or {})
    if "body" in extra:
        raise InputError("context must not contain body", "上下文中不能包含 body")
    return judge_records(
        [{"body": text, **typed_context(extra)}], profile, scope=scope, identities=[identity]
    )[0]
