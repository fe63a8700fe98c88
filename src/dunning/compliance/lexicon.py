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
            "强制措施 强制到案 刑责 追究刑责 批捕 收押 在逃 前科 案底 银手镯 手铐 戴铐 喝茶 做笔录 笔录 "
            "讯问 审讯 问话 高墙 铁窗 拘役 判处 量刑 公诉 逃废债 骗贷 骗取贷款 "
            "恶意逃债 局子 号子 押上车 押走 警车 治安部门 侦查部门 刑法 判下来 关你 关几年 失去自由 "
            "最后的自由 配合调查 配合问话 到案 蹲几年 蹲大牢 "
            "抓捕 逮捕 拘留 刑拘 坐牢 判刑 入狱 进监狱 蹲监狱 监狱 牢饭 牢房 看守所 刑事 经侦 通缉 "
            "诈骗罪 涉嫌诈骗 信用卡诈骗 恶意透支罪 拒执罪 拒不执行判决 立案侦查 手铐 带走调查 "
            "人身自由 有期徒刑 犯罪 定罪 案底 报警处理 已报警 我们报警 我司报警",
            cjk_patterns=(
                "(移交|移送|交给|交由|报送|报给)(当地)?(公安|警方|警察|派出所|经侦|司法机关)",
                "(公安|警方|警察|民警).{0,4}(上门|抓|传唤|立案|介入|找你|找您|处理)",
            ),
        ),
        "US": _lex(
            latin="county cell|holding cell|jail cell|a cell|lockup|county lockup|orange jumpsuit|jumpsuit|"
            "mugshot|fingerprinted|fingerprints taken|booked|booking|booking list|bring you in|take "
            "you in|taken into custody|custody of the police|squad car|back of a police car|"
            "correctional facility|behind bars|lose your freedom|probation|criminal record|permanent "
            "record|prosecution|prosecute|prosecuted|prosecutor|recommend charges|press charges "
            "against you|pickup order|pick up order|body attachment|bench warrant|theft of services|"
            "defrauding|stealing|punishable offense|punishable offence|offense|offence|cuff you|"
            "escort you downtown|state charge|"
            "arrest|arrested|arresting|arrest warrant|warrant|warrants|jail|jailed|prison|imprisoned|"
            "imprisonment|criminal|criminally|crime|press charges|file charges|criminal charges|"
            "charged with {fraud,theft,a crime}|handcuffs|handcuffed|detained|detention|locked up|"
            "behind bars|felony|misdemeanor|{commit,committing,committed} fraud|fraud charges|"
            "theft by deception|police will|go to jail|{check,bank,wire} fraud"
        ),
    },
    # 2 impersonating authorities, fake legal papers
    "content.impersonation": {
        "CN": _lex(
            "司法送达 传唤 支付令已 执行专员 承办人员 承办人 经办警官 办案人员 稽查 建档 "
            "协查单 协查 反诈中心 强制调解 "
            "强制还款令 不利裁决 失信系统 "
            "律师事务所受 法院指派 法院委托 法院盖章 法院挂号信 警方协作 经济案件 案件平台 待办案件 "
            "金融案件 "
            "执行局 执行庭 公检法 检察官 立案通知书 立案通知 书记员 "
            " 网警 司法局 执法人员 协查函 协查通知 拘传 冻结令 逮捕令 通缉令 "
            "红头文件 银保监 最高法 司法催收",
        ),
        "US": _lex(
            # what only an impostor says; the words of a truthful lawsuit notice (summons, clerk of
            # court, process server, judge, counsel, sheriff serving papers) are not here: claiming to
            # be one of them is a concept (concepts.py)
            latin="deputy|deputies|trooper|state trooper|sergeant|detective|badge|"
            "judicial enforcement|enforcement division|civil enforcement|enforcement bureau|treasury offset|"
            "tax agent|banking commission|department of public safety|public safety|patrol division|"
            "county patrol|financial crimes unit|fraud unit|case desk|fbi|attorney general|law enforcement|"
            "federal agent|government agency|department of justice|u s marshal|court officer|"
            "district attorney|state attorney|investigator|investigation unit|warrant division|"
            # a law firm's voice in a creditor's text (Reg F 1006.18(c)(3)); a law firm that collects
            # has its template approved with a reason
            "law office of|law offices of|law firm representing|counsel to|general counsel|staff counsel|"
            "litigation unit|pre litigation|pre suit|official notice of|civil complaint no|case file is open"
        ),
    },
    # 3 contacting employer / family / third parties; phone-book blasts
    "content.third_party_contact": {
        "CN": _lex(
            "联络人 紧急联络人 通讯名单 通话记录 好友列表 微信好友 qq好友 群成员 同学录 校友群 财务科 "
            "人事部 人力资源 教务处 认识的人 身边的人 逐个打 轮流打 打一遍 打过去 "
            "每个都会收到 都会收到 都会接到 寄到你们公司 发给你们公司 你们公司 你们单位 你们经理 你们学校 "
            "你老板 你上级 你们领导 "
            "爆通讯录 通讯录 紧急联系人 单位领导 你领导 您领导 你的领导 您的领导 你单位 您单位 你的单位 "
            "您的单位 工作单位 你公司 您公司 你的公司 您的公司 亲朋好友 群发 左邻右舍 村委会 居委会 "
            "街道办 都会知道 都知道你",
            cjk_patterns=(f"({_TELL})(一下)?(你|您)?的?(全部|所有)?({_KIN})",),
        ),
        "US": _lex(
            latin="your payroll department|payroll department|your hr team|hr team|company you work for|"
            "your job site|your office front desk|shift lead|work number|your company s "
            "main line|people you work with|your mother|your father|your brother|your sister|your "
            "cousin|your household|rest of your household|your grandparents|your in laws|your husband "
            "s cell|your wife s cell|each reference|every reference|references you listed|door to "
            "door|phone book|people next door|contacts on your loan application|building super|"
            "friends listed|employment office|your landlord|your neighbors|your roommate|your ex|"
            "linkedin connections|your followers|"
            "{contact,contacting,call,calling,notify,notifying,tell,telling,inform,informing,text,"
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
            "催款单 贴到 单元门 电梯里 公告栏 楼道 每一户 拉条幅 条幅 喷上 喷漆 欠债还钱 广场 传单 赶集 "
            "散发 门卫室 信报箱 短视频 合集 网上流传 全城 论坛 开帖 排行榜 围观 "
            "视频号 评论区 粉丝 上新闻 本地新闻 抬不起头 公开发布 聊天记录 直播间 点名 网友 见人 "
            "曝光 通报 老赖 张贴 发朋友圈 朋友圈 微博 抖音 贴吧 热搜 悬赏 大字报 横幅 社死 丢脸 丢人 "
            "人尽皆知 身败名裂 黑榜 挂网 挂到网上 挂在网上 发到网上 发布到网上 公开你的 公开您的 全网 "
            "全村 全小区 社区公告 失信名单 游街",
        ),
        "US": _lex(
            latin="delinquent borrowers page|late payers board|late list|non payers|hall of|wall of|flyer|"
            "flyers|poster|posters|your photo|community group|group chat|tag you|a post about|the "
            "whole town|whole town|whole neighborhood|your block|classifieds|publish a list|publish "
            "your|list of non paying|truck marked|sign stating|in front of your home|your gym|"
            "linkedin|followers|local paper|church bulletin|"
            "post on social media|social media|facebook|instagram|twitter|tiktok|deadbeat|deadbeats|"
            "shame|shameful|shaming|embarrass|embarrassing|expose you|publicly|public list|"
            "bad debtors list|wall of shame|newspaper|everyone will know|billboard|your reputation"
        ),
    },
    # 5 violence, intimidation, insults
    "content.intimidation": {
        "CN": _lex(
            "登门拜访 登门 到你家楼下 你家楼下 去你老家 你上班的地方 地面团队 外勤 到府 蹲守 守着 过去坐坐 "
            "门牌号 学校门口 出了什么事 出什么事 把门锁好 锁好门 有的是办法 吐出来 "
            "付出代价 不会好过 别想安生 脾气不好 脾气都不太好 动手 出点什么意外 出什么意外 别逼 走哪条路 "
            "几点下班 算个人 穷鬼 缩头乌龟 白眼狼 害臊 脸皮厚 寄生虫 死皮赖脸 蠢到 蠢货 "
            "活着有什么用 败类 唾弃 烂人 窝囊废 装聋作哑 猪狗不如 装孙子 装死 不是人 还往哪躲 往哪躲 躲得了 "
            "后果自负 后果很严重 后果严重 知道你住哪 知道你家 知道你在哪 知道你住在 你家住 小心你家人 "
            "小心你的家人 小心点 出门小心 走夜路 走着瞧 等着瞧 你等着 给我等着 别怪我们 别怪我 不客气 "
            "好自为之 让你好看 颜色看看 给你点颜色 吃不了兜着走 弄死 打死 砍死 打断 卸你 废了你 收拾你 "
            "找人收拾 上门 家访 外访 骗子 垃圾 无赖 不要脸 没脸 人渣 畜生 王八蛋 去死 滚蛋 贱人 废物 "
            "傻逼 傻b 煞笔 脑残 死全家 全家死 不得好死 断子绝孙 狗东西 老不死 孬种 混蛋 丧尽天良 "
            "没良心 良心 下三滥 最后通牒 最后警告 警告你 讨债公司 黑社会",
            latin="sb",  # a whole word only: as a substring it is in every "https://b…"
        ),
        "US": _lex(
            latin="what happens next|see what happens|get ugly|gets ugly|while you still can|life miserable|"
            "make your life hell|family s safety|something happened to|something happens to|something "
            "could happen|too bad if|shame if something|knows your routine|know your routine|waiting "
            "outside|outside your building|outside your house|outside your home|send someone|sending "
            "someone|we ve seen your|we have seen your|we saw your|bus stop|your kids school|we re "
            "watching|we are watching|watching you|keep an eye on you|how persistent we are|"
            "freeloader|leech|mooch|bum|clown|con artist|sorry excuse|lazy|grown adults|people like "
            "you|whining|you deserve|worthless|trash|garbage|parasite|you people|"
            "we know where you live|know where you {live,work,sleep}|you ll regret|you will regret|"
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
            "入住登记 租不到房 找不到工作 招聘平台 冻结公积金 停缴公积金 军校 "
            "国企 背景审查 公办学校 读不了 评职称 提拔 "
            "入党 选调 高考 重点大学 事业单位 编制 退休金 锁住 全家跟着 谈婚论嫁 "
            "被系统关联 幼儿园 跟着你到老 到死 消不掉 工资卡 锁死 取不出来 收走 驾驶证 吊销 辞退 高危人员 "
            "翻不了身 被注销 人事档案 升职加薪 扣光 关联账户 划走 只进不出 护照 出入境 "
            "封停 房贷车贷 买房买车 看病 自费 全中国 各省 "
            "黑名单 拉黑 永久 终身 一辈子 永远 子女上学 子女入学 孩子上学 子女考公 考公 考编 政审 参军 "
            "当兵 影响子女 影响孩子 影响家人 连累家人 株连 冻结全部 冻结所有 冻结你的 冻结您的 冻结银行卡 "
            "冻结名下 名下所有财产 名下所有资产 查封 扣押 没收 "
            "拍卖 强制划扣 划扣你的 失信被执行人 限制高消费 限高 "
            "坐不了高铁 坐不了飞机 限制出行 限制出境 出不了国 开除 丢工作 征信花了 征信黑了 征信烂了 "
            "征信报废 征信全毁 再也无法 无法贷款 无法买房 全国联网 全国通缉",
            cjk_patterns=(
                # not the lender's own protective freeze ("已冻结该账户", "请立即冻结账户")
                "冻结.{0,6}(银行卡|银行账户|所有账户|全部账户|名下账户|你的账户|您的账户|资产|财产|房产|工资|存款)",
            ),
        ),
        "US": _lex(
            latin="removed from the country|home country|visa renewal|visa status|homeland security|dmv|"
            "driving privileges|motor vehicle department|state department|board a plane|passport "
            "renewal|turn you away|turned away|stop filling|prescriptions|cancel your surgery|surgery|"
            "food stamp|food stamps|benefits will be|unemployment payments|disability check|housing "
            "voucher|va benefits|retirement benefit|child protective services|custody of your "
            "children|cost you custody|placed with relatives|visitation rights|credit score will drop|"
            "drop to zero|no bank in america|no bank will|until the day you die|haul away|shut off|"
            "power and water|barred from renting|empty your checking|take everything|seize everything|"
            "lose everything|jail time|"
            "credit ruined|ruin your credit|ruin your life|destroy your credit|credit destroyed|"
            "credit will be ruined|ruined forever|forever|for the rest of your life|"
            "never {get,be approved for,qualify for} {a loan,credit,a mortgage,a credit card}|"
            "never be approved|permanently {damage,damaged,ruin,ruined,destroy}|permanent mark|"
            "seize your|seizure of your|repossess your {house,home}|take your {house,home,car,kids}|"
            "lose your {house,home,job}|garnish your wages|wage garnishment|"
            "freeze your {bank,account,accounts}|"
            "blacklist|blacklisted|deport|deported|deporting|deportation|immigration|"
            "revoke your {license,driver s license,passport}|"
            "suspend your {driver s license,license}|today we seize"
        ),
    },
    # 7 invented fees
    "content.invented_fee": {
        "CN": _lex(
            "沟通费 车马费 食宿费 咨询费 处置费 通知费 服务佣金 佣金 调取费 档案费 违约赔偿金 维护费 按三倍 "
            "三倍 两倍 双倍罚息 双倍违约金 双倍收取 加倍收取 上调至 "
            "催收费 催收服务费 上门费 外访费 差旅费 律师费 诉讼费 违约金翻倍 罚息翻倍 "
            "利息翻倍 欠款翻倍 金额翻倍 费用翻倍 翻倍收取 罚款 罚金 处罚金 "
            "滞纳金翻倍 额外费用 额外收取 额外加收 加收催收 处理费 高额违约金 手续费翻倍 保证金",
        ),
        "US": _lex(
            latin="reminder charge|outreach cost|outreach fee|reinstatement cost|reinstatement fee|costs an "
            "extra|delinquency assessment|skip trace|skip-trace|tripled|triple|mileage|restoration "
            "cost|restoration fee|per message cost|per-message|per text|billed at|placement cost|"
            "placement fee|file transfer charge|transfer charge|chase charge|recovery charge|recovery "
            "desk fee|texting fee|text fee|call fee|visit fee|opt out fee|closure charge|account "
            "closure charge|"
            "collection fee|collection fees|collection charge|collection costs|processing fee|"
            "processing fees|service fee|service charge|handling fee|administrative fee|admin fee|"
            "convenience fee|recovery fee|field visit fee|penalty fee|penalty fees|fees doubled|doubled|"
            "double the {amount,balance,interest,fees}|attorney fees|attorney s fees|legal fees|"
            "court costs|extra charge|additional charge|surcharge"
        ),
    },
    # 8 inducing new borrowing
    "content.new_borrowing": {
        "CN": _lex(
            "给你放款 放款快 额度下来 拿去抵押 做抵押 抵押一下 当铺 "
            "信用卡取现 取现 凑一凑 凑够 问一圈 拆借 担保公司 开口要 覆盖旧账 再申请一笔 "
            "借一笔 东拼西凑 额度都用 "
            "借新还旧 以贷养贷 以卡养卡 拆东墙补西墙 借贷平台 撸口子 套现 刷信用卡还 "
            "高利贷 借钱还 借钱来还 去借钱 借点钱 过桥 垫还",
            cjk_patterns=(
                "(贷|借)(一笔|点|些)?(钱|款)?来(还|偿还|还清|还上)",
                "(去|到|找|向|在)(其他|其它|别的|别家|另外的?|各大)(平台|app|软件|机构|贷款)",
                "(找|向|问)(你|您)?的?(亲戚|朋友|家人|亲友|同事|父母)(们)?借",
            ),
        ),
        "US": _lex(
            latin="put it on a credit card|on a credit card if|same day lender|same day lenders|quick cash|"
            "quick-cash|storefront lender|can fund you|fund you today|refinance your car|hock|401 k|"
            "401k|hardship withdrawal|new store card|store card and charge|earned wage|advance on "
            "your next paycheck|paycheck advance|personal loan somewhere|loan somewhere else|another "
            "lender|other lender|approve anyone|buy now pay later|co sign a new loan|co-sign|"
            "collateral with|second line of credit|new line of credit|open a new card|title loan|sell "
            "your car|sell your|pawn your|"
            "payday loan|payday lender|payday loans|title loan|cash advance|take out a loan|"
            "take a loan|get a loan|borrow from|borrow money|borrow the money|borrow|pawn|pawn shop|"
            "max out|use another credit card|pay with another loan|loan app|"
            "ask {your ,}{friends,family,relatives} for money|balance transfer"
        ),
    },
    # 9 private payment / contact channels
    "content.private_channel": {
        "CN": _lex(
            "企业微信 钉钉 飞书 抖音私信 私信我 单线联系 别走官方 不走官方 专属经理 跟我对接 数字人民币 "
            "转给我 付给我 把钱交给 款项直接交给 代理人账户 口令转账 口令红包 减免群 拉你进 "
            "社交账号 开收据 线下结清 线下还款 "
            "个人账户 个人账号 私人账户 私人账号 私户 对私账户 个人银行卡 私人银行卡 "
            "加微信 加我微信 添加微信 微信号 私人微信 "
            "个人微信 微信联系 微信私聊 私聊 微信转账 微信红包 转微信 加qq 加我qq qq号 qq联系 加好友 "
            "私下 私了 线下交易 支付宝转账 转支付宝 支付宝账号 收款码 扫码 二维码 专员账户 代还 代偿账户 "
            "内部通道 内部渠道 内部处理 减免通道 特殊通道 绿色通道 中间账户 过渡账户 安全账户",
            cjk_patterns=("(转账|转|打款|打钱|汇款|汇)(给|到|至)我(的|个人|私人|这|微信|支付宝|卡|账)",),
        ),
        "US": _lex(
            latin="amazon cards|amazon card|store cards|store gift codes|gift codes|razer gold|xbox codes|"
            "xbox card|playstation card|codes on the back|numbers on the back|read us the numbers|"
            "read us the codes|photos of the codes|photo of the card|coin atm|bitcoin atm|digital "
            "coins|dogecoin|litecoin|qr code we send|paypal friends and family|chime account|my chime|"
            "revolut|cash app tag|reload card|side deal|just between us|snapchat|my own phone|text me "
            "privately|privately|after hours at home|not the company line|not the main line|my direct "
            "number|my personal number|call me directly|"
            "personal account|my personal account|my bank account|gift card|gift cards|"
            "itunes card|google play card|prepaid card|steam card|zelle|venmo|cash app|cashapp|"
            "paypal me|western union|moneygram|wire transfer|wire the money|bitcoin|crypto|"
            "cryptocurrency|btc|usdt|text me at|call me at|my cell|my direct line|whatsapp|telegram|"
            "wechat|pay me directly|send money to|deposit into|agent account"
        ),
    },
    # 10 sensitive personal data (the digit patterns are rules of their own)
    "personal_data.terms": {
        "CN": _lex(
            "住所 门牌 就职于 车牌号 车牌 籍贯 紧急联络人 "
            "身份证号码是 身份证号码为 身份证号为 身份证号是 你的身份证号 您的身份证号 家庭住址 家住 住址 "
            "户籍 户口所在 现居住 居住地址 你住在 您住在 出生日期 生日是 银行卡号是 银行卡号为",
        ),
        "US": _lex(
            latin="your social|nine digit social|9 digit social|birthdate|born 0|born 1|born 2|born 3|born "
            "4|born 5|born 6|born 7|born 8|born 9|date of birth|we have you at|your home at|"
            "social security number|social security|ssn|date of birth|dob|born on|birthday|"
            "birth date|your address is|you live at|home address|"
            "{driver s,drivers} license number|mother s maiden name|your full account number|"
            "account number is|card number is|routing number|cvv|cvc|cvv2|security code|card security code|"
            "pin|pin number|your pin|bank login|online banking login|banking password|your password|"
            "login and password|username and password|16 digit number|full card number|one time passcode"
        ),
    },
    # 12 misleading pretext
    "content.pretext": {
        "CN": _lex(
            "免单 个税退款 退款待 额度提升 自动到账 养老金 资格认证 停发 抽中 幸运用户 返还全部利息 "
            "实名认证 挂号信 被退回 "
            " 中奖 领奖 奖品 奖金 红包 积分兑换 积分清零 医保 社保卡 补贴 退税 理赔 账户异常 "
            "账号异常 资金异常 点击领取 返现 抽奖",
        ),
        "US": _lex(
            latin="reward|selected for|jury duty|insurance payout|payout|depot|being held at|rebate|"
            "temporarily blocked|card has been blocked|survey|thank you gift|urgent family matter|"
            "order is on hold|inheritance|unclaimed|refund is waiting|"
            "cash prize|gift for you|could not drop off|drop off your item|"
            "missed delivery|delivery attempt|failed delivery|your package|package delivery|"
            "|you won|you ve won|you have won|winner|prize|claim your prize|claim your reward|claim your "
            "refund|"
            "claim your gift|claim your package|claim your money|"
            "congratulations you|congratulations you ve|lottery|sweepstakes|free gift|tax refund|irs refund|"
            "stimulus|"
            "verify your account to|verify your account or|verify your account within|to avoid suspension|"
            "avoid suspension|account suspended|account locked|unusual activity|security alert|"
            "confirm your identity|click to claim"
        ),
    },
}

# Category 11 (litigation on time-barred debt) words live in the profile (``litigation_words``),
# because a deployment may add to them in compliance.yaml.
LITIGATION_WORDS: dict[str, tuple[str, ...]] = {
    "CN": _split(
        "起诉 诉讼 法院 法庭 打官司 状子 支付令 追偿 告上 递交材料 庭上 仲裁 律师 法律途径 法律程序 "
        "法律手段 法律责任 法律行动 司法 立案 追诉 判决 "
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

_AUTHORITY = (
    "公安|警方|警察|民警|派出所|公安局|公安机关|经侦|刑侦|检察院|检方|司法机关|司法部门|执法部门|法院|"
    "有关部门|相关部门"
)
_CRIMINAL = "报警|报案|移交|移送|抓捕|逮捕|拘留|刑拘|立案|刑事|坐牢|起诉|上门|曝光|冻结|犯罪|诈骗罪"

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
    # a denial of a criminal step or an authority's involvement: "我司不会将您的信息移交公安"
    "(不会|绝不会|绝不|从不|从未|不得|不能|无权|不可能|并不会|并非|不涉及|不属于|不构成)"
    "(将|把|对|向|以)?.{0,5}?("
    + _AUTHORITY
    + "|"
    + _CRIMINAL
    + ")((的|和|或|及|等)?("
    + _AUTHORITY
    + "|"
    + _CRIMINAL
    + "))*",
    # anti-fraud: those who pose as an authority, and where a victim reports it
    "(冒充|假冒|自称|伪装成?|谎称|假扮)(是|为|成)?.{0,4}(" + _AUTHORITY + "|法院|律师|客服|工作人员|催收)"
    "(的)?(工作)?(人员)?",
    "(谨防|警惕|提防|防范|当心|小心|识别)(冒充|假冒|自称|伪装).{0,6}",
    "(请|可|可以|建议|应|应当|及时|立即|马上|务必)(您)?(立即|及时|尽快)?(向|到|至|拨打)?(当地|就近|"
    "辖区)?(的)?"
    "(公安机关|公安局|派出所|警方|110)?(报警|报案|求助|举报)",
    # no suit, no fee, no new loan: denials of what would otherwise be forbidden
    "(不会|不能|无法|不得|不再|不可|不予|放弃)(再)?(向法院|通过法院|通过诉讼|以诉讼方式|依法)?"
    "(起诉|诉讼|提起诉讼|追诉|立案|仲裁)",
    "(无需|无须|不需|不需要|不会|不收取|不额外|免收|免除|不存在|没有|不产生|不加收)(支付|缴纳|收取|交)?"
    "(任何|额外|其他|另外)?(的)?.{0,4}?费(用)?",
    "(请勿|切勿|不要|不建议|谨防|警惕|不会|不得|避免)(通过|去|向|在)?.{0,6}?(借新还旧|以贷养贷|借款|网贷|"
    "贷款|借钱)",
    "(不会|绝不|不得|从不)(公开|曝光|张贴|发布|公示)",
)
_US_AUTHORITY_SAFE = (
    "police|sheriff|sheriff s office|deputy|marshal|marshals|fbi|irs|ice|immigration|court|courts|judge|"
    "law enforcement|government|government agency|attorney|attorneys|lawyer|law firm|officer|officers|"
    "agent|agents|prosecutor|district attorney|authorities"
)
_US_CHANNEL_SAFE = (
    "gift cards?|prepaid cards?|prepaid debit cards?|zelle|venmo|cash app|paypal|crypto|cryptocurrency|"
    "bitcoin|bitcoin atms?|crypto atms?|wire transfers?|western union|moneygram|cash|a person|an individual|"
    "anyone|personal accounts?|a personal account|any personal account|third parties|a third party"
)
SAFE_LATIN_PATTERNS: tuple[str, ...] = (
    # the opt-out instruction itself ("reply STOP to cancel") says nothing about a consequence
    " (?:reply|text|txt|send|respond) (?:with )?stop (?:to|or) (?:cancel|end|opt out|unsubscribe|stop|quit) ",
    " (?:will not|won t|do not|don t|does not|doesn t|never|cannot|can t|may not|are not allowed to|"
    "is not allowed to|not permitted to) (?:contact|call|notify|tell|inform|text|email|message|"
    "visit|speak to|speak with|talk to|discuss this with|share this with) ",
    " (?:never|do not|don t|will not|won t) (?:ask you to )?(?:pay|send|wire) "
    "(?:to |into |by |with |via |using )?"
    "(?:a |any )?(?:personal account|gift cards?|prepaid cards?|zelle|venmo|cash app|wire transfer) ",
    # "we will never ask you to pay with gift cards or crypto"
    " (?:never|will never|do not|don t|will not|won t|does not|doesn t|not|no one will|nobody will) "
    "(?:ask|asks|request|requests|require|requires|demand|demands|accept|accepts|take|takes|call|contact)? ?"
    "(?:you )?(?:to )?(?:[^ ]+ ){0,4}(?:"
    + _US_CHANNEL_SAFE
    + ")(?: (?:or|and) (?:"
    + _US_CHANNEL_SAFE
    + "))* ",
    # scams named to warn of them: "anyone claiming to be the police"
    " (?:claiming|claims to|claim to|pretending|pretends|posing|poses|purporting|impersonating|impersonate|"
    "impersonates|fake|scam|scams|scammer|scammers|fraudster|fraudsters|fraudulent) (?:[^ ]+ ){0,4}"
    "(?:" + _US_AUTHORITY_SAFE + ") ",
    # denials of arrest and suit: "you cannot be arrested for this debt", "we will not sue you"
    " (?:will never|never|will not|won t|do not|don t|does not|doesn t|cannot|can t|can not|may not|not|"
    "no one|nobody) (?:threaten|threatens|have you|get you|be|is|are)? ?(?:[^ ]+ ){0,2}"
    "(?:arrested|arrest|jailed|jail|prison|imprisoned|criminal|charged|prosecuted|a crime) ",
    " (?:will not|won t|cannot|can t|can not|may not|will never|never|no longer|not able to|unable to|"
    "not allowed to|not permitted to|not going to|do not|don t|does not) (?:be )?(?:sue|sued|suing|"
    "file (?:a )?(?:suit|lawsuit)|take you to court|take legal action|bring (?:a )?(?:suit|lawsuit)) ",
    # "this will not affect your immigration status"
    " (?:will not|won t|does not|doesn t|cannot|can t|never|do not|don t|is not|isn t) "
    "(?:affect|affects|impact|impacts|change|touch|suspend|revoke|put|be) (?:[^ ]+ ){0,3}"
    "(?:immigration|license|licence|passport|medical|benefits|status|care|treatment) ",
)
