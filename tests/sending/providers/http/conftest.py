"""Fixtures: one running fake per vendor, stopped (threads joined) after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sending.providers.http.fakes import FakeAggregator, FakeAliyun, FakeTencent, FakeTwilio


@pytest.fixture
def aliyun() -> Iterator[FakeAliyun]:
    with FakeAliyun() as fake:
        yield fake


@pytest.fixture
def tencent() -> Iterator[FakeTencent]:
    with FakeTencent() as fake:
        yield fake


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def aggregator() -> Iterator[FakeAggregator]:
    with FakeAggregator() as fake:
        yield fake
