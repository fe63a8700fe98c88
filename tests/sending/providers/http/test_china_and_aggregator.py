"""Aliyun, Tencent and the generic aggregator against loopback doubles of their documented APIs;
the official Aliyun and Tencent SDKs pointed at the same doubles; callbacks with and without their
token or signature; every error code REFERENCE.md §2 names lands in its class."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from dunning.core.errors import InputError, SignatureError
from dunning.messages.wire import OutgoingSms, SubmitOutcome
from dunning.sending.providers.http import aliyun, tencent
from dunning.sending.providers.http.base import CallbackRequest
from dunning.sending.providers.http.webhook import webhook_signature
from dunning.sending.providers.registry import build_provider
from dunning.sending.providers.routing import RoutingProvider
from tests.sending.providers.http.fakes import FakeAggregator, FakeAliyun, FakeTencent, serve

NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def _sms(mid: int, to: str, template: str | None = "cn-due") -> OutgoingSms:
    return OutgoingSms(
        mid, to, "【某某金融】张*您好，您的借款今天到期，请按时还款。", "UCS-2", 1, template_id=template
    )


def _submit(url: str, batch: list[OutgoingSms]) -> dict[int, SubmitOutcome]:
    provider = build_provider(url)

    async def go() -> list[SubmitOutcome]:
        async with provider:
            return await provider.submit_batch(batch, now=NOW)

    return {o.message_id: o for o in asyncio.run(go())}


def _aliyun_url(fake: FakeAliyun, base: str, **extra: str) -> str:
    query = urlencode(
        {
            "sign_name": "某某金融",
            "template_code": "SMS_100",
            "template_map": "cn-due:SMS_200",
            "endpoint": base,
            "callback_token": "tok",
            **extra,
        }
    )
    return f"aliyun://{fake.key_id}:{fake.secret}@dysmsapi.aliyuncs.com?{query}"


def test_aliyun_sends_signed_requests_and_classifies_codes() -> None:
    fake = FakeAliyun(
        fail={
            "13800000002": "isv.BUSINESS_LIMIT_CONTROL",
            "13800000003": "isv.AMOUNT_NOT_ENOUGH",
            "13800000004": "isv.MOBILE_NUMBER_ILLEGAL",
            "13800000005": "isv.SMS_CONTENT_ILLEGAL",
            "13800000006": "isp.SYSTEM_ERROR",
        }
    )
    with serve(fake.app()) as base:
        out = _submit(_aliyun_url(fake, base), [_sms(i, f"+861380000000{i}") for i in range(1, 7)])
        wrong = _submit(_aliyun_url(FakeAliyun(secret="wrong"), base), [_sms(9, "+8613800000001")])
    assert out[1].accepted and out[1].provider_message_id and out[1].provider_message_id.endswith("^0")
    assert [out[i].error_class for i in range(2, 7)] == [
        "defer",
        "pause",
        "suppress",
        "block_template",
        "retry",
    ]
    assert wrong[9].error_class == "pause"  # SignatureDoesNotMatch: our credentials are wrong
    sent = next(r for r in fake.requests if r["PhoneNumbers"] == "13800000001")
    assert sent["TemplateCode"] == "SMS_200" and json.loads(sent["TemplateParam"])["content"].startswith("【")
    assert sent["OutId"] == "1" and sent["SignName"] == "某某金融"


def test_every_reference_code_is_in_its_class() -> None:
    expected = {
        "isv.BUSINESS_LIMIT_CONTROL": "defer",
        "isv.DAY_LIMIT_CONTROL": "pause",
        "isv.MONTH_LIMIT_CONTROL": "pause",
        "isv.AMOUNT_NOT_ENOUGH": "pause",
        "isv.OUT_OF_SERVICE": "pause",
        "isp.RAM_PERMISSION_DENY": "pause",
        "isv.MOBILE_NUMBER_ILLEGAL": "suppress",
        "isv.BLACK_KEY_CONTROL_LIMIT": "suppress",
        "isv.SMS_TEMPLATE_ILLEGAL": "block_template",
        "isv.TEMPLATE_MISSING_PARAMETERS": "block_template",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL": "block_template",
        "isv.SMS_CONTENT_ILLEGAL": "block_template",
        "isv.PARAM_NOT_SUPPORT_URL": "block_template",
        "isp.SYSTEM_ERROR": "retry",
    }
    assert {c: aliyun.outcome_for(1, c, c).error_class for c in expected} == expected
    tencent_expected = {
        "InternalError.Timeout": "retry",
        "RequestLimitExceeded": "retry",
        "AuthFailure.SignatureExpire": "pause",
        "LimitExceeded.DeliveryFrequencyLimit": "defer",
        "LimitExceeded.PhoneNumberThirtySecondLimit": "defer",
        "LimitExceeded.PhoneNumberOneHourLimit": "defer",
        "LimitExceeded.PhoneNumberDailyLimit": "defer",
        "FailedOperation.PhoneNumberInBlacklist": "suppress",
        "InvalidParameterValue.IncorrectPhoneNumber": "suppress",
        "FailedOperation.TemplateIncorrectOrUnapproved": "block_template",
        "FailedOperation.SignatureIncorrectOrUnapproved": "block_template",
        "FailedOperation.ContainSensitiveWord": "block_template",
        "FailedOperation.InsufficientBalanceInSmsPackage": "pause",
    }
    assert {c: tencent.outcome_for(1, c, c).error_class for c in tencent_expected} == tencent_expected


def test_the_aliyun_sdk_reads_our_double_and_sends_the_same_business_fields() -> None:
    sdk = pytest.importorskip("alibabacloud_dysmsapi20170525.client")
    models = pytest.importorskip("alibabacloud_dysmsapi20170525.models")
    open_api = pytest.importorskip("alibabacloud_tea_openapi.models")
    fake = FakeAliyun()
    with serve(fake.app()) as base:
        config = open_api.Config(
            access_key_id=fake.key_id,
            access_key_secret=fake.secret,
            endpoint=base.removeprefix("http://"),
            protocol="http",
        )
        client = sdk.Client(config)
        answer = client.send_sms(
            models.SendSmsRequest(
                phone_numbers="13800000001",
                sign_name="某某金融",
                template_code="SMS_200",
                template_param=json.dumps({"content": "x"}),
                out_id="7",
            )
        )
        ours = _submit(_aliyun_url(fake, base), [_sms(7, "+8613800000001")])
    assert answer.body.code == "OK" and answer.body.biz_id and ours[7].accepted
    theirs, mine = fake.requests
    for name in ("PhoneNumbers", "SignName", "TemplateCode", "OutId"):
        assert theirs[name] == mine[name], name


def test_aliyun_pushes_need_the_token_and_parse() -> None:
    provider = build_provider(_aliyun_url(FakeAliyun(), "http://127.0.0.1:9"))
    assert isinstance(provider, aliyun.AliyunProvider)
    report = [
        {
            "phone_number": "13800000001",
            "send_time": "2026-12-02 10:00:00",
            "report_time": "2026-12-02 10:00:05",
            "success": True,
            "err_code": "DELIVERED",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": "100^0",
            "out_id": "7",
        },
        {
            "phone_number": "13800000002",
            "send_time": "2026-12-02 10:00:00",
            "report_time": "2026-12-02 10:01:00",
            "success": False,
            "err_code": "MK:0012",
            "err_msg": "失败",
            "biz_id": "101^0",
            "out_id": "8",
        },
    ]
    body = json.dumps(report).encode()
    with pytest.raises(SignatureError):
        provider.handle_callback("status", CallbackRequest("POST", "http://x/", {}, body, {"token": "bad"}))
    result = provider.handle_callback(
        "status", CallbackRequest("POST", "http://x/", {}, body, {"token": "tok"})
    )
    assert [(r.provider_message_id, r.status) for r in result.receipts] == [
        ("100^0", "delivered"),
        ("101^0", "undelivered"),
    ]
    assert result.receipts[0].at == datetime(2026, 12, 2, 2, 0, 5, tzinfo=UTC)
    assert json.loads(result.body)["code"] == 0
    up = [
        {
            "phone_number": "13800000001",
            "send_time": "2026-12-02 10:05:00",
            "content": "退订",
            "sign_name": "某某金融",
            "dest_code": "1234",
            "sequence_id": 55,
        }
    ]
    replies = provider.handle_callback(
        "reply", CallbackRequest("POST", "http://x/", {}, json.dumps(up).encode(), {"token": "tok"})
    )
    assert replies.replies[0].sender == "+8613800000001" and replies.replies[0].provider_reference == "55"
    with pytest.raises(InputError):
        provider.handle_callback(
            "status", CallbackRequest("POST", "http://x/", {}, b"{not json", {"token": "tok"})
        )


def _tencent_url(fake: FakeTencent, base: str) -> str:
    query = urlencode(
        {
            "sdk_app_id": "1400000001",
            "sign_name": "某某金融",
            "template_id": "100",
            "template_map": "cn-due:200",
            "endpoint": base,
            "callback_token": "tok",
        }
    )
    return f"tencent://{fake.secret_id}:{fake.secret_key}@sms.tencentcloudapi.com?{query}"


def test_tencent_signs_tc3_and_reads_per_number_codes() -> None:
    fake = FakeTencent(
        fail={
            "+8613800000002": "LimitExceeded.PhoneNumberDailyLimit",
            "+8613800000003": "FailedOperation.PhoneNumberInBlacklist",
            "+8613800000004": "FailedOperation.TemplateIncorrectOrUnapproved",
        }
    )
    with serve(fake.app()) as base:
        out = _submit(_tencent_url(fake, base), [_sms(i, f"+861380000000{i}") for i in range(1, 5)])
        wrong = _submit(_tencent_url(FakeTencent(secret_key="wrong"), base), [_sms(9, "+8613800000001")])
    assert out[1].accepted and out[1].provider_message_id and out[1].provider_message_id.startswith("2433:")
    assert [out[i].error_class for i in (2, 3, 4)] == ["defer", "suppress", "block_template"]
    assert wrong[9].error_class == "pause"
    assert fake.requests[0]["TemplateId"] in ("200",) and fake.requests[0]["SmsSdkAppId"] == "1400000001"


def test_the_tencent_sdk_passes_our_doubles_signature_check() -> None:
    pytest.importorskip("tencentcloud.sms")
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import models, sms_client

    fake = FakeTencent()
    with serve(fake.app()) as base:
        http = HttpProfile(endpoint=base.removeprefix("http://"), reqMethod="POST", protocol="http")
        client = sms_client.SmsClient(
            credential.Credential(fake.secret_id, fake.secret_key),
            "ap-guangzhou",
            ClientProfile(httpProfile=http),
        )
        request = models.SendSmsRequest()
        request.from_json_string(
            json.dumps(
                {
                    "PhoneNumberSet": ["+8613800000001"],
                    "SmsSdkAppId": "1400000001",
                    "SignName": "某某金融",
                    "TemplateId": "200",
                    "TemplateParamSet": ["x"],
                }
            )
        )
        answer = client.SendSms(request)
    assert answer.SendStatusSet[0].Code == "Ok" and answer.SendStatusSet[0].SerialNo


def test_tencent_callbacks() -> None:
    provider = build_provider(_tencent_url(FakeTencent(), "http://127.0.0.1:9"))
    assert isinstance(provider, tencent.TencentProvider)
    status = [
        {
            "user_receive_time": "2026-12-02 10:00:03",
            "nationcode": "86",
            "mobile": "13800000001",
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "用户短信送达成功",
            "sid": "2433:1",
        }
    ]
    got = provider.handle_callback(
        "status", CallbackRequest("POST", "http://x/", {}, json.dumps(status).encode(), {"token": "tok"})
    )
    assert got.receipts[0].status == "delivered" and json.loads(got.body) == {"result": 0, "errmsg": "OK"}
    reply = {
        "extend": "",
        "mobile": "13800000001",
        "nationcode": "86",
        "sign": "某某金融",
        "text": "下周五还",
        "time": 1764640000,
    }
    got = provider.handle_callback(
        "reply", CallbackRequest("POST", "http://x/", {}, json.dumps(reply).encode(), {"token": "tok"})
    )
    assert got.replies[0].sender == "+8613800000001" and got.replies[0].text == "下周五还"
    with pytest.raises(SignatureError):
        provider.handle_callback(
            "reply", CallbackRequest("POST", "http://x/", {}, json.dumps(reply).encode(), {})
        )


def test_the_aggregator_maps_fields_errors_and_signatures() -> None:
    fake = FakeAggregator(fail={"+8613800000002": "LIMIT", "+8613800000003": "BADNUM"})
    with serve(fake.app()) as base:
        options = {"endpoint": base + "/send", "secret": fake.secret, "errors": "LIMIT:defer,BADNUM:suppress"}
        url = f"webhook://agg?{urlencode(options)}"
        out = _submit(url, [_sms(i, f"+861380000000{i}") for i in (1, 2, 3)])
    assert out[1].accepted and str(out[1].provider_message_id).startswith("agg-")
    assert (out[2].error_class, out[3].error_class) == ("defer", "suppress")
    provider = build_provider(url)
    body = json.dumps({"id": "agg-1", "status": "delivered"}).encode()
    stamp = str(int(time.time()))
    good = {"x-dunning-timestamp": stamp, "x-dunning-signature": webhook_signature(fake.secret, stamp, body)}
    assert (
        provider.handle_callback("status", CallbackRequest("POST", "http://x/", good, body))
        .receipts[0]
        .status
        == "delivered"
    )  # type: ignore[attr-defined]
    old = str(int(time.time()) - 3600)
    stale = {"x-dunning-timestamp": old, "x-dunning-signature": webhook_signature(fake.secret, old, body)}
    for headers in ({}, {**good, "x-dunning-signature": "sha256=00"}, stale):
        with pytest.raises(SignatureError):
            provider.handle_callback("status", CallbackRequest("POST", "http://x/", headers, body))  # type: ignore[attr-defined]


def test_routing_across_protocol_families_tags_callback_ids() -> None:
    fake = FakeAliyun()
    with serve(fake.app()) as base:
        url = (
            f"file://out.jsonl?route_name=intl&priority=2 | "
            f"{_aliyun_url(fake, base)}&route_name=ali&route_prefix=%2B86&priority=1"
        )
        provider = build_provider(url)
        assert isinstance(provider, RoutingProvider)

        async def go() -> list[Any]:
            async with provider:
                return await provider.submit_batch(
                    [_sms(1, "+8613800000001"), _sms(2, "+15550000001")], now=NOW
                )

        out = {o.message_id: o for o in asyncio.run(go())}
    assert out[1].provider_message_id.endswith("@ali") and out[2].provider_message_id.endswith("@intl")
    target = provider.callback_target("ali")
    report = [
        {
            "biz_id": out[1].provider_message_id.removesuffix("@ali"),
            "success": True,
            "report_time": "2026-12-02 10:00:00",
        }
    ]
    got = target.handle_callback(
        "status", CallbackRequest("POST", "http://x/", {}, json.dumps(report).encode(), {"token": "tok"})
    )
    assert got.receipts[0].provider_message_id == out[1].provider_message_id
