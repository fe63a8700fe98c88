"""Operators and the role matrix: every act × every role, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from dunning.access import ALLOWED, Act, Role, add_operator, authorize, ensure_default_operator, set_active
from dunning.core.db import unit_of_work
from dunning.core.errors import InputError, NotFound, PermissionDenied
from tests.factories import T0


def test_every_act_against_every_role(engine: Engine) -> None:
    with unit_of_work(engine) as conn:
        for role in Role:
            add_operator(conn, f"op-{role}", role, T0)
        for act in Act:
            for role in Role:
                if role in ALLOWED[act]:
                    assert authorize(conn, f"op-{role}", act).role == role
                else:
                    with pytest.raises(PermissionDenied) as info:
                        authorize(conn, f"op-{role}", act)
                    assert str(role) in info.value.en and info.value.zh != info.value.en
    # an admin may do everything but overrule the gate on a template: that is compliance's alone
    assert [act for act, roles in ALLOWED.items() if Role.ADMIN not in roles] == [
        Act.APPROVE_FLAGGED_TEMPLATE
    ]
    assert ALLOWED[Act.APPROVE_FLAGGED_TEMPLATE] == {Role.COMPLIANCE}
    # an auditor reads (data and the audit log), never changes anything
    assert {act for act, roles in ALLOWED.items() if Role.AUDITOR in roles} == {Act.READ, Act.READ_AUDIT}


def test_unknown_disabled_and_missing_operators_are_refused(engine: Engine) -> None:
    with unit_of_work(engine) as conn:
        add_operator(conn, "王五", "compliance", T0)
        assert authorize(conn, "王五", Act.APPROVE_TEMPLATE).username == "王五"
        set_active(conn, "王五", False)
        with pytest.raises(PermissionDenied, match="disabled"):
            authorize(conn, "王五", Act.APPROVE_TEMPLATE)
        with pytest.raises(PermissionDenied, match="not an operator"):
            authorize(conn, "ghost", Act.APPROVE_TEMPLATE)
        with pytest.raises(InputError, match="--by"):
            authorize(conn, None, Act.APPROVE_TEMPLATE)
        with pytest.raises(InputError, match="already exists"):
            add_operator(conn, "王五", "admin", T0)
        with pytest.raises(InputError, match="name"):
            add_operator(conn, "has space", "admin", T0)
        with pytest.raises(NotFound):
            set_active(conn, "ghost", True)


def test_the_default_operator_only_on_an_empty_install(engine: Engine) -> None:
    with unit_of_work(engine) as conn:
        first = ensure_default_operator(conn, T0)
        assert first is not None and (first.username, first.role) == ("admin", Role.ADMIN)
        assert ensure_default_operator(conn, T0) is None
