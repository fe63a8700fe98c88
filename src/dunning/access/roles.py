"""Roles, the acts that need one, and which roles may do each act: one table, read by every edge."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALLOWED", "Act", "Role", "roles_for"]


class Role(StrEnum):
    OPERATOR = "operator"  # a collector: works debtors, holds and releases them
    SUPERVISOR = "supervisor"  # runs the day: requeues, holds, oversees operators
    COMPLIANCE = "compliance"  # approves templates and compliance overrides
    AUDITOR = "auditor"  # reads everything, changes nothing
    ADMIN = "admin"  # manages operators and keys; may do every act


class Act(StrEnum):
    APPROVE_TEMPLATE = "template.approve"
    REQUEUE_UNKNOWN = "outbox.requeue"
    HOLD_DEBTOR = "debtor.hold"
    MANAGE_OPERATORS = "operators.manage"
    ROTATE_KEYS = "keys.rotate"
    WORK_TASKS = "tasks.work"  # claim, note and close tasks
    EXPORT_DIALLER = "tasks.export"  # phone numbers in full, for a dialler


#: Who may do what. An act not listed here needs no operator (reads, the daily loop).
ALLOWED: dict[Act, frozenset[Role]] = {
    Act.APPROVE_TEMPLATE: frozenset({Role.COMPLIANCE, Role.ADMIN}),
    Act.REQUEUE_UNKNOWN: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Act.HOLD_DEBTOR: frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN}),
    Act.MANAGE_OPERATORS: frozenset({Role.ADMIN}),
    Act.ROTATE_KEYS: frozenset({Role.ADMIN}),
    Act.WORK_TASKS: frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.COMPLIANCE, Role.ADMIN}),
    Act.EXPORT_DIALLER: frozenset({Role.SUPERVISOR, Role.ADMIN}),
}

#: How each act reads in an error message: (中文, English).
ACT_NAMES: dict[Act, tuple[str, str]] = {
    Act.APPROVE_TEMPLATE: ("审批模板", "approve templates"),
    Act.REQUEUE_UNKNOWN: ("重新排队状态未知的短信", "requeue messages of unknown outcome"),
    Act.HOLD_DEBTOR: ("暂停或恢复对债务人的联系", "hold or release debtors"),
    Act.MANAGE_OPERATORS: ("管理操作员", "manage operators"),
    Act.ROTATE_KEYS: ("轮换数据密钥", "rotate data keys"),
    Act.WORK_TASKS: ("处理任务", "work tasks"),
    Act.EXPORT_DIALLER: ("导出外呼名单（含完整号码）", "export dialler lists (full numbers)"),
}


def roles_for(act: Act) -> frozenset[Role]:
    return ALLOWED[act]
