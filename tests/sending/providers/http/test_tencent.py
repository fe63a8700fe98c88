"""tencent://: SendSms against the loopback fake (which checks TC3-HMAC-SHA256), and the callbacks."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from dunning.core.errors import ConfigError, InputError, SignatureError
from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.http.base import CallbackRequest
from dunning.sending.providers.http.tencent import (
    TencentProvider,
    tc3_authorization,
    tc3_canonical_request,
)
from dunning.sending.providers.registry import build_provider
from tests.sending.providers.http.fakes import Answer, FakeTencent, free_port, json_request, submit

CB = "https://api.example/v1/webhooks/tencent/{kind}?token=cb-token"
NOW = datetime(2026, 11, 28, 1, 30, tzinfo=UTC)


def _sms(i: int, to: str | None = None, **kw: object) -> OutgoingSms:
    body = "【安信金融】张*您好，您的账单已到期。"
    return OutgoingSms(i, to or f"+86139{i:08d}", body, "UCS-2", 1, None, **kw)  # type: ignore[arg-type]


def _provider(fake: FakeTencent, **options: object) -> TencentProvider:
    provider = build_provider(fake.provider_url(**{"callback_token": "cb-token", "timeout": 2, **options}))
    assert isinstance(provider, TencentProvider)
    return provider


def test_accepted_with_the_serial_number(tencent: FakeTencent) -> None:
    provider = _provider(tencent, template_map="cn-early:200002", extend_code="01")
    outcomes = {o.message_id: o for o in submit(provider, [_sms(1, template_id="cn-early"), _sms(2)])}
    assert all(o.accepted for o in outcomes.values())
    by_ref = {s.reference: s for s in tencent.sent}
    assert outcomes[1].provider_message_id == by_ref["1"].provider_id
    assert by_ref["1"].provider_id.startswith("2640:")
    assert (by_ref["1"].template, by_ref["2"].template) == ("200002", "100001")
    assert by_ref["1"].to == "+8613900000001"  # E.164 with +86
    assert by_ref["1"].extra["params"] == ["张*您好，您的账单已到期。"]
    request = next(r for r in tencent.requests if r.json()["SessionContext"] == "1")
    assert request.json()["PhoneNumberSet"] == ["+8613900000001"] and request.json()["ExtendCode"] == "01"
    headers = request.headers
    assert (headers["x-tc-action"], headers["x-tc-version"], headers["x-tc-region"]) == (
        "SendSms",
        "2021-01-11",
        "ap-guangzhou",
    )
    assert headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDFakeSecretId/")
    assert "SignedHeaders=content-type;host;x-tc-action," in headers["authorization"]
    assert abs(int(headers["x-tc-timestamp"]) - time.time()) < 60


@pytest.mark.parametrize(
    ("code", "cls", "retriable"),
    [
        ("LimitExceeded.PhoneNumberThirtySecondLimit", "defer", True),
        ("FailedOperation.PhoneNumberInBlacklist", "suppress", False),
        ("InvalidParameterValue.IncorrectPhoneNumber", "suppress", False),
        ("FailedOperation.ContainSensitiveWord", "block_template", False),
        ("InternalError.Timeout", "retry", True),
        ("FailedOperation.SomethingNew", None, False),
    ],
)
def test_per_number_codes_come_with_http_200(
    tencent: FakeTencent, code: str, cls: str | None, retriable: bool
) -> None:
    tencent.fail_number("+8613900000002", code)
    outcomes = {o.message_id: o for o in submit(_provider(tencent), [_sms(1), _sms(2)])}
    assert outcomes[1].accepted
    assert (outcomes[2].error_code, outcomes[2].error_class, outcomes[2].retriable) == (code, cls, retriable)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("FailedOperation.InsufficientBalanceInSmsPackage", "pause"),
        ("RequestLimitExceeded", "retry"),
        ("FailedOperation.TemplateIncorrectOrUnapproved", "block_template"),
    ],
)
def test_request_level_errors(tencent: FakeTencent, code: str, cls: str) -> None:
    tencent.answer_next(code=code)
    (outcome,) = submit(_provider(tencent), [_sms(1)])
    assert (outcome.error_code, outcome.error_class) == (code, cls)
    assert tencent.sent == []


def test_auth_failures_pause(tencent: FakeTencent) -> None:
    url = tencent.provider_url().replace("FakeSecretKey", "WrongKey", 1)
    (outcome,) = submit(build_provider(url), [_sms(1)])
    assert (outcome.error_code, outcome.error_class) == ("AuthFailure.SignatureFailure", "pause")
    url = tencent.provider_url().replace("AKIDFakeSecretId", "AKIDother", 1)
    (outcome,) = submit(build_provider(url), [_sms(1)])
    assert (outcome.error_code, outcome.error_class) == ("AuthFailure.SecretIdNotFound", "pause")


def test_a_wrong_clock_pauses(tencent: FakeTencent) -> None:
    tencent.clock = lambda: time.time() + 900  # our clock is 15 minutes behind the vendor's
    (outcome,) = submit(_provider(tencent), [_sms(1)])
    assert (outcome.error_code, outcome.error_class) == ("AuthFailure.SignatureExpire", "pause")


def test_transport_failures(tencent: FakeTencent) -> None:
    tencent.answer_next(Answer(delay=5.0))
    assert submit(_provider(tencent, timeout=0.3), [_sms(1)]) == []  # read timeout: unknown
    assert [s.reference for s in tencent.sent] == ["1"]
    tencent.answer_next(body=b"busy", status=503, headers={"Retry-After": "3"})
    (outcome,) = submit(_provider(tencent), [_sms(2)])
    assert (outcome.error_class, outcome.retry_after) == ("retry", 3.0)
    url = f"tencent://id:key@sms.tencentcloudapi.com?sdk_app_id=1&template_id=1&endpoint=http://127.0.0.1:{free_port()}"
    (outcome,) = submit(build_provider(url), [_sms(3)])
    assert outcome.error_class == "retry"


def test_no_status_for_our_number_is_unknown(tencent: FakeTencent) -> None:
    tencent.answer_next(body=json.dumps({"Response": {"SendStatusSet": [], "RequestId": "r"}}).encode())
    assert submit(_provider(tencent), [_sms(1)]) == []


def test_canonical_request_and_authorization_shape() -> None:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Host": "sms.tencentcloudapi.com",
        "X-TC-Action": "SendSms",
    }
    canonical = tc3_canonical_request(
        "post", "/", "", headers, ["host", "content-type", "x-tc-action"], b"{}"
    )
    assert canonical.split("\n") == [
        "POST",
        "/",
        "",
        "content-type:application/json; charset=utf-8",
        "host:sms.tencentcloudapi.com",
        "x-tc-action:sendsms",
        "",
        "content-type;host;x-tc-action",
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    ]
    auth = tc3_authorization(
        "AKID", "key", timestamp=1551113065, method="POST", path="/", headers=headers, payload=b"{}"
    )
    assert auth.startswith("TC3-HMAC-SHA256 Credential=AKID/2019-02-25/sms/tc3_request, SignedHeaders=")


def test_configuration() -> None:
    with pytest.raises(ConfigError) as info:
        build_provider("tencent://id:key@sms.tencentcloudapi.com?template_id=1")
    assert "sdk_app_id" in info.value.en and "sdk_app_id" in info.value.zh
    with pytest.raises(ConfigError):
        build_provider("tencent://sms.tencentcloudapi.com?sdk_app_id=1")
    provider = build_provider("tencent://id:key@?sdk_app_id=1")
    assert isinstance(provider, TencentProvider)
    assert (
        provider.endpoint == "https://sms.tencentcloudapi.com"
        and provider.host_header == "sms.tencentcloudapi.com"
    )


# -- callbacks ----------------------------------------------------------------------------------


def test_status_callback(tencent: FakeTencent) -> None:
    provider = _provider(tencent)
    submit(provider, [_sms(1), _sms(2, "+85291234567")])
    one, two = sorted(tencent.sent, key=lambda s: s.reference or "")
    at = datetime(2026, 11, 28, 1, 31, 5, tzinfo=UTC)
    ok = tencent.status_payload(one, receive_time=at)
    failed = tencent.status_payload(two, success=False, errmsg="MN:0001", description="空号", receive_time=at)
    result = provider.handle_callback("status", json_request(CB.format(kind="status"), [ok, failed]), now=NOW)
    assert json.loads(result.body) == {"result": 0, "errmsg": "OK"}
    delivered, undelivered = result.receipts
    assert (delivered.provider_message_id, delivered.status, delivered.error_code) == (
        one.provider_id,
        "delivered",
        None,
    )
    assert (undelivered.provider_message_id, undelivered.status, undelivered.error_code) == (
        two.provider_id,
        "undelivered",
        "MN:0001",
    )
    assert delivered.at == at and delivered.at.utcoffset() == timedelta(hours=8)
    assert (delivered.handset, undelivered.handset) == ("+8613900000001", "+85291234567")
    assert all(r.raw and "13900000001" not in r.raw and "91234567" not in r.raw for r in result.receipts)


def test_reply_callback_is_one_object(tencent: FakeTencent) -> None:
    provider = _provider(tencent)
    at = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    request = tencent.reply_request(CB.format(kind="reply"), "+8613900000001", "退订", extend="01", at=at)
    result = provider.handle_callback("reply", request, now=NOW)
    assert json.loads(result.body) == {"result": 0, "errmsg": "OK"}
    (reply,) = result.replies
    assert (reply.sender, reply.text, reply.recipient, reply.received_at) == (
        "+8613900000001",
        "退订",
        "01",
        at,
    )


def test_callback_token(tencent: FakeTencent) -> None:
    provider = _provider(tencent)
    with pytest.raises(SignatureError):
        provider.handle_callback("status", json_request("https://api.example/cb?token=nope", []))
    with pytest.raises(SignatureError):
        provider.handle_callback("reply", json_request("https://api.example/cb", {}))


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("status", b"{}"),
        ("status", b'[{"sid": "1", "report_status": "MAYBE"}]'),
        ("status", b'[{"report_status": "SUCCESS"}]'),
        ("status", b'[{"sid": "1", "report_status": "SUCCESS", "user_receive_time": "soon"}]'),
        ("reply", b'{"mobile": "13900000001"}'),
        ("reply", b'{"text": "hi"}'),
        ("reply", b'{"mobile": "13900000001", "text": "hi", "time": "noon"}'),
        ("reply", b"[]]"),
    ],
)
def test_malformed_callbacks(tencent: FakeTencent, kind: str, body: bytes) -> None:
    with pytest.raises(InputError):
        _provider(tencent).handle_callback(kind, CallbackRequest("POST", CB.format(kind=kind), {}, body))
