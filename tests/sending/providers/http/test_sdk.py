"""The vendors' official SDKs (dev-only) against our fakes: the fakes' answers deserialise, the
fakes accept what the SDKs sign, and our requests carry what the SDKs' requests carry."""

from __future__ import annotations

import json

import pytest

from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.http.aliyun import AliyunProvider, rpc_signature
from dunning.sending.providers.registry import build_provider
from tests.sending.providers.http.fakes import FakeAliyun, FakeTencent, FakeTwilio, submit

# The SDKs' own (non-signature) fields of a request: what both sides must send.
ALIYUN_FIELDS = {"PhoneNumbers", "SignName", "TemplateCode", "TemplateParam", "OutId", "Action", "Version"}


def _cn(i: int) -> OutgoingSms:
    return OutgoingSms(i, f"+86138{i:08d}", "您的账单已到期", "UCS-2", 1)


@pytest.mark.parametrize("algorithm", ["v2", None])  # v2: the RPC signature we use; None: the SDK's V3
def test_aliyun_sdk_against_the_fake(aliyun: FakeAliyun, algorithm: str | None) -> None:
    client_module = pytest.importorskip("alibabacloud_dysmsapi20170525.client")
    models = pytest.importorskip("alibabacloud_dysmsapi20170525.models")
    openapi = pytest.importorskip("alibabacloud_tea_openapi.models")
    config = openapi.Config(
        access_key_id=aliyun.access_key_id,
        access_key_secret=aliyun.access_key_secret,
        endpoint=f"127.0.0.1:{aliyun.port}",
        protocol="http",
        region_id="cn-hangzhou",
        read_timeout=3000,
        connect_timeout=3000,
    )
    if algorithm:
        config.signature_algorithm = algorithm
    client = client_module.Client(config)
    request = models.SendSmsRequest(
        phone_numbers="13800000001",
        sign_name="安信金融",
        template_code="SMS_100001",
        template_param=json.dumps({"content": "您的账单已到期"}, ensure_ascii=False),
        out_id="1",
    )
    answer = client.send_sms(request)
    assert (answer.status_code, answer.body.code) == (200, "OK")
    assert answer.body.biz_id == aliyun.sent[0].provider_id and answer.body.request_id
    aliyun.fail_number("13800000002", "isv.BUSINESS_LIMIT_CONTROL", message="触发分钟级流控")
    request.phone_numbers = "13800000002"
    refused = client.send_sms(request)
    assert (refused.body.code, refused.body.message) == ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控")
    # ours next to the SDK's, in the same fake
    submit(build_provider(aliyun.provider_url()), [_cn(1)])
    sdk_request, ours = aliyun.requests[0], aliyun.requests[-1]
    sdk_params = {**sdk_request.query, **(sdk_request.form() if sdk_request.body else {})}
    sdk_params.update({"Action": sdk_request.headers.get("x-acs-action", sdk_params.get("Action", ""))})
    sdk_params.update({"Version": sdk_request.headers.get("x-acs-version", sdk_params.get("Version", ""))})
    our_params = ours.form()
    assert set(sdk_params) >= ALIYUN_FIELDS and set(our_params) >= ALIYUN_FIELDS
    for name in ("PhoneNumbers", "SignName", "TemplateCode", "OutId", "Action", "Version"):
        assert our_params[name] == sdk_params[name], name
    assert json.loads(our_params["TemplateParam"]) == json.loads(sdk_params["TemplateParam"])


def test_our_rpc_signature_is_the_sdks() -> None:
    utils = pytest.importorskip("alibabacloud_tea_openapi.utils")
    params = {
        "Action": "SendSms",
        "Format": "JSON",
        "Version": "2017-05-25",
        "Timestamp": "2026-11-28T01:30:00Z",
        "SignatureNonce": "abc",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "AccessKeyId": "LTAI5t",
        "PhoneNumbers": "13800000001",
        "SignName": "安信金融",
        "TemplateParam": '{"content": "明天还 500 元~*"}',
    }
    for method in ("POST", "GET"):
        assert rpc_signature(method, params, "s3cret/+=") == utils.Utils.get_rpcsignature(
            params, method, "s3cret/+="
        )
    provider = build_provider("aliyun://LTAI5t:s3cret@h?sign_name=安信金融&template_code=SMS_1")
    assert isinstance(provider, AliyunProvider)
    signed = provider.request_params(_cn(1), "SMS_1")
    unsigned = {k: v for k, v in signed.items() if k != "Signature"}
    assert signed["Signature"] == utils.Utils.get_rpcsignature(unsigned, "POST", "s3cret")


def test_tencent_sdk_against_the_fake(tencent: FakeTencent) -> None:
    pytest.importorskip("tencentcloud.sms.v20210111")
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import models, sms_client

    profile = HttpProfile(
        protocol="http", endpoint=f"127.0.0.1:{tencent.port}", reqMethod="POST", reqTimeout=3
    )
    client = sms_client.SmsClient(
        credential.Credential(tencent.secret_id, tencent.secret_key),
        "ap-guangzhou",
        ClientProfile(httpProfile=profile),
    )
    request = models.SendSmsRequest()
    request.PhoneNumberSet = ["+8613800000001", "+8613800000002"]
    request.SmsSdkAppId = tencent.sdk_app_id
    request.SignName = "安信金融"
    request.TemplateId = "100001"
    request.TemplateParamSet = ["您的账单已到期"]
    request.SessionContext = "1"
    tencent.fail_number("+8613800000002", "LimitExceeded.PhoneNumberDailyLimit")
    answer = client.SendSms(request)
    codes = [(s.PhoneNumber, s.Code, s.SessionContext) for s in answer.SendStatusSet]
    assert codes == [
        ("+8613800000001", "Ok", "1"),
        ("+8613800000002", "LimitExceeded.PhoneNumberDailyLimit", "1"),
    ]
    assert answer.SendStatusSet[0].SerialNo == tencent.sent[0].provider_id and answer.RequestId
    tencent.answer_next(code="FailedOperation.InsufficientBalanceInSmsPackage", message="套餐包余量不足")
    with pytest.raises(TencentCloudSDKException) as info:
        client.SendSms(request)
    assert info.value.code == "FailedOperation.InsufficientBalanceInSmsPackage"
    # ours: the same body fields (one number a call) and headers
    submit(build_provider(tencent.provider_url()), [_cn(1)])
    sdk_request, ours = tencent.requests[0], tencent.requests[-1]
    sdk_body, our_body = sdk_request.json(), ours.json()
    assert set(our_body) == set(sdk_body)
    for name in ("SmsSdkAppId", "SignName", "TemplateId", "TemplateParamSet", "SessionContext"):
        assert our_body[name] == sdk_body[name], name
    assert our_body["PhoneNumberSet"] == ["+8613800000001"]
    for header in ("x-tc-action", "x-tc-version", "x-tc-region", "host"):
        assert ours.headers[header] == sdk_request.headers[header], header


def test_twilio_sdk_against_the_fake(twilio: FakeTwilio) -> None:
    pytest.importorskip("twilio.rest")
    from twilio.base.exceptions import TwilioRestException
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    class Loopback(TwilioHttpClient):  # the SDK's own HTTP client, aimed at the fake
        def request(self, method: str, url: str, *args: object, **kwargs: object) -> object:
            return super().request(method, url.replace("https://api.twilio.com", twilio.url), *args, **kwargs)  # type: ignore[arg-type]

    client = Client(twilio.account_sid, twilio.auth_token, http_client=Loopback(timeout=3))
    message = client.messages.create(
        to="+14155550001",
        from_="+15005550006",
        body="Harbor Lending: payment due.",
        status_callback="https://cb.example/s",
    )
    assert (message.sid, message.status, message.to) == (twilio.sent[0].provider_id, "queued", "+14155550001")
    assert message.date_created is not None and message.num_segments == "1"
    twilio.fail_number("+14155550002", "21610", message="Attempt to send to unsubscribed recipient")
    with pytest.raises(TwilioRestException) as info:
        client.messages.create(to="+14155550002", from_="+15005550006", body="x")
    assert (info.value.code, info.value.status) == (21610, 400)
    submit(
        build_provider(twilio.provider_url(status_callback="https://cb.example/s")),
        [OutgoingSms(1, "+14155550001", "Harbor Lending: payment due.", "GSM-7", 1)],
    )
    sdk_form, our_form = twilio.requests[0].form(), twilio.requests[-1].form()
    assert our_form == sdk_form
    assert twilio.requests[-1].path == twilio.requests[0].path
