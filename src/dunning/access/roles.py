"""Roles, the acts that need one, and which roles may do each act: one table, read by every edge."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALLOWED", "Act", "Role", "roles_for"]


class Role(StrEnum):
    OPERATOR = "operator"  # a collector: works debtors, holds and releases them
    SUPERVISOR = "supervisor"  # runs the day: requeues, holds, oversees operators
    COMPLIANCE = "compliance"  # approves templates and compliance overrides
    AUDITOR = "auditor"  # reads everything, changes nothing
    ADMIN = "admin"  # manages operators and keys; may do every act but one (APPROVE_FLAGGED_TEMPLATE)


class Act(StrEnum):
    APPROVE_TEMPLATE = "template.approve"
    # approve a version whose preview the gate blocked or held for review, with a reason
    APPROVE_FLAGGED_TEMPLATE = "template.approve_flagged"
    REQUEUE_UNKNOWN = "outbox.requeue"
    HOLD_DEBTOR = "debtor.hold"
    MANAGE_OPERATORS = "operators.manage"
    ROTATE_KEYS = "keys.rotate"
    WORK_TASKS = "tasks.work"  # claim, note and close tasks
    EXPORT_DIALLER = "tasks.export"  # phone numbers in full, for a dialler
    READ = "read"  # debtors (masked), messages, replies, tasks, templates, reports
    READ_AUDIT = "audit.read"  # the event log
    VIEW_PERSONAL_DATA = "personal_data.view"  # names, numbers and reply texts in clear (logged)
    IMPORT_PORTFOLIO = "portfolio.import"
    RECORD_PAYMENTS = "payments.record"
    PROPOSE_TEMPLATE = "template.propose"
    PROPOSE_STRATEGY = "strategy.propose"
    APPROVE_STRATEGY = "strategy.approve"
    RUN_DAY = "day.run"  # plan and send
    MANAGE_KEYS = "keys.manage"  # API keys of operators


#: Who may do what. An act not listed here needs no operator (reads, the daily loop).
ALLOWED: dict[Act, frozenset[Role]] = {
    Act.APPROVE_TEMPLATE: frozenset({Role.COMPLIANCE, Role.ADMIN}),
    # A person's judgement against the gate's: compliance only, never an admin by virtue of the role.
    Act.APPROVE_FLAGGED_TEMPLATE: frozenset({Role.COMPLIANCE}),
    Act.REQUEUE_UNKNOWN: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Act.HOLD_DEBTOR: frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN}),
    Act.MANAGE_OPERATORS: frozenset({Role.ADMIN}),
    Act.ROTATE_KEYS: frozenset({Role.ADMIN}),
    Act.WORK_TASKS: frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN}),
    Act.EXPORT_DIALLER: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Act.READ: frozenset(Role),
    Act.READ_AUDIT: frozenset({Role.SUPERVISOR, Role.COMPLIANCE, Role.AUDITOR, Role.ADMIN}),
    Act.VIEW_PERSONAL_DATA: frozenset({Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN}),
    Act.IMPORT_PORTFOLIO: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Act.RECORD_PAYMENTS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Act.PROPOSE_TEMPLATE: frozenset({Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN}),
    Act.PROPOSE_STRATEGY: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Act.APPROVE_STRATEGY: frozenset({Role.COMPLIANCE, Role.ADMIN}),
    Act.RUN_DAY: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Act.MANAGE_KEYS: frozenset({Role.ADMIN}),
}

#: How each act reads in an error message: (中文, English).
ACT_NAMES: dict[Act, tuple[str, str]] = {
    Act.APPROVE_TEMPLATE: ("审批模板", "approve templates"),
    Act.APPROVE_FLAGGED_TEMPLATE: (
        "附理由审批未通过合规检查的模板",
        "approve, with a reason, templates the gate blocked or held for review",
    ),
    Act.REQUEUE_UNKNOWN: ("重新排队状态未知的短信", "requeue messages of unknown outcome"),
    Act.HOLD_DEBTOR: ("暂停或恢复对债务人的联系", "hold or release debtors"),
    Act.MANAGE_OPERATORS: ("管理操作员", "manage operators"),
    Act.ROTATE_KEYS: ("轮换数据密钥", "rotate data keys"),
    Act.WORK_TASKS: ("处理任务", "work tasks"),
    Act.EXPORT_DIALLER: ("导出外呼名单（含完整号码）", "export dialler lists (full numbers)"),
    Act.READ: ("查看数据", "read data"),
    Act.READ_AUDIT: ("查看审计日志", "read the audit log"),
    Act.VIEW_PERSONAL_DATA: ("查看未脱敏的个人信息", "see personal data unmasked"),
    Act.IMPORT_PORTFOLIO: ("导入资产数据", "import portfolio files"),
    Act.RECORD_PAYMENTS: ("登记还款", "record payments"),
    Act.PROPOSE_TEMPLATE: ("提交模板新版本", "propose template versions"),
    Act.PROPOSE_STRATEGY: ("提交策略新版本", "propose strategy versions"),
    Act.APPROVE_STRATEGY: ("审批策略", "approve strategies"),
    Act.RUN_DAY: ("执行计划与发送", "plan and send"),
    Act.MANAGE_KEYS: ("管理 API 密钥", "manage API keys"),
}


def roles_for(act: Act) -> frozenset[Role]:
    return ALLOWED[act]
