"""twilio://: the Messages API against the fake (basic auth), and the signed webhooks, cross-checked
against twilio's own RequestValidator in both directions."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from dunning.core.errors import ConfigError, InputError, SignatureError
from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.http.base import CallbackRequest
from dunning.sending.providers.http.twilio import (
    EMPTY_TWIML,
    TwilioProvider,
    twilio_signature,
    url_variants,
    valid_twilio_signature,
)
from dunning.sending.providers.registry import build_provider
from tests.sending.providers.http.fakes import Answer, FakeTwilio, form_request, free_port, submit

STATUS_URL = "https://public.example/v1/webhooks/twilio/status"
INBOUND_URL = "https://public.example/v1/webhooks/twilio/inbound?route=us"
NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)


def _sms(i: int, to: str | None = None, source: str | None = None) -> OutgoingSms:
    return OutgoingSms(
        i, to or f"+1415555{i:04d}", f"Harbor Lending: payment {i} is due.", "GSM-7", 1, source
    )


def _provider(fake: FakeTwilio, **options: object) -> TwilioProvider:
    provider = build_provider(fake.provider_url(**{"status_callback": STATUS_URL, "timeout": 2, **options}))
    assert isinstance(provider, TwilioProvider)
    return provider


def test_module_says_first_party_only() -> None:
    import dunning.sending.providers.http.twilio as module

    assert module.__doc__ is not None
    assert "third-party debt collection" in module.__doc__ and "first-party" in module.__doc__


def test_accepted_with_the_sid_and_the_form(twilio: FakeTwilio) -> None:
    outcomes = {o.message_id: o for o in submit(_provider(twilio), [_sms(1), _sms(2, source="+15005550007")])}
    assert all(o.accepted for o in outcomes.values())
    by_to = {s.to: s for s in twilio.sent}
    assert outcomes[1].provider_message_id == by_to["+14155550001"].provider_id
    assert outcomes[1].provider_message_id.startswith("SM")  # type: ignore[union-attr]
    form = next(r.form() for r in twilio.requests if r.form()["To"] == "+14155550001")
    assert form == {
        "To": "+14155550001",
        "Body": "Harbor Lending: payment 1 is due.",
        "From": "+15005550006",  # the "+" of from= survives the URL
        "StatusCallback": STATUS_URL,
    }
    assert by_to["+14155550002"].extra["from"] == "+15005550007"  # a message's own source wins


def test_messaging_service(twilio: FakeTwilio) -> None:
    url = twilio.provider_url(messaging_service_sid="MG" + "a" * 32).replace("from=%2B15005550006&", "")
    submit(build_provider(url), [_sms(1)])
    assert twilio.requests[0].form()["MessagingServiceSid"] == "MG" + "a" * 32
    assert "From" not in twilio.requests[0].form()


@pytest.mark.parametrize(
    ("code", "cls", "retriable"),
    [
        ("21211", "suppress", False),
        ("21610", "suppress", False),
        ("21614", "suppress", False),
        ("30007", "block_template", False),
        ("21606", "pause", True),
        ("21999", None, False),
    ],
)
def test_error_codes(twilio: FakeTwilio, code: str, cls: str | None, retriable: bool) -> None:
    twilio.fail_number("+14155550002", code)
    outcomes = {o.message_id: o for o in submit(_provider(twilio), [_sms(1), _sms(2)])}
    assert outcomes[1].accepted
    assert (outcomes[2].error_code, outcomes[2].error_class, outcomes[2].retriable) == (code, cls, retriable)


def test_too_many_requests_retries_after_the_header(twilio: FakeTwilio) -> None:
    twilio.answer_next(code="20429", headers={"Retry-After": "12"})
    (outcome,) = submit(_provider(twilio), [_sms(1)])
    assert (outcome.error_code, outcome.error_class, outcome.retry_after) == ("20429", "retry", 12.0)
    twilio.answer_next(body=b"slow down", status=429)  # no code, no header: the status says retry
    (outcome,) = submit(_provider(twilio), [_sms(2)])
    assert (outcome.error_code, outcome.error_class) == ("HTTP 429", "retry")


def test_bad_auth_token_pauses(twilio: FakeTwilio) -> None:
    url = twilio.provider_url().replace("fake-auth-token", "wrong-token", 1)
    (outcome,) = submit(build_provider(url), [_sms(1)])
    assert (outcome.error_code, outcome.error_class) == ("20003", "pause")


def test_transport(twilio: FakeTwilio) -> None:
    twilio.answer_next(Answer(delay=5.0))
    assert submit(_provider(twilio, timeout=0.3), [_sms(1)]) == []
    assert len(twilio.sent) == 1
    twilio.answer_next(body=b"oops", status=500)
    assert [o.error_class for o in submit(_provider(twilio), [_sms(2)])] == ["retry"]
    url = f"twilio://AC1:tok@api.twilio.com?from=%2B15005550006&endpoint=http://127.0.0.1:{free_port()}"
    assert [o.error_class for o in submit(build_provider(url), [_sms(3)])] == ["retry"]


def test_configuration() -> None:
    with pytest.raises(ConfigError) as info:
        build_provider("twilio://AC1:tok@api.twilio.com")
    assert "messaging_service_sid" in info.value.en and info.value.zh != info.value.en
    provider = build_provider("twilio://AC1:tok@api.twilio.com?from=+15005550006")
    assert isinstance(provider, TwilioProvider) and provider.from_number == "+15005550006"
    assert provider.messages_url == "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"


# -- signatures ---------------------------------------------------------------------------------


def test_signature_against_twilios_validator_both_ways() -> None:
    validator_module = pytest.importorskip("twilio.request_validator")
    token = "12345"
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
    }
    params["To"] = "+18005551212"
    params["Body"] = "还款 ok ✓"
    theirs = validator_module.RequestValidator(token)
    ours = twilio_signature(token, url, params)
    assert ours == theirs.compute_signature(url, params)
    assert theirs.validate(url, params, ours)  # they accept what we sign
    assert valid_twilio_signature(token, url, params, theirs.compute_signature(url, params))  # and vice versa
    sha256 = theirs.compute_signature(url, params, algorithm="HMAC_SHA256")
    assert twilio_signature(token, url, params, "HMAC_SHA256") == sha256
    # the port: signed without it, called with it (and the other way round) still validates
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert valid_twilio_signature(token, with_port, params, ours)
    assert theirs.validate(with_port, params, ours)
    assert valid_twilio_signature(token, url, params, theirs.compute_signature(with_port, params))
    assert not valid_twilio_signature(token, url, {**params, "Extra": "x"}, ours)
    assert not valid_twilio_signature("other", url, params, ours)
    assert not valid_twilio_signature(token, url, params, ours, "HMAC_MD5")


def test_url_variants() -> None:
    assert url_variants("https://h.example/p?q=1") == [
        "https://h.example/p?q=1",
        "https://h.example:443/p?q=1",
    ]
    assert url_variants("http://127.0.0.1:8000/cb") == ["http://127.0.0.1:8000/cb", "http://127.0.0.1/cb"]


def test_status_callback_signed_by_twilios_validator(twilio: FakeTwilio) -> None:
    validator_module = pytest.importorskip("twilio.request_validator")
    provider = _provider(twilio)
    params = {
        "MessageSid": "SM" + "1" * 32,
        "MessageStatus": "delivered",
        "To": "+14155550001",
        "ApiVersion": "2010-04-01",
    }
    signature = validator_module.RequestValidator(twilio.auth_token).compute_signature(STATUS_URL, params)
    request = form_request(STATUS_URL, params, {"X-Twilio-Signature": signature})
    (receipt,) = provider.handle_callback("status", request, now=NOW).receipts
    assert receipt.provider_message_id == "SM" + "1" * 32


# -- callbacks ----------------------------------------------------------------------------------


def test_final_statuses_become_receipts(twilio: FakeTwilio) -> None:
    provider = _provider(twilio)
    submit(provider, [_sms(1), _sms(2), _sms(3)])
    one, two, three = sorted(twilio.sent, key=lambda s: s.to)
    delivered = provider.handle_callback(
        "status", twilio.status_request(STATUS_URL, one, "delivered", raw_dlr_done_date="2611281501"), now=NOW
    )
    assert delivered.status_code == 200 and delivered.body == b""
    (receipt,) = delivered.receipts
    assert (receipt.provider_message_id, receipt.status, receipt.error_code) == (
        one.provider_id,
        "delivered",
        None,
    )
    assert receipt.at == datetime(2026, 11, 28, 15, 1, tzinfo=UTC)
    assert receipt.handset == "+14155550001"
    assert receipt.raw is not None and "4155550001" not in receipt.raw and "5005550006" not in receipt.raw
    (undelivered,) = provider.handle_callback(
        "status", twilio.status_request(STATUS_URL, two, "undelivered", error_code="30003"), now=NOW
    ).receipts
    assert (undelivered.status, undelivered.error_code, undelivered.at) == ("undelivered", "30003", NOW)
    (failed,) = provider.handle_callback(
        "status", twilio.status_request(STATUS_URL, three, "failed", error_code="30007"), now=NOW
    ).receipts
    assert (failed.status, failed.error_code) == ("failed", "30007")


@pytest.mark.parametrize("status", ["queued", "sending", "sent", "accepted", "scheduled", "read"])
def test_other_statuses_are_acknowledged_and_ignored(twilio: FakeTwilio, status: str) -> None:
    provider = _provider(twilio)
    submit(provider, [_sms(1)])
    result = provider.handle_callback("status", twilio.status_request(STATUS_URL, twilio.sent[0], status))
    assert (result.status_code, result.receipts, result.replies) == (200, [], [])


def test_inbound_reply_gets_empty_twiml(twilio: FakeTwilio) -> None:
    provider = _provider(twilio)
    request = twilio.inbound_request(INBOUND_URL, "+14155550001", "STOP", message_sid="SM" + "9" * 32)
    result = provider.handle_callback("inbound", request, now=NOW)
    assert (result.body, result.media_type, result.status_code) == (EMPTY_TWIML, "text/xml", 200)
    (reply,) = result.replies
    assert (reply.sender, reply.text, reply.recipient, reply.received_at, reply.provider_reference) == (
        "+14155550001",
        "STOP",
        "+15005550006",
        NOW,
        "SM" + "9" * 32,
    )


def test_bad_signatures(twilio: FakeTwilio) -> None:
    provider = _provider(twilio)
    good = twilio.inbound_request(INBOUND_URL, "+14155550001", "hello")
    cases = [
        CallbackRequest("POST", good.url, {"content-type": good.headers["content-type"]}, good.body),  # none
        CallbackRequest("POST", good.url, {**good.headers, "x-twilio-signature": "AAAA"}, good.body),
        CallbackRequest(
            "POST", good.url.replace("route=us", "route=eu"), good.headers, good.body
        ),  # other URL
        # a parameter added after signing: every posted parameter must be covered
        CallbackRequest("POST", good.url, good.headers, good.body + b"&Injected=1"),
        CallbackRequest("POST", good.url, good.headers, good.body.replace(b"hello", b"HELLO")),
    ]
    for request in cases:
        with pytest.raises(SignatureError) as info:
            provider.handle_callback("inbound", request)
        assert info.value.zh != info.value.en
    assert provider.handle_callback("inbound", good).replies[0].text == "hello"


def test_sha256_signature_settings(twilio: FakeTwilio) -> None:
    provider = _provider(twilio, signing_secret="shared-key")
    params = {"MessageSid": "SM1", "From": "+14155550001", "To": "+15005550006", "Body": "hi"}
    signature = twilio_signature("shared-key", INBOUND_URL, params, "HMAC_SHA256")
    headers = {
        "x-twilio-signature": signature,
        "x-twilio-webhooks-signature-settings": "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256",
    }
    assert provider.handle_callback("inbound", form_request(INBOUND_URL, params, headers)).replies
    with pytest.raises(SignatureError):
        headers["x-twilio-webhooks-signature-settings"] = "algorithm=HMAC_MD5"
        provider.handle_callback("inbound", form_request(INBOUND_URL, params, headers))


def test_get_callbacks_sign_the_url(twilio: FakeTwilio) -> None:
    provider = _provider(twilio)
    url = STATUS_URL + "?" + urlencode({"MessageSid": "SM2", "MessageStatus": "failed", "ErrorCode": "30005"})
    request = CallbackRequest("GET", url, {"x-twilio-signature": twilio.sign(url, {})}, b"")
    (receipt,) = provider.handle_callback("status", request, now=NOW).receipts
    assert (receipt.provider_message_id, receipt.status, receipt.error_code) == ("SM2", "failed", "30005")


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("status", {"MessageStatus": "delivered"}),
        ("status", {"MessageSid": "SM1"}),
        ("inbound", {"From": "+14155550001"}),
        ("inbound", {"Body": "hi"}),
    ],
)
def test_missing_fields_are_input_errors(twilio: FakeTwilio, kind: str, params: dict[str, str]) -> None:
    with pytest.raises(InputError):
        _provider(twilio).handle_callback(kind, twilio.signed_request(STATUS_URL, params))


def test_a_body_that_is_not_a_form(twilio: FakeTwilio) -> None:
    request = CallbackRequest("POST", STATUS_URL, {"x-twilio-signature": "x"}, b"\xff\xfe=\xff")
    with pytest.raises(InputError):
        _provider(twilio).handle_callback("status", request)
