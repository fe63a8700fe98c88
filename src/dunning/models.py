"""Every table, imported in one place so Alembic and tests see the whole schema."""

from dunning.access.models import Operator
from dunning.analytics.models import PaymentAttribution
from dunning.core.db import Base
from dunning.events.models import LoggedEvent
from dunning.messages.models import (
    ComplianceViolation,
    Message,
    MessageAccount,
    MessageEvent,
    MessagePart,
    ParkedReceipt,
)
from dunning.portfolio.models import Account, Contact, Debtor, DebtorHold, Payment
from dunning.promises.models import Promise
from dunning.tasks.models import Task, TaskNote
from dunning.tracking.models import InboundMessage, InboundPart

metadata = Base.metadata

__all__ = [
    "Account",
    "ComplianceViolation",
    "Contact",
    "Debtor",
    "DebtorHold",
    "InboundMessage",
    "InboundPart",
    "LoggedEvent",
    "Message",
    "MessageAccount",
    "MessageEvent",
    "MessagePart",
    "Operator",
    "ParkedReceipt",
    "Payment",
    "PaymentAttribution",
    "Promise",
    "Task",
    "TaskNote",
    "metadata",
]
