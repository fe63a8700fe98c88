"""aliyun://: SendSms against the loopback fake (which checks the RPC signature), and the pushes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from dunning.core.errors import ConfigError, InputError, NotFound, SignatureError
from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.http.aliyun import (
    AliyunProvider,
    canonical_query,
    percent_encode,
    rpc_signature,
)
from dunning.sending.providers.http.base import CallbackRequest
from dunning.sending.providers.registry import build_provider
from tests.sending.providers.http.fakes import Answer, FakeAliyun, free_port, json_request, submit

CB = "https://api.example/v1/webhooks/aliyun/{kind}?token=cb-token"
NOW = datetime(2026, 11, 28, 1, 30, tzinfo=UTC)


def _sms(
    i: int, to: str | None = None, body: str = "【安信金融】张*您好，您的账单已到期。", **kw: object
) -> OutgoingSms:
    return OutgoingSms(i, to or f"+86138{i:08d}", body, "UCS-2", 1, None, **kw)  # type: ignore[arg-type]


def _provider(fake: FakeAliyun, **options: object) -> AliyunProvider:
    provider = build_provider(fake.provider_url(**{"callback_token": "cb-token", "timeout": 2, **options}))
    assert isinstance(provider, AliyunProvider)
    return provider


def test_accepted_with_the_bizid_and_the_documented_parameters(aliyun: FakeAliyun) -> None:
    provider = _provider(aliyun, template_map="cn-early:SMS_2,cn-early@3:SMS_3")
    batch = [
        _sms(1, template_id="cn-early", template_version=2),
        _sms(2, "+85291234567", template_id="cn-early", template_version=3),
        _sms(3, template_id="other"),
    ]
    outcomes = {o.message_id: o for o in submit(provider, batch)}
    assert all(o.accepted for o in outcomes.values())
    by_ref = {s.reference: s for s in aliyun.sent}
    assert {str(i): outcomes[i].provider_message_id for i in outcomes} == {
        k: s.provider_id for k, s in by_ref.items()
    }
    assert outcomes[1].provider_message_id.endswith("^0")  # type: ignore[union-attr]
    # +86: national digits; elsewhere the full international digits; no "+"
    assert [by_ref[r].to for r in ("1", "2", "3")] == ["13800000001", "85291234567", "13800000003"]
    assert [by_ref[r].template for r in ("1", "2", "3")] == ["SMS_2", "SMS_3", "SMS_100001"]
    # the body is the one parameter, without the 【sign】 Aliyun adds itself
    assert by_ref["1"].extra == {"sign_name": "安信金融", "params": {"content": "张*您好，您的账单已到期。"}}
    form = aliyun.requests[0].form()
    assert {k: form[k] for k in ("Action", "Version", "Format", "SignatureMethod", "SignatureVersion")} == {
        "Action": "SendSms",
        "Version": "2017-05-25",
        "Format": "JSON",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
    }
    assert len({r.form()["SignatureNonce"] for r in aliyun.requests}) == 3
    assert provider.receipt_id_format == "same"


def test_param_name_and_sign_kept_on_request(aliyun: FakeAliyun) -> None:
    submit(_provider(aliyun, param="text", strip_sign=0), [_sms(1)])
    assert aliyun.sent[0].extra["params"] == {"text": "【安信金融】张*您好，您的账单已到期。"}


def test_no_vendor_template_blocks_the_template_without_a_call(aliyun: FakeAliyun) -> None:
    provider = build_provider(aliyun.provider_url(template_code="", template_map="a:SMS_9"))
    (outcome,) = submit(provider, [_sms(1, template_id="b")])
    assert (outcome.error_code, outcome.error_class, outcome.retriable) == (
        "NO_TEMPLATE",
        "block_template",
        False,
    )
    assert aliyun.requests == []


@pytest.mark.parametrize(
    ("code", "cls", "retriable"),
    [
        ("isv.MOBILE_NUMBER_ILLEGAL", "suppress", False),
        ("isv.BUSINESS_LIMIT_CONTROL", "defer", True),
        ("isv.AMOUNT_NOT_ENOUGH", "pause", True),
        ("isv.SMS_CONTENT_ILLEGAL", "block_template", False),
        ("isp.SYSTEM_ERROR", "retry", True),
        ("isv.SOMETHING_NEW", None, False),
    ],
)
def test_per_number_refusals_by_class(
    aliyun: FakeAliyun, code: str, cls: str | None, retriable: bool
) -> None:
    aliyun.fail_number("13800000002", code)
    outcomes = {o.message_id: o for o in submit(_provider(aliyun), [_sms(1), _sms(2), _sms(3)])}
    assert outcomes[1].accepted and outcomes[3].accepted
    refused = outcomes[2]
    assert (refused.accepted, refused.error_code, refused.error_class, refused.retriable) == (
        False,
        code,
        cls,
        retriable,
    )
    assert sorted(s.reference or "" for s in aliyun.sent) == ["1", "3"]


def test_throttling_retries_after_the_header(aliyun: FakeAliyun) -> None:
    aliyun.answer_next(code="Throttling.User", status=400, headers={"Retry-After": "7"})
    (outcome,) = submit(_provider(aliyun), [_sms(1)])
    assert (outcome.error_class, outcome.retry_after) == ("retry", 7.0)


def test_http_5xx(aliyun: FakeAliyun) -> None:
    aliyun.answer_next(body=b"<html>bad gateway</html>", status=502)
    aliyun.answer_next(body=b"<html>gateway timeout</html>", status=504)
    aliyun.answer_next(code="isp.SYSTEM_ERROR", status=500)
    provider = _provider(aliyun, concurrency=1)
    assert [o.error_class for o in submit(provider, [_sms(1)])] == ["retry"]
    assert submit(provider, [_sms(2)]) == []  # 504: the gateway may have passed it on: unknown
    assert [o.error_class for o in submit(provider, [_sms(3)])] == ["retry"]
    assert aliyun.sent == []


def test_wrong_credentials_pause_the_provider(aliyun: FakeAliyun) -> None:
    url = aliyun.provider_url().replace(aliyun.access_key_id, "LTAIwrong", 1)
    (outcome,) = submit(build_provider(url), [_sms(1)])
    assert (outcome.error_code, outcome.error_class) == ("InvalidAccessKeyId.NotFound", "pause")
    url = aliyun.provider_url().replace("fake%2Fsecret", "other", 1)
    (outcome,) = submit(build_provider(url), [_sms(1)])
    assert (outcome.error_code, outcome.error_class) == ("SignatureDoesNotMatch", "pause")


def test_connect_refused_is_retried() -> None:
    url = f"aliyun://ak:sk@dysmsapi.aliyuncs.com?sign_name=S&template_code=SMS_1&endpoint=http://127.0.0.1:{free_port()}"
    outcomes = submit(build_provider(url), [_sms(1), _sms(2)])
    assert [(o.message_id, o.error_class) for o in sorted(outcomes, key=lambda o: o.message_id)] == [
        (1, "retry"),
        (2, "retry"),
    ]


def test_read_timeout_and_lost_answer_leave_the_message_unknown(aliyun: FakeAliyun) -> None:
    aliyun.answer_next(Answer(delay=5.0))
    assert submit(_provider(aliyun, timeout=0.3), [_sms(1)]) == []  # no outcome: unknown, never resent
    aliyun.answer_next(Answer(drop=True))
    assert submit(_provider(aliyun), [_sms(2)]) == []
    assert sorted(s.reference or "" for s in aliyun.sent) == ["1", "2"]  # both were taken


def test_unreadable_success_is_unknown(aliyun: FakeAliyun) -> None:
    aliyun.answer_next(body=b"not json", status=200)
    aliyun.answer_next(body=json.dumps({"Code": "OK"}).encode(), status=200)
    provider = _provider(aliyun, concurrency=1)
    assert submit(provider, [_sms(1)]) == []
    assert submit(provider, [_sms(2)]) == []


def test_signature_is_the_documented_one() -> None:
    assert percent_encode("a b*~/+中") == "a%20b%2A~%2F%2B%E4%B8%AD"
    assert canonical_query({"b": "2", "a": "1 2", "B": "x"}) == "B=x&a=1%202&b=2"
    params = {"Action": "SendSms", "Timestamp": "2026-11-28T01:30:00Z", "Signature": "ignored"}
    one = rpc_signature("POST", params, "secret")
    assert one == rpc_signature("POST", {k: v for k, v in params.items() if k != "Signature"}, "secret")
    assert one != rpc_signature("GET", params, "secret") != rpc_signature("POST", params, "other")


# -- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "aliyun://dysmsapi.aliyuncs.com?sign_name=S",  # no credentials
        "aliyun://ak:sk@dysmsapi.aliyuncs.com?template_code=SMS_1",  # no sign_name
        "aliyun://ak:sk@h?sign_name=S&template_map=nocolon",
        "aliyun://ak:sk@h?sign_name=S&endpoint=ftp://x",
        "aliyun://ak:sk@h?sign_name=S&endpoint=http://sms.example.com",  # clear text off loopback
        "aliyun://ak:sk@h?sign_name=S&concurrency=0",
    ],
)
def test_bad_urls_are_bilingual_config_errors_without_secrets(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_provider(url)
    assert info.value.zh != info.value.en
    assert ":sk@" not in info.value.en and ":sk@" not in info.value.zh


def test_plain_http_off_loopback_only_when_asked() -> None:
    provider = build_provider("aliyun://ak:sk@h?sign_name=S&endpoint=http://sms.internal&insecure=1")
    assert isinstance(provider, AliyunProvider) and provider.endpoint == "http://sms.internal"


def test_secrets_stay_out_of_repr() -> None:
    provider = build_provider("aliyun://ak:s3cret@h?sign_name=S&callback_token=t0ken")
    assert "s3cret" not in repr(provider) and "t0ken" not in repr(provider)
    assert "callback_token=***" in provider.safe_url


# -- callbacks ----------------------------------------------------------------------------------


def test_status_push_gives_receipts_with_the_bizid_and_shanghai_times(aliyun: FakeAliyun) -> None:
    provider = _provider(aliyun)
    submit(provider, [_sms(1), _sms(2)])
    one, two = sorted(aliyun.sent, key=lambda s: s.reference or "")
    at = datetime(2026, 11, 28, 1, 31, 5, tzinfo=UTC)
    request = aliyun.status_request(CB.format(kind="status"), [one], report_time=at)
    failed = aliyun.status_payload(two, success=False, err_code="MK:0001", err_msg="号码停机", report_time=at)
    request = json_request(request.url, [*json.loads(request.body), failed])
    result = provider.handle_callback("status", request, now=NOW)
    assert result.status_code == 200 and json.loads(result.body) == {"code": 0, "msg": "成功"}
    assert result.replies == []
    delivered, undelivered = result.receipts
    assert (delivered.provider_message_id, delivered.status, delivered.error_code) == (
        one.provider_id,
        "delivered",
        None,
    )
    assert (undelivered.provider_message_id, undelivered.status, undelivered.error_code) == (
        two.provider_id,
        "undelivered",
        "MK:0001",
    )
    assert delivered.at == at and delivered.at.utcoffset() == timedelta(hours=8)
    assert delivered.handset == "+8613800000001"
    for receipt in result.receipts:
        assert receipt.raw is not None and "13800000" not in receipt.raw
        assert json.loads(receipt.raw)["biz_id"] == receipt.provider_message_id


def test_reply_push(aliyun: FakeAliyun) -> None:
    provider = _provider(aliyun)
    sent_at = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    request = aliyun.reply_request(
        CB.format(kind="reply"), "+8613800000001", "明天还五百", send_time=sent_at, sequence_id="88"
    )
    result = provider.handle_callback("reply", request, now=NOW)
    assert json.loads(result.body) == {"code": 0, "msg": "接收成功"} and result.receipts == []
    (reply,) = result.replies
    assert (reply.sender, reply.text, reply.recipient, reply.provider_reference) == (
        "+8613800000001",
        "明天还五百",
        "1234",
        "88",
    )
    assert reply.received_at == sent_at and reply.received_at.tzinfo is not None
    numeric = aliyun.reply_request(CB.format(kind="reply"), "+8613800000001", "TD", sequence_id=7)
    assert provider.handle_callback("reply", numeric).replies[0].provider_reference == "7"


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example/v1/webhooks/aliyun/status",
        "https://api.example/v1/webhooks/aliyun/status?token=wrong",
        "https://api.example/v1/webhooks/aliyun/status?token=",
    ],
)
def test_callbacks_need_the_token(aliyun: FakeAliyun, url: str) -> None:
    request = json_request(url, [])
    with pytest.raises(SignatureError) as info:
        _provider(aliyun).handle_callback("status", request)
    assert info.value.zh != info.value.en


def test_callbacks_are_refused_without_a_configured_token(aliyun: FakeAliyun) -> None:
    provider = build_provider(aliyun.provider_url())
    with pytest.raises(SignatureError):
        provider.handle_callback("reply", json_request(CB.format(kind="reply"), []))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b'{"biz_id": "1"}',
        b"[1, 2]",
        b'[{"success": true}]',
        b'[{"biz_id": "1", "success": "maybe"}]',
        b'[{"biz_id": "1", "success": true, "report_time": "yesterday"}]',
        b'[{"biz_id": {"x": 1}, "success": true}]',
    ],
)
def test_malformed_status_pushes_are_input_errors(aliyun: FakeAliyun, body: bytes) -> None:
    request = CallbackRequest("POST", CB.format(kind="status"), {"Content-Type": "application/json"}, body)
    with pytest.raises(InputError) as info:
        _provider(aliyun).handle_callback("status", request)
    assert info.value.zh != info.value.en


@pytest.mark.parametrize("body", [b'[{"phone_number": "13800000001"}]', b'[{"content": "hi"}]', b"{}"])
def test_malformed_reply_pushes_are_input_errors(aliyun: FakeAliyun, body: bytes) -> None:
    request = CallbackRequest("POST", CB.format(kind="reply"), {}, body)
    with pytest.raises(InputError):
        _provider(aliyun).handle_callback("reply", request)


def test_unknown_callback_kind(aliyun: FakeAliyun) -> None:
    with pytest.raises(NotFound):
        _provider(aliyun).handle_callback("inbound", json_request(CB.format(kind="inbound"), []))
