"""Every string the dashboard shows, in Chinese and English; the language of a request."""

from __future__ import annotations

from starlette.requests import Request

__all__ = ["LANGS", "TEXT", "lang_of", "translator"]

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("dunning 催收短信", "dunning collection SMS"),
    "today": ("今日概览", "Today"),
    "funnel": ("送达漏斗", "Delivery funnel"),
    "debtors": ("债务人", "Debtors"),
    "tasks": ("任务", "Tasks"),
    "templates": ("模板审核", "Templates"),
    "strategy": ("策略", "Strategy"),
    "replies": ("回复", "Replies"),
    "promises": ("还款承诺", "Promises"),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "api_key": ("操作员 API 密钥", "Operator API key"),
    "login_help": (
        "使用您的操作员密钥登录（dunning api-keys create）",
        "Sign in with your operator key (dunning api-keys create)",
    ),
    "signed_in_as": ("当前操作员", "Signed in as"),
    "language": ("English", "中文"),
    "debtors_in_scope": ("在催债务人", "Debtors in scope"),
    "planned": ("计划短信", "Planned"),
    "blocked": ("合规拦截", "Blocked"),
    "sent": ("已发送", "Sent"),
    "delivered": ("已送达", "Delivered"),
    "failed": ("失败", "Failed"),
    "queued": ("待发送", "Queued"),
    "delivery_rate": ("送达率", "Delivery rate"),
    "replies_total": ("回复数", "Replies"),
    "promises_made": ("承诺还款", "Promises made"),
    "payments": ("还款笔数", "Payments"),
    "recovered": ("回收金额", "Amount recovered"),
    "complaints": ("投诉", "Complaints"),
    "blocked_by_rule": ("按规则拦截", "Blocked by rule"),
    "replies_by_intent": ("按意图的回复", "Replies by intent"),
    "rule": ("规则", "Rule"),
    "count": ("数量", "Count"),
    "intent": ("意图", "Intent"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "id": ("编号", "ID"),
    "name": ("姓名", "Name"),
    "bucket": ("账龄段", "Bucket"),
    "dpd": ("逾期天数", "DPD"),
    "outstanding": ("未还金额", "Outstanding"),
    "filter": ("筛选", "Filter"),
    "all": ("全部", "All"),
    "next_page": ("下一页", "Next page"),
    "timeline": ("时间线", "Timeline"),
    "contacts": ("联系方式", "Contacts"),
    "messages": ("短信", "Messages"),
    "payments_list": ("还款", "Payments"),
    "holds": ("暂停", "Holds"),
    "events": ("事件", "Events"),
    "status": ("状态", "Status"),
    "time": ("时间", "Time"),
    "template": ("模板", "Template"),
    "version": ("版本", "Version"),
    "state": ("状态", "State"),
    "queue": ("队列", "Queue"),
    "priority": ("优先级", "Priority"),
    "due": ("截止", "Due"),
    "owner": ("负责人", "Owner"),
    "reason": ("原因", "Reason"),
    "debtor": ("债务人", "Debtor"),
    "claim": ("认领", "Claim"),
    "add_note": ("添加备注", "Add note"),
    "close": ("关闭", "Close"),
    "outcome": ("结果代码", "Outcome"),
    "promise_amount": ("承诺金额", "Promised amount"),
    "promise_date": ("承诺日期", "Promised date"),
    "notes": ("备注", "Notes"),
    "preview": ("渲染预览", "Preview"),
    "verdict": ("合规判定", "Gate verdict"),
    "allowed": ("通过", "Allowed"),
    "outcome_allowed": ("通过", "Allowed"),
    "outcome_blocked": ("拦截", "Blocked"),
    "outcome_review": ("待人工复核", "Held for review"),
    "gate_kind": ("短信类型", "Message kind"),
    "review_reasons": ("复核原因", "Why it is held"),
    "score": ("第二意见评分", "Second opinion score"),
    "override_reason": (
        "放行理由（记入模板文件与事件日志）",
        "Reason for approving (kept in the file and the log)",
    ),
    "override_needs_compliance": (
        "预览未通过合规检查：只有合规角色可附理由审批",
        "The gate did not allow the preview: only the compliance role may approve it, with a reason",
    ),
    "override_impossible": (
        "预览被非文本规则拦截，不能放行，请修改模板",
        "The preview breaks rules that are not about the text: no override can approve it",
    ),
    "overridden": ("已由合规人员附理由放行", "Approved by compliance despite the gate"),
    "approve": ("审批通过", "Approve"),
    "reject": ("驳回", "Reject"),
    "propose": ("提交新版本", "Propose a new version"),
    "body": ("正文", "Body"),
    "segments": ("段数", "Segments"),
    "chars": ("字数", "Characters"),
    "sent_version": ("发送中", "Sending"),
    "segments_title": ("客群与步骤", "Segments and steps"),
    "ability_willingness": ("能力 × 意愿", "Ability × willingness"),
    "can_will": ("能还愿还", "Can pay, will pay"),
    "can_wont": ("能还不愿还", "Can pay, will not"),
    "cant_will": ("愿还无力", "Willing, cannot pay"),
    "cant_wont": ("无力且不愿", "Neither"),
    "segment_cell": ("分群", "Segment"),
    "debtors_count": ("债务人", "Debtors"),
    "mean_ability": ("还款能力", "Ability"),
    "mean_willingness": ("还款意愿", "Willingness"),
    "mean_dpd": ("平均逾期天数", "Mean DPD"),
    "policy": ("决策方式", "Policy"),
    "learned_windows": ("学到的时段效应（对数几率）", "Learned window effects (log-odds)"),
    "recent_choices": (
        "近 7 天的选择与记录的概率",
        "Choices of the last 7 days and their logged probabilities",
    ),
    "context": ("情境", "Context"),
    "decisions": ("决策数", "Decisions"),
    "mean_probability": ("平均概率", "Mean probability"),
    "p_send": ("发送概率", "P(send)"),
    "escalation": ("升级规则", "Escalation rules"),
    "amount": ("金额", "Amount"),
    "confidence": ("置信度", "Confidence"),
    "action": ("处理", "Action"),
    "no_rows": ("暂无数据", "Nothing yet"),
    "forbidden": ("您的角色无权执行此操作", "Your role may not do this"),
    "error": ("出错了", "Something went wrong"),
    "saved": ("已保存", "Saved"),
    "funnel_planned": ("计划", "Planned"),
    "funnel_passed": ("通过合规", "Passed the gate"),
    "funnel_sent": ("已发送", "Sent"),
    "funnel_delivered": ("已送达", "Delivered"),
    "funnel_replied": ("有回复", "Replied"),
    "funnel_promised": ("承诺还款", "Promised"),
    "funnel_paid": ("已还款", "Paid"),
    "promise_funnel": ("承诺漏斗", "Promise funnel"),
    "kept": ("已兑现", "Kept"),
    "broken": ("已违约", "Broken"),
    "pending": ("待兑现", "Pending"),
    "recovery_by_template": ("按模板的回收（末次触达归因）", "Recovery by template (last touch)"),
    "tasks_by_queue": ("各队列任务", "Tasks by queue"),
    "live": ("自动刷新中", "Live"),
    "kpis": ("指标", "KPIs"),
    "kpi_definitions": ("指标定义", "How each figure is defined"),
    "last_days": ("统计天数", "Days covered"),
    "roll_rates": ("迁徙率（按月）", "Roll rates, month on month"),
    "month": ("月份", "Month"),
    "entry_rate": ("入催率（按到期日）", "DPD1 entry rate by due date"),
    "recovery_by_bucket": ("按账龄段的回收", "Recovery by bucket"),
    "accounts": ("账户数", "Accounts"),
    "entered": ("入催", "Entered DPD1"),
    "rate": ("比率", "Rate"),
    "amount_rate": ("金额比率", "Rate by amount"),
    "kept_rate": ("承诺兑现率", "Promise kept rate"),
    "made": ("承诺", "Made"),
    "partly_kept": ("部分兑现", "Partly kept"),
}


def lang_of(request: Request) -> str:
    """The cookie's choice, else the browser's first preference between Chinese and English."""
    chosen = request.cookies.get("lang")
    if chosen in LANGS:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


def translator(lang: str) -> object:
    index = 0 if lang == "zh" else 1

    def t(key: str) -> str:
        pair = TEXT.get(key)
        return pair[index] if pair else key

    return t
