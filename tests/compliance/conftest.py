"""Fixtures for the compliance tests: the corpus deployments' profiles and a one-call checker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dunning.compliance import ComplianceProfile, check_message
from dunning.compliance.corpus import corpus_profile

Check = Callable[..., list[str]]


@pytest.fixture(scope="session")
def cn() -> ComplianceProfile:
    return corpus_profile("CN")


@pytest.fixture(scope="session")
def us() -> ComplianceProfile:
    return corpus_profile("US")


def _checker(profile: ComplianceProfile) -> Check:
    def check(text: str, **context: Any) -> list[str]:
        return [v.rule for v in check_message(text, profile, context)]

    return check


@pytest.fixture(scope="session")
def check_cn(cn: ComplianceProfile) -> Check:
    return _checker(cn)


@pytest.fixture(scope="session")
def check_us(us: ComplianceProfile) -> Check:
    return _checker(us)
