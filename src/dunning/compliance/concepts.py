"""Concepts: what a forbidden message *means*, as a conjunction of ideas rather than a list of strings.

A word list knows "移交经侦" but not "派出所的同志明天会过来带你走，不想这样就今天还清". What both say
is: an **authority** + a **coercive act** + a **condition on payment**. A concept rule fires when
every part is present, each part being a term list matched like any other (compact form for Chinese,
whole words for English, all spellings normalised), so a new phrasing of the same threat needs no new
entry. The concepts of COMPLIANCE.md that lists miss most:

- coercion: authority + coercive act (+ a condition on payment, which tells a threat from an
  anti-fraud warning that names the same authority);
- disclosure: a third party (family, employer, references, 通讯录) + a disclosure or contact act;
  "we have your husband's number" (possession of a third party's contact) is one too;
- foreign channel: a payment channel that is not the creditor's (a person, an app account, gift
  cards, crypto kiosks, a "designated account");
- false consequences that do not exist for a consumer debt (immigration, licences and passports,
  medical care, schooling and travel of relatives, nationwide bans, prison terms);
- time-barred suit: the text itself calls the debt too old to sue on, and still threatens suit;
- fake opt-out: an opt-out that costs something or needs another channel ("STOP by any branch").

Negation and reassurance are handled before any part is matched: the masked forms
(``COMPACT_SAFE``, ``WORDS_SAFE``, see ``lexicon.SAFE_*``) replace "we will never ask you to pay by
gift card" or "我司不会联系您的家人" with filler, so a denial never supplies a part. A gap inside a
Chinese pattern stays under 8 characters, the filler's length, so a pattern cannot reach across a
masked reassurance.

Each concept is a tuple of ``Lexicon`` parts (``lexicon.Lexicon``); the rule of the same id fires
on its word list OR on any of its concepts.
"""

from __future__ import annotations

from dataclasses import dataclass

from dunning.compliance.lexicon import Lexicon, expand

__all__ = [
    "CONCEPTS",
    "US_ANY_OPT_OUT",
    "US_ANY_OPT_OUT_STRIPPED",
    "US_OPT_OUT_CONFIRMED",
    "Clause",
    "Concept",
    "Near",
    "Part",
]


@dataclass(frozen=True, slots=True)
class Near:
    """English: a phrase of ``first`` and one of ``second`` at most ``gap`` words apart (either order
    when ``both_ways``), on the masked words form. ``second`` is the rarer list: the gate screens
    rows on it."""

    first: tuple[str, ...]
    second: tuple[str, ...]
    gap: int = 4
    both_ways: bool = True
    reverse: bool = False  # one way only, ``second`` before ``first``


@dataclass(frozen=True, slots=True)
class Clause:
    """A regular expression over the normalised text, where sentence punctuation still separates
    clauses (the compact and words forms have none): for what must sit in one sentence."""

    pattern: str
    absent: bool = False  # the concept needs the pattern NOT to match
    # read on the text with its denying sentences masked (``negation``): for a clause that states the
    # forbidden act itself ("we post names on Facebook"), which a denial must not supply
    masked: bool = False


Part = Lexicon | Near | Clause
Concept = tuple[Part, ...]


def _phrases(latin: str) -> tuple[str, ...]:
    return tuple(p for entry in latin.split("|") if entry.strip() for p in expand(entry.strip()))


def _near(first: str, second: str, gap: int = 4, *, both_ways: bool = True, reverse: bool = False) -> Near:
    return Near(_phrases(first), _phrases(second), gap, both_ways, reverse)


def _part(cjk: str = "", latin: str = "", cjk_patterns: tuple[str, ...] = ()) -> Lexicon:
    return Lexicon(cjk=tuple(cjk.split()), cjk_patterns=cjk_patterns, latin=_phrases(latin))


# ---- Chinese --------------------------------------------------------------------------------------

_CN_POLICE = (
    "公安|警方|警察|民警|刑警|特警|网警|派出所|公安局|公安机关|经侦|刑侦|检察院|检察官|检方|公诉|"
    "纪委|监察委|司法机关|司法部门|执法部门|执法人员|有关部门|相关部门|国家机关|政法|办案人员|办案民警|"
    "警官|警员|所里的|所长|片警|辖区"
)
_CN_COURT = "法院|法官|法警|执行局|执行庭|审判庭|仲裁委"
# Criminal coercion: nothing a creditor may announce about a consumer debt.
_CN_CRIMINAL_ACT = (
    "抓|拘|逮捕|带走|带回|押走|铐|传唤|羁押|关押|关起来|关进|收监|判刑|坐牢|入狱|服刑|蹲|定罪|"
    "立案|备案侦查|侦查|调查你|调查您|查你|查您|追查|通缉|追捕|控制你|控制您|限制人身|上门|带你走|带您走|"
    "上门处理|找你|找您|找上门|登门|来家里|到你家|到您家|去你家|去您家|到你单位|到您单位|去你单位|"
    "介入|出警|出动|处理你|处理您|处置你|处置您|追究你|追究您|刑事"
)
_CN_PAY_CONDITION = (
    "不还|再不|如不|若不|如果不|要是不|倘若不|假如不|否则|不然|拒不|拒绝还|还不上|仍不|仍未|依然不|"
    "逾期不|到期不|未还|未按时|未能按时|不处理|不结清|不还清|不缴|不配合|今天之前|今日之前|今天内|今日内|"
    "今晚|明天之前|小时内|截止|之前还|前还清|前结清|前处理|限你|限您|最后期限|最后机会|最后一次|再拖|"
    "拖下去|之内|尽快处理|马上处理|立即还款|赶紧还"
)
_CN_TIME = "[0-9一二两三四五六七八九十百]+"

_CN_KIN = (
    "家人|家属|家里人|亲属|亲友|亲戚|父母|爸妈|爸爸|妈妈|父亲|母亲|老婆|老公|媳妇|妻子|丈夫|爱人|对象|"
    "男朋友|女朋友|配偶|子女|孩子|儿子|女儿|兄弟|姐妹|哥哥|姐姐|弟弟|妹妹|公婆|岳父|岳母|朋友|同事|同学|"
    "领导|上司|上级|老板|主管|经理|店长|人事|hr|单位|公司|邻居|房东|室友|联系人|紧急联系人|联络人|担保人|"
    "通讯录|村委|居委|先生|太太|前妻|前夫|婆婆|公公|岳父|岳母|未婚妻|未婚夫|表哥|表姐|堂兄|舅舅|姑姑|叔叔|"
    "阿姨|"
    "街道|社区|物业|业主|老师|学校|村里|老家"
)
_CN_REACH = (
    "联系|通知|告知|告诉|致电|打电话|打给|电话|发短信|发信息|短信|群发|转告|说明情况|反映|沟通|核实|走访|"
    "拜访|上门|找到|去找|来找|问问|询问|了解|知道|曝光|公开|透露|说一下|讲一下|谈谈|协助|配合催收|"
    "代为还款|帮你还|帮您还|替你还|替您还"
)
_CN_HAVE = "有|掌握|拿到|获取|获得|知道|查到|存有|备有|调取"
_CN_CONTACT_OF = "电话|号码|手机|手机号|联系方式|微信|住址|地址|单位地址|工作地点|信息|资料"

_CN_PAY = "转账|转款|汇款|打款|打钱|还款|付款|支付|缴纳|缴款|存入|转入|汇入|转到|汇到|打到|交款|交钱|结清"
_CN_NOT_CREDITOR = (
    "个人|私人|专员|业务员|催收员|经理|主管|同事|本人|我的|我们的|指定|以下|下列|此|该|这个|新|临时|"
    "代收|代还|第三方|合作方|中间|过渡|安全|监管|内部"
)
_CN_ACCOUNT = "账户|账号|卡号|银行卡|卡|支付宝|微信|收款码|二维码|钱包|名下"

CONCEPTS: dict[str, dict[str, tuple[Concept, ...]]] = {
    "content.threat_arrest": {
        "CN": (
            # an authority close to a criminal act, and a condition on payment anywhere
            (
                _part(
                    cjk_patterns=(
                        f"({_CN_POLICE}).{{0,7}}({_CN_CRIMINAL_ACT})",
                        f"({_CN_CRIMINAL_ACT}).{{0,5}}({_CN_POLICE})",
                        f"({_CN_COURT}).{{0,7}}(抓|拘|逮捕|带走|判刑|坐牢|入狱|收监|关押|羁押|刑事|定罪)",
                    )
                ),
                _part(cjk_patterns=(_CN_PAY_CONDITION,)),
            ),
            # prison terms: "判三到七年", "蹲个五年", "三年以上有期徒刑"
            (
                _part(
                    cjk_patterns=(
                        f"(判|蹲|关|坐|服刑|监禁|刑期){_CN_TIME}(到|至|-)?({_CN_TIME})?(个)?(年|个月)",
                        f"{_CN_TIME}(年|个月)(以上|以下|左右)?(的)?(有期徒刑|徒刑|刑期|监禁|拘役|牢狱|大牢|牢)",
                        "(牢狱之灾|铁窗|吃官司|蹲大牢|进去蹲|进去几年|班房|号子里|局子)",
                    )
                ),
            ),
        ),
    },
    "content.third_party_contact": {
        "CN": (
            # a third party close to a reach or disclosure act, in either order
            (
                _part(
                    cjk_patterns=(
                        f"({_CN_REACH})(一下|到|给|过)?(你|您)?的?(全部|所有|每个|每一位|身边的?)?({_CN_KIN})",
                        f"(你|您)的?(全部|所有|身边的?)?({_CN_KIN})(们|都|全都|也|会|将|就|马上)*.{{0,3}}"
                        "(收到|知道|了解|接到|被通知|被联系|被告知|看到)",
                        f"(向|跟|和|对|给)(你|您)的?({_CN_KIN})(们)?.{{0,3}}"
                        "(说明|反映|透露|讲|说|核实|了解|打电话|打个电话|打给|发短信|发信息|发消息|联系|"
                        "电话)",
                    )
                ),
            ),
            # possession of a third party's contact: "我们已经有你老公的电话"
            (
                _part(
                    cjk_patterns=(
                        f"({_CN_HAVE})(了)?(你|您)的?({_CN_KIN}).{{0,2}}({_CN_CONTACT_OF})",
                        f"({_CN_KIN})的?({_CN_CONTACT_OF})(我们|我司)?(已|都)(经)?(有|掌握|拿到|获取)",
                    )
                ),
            ),
        ),
    },
    "content.private_channel": {
        "CN": (
            # paying into an account that is not the creditor's
            (
                _part(
                    cjk_patterns=(
                        f"({_CN_PAY})(至|到|给|进|入)?({_CN_NOT_CREDITOR}).{{0,4}}({_CN_ACCOUNT})",
                        f"({_CN_NOT_CREDITOR})({_CN_ACCOUNT}).{{0,6}}({_CN_PAY})",
                    )
                ),
            ),
            # an account named for payment, unless it is the creditor's own corporate account (对公账户,
            # 户名 a company)
            (
                _part(cjk_patterns=("(收款人|户名|开户名|开户行|收款账户|收款账号)",)),
                Clause(
                    "对公|(户名|开户名|收款人)[:：]?[^，。,;；]{0,24}(有限公司|有限责任公司|股份|银行|消费金融|"
                    "小额贷款|信用卡中心)",
                    absent=True,
                ),
            ),
            # a full personal mobile number (not the digits of a serial "LN137…"): an official line is
            # never one
            (_part(cjk_patterns=("(^|[^0-9a-z])1[3-9][0-9]{9}($|[^0-9a-z])",)),),
        ),
    },
    "content.false_consequence": {
        "CN": (
            (
                _part(
                    cjk_patterns=(
                        # nationwide bans and travel
                        "全国(范围|通报|通缉|联网|限制|禁止|封杀|追查|协查|黑名单|公示|曝光)",
                        "(全国|各地|所有)(银行|金融机构|平台).{0,4}(拒绝|不再|禁止|封杀|拉黑|限制)",
                        "(坐|乘坐|乘|买|订)(不了|不上|不到)?.{0,2}(高铁|飞机|火车|动车|机票|车票)",
                        "(限制|禁止|无法|不能|不得)(你|您|家人|全家)?.{0,3}(出行|出境|出国|乘坐|乘车|乘机|"
                        "住酒店|住宾馆)",
                        # relatives' schooling, exams, jobs
                        "(子女|孩子|儿女|小孩|儿子|女儿|下一代|后代|家人|亲属|三代).{0,7}"
                        "(上学|入学|读书|升学|考公|考编|考研|当兵|参军|入伍|政审|就业|找工作|工作|前途|名校|"
                        "私立|出国)",
                        "(影响|连累|牵连|拖累|耽误|毁了|断送).{0,4}(子女|孩子|儿女|小孩|下一代|家人|全家|"
                        "亲属|前途)",
                        # property and accounts
                        "(冻结|查封|扣押|没收|拍卖|强制划扣|划走).{0,6}(全部|所有|名下|房子|房产|车子|车辆|"
                        "工资|社保|公积金|微信|支付宝|存款)",
                        "(名下|所有|全部)(的)?(银行卡|账户|资产|财产).{0,4}(冻结|查封|扣押|划扣|封停)",
                        # jobs and status
                        "(通知|告诉|联系).{0,4}(单位|公司|领导).{0,6}(开除|辞退|解雇)",
                        "(征信|信用).{0,4}(终身|永久|一辈子|永远|彻底|全毁|报废|作废|黑了|花了|烂了|污点)",
                    )
                ),
            ),
        ),
    },
    "content.invented_fee": {
        "CN": (
            (
                _part(
                    cjk_patterns=(
                        "(加急|上门|外访|律师函|法务|调查|通道|解冻|撤诉|销案|结案|核销|工本|资料|材料|"
                        "风控|信息|后期|管理|诉前|调解|鉴定|公证|取证|出警|差旅|办案|代办|审核|加速|"
                        "撤案)(服务)?费",
                        "(另|额外|另外|再|先|需|须|要)(付|支付|交|缴|缴纳|收取|加收|补交).{0,6}(费|金|款)",
                        "(费用|违约金|罚息|滞纳金|罚金).{0,3}(翻倍|翻番|加倍|上涨|暴涨|"
                        "[0-9一二三四五六七八九十]倍)",
                        "(保证金|押金|解冻金|验资|诚意金|认证金)",
                    )
                ),
            ),
        ),
    },
    "content.new_borrowing": {
        "CN": (
            (
                _part(
                    cjk_patterns=(
                        "(指定|推荐|其他|其它|别的|另外|另一|第三方|友商|兄弟)(的)?"
                        "(平台|机构|app|软件|公司|贷款|网贷|产品|渠道|口子).{0,8}"
                        "(借|贷|申请|下款|周转|放款|额度|过桥|垫付|还上|还清)",
                        # a partner lender is named truthfully ("由合作机构放款"); borrowing there is not
                        "(合作|旗下|关联)(的)?(平台|机构|app|软件|公司|产品|渠道).{0,8}"
                        "((借|贷)(一笔|点|钱|些)|申请(一笔|借款|贷款)|下款|周转|过桥|垫付)",
                        # "借款" is the loan itself: borrowing is 借钱, 借一笔, 贷点…
                        "(借|贷)(钱|一笔|一点|点|些|个)(钱)?.{0,8}(来|去|用来|用于)(还|偿还|还清|还上|结清|周转)",
                        "(先|可以|建议|不如|赶紧)(去|到|找|在)?.{0,6}((借|贷)(钱|一笔|点|些|到钱)|刷(信用)?卡|"
                        "套现|套出).{0,8}(还|结清|周转)",
                    )
                ),
            ),
        ),
    },
    "content.public_shaming": {
        "CN": (
            (
                _part(
                    cjk_patterns=(
                        "(小区|业主|社区|村|单位|公司|学校|家族|同学|老乡|亲友|家长|工作|行业|物业)(的)?(群|"
                        "微信群|qq群)",
                        "(张贴|贴|挂|公布|发布|散发|投放|发到|发在|发至|登报|上报纸|播报)"
                        ".{0,6}(门口|楼下|楼道|电梯|公告栏|宣传栏|小区|村口|单位|公司|群里|报纸|网上|朋友圈)",
                        "(传单|海报|大字报|告示|通告|寻人启事|悬赏令|曝光台|欠款名单|失信名单|照片|头像|"
                        "身份证照)"
                        ".{0,4}(张贴|发放|公布|发布|散发|贴|发|挂)",
                    )
                ),
            ),
        ),
    },
    "content.time_barred_threat": {
        "CN": (
            (
                Clause(
                    "(已过|超过|过了|超出|已超过|早过|过)(了)?(诉讼|法定|追诉)?(时效|追诉期|诉讼期)|"
                    "(诉讼|法定|追诉)?(时效|追诉期)[^。！？!?;；]{0,6}(已过|过了|早过|届满|已满|超过|过期|"
                    "失效|到期|结束)|"
                    "(时效|追诉期)外|超(过)?时效|过(了)?(法律|法定)?(追诉|诉讼)?期限"
                ),
                _part(
                    cjk_patterns=(
                        "起诉|诉讼|法院|法庭|立案|仲裁|判决|强制执行|传票|打官司|告你|告上|追诉|追偿|庭上|"
                        "支付令|递交材料|状子",
                    )
                ),
            ),
        ),
    },
    "content.opt_out": {
        "CN": (
            (
                Clause(
                    "(退订|取消(短信|提醒|通知)|停止(发送|提醒|短信|接收)|不再接收)[^。！？!?；;\\n]{0,24}"
                    "(营业厅|网点|柜台|门店|线下|本人到|亲自|到场|邮寄|寄送|书面|公证|缴纳|支付|付费|收费|"
                    "扣费|"
                    "[0-9]+元|结清后|还清后|还款后|还完|无效|不予受理|不受理)"
                ),
                # a working reply keyword beside it makes the rest an extra, not a barrier
                Clause("(回复?|发送?|编辑)[ ]?(td|t|n|退订)([^a-z]|$)", absent=True),
            ),
            (Clause("(回复|回)[ ]?(td|t|退订)[^。！？!?；;\\n]{0,6}(无效|不予受理|不受理|没用)"),),
        ),
    },
}

# ---- English --------------------------------------------------------------------------------------

_US_AUTHORITY = (
    "police|the cops|cops|sheriff|sheriffs|sheriff s deputies|deputy|deputies|marshal|marshals|"
    "fbi|irs|ice agents|ice officers|immigration|homeland security|district attorney|prosecutor|prosecutors|"
    "court|judge|law enforcement|authorities|state attorney|attorney general|detective|detectives|"
    "officer|officers|police department|county jail|courthouse|county courthouse|clerk of court|"
    "court clerk|state police|fraud unit|financial crimes|financial crimes unit|department of justice|"
    "federal agency|federal debt|debt recovery office|government office|treasury department|task force|"
    "fraud task force|investigator|investigators|special agent|cfpb|consumer financial protection bureau|"
    "ftc|federal trade commission|state regulator|banking department"
)
_US_COERCIVE = (
    "arrest|arrested|arresting|pick you up|picked up|take you in|taken in|taken into custody|"
    "custody|detain|detained|book you|booked|haul you|hauled|cuff|cuffed|cuffs|lock you up|"
    "locked up|jail|jailed|prison|behind bars|warrant|warrants|bench warrant|charge you|charged|"
    "charges|prosecute|prosecuted|prosecution|indict|indicted|investigate|investigated|"
    "investigation|show up at your|come to your {home,house,door,work,job,office}|"
    "visit your {home,house,work,job}|knock on your door|serve you|be served|summon|summoned|"
    "detective will|officer will|officers will|criminal"
)
# Handing the file to the police: the police are the rare part, screened on.
_US_HANDOVER = (
    "handed over to|handed to|turned over to|referred to|forwarded to|sent to|reported to|file with|"
    "filed with|complaint with|report with|handing|handed|transferred to|passed to|escalated to"
)
_US_POLICE = (
    "police|local police|police department|sheriff|sheriff s office|law enforcement|detective|detectives|"
    "prosecutor|prosecutors|district attorney|fbi|marshal|marshals|state police|state troopers"
)
_US_CONDITION = (
    "unless|if you do not|if you don t|if you fail|if you refuse|if you ignore|if not paid|"
    "if payment is not|if we do not receive|if we don t receive|if this is not|until you pay|"
    "until paid|before {today,tomorrow,friday,monday,midnight,noon,5 pm,5pm,end of day,close of business}|"
    "by {today,tomorrow,tonight,friday,monday,midnight,noon,end of day,close of business,5 pm}|"
    "or else|otherwise|failure to {pay,respond,call}|last chance|final chance|final notice|"
    "within {24,48,72} hours|today or|pay now or|pay today or|ignore this|ignoring this|no response|"
    "today|tonight|this week|immediately|right away|settle|so pay|once the|keep ignoring|stays unpaid|"
    "remains unpaid|isn t paid|not paid|pay now|now to stop|to stop it|to stop this|to avoid|avoid this|"
    "to prevent|is not made|not made|isn t made|is not received|not received|if this|if the payment|"
    "if payment|if it is not|if it isn t|missed|in default"
)

_US_STATUS = (
    "immigration|immigration status|ice agents|deport|deported|deportation|green card|visa status|"
    "citizenship|naturalization|residency|work permit|"
    "driver s license|drivers license|driving license|driver license|license|licence|"
    "professional license|nursing license|cdl|passport|passports|"
    "medical care|medical treatment|treatment|hospital|hospitals|emergency room|doctor|doctors|"
    "prescriptions|insurance|health insurance|medicaid|medicare|benefits|social security|"
    "food stamps|snap|unemployment|disability|custody|your kids|your children|child protective|"
    "cps|school|college|financial aid|student aid|voting|vote|gun permit|security clearance|"
    "military|enlistment|citizenship application|visa|visas|h 1b|f 1|your status|legal status|"
    "border|border crossing|airport|travel|trip|flights|dhs|uscis|customs|state department|state dept|"
    "dmv|licensing board|nursing board|bar association|appointment|appointments|surgery|chemo|"
    "chemotherapy|dialysis|emergency department|clinic|clinics|pharmacy|medication|medications|"
    "dentist|dentists|specialist|care team|your record|medical record|tax refund|refund|"
    "social security check|ssi|wic|section 8|housing assistance|food assistance|welfare|pension|"
    "retirement|every bank account|all your bank accounts|your bank accounts|bank account|"
    "any bank|every bank|banking|checking account|hired|hiring|employment|background check|"
    "background checks|rent anywhere|apartment|lease|utilities|power|electricity|water|phone service"
)
_US_STATUS_ACT = (
    "suspend|suspended|suspension|revoke|revoked|revocation|cancel|cancelled|canceled|deny|denied|"
    "refuse|refused|refusal|lose|losing|take away|taken away|flag|flagged|report you to|"
    "reported to|jeopardize|jeopardy|bar|barred|ban|banned|stop treating|won t treat|will not treat|"
    "not be treated|turned away|put at risk|at risk|ineligible|disqualified|deport|deported|"
    "held|treatment hold|holds on|put a hold|pull|pulled|pulls|yank|yanked|block|blocked|blocks|"
    "stopped|stop you|restricted|"
    "restriction|restrictions|keep you from|prevent|prevents|prevented|not be able|won t be able|"
    "can t get|cannot get|never get|taken away from|seize|seized|seizing|seizure|freeze|freezing|frozen|"
    "terminate|terminated|termination|cut off|cut|shut off|shutoff|disconnect|disconnected|removed|"
    "refuse to treat|will not be seen|won t be seen|not be seen|not see you|do not treat|"
    # (not "sent to", "referred to": a hospital's account sent to a collector is how collection starts;
    # reporting to an agency is its own concept below)
    "shared with|flagged to|come up|show up|"
    "problems with|trouble with|lifetime|for life|banned for life|never be hired|"
    "won t be hired|never rent|blacklist|blacklisted|void|voided|withheld|withhold|garnish|garnished|"
    "levy|levied|intercept|intercepted|offset|offsets|lose your|lost"
)

_US_THIRD = (
    "employer|your boss|boss|manager|supervisor|hr|human resources|payroll|coworkers|co workers|"
    "colleagues|workplace|family|family members|relatives|parents|mom|dad|mother|father|spouse|"
    "wife|husband|partner|girlfriend|boyfriend|children|kids|son|daughter|brother|sister|"
    "neighbors|neighbours|friends|references|the people you listed|people you listed|"
    "contacts you {gave,listed,provided}|your contacts|contact list|landlord|roommate|church|pastor|"
    "school|everyone you know|people in your phone|facebook friends|grandmother|grandfather|grandma|"
    "grandpa|grandparents|aunt|uncle|cousin|cousins|in laws|mother in law|father in law|niece|nephew|"
    "fiance|fiancee|ex wife|ex husband|your ex|stepmother|stepfather|household|your references|"
    "reference|personal reference|emergency contact|emergency contacts|the people on your application|"
    "people on your app|your team|your shift lead|your foreman|your coworker|"
    "your co worker|your colleague|owner of your company|your company s owner|company owner|"
    "reference list|friends on|your friends|your pastor|your mom|your dad|work address|your work email|"
    "work email|your workplace|your job site|everyone at|your congregation"
)
_US_REACH = (
    "contact|contacting|contacted|call|calling|called|notify|notifying|notified|tell|telling|told|"
    "inform|informing|informed|text|texting|email|emailing|message|messaging|visit|visiting|"
    "reach out to|reaching out to|speak with|speak to|talk to|talking to|discuss|discussing|explain to|"
    "let|verify with|share with|sharing with|disclose to|disclosing to|show|send to|forward to|cc|"
    "sent|send|sending|mailed|mail|forwarded|copied|alert|alerting|alerted|warn|warning|warned|"
    "talked to|talked with|spoke to|spoke with|spoken to|spoken with|reached|reach|reaching|"
    "trying to reach|get in touch with|got in touch with|got hold of|ask|asked|asking|involve|"
    "involving|loop in|looping in|visit with|stop by|go to|show up at|ring|ringing|phone|phoning|"
    "goes to|going to|will be sent to|copied to|emailing|mailing|posting to"
)
# what happens to a third party told about the debt, after it: "your boss will hear about it"
_US_TOLD = (
    "will know|will find out|find out|hear about|will hear|be told|be notified|be contacted|be called|"
    "be informed|get a call|get calls|receive a call|receive calls|get a letter|get a text|be emailed|"
    "be getting|learn about|learns about|hear from us|will be asked|be asked|been told|been notified|"
    "been contacted|been called|been informed|been asked|been sent|were told|were notified|"
    "were contacted|were called|were informed|were asked|got a call|got a copy|received a copy|"
    "get a copy|is next|are next|will get|gets a call|get the call|know about|knows about|knew|"
    "confirmed|already know|already knows|getting calls|answered|picked up|said|explained|agreed to|"
    "promised|will get a call|gets the call|will be getting"
)
_US_POSSESS = (
    "we have|we ve got|we got|we already have|we obtained|we found|we pulled|on file for|we ve located|"
    "we have located|we located|we tracked down|we ve tracked down|we know where|we identified"
)
_US_CONTACT_OF = (
    "number|numbers|phone|phones|cell|contact info|contact information|address|email|details|work number|"
    "on file|notice|letter|calling|call them|contact them|mailing them|text them|tell them|visit them"
)

_US_CHANNEL = (
    "gift card|gift cards|giftcard|google play|apple gift|apple card|itunes|amazon card|amazon gift|"
    "steam card|vanilla visa|vanilla card|green dot|moneypak|reloadable card|prepaid card|prepaid debit|"
    "target card|walmart card|ebay card|card numbers on the back|scratch off|bitcoin|btc|crypto|"
    "target cards|walmart cards|ebay cards|amazon cards|steam cards|apple cards|google play cards|"
    "itunes cards|prepaid cards|vanilla cards|store cards|gift codes|with the codes|the codes|"
    "cryptocurrency|coinbase|ethereum|usdt|tether|bitcoin atm|crypto atm|bitcoin machine|"
    "crypto kiosk|bitcoin kiosk|coin machine|wallet address|zelle|venmo|cash app|cashapp|cash tag|"
    "cashtag|paypal me|apple cash|western union|moneygram|money order to|wire it|wire the funds|"
    "my personal|personal account|personal cell|our agent|the agent s|agent account|collector s account|"
    "claim codes|card codes|gift codes|redemption code|redemption codes|send the codes|text us the codes|"
    "codes on the back|numbers on the back|pin on the back|scratch the back|"
    "a private account|send cash|mail cash|cash in an envelope|courier will collect|pick up the payment"
)
_US_SUIT = (
    "sue|sued|suing|lawsuit|suit|court|courts|legal action|litigation|litigate|judgment|judgement|"
    "garnish|garnishment|take you to court|file a claim|file a case|file suit|filed|filing|file anyway|"
    "attorney|lawyer|lawyers|legal team|small claims|civil claim|claim against you|case against you|"
    "complaint|proceedings|bring an action|an action|papers against you|serve you|served|defend it"
)
_US_TIME_BARRED = (
    "time barred|too old|statute of limitations|statute has|statute ran|past the statute|"
    "beyond the statute|outside the statute|limitations period|limitation period|limitation window|"
    "expired debt|expired or not|zombie debt|legally expired|past the deadline to sue|time limit|"
    "age of this account|age of your debt|age of the debt|deadline to sue|time to sue|window to sue|"
    "lawsuit window|limit for lawsuits|limit for suing|limit to sue|limit on lawsuits|aged out|"
    "too old to|past the limit|legal time limit|year limit|too late to sue|clock ran out|clock has run|"
    "clock run out|time ran out|ran out of time|out of statute|statute expired|sol expired"
)
_US_OPT_OUT_BURDEN = (
    "visit|visiting|come|come in|come to|stop by|stop in|drop by|in person|branch|office|offices|location|"
    "by mail|mail|mailing|write|written|letter|notarized|notary|fax|fee|charge|charged|\\$ ?[0-9]|"
    "pay|paid|payment|settle|settled|balance|premium|900|log ?in|login|sign in|download|portal|"
    "website|form|stop by|must call|call in|have to call|you must|in writing|faxing|faxed|mailed|"
    "copy of your|photo id|id card|identification|driver s license|notarised|certified mail"
)

CONCEPTS["content.threat_arrest"]["US"] = (
    (_near(_US_AUTHORITY, _US_COERCIVE, 6), _part(latin=_US_CONDITION)),  # screened on the coercive act
    (_near(_US_HANDOVER, _US_POLICE, 4, both_ways=False), _part(latin=_US_CONDITION)),
)
CONCEPTS["content.false_consequence"]["US"] = ((_near(_US_STATUS_ACT, _US_STATUS, 4),),)  # on the status
CONCEPTS["content.third_party_contact"]["US"] = (
    (_near(_US_REACH, _US_THIRD, 3, both_ways=False),),
    (_near(_US_TOLD, _US_THIRD, 6, both_ways=False, reverse=True),),
    (_near(_US_POSSESS, _US_THIRD, 3, both_ways=False), _part(latin=_US_CONTACT_OF)),  # on the third party
)
_US_CARRIER = (
    "parcel|parcels|package|packages|shipment|delivery|courier|usps|ups driver|ups delivery|fedex|dhl|"
    "post office|mail carrier"
)
_US_LURE = (
    "missed|failed|held at|on hold at|undeliverable|redeliver|redelivery|reschedule|fee|customs|"
    "could not be delivered|could not deliver|delivery attempt|attempted|unclaimed|confirm your address|"
    "on hold due|held due|held pending|on hold pending|unpaid balance|balance due|"
    "address confirmation|release|claim"
)
_US_RESULTS = "test results|lab results|medical results|important results|your results|biopsy results"
_US_URGENT = "right away|immediately|urgent|urgently|asap|as soon as possible|today|call|contact"
CONCEPTS["content.pretext"] = {
    "CN": (
        (
            _part(
                cjk_patterns=(
                    "(快递|包裹|邮件|邮包|快件|物流|顺丰|ems|中通|圆通|韵达|申通|京东物流)(.{0,5})"
                    "(异常|丢失|理赔|未签收|未领取|待签收|待领取|滞留|退回|无法派送|派送失败|破损|扣留|暂扣|"
                    "扣押|"
                    "冻结|拦截|海关|违禁)",
                )
            ),
        ),
    ),
    "US": ((_near(_US_LURE, _US_CARRIER, 4),), (_near(_US_URGENT, _US_RESULTS, 6),)),
}
# Claiming to be, or to speak for, an authority: "this is Deputy Ruiz", "on behalf of the court".
_US_CLAIM = (
    "this is|this message is from|this notice is from|on behalf of|acting for|here on behalf of|"
    "calling from|writing from|sent by|issued by|asked us|asked us to|instructed us|told us to|"
    "working with|requested that we|has asked|have asked|"
    "we are|i am|i m|we re|in cooperation with|working with|works with|authorized by|instructed by|"
    "at the request of|referred to|referred by|assigned by"
)
CONCEPTS["content.impersonation"] = {
    "CN": (
        (
            _part(
                cjk_patterns=(
                    "(我是|我们是|这里是|本人是|本短信由|本通知由|受|代表|以|联合|会同|协同|配合|委托)"
                    f".{{0,6}}({_CN_POLICE}|{_CN_COURT})",
                )
            ),
        ),
        # an authority said to act on the debt, unless the text reports the creditor's own suit or
        # mediation ("我司已向…人民法院提起诉讼，法院已立案受理，案号…")
        (
            _part(
                cjk_patterns=(
                    f"({_CN_POLICE}|{_CN_COURT}).{{0,4}}"
                    "(通知你|通知您|提醒你|提醒您|警告|发来|已立案|已介入|已备案|已出具|已签发|已下发|"
                    "电子送达|正式送达|传唤|协查|建档|备案)",
                )
            ),
            Clause(
                "(我司|我行|本行|本公司|我公司|债权人|银行|公司|小贷|金融)[^。！？!?]{0,24}(提起诉讼|起诉|申请诉前调解|"
                "申请调解|申请支付令|申请仲裁)|案号|调解协议|调解书|司法确认|诉前调解|应诉|答辩|异议|申请阅卷|"
                "缺席判决|支付令已生效",
                absent=True,
            ),
        ),
    ),
    "US": ((_near(_US_CLAIM, _US_AUTHORITY, 3, both_ways=False),),),
}
CONCEPTS["personal_data.terms"] = {
    "US": (
        (
            Clause(
                "born (?:on )?[0-9]{1,2}[/-][0-9]{1,2}[/-][0-9]{2,4}|birth ?date|(?:^|"
                "[^a-z])d\\.?o\\.?b\\.?(?:[^a-z]|$)"
            ),
        ),
    ),
}
CONCEPTS["content.private_channel"]["US"] = (
    (_part(latin=_US_CHANNEL),),
    # a cash tag ($name) is a person's Cash App account
    # (not the "$" of a word in leetspeak: "p@$$w0rd", "a$k")
    (Clause("(?:^|[^a-z0-9@$€|!])\\$[a-z][a-z0-9_\\-]{2,}(?:[^a-z0-9@$€|!]|$)"),),
)
CONCEPTS["content.time_barred_threat"]["US"] = (
    # the time bar is often stated in a clause that is then contradicted ("although … , we will sue"),
    # so it is looked for on the unmasked text; the threat of suit must survive the masking
    (Clause("(?:" + _US_TIME_BARRED.replace(" ", "[^a-z0-9]+") + ")"), _part(latin=_US_SUIT)),
)
# An opt-out instruction of any wording (Reg F 12 CFR 1006.6(e) wants one in every text a debt
# collector sends; CTIA's guidelines in every recurring programme): a reply keyword or an opt-out.
# Its absence is ``content.opt_out_missing`` (rules.py), checked in content scope.
# A text that confirms an opt-out needs none ("You've opted out; no more texts", "Se ha dado de baja").
US_OPT_OUT_CONFIRMED = (
    "opted out|(?:have|ve|has|been) (?:been )?unsubscribed|stop received|no more (?:texts|txts|msgs|"
    "messages)|"
    "no further (?:texts|messages)|(?:no longer|not) (?:text|message|contact) you|(?:won ?t|will not) "
    "(?:get|receive) (?:any )?more (?:texts|messages)|last text|opt[ -]?out (?:is )?confirmed|"
    "request is processed|only contact you by|se ha dado de baja|no recibir[aá]|reply start|text start"
)
US_ANY_OPT_OUT = (
    "(?:repl(?:y|ying)|text(?:ing)?|txt|send(?:ing)?|respond(?:ing)?|msg|message)(?: with| back)?[ :\"'(]*"
    "(?:stop|end|cancel|quit|unsubscribe|stopall|optout)(?:[^a-z]|$)|opt[ -]?out|unsubscrib|"
    "stop (?:texts|messages|receiving)|no more (?:texts|messages)|"
    "(?:^|[^a-z])stop ?(?:to|=|-|:) ?(?:end|quit|cancel|opt|stop|unsubscribe|halt|no more)|"
    # Spanish, as US collectors write to Spanish speakers ("Responda STOP para cancelar")
    "(?:responda|responde|env[ií]e|mande|escriba|conteste)(?: con)?[ :\"'(]*(?:stop|alto|baja|parar|"
    "cancelar)|para (?:cancelar|no recibir|dejar de recibir|darse de baja)"
)
# The same, on the folded text without separators ("S.T.O.P", "5T0P", "opt\nout" are still an opt-out).
US_ANY_OPT_OUT_STRIPPED = (
    "(?:repl(?:y|ying)|text(?:ing)?|txt|send(?:ing)?|respond(?:ing)?|msg|message)(?:with|back)?"
    "(?:stop|end|cancel|quit|unsubscribe|stopall|optout)|optout|unsubscrib|stoptexts|stopmessages|"
    "stopreceiving|nomoretexts|nomoremessages|stop(?:to|=|-|:)?(?:end|quit|cancel|opt|stop|unsubscribe|halt)|"
    "(?:responda|responde|env[ií]e|mande|escriba|conteste)(?:con)?(?:stop|alto|baja|parar|cancelar)"
)
CONCEPTS["content.opt_out"]["US"] = (
    # STOP turned upside down, or made into a threat
    (
        Clause(
            "(?:stop|opt[ -]?out|unsubscribe)[^.!?\n]{0,6} to (?:confirm|continue|keep|stay|receive|get|"
            "verify|subscribe|opt in|resume|remain)"
        ),
    ),
    (
        Clause(
            "(?:unsubscrib[a-z]*|opting out|opt[ -]?out|repl(?:y|ying) stop|stopp?(?:ing)? (?:texts|messages)"
            "|texting stop)[^.!?\n]{0,40}(?:moves|move|transfers?|sends?|escalat[a-z]*|refers?|forwards?|"
            "results? in|leads? to|triggers?|means|will mean|hands?|at your own risk|will not stop|"
            "won ?t stop)"
            "|at your own risk"
        ),
    ),
    # no opt-out at all, or one that only works after paying
    (
        Clause(
            "(?:no|not let you|cannot|can ?t|not allowed to|no way to|unable to|not able to|won ?t let you) "
            "?opt[ -]?out"
        ),
    ),
    (
        Clause(
            "(?:stop|opt[ -]?out|unsubscribe|removal)[a-z ]{0,24}(?:are |is |will be |get |gets )?"
            "(?:ignored|not accepted|not honou?red|not processed|processed (?:only )?(?:after|once|when)|"
            "only (?:once|after|when)|all you want|won ?t work|will not work|doesn ?t work|does not work)"
        ),
    ),
    (
        Clause(
            "(?:texts|messages|reminders|notices|we ?ll|we will|they ?ll)[a-z ]{0,15}"
            "(?:continue|keep (?:coming|messaging|texting|sending)|stop only)[^.!?]{0,30}(?:until|once|"
            "unless) "
            "(?:you|your|the|it|this|paid)"
        ),
        Clause('(?:repl(?:y|ying)|text(?:ing)?|send(?:ing)?|respond(?:ing)?)(?: with)? ?"?stop', absent=True),
    ),
    (
        Clause(
            "opt[ -]?out[^.!?]{0,20}\\$ ?[0-9]|\\$ ?[0-9.]+ (?:per|for each|for every|for an?) opt[ -]?out"
        ),
    ),
    # an opt-out that needs another channel, a visit, a letter or a payment, in the same sentence
    (
        Clause(
            "(?:opt[ -]?out|unsubscribe|stop (?:these |receiving |all |future )?(?:messages|texts|alerts|sms)"
            "|(?:end|cancel|quit) (?:these |all |future )?(?:messages|texts|alerts|reminders)"
            "|be removed|removal|stop by)[^.!?\\n]{0,40}?"
            "(?:^|[^a-z])(?:" + _US_OPT_OUT_BURDEN + ")(?:[^a-z]|$)"
        ),
        # a reply keyword that works makes the rest an extra channel, not a barrier
        Clause('(?:repl(?:y|ying)|text(?:ing)?|send(?:ing)?|respond(?:ing)?)(?: with)? ?"?stop', absent=True),
    ),
    (
        Clause(
            "(?:repl(?:y|ying)|text(?:ing)?|send(?:ing)?) ?stop[^.!?\\n]{0,20}"
            "(?:will not|won ?t|does not|doesn ?t|is not|isn ?t|cannot|can ?t|not) "
            "(?:work|be accepted|accepted|stop|valid|be honou?red|honou?red|apply)"
        ),
    ),
)


def _extend(rule_id: str, profile: str, *concepts: Concept) -> None:
    """Add ``concepts`` to the rule's concepts in ``profile`` (the rounds below each add some)."""
    CONCEPTS.setdefault(rule_id, {})[profile] = (*CONCEPTS.get(rule_id, {}).get(profile, ()), *concepts)


# ---- English, second round: the same ideas in the words people write when they avoid the list ----

# A fee or interest that grows, recurs or is added by the collector ("a $9.99 'convenience' charge
# added by our office", "3% per week", "your balance doubles"). A fee the agreement provides for is
# lawful, so a sentence that cites the agreement or the law is left alone.
_US_FEE = "fee|fees|charge|charges|surcharge|surcharges|penalty|penalties"
# what names a fee the agreement does not ("enrollment fee", "'convenience' charge")
_US_FEE_KIND = (
    "enrollment|setup|set up|activation|processing|handling|convenience|administration|administrative|"
    "admin|recovery|collection|desk|visit|courier|paperwork|release|reactivation|restructuring|"
    "payment plan|plan|service|rush|expedite|expedited|same day|overnight|phone payment|pay by phone|"
    "online payment|card payment|transaction|one time|text|texting|reminder|outreach|field|agent|"
    "collector|settlement|account closure|closure|unlock|reinstatement|reopening|file reopening|reopen|"
    "trouble|ignoring|ignored|punishment|document|documentation|inconvenience|chasing|tracking"
)
# what makes a fee or interest grow or recur
_US_FEE_GROWS = (
    "added|adds|gets added|applied|assessed|imposed|tacked on|accruing|accrues|kicks in|per day|"
    "per week|per hour|each day|each week|every day|every week|every hour|daily|weekly|hourly|"
    "at midnight|doubles|doubled|double|triples|tripled|triple"
)
_US_INTEREST = "interest|penalty|penalties|late charges|charges"
_US_RECURS = "per day|per week|a day|a week|each day|each week|every day|every week|daily|weekly|hourly"
_US_GROWS = "doubles|doubled|double|doubling|triples|tripled|triple|tripling"
_US_AMOUNT = "balance|amount|debt|what you owe|the total|your total|the bill|your bill|payoff|it"
_US_AGREED = (
    "(?:tariff|ordinance|late payment (?:charge|fee)|\\$ ?0(?:\\.00)?(?:[^0-9.,]|$)|fee waived|waived|: none|"
    "agreement|contract|terms|as agreed|as disclosed|disclosed|permitted by law|allowed by law|"
    "state law|under your|per your|cardholder|promissory note|waive|waived|late (?:fee|charge)|"
    "returned (?:payment|check) fee|nsf)"
)
CONCEPTS["content.invented_fee"]["US"] = (
    (_near(_US_FEE_KIND, _US_FEE, 1, both_ways=False), Clause(_US_AGREED, absent=True)),
    (_near(_US_FEE, _US_FEE_GROWS, 4, both_ways=False), Clause(_US_AGREED, absent=True)),
    (_near(_US_INTEREST, _US_RECURS, 4, both_ways=False), Clause(_US_AGREED, absent=True)),
    (_near(_US_AMOUNT, _US_GROWS, 2, both_ways=False),),
)

# Borrowing elsewhere to pay: a loan, an advance, a card, a relative's money.
_US_BORROW_VERB = (
    "take out|took out|taking out|apply for|applying for|request|requesting|get|getting|grab|"
    "sign up for|open|opening|borrow|borrowing|ask for|use"
)
_US_BORROW_THING = (
    "payday loan|payday advance|paycheck advance|quick loan|quick online loan|online loan|personal loan|"
    "title loan|cash advance|another loan|another card|second loan|new loan|new card|new credit card|"
    "line of credit|a loan|loan app|money from your|cash from your|from friends|from family|"
    "from your family|from relatives|from your parents|advance on your"
)
_US_TO_PAY = (
    "to pay|to settle|to cover|to clear|to pay off|and pay|and settle|then pay|pay us|settle with us|"
    "settle today|pay the|pay this|pay it|pay off"
)
CONCEPTS["content.new_borrowing"]["US"] = (
    (_near(_US_BORROW_VERB, _US_BORROW_THING, 2, both_ways=False), _part(latin=_US_TO_PAY)),
)

# A message written to someone else about the debtor: "you're listed as a reference for…", "please
# have him call", "she owes…". A debt collector may only ask a third party for location information,
# never say that a debt exists (15 U.S.C. 1692b, 12 CFR 1006.10).
_US_RELAY = (
    "(?:^|[^a-z])(?:have|ask|tell|remind|let|get|urge|help) (?:him|her|them|your (?:son|daughter|"
    "husband|wife|mother|father|mom|dad|brother|sister|friend|tenant|employee)) (?:to )?"
    "(?:call|contact|pay|settle|get in touch|reach out|know|return|respond|clear|take care)"
)
_US_THIRD_PERSON_DEBT = (
    "(?:^|[^a-z])(?:he|she|they|his|her|their) (?:owes?|is behind|are behind|has an? (?:unpaid|past due|"
    "overdue|outstanding)|(?:unpaid|past due|past-due|overdue|outstanding|delinquent) (?:bill|balance|"
    "debt|loan|account|rent|payments?))"
)
_US_LISTED = (
    "(?:you(?: are| re|'re| were| have been)|you've been) (?:listed|named|given|put down) as (?:a |an |the "
    "|their |his |her )?(?:personal |emergency |job |work )?(?:reference|contact|co-?signer)"
)
_extend(
    "content.third_party_contact",
    "US",
    (Clause(_US_LISTED),),
    (Clause(_US_RELAY), Clause(_US_THIRD_PERSON_DEBT + "|owes?|owed|unpaid|past due|behind on|balance")),
    (
        Clause(_US_THIRD_PERSON_DEBT),
        Clause("(?:^|[^a-z])(?:call|contact|pay|reach) us|let (?:him|her|them) know"),
    ),
)

# Jail as the debtor's own fate, no authority named: "you are going to jail if…", "j@il time risk".
_US_JAIL = (
    "jail|jail time|prison|prison time|behind bars|locked up|lock you up|arrested|arrest|handcuffs|"
    "handcuffed|custody|criminal charges|criminal complaint|criminal case|criminal prosecution|"
    "criminal record|charged with|charges filed|charges pressed|press charges|pressing charges|"
    "warrant|warrants|bench warrant|police report|theft of services|check fraud|theft by deception|"
    "fraud charges|booked|mugshot|detained|detention"
)
_US_YOU = (
    "you|you re|you are|you will|you ll|you could|you may|you might|your|going to|facing|face|risk|"
    "risking|heading for|headed for|end up in|step from|away from|being reviewed for|reviewed for|"
    "preparing|prepare|filing|file|filed|requested|request|issued|issue|draft|drafted"
)
_extend(
    "content.threat_arrest",
    "US",
    (_near(_US_YOU, _US_JAIL, 3), _part(latin=_US_CONDITION)),
)

# Reporting to an agency that has no part in a consumer debt, or a seizure no court ordered.
_US_AGENCY = (
    "ice|dhs|uscis|immigration|homeland security|border patrol|customs|state department|state dept|"
    "passport office|dmv|motor vehicles|licensing board|nursing board|social security administration|"
    "ssa|irs|treasury|your consulate|embassy"
)
_US_REPORT = (
    "reported to|report you to|report to|sent to|send to|shared with|share with|forwarded to|"
    "referred to|notify|notified|alert|alerted|a call|gets a call|get a call|call|contact|flagged with|"
    "flag you with|tip off|tipped off"
)
_US_SEIZE = (
    "seize|seized|seizing|take your|taken by|taking your|freeze|freezing|frozen|garnish|garnished|"
    "garnishing|levy|levied|empty|emptied|drain|drained|intercept|intercepted|withhold|withheld|"
    "auction|auctioned|foreclose|foreclosed|foreclosure|towed|tow|sold off|put up for sale|"
    "hold any|hold your|hold all|told to hold|freeze any|block any"
)
_US_ASSET = (
    "social security|benefits|tax refund|refund|bank account|bank accounts|every account|all your accounts|"
    "paycheck|paychecks|wages|your pay|house|home|property|belongings|furniture|savings|pension|"
    "retirement|stimulus|deposit|deposits|direct deposit|paycheck deposit"
)
_US_COURT_ORDERED = (
    "(?:judgment|judgement|court order|if (?:the|a) court|after (?:a|the) court|lawsuit is won|"
    "contract|agreement|security interest|lien|as permitted|mortgage terms)"
)
_extend(
    "content.false_consequence",
    "US",
    (_near(_US_REPORT, _US_AGENCY, 3),),
    (_near(_US_SEIZE, _US_ASSET, 3), _part(latin=_US_CONDITION), Clause(_US_COURT_ORDERED, absent=True)),
)

# Fees that grow with time, and charges asked for first ("every day of delay adds $15", "the plan
# costs $60 upfront", "a $40 document fee first").
_US_EVERY = "every day|each day|per day|daily|every week|each week|per week|weekly|every hour|each hour"
_US_ADDS = "adds|add|added|is added|gets added|increase|increases|goes up|grows|accrues|costs"
_US_UPFRONT = "upfront|up front|first|in advance|before we|before the|to start|to enroll|to set up"
_extend(
    "content.invented_fee",
    "US",
    (_near(_US_EVERY, _US_ADDS, 4, both_ways=False), Clause(_US_AGREED, absent=True)),
    (
        _near("costs|cost|requires|require|needs|fee|fees|charge|deposit", _US_UPFRONT, 3, both_ways=False),
        Clause("(?:plan|settlement|arrangement|enrol|document|paperwork|offer|program)"),
        Clause(_US_AGREED, absent=True),
    ),
)
_extend(
    "content.new_borrowing",
    "US",
    (
        _part(
            latin="heloc|second mortgage|home equity loan|home equity line|front you cash|cash against your "
            "next paycheck|payday|paycheck advance|title loan|pawn|pawn shop|cash advance app|advance app"
        ),
        _part(
            latin=_US_TO_PAY + "|take care of this|cover this|cover the|will cover|would cover|use one|"
            "pay us|today|right now"
        ),
    ),
)
# Arrest in other words: held without bail, officers who "collect" you, a capias.
_extend(
    "content.threat_arrest",
    "US",
    (
        _part(
            latin="without bail|held without bail|no bail|capias|body attachment|writ of arrest|"
            "collect you|come get you|come for you|pick you up|take you away|hand it to investigators|"
            "hand it to the police|proof of intent to defraud|intent to defraud|reporting it as theft|"
            "report it as theft|is theft|as theft|theft by|criminal intent"
        ),
    ),
)
# Menace and insults in other words.
_extend(
    "content.intimidation",
    "US",
    *(
        (
            _part(
                latin="accidents happen|accident could happen|hurt your|harm your|get violent|violent|"
                "violence|watch your back|know your schedule|knows your schedule|think about your kids|"
                "think about them|"
                "you have kids|grow a spine|disgust|disgusting|pathetic|loser|scum|lowlife|low life|"
                "shame on you|liar|thief|crook|idiot|stupid|deadbeat|moron|coward|spineless|bad things|"
                "something bad|hope you can sleep|sleep at night|your family will pay|pay for this"
            ),
        ),
    ),
)
# An opt-out with conditions: "available only to customers who are current", "STOP doesn't count".
_extend(
    "content.opt_out",
    "US",
    (
        Clause(
            "(?:opt[ -]?out|unsubscrib[a-z]*|stop(?:ping)? (?:texts|messages))[^.!?\n]{0,30}"
            "(?:only|unless|except)"
        ),
    ),
    (
        Clause(
            "(?:stop|replies|replying|texting stop|reply stop)[^.!?\n]{0,20}(?:don ?t|do not|doesn ?t|"
            "does not|won ?t|will not) (?:count|work|apply|stop)"
        ),
    ),
)

_extend(
    "content.invented_fee",
    "US",
    (
        _near(
            "charging you|charge you|charged you|billing you|bill you|adding|we ll add|we will add",
            "extra|additional|more|for our trouble|for the trouble|for ignoring|for the calls",
            3,
            both_ways=False,
        ),
        Clause(_US_AGREED, absent=True),
    ),
)
# Made public: a board, a group, the neighbourhood, social media.
_US_PUBLISH = (
    "post|posted|posting|display|displayed|publish|published|list|listed|share|shared|announce|"
    "announced|put up|hang|hung|print|printed|pin|pinned|broadcast"
)
_US_PUBLIC = (
    "community board|bulletin board|notice board|for all residents|for everyone to see|for all to see|"
    "social media|facebook|instagram|tiktok|twitter|nextdoor|your church|your neighborhood|"
    "the neighborhood|the lobby|the building|public list|wall of shame|our website|online|the internet"
)
_extend("content.public_shaming", "US", *((_near(_US_PUBLISH, _US_PUBLIC, 6),),))
_extend(
    "content.impersonation",
    "US",
    (
        _part(
            latin="you have been served|you ve been served|you are hereby served|hereby summoned|"
            "this text is legal notice|this message is legal notice|serves as legal notice|"
            "text serves as notice|served by text|served by this text|served via text"
        ),
    ),
)
_extend(
    "content.intimidation",
    "US",
    (
        Clause(
            # a starred word only when the stars end it or a known ending does ("f***", "f*ing", not
            # "f*r*o*m" with every letter starred)
            "(?:^|[^a-z])(?:f[u*@#]{1,3}c?k|f[*#]+(?:ing|in|ed|er)?(?:[^a-z*#]|$)|sh[i*!]t|b[i*!]tch|"
            "a[s$*]{2}hole|d[a*]mn|crap)(?:[a-z]*)"
        ),
    ),
    (
        _part(
            latin="what kind of parent|kind of person|deserve better than you|ashamed of you|embarrassment|"
            "you should be ashamed|get very uncomfortable|get uncomfortable|uncomfortable for you|"
            "really bad idea|bad idea|very bad idea|you ll be sorry|you will be sorry|last warning"
        ),
    ),
)

# Asking for a one-time code: a lender's own code SMS says never to share it.
_extend(
    "content.pretext",
    "CN",
    (
        _part(
            cjk_patterns=(
                "(索要|提供|告知|发送|回复|报给|发给|告诉|转发|截图给|念给)(我|我们|客服|专员|工作人员|业务员|本人)?"
                ".{0,4}(验证码|动态码|校验码|短信码)",
                "(验证码|动态码|校验码)(发|报|告诉|回复|转发)(给)?(我|我们|客服|专员)",
            )
        ),
    ),
)

# "转到我的卡上": the collector's own card, not the menu path "App-我的-银行卡".
_extend(
    "content.private_channel",
    "CN",
    (
        _part(
            cjk_patterns=(
                "(转|打|汇|存|付|还)(钱|款)?(到|至|进|入|给)(我|本人)的?(银行卡|卡|账户|账号|卡上)",
            )
        ),
    ),
)

# ---- English, third round: paraphrases by legal category (Reg F 1006.18, FDCPA 1692e/f) ----------

# Money added in other words: "we'll tack on another $75 for our time", "plus 15% collection costs".
_US_AGREED_CLAUSE = Clause(_US_AGREED, absent=True)
_extend(
    "content.invented_fee",
    "US",
    (
        Clause(
            "(?:add|adds|adding|added|tack(?:s|ing|ed)? on|slap(?:s|ping|ped)? on|charg(?:e|es|ing) you|"
            "bill(?:s|ing)? you|increase|raise|bump|plus)[^.!?\\n]{0,25}(?:\\$ ?[0-9]|[0-9]+ ?%)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
    (
        Clause(
            "(?:extra|additional|another) \\$ ?[0-9][0-9,.]* (?:for|to cover|charge|fee|cost|penalty)|"
            "[0-9]+ ?% (?:collection|surcharge|penalty|fee|charge|added|extra|on top)|"
            "for our (?:time|trouble|effort|efforts|costs|expenses)|cover our (?:costs|expenses|time)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
)

# Consequences a consumer debt does not have, in the words of people who threaten them.
_US_FAMILY = "spouse|wife|husband|children|kids|family|parents|son|daughter|relatives|your estate|heirs"
_US_LIABLE = (
    "liable|responsible for|inherit|inherits|will owe|will have to pay|on the hook|have to pay it|"
    "pay it for you|pay this for you|pay your debt|take over the debt|be billed"
)
_US_GARNISH = (
    "garnish|garnished|garnishing|garnishment|deduct from your pay|take it from your paycheck|"
    "payroll deduction"
)
_US_SOON = (
    "tomorrow|today|tonight|this week|next paycheck|immediately|starting monday|this friday|by friday|"
    "right away|within 24 hours|within 48 hours|next week"
)
_extend(
    "content.false_consequence",
    "US",
    (_near(_US_LIABLE, _US_FAMILY, 4),),
    (_near(_US_SOON, _US_GARNISH, 6), Clause(_US_COURT_ORDERED, absent=True)),
    (
        _part(
            latin="credit ruined forever|ruin your credit forever|never get credit again|never get a loan|"
            "never be approved|national blacklist|debtor registry|national debtor|credit score to zero|"
            "score will drop to zero|follow you forever|for the rest of your life|lifetime ban|"
            "banned from banking|banned from every bank|take your kids|take your children|"
            "custody of your kids|custody of your children|lose your kids|lose your children|"
            "lose custody|voting rights|right to vote|never rent again|evicted today|evicted tomorrow"
        ),
    ),
)

# A pretext: a prize, a refund, a parcel or a summons for jury duty, to make the debtor call.
_US_LURE2 = (
    "you won|you ve won|winner|prize|reward|sweepstakes|lottery|unclaimed|inheritance|class action|"
    "settlement check|free gift|claim your|jury duty|survey|rebate|cash back|bonus|voucher"
)
_US_CTA = "call|reply|text|click|contact|confirm|verify|claim|collect|respond|visit"
_US_ASKS_DATA = (
    "reply with|send us|send your|text us|provide|confirm your|verify your|give us|share your|tell us|"
    "enter your|type your|what is your|what s your|we need your|update your"
)
_US_SECRET = (
    "social|ssn|social security number|date of birth|dob|birthday|pin|password|passcode|login|username|"
    "security code|cvv|card number|account number|routing number|bank details|banking details|"
    "online banking|maiden name|security question|security answer|full card|front and back|"
    "photo of your|selfie|license number|id number|verification code|one time code|code we sent|"
    "the code|bank info|bank information|debit card number|credit card number"
)
_extend(
    "content.pretext",
    "US",
    (_near(_US_CTA, _US_LURE2, 8),),
)
_extend(
    "personal_data.terms",
    "US",
    (_near(_US_ASKS_DATA, _US_SECRET, 4, both_ways=False),),
)

# Made public, in other words.
_extend(
    "content.public_shaming",
    "US",
    (
        _part(
            latin="everyone will know|the whole town|your neighbors will see|your neighbours will see|"
            "put your picture|your photo on|wanted poster|list of debtors|debtor list|hall of shame|"
            "name and shame|expose you|exposing you|let everyone know|tell the world|tell everyone|"
            "everyone you know will|your name in the paper|in the newspaper|public notice of your debt"
        ),
    ),
)

# Old debt, in other words.
_extend(
    "content.time_barred_threat",
    "US",
    (
        Clause(
            "(?:old|older|aged|ancient|decade old|years old) (?:debt|account|balance|loan)|"
            "past the time|legal deadline|outside the time|no longer (?:collectible|enforceable)|"
            "can no longer be enforced|expired (?:debt|account)"
        ),
        _part(latin=_US_SUIT),
        Clause("(?:but|however|yet|still|anyway|regardless|even so|nevertheless|unless)"),
    ),
)

# Borrowing from someone else.
_extend(
    "content.new_borrowing",
    "US",
    (
        _part(
            latin="lend you|loan you the money|loan you|spot you|front you|borrow it|get the money from|"
            "ask someone for|ask a friend|ask family|ask your family|ask your parents|ask your friends|"
            "take a loan|take out a loan|put it on a credit card|put it on your credit card|"
            "charge it to a credit card|refinance|401k loan|sell something|sell your|"
            "get an advance|paycheck advance|wage advance|borrow"
        ),
    ),
)

# Opt-outs by channels that cost effort.
_extend(
    "content.opt_out",
    "US",
    (
        Clause(
            "(?:opt[ -]?out|unsubscribe|stop (?:these |receiving |all |future )?"
            "(?:messages|texts|alerts|sms)|(?:end|cancel|quit) (?:these |all |future )?"
            "(?:messages|texts|alerts|reminders)|be removed|removal)[^.!?\\n]{0,40}?"
            "(?:^|[^a-z])(?:email|e-mail|write to|send a letter|certified|call us|"
            "call our|calling|phone us|business hours|takes? [0-9]+ (?:days|weeks)|"
            "allow [0-9]+ (?:days|weeks))"
        ),
        Clause('(?:repl(?:y|ying)|text(?:ing)?|send(?:ing)?|respond(?:ing)?)(?: with)? ?"?stop', absent=True),
    ),
)

# A lender's own product is a creditor ("您在借呗的借款"); using one to pay another is new borrowing.
_extend(
    "content.new_borrowing",
    "CN",
    (
        _part(
            cjk_patterns=(
                "(用|去|到|开通|申请|从|找|上)(借呗|花呗|微粒贷|网贷|速借|闪电借|京东白条|白条|美团借钱|放心借)"
                ".{0,6}(借|贷|套|还|周转|取现|提现)",
            )
        ),
    ),
)

# ---- English, fourth round ------------------------------------------------------------------------

# A status lost over a debt, on a condition ("unless paid today your visa will be revoked"). A
# creditor's own service (insurance, phone, power, a lease) may lawfully end; these may not.
_US_STATUS_LOST = (
    "job|your job|your position|employment|security clearance|clearance|visa|green card|license|licence|"
    "licenses|passport|benefits|social security|medicaid|medicare|snap|food stamps|disability|"
    "unemployment|kids|children|custody|citizenship|residency|work permit|your status"
)
_US_LOSE = (
    "lose|losing|lost|fired|terminated|let go|suspended|revoked|cancelled|canceled|denied|blocked|"
    "banned|cut off|taken away|stopped|ended|frozen|pulled|refused|rejected|flagged|reported"
)
_extend(
    "content.false_consequence",
    "US",
    (_near(_US_LOSE, _US_STATUS_LOST, 4), _part(latin=_US_CONDITION)),
)
_extend(
    "content.invented_fee",
    "US",
    # a charge for every reminder, call or letter
    (
        Clause(
            "(?:charge|charged|cost|costs|fee|fees|bill|billed|\\$ ?[0-9][0-9.,]*)[^.!?\\n]{0,25}"
            "(?:for each|per|for every|every|each) (?:reminder|text|message|call|letter|notice|attempt|"
            "visit|contact|email|day late|late day)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
    # paying to pay
    (
        Clause(
            "(?:charge|charges|charged|cost|costs|fee|fees|extra)[^.!?\\n]{0,30}(?:by phone|over the phone|"
            "online|by card|with a card|by debit|by credit|to pay|for paying|per payment|each payment|"
            "every payment|to take (?:a |your )?payment)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
    (_near(_US_AMOUNT, "go up|goes up|will rise|rises|increase by|increases by|climb|climbs|jump|jumps", 3),),
)
_extend(
    "content.pretext",
    "US",
    (
        _part(
            latin="urgent personal matter|personal business matter|important personal matter|"
            "family emergency|regarding a family member|legal documents for you|legal papers for you|"
            "package for you|delivery for you|envelope for you|documents for you|something for you|"
            "you have been selected|you were selected|you qualify for|you ve been chosen"
        ),
    ),
)
_extend(
    "content.public_shaming",
    "US",
    (
        _part(
            latin="people who don t pay|people who won t pay|people who don t pay their bills|deadbeats list|"
            "bad debtors|bad payers|non payers|list of deadbeats|deadbeat list"
        ),
    ),
)
_extend(
    "content.private_channel",
    "US",
    (
        _part(
            latin="qr code|scan this|scan the code|in cash when|cash to the agent|cash to our agent|"
            "meet our agent"
        ),
    ),
    (Clause("(?:transfer|wire|deposit|send|move)[^.!?\\n]{0,30}(?:account|acct)[^.!?\\n]{0,12}[0-9]{6,}"),),
)

# A text that opens as if sent by an authority ("Message from the county courthouse: appear or pay"),
# not one that says a notice from the court will follow.
_extend(
    "content.impersonation",
    "US",
    (
        Clause(
            "^[^a-z]*(?:[a-z0-9&'. -]{0,40}[:|-] ?)?"
            "(?:(?:official )?(?:message|notice|msg|alert|update|text) from )?(?:the )?"
            "(?:county |state |federal |district |superior |municipal |city |us |u\\.s\\. )?"
            "(?:court|courthouse|sheriff|police|attorney general|district attorney|irs|clerk|court clerk|"
            "marshal|(?:debt |tax )?(?:recovery|enforcement|collections?) (?:office|bureau|agency|division|"
            "unit))[a-z ]{0,30}:"
        ),
    ),
)

# ---- Chinese, second round --------------------------------------------------------------------------

# Asking for what only the customer should hold: passwords, card photos, face video, ID photos.
_extend(
    "personal_data.terms",
    "CN",
    (
        _part(
            cjk_patterns=(
                "(提供|发送|上传|拍|拍摄|发|回复|告知|报|录制|截图)(一下|一张|一段)?(您的|你的|本人)?"
                "(身份证(正反面|照片|原件|复印件|号码)|银行卡(照片|正反面|密码)|人脸|刷脸|手持|自拍|"
                "密码|支付密码|交易密码|登录密码|网银|u盾|cvv|安全码|卡背|有效期)",
            )
        ),
    ),
)
# An opt-out refused to debtors, or answered by an escalation.
_extend(
    "content.opt_out",
    "CN",
    (
        Clause(
            "(逾期|欠款|未结清|催收)(客户|用户|期间|账户)?[^。！？!?；;\\n]{0,10}"
            "(不能|不可|无法|不得|不适用|不支持|不予|不接受)[^。！？!?；;\\n]{0,4}退订"
        ),
    ),
    (
        Clause(
            "(退订|回复?[ ]?(td|t))[^。！？!?；;\\n]{0,12}(后|即视为|视为|将)[^。！？!?；;\\n]{0,10}"
            "(上门|加重|升级|转交|移交|转入|停止协商|取消减免|起诉|外访|通知(家人|单位|联系人))"
        ),
    ),
    (Clause("(继续|仍将|仍会|照常)(每日|每天)?(提醒|发送|催收|联系)[^。！？!?；;\\n]{0,8}(直至|直到|除非)"),),
)
# Paying a named employee of the lender: "用支付宝转给“天顺财务-刘会计”".
_extend(
    "content.private_channel",
    "CN",
    (
        _part(
            cjk_patterns=(
                "(转|打|汇|付)(款|钱)?(给|到|至|入).{0,6}(财务|会计|出纳|经理|专员|主管|业务员|催收员|老师|法务|"
                "同事|负责人)",
            )
        ),
    ),
)

# A court paper said to exist against the reader, in a text from the collector: only the court serves it.
_extend(
    "content.impersonation",
    "US",
    (
        _part(
            latin="court summons|summons has been issued|summons issued|summons is pending|summons pending|"
            "summons in your name|summons against you|subpoena has been issued|subpoena issued|"
            "you have been summoned|you are summoned|court summons issued"
        ),
    ),
)
# A government body said to act on this debt (15 U.S.C. 1692e(1)): "the IRS has been notified".
_extend(
    "content.impersonation",
    "US",
    (
        _near(
            "sheriff|sheriff s office|irs|fbi|police|marshal|marshals|state police|attorney general|"
            "district attorney|department of justice|treasury",
            "will serve|has been notified|have been notified|is involved|are involved|will contact|"
            "will visit|has your file|have your file|will be notified|is aware|are aware|is handling|"
            "are handling|has been informed|have been informed",
            3,
            both_ways=False,
        ),
    ),
)

# ---- English, fifth round: what the second held-out set's writers found (by legal category) -------

# Time-barred in short and in other words ("SOL ran in 2019", "past the limitations period").
_extend(
    "content.time_barred_threat",
    "US",
    (
        Clause(
            "(?:^|[^a-z])sol(?:[^a-z]|$)[^.!?\\n]{0,30}(?:expired|ran|run|passed|lapsed|up)|"
            "(?:beyond|past|outside|after) (?:the )?(?:limitations?|statute|legal time)|"
            "(?:limitations?|statute)(?: period| window| clock)? (?:has |have )?(?:run|expired|passed|lapsed|"
            "ended|closed|elapsed)"
        ),
        _part(latin=_US_SUIT + "|civil action|court action|legal proceedings|judgment against you"),
    ),
)
# A seizure of pay or accounts said to need no court (15 U.S.C. 1692e(4)): "no court date needed".
_US_NO_COURT = (
    "(?:no|without(?: a| any)?|doesn ?t need (?:a|any)|don ?t need (?:a|any)) (?:court|judge|judgment|"
    "judgement|hearing|lawsuit|trial)"
)
_extend(
    "content.false_consequence",
    "US",
    (
        Clause(_US_NO_COURT),
        _part(
            latin=_US_GARNISH
            + "|paycheck|paychecks|wages|your pay|bank account|bank accounts|tax refund|seize|seized|"
            "taken from|take from|freeze|frozen|levy|levied"
        ),
    ),
    (
        _near(
            "taken|deducted|withheld|garnished|docked|pulled",
            "every paycheck|each paycheck|your paycheck|your paychecks|your wages",
            5,
        ),
        _part(latin=_US_CONDITION + "|starting|this pay period|next pay period|no court|no further notice"),
        Clause(_US_COURT_ORDERED, absent=True),
    ),
    # care refused, credit barred for good, a record that follows them
    (
        _part(
            latin="no treatment|no medical care|no care|refuse treatment|refuse care|deny treatment|"
            "deny care|denied care|denied treatment|no appointments|won t be treated|will not be treated|"
            "not be treated|no prescriptions|no more appointments|won t be seen"
        ),
        _part(latin=_US_CONDITION + "|until|balance|bill"),
    ),
    (
        Clause(
            "never (?:again )?(?:be able to )?(?:finance|borrow|get (?:a |any )?(?:loan|credit|car|mortgage|"
            "apartment|job|card)|rent|be hired|be approved|qualify)[^.!?\\n]{0,40}(?:again|anywhere|ever)|"
            "(?:nobody|no one|no bank|no lender|no landlord|no employer|no company) (?:will|would|is going "
            "to)"
            " (?:ever )?(?:hire|rent to|lend|finance|approve|give you)|"
            "(?:show|list|flag|mark|label)s? you as (?:a )?(?:thief|criminal|fraud|deadbeat|felon)",
            masked=True,
        ),
    ),
)
_extend(
    "content.third_party_contact",
    "US",
    (
        _near(
            _US_THIRD,
            "gets a copy|get a copy|gets copies|copied on|cc d on|receives a copy|will receive a copy",
            4,
        ),
    ),
)
# Invented charges in the words people use: "lands on your balance every hour", "$75 onto your
# account for the trouble", "30% has been applied for recovery costs", "your $420 turns into $840",
# "whatever your agreement said no longer applies".
_US_NOT_A_CUT = Clause(
    "(?:discount|off your|savings|save|reduc|forgiv|waiv|credit(?:ed)? to|refund)", absent=True
)
_extend(
    "content.invented_fee",
    "US",
    (
        Clause(
            "(?:\\$ ?[0-9][0-9.,]*|[0-9]+ ?%)[^.!?\\n]{0,40}(?:lands? on|goes on|go on|goes onto|onto|"
            "added to|add(?:ed|s)? on ?to|on top of|tacked)[^.!?\\n]{0,20}(?:balance|account|bill|debt|"
            "total)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
        _US_NOT_A_CUT,
    ),
    (
        Clause(
            "(?:tack|slap|add|put|stick|load|throw)(?:s|ed|ing|ped|ping)? (?:an? )?(?:extra |another )?"
            "\\$ ?[0-9][0-9.,]* (?:onto|on|to)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
        _US_NOT_A_CUT,
    ),
    (
        Clause(
            "[0-9]+ ?%[^.!?\\n]{0,30}(?:applied|added|charged|tacked|imposed)|(?:recovery|collection) costs?",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
        _US_NOT_A_CUT,
    ),
    (
        Clause(
            "\\$ ?[0-9][0-9.,]*[^.!?\\n]{0,20}(?:turns into|turn into|becomes|will become|jumps to|goes up "
            "to|"
            "rises to|grows to|balloons to|doubles to) \\$ ?[1-9]",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
        _US_NOT_A_CUT,
    ),
    (
        Clause(
            "(?:agreement|contract|terms)[a-z ]{0,20}(?:no longer applies|no longer apply|doesn ?t matter|"
            "does not matter|is void|are void|don ?t apply|do not apply)|(?:whatever|regardless of what|"
            "no matter what) (?:your|the) (?:original )?(?:agreement|contract|terms)",
            masked=True,
        ),
    ),
    (
        _near(
            "charge|fee|charges|fees|cost|costs",
            "arrangement|enrollment|enrolment|filing|review|file review|lawyer s|lawyers|attorney s|"
            "attorneys|legal|skip trace|skip tracing|locate|investigation|handling|desk",
            2,
            both_ways=False,
            reverse=True,  # the kind before the fee ("a $49 arrangement charge"); screened on the kinds
        ),
        Clause("(?:added|due|charged|applied|pay|owe|total|balance|today|first)"),
        _US_AGREED_CLAUSE,
    ),
)
# Pretexts: a refund, an estate, a parcel, an old friend or a found wallet, to get an address or a call.
_US_WHERE = (
    "(?:confirm|verify|update|send|text|give|tell|provide|share|with|need)(?: me| us)? your (?:current |new "
    "|home |mailing |work |street )?(?:address|location)|what(?: is|'s| s) your (?:current |new )?address|"
    "where you (?:live|work|are staying)|(?:confirm|verify) (?:you are|you re|that you are) the right person|"
    "(?:verify|confirm) your identity"
)
_extend(
    "content.pretext",
    "US",
    (
        _part(
            latin="owed a refund|refund waiting|unclaimed refund|refund for you|beneficiary|an estate|"
            "inheritance|found your wallet|found your phone|found your keys|your jacket|reconnect|"
            "from high school|from college|from the party|saturday s party|old friend|long time no see|"
            "remember me|drop off your|return your|is this|package addressed|parcel for you|"
            "is holding a|needs a signature|signature required|redelivery|schedule delivery"
        ),
        Clause(_US_WHERE + "|call me|text me|call (?:us )?(?:at )?[0-9(]"),
    ),
    (
        _near(
            "is holding|holding a|needs a signature|signature required|awaiting pickup|redelivery",
            _US_CARRIER,
            6,
        ),
    ),
    (
        _part(
            latin=_US_RESULTS + "|nurse needs|doctor needs|nurse wants|doctor wants|needs to speak with you"
        ),
        _part(latin=_US_URGENT),
    ),
)
# Paying a person: a stablecoin wallet, PayPal Friends & Family, a cash pickup by a named agent.
_extend(
    "content.private_channel",
    "US",
    (
        _part(
            latin="stablecoin|usdc|on chain|onchain|crypto wallet|our wallet|settlement wallet|litecoin|"
            "dogecoin|solana|friends and family|friends family|my own account|to me directly|"
            "directly to me|for pickup|cash pickup|for pick up|field agent|money transfer for|"
            "cash transfer|in my name|under my name"
        ),
    ),
)
# What only the debtor may know, asked for by text: an ATM code, a bank login.
_extend(
    "personal_data.terms",
    "US",
    (
        _part(
            latin="password|passcode|your pin|the pin|pin number|pin code|atm code|atm pin|card pin|login id|"
            "login details|"
            "online banking login|bank login|4 digit code|four digit code|code you use at the atm|cvv|"
            "security code"
        ),
        Clause(
            "(?:text|send|reply|share|provide|give|tell|enter|type|read)(?:ing)?(?: it| them)?(?: back| us| "
            "me)?"
            "(?: with)? (?:the |your |us |me )",
            masked=True,
        ),
    ),
)
# An opt-out answered by a threat, or needing a letter: "replying STOP records you as refusing to
# pay", "send a notarized letter to stop messages".
_extend(
    "content.opt_out",
    "US",
    (
        Clause(
            '(?:repl(?:y|ying) ?(?:with )?"?stop|texting stop|stop (?:requests?|replies))[^.!?\\n]{0,40}'
            "(?:record|records|flag|flags|mark|marks|counts? as|treated as|considered|refus|default|"
            "escalat|legal|collection action|immediate|take [0-9]+ days|takes [0-9]+ days|voids?|forfeit|"
            "lose|loses|cancels? your|reported|reports? you|credit bureau|litigation|lawsuit|priority|"
            "switch to|call(?:ing)? your|billed|charged|fee)",
            masked=True,
        ),
    ),
    (
        Clause(
            "(?:letter|mail|notari[sz]ed|in person|visit|fax|form|office|branch)[^.!?\\n]{0,40}"
            "to (?:stop|end|cancel|opt out|unsubscribe)(?: these| the| all| future)? ?(?:messages|texts|"
            "alerts|sms|reminders)?"
        ),
        Clause('(?:repl(?:y|ying)|text(?:ing)?|send(?:ing)?|respond(?:ing)?)(?: with)? ?"?stop', absent=True),
    ),
)
# Made public: a newsletter, a board by the entrance, a review naming the debtor.
_extend(
    "content.public_shaming",
    "US",
    (
        Clause(
            "(?:post|print|publish|list|name|put|hang|pin|share|display)(?:s|ed|ing)?[^.!?\\n]{0,60}"
            "(?:newsletter|bulletin|the board|notice board|entrance|front window|storefront|lobby|public "
            "review|"
            "review naming|yelp|google review|facebook|nextdoor|group chat|community page|website)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
    (
        _part(
            latin="naming you|name you as|who stiffed|stiffed us|with their balances|up on the board|"
            "on the wall of|go up on|who skipped rent|who don t pay|who stop paying|wall of"
        ),
    ),
)
# Harassment by volume (15 U.S.C. 1692d(5)): "fifty of these a day until you pay".
_extend(
    "content.intimidation",
    "US",
    (
        Clause(
            "(?:[0-9]+|dozens?|ten|twenty|thirty|forty|fifty|hundred|hundreds|a hundred) (?:of these |texts |"
            "calls |messages |reminders )?(?:a|per|every|each) (?:day|hour|night)",
            masked=True,
        ),
        Clause(
            "until (?:you|it|this|the|your)|won ?t let up|will not let up|won ?t stop|non ?stop|"
            "around the clock|all day|all night|every single",
            masked=True,
        ),
    ),
)
# A process server or an attorney who texts in the first person about "your case".
_extend(
    "content.impersonation",
    "US",
    (
        _part(
            latin="serving your papers|process server|serve you papers|hand you court documents|"
            "court documents today|tried to serve you|attempted service|attempt to serve|i m the lawyer|"
            "i am the lawyer|i m the attorney|i am the attorney|this is the attorney|this is the lawyer|"
            "this is your attorney|lawyer assigned to your|attorney assigned to your|attorney handling your|"
            "lawyer handling your"
        ),
    ),
)
# New credit to clear the old: "pre-approved for a fresh $1,500 to pay off your past-due one".
_extend(
    "content.new_borrowing",
    "US",
    (
        _part(latin="pre approved|preapproved|pre qualified|prequalified|a fresh|fresh loan|new loan offer"),
        _part(latin=_US_TO_PAY + "|clear this|clear it|pay off your|pay this off|past due one"),
    ),
    # the rarer part first: the gate screens rows on a concept's first part
    (
        _part(latin="from anyone|from someone|anyone who|whoever|clear this|clear it|and clear|pay us off"),
        _near(_US_BORROW_VERB, "a loan|loan|money|cash", 2, both_ways=False),
    ),
)

# An opt-out answered by contacting someone else ("txt STOP and we'll just call ur job instead").
_extend(
    "content.opt_out",
    "US",
    (
        _near(
            "stop|opt out|unsubscribe",
            "call your job|call your work|call your boss|call your employer|call your family|call your mom|"
            "call your wife|call your husband|call your references|contact your employer|contact your family|"
            "visit your home|visit your work|show up at",
            8,
            both_ways=False,
        ),
    ),
)
# A collector who names itself a public body: "the state collections bureau", "county recovery division".
_extend(
    "content.impersonation",
    "US",
    (
        _part(
            latin="state collections bureau|state collection bureau|state collections agency|state debt "
            "collection|"
            "county collections|county collection department|federal collections|government collections|"
            "bureau of collections|department of collections|division of collections|office of collections|"
            "state recovery unit|federal recovery unit|government recovery|department of revenue collections|"
            "state treasury collections|federal debt collection|national debt recovery|debt enforcement "
            "agency"
        ),
    ),
)

# Opt-outs that cost money or need payment in full ("opting out costs $4.99", "the only opt-out is
# paying in full").
_extend(
    "content.opt_out",
    "US",
    (
        Clause(
            "opt(?:ing)?[ -]?out[^.!?\\n]{0,30}(?:costs?|\\$ ?[0-9]|fee|billed|charged)|"
            "(?:only|sole) (?:way to )?(?:opt[ -]?out|stop (?:the |these )?(?:texts|messages)|unsubscribe|"
            "make (?:the |these )?(?:texts|messages) stop)|"
            "pay (?:in full|off|the balance)[^.!?\\n]{0,20}to (?:stop|end) (?:the |these )?(?:texts|"
            "messages)|"
            "(?:texts|messages) (?:end|stop) (?:only )?(?:when|once|after) you pay",
            masked=True,
        ),
    ),
)
# A front desk that "already knows": reception at the debtor's work, not the creditor's own counter
# ("ask the front desk" at a clinic).
_extend(
    "content.third_party_contact",
    "US",
    (_near(_US_TOLD, "the front desk|front desk|your receptionist|reception at your", 4),),
)

# ---- Chinese, third round: what the second held-out set's writers found --------------------------

_extend(
    "content.false_consequence",
    "CN",
    (_part(cjk="解除劳动合同 解除劳动关系 人社系统 丢掉工作 失去工作 丢饭碗 砸饭碗 职称评定"),),
)
# Contacts asked to pay in the debtor's place ("依次通知其代为偿还您的欠款").
_extend(
    "content.third_party_contact",
    "CN",
    (
        _part(
            cjk_patterns=(
                f"({_CN_KIN}).{{0,12}}(代为偿还|代为还款|代偿|代还|替你还|替您还|帮你还|帮您还|承担还款|连带还款)",
            )
        ),
    ),
)
# Paying a "partner" or a "settlement" account instead of the creditor ("转至合作方“鑫源商务”对公账户").
_extend(
    "content.private_channel",
    "CN",
    (
        _part(
            cjk_patterns=(
                "(转|汇|打|付|存|还)(款|钱|账)?(至|到|给|入|进).{0,4}(合作方|合作机构|结算方|结算合作方|代收方|"
                "第三方|服务商|中间账户|过渡账户).{0,12}(账户|账号|卡|支付宝|微信|收款码)",
            )
        ),
    ),
)
# An opt-out that needs a visit, a letter or the debt paid first.
_extend(
    "content.opt_out",
    "CN",
    (
        Clause(
            "(线下|网点|营业厅|柜台|门店|到店|携带|本人前往|亲自|邮寄|书面申请|公证|先结清|结清后|还清后|结清全部)"
            "[^。！？!?；;\\n]{0,24}退订|退订[^。！？!?；;\\n]{0,24}(线下|网点|营业厅|柜台|携带身份证|书面|邮寄|公证|"
            "先结清|结清后|还清后|结清全部|收取|费用|元)",
            masked=True,
        ),
    ),
)
# A one-time code or a PIN asked for in other words ("回复您刚刚收到的6位数字", "取款密码").
_extend(
    "personal_data.terms",
    "CN",
    (
        _part(
            cjk_patterns=(
                "(回复|提供|告知|发送|报|告诉|念|发)(一下)?(您|你)?(刚刚|刚才|稍后|马上)?(收到|接收)?的?"
                "[0-9四六八]位(数字|数|码|号码)",
                "(提供|发送|回复|告知|报|告诉|输入)[^。！？!?；;]{0,10}(取款密码|交易密码|支付密码|查询密码|"
                "登录密码|银行卡密码|密码|验证码|动态码|cvv|安全码)",
            )
        ),
    ),
)

# ---- English, sixth round: a development set written for the weakest categories ----------------

# Courts and agencies that text: headers, chambers, clerks, "judicial collections" offices, IRS desks.
_extend(
    "content.impersonation",
    "US",
    (
        Clause(
            "(?:official |superior |district |county |circuit |municipal |federal |state )?"
            "(?:court|judicial|judiciary) (?:notice|summons|notification|directive|document)|"
            "in the (?:district|superior|circuit|county|municipal|justice|magistrate) court of|"
            "notice of (?:claim|summons|service|judgment|judgement|garnishment)|"
            "(?:federal|national|state|county|government|judicial|u\\.?s\\.?|treasury) (?:[a-z]+ ){0,3}"
            "(?:debt|collections?|recovery|enforcement|revenue) (?:bureau|office|department|agency|division|"
            "unit|desk|authority|center|centre)|"
            "(?:court|judicial) collections? (?:office|division|department|unit|desk)",
            masked=True,
        ),
    ),
    (
        _part(
            latin="irs collections|irs collection|irs debt|irs debt unit|chambers of judge|judge s chambers|"
            "judge s office|from judge|message from judge|the court has reviewed|the court directs|"
            "court directs|the judge directs|the judge has ordered|court clerk has|clerk has your file|"
            "court has your file|legally served|notice of service|you been served|u been served|"
            "served electronically|served by text message|served by this message|"
            "by receiving this message|civil papers are being held|papers are being held|constable|"
            "i m a licensed attorney|licensed attorney with|attorney at law for|call me personally"
        ),
    ),
)
# Menace without the words of a list: calls at night, visits, pets and porch lights, "or suffer".
_US_NIGHT = (
    "(?:^|[^0-9])(?:1[01] ?pm|12 ?am|[1-5] ?am)(?:[^a-z]|$)|midnight|all night|all nite|every night|"
    "every nite|at night|overnight|till sunrise|until sunrise|until dawn|through the night|"
    "middle of the night|10 ?pm and 6 ?am|nobody in (?:that|your) house sleeps|no one sleeps"
)
_extend(
    "content.intimidation",
    "US",
    (
        Clause(
            "(?:call|calls|calling|callin|text|texts|texting|contact|ring|dial|blow up)[^.!?\\n]{0,40}"
            "(?:" + _US_NIGHT + ")|(?:" + _US_NIGHT + ")[^.!?\\n]{0,30}(?:call|calls|calling|texts?)",
            masked=True,
        ),
    ),
    (
        _part(
            latin="every hour of every day|every day and every night|every day and night|day and night|"
            "all day and all night|around the clock|nonstop|non stop|no breaks|many many time|"
            "every hour|blow up your phone|blow up ur phone|autodialer|attempts per day|calls a day|"
            "texts a day|times a day|never stop"
        ),
        Clause(
            "until|till|til |no exceptions|won ?t stop|will not stop|never stop|every (?:day|night)|"
            "per day|a day",
            masked=True,
        ),
    ),
    (
        _part(
            latin="pay or suffer|or suffer|you will suffer|you ll suffer|peace of mind|drove by your|"
            "drove past your|drive by your|wait by your car|wait by ur car|by your car|your dog|"
            "porch light|sleep well|you won t sleep|meet them in person|want to meet them|"
            "special handling unit|attend your residence|at any hour|got people in your area|"
            "got ppl in ur area|people in your area|know where you park|we re watching|we are watching|"
            "show up at your job|show up at ur job|show up at your work|idiots|idiots like you|morons|"
            "losers|clowns|broke joke|a joke|bad person|worthless|scumbag|parasite|freeloader|lowlife"
        ),
    ),
)
# Fees by call, by letter, by week, named in scare quotes, or interest above the contract.
_extend(
    "content.invented_fee",
    "US",
    (
        Clause(
            "(?:charged?|charging|costs?|fee|bill(?:ed)?|\\$ ?[0-9][0-9.,]*)[^.!?\\n]{0,30}"
            "(?:every time|each time|whenever|for every|per) (?:we|our|you|a|an)?(?: )?(?:call|text|"
            "message|letter|reminder|attempt|send)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
    (
        Clause(
            "(?:penalty|surcharge|collection fee|recovery fee)(?: of)? [0-9]+ ?%|"
            "[0-9]+ ?percent ?penalty|\\$ ?[0-9][0-9.,]* [\"“'][^\"”']{3,40}[\"”'] (?:fee|charge)|"
            "(?:dunning|maintenance|returned.letter|resolution|chase|chasing|trouble|courtesy|handling) "
            "(?:fee|charge)|[0-9]+ ?% (?:apr|interest)?[^.!?\\n]{0,30}(?:regardless|superseding|"
            "notwithstanding|instead of)|(?:interest|rate|apr)[^.!?\\n]{0,40}(?:regardless of|superseding|"
            "notwithstanding|instead of) (?:the |your )?(?:contract|agreement|original)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
    (
        Clause(
            "(?:by phone|by mail|online|by card)[^.!?\\n]{0,15}(?:costs?|is) \\$ ?[0-9][0-9.,]* extra|"
            "\\$ ?[0-9][0-9.,]*(?: a| per|/) ?(?:week|wk|day|month) (?:[a-z]+ )?(?:fee|charge)|"
            "(?:fee|charge)[^.!?\\n]{0,20}(?:required|due|payable) (?:before|prior to)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
)
# Opt-outs refused while a balance is owed, by mail only, or answered by more calls.
_extend(
    "content.opt_out",
    "US",
    (
        Clause(
            "opt[ -]?outs? (?:is |are )?(?:not|un|isn ?t) ?(?:available|offered|permitted|allowed|possible)|"
            "only [^.!?\\n]{0,30}(?:may|can) (?:opt[ -]?out|unsubscribe|stop (?:texts|messages))|"
            "(?:opt(?:ing)?[ -]?out|unsubscrib[a-z]*)[^.!?\\n]{0,30}(?:only by|only through|only via|"
            "cancels?|voids?|ends? your|forfeits?)|"
            '(?:send|reply|text|txt)(?:ing)? "?stop"?[^.!?\\n]{0,30}(?:call you more|more calls|call more|'
            "calls? increase|we will call)",
            masked=True,
        ),
    ),
    (
        _part(latin="no opt out|unsubscribe only|opt out only|only by certified mail"),
        Clause('(?:repl(?:y|ying)|text(?:ing)?|send(?:ing)?|respond(?:ing)?)(?: with)? ?"?stop', absent=True),
    ),
)
# Old debts, in the words of texts, then sued on anyway.
_extend(
    "content.time_barred_threat",
    "US",
    (
        Clause(
            "(?:limitations?|statute)(?: period| window| clock)? (?:is |has |have )?(?:over|up|gone|done|"
            "ran out|run out|exceeded)|exceeds? the (?:statute|limitation)|expired sol|sol expired|"
            "past the sol|(?:too|2) old (?:to|2) sue|expiration of the statute"
        ),
        _part(latin=_US_SUIT + "|civil action|court action|court filing|litigated|commence suit|suing"),
    ),
)
# A contract set aside names it: no "agreement" clause can excuse "45% regardless of your agreement".
_extend(
    "content.invented_fee",
    "US",
    (
        Clause(
            "(?:interest|rate|apr|fee|fees|charges?)[^.!?\\n]{0,50}(?:regardless of|superseding|"
            "notwithstanding|"
            "instead of|overriding|no matter) (?:what )?(?:the |your )?(?:rate (?:stated |set )?in (?:your |"
            "the )?)?"
            "(?:original )?(?:contract|agreement|terms|note)",
            masked=True,
        ),
    ),
    (
        Clause(
            "(?:each|every|per) (?:text|call|letter|reminder|message|notice|attempt)[^.!?\\n]{0,30}"
            "(?:costs? you|is billed|billed to|charged to|adds? \\$|\\$ ?[0-9])",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
)
_extend(
    "content.false_consequence",
    "US",
    (
        _near(
            "next pay period|this pay period|effective next|beginning next|begin garnishing|start garnishing|"
            "instruct your employer|tell your employer to",
            _US_GARNISH + "|your wages|your paycheck",
            6,
        ),
        Clause(_US_COURT_ORDERED, absent=True),
    ),
)

# A summons or an arbitration body named by the collector, unless the text reports the creditor's own
# suit with its case number ("请留意法院送达的传票", "（2025）深国仲受4417号").
_extend(
    "content.impersonation",
    "CN",
    (
        _part(cjk="传票 法院传票 仲裁院"),
        Clause(
            "案号|[(（][0-9]{4}[)）]|(我司|我行|本行|本公司|申请人|原告|债权人)[^。！？!?]{0,30}(提起诉讼|起诉|申请仲裁|"
            "申请调解)|仲裁案已受理|以[^，。]{0,12}(法院|仲裁委?)[^，。]{0,6}为准",
            absent=True,
        ),
    ),
)

# ---- English, seventh round ---------------------------------------------------------------------

# A named fee with an amount, with no agreement or law to stand on: a collector may collect only
# what the agreement or the law allows (15 U.S.C. 1692f(1)), so a fee that cites neither is held.
_extend(
    "content.invented_fee",
    "US",
    (
        Clause(
            "(?:[a-z]+ )?(?:fee|charge|surcharge|penalty)s?(?: of)? (?:\\$ ?[1-9]|[1-9][0-9.]* ?%)|"
            "\\$ ?[1-9][0-9.,]* (?:[a-z/\\-]+ ){0,3}(?:fee|charge|surcharge|penalty)(?:[^a-z]|$)|"
            "(?:reset|raising|raised|raise|increas(?:e|ed|ing)|chang(?:e|ed|ing)|bump(?:ed|ing)?) "
            "(?:the |your )?(?:interest|apr|rate)[^.!?\\n]{0,30}[0-9.]+ ?%|"
            "(?:regardless of|superseding|notwithstanding|instead of|overriding)[^.!?\\n]{0,30}"
            "(?:contract|agreement|terms)",
            masked=True,
        ),
        _US_AGREED_CLAUSE,
    ),
)
# Public bodies that do not collect consumer debts, and courts that do not text.
_extend(
    "content.impersonation",
    "US",
    (
        Clause(
            "(?:federal|national|state|county|city|government|govt|judicial|u\\.?s\\.?|treasury|tax|justice)"
            "(?: [a-z.&'’\\-]+){0,3} (?:debt|collections?|recovery|enforcement|revenue|receivables?|"
            "default|legal) "
            "(?:[a-z]+ )?(?:bureau|office|department|dept|agency|division|unit|desk|authority|center|centre|"
            "ctr|section|commission|task force|system|status)|"
            "court[- ]appointed|courthouse services|(?:message|notice|text) from (?:the )?court of|"
            "the judge will|judge will decide|notice of pending judgment|judicial system|government legal|"
            "federal default|state receivable|under court supervision|court supervision|tax commission",
            masked=True,
        ),
    ),
)
