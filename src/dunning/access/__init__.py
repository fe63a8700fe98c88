"""Operators and roles: every act that changes what is sent names an active operator whose role allows it.

``authorize(conn, name, act)`` is the one check (the CLI's ``--by`` today, API keys later); the
table of which roles may do which act is :data:`dunning.access.roles.ALLOWED`.
"""

from dunning.access.models import Operator, operators
from dunning.access.repository import (
    DEFAULT_OPERATOR,
    OperatorRecord,
    add_operator,
    authorize,
    ensure_default_operator,
    get_operator,
    list_operators,
    set_active,
)
from dunning.access.roles import ALLOWED, Act, Role, roles_for

__all__ = [
    "ALLOWED",
    "DEFAULT_OPERATOR",
    "Act",
    "Operator",
    "OperatorRecord",
    "Role",
    "add_operator",
    "authorize",
    "ensure_default_operator",
    "get_operator",
    "list_operators",
    "operators",
    "roles_for",
    "set_active",
]
