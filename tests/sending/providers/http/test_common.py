"""What every HTTP provider shares: registration, values, redaction, fakes that leave nothing behind."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from dunning.core.urls import redact_url
from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.http import (
    AliyunProvider,
    CallbackRequest,
    CallbackResult,
    TencentProvider,
    TwilioProvider,
    WebhookProvider,
)
from dunning.sending.providers.http.base import cn_handset, parse_retry_after
from dunning.sending.providers.registry import available_schemes, build_provider
from tests.sending.providers.http.fakes import (
    Answer,
    FakeAggregator,
    FakeAliyun,
    FakeTencent,
    FakeTwilio,
    submit,
)


def test_schemes_are_registered_entry_points() -> None:
    from importlib.metadata import entry_points

    declared = {ep.name: ep.value for ep in entry_points(group="dunning.providers")}
    for scheme, cls in (
        ("aliyun", AliyunProvider),
        ("tencent", TencentProvider),
        ("twilio", TwilioProvider),
        ("webhook", WebhookProvider),
    ):
        assert declared[scheme] == f"{cls.__module__}:{cls.__name__}"
        assert scheme in available_schemes()
    assert isinstance(build_provider("aliyun://a:b@h?sign_name=S"), AliyunProvider)
    assert isinstance(build_provider("tencent://a:b@h?sdk_app_id=1"), TencentProvider)
    assert isinstance(build_provider("twilio://a:b@h?from=%2B1555"), TwilioProvider)
    assert isinstance(build_provider("webhook://h/p"), WebhookProvider)


def test_outgoing_sms_template_fields_default_to_none() -> None:
    sms = OutgoingSms(1, "+8613800000000", "x", "UCS-2", 1)
    assert (sms.template_id, sms.template_version) == (None, None)
    tagged = OutgoingSms(1, "+8613800000000", "x", "UCS-2", 1, None, "cn-early", 2)
    assert "cn-early" in repr(tagged) and "13800000000" not in repr(tagged)


def test_callback_request_normalises() -> None:
    request = CallbackRequest(
        "POST", "https://x.example/cb?token=a%20b&k=1", {"X-Twilio-Signature": "s"}, b""
    )
    assert request.headers == {"x-twilio-signature": "s"} and request.header("X-TWILIO-SIGNATURE") == "s"
    assert request.query == {"token": "a b", "k": "1"}
    given = CallbackRequest("GET", "https://x.example/cb?token=a", {}, b"", {"token": "b"})
    assert given.query == {"token": "b"}
    assert CallbackResult([], []).status_code == 200


def test_secret_options_are_redacted() -> None:
    value = "webhook://h/p?secret=abc&to_field=to | aliyun://id:key@h?callback_token=t&sign_name=S"
    shown = redact_url(value)
    assert "abc" not in shown and "key" not in shown.replace("aliyun://id:***", "") and "=t&" not in shown
    assert shown == "webhook://h/p?secret=***&to_field=to | aliyun://id:***@h?callback_token=***&sign_name=S"


def test_small_helpers() -> None:
    assert cn_handset("13800000001") == "+8613800000001"
    assert cn_handset("8613800000001") == "+8613800000001"
    assert cn_handset("85291234567") == "+85291234567"
    assert cn_handset("+1 415 555 0001") == "+14155550001"
    assert parse_retry_after({"retry-after": "2.5"}) == 2.5
    assert parse_retry_after({"retry-after": "99999"}) == 3600.0
    assert parse_retry_after({"retry-after": "-3"}) == 0.0
    assert parse_retry_after({"retry-after": "soon"}, 4.0) == 4.0
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past
    assert parse_retry_after({}, 1.5) == 1.5


def test_callbacks_default_now_is_aware() -> None:
    with FakeAggregator() as fake:
        provider = build_provider(fake.provider_url())
        request = fake.signed("https://x/cb", {"from": "+8613800000001", "text": "hi"})
        (reply,) = provider.handle_callback("reply", request).replies  # type: ignore[attr-defined]
        assert reply.received_at.tzinfo is not None
        assert abs((reply.received_at - datetime.now(UTC)).total_seconds()) < 60


def test_fakes_leave_no_threads_or_ports_behind() -> None:
    before = set(threading.enumerate())
    sms = [OutgoingSms(1, "+8613800000001", "x", "UCS-2", 1)]
    ports = []
    for cls in (FakeAliyun, FakeTencent, FakeTwilio, FakeAggregator):
        with cls() as fake:
            ports.append(fake.port)
            fake.answer_next(Answer(delay=30.0))  # a stalled handler: stop() must still return at once
            assert submit(build_provider(fake.provider_url(timeout=0.2)), sms) == []
    assert set(threading.enumerate()) == before
    import socket

    for port in ports:
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0  # nobody listens any more


@pytest.mark.parametrize("cls", [FakeAliyun, FakeTencent, FakeTwilio, FakeAggregator])
def test_fakes_start_fast(cls: type[FakeAliyun]) -> None:
    import time

    started = time.perf_counter()
    with cls() as fake:
        assert fake.url.startswith("http://127.0.0.1:")
    assert time.perf_counter() - started < 1.0
