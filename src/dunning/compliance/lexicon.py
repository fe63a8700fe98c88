"""Word lists for the forbidden-content rules (COMPLIANCE.md "Forbidden content", categories 1–12).

Chinese terms are matched as substrings of the ``compact`` form (separators stripped, homophones
rewritten), so "坐 牢", "坐-牢" and "zuolao" are one entry. English phrases are matched as whole
words on the ``words`` form (" sue " does not match "issue"). Entries are written plainly and
normalised when the patterns are built, so a traditional or full-width entry works too.

``{a,b}`` in an entry expands to every alternative ("{call,notify} your boss" is two phrases).
``cjk_patterns`` are regular expressions over the compact form (simplified, lower case, no
separators) for what a list cannot say, such as a verb and an object a few characters apart. A gap
of arbitrary characters must stay under 8 (".{0,6}"): masked reassurances become 8 filler
characters, and a pattern must not be able to reach across one.

What must NOT be matched matters as much: truthful statements pass (credit reporting, contractual
interest, lawful court action on debt that is not time-barred, hardship and instalment offers,
dispute channels), and reassurances such as "我们不会联系您的家人" / "we will not contact your
employer" are masked out before matching (``SAFE_*``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

__all__ = ["FORBIDDEN", "Lexicon", "expand", "has_cjk"]

_BRACES = re.compile(r"\{([^{}]*)\}")
_CJK = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def expand(entry: str) -> list[str]:
    """``"{call,notify} your {boss,family}"`` → the four phrases."""
    parts = _BRACES.split(entry)
    # split() alternates literal text and brace contents
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return [" ".join("".join(combo).split()) for combo in itertools.product(*choices)]


@dataclass(frozen=True, slots=True)
class Lexicon:
    cjk: tuple[str, ...] = ()
    cjk_patterns: tuple[str, ...] = ()
    latin: tuple[str, ...] = ()


def _lex(
    cjk: str = "",
    latin: str | list[str] = "",
    cjk_patterns: tuple[str, ...] = (),
) -> Lexicon:
    latin_entries = latin if isinstance(latin, list) else [e for e in latin.split("|") if e.strip()]
    return Lexicon(
        cjk=_split(cjk),
        cjk_patterns=cjk_patterns,
        latin=tuple(p for entry in latin_entries for p in expand(entry.strip())),
    )


_KIN = (
    "家人|家属|亲属|亲友|亲戚|父母|爸妈|爸爸|妈妈|老婆|老公|妻子|丈夫|配偶|子女|孩子|儿子|女儿"
    "|朋友|同事|同学|领导|老板|邻居|室友|联系人|担保人|村委|居委"
)
_TELL = (
    "联系|通知|告知|告诉|致电|打给|打电话给|电话给|找|拜访|走访|发短信给|发送给|发给|转发给|短信通知"
    "|转告|问问|上门找"
)

# Category number (COMPLIANCE.md) → rule id → profile → lexicon.
FORBIDDEN: dict[str, dict[str, Lexicon]] = {
    # 1 threats of arrest / criminal liability
    "content.threat_arrest": {
        "CN": _lex(
            "抓捕 逮捕 拘留 刑拘 坐牢 判刑 入狱 进监狱 蹲监狱 监狱 牢饭 牢房 看守所 刑事 经侦 通缉 "
            "诈骗罪 涉嫌诈骗 信用卡诈骗 恶意透支罪 拒执罪 拒不执行判决 立案侦查 手铐 带走调查 "
            "人身自由 有期徒刑 犯罪 定罪 案底 报警处理 已报警 我们报警 我司报警",
            cjk_patterns=(
                "(移交|移送|交给|交由|报送|报给)(当地)?(公安|警方|警察|派出所|经侦|司法机关)",
                "(公安|警方|警察|民警).{0,4}(上门|抓|传唤|立案|介入|找你|找您|处理)",
            ),
        ),
        "US": _lex(
            latin="arrest|arrested|arresting|arrest warrant|warrant|warrants|jail|jailed|prison|imprisoned|"
            "imprisonment|criminal|criminally|crime|press charges|file charges|criminal charges|"
            "charged with {fraud,theft,a crime}|handcuffs|handcuffed|detained|detention|locked up|"
            "behind bars|felony|misdemeanor|{commit,committing,committed} fraud|fraud charges|"
            "theft by deception|police will|go to jail|{check,bank,wire} fraud"
        ),
    },
    # 2 impersonating authorities, fake legal papers
    "content.impersonation": {
        "CN": _lex(
            "法院传票 传票 执行局 执行庭 公检法 检察院 检察官 立案通知书 立案通知 立案 法官 书记员 "
            "公安局 派出所 网警 司法局 司法机关 执法人员 协查函 协查通知 拘传 冻结令 逮捕令 通缉令 "
            "红头文件 银保监 最高法 司法催收 法院通知 法院已",
        ),
        "US": _lex(
            latin="sheriff|sheriffs|sheriff s office|police department|police officer|police|court summons|"
            "summons|subpoena|process server|served with papers|serve you papers|fbi|irs|"
            "attorney general|law enforcement|federal agent|government agency|department of justice|"
            "marshal|marshals|u s marshal|court order|court officer|judge|district attorney|"
            "state attorney|investigator|investigation unit|warrant division"
        ),
    },
    # 3 contacting employer / family / third parties; phone-book blasts
    "content.third_party_contact": {
        "CN": _lex(
            "爆通讯录 通讯录 紧急联系人 单位领导 你领导 您领导 你的领导 您的领导 你单位 您单位 你的单位 "
            "您的单位 工作单位 你公司 您公司 你的公司 您的公司 亲朋好友 群发 左邻右舍 村委会 居委会 "
            "街道办 都会知道 都知道你",
            cjk_patterns=(f"({_TELL})(一下)?(你|您)?的?(全部|所有)?({_KIN})",),
        ),
        "US": _lex(
            latin="{contact,contacting,call,calling,notify,notifying,tell,telling,inform,informing,text,"
            "texting,email,emailing,message,visit,visiting,reach out to,speak to,speak with,talk to,"
            "alert,alerting,warn,let} {your ,}{employer,boss,manager,supervisor,hr,human resources,"
            "coworkers,co workers,colleagues,family,relatives,parents,spouse,wife,husband,children,"
            "kids,neighbors,neighbours,friends,references,landlord,workplace,contacts,church,pastor}|"
            "your {employer,boss,family,neighbors,neighbours,coworkers,friends} will {know,find out,"
            "be told,be notified,be contacted,hear}|everyone you know|your phone contacts|"
            "your contact list"
        ),
    },
    # 4 public shaming
    "content.public_shaming": {
        "CN": _lex(
            "曝光 通报 老赖 张贴 公示 发朋友圈 朋友圈 微博 抖音 贴吧 热搜 悬赏 大字报 横幅 社死 丢脸 丢人 "
            "人尽皆知 身败名裂 黑榜 挂网 挂到网上 挂在网上 发到网上 发布到网上 公开你的 公开您的 全网 "
            "全村 全小区 社区公告 失信名单 游街",
        ),
        "US": _lex(
            latin="post on social media|social media|facebook|instagram|twitter|tiktok|deadbeat|deadbeats|"
            "shame|shameful|shaming|embarrass|embarrassing|expose you|publicly|public list|"
            "bad debtors list|wall of shame|newspaper|everyone will know|billboard|your reputation"
        ),
    },
    # 5 violence, intimidation, insults
    "content.intimidation": {
        "CN": _lex(
            "后果自负 后果很严重 后果严重 知道你住哪 知道你家 知道你在哪 知道你住在 你家住 小心你家人 "
            "小心你的家人 小心点 出门小心 走夜路 走着瞧 等着瞧 你等着 给我等着 别怪我们 别怪我 不客气 "
            "好自为之 让你好看 颜色看看 给你点颜色 吃不了兜着走 弄死 打死 砍死 打断 卸你 废了你 收拾你 "
            "找人收拾 上门 家访 外访 骗子 垃圾 无赖 不要脸 没脸 人渣 畜生 王八蛋 去死 滚蛋 贱人 废物 "
            "傻逼 傻b 煞笔 脑残 死全家 全家死 不得好死 断子绝孙 狗东西 老不死 孬种 混蛋 丧尽天良 "
            "没良心 良心 下三滥 最后通牒 最后警告 警告你 讨债公司 黑社会",
            latin="sb",  # a whole word only: as a substring it is in every "https://b…"
        ),
        "US": _lex(
            latin="we know where you live|know where you {live,work,sleep}|you ll regret|you will regret|"
            "regret it|watch your back|better watch out|you better be careful|last warning|"
            "final warning|consequences will be severe|severe consequences|serious consequences|"
            "we will find you|hunt you|come after you|show up at your|knock on your door|"
            "at your door|hurt you|harm you|kill|beat you|pay or else|loser|idiot|stupid|moron|scum|"
            "liar|thief|cheat|cheater|worthless|pathetic|shame on you|disgrace|bitch|bastard|damn|"
            "hell|crap|shit|fuck|fucking|dumb|deadbeat scum|lowlife"
        ),
    },
    # 6 false or exaggerated consequences
    "content.false_consequence": {
        "CN": _lex(
            "黑名单 拉黑 永久 终身 一辈子 永远 子女上学 子女入学 孩子上学 子女考公 考公 考编 政审 参军 "
            "当兵 影响子女 影响孩子 影响家人 连累家人 株连 冻结全部 冻结所有 冻结你的 冻结您的 冻结银行卡 "
            "冻结名下 名下所有 查封 扣押 没收 拍卖 强制执行 强制划扣 划扣你的 失信被执行人 限制高消费 限高 "
            "坐不了高铁 坐不了飞机 限制出行 限制出境 出不了国 开除 丢工作 征信花了 征信黑了 征信烂了 "
            "征信报废 征信全毁 再也无法 无法贷款 无法买房 全国联网 全国通缉",
            cjk_patterns=("冻结.{0,6}(银行卡|账户|资产|财产|房产|工资|存款)",),
        ),
        "US": _lex(
            latin="credit ruined|ruin your credit|ruin your life|destroy your credit|credit destroyed|"
            "credit will be ruined|ruined forever|forever|for the rest of your life|"
            "never {get,be approved for,qualify for} {a loan,credit,a mortgage,a credit card}|"
            "never be approved|permanently {damage,damaged,ruin,ruined,destroy}|permanent mark|"
            "seize your|seizure of your|repossess your {house,home}|take your {house,home,car,kids}|"
            "lose your {house,home,job}|garnish your wages|wage garnishment|"
            "freeze your {bank,account,accounts}|"
            "frozen|blacklist|blacklisted|deport|deportation|immigration|"
            "revoke your {license,driver s license,passport}|"
            "suspend your {driver s license,license}|today we seize"
        ),
    },
    # 7 invented fees
    "content.invented_fee": {
        "CN": _lex(
            "催收费 催收服务费 上门费 外访费 差旅费 律师费 诉讼费 违约金翻倍 翻倍 罚款 罚金 处罚金 "
            "滞纳金翻倍 额外费用 额外收取 额外加收 加收催收 处理费 高额违约金 手续费翻倍 保证金",
        ),
        "US": _lex(
            latin="collection fee|collection fees|collection charge|collection costs|processing fee|"
            "processing fees|service fee|service charge|handling fee|administrative fee|admin fee|"
            "convenience fee|recovery fee|field visit fee|penalty fee|penalty fees|fees doubled|doubled|"
            "double the {amount,balance,interest,fees}|attorney fees|attorney s fees|legal fees|"
            "court costs|extra charge|additional charge|surcharge"
        ),
    },
    # 8 inducing new borrowing
    "content.new_borrowing": {
        "CN": _lex(
            "借新还旧 以贷养贷 以卡养卡 拆东墙补西墙 网贷 借贷平台 撸口子 套现 刷卡还 刷信用卡还 "
            "借呗 花呗 微粒贷 高利贷 借钱还 借钱来还 去借钱 借点钱 过桥 垫还",
            cjk_patterns=(
                "(贷|借)(一笔|点|些)?(钱|款)?来(还|偿还|还清|还上)",
                "(去|到|找|向|在)(其他|其它|别的|别家|另外的?|各大)(平台|app|软件|机构|贷款)",
                "(找|向|问)(你|您)?的?(亲戚|朋友|家人|亲友|同事|父母)(们)?借",
            ),
        ),
        "US": _lex(
            latin="payday loan|payday lender|payday loans|title loan|cash advance|take out a loan|"
            "take a loan|get a loan|borrow from|borrow money|borrow the money|borrow|pawn|pawn shop|"
            "max out|use another credit card|pay with another loan|loan app|"
            "ask {your ,}{friends,family,relatives} for money|balance transfer"
        ),
    },
    # 9 private payment / contact channels
    "content.private_channel": {
        "CN": _lex(
            "个人账户 个人账号 私人账户 私人账号 私户 对私账户 个人银行卡 私人银行卡 我的账户 我的卡 "
            "我的银行卡 加微信 加我微信 添加微信 微信号 私人微信 "
            "个人微信 微信联系 微信私聊 私聊 微信转账 微信红包 转微信 加qq 加我qq qq号 qq联系 加好友 "
            "私下 私了 线下交易 支付宝转账 转支付宝 支付宝账号 收款码 扫码 二维码 专员账户 代还 代偿 "
            "内部通道 内部渠道 内部处理 减免通道 特殊通道 绿色通道 中间账户 过渡账户 安全账户",
            cjk_patterns=("(转账|转|打款|打钱|汇款|汇)(给|到|至)我(的|个人|私人|这|微信|支付宝|卡|账)",),
        ),
        "US": _lex(
            latin="personal account|my personal account|my bank account|gift card|gift cards|"
            "itunes card|google play card|prepaid card|steam card|zelle|venmo|cash app|cashapp|"
            "paypal me|western union|moneygram|wire transfer|wire the money|bitcoin|crypto|"
            "cryptocurrency|btc|usdt|text me at|call me at|my cell|my direct line|whatsapp|telegram|"
            "wechat|pay me directly|send money to|deposit into|agent account"
        ),
    },
    # 10 sensitive personal data (the digit patterns are rules of their own)
    "personal_data.terms": {
        "CN": _lex(
            "身份证号码是 身份证号码为 身份证号为 身份证号是 你的身份证号 您的身份证号 家庭住址 家住 住址 "
            "户籍 户口所在 现居住 居住地址 你住在 您住在 出生日期 生日是 银行卡号是 银行卡号为",
        ),
        "US": _lex(
            latin="social security number|social security|ssn|date of birth|dob|born on|birthday|"
            "birth date|your address is|you live at|home address|"
            "{driver s,drivers} license number|mother s maiden name|your full account number|"
            "account number is|card number is|routing number"
        ),
    },
    # 12 misleading pretext
    "content.pretext": {
        "CN": _lex(
            "快递 包裹 中奖 领奖 奖品 奖金 红包 积分兑换 积分清零 医保 社保卡 补贴 退税 理赔 账户异常 "
            "账号异常 资金异常 验证码 点击领取 恭喜 未签收 签收 返现 抽奖",
        ),
        "US": _lex(
            latin="missed delivery|delivery attempt|failed delivery|your package|package delivery|parcel|"
            "shipment|usps|fedex|dhl|you won|you ve won|you have won|winner|prize|claim your|"
            "congratulations|lottery|sweepstakes|free gift|tax refund|irs refund|stimulus|"
            "verify your account|account suspended|account locked|unusual activity|security alert|"
            "confirm your identity|click to claim"
        ),
    },
}

# Category 11 (litigation on time-barred debt) words live in the profile (``litigation_words``),
# because a deployment may add to them in compliance.yaml.
LITIGATION_WORDS: dict[str, tuple[str, ...]] = {
    "CN": _split(
        "起诉 诉讼 法院 仲裁 律师 法律途径 法律程序 法律手段 法律责任 法律行动 司法 立案 追诉 判决 "
        "强制执行 诉前 调解 法务 依法追讨 依法追偿 依法追究 追究"
    ),
    "US": (
        "sue",
        "sued",
        "suing",
        "lawsuit",
        "legal action",
        "court",
        "litigation",
        "judgment",
        "judgement",
        "attorney",
        "lawyer",
        "legal proceedings",
        "legal steps",
        "legal remedies",
        "legal remedy",
        "legal means",
        "garnish",
        "garnishment",
        "file suit",
        "arbitration",
    ),
}

# Reassurances that name a forbidden act only to deny it. Masked before matching; each needs the
# negation directly before the verb, so "不得不联系你家人" / "will not hesitate to contact your
# employer" are still caught.
SAFE_CJK_PATTERNS: tuple[str, ...] = (
    "(不会|绝不会|从不|从来不会|不得|不可能|并不会)(主动)?(向|对)?(" + _TELL + "|打扰|透露给?|泄露给?|告诉)"
    "(任何)?(你|您)?的?(任何)?(" + _KIN + "|第三方|第三人|其他人|他人)",
    "(不会|绝不会|从不|不得)(向|对)(任何)?(你|您)?的?(" + _KIN + "|第三方|第三人|其他人|他人)"
    "(透露|泄露|告知|披露|提及)",
    # anti-fraud warnings name the fraud they warn about
    "(谨防|警惕|小心|提防|防范)(电信|网络)?(诈骗|骗子|不法分子|犯罪分子)",
    "(不会|绝不会|从不|不得)(以任何理由)?(要求|让)?(你|您)?(向|往|将款项?)?"
    "(转账|汇款|打款|转入|转到|汇入|还款|支付)?(至|到|给|入)?(任何)?(个人|私人|他人|第三方)"
    "(账户|账号|银行卡|卡)",
    "(请勿|切勿|勿|不要|请不要|谨防)(向|往|将款项?)?(转账|汇款|打款|转入|转到|汇入|还款|支付)?"
    "(至|到|给|入)?(任何)?(个人|私人|他人|陌生)(账户|账号|银行卡)",
)
SAFE_LATIN_PATTERNS: tuple[str, ...] = (
    " (?:will not|won t|do not|don t|does not|doesn t|never|cannot|can t|may not|are not allowed to|"
    "is not allowed to|not permitted to) (?:contact|call|notify|tell|inform|text|email|message|"
    "visit|speak to|speak with|talk to|discuss this with|share this with) ",
    " (?:never|do not|don t|will not|won t) (?:ask you to )?(?:pay|send|wire) "
    "(?:to |into |by |with |via |using )?"
    "(?:a |any )?(?:personal account|gift cards?|prepaid cards?|zelle|venmo|cash app|wire transfer) ",
)
