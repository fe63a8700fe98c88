"""Compliance: pure rules → violations, profiles (CN, US), and the gate every message passes.

Public API (everything else is internal)::

    profile = load_profile("CN", settings)            # defaults + compliance.yaml, audited overrides
    checked = evaluate(frame, profile, stage="plan")  # + violations: List[str] of rule ids
    check_message("【安信金融】…", profile)             # list[Violation] for one text
    explain("time.window", profile)                   # legal basis and bilingual reason

See docs.md in this folder for the invariants.
"""

from dunning.compliance.corpus import CorpusReport, run_corpus
from dunning.compliance.gate import (
    INPUT_SCHEMA,
    STAGES,
    Violation,
    check_message,
    context_frame,
    evaluate,
    evaluate_records,
    explain,
    rule_table,
)
from dunning.compliance.normalise import compact, compact_expr, normalise, normalise_expr, words, words_expr
from dunning.compliance.profiles import (
    PROFILE_NAMES,
    AuditedOverride,
    ComplianceProfile,
    default_profile,
    load_profile,
)
from dunning.compliance.rules import RULES, Rule, get_rule, rules_for

__all__ = [
    "INPUT_SCHEMA",
    "PROFILE_NAMES",
    "RULES",
    "STAGES",
    "AuditedOverride",
    "ComplianceProfile",
    "CorpusReport",
    "Rule",
    "Violation",
    "check_message",
    "compact",
    "compact_expr",
    "context_frame",
    "default_profile",
    "evaluate",
    "evaluate_records",
    "explain",
    "get_rule",
    "load_profile",
    "normalise",
    "normalise_expr",
    "rule_table",
    "rules_for",
    "run_corpus",
    "words",
    "words_expr",
]
