"""The rules: pure functions of a profile giving a boolean "violated" expression over the gate frame.

A rule knows nothing of the database, the clock or files. Its expression reads input columns
(``columns``; the gate skips a rule when one is absent) and the derived text columns of
``features``. Unknown values fail closed: a missing local time, an unverified recipient or an
unapproved template block; a missing history count means "no earlier message". Any null left at the
end counts as a violation.

Rules that are rarely broken but costly to check (forbidden words, personal data, links, the
required elements) also declare a *screen*: a cheap condition that holds wherever the rule can be
violated. The gate runs the screens of all such rules as one regex pass per text column and the
rules themselves only on the rows a screen flags; since a rule implies its screen, the result is
the same as running every rule on every row.

Legal bases cite COMPLIANCE.md's sources; "(secondary)" marks figures known from press reports of
the official text, "product policy" marks what the product does beyond the law.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import polars as pl

from dunning.compliance.concepts import (
    CONCEPTS,
    US_ANY_OPT_OUT,
    US_ANY_OPT_OUT_STRIPPED,
    US_OPT_OUT_CONFIRMED,
    Clause,
    Concept,
    Near,
    Part,
)
from dunning.compliance.features import (
    BODY,
    CLAUSES,
    COMPACT,
    FOLDED_STRIPPED,
    NORM,
    NUMBERS,
    PHONE_FOUND,
    SAFE_NORM,
    WORDS_SAFE,
    number_pattern,
)
from dunning.compliance.lexicon import FORBIDDEN, Lexicon, has_cjk
from dunning.compliance.normalise import LETTER_RUN, NEEDS_FOLD, compact, normalise
from dunning.compliance.profiles import ComplianceProfile
from dunning.compliance.terms import Screen, Terms, alternation, latin_phrases
from dunning.core.errors import NotFound
from dunning.core.smstext import segments_expr

__all__ = ["RULES", "Rule", "Screen", "get_rule", "rules_for"]

Builder = Callable[[ComplianceProfile], pl.Expr]


Screens = Callable[[ComplianceProfile], tuple[Screen, ...]]


def _always(_: ComplianceProfile) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: str
    # profile name → legal basis; a rule applies only to the profiles listed
    legal_basis: Mapping[str, str]
    reason_zh: str
    reason_en: str
    columns: tuple[str, ...]
    build: Builder = field(repr=False)
    enabled: Callable[[ComplianceProfile], bool] = field(default=_always, repr=False)
    # Where the rule can be violated (see the module docstring); None: check every row.
    screen: Screens | None = field(default=None, repr=False)

    def applies_to(self, profile: ComplianceProfile) -> bool:
        return profile.name in self.legal_basis and self.enabled(profile)

    def violated(self, profile: ComplianceProfile) -> pl.Expr:
        """Boolean expression, never null: True when the row breaks this rule."""
        return self.build(profile).fill_null(True)

    def reason(self, profile: ComplianceProfile) -> tuple[str, str]:
        values = profile.reason_values()
        return self.reason_zh.format_map(values), self.reason_en.format_map(values)


# ---- small expression helpers -------------------------------------------------------------------


def _flag(name: str) -> pl.Expr:
    """A yes/no fact about the debtor; null means "not flagged"."""
    return pl.col(name).cast(pl.Boolean).fill_null(False)


def _count(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Int64).fill_null(0)


def _split_terms(terms: tuple[str, ...]) -> tuple[list[str], list[str]]:
    return [t for t in terms if has_cjk(t)], [t for t in terms if not has_cjk(t)]


def _mentions(phrase: str) -> pl.Expr:
    """The body contains ``phrase`` up to case, width, script, spacing and punctuation."""
    return pl.col(COMPACT).str.contains(compact(phrase), literal=True)


# ---- builders -----------------------------------------------------------------------------------


def _window(p: ComplianceProfile) -> pl.Expr:
    lo, hi = pl.col("local_minute_min").cast(pl.Int64), pl.col("local_minute_max").cast(pl.Int64)
    # Minute of day in every candidate zone: 20:59 → 1259 passes, 21:00 → 1260 blocks.
    return (lo < p.window_start_min) | (hi >= p.window_end_min) | lo.is_null() | hi.is_null()


def _daily(p: ComplianceProfile) -> pl.Expr:
    return _count("sends_today") >= p.daily_cap


def _rolling(p: ComplianceProfile) -> pl.Expr:
    return _count("sends_7d") >= p.rolling_7d_cap


def _gap(p: ComplianceProfile) -> pl.Expr:
    utc = pl.Datetime("us", "UTC")
    # The nearest other message may lie before or after (a message already queued later that day).
    gap = (pl.col("scheduled_at").cast(utc) - pl.col("last_sent_at").cast(utc)).abs()
    return (gap < pl.duration(minutes=p.min_gap_minutes)).fill_null(False)


def _region(p: ComplianceProfile) -> pl.Expr:
    region = pl.col("region").cast(pl.String).str.strip_chars().str.to_uppercase()
    sends = _count("sends_7d")
    caps = [(region == code) & (sends >= cap) for code, cap in p.region_7d_caps]
    return pl.any_horizontal(caps).fill_null(False)


def _is_flagged(name: str) -> Builder:
    return lambda _p: _flag(name)


def _hold(_: ComplianceProfile) -> pl.Expr:
    reason = pl.col("hold_reason").cast(pl.String).str.strip_chars()
    return reason.is_not_null() & (reason != "")


def _third_party(_: ComplianceProfile) -> pl.Expr:
    relation = pl.col("recipient_relation").cast(pl.String).str.strip_chars().str.to_lowercase()
    return relation.fill_null("") != "self"


def _unverified(_: ComplianceProfile) -> pl.Expr:
    return ~pl.col("recipient_verified").cast(pl.Boolean).fill_null(False)


def _unapproved(_: ComplianceProfile) -> pl.Expr:
    return ~pl.col("template_approved").cast(pl.Boolean).fill_null(False)


# Required elements, as regexes over the normalised text.
_AMOUNT = {
    "CN": r"[0-9][0-9,]*(?:\.[0-9]{1,2})?[ ]*(?:元|块|rmb|cny)|¥[ ]*[0-9]|(?:rmb|cny|人民币)[ ]*[0-9]",
    "US": r"\$[ ]*[0-9]|[0-9][0-9,]*(?:\.[0-9]{2})?[ ]*(?:usd|dollars)|usd[ ]*[0-9]",
}
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_OVERDUE = {
    "CN": (
        r"[0-9]+[ ]*(?:天|日)|[0-9]{1,2}月[0-9]{1,2}[日号]|[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}"
        r"|(?:今|明)[天日].{0,12}(?:到期|还款日)"
    ),
    "US": (
        r"[0-9]+[ ]*days?[ ]*(?:past[ ]*due|overdue|late|delinquent|behind)|[0-9]{1,2}/[0-9]{1,2}"
        r"|(?:past[ ]*due|overdue|late|delinquent).{0,40}[0-9]+[ ]*days?"
        rf"|[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}|(?:{_MONTHS})[a-z]*\.?[ ]*[0-9]{{1,2}}|due[ ]*(?:today|tomorrow)"
    ),
}


def _signature_head(p: ComplianceProfile) -> str:
    return "^" + re.escape(normalise(f"【{p.signature.strip()}】"))


def _element_patterns(p: ComplianceProfile) -> dict[str, str]:
    patterns = {"amount": _AMOUNT[p.name], "overdue": _OVERDUE[p.name]}
    contact = number_pattern(p.permitted_numbers, p.name)
    if contact:
        patterns["contact"] = contact
    return {k: v for k, v in patterns.items() if k in p.required_elements}


def _required_screen(p: ComplianceProfile) -> tuple[Screen, ...]:
    """Rows that may lack a required element: those where not every element is found in one pass.

    One regex tries every order of the elements (at most 3! = 6 alternatives), after the signature
    when one is required; the single rules run only where it fails.
    """
    parts = list(_element_patterns(p).values())
    gap = "[^【】]*" if "signature" in p.required_elements else ".*"
    orders = "|".join(gap.join(f"(?:{x})" for x in order) for order in itertools.permutations(parts))
    body = f"{gap}(?:{orders}){gap}" if parts else gap
    head = _signature_head(p) if "signature" in p.required_elements else ""
    end = "$" if head else ""
    return (Screen(NORM, f"(?s){head}{body}{end}", absent=True),)


def _signature(p: ComplianceProfile) -> pl.Expr:
    # Exactly one signature, at the start: a variable must not smuggle in a second one.
    return ~pl.col(NORM).str.contains(_signature_head(p) + "[^【】]*$")


def _creditor(p: ComplianceProfile) -> pl.Expr:
    name = compact(p.creditor)
    # When the signature already is (or contains) the creditor's name, the body must name it again.
    in_signature = "signature" in p.required_elements and name in compact(p.signature)
    needed = 2 if in_signature else 1
    return pl.col(COMPACT).str.count_matches(name, literal=True) < needed


def _element(name: str) -> Builder:
    def build(p: ComplianceProfile) -> pl.Expr:
        pattern = _element_patterns(p).get(name)
        return pl.lit(True) if pattern is None else ~pl.col(NORM).str.contains(pattern)

    return build


def _opt_out_line(p: ComplianceProfile) -> pl.Expr:
    return ~_mentions(p.opt_out_line)


def _collector(p: ComplianceProfile) -> pl.Expr:
    return ~_mentions(p.collector_disclosure)


def _forbidden_terms(rule_id: str, p: ComplianceProfile) -> Terms:
    lex = FORBIDDEN[rule_id][p.name]
    extra_cjk, extra_latin = _split_terms(p.extra_terms_for(rule_id))
    return Terms.of([*lex.cjk, *extra_cjk], lex.cjk_patterns, [*lex.latin, *extra_latin])


def _concepts(rule_id: str, p: ComplianceProfile) -> tuple[Concept, ...]:
    return CONCEPTS.get(rule_id, {}).get(p.name, ())


def _near_pattern(near: Near) -> str:
    first = alternation([w for t in near.first for w in latin_phrases(t) if w])
    second = alternation([w for t in near.second for w in latin_phrases(t) if w])
    gap = f"(?:[^ ]+ ){{0,{near.gap}}}"
    forward = f" (?:{first}) {gap}(?:{second}) "
    backward = f" (?:{second}) {gap}(?:{first}) "
    if near.both_ways:
        return f"{forward}|{backward}"
    return backward if near.reverse else forward


def _tolerant(pattern: str) -> str:
    """A clause pattern that reads an apostrophe where it allows an optional space ("won ?t" matches
    "won't", "won t" and "wont"): normalised text keeps apostrophes."""
    return pattern.replace(" ?", "['’ ]?")


def _part_expr(part: Part) -> pl.Expr:
    if isinstance(part, Lexicon):
        return Terms.of(list(part.cjk), part.cjk_patterns, list(part.latin)).matches()
    if isinstance(part, Near):
        return pl.col(WORDS_SAFE).str.contains(_near_pattern(part))
    found = pl.col(SAFE_NORM if part.masked else CLAUSES).str.contains(_tolerant(part.pattern))
    return ~found if part.absent else found


def _concept_screen(concept: Concept) -> tuple[Screen, ...]:
    # A concept needs all its parts, so the screen of its first positive part is implied by it.
    for part in concept:
        if isinstance(part, Lexicon):
            return Terms.of(list(part.cjk), part.cjk_patterns, list(part.latin)).screens()
        if isinstance(part, Near):
            # the second list is the rarer one by construction ("contact" … "your employer")
            return Terms.of([], (), list(part.second)).screens()
        if not part.absent:
            # on NORM, which every row has already: masking only removes matches, and the rows whose
            # folded copy CLAUSES also reads all go through (they are rare)
            return (Screen(NORM, _tolerant(part.pattern)), Screen(NORM, NEEDS_FOLD), Screen(NORM, LETTER_RUN))
    # only absences ("no opt-out instruction at all"): rows without the pattern
    for part in concept:
        if isinstance(part, Clause):
            return (Screen(NORM, _tolerant(part.pattern), absent=True),)
    raise AssertionError("a concept needs a part that must be present or a clause that must be absent")


def _concept_matches(rule_id: str, p: ComplianceProfile) -> list[pl.Expr]:
    return [pl.all_horizontal([_part_expr(part) for part in c]) for c in _concepts(rule_id, p)]


def _forbidden(rule_id: str) -> Builder:
    def build(p: ComplianceProfile) -> pl.Expr:
        found = _concept_matches(rule_id, p)
        if rule_id in FORBIDDEN:
            found.insert(0, _forbidden_terms(rule_id, p).matches())
        return pl.any_horizontal(found) if found else pl.lit(False)

    return build


def _forbidden_screen(rule_id: str) -> Screens:
    def screens(p: ComplianceProfile) -> tuple[Screen, ...]:
        listed = _forbidden_terms(rule_id, p).screens() if rule_id in FORBIDDEN else ()
        return listed + tuple(s for c in _concepts(rule_id, p) for s in _concept_screen(c))

    return screens


def _litigation_terms(p: ComplianceProfile) -> Terms:
    cjk, latin = _split_terms(p.litigation_words)
    return Terms.of(cjk, (), latin)


def _time_barred(p: ComplianceProfile) -> pl.Expr:
    return _flag("time_barred") & _litigation_terms(p).matches()


_ID_NUMBER = r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9x]"
_LONG_DIGITS = r"[0-9](?:[ \-]?[0-9]){13,}"  # 14+ digits: card and account numbers (phones have ≤ 13)
_SSN = r"(?:^|[^0-9])[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}(?:[^0-9]|$)"
# Long numbers that are not the debtor's account: a labelled serial (a case, a transaction, a
# lawyer's licence, a waybill), or the creditor's own corporate account given for payment.
_NOT_AN_ACCOUNT = (
    r"(?:流水号|交易号|订单号|运单号|快递单号|单号|案号|编号|合同号|执业证号|证号|信用代码|工号|凭证号|"
    r"(?:case|docket|tracking|confirmation|reference|ref|order|transaction|invoice|receipt|claim|licen[cs]e)"
    r"(?: number| no\.?| num| id| #|#)?)[ :：#.\-]{0,3}[a-z]{0,4}[0-9][0-9 \-]*"
    r"|(?:对公|户名[^，。,]{0,24}(?:公司|银行|中心))[^。!?！？]{0,40}?"
    r"(?:账号|账户|account)[ :：]{0,2}[0-9][0-9 \-]*"
)


def _matches(column: str, pattern: str) -> Builder:
    return lambda _p: pl.col(column).str.contains(pattern)


def _matches_screen(column: str, pattern: str) -> Screens:
    return lambda _p: (Screen(column, pattern),)


_URL_CHARS = r"[a-z0-9\-._~:/?#\[\]@!$&'*+,;=%]"
_TLDS = (
    "com cn net org info biz top xyz vip cc tv me io co app site online shop club link ly gl to ru hk "
    "tw us uk ai ink fun ltd pro wang tk ml ga cf pw win bid icu cyou example store tech live life "
    "work cloud mobi asia bank loan money finance pay"
)
_URL = (
    rf"(?:(?:https?|ftp)://|www\.){_URL_CHARS}+"
    rf"|(?:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.)+(?:{'|'.join(sorted(_TLDS.split(), key=len, reverse=True))})"
    rf"(?:[/?#:]{_URL_CHARS}*)?"
)
# A host name mixing Latin with Cyrillic or Greek letters ("oakviewlendіng.example" with a Cyrillic і):
# normalising would make it look like the allowed domain, so it is looked for in the body as written.
_LOOKALIKE_SCRIPTS = "\u0370-\u03ff\u0400-\u04ff"
_SPOOFED_HOST = (
    rf"(?i)[a-z0-9\-]*(?:[a-z][{_LOOKALIKE_SCRIPTS}]|[{_LOOKALIKE_SCRIPTS}][a-z])"
    rf"[a-z0-9\-{_LOOKALIKE_SCRIPTS}]*\.(?:{'|'.join(sorted(_TLDS.split(), key=len, reverse=True))})"
    r"(?:[^a-z]|$)"
)
# A link written to dodge detection: "h t t p", "www 。", "xx点com"; defanged as security teams write
# them ("pay[.]example", "pay dot example slash login"): no lender writes its own link that way.
_URL_COMPACT = r"http|www"
_URL_OBFUSCATED = r"(?:点|dot)(?:com|cn|net|org|top|xyz|vip|cc|me|io|co|app|site|shop|club|link|info)"
_URL_DEFANGED = (
    r"[a-z0-9] ?(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|<dot>) ?[a-z]"
    rf"|[a-z0-9] dot (?:{'|'.join(sorted(_TLDS.split(), key=len, reverse=True))})(?:[^a-z]|$)"
)


def _allowed_url_pattern(p: ComplianceProfile) -> str | None:
    prefixes = []
    for url in p.allowed_urls:
        bare = normalise(url.strip()).split("://", 1)[-1].rstrip("/")
        if bare:
            prefixes.append(re.escape(bare))
    for domain in p.allowed_domains:
        host = normalise(domain.strip()).split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")
        if host:
            # the host itself or any subdomain of it, any port and path
            prefixes.append(r"(?:[a-z0-9\-]+\.)*" + re.escape(host) + r"(?::[0-9]+)?")
    if not prefixes:
        return None
    return r"^(?:" + "|".join(prefixes) + r")(?:[/?#].*)?$"


def _url_screen(_: ComplianceProfile) -> tuple[Screen, ...]:
    return (
        Screen(NORM, _URL),
        Screen(COMPACT, f"{_URL_COMPACT}|{_URL_OBFUSCATED}"),
        Screen(NORM, _URL_DEFANGED),
        Screen(BODY, _SPOOFED_HOST),
    )


def _url(p: ComplianceProfile) -> pl.Expr:
    allowed = _allowed_url_pattern(p)
    candidate = pl.element().str.strip_chars_end(".,;:!?)]'\"").str.replace(r"^[a-z][a-z0-9+.\-]*://", "")
    bad = pl.lit(True) if allowed is None else ~candidate.str.contains(allowed)
    not_allowed = pl.col(NORM).str.extract_all(_URL).list.eval(bad).list.any().fill_null(False)
    written = pl.col(NORM).str.count_matches(r"https?://|www\.")
    hidden = (
        (pl.col(COMPACT).str.count_matches(_URL_COMPACT) > written)
        | pl.col(COMPACT).str.contains(_URL_OBFUSCATED)
        | pl.col(NORM).str.contains(_URL_DEFANGED)
    )
    spoofed = pl.col(BODY).cast(pl.String).fill_null("").str.contains(_SPOOFED_HOST)
    return not_allowed | hidden | spoofed


# A phone number spelled out in words ("four one five, five five five, zero one five eight"): seven
# digit words in a row are a number to call, and no lender spells its own.
_DIGIT_WORD = "(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_SPELLED_PHONE = f"(?:^|[^a-z]){_DIGIT_WORD}(?:[ ,.\\-]+{_DIGIT_WORD}){{6,}}(?:[^a-z]|$)"


def _phone(_: ComplianceProfile) -> pl.Expr:
    return pl.col(NUMBERS).str.contains(PHONE_FOUND) | pl.col(NORM).str.contains(_SPELLED_PHONE)


def _length(p: ComplianceProfile) -> pl.Expr:
    body = pl.col(BODY).cast(pl.String).fill_null("")
    parts = []
    if p.max_chars is not None:
        parts.append(body.str.len_chars() > p.max_chars)
    if p.max_segments is not None:
        parts.append(segments_expr(body)[1] > p.max_segments)
    return pl.any_horizontal(parts) if parts else pl.lit(False)


def _requires(element: str) -> Callable[[ComplianceProfile], bool]:
    return lambda p: element in p.required_elements


# ---- the catalogue ------------------------------------------------------------------------------

_CN_HARASS = "消费金融公司管理办法（NFRA 2024）：禁止骚扰；CBA 2026 催收工作指引（二手资料）"
_US_HARASS = "12 CFR 1006.14 (harassment); product default for texts (1006.14(b)(2) counts calls only)"
_CN_PAUSE = "产品规则（COMPLIANCE.md「始终」）：人工处理前暂停；CBA 2026（二手资料）"
_US_PAUSE = "product policy (COMPLIANCE.md 'Always'): paused until a person clears it"
_CN_CONTENT = (
    "消费金融公司管理办法（NFRA 2024）：禁止暴力、恐吓、侮辱、骚扰；CBA 2026；GB/T 45251-2025（二手资料）"
)

RULES: tuple[Rule, ...] = (
    Rule(
        "time.window",
        "send_time",
        {
            "CN": "CBA 2026 催收工作指引（二手资料）；GB/T 45251-2025；法定底线：22:00–08:00 不得发送",
            "US": "12 CFR 1006.6(b)(1)(i); Fla. Stat. §559.72(17)",
        },
        "须在收信人本地时间 {window_start}–{window_end} 之间发送（各候选时区均须满足）",
        "Must be sent between {window_start} and {window_end} recipient local time (in every candidate zone)",
        ("local_minute_min", "local_minute_max"),
        _window,
    ),
    Rule(
        "frequency.daily_cap",
        "frequency",
        {"CN": _CN_HARASS, "US": _US_HARASS},
        "每位债务人每天最多 {daily_cap} 条短信",
        "At most {daily_cap} SMS per debtor per local day",
        ("sends_today",),
        _daily,
    ),
    Rule(
        "frequency.rolling_7d_cap",
        "frequency",
        {"CN": _CN_HARASS, "US": _US_HARASS},
        "每位债务人任意连续 7 天内最多 {rolling_7d_cap} 条短信",
        "At most {rolling_7d_cap} SMS per debtor in any rolling 7 days",
        ("sends_7d",),
        _rolling,
    ),
    Rule(
        "frequency.min_gap",
        "frequency",
        {"CN": _CN_HARASS, "US": _US_HARASS},
        "同一债务人两条短信至少间隔 {min_gap_hours} 小时",
        "At least {min_gap_hours} h between two SMS to one debtor",
        ("scheduled_at", "last_sent_at"),
        _gap,
    ),
    Rule(
        "frequency.region_7d_cap",
        "frequency",
        {"US": "940 CMR 7.04(1)(f); 209 CMR 18.16 (Massachusetts: 2 calls or texts per 7 days)"},
        "所在州/地区的更严上限（任意连续 7 天）：{region_caps}",
        "Stricter state cap per rolling 7 days: {region_caps}",
        ("region", "sends_7d"),
        _region,
        lambda p: bool(p.region_7d_caps),
    ),
    Rule(
        "status.paid",
        "suppression",
        {
            "CN": "产品规则：全额还款即停止催收（COMPLIANCE.md「始终」）；消费金融公司管理办法",
            "US": "12 CFR 1006.18(b)(2)(i) (false representation of the amount owed); product policy",
        },
        "已全额还款，停止催收",
        "Paid in full: collection stops",
        ("paid",),
        _is_flagged("paid"),
    ),
    Rule(
        "status.opt_out",
        "suppression",
        {
            "CN": "个人信息保护法 第15条（撤回同意）；短信平台规则（退订）",
            "US": "12 CFR 1006.14(h), 1006.6(e); 47 CFR 64.1200(a)(10)–(12) (FCC 24-24)",
        },
        "债务人已要求停止短信联系",
        "The debtor asked to stop SMS",
        ("opt_out",),
        _is_flagged("opt_out"),
    ),
    Rule(
        "status.recipient_opted_out",
        "suppression",
        {
            "CN": "个人信息保护法 第15条（撤回同意）；短信平台规则（退订）",
            "US": "12 CFR 1006.14(h), 1006.6(e); 47 CFR 64.1200(a)(10)–(12) (FCC 24-24)",
        },
        "该号码已退订",
        "This number has opted out",
        ("recipient_opted_out",),
        _is_flagged("recipient_opted_out"),
    ),
    Rule(
        "status.recipient_invalid",
        "suppression",
        {
            "CN": "个人信息保护法 第6条（最小必要）；禁止向无关第三人催收（CBA 2026，二手资料）",
            "US": "12 CFR 1006.6(d)(3)–(4), 1006.14(h); 47 CFR 64.1200(m) (reassigned numbers)",
        },
        "该号码的机主表示不是债务人（打错了），不得再发送",
        "The person at this number said it is not the debtor's (wrong number): never message it again",
        ("recipient_invalid",),
        _is_flagged("recipient_invalid"),
    ),
    Rule(
        "status.dispute",
        "suppression",
        {
            "CN": _CN_PAUSE,
            "US": "12 CFR 1006.38(d)(2) (collection stops until a dispute is verified); " + _US_PAUSE,
        },
        "存在争议，人工处理前暂停催收",
        "Disputed: paused until a person clears it",
        ("dispute",),
        _is_flagged("dispute"),
    ),
    Rule(
        "status.complaint",
        "suppression",
        {"CN": _CN_PAUSE, "US": _US_PAUSE},
        "存在投诉，人工处理前暂停催收",
        "Complaint open: paused until a person clears it",
        ("complaint",),
        _is_flagged("complaint"),
    ),
    Rule(
        "status.bankrupt",
        "suppression",
        {"CN": _CN_PAUSE, "US": "11 U.S.C. §362 (automatic stay); " + _US_PAUSE},
        "破产标记，人工处理前暂停催收",
        "Bankruptcy flag: paused until a person clears it",
        ("bankrupt",),
        _is_flagged("bankrupt"),
    ),
    Rule(
        "status.deceased",
        "suppression",
        {"CN": _CN_PAUSE, "US": _US_PAUSE},
        "债务人已故，人工处理前暂停催收",
        "Debtor deceased: paused until a person clears it",
        ("deceased",),
        _is_flagged("deceased"),
    ),
    Rule(
        "status.hold",
        "suppression",
        {"CN": _CN_PAUSE, "US": _US_PAUSE},
        "存在有效暂停（承诺还款、困难帮扶、复核等）",
        "An active hold (promise to pay, hardship, review…)",
        ("hold_reason",),
        _hold,
    ),
    Rule(
        "recipient.third_party",
        "recipient",
        {
            "CN": "消费金融公司管理办法：不得向无关第三方催收；个人信息保护法 第6、25条",
            "US": "12 CFR 1006.6(d); 15 U.S.C. §1692c(b) (communication with third parties)",
        },
        "收信人不是债务人本人：禁止向第三方发送催收短信",
        "The recipient is not the debtor: no collection SMS to third parties",
        ("recipient_relation",),
        _third_party,
    ),
    Rule(
        "recipient.unverified",
        "recipient",
        {
            "CN": "消费金融公司管理办法：不得向无关第三方催收；产品规则：仅发往核实过的本人号码",
            "US": "12 CFR 1006.6(d); product policy: only the debtor's verified number",
        },
        "收信号码未核实为债务人本人号码",
        "The number is not verified as the debtor's own",
        ("recipient_verified",),
        _unverified,
    ),
    Rule(
        "template.not_approved",
        "template",
        {
            "CN": "云短信平台规则：【签名】+ 预先审核的模板；产品规则：仅发送已审批版本",
            "US": "product policy: only approved template versions are sent",
        },
        "模板版本未经审批",
        "The template version is not approved",
        ("template_approved",),
        _unapproved,
    ),
    Rule(
        "required.signature",
        "required_content",
        {"CN": "云短信平台规则：以【签名】开头，签名为登记的机构/品牌名"},
        "须以【{signature}】开头，正文不得另有签名",
        "Must start with 【{signature}】 and carry no other signature",
        (BODY,),
        _signature,
        _requires("signature"),
        screen=_required_screen,
    ),
    Rule(
        "required.creditor",
        "required_content",
        {
            "CN": "商业银行信用卡业务监督管理办法 第69条；COMPLIANCE.md 必备内容（债权人名称）",
            "US": "product policy (COMPLIANCE.md 'Required content': company name); 12 CFR 1006.18(b)",
        },
        "正文须写明债权人“{creditor}”",
        "Must name the creditor ({creditor})",
        (BODY,),
        _creditor,
        _requires("creditor"),
    ),
    Rule(
        "required.amount",
        "required_content",
        {
            "CN": "商业银行信用卡业务监督管理办法 第69条；COMPLIANCE.md 必备内容（逾期金额）",
            "US": "product policy (COMPLIANCE.md 'Required content': amount owed)",
        },
        "须写明欠款金额",
        "Must state the amount owed",
        (BODY,),
        _element("amount"),
        _requires("amount"),
        screen=_required_screen,
    ),
    Rule(
        "required.overdue",
        "required_content",
        {
            "CN": "商业银行信用卡业务监督管理办法 第69条；COMPLIANCE.md 必备内容（逾期天数或到期日）",
            "US": "product policy (COMPLIANCE.md 'Required content': days past due or due date)",
        },
        "须写明逾期天数或到期日",
        "Must state the days past due or the due date",
        (BODY,),
        _element("overdue"),
        _requires("overdue"),
        screen=_required_screen,
    ),
    Rule(
        "required.contact",
        "required_content",
        {
            "CN": "COMPLIANCE.md 必备内容：官方客服热线（95xxx/400）",
            "US": "product policy (COMPLIANCE.md 'Required content': a contact number)",
        },
        "须留官方联系电话（{hotline}）",
        "Must give the official contact number ({hotline})",
        (BODY,),
        _element("contact"),
        _requires("contact"),
        screen=_required_screen,
    ),
    Rule(
        "required.opt_out_line",
        "required_content",
        {
            "CN": "短信平台规则：营销类须含退订方式",
            "US": "12 CFR 1006.6(e) (opt-out notice in every electronic communication)",
        },
        "须含退订说明“{opt_out_line}”",
        'Must carry the opt-out instruction "{opt_out_line}"',
        (BODY,),
        _opt_out_line,
        _requires("opt_out_line"),
    ),
    Rule(
        # In full scope ``required.opt_out_line`` holds the deployment's own wording; a text checked
        # for its content only must still say how to stop the texts, in any wording.
        "content.opt_out_missing",
        "forbidden_content",
        {"US": "12 CFR 1006.6(e) (an opt-out notice in every electronic communication); CTIA principles"},
        "须说明如何退订（任何措辞：回复 STOP、opt out、unsubscribe）",
        "Must say how to opt out (any wording: reply STOP, opt out, unsubscribe)",
        (BODY,),
        lambda _p: (
            ~pl.col(NORM).str.contains(US_ANY_OPT_OUT)
            & ~pl.col(FOLDED_STRIPPED).str.contains(US_ANY_OPT_OUT_STRIPPED)
            & ~pl.col(NORM).str.contains(US_OPT_OUT_CONFIRMED)
        ),
        screen=lambda _p: (
            Screen(NORM, US_ANY_OPT_OUT, absent=True),
            Screen(FOLDED_STRIPPED, US_ANY_OPT_OUT_STRIPPED, absent=True),
        ),
    ),
    Rule(
        "required.collector_disclosure",
        "required_content",
        {"US": "12 CFR 1006.18(e); 15 U.S.C. §1692e(11)"},
        "第三方催收机构须声明“{collector_disclosure}”",
        'A debt collector must state "{collector_disclosure}"',
        (BODY,),
        _collector,
        _requires("collector_disclosure"),
    ),
    Rule(
        "content.threat_arrest",
        "forbidden_content",
        {"CN": _CN_CONTENT, "US": "12 CFR 1006.18; 15 U.S.C. §1692e(4), (7)"},
        "禁止内容（第1类）：以抓捕、拘留、刑事责任相威胁",
        "Forbidden content (#1): threats of arrest or criminal liability",
        (BODY,),
        _forbidden("content.threat_arrest"),
        screen=_forbidden_screen("content.threat_arrest"),
    ),
    Rule(
        "content.impersonation",
        "forbidden_content",
        {"CN": _CN_CONTENT, "US": "12 CFR 1006.18; 15 U.S.C. §1692e(1), (9), (13)"},
        "禁止内容（第2类）：冒充公检法等机关或伪造法律文书",
        "Forbidden content (#2): impersonating authorities or simulating legal papers",
        (BODY,),
        _forbidden("content.impersonation"),
        screen=_forbidden_screen("content.impersonation"),
    ),
    Rule(
        "content.third_party_contact",
        "forbidden_content",
        {
            "CN": "消费金融公司管理办法：不得向无关第三方催收；个人信息保护法 第6、25条；" + _CN_CONTENT,
            "US": "12 CFR 1006.6(d); 15 U.S.C. §1692c(b)",
        },
        "禁止内容（第3类）：扬言联系单位、家人、通讯录等第三方",
        "Forbidden content (#3): threatening to contact employer, family or other third parties",
        (BODY,),
        _forbidden("content.third_party_contact"),
        screen=_forbidden_screen("content.third_party_contact"),
    ),
    Rule(
        "content.public_shaming",
        "forbidden_content",
        {
            "CN": "个人信息保护法 第25条（不得公开个人信息）；" + _CN_CONTENT,
            "US": "15 U.S.C. §1692d(3); 12 CFR 1006.14",
        },
        "禁止内容（第4类）：曝光、公示、羞辱",
        "Forbidden content (#4): public shaming",
        (BODY,),
        _forbidden("content.public_shaming"),
        screen=_forbidden_screen("content.public_shaming"),
    ),
    Rule(
        "content.intimidation",
        "forbidden_content",
        {"CN": _CN_CONTENT, "US": "12 CFR 1006.14; 15 U.S.C. §1692d(1), (2)"},
        "禁止内容（第5类）：暴力、恐吓、侮辱性语言",
        "Forbidden content (#5): violence, intimidation or insults",
        (BODY,),
        _forbidden("content.intimidation"),
        screen=_forbidden_screen("content.intimidation"),
    ),
    Rule(
        "content.false_consequence",
        "forbidden_content",
        {"CN": _CN_CONTENT, "US": "12 CFR 1006.18; 15 U.S.C. §1692e(4), (5)"},
        "禁止内容（第6类）：虚假或夸大的后果（永久黑名单、影响子女、冻结全部银行卡等）",
        "Forbidden content (#6): false or exaggerated consequences",
        (BODY,),
        _forbidden("content.false_consequence"),
        screen=_forbidden_screen("content.false_consequence"),
    ),
    Rule(
        "content.invented_fee",
        "forbidden_content",
        {
            "CN": "商业银行信用卡业务监督管理办法；" + _CN_CONTENT,
            "US": "12 CFR 1006.22(b); 15 U.S.C. §1692f(1)",
        },
        "禁止内容（第7类）：虚构费用（催收费、上门费、违约金翻倍等）",
        "Forbidden content (#7): invented fees",
        (BODY,),
        _forbidden("content.invented_fee"),
        screen=_forbidden_screen("content.invented_fee"),
    ),
    Rule(
        "content.new_borrowing",
        "forbidden_content",
        {
            "CN": "CBA 2026（二手资料）：不得诱导借新还旧；" + _CN_CONTENT,
            "US": "12 CFR 1006.22 (unfair means); product policy",
        },
        "禁止内容（第8类）：诱导借新还旧、以贷养贷",
        "Forbidden content (#8): urging new borrowing to pay",
        (BODY,),
        _forbidden("content.new_borrowing"),
        screen=_forbidden_screen("content.new_borrowing"),
    ),
    Rule(
        "content.private_channel",
        "forbidden_content",
        {
            "CN": "COMPLIANCE.md：仅官方还款渠道；CBA 2026（二手资料）；" + _CN_CONTENT,
            "US": "product policy: official payment channels only; 12 CFR 1006.18(b)",
        },
        "禁止内容（第9类）：私人收款或联系渠道（个人账户、微信、QQ、私下处理）",
        "Forbidden content (#9): private payment or contact channels",
        (BODY,),
        _forbidden("content.private_channel"),
        screen=_forbidden_screen("content.private_channel"),
    ),
    Rule(
        "personal_data.terms",
        "personal_data",
        {
            "CN": "个人信息保护法 第6、28–30条（最小必要；金融账户为敏感个人信息）",
            "US": "12 CFR 1006.6(d); COMPLIANCE.md masking (never SSN or DOB)",
        },
        "禁止内容（第10类）：住址、身份证、出生日期等敏感个人信息",
        "Forbidden content (#10): address, ID, date of birth or other sensitive personal data",
        (BODY,),
        _forbidden("personal_data.terms"),
        screen=_forbidden_screen("personal_data.terms"),
    ),
    Rule(
        "personal_data.id_number",
        "personal_data",
        {"CN": "个人信息保护法 第6、28条（身份证号为敏感个人信息）"},
        "不得包含身份证号码",
        "Must not contain a national ID number",
        (BODY,),
        _matches(NORM, _ID_NUMBER),
        screen=_matches_screen(NORM, _ID_NUMBER),
    ),
    Rule(
        "personal_data.account_number",
        "personal_data",
        {
            "CN": "个人信息保护法 第28条（金融账户为敏感个人信息）；只可显示后4位",
            "US": "12 CFR 1006.6(d); COMPLIANCE.md masking (last 4 digits only)",
        },
        "不得包含完整卡号或账号（只可显示后4位）",
        "Must not contain a full card or account number (last 4 digits only)",
        (BODY,),
        lambda _p: pl.col(NORM).str.replace_all(_NOT_AN_ACCOUNT, " ").str.contains(_LONG_DIGITS),
        screen=_matches_screen(NORM, _LONG_DIGITS),
    ),
    Rule(
        "personal_data.ssn",
        "personal_data",
        {"US": "COMPLIANCE.md masking (never SSN); 12 CFR 1006.6(d)"},
        "不得包含社会安全号（SSN）",
        "Must not contain a Social Security number",
        (BODY,),
        _matches(NORM, _SSN),
        screen=_matches_screen(NORM, _SSN),
    ),
    Rule(
        "content.time_barred_litigation",
        "forbidden_content",
        {
            "CN": "COMPLIANCE.md 禁止内容第11类：已过诉讼时效的债务不得以诉讼相威胁；" + _CN_CONTENT,
            "US": "12 CFR 1006.26(b)",
        },
        "禁止内容（第11类）：已过诉讼时效的债务不得提及起诉、诉讼等法律行动",
        "Forbidden content (#11): no mention of suing or legal action on time-barred debt",
        (BODY, "time_barred"),
        _time_barred,
        screen=lambda p: _litigation_terms(p).screens(),
    ),
    Rule(
        "content.time_barred_threat",
        "forbidden_content",
        {
            "CN": "COMPLIANCE.md 禁止内容第11类：已过诉讼时效的债务不得以诉讼相威胁；" + _CN_CONTENT,
            "US": "12 CFR 1006.26(b) (no suit or threat of suit on time-barred debt)",
        },
        "禁止内容（第11类）：短信自称债务已过诉讼时效，却仍以起诉、诉讼相威胁",
        "Forbidden content (#11): the text calls the debt time-barred and still threatens suit",
        (BODY,),
        _forbidden("content.time_barred_threat"),
        screen=_forbidden_screen("content.time_barred_threat"),
    ),
    Rule(
        "content.opt_out",
        "forbidden_content",
        {
            "CN": "通信短信息服务管理规定（工信部令第31号）第18条：提供便捷有效的拒绝接收方式，不得设置障碍",
            "US": "12 CFR 1006.6(e) (a reasonable and simple method to opt out); 47 CFR 64.1200(a)(10)",
        },
        "禁止内容：退订方式设置障碍或无效（须到网点、邮寄、付费、还清后才能退订等）",
        "Forbidden content: a fake or burdened opt-out (in person, by mail, for a fee, after paying)",
        (BODY,),
        _forbidden("content.opt_out"),
        screen=_forbidden_screen("content.opt_out"),
    ),
    Rule(
        "content.pretext",
        "forbidden_content",
        {"CN": _CN_CONTENT, "US": "12 CFR 1006.18; 15 U.S.C. §1692e(10)"},
        "禁止内容（第12类）：误导性借口（快递、中奖、退款等）",
        "Forbidden content (#12): misleading pretext (delivery, prize, refund…)",
        (BODY,),
        _forbidden("content.pretext"),
        screen=_forbidden_screen("content.pretext"),
    ),
    Rule(
        "link.not_allowed",
        "link",
        {
            "CN": "COMPLIANCE.md：仅官方渠道（登记的固定链接）；变量不得注入链接",
            "US": "product policy: only registered official links; variables must not inject links",
        },
        "只允许登记的官方链接：{allowed_urls}",
        "Only registered official links are allowed: {allowed_urls}",
        (BODY,),
        _url,
        screen=_url_screen,
    ),
    Rule(
        "number.not_allowed",
        "phone_number",
        {
            "CN": "COMPLIANCE.md：仅官方热线（95xxx/400）；变量不得注入电话号码",
            "US": "product policy: only the official contact numbers; variables must not inject numbers",
        },
        "只允许官方号码：{allowed_numbers}",
        "Only official numbers are allowed: {allowed_numbers}",
        (BODY,),
        _phone,
    ),
    Rule(
        "length.max",
        "length",
        {
            "CN": "云短信平台规则：单条最长 500 字（含签名）",
            "US": "product default: carrier delivery of long concatenated texts is unreliable",
        },
        "短信过长：最多 {length_limit_zh}",
        "Too long: at most {length_limit_en}",
        (BODY,),
        _length,
    ),
)

_BY_ID = {rule.id: rule for rule in RULES}


def rules_for(profile: ComplianceProfile) -> tuple[Rule, ...]:
    """The rules that apply under ``profile`` (its jurisdiction and its required elements)."""
    return tuple(rule for rule in RULES if rule.applies_to(profile))


def get_rule(rule_id: str) -> Rule:
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise NotFound(f"unknown compliance rule {rule_id!r}", f"未知的合规规则 {rule_id!r}") from None
