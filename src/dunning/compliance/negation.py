"""Negation and reassurance scope: the clauses of a message that deny, warn or point elsewhere.

Truthful messages name forbidden things in order to deny them ("我司不会联系您的家人", "we will never
ask you to pay with a gift card"), to warn of fraud ("谨防冒充公检法", "callers pretending to be police
are not from us"), or to explain what happens in a hypothetical ("如有人以我司名义上门索要现金，请立即
报警"). Word lists cannot tell those from threats; the scope of the denial can: it is the clause.

``mask_clauses`` works in two passes. A whole sentence that holds a denial or warning marker is
replaced by filler unless it also holds a *threat construction* that uses a negation as part of the
threat ("不会放过你", "别以为", "we will not hesitate", "you will never get a loan", "if you do not
pay") or a contrast ("but", "但是", "否则"); a denial's scope is its sentence, lists included ("we
never take gift cards, store cards or prepaid cards"). Then, inside the sentences left, every comma
clause with a marker and no threat construction is masked ("即使您暂时不还，我们也不会联系您的家人",
"we will not call your boss, but your mother will hear from us"). The masked text feeds the compact
and words forms the content rules match (``COMPACT_SAFE``, ``WORDS_SAFE``); screens still run on the
unmasked text, so masking can only remove matches.

Clauses are cut at sentence and comma punctuation only, so letters spaced out with dots or spaces
("j.a.i.l", "坐.牢") are cut into one-letter clauses that never hold a marker: evasion cannot borrow
a reassurance. Scalar and Polars versions use the same patterns and are held identical by a test.
"""

from __future__ import annotations

import re

import polars as pl

__all__ = ["CLAUSE_FILLER", "mask_clauses", "mask_clauses_expr"]

# Sentence and clause punctuation (normalised text: full-width forms are already half-width).
_SENTENCE_CUT = ".!?;:\n\r\u3002\uff1b\uff1a\uff01\uff1f"
_CLAUSE_CUT = _SENTENCE_CUT + ",\uff0c"  # not "、": it lists items of one clause ("朋友圈、抖音")
_SENTENCE = f"[^{re.escape(_SENTENCE_CUT)}]+|[{re.escape(_SENTENCE_CUT)}]+"
_CLAUSE = f"[^{re.escape(_CLAUSE_CUT)}]+|[{re.escape(_CLAUSE_CUT)}]+"
CLAUSE_FILLER = " " + "\u3006" * 8 + " "  # kept by compaction, so masking never joins clauses

_CN_MARKERS = (
    "不会|绝不|决不|从不|从未|从来不|不得|并不|并非|并未|均非|非我司|不是我司|不属于|无权|不可能|不涉及|"
    "不存在|无需|无须|不需要|不收取|不加收|不产生|不影响|不代表|不等于|不意味|请勿|切勿|不要相信|别信|"
    "不要理会|请勿理会|不予理会|不要轻信|谨防|警惕|提防|防范|当心|识别|冒充|假冒|自称|伪造|谎称|假扮|"
    "实为诈骗|均为诈骗|都是诈骗|系诈骗|诈骗行为|诈骗短信|诈骗电话|电信诈骗|网络诈骗|骗局|骗子|不法分子|"
    "犯罪分子|上当|核实真伪|辨别真伪|如有人|若有人|如遇|若遇|遇到有人|冒名|冒用|被冒用|盗用|身份信息被|"
    "不是|并不是|您投诉的|您反映的|您举报的|投诉的|反映的|"
    "如您收到|如果您收到|若您收到|如收到|如接到|若接到|凡是以|凡以|任何自称|任何人以|"
    "(请|可|可以|应|应当|及时|立即|马上|务必|建议)(您)?(立即|及时|尽快|直接)?(向|到|拨打)?[^ ]{0,6}(报警|"
    "报案|举报)|"
    "仅用于|只用于|仅限于|不建议|不鼓励|不提倡|依法判定|以判决为准|以法院判决为准|"
    "以(人民)?法院.{0,8}为准|以[^，。]{0,12}(法院|仲裁委?)[^，。]{0,6}为准|声称|扬言|"
    # rumours and claims denied, charges said not to exist, a question asked ("逾期会被拘留吗")
    "谣言|不实|网传|所谓|严禁|绝无|并无|无任何|没有任何|不存在任何|由我司承担|由本行承担|由我行承担|"
    "由本公司承担|生效判决|判决生效|吗$|会不会|是否会|以.{0,6}(通知|文书|判决|裁定|送达).{0,2}为准|"
    "不要(扫描|点击|转账|汇款|向|把|将|透露|泄露|理会|轻信|添加|加|下载|告诉)"
)
_CN_THREATS = (
    "不会放过|不会手软|不会客气|不会罢休|不会饶|绝不手软|绝不姑息|绝不罢休|决不罢休|善罢甘休|绝不放过|"
    "别怪|不要怪|别以为|不要以为|不要逼|别逼|不要心存侥幸|别心存侥幸|不要抱有?侥幸|不要不识好歹|不要等到|"
    "别等到|不要让|别让|不要再拖|不要再躲|不要逃避|别躲|别跑|不得不|不然|否则|要是不|如不|若不|如果不|"
    "再不|还不|不还|拒不|不想|没有好下场|不会有好|绝不会让|不会让你|不会再给|请勿忽视|勿忽视|请勿无视|"
    "请勿拖延|切勿拖延|请勿逃避|切勿逃避|置之不理|请勿错过|切勿错过|不要忽视|别忽视|不要无视|"
    "怪不得|由不得|顾不得|舍不得|巴不得|免不得|少不得|不会好过|不好过|不会有好日子|不负责|后果自负|"
    # a restriction claimed as a consequence ("逾期人员不得参加职称评定、入党、参军")
    "(不得|不能|无法|不可|不准|禁止)(再)?(参加|报考|考公|考编|入党|参军|当兵|乘坐|坐|出境|出国|担任|晋升|评定|"
    "上学|入学|就业|录用|贷款|买房|结婚|政审)"
)
_US_MARKERS = (
    "never|will not|won t|do not|don t|does not|doesn t|did not|didn t|is not|isn t|are not|aren t|"
    "cannot|can t|can not|may not|no one|nobody|not from|not affiliated|not associated|scam|scams|"
    "scammer|scammers|fraud alert|fraud warning|beware|watch out for|be careful|be aware|pretending|"
    "pretend|claiming|claims to|claim to be|posing as|impersonat[a-z]*|if someone|if anyone|"
    "if you receive|if you get a|if you got|if you believe|if you think|report it|report them|"
    "report this|identity theft|the law limits|not required|free of charge|without any fee|without a fee|"
    "only through|only at|only in|only by|only on|only official|"
    "no (?:extra |additional |hidden |other )?(?:fees?|charges?|costs?|penalty|penalties)|"
    "police report|report (?:it|this|the theft|the fraud|fraud|theft) to|"
    "time limit|limitations|statute|time to sue|deadline to sue|window to sue|too old to sue|"
    "too late to sue|limit to sue|limit for suing|limit for lawsuits|lawsuit window|age of (?:your|this|the) "
    "(?:debt|account)|too old|restart the time|"
    "(?:if|when) (?:a|an|any|someone|anyone|somebody) (?:caller|message|text|email|letter|person|one)? ?"
    "(?:says|claims|tells|threatens|asks|demands|calls|texts)|anyone saying|anyone claiming|anyone who says|"
    "anyone threatening|no legitimate|no real (?:collector|lender|bank|company|agency)|no genuine|"
    "you asked|you told us|you let us know|you informed us|as you requested|asked whether|asked if|asking "
    "whether|asking if|wondering whether|wondering if|"
    "not (?:a|an|the) (?:government|federal|state|court|law firm|attorney|lawyer|police|agency|"
    "sheriff|marshal)|"
    "nothing to do with|no effect on|no bearing on|no impact on|unrelated to|not related to|"
    "no (?:court|lawsuit|legal action|suit|case|claim|judgment)|not be (?:filed|sued|taken to court)|"
    "no (?:late |extra |added |additional )?(?:fee|fees|charge|charges|interest)|"
    "no [a-z]+ (?:fee|fees|charge|charges)"
)
_CONTRAST = (
    "但|但是|可是|然而|否则|不过|却|反而|而是|只是|要是|"
    "(?:^|[^a-z])(?:but|however|yet|instead|otherwise|though|although|even though|unless|except|"
    "despite|while|whereas|notwithstanding)(?:[^a-z]|$)"
)
_US_THREATS = (
    "hesitate|never get|never be approved|never be able|never qualify|never see|never work|never forget|"
    "never rent|never buy|will not stop|won t stop|do not ignore|don t ignore|don t make|do not make|"
    "don t test|do not test|don t think|do not think|don t play|do not play|no longer be able|"
    "not be able to|won t be able|will not be able|can t hide|cannot hide|can t run|cannot run|"
    "not going away|won t go away|nowhere to hide|no way out|not a joke|isn t a joke|no more chances|"
    "no more warnings|don t say|do not say|against you|on you|if you do not|if you don t|if you fail|"
    "if you refuse|if payment is not|if it is not|if this is not|if we do not|if we don t|unless|"
    "or else|otherwise|or we|or you|not paid|isn t paid|not received|not settled|not resolved|"
    "remains unpaid|stays unpaid|isn t handled|not handled|isn t cleared|not cleared|won t stop us|"
    "will not stop us|doesn t stop us|does not stop us|all you want|ignored|no opt out|not let you|"
    "we will sue|we ll sue|will be sued|we are suing|we will file|we ll file|we re filing|we are filing|"
    "will be filed|we intend to|we plan to|we are preparing|moving forward|will still|anyway|still bring|"
    "headed to|going to court|take you to court|we will take|until (?:the|your|you|it|this|paid|payment)|"
    "if [a-z0-9 $,.]{0,30}(?:is not|isn t|are not|aren t) "
    "(?:made|paid|received|settled|resolved|cleared|in)|don t be|do not be|don t act|don t pretend|"
    # a negation inside the condition of a threat ("if this loan isn't brought current")
    "(?:if|when|once) [a-z0-9 $,.'’]{0,40}(?:not|n t|never) (?:[a-z]+ ){0,3}(?:pay|paid|current|"
    "caught up|up to date|handled|taken care|resolved|settled|cleared|fixed|made|received|covered|"
    "respond|responded|call|hear|back)|"
    # dismissals are not denials ("doesn't matter, we sue anyway")
    "doesn t matter|does not matter|no matter|don t care|do not care|like it or not|"
    # a consequence said to need no court ("no court date needed")
    "(?:no|without(?: a| any)?) (?:court|judge|judgment|judgement|hearing|lawsuit)"
    "(?: date| order| ruling| approval| process)? (?:is )?(?:needed|required|necessary)|"
    # a suit still pursued ("we remain willing to pursue you in court", "lawsuit pending")
    "pursue you|remain willing|still pursue|lawsuit pending|suit pending|pending lawsuit|still being filed|"
    "still happens|proceeds next|will be litigated|reserves and will|right to commence|"
    # a suit announced as coming ("is now scheduled for court", "our firm intends to file")
    "(?:are going to|is going to|re going to|intend to|intends to|plan to|plans to|"
    "preparing to|prepared to|about to|scheduled for|set for|is now|are now) (?:still |now |soon |"
    "then |also )?(?:sue|suing|file|filing|take you to court|court|bring|pursue|commence|initiate|"
    "seek|obtain|scheduled)|"
    # nobody will lend, rent or hire: a consequence, not a reassurance
    "(?:nobody|no one|no bank|no lender|no landlord|no employer|no company|no dealer) (?:will|would|"
    "is going to|ever) (?:ever )?(?:hire|rent|lend|finance|approve|give you|take you|trust)"
)


def _words(alternatives: str) -> str:
    # English markers as whole words inside a clause (the clause is lower case, any punctuation kept).
    # They are written as the words form spells them ("don t"); the clause still has its apostrophe.
    spelled = _CONTRACTION.sub(r"\1['’ ]\2", alternatives)
    return f"(?:^|[^a-z])(?:{spelled})(?:[^a-z]|$)"


_CONTRACTION = re.compile(r"([a-z]) (t|ll|re|s|m|d|ve)(?=[ |)]|$)")


_MARKER = f"(?:{_CN_MARKERS})|{_words(_US_MARKERS)}"
_THREAT = f"(?:{_CN_THREATS})|{_words(_US_THREATS)}"
# A threat quoted in order to deny it ("不要相信“不还款就坐牢”的恐吓") is not a threat construction.
_QUOTED = '“[^”]{0,40}”|「[^」]{0,40}」|"[^"]{0,40}"'
# A suit denied in so many words ("no lawsuit will be filed") holds "will be filed" without threatening.
_DENIED = (
    "(?:no|not a|never a|nor a) (?:lawsuit|suit|court case|case|claim|legal action|action|complaint) "
    "(?:will|would|can|could|is going to|shall) (?:ever )?be (?:filed|brought|started|taken)|"
    # a question reported back ("you asked if we can take you to court") threatens nothing
    "(?:you asked|asked whether|asked if|asking whether|asking if|wondering whether|wondering if)[^.!?]{0,60}"
)
_QUOTED_RE = re.compile(f"{_QUOTED}|{_DENIED}")
_MARKER_RE = re.compile(_MARKER)
_THREAT_RE = re.compile(_THREAT)
_CONTRAST_RE = re.compile(_CONTRAST)
_CLAUSE_RE = re.compile(_CLAUSE)
_SENTENCE_RE = re.compile(_SENTENCE)


# A piece that is nothing but quotations ("骗子常用话术：“不还钱就抓你”“明天上门”") quotes; it does
# not say.
_ONLY_QUOTED = f"^(?:\\s|{_QUOTED})+$"
_ONLY_QUOTED_RE = re.compile(_ONLY_QUOTED)


# A line break between two Latin letters is a word cut in two ("ne\nver", "don't ma\nke us"), not the
# end of a sentence: it is held as ``_BROKEN`` while the text is cut into pieces, read as nothing when
# a piece is judged, and given back as a line break in the masked text.
_BROKEN = "\u01c2"
_IN_WORD_BREAK = "([a-z])[ \t]*[\n\r\u2028]+[ \t]*([a-z])"
_IN_WORD_BREAK_RE = re.compile(_IN_WORD_BREAK)


def _hold_breaks(norm: str) -> str:
    for _ in range(2):  # a one-letter line shares its letters with both breaks
        norm = _IN_WORD_BREAK_RE.sub(rf"\1{_BROKEN}\2", norm)
    return norm


def _mask_sentence(sentence: str) -> str:
    if _BROKEN in sentence:
        masked = _mask_sentence(sentence.replace(_BROKEN, ""))
        return CLAUSE_FILLER if masked == CLAUSE_FILLER else sentence
    if _ONLY_QUOTED_RE.search(sentence):
        return CLAUSE_FILLER
    denies = _MARKER_RE.search(sentence) and not _THREAT_RE.search(_QUOTED_RE.sub("", sentence))
    return CLAUSE_FILLER if denies and not _CONTRAST_RE.search(sentence) else sentence


def _mask_clause(clause: str) -> str:
    if _BROKEN in clause:
        masked = _mask_clause(clause.replace(_BROKEN, ""))
        return CLAUSE_FILLER if masked == CLAUSE_FILLER else clause
    if _ONLY_QUOTED_RE.search(clause):
        return CLAUSE_FILLER
    denies = _MARKER_RE.search(clause) and not _THREAT_RE.search(_QUOTED_RE.sub("", clause))
    return CLAUSE_FILLER if denies else clause


# Separators between two ideographs ("不·会", "坐 🙂 牢") are not punctuation: they are removed
# before the scope is read, so a marker spelled apart is still a marker. Sentence and clause marks
# stay. Two passes: a separator shares its ideographs with its neighbours ("不·会·放").
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A line break between two ideographs is read as a break inside a word too ("不会\n联系"): a sentence
# that ends without punctuation and one that does not end are not told apart.
# Quotation marks stay too: a threat quoted to deny it is read as a quotation.
_KEPT_MARKS = re.escape(_CLAUSE_CUT.replace("\n", "").replace("\r", "") + "“”「」\"'")
_BETWEEN_HAN = f"([{_HAN}])[^{_HAN}a-z0-9{_KEPT_MARKS}\u3002]+([{_HAN}])"
_BETWEEN_HAN_RE = re.compile(_BETWEEN_HAN)


def _join_han(norm: str) -> str:
    for _ in range(2):
        norm = _BETWEEN_HAN_RE.sub(r"\1\2", norm)
    return norm


# A bulleted list continues the sentence that opens it ("We never:\n- threaten arrest\n- ask for gift
# cards"): its items become comma clauses of that sentence, so the denial covers them all.
_LIST_OPEN = "[:：][ \t]*[\n\r]+[ \t]*[-•·*][ \t]+"
_LIST_ITEM = "[\n\r]+[ \t]*[-•·*][ \t]+"
_LIST_OPEN_RE = re.compile(_LIST_OPEN)
_LIST_ITEM_RE = re.compile(_LIST_ITEM)


def _join_lists(norm: str) -> str:
    return _LIST_ITEM_RE.sub(", ", _LIST_OPEN_RE.sub(" ", norm))


def mask_clauses(norm: str) -> str:
    """``norm`` (normalised text) with its denying, warning and hypothetical sentences and clauses
    replaced by filler (bulleted lists joined to the sentence that opens them and ideographs spelled
    apart joined first)."""
    held = _hold_breaks(_join_han(_join_lists(norm)))
    sentences = "".join(_mask_sentence(s) for s in _SENTENCE_RE.findall(held))
    return "".join(_mask_clause(c) for c in _CLAUSE_RE.findall(sentences)).replace(_BROKEN, "\n")


def _masked(*, contrast: bool) -> pl.Expr:
    piece = pl.element().str.replace_all(_BROKEN, "", literal=True)
    denies = piece.str.contains(_MARKER) & ~piece.str.replace_all(f"{_QUOTED}|{_DENIED}", "").str.contains(
        _THREAT
    )
    if contrast:
        denies = denies & ~piece.str.contains(_CONTRAST)
    denies = denies | piece.str.contains(_ONLY_QUOTED)
    return pl.when(denies).then(pl.lit(CLAUSE_FILLER)).otherwise(pl.element())


def mask_clauses_expr(norm: pl.Expr) -> pl.Expr:
    """``mask_clauses`` as an expression over normalised text."""
    joined = norm.str.replace_all(_LIST_OPEN, " ").str.replace_all(_LIST_ITEM, ", ")
    for _ in range(2):
        joined = joined.str.replace_all(_BETWEEN_HAN, "${1}${2}")
    for _ in range(2):
        joined = joined.str.replace_all(_IN_WORD_BREAK, "${1}" + _BROKEN + "${2}")
    sentences = joined.str.extract_all(_SENTENCE).list.eval(_masked(contrast=True)).list.join("")
    masked = sentences.str.extract_all(_CLAUSE).list.eval(_masked(contrast=False)).list.join("")
    return masked.str.replace_all(_BROKEN, "\n", literal=True).fill_null("")
