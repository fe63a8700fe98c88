"""Every table, imported in one place so Alembic and tests see the whole schema."""

from dunning.access.models import Operator
from dunning.compliance.models import ComplianceViolation
from dunning.core.db import Base
from dunning.portfolio.models import Account, Contact, Debtor, DebtorHold, Payment
from dunning.sending.models import Message, MessageEvent, MessagePart, ParkedReceipt
from dunning.tracking.models import InboundMessage

metadata = Base.metadata

__all__ = [
    "Account",
    "ComplianceViolation",
    "Contact",
    "Debtor",
    "DebtorHold",
    "InboundMessage",
    "Message",
    "MessageEvent",
    "MessagePart",
    "Operator",
    "ParkedReceipt",
    "Payment",
    "metadata",
]
