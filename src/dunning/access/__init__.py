"""Operators and roles: every act that changes what is sent names an active operator whose role allows it.

``authorize(conn, name, act)`` is the one check (the CLI's ``--by`` today, API keys later); the
table of which roles may do which act is :data:`dunning.access.roles.ALLOWED`.
"""

from dunning.access.models import Operator, operators
from dunning.access.repository import (
    DEFAULT_OPERATOR,
    ApiKeyRecord,
    OperatorRecord,
    Replay,
    add_operator,
    authenticate,
    authorize,
    create_api_key,
    ensure_default_operator,
    get_operator,
    key_holder,
    list_api_keys,
    list_operators,
    may,
    recall_idempotent,
    remember_idempotent,
    revoke_api_key,
    set_active,
)
from dunning.access.roles import ALLOWED, Act, Role, roles_for

__all__ = [
    "ALLOWED",
    "DEFAULT_OPERATOR",
    "Act",
    "ApiKeyRecord",
    "Operator",
    "OperatorRecord",
    "Replay",
    "Role",
    "add_operator",
    "authenticate",
    "authorize",
    "create_api_key",
    "ensure_default_operator",
    "get_operator",
    "key_holder",
    "list_api_keys",
    "list_operators",
    "may",
    "operators",
    "recall_idempotent",
    "remember_idempotent",
    "revoke_api_key",
    "roles_for",
    "set_active",
]
