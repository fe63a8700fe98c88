"""Simulated debtors: what they write back to a collection SMS, per intent and language.

The SMSC simulator (:mod:`.simulator`) draws an intent for a delivered message and asks
:func:`reply_text` for the words. The bank is deliberately untidy, the way handsets type: slang,
typos (以经, 换 for 还), emoji, some 繁體, replies that mention a keyword of another intent
("stop harassing me" is a complaint, not an opt-out). The reply classifier of
:mod:`dunning.tracking` is measured on it, so a phrase should not be chosen to be easy.

A phrase may hold ``{amount}`` and ``{day}``: :func:`reply_text` fills them from the same ``rng``,
so promises carry varied dates and sums while staying deterministic for a seeded ``rng``.
"""

from __future__ import annotations

import random
import re
from typing import Final, Literal

__all__ = ["INTENTS", "LANGUAGES", "PHRASES", "Language", "language_of", "reply_text"]

Language = Literal["zh", "en"]

#: Reply intents, in the order the simulator accumulates their shares.
INTENTS: Final = (
    "opt_out",
    "paid",
    "promise",
    "hardship",
    "dispute",
    "wrong_number",
    "complaint",
    "help",
    "other",
)
LANGUAGES: Final = ("zh", "en")

_ZH: Final[dict[str, tuple[str, ...]]] = {
    "opt_out": (
        "退订",
        "TD",
        "td",
        "退定",
        "退訂",
        "别再给我发短信了",
        "请停止发送此类信息，谢谢",
        "把我的号码从你们名单里删掉",
        "以后不要再发了，烦死了",
        "T D 谢谢",
        "不想再收到你们的消息",
    ),
    "paid": (
        "已经还了",
        "我昨天就还清了",
        "以经还了，你们查一下",
        "钱已经转过去了啊",
        "还了啊，怎么还在发",
        "上周就结清了，截图都有",
        "已還款，請核實",
        "刚刚在app上还的🙏",
        "早就还完了好吧",
        "付过了，你们系统没更新吧",
        "今天上午通过支付宝还了{amount}",
    ),
    "promise": (
        "明天还",
        "下周五还五百",
        "月底前还清",
        "{day}还{amount}",
        "这两天手头紧，{day}一定还上",
        "发了工资就还，大概{day}吧",
        "先还{amount}行不行，剩下的{day}补上",
        "後天會還款",
        "再宽限几天，{day}保证还",
        "晚上回家就转给你们",
        "下周一换上，别催了",
        "等十号发工资了马上还你们🙏",
    ),
    "hardship": (
        "我失业了，实在没钱",
        "最近住院了，能不能缓一缓",
        "家里出了点事，这个月真的还不上",
        "生意做不下去了，能不能分期",
        "我现在一分钱都拿不出来，求求你们了",
        "公司拖欠工资三个月了，我也没办法",
        "身體不好一直在看病，錢都花光了",
        "能不能减免点利息，压力太大了😭",
        "老婆刚生孩子开销大，宽限几个月吧",
        "我知道欠钱要还，可是年初被裁员以后一直没找到工作，家里老人生病每个月药费就要好几千，"
        "房租也拖着，现在真的一点办法都没有了，能不能先停一停利息，等我找到工作再慢慢分期还给你们，拜托了",
        "这个月只能还一点点，剩下的真没有，房贷车贷都压着，工资还被扣了一半，"
        "你们能不能帮我重新做个还款计划，每个月少还一些，我不是不还，是真的周转不过来",
    ),
    "dispute": (
        "这笔钱我没借过",
        "金额不对吧，我只借了两千",
        "这个账单有问题，利息怎么这么高",
        "不是我办的，可能身份证被人盗用了",
        "我已经申请退款了，这笔不该我还",
        "你们多扣了我一期的钱",
        "這筆帳我不認",
        "没收到过这笔贷款啊？？",
        "滞纳金凭什么收这么多，我要核对明细",
        "合同上写的不是这个数",
    ),
    "wrong_number": (
        "打错了，我不是机主",
        "你们找错人了",
        "这个号码我刚办的，不认识这个人",
        "我不认识你们说的这个人",
        "发错了吧",
        "這個號碼已經不是他的了",
        "新换的号，之前的主人我不认识",
        "我不是你们要找的人😅",
        "搞错了，这是我老板以前的号",
    ),
    "complaint": (
        "再发我就打12378投诉",
        "我要投诉你们暴力催收",
        "天天发短信骚扰，已经报警了",
        "你们这是违法的，我已经向银保监会反映了",
        "一天三条有完没完，等着被投诉",
        "再騷擾我就去消協告你們",
        "你们的人打电话骂我家里人，太过分了",
        "已截图，等着吧😡",
        "你们催收员昨天晚上十一点还在打电话，还打给我单位同事和我妈，说要上门，严重影响我的生活和工作，"
        "通话录音和短信截图我都存好了，准备向金融监管部门和12378投诉",
    ),
    "help": (
        "怎么还款？",
        "在哪里还钱",
        "还款账号是多少",
        "能发个还款链接吗",
        "我还差多少没还",
        "APP登不上去怎么还啊",
        "可以用微信还吗",
        "請問如何提前還清",
        "客服电话多少",
        "最低要还多少才不算逾期",
    ),
    "other": (
        "好的",
        "收到",
        "👍",
        "嗯",
        "知道了",
        "？",
        "你是谁",
        "好滴～",
        "謝謝",
        "哦",
    ),
}

_EN: Final[dict[str, tuple[str, ...]]] = {
    "opt_out": (
        "STOP",
        "stop texting me",
        "Stop",
        "unsubscribe",
        "remove me from your list",
        "dont text this number again",
        "STOP!!! no more msgs",
        "opt out",
        "quit sending me these",
        "please take me off ur list",
        "cancel",
    ),
    "paid": (
        "I paid it yesterday",
        "already paid",
        "Paid in full last week, check your records",
        "i sent the money this morning",
        "payment went through on the 3rd, I have the confirmation email",
        "I've settled this already, why am I still getting texts?",
        "done, paid via the app",
        "I payed it off",
        "just made a ${amount} payment",
        "Already took care of it on Monday",
    ),
    "promise": (
        "I'll pay ${amount} on {day}",
        "can pay next Monday",
        "will pay by the end of the month",
        "I can do ${amount} on {day} and the rest after payday",
        "gimme till {day} pls, ill pay",
        "sending it tomorrow I promise",
        "I get paid on the 15th, will clear it then",
        "ill have the money friday",
        "will pay tonight",
        "Can I pay half now and the other half on {day}?",
    ),
    "hardship": (
        "I lost my job and cant pay right now",
        "been in hospital, need more time",
        "Is there any hardship program? I'm struggling",
        "single mom with 3 kids, I literally have nothing left this month",
        "can we set up a payment plan, I can't afford the full amount",
        "my hours got cut, can you lower the monthly payment?",
        "had a death in the family, please give me a few weeks",
        "broke til further notice tbh 😞",
        "I want to pay this, I really do, but I was laid off in March and unemployment barely covers "
        "rent and groceries. My car broke down last week too. Is there any way to pause the interest "
        "or agree a smaller monthly amount until I'm back on my feet?",
        "Honestly things are bad. Medical bills from my surgery are piling up and I'm only working "
        "part time while I recover, so I can't make the full payment. Could we talk about a reduced "
        "amount for a couple of months?",
    ),
    "dispute": (
        "I never took out this loan",
        "this isn't my debt",
        "The amount is wrong, I only owed 300",
        "I dispute this, send me proof in writing",
        "that account was closed years ago",
        "Looks like identity theft, I didn't sign up for anything",
        "why is the balance higher than last month?? i want an itemized statement",
        "not my account, check ur records",
        "This was settled in the agreement, it's not owed",
    ),
    "wrong_number": (
        "wrong number",
        "You have the wrong person",
        "I don't know who that is",
        "new number, whoever you're looking for isn't me",
        "this isn't Mike's phone anymore",
        "wrong #",
        "I just got this number last month, not the person you want",
        "who? never heard of them",
        "u got the wrong guy lol",
    ),
    "complaint": (
        "I'm reporting you to the CFPB",
        "this is harassment",
        "Stop harassing me or I'll file a complaint",
        "I've contacted my lawyer about your calls",
        "3 texts a day is ridiculous, complaint filed",
        "your agent called my workplace, thats illegal",
        "Screenshotting all of these for the attorney general",
        "I will be reporting this number to the FTC 😡",
        "Your collector called me at 11pm, then called my sister and my boss and told them about my "
        "debt. That is not allowed and I have it all recorded. I am filing complaints with the "
        "CFPB and my state attorney general today.",
    ),
    "help": (
        "how do I pay?",
        "what's the balance?",
        "where can i pay online",
        "Can I pay by card over the phone?",
        "whats the account number to transfer to",
        "link doesn't work, how else can I pay",
        "How much do I owe exactly?",
        "what's the minimum to avoid late fees",
        "is there a number I can call to talk to someone",
    ),
    "other": (
        "ok",
        "👍",
        "k",
        "thanks",
        "who is this?",
        "got it",
        "?",
        "Received.",
        "lol",
        "sure",
    ),
}

#: ``PHRASES[language][intent]``: the phrasings (some with ``{amount}`` / ``{day}``).
PHRASES: Final[dict[str, dict[str, tuple[str, ...]]]] = {"zh": _ZH, "en": _EN}

_FILL: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "zh": {
        "amount": ("五百", "1000", "两千", "300块", "八百元", "一千五", "200"),
        "day": ("明天", "后天", "这周五", "下周一", "下周三", "15号", "月底", "周末"),
    },
    "en": {
        "amount": ("200", "150", "500", "75", "1,000", "320"),
        "day": ("Friday", "next Monday", "Tuesday", "the 15th", "the 28th", "Saturday"),
    },
}
_SLOT: Final = re.compile(r"\{(amount|day)\}")
# CJK ideographs (basic, extension A, compatibility), CJK punctuation, full-width forms.
_CJK: Final = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def language_of(text: str | None) -> Language:
    """ "zh" when ``text`` holds Chinese characters or punctuation, else "en" (a reply answers in the
    language it was written to)."""
    return "zh" if text and _CJK.search(text) else "en"


def reply_text(intent: str, language: str, rng: random.Random) -> str:
    """A reply for ``intent`` in ``language`` ("zh" or "en"), its slots filled; ``rng`` decides."""
    try:
        phrases = PHRASES[language][intent]
    except KeyError:
        raise ValueError(
            f"no phrases for intent {intent!r} in language {language!r}; "
            f"intents {INTENTS}, languages {LANGUAGES}"
        ) from None
    phrase = rng.choice(phrases)
    fill = _FILL[language]
    return _SLOT.sub(lambda m: rng.choice(fill[m.group(1)]), phrase)
