"""Reply understanding: a debtor's SMS reply → one action-driving intent and promise-to-pay terms.

Pure: no database, no I/O except reading the packaged corpus (the model trains on it at first use).

    classify("下周一还五百", profile="CN", now=now)   # Classification(intent=promise, promise=…)
    classify_many(texts, profile="US", now=now)     # batched: the model runs once per batch
    parse_promise("明天还一千五", now=now, time_zone="Asia/Shanghai")

See docs.md in this folder for the invariants and how the figures are measured.
"""

from dunning.replies.classify import DEFAULT_OPT_OUT_KEYWORDS, Classification, classify, classify_many
from dunning.replies.intents import PRIORITY, Intent
from dunning.replies.promise import PromiseTerms, parse_promise

__all__ = [
    "DEFAULT_OPT_OUT_KEYWORDS",
    "PRIORITY",
    "Classification",
    "Intent",
    "PromiseTerms",
    "classify",
    "classify_many",
    "parse_promise",
]
