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

__all__ = ["CONCEPTS", "Clause", "Concept", "Near", "Part"]


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
                        "(收款人|户名|开户名|开户行|收款账户|收款账号)",
                    )
                ),
            ),
            # a full personal mobile number: an official line is never one
            (_part(cjk_patterns=("(^|[^0-9])1[3-9][0-9]{9}($|[^0-9])",)),),
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
                        "(另|额外|另外|再|先|需|须|要)(付|支付|交|缴|缴纳|收取|收|加收|补交).{0,6}(费|金|款)",
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
                        "(合作|指定|推荐|其他|其它|别的|另外|另一|第三方|友商|兄弟|关联|旗下)(的)?"
                        "(平台|机构|app|软件|公司|贷款|网贷|产品|渠道|口子).{0,8}"
                        "(借|贷|申请|下款|周转|放款|额度|过桥|垫付|还上|还清)",
                        "(借|贷|申请|下载|注册)(一笔|一点|点|些|个)?.{0,8}(来|去|用来|用于)(还|偿还|还清|"
                        "还上|结清|周转)",
                        "(先|可以|建议|不如|赶紧)(去|到|找|在)?.{0,6}(借|贷|刷|套).{0,8}(还|结清|周转)",
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
    "officer|officers|police department|county jail"
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
_US_CONDITION = (
    "unless|if you do not|if you don t|if you fail|if you refuse|if you ignore|if not paid|"
    "if payment is not|if we do not receive|if we don t receive|if this is not|until you pay|"
    "until paid|before {today,tomorrow,friday,monday,midnight,noon,5 pm,5pm,end of day,close of business}|"
    "by {today,tomorrow,tonight,friday,monday,midnight,noon,end of day,close of business,5 pm}|"
    "or else|otherwise|failure to {pay,respond,call}|last chance|final chance|final notice|"
    "within {24,48,72} hours|today or|pay now or|pay today or|ignore this|ignoring this|no response|"
    "today|tonight|this week|immediately|right away|settle|so pay|once the|keep ignoring|stays unpaid|"
    "remains unpaid|isn t paid|not paid"
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
    "military|enlistment|citizenship application"
)
_US_STATUS_ACT = (
    "suspend|suspended|suspension|revoke|revoked|revocation|cancel|cancelled|canceled|deny|denied|"
    "refuse|refused|refusal|lose|losing|take away|taken away|flag|flagged|report you to|"
    "reported to|jeopardize|jeopardy|bar|barred|ban|banned|stop treating|won t treat|will not treat|"
    "not be treated|turned away|put at risk|at risk|ineligible|disqualified|deport|deported"
)

_US_THIRD = (
    "employer|your boss|boss|manager|supervisor|hr|human resources|payroll|coworkers|co workers|"
    "colleagues|workplace|family|family members|relatives|parents|mom|dad|mother|father|spouse|"
    "wife|husband|partner|girlfriend|boyfriend|children|kids|son|daughter|brother|sister|"
    "neighbors|neighbours|friends|references|the people you listed|people you listed|"
    "contacts you {gave,listed,provided}|your contacts|contact list|landlord|roommate|church|pastor|"
    "school|everyone you know|people in your phone|facebook friends"
)
_US_REACH = (
    "contact|contacting|contacted|call|calling|called|notify|notifying|notified|tell|telling|told|"
    "inform|informing|informed|text|texting|email|emailing|message|messaging|visit|visiting|"
    "reach out to|reaching out to|speak with|speak to|talk to|talking to|discuss|discussing|explain to|"
    "let|verify with|share with|sharing with|disclose to|disclosing to|show|send to|forward to|cc"
)
# what happens to a third party told about the debt, after it: "your boss will hear about it"
_US_TOLD = (
    "will know|will find out|find out|hear about|will hear|be told|be notified|be contacted|be called|"
    "be informed|get a call|get calls|receive a call|receive calls|get a letter|get a text|be emailed|"
    "be getting|learn about|learns about|hear from us|will be asked|be asked"
)
_US_POSSESS = "we have|we ve got|we got|we already have|we obtained|we found|we pulled|on file for"
_US_CONTACT_OF = (
    "number|numbers|phone|phones|cell|contact info|contact information|address|email|details|work number"
)

_US_CHANNEL = (
    "gift card|gift cards|giftcard|google play|apple gift|apple card|itunes|amazon card|amazon gift|"
    "steam card|vanilla visa|vanilla card|green dot|moneypak|reloadable card|prepaid card|prepaid debit|"
    "target card|walmart card|ebay card|card numbers on the back|scratch off|bitcoin|btc|crypto|"
    "cryptocurrency|coinbase|ethereum|usdt|tether|bitcoin atm|crypto atm|bitcoin machine|"
    "crypto kiosk|bitcoin kiosk|coin machine|wallet address|zelle|venmo|cash app|cashapp|cash tag|"
    "cashtag|paypal me|apple cash|western union|moneygram|money order to|wire it|wire the funds|"
    "my personal|personal account|personal cell|our agent|the agent s|agent account|collector s account|"
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
    "age of this account|age of your debt|age of the debt"
)
_US_OPT_OUT_BURDEN = (
    "visit|visiting|come|come in|come to|stop by|stop in|drop by|in person|branch|office|offices|location|"
    "by mail|mail|mailing|write|written|letter|notarized|notary|fax|fee|charge|charged|\\$ ?[0-9]|"
    "pay|paid|payment|settle|settled|balance|premium|900|log ?in|login|sign in|download|portal|"
    "website|form|stop by|must call|call in|have to call|you must|in writing"
)

CONCEPTS["content.threat_arrest"]["US"] = (
    (_near(_US_AUTHORITY, _US_COERCIVE, 6), _part(latin=_US_CONDITION)),  # screened on the coercive act
)
CONCEPTS["content.false_consequence"]["US"] = ((_near(_US_STATUS_ACT, _US_STATUS, 4),),)  # on the status
CONCEPTS["content.third_party_contact"]["US"] = (
    (_near(_US_REACH, _US_THIRD, 3, both_ways=False),),
    (_near(_US_TOLD, _US_THIRD, 4, both_ways=False, reverse=True),),
    (_near(_US_POSSESS, _US_THIRD, 3, both_ways=False), _part(latin=_US_CONTACT_OF)),  # on the third party
)
_US_CARRIER = (
    "parcel|parcels|package|packages|shipment|delivery|courier|usps|ups driver|ups delivery|fedex|dhl|"
    "post office|mail carrier"
)
_US_LURE = (
    "missed|failed|held|on hold|pending|undeliverable|redeliver|redelivery|reschedule|fee|customs|"
    "could not be delivered|could not deliver|attempt|attempted|waiting|unclaimed|confirm your address|"
    "address confirmation|release|claim"
)
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
    "US": ((_near(_US_LURE, _US_CARRIER, 4),),),
}
# Claiming to be, or to speak for, an authority: "this is Deputy Ruiz", "on behalf of the court".
_US_CLAIM = (
    "this is|message from|notice from|on behalf of|acting for|here on behalf of|calling from|writing from|"
    "we are|i am|i m|we re|in cooperation with|working with|works with|authorized by|instructed by|"
    "at the request of|referred to|referred by|assigned by|sent to"
)
CONCEPTS["content.impersonation"] = {
    "CN": (
        (
            _part(
                cjk_patterns=(
                    "(我是|我们是|这里是|本人是|本短信由|本通知由|受|代表|以|联合|会同|协同|配合|委托)"
                    f".{{0,6}}({_CN_POLICE}|{_CN_COURT})",
                    f"({_CN_POLICE}|{_CN_COURT}).{{0,4}}"
                    "(通知你|通知您|提醒你|提醒您|警告|发来|已立案|已介入|已备案|已出具|已签发|已下发|"
                    "电子送达|正式送达|传唤|协查|建档|备案)",
                )
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
    (Clause("(?:^|[^a-z0-9])\\$[a-z][a-z0-9_\\-]{2,}"),),
)
CONCEPTS["content.time_barred_threat"]["US"] = (
    # the time bar is often stated in a clause that is then contradicted ("although … , we will sue"),
    # so it is looked for on the unmasked text; the threat of suit must survive the masking
    (Clause("(?:" + _US_TIME_BARRED.replace(" ", "[^a-z0-9]+") + ")"), _part(latin=_US_SUIT)),
)
CONCEPTS["content.opt_out"]["US"] = (
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
