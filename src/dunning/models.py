"""Every table, imported in one place so Alembic and tests see the whole schema."""

from dunning.access.models import ApiKey, IdempotencyKey, Operator
from dunning.analytics.models import PaymentAttribution
from dunning.core.db import Base
from dunning.events.models import LoggedEvent
from dunning.jobs.models import Job
from dunning.learning.tables import PolicyDecision
from dunning.messages.models import (
    ComplianceViolation,
    Message,
    MessageAccount,
    MessageEvent,
    MessagePart,
    ParkedReceipt,
    ProviderPause,
)
from dunning.portfolio.models import Account, Contact, Debtor, DebtorHold, Payment
from dunning.promises.models import Promise
from dunning.strategy.tables import ExperimentAssignment, StrategyVersion
from dunning.tasks.models import Task, TaskNote
from dunning.templates.tables import TemplateBlock
from dunning.tracking.models import InboundMessage, InboundPart

metadata = Base.metadata

__all__ = [
    "Account",
    "ApiKey",
    "ComplianceViolation",
    "Contact",
    "Debtor",
    "DebtorHold",
    "ExperimentAssignment",
    "IdempotencyKey",
    "InboundMessage",
    "InboundPart",
    "Job",
    "LoggedEvent",
    "Message",
    "MessageAccount",
    "MessageEvent",
    "MessagePart",
    "Operator",
    "ParkedReceipt",
    "Payment",
    "PaymentAttribution",
    "PolicyDecision",
    "Promise",
    "ProviderPause",
    "StrategyVersion",
    "Task",
    "TaskNote",
    "TemplateBlock",
    "metadata",
]
