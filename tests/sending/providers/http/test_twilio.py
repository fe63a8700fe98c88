"""The Twilio adapter against a loopback double of the Messages API, its signature check against
Twilio's own validator, and its callbacks through the API's webhook endpoint."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning import flows
from dunning.access import Role
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.errors import SignatureError
from dunning.messages.wire import OutgoingSms, normalise_provider_id
from dunning.models import Message
from dunning.sending.providers.http.base import CallbackRequest
from dunning.sending.providers.http.twilio import TwilioProvider, twilio_signature
from dunning.sending.providers.registry import build_provider
from tests.api.conftest import make_api
from tests.factories import T0, add_message, status_of
from tests.sending.providers.http.fakes import FakeTwilio, serve

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _url(fake: FakeTwilio, base: str, **extra: str) -> str:
    query = urlencode({"from": "+15550001111", "endpoint": base, **extra})
    return f"twilio://{fake.account_sid}:{fake.auth_token}@api.twilio.com?{query}"


def _sms(mid: int, to: str) -> OutgoingSms:
    return OutgoingSms(mid, to, "Your payment is due. Reply STOP to opt out.", "GSM-7", 1)


def test_sends_and_classifies_every_answer() -> None:
    fake = FakeTwilio(
        fail={
            "+15550000002": "21211",
            "+15550000003": "20429",
            "+15550000004": "30007",
            "+15550000005": "21610",
            "+15550000006": "30002",
        }
    )
    with serve(fake.app()) as base:
        provider = build_provider(_url(fake, base))
        assert isinstance(provider, TwilioProvider)

        async def go() -> list[object]:
            async with provider:
                return await provider.submit_batch([_sms(i, f"+1555000000{i}") for i in range(1, 7)], now=NOW)

        outcomes = {o.message_id: o for o in asyncio.run(go())}  # type: ignore[attr-defined]
    assert outcomes[1].accepted and outcomes[1].provider_message_id.startswith("SM")
    assert (outcomes[2].error_class, outcomes[2].permanent_error) == ("suppress", True)
    assert (outcomes[3].error_class, outcomes[3].retriable, outcomes[3].retry_after) == ("retry", True, 2.0)
    assert outcomes[4].error_class == "block_template"
    assert outcomes[5].error_class == "suppress"
    assert (outcomes[6].error_class, outcomes[6].retriable) == ("pause", True)
    first = next(r for r in fake.requests if r["To"] == "+15550000001")
    assert first["From"] == "+15550001111" and first["Body"].startswith("Your payment")


def test_a_bad_token_pauses_and_an_unreachable_api_is_retried() -> None:
    fake = FakeTwilio()
    with serve(fake.app()) as base:
        wrong = build_provider(_url(FakeTwilio(auth_token="wrong"), base))

        async def go(p: object) -> list[object]:
            async with p:  # type: ignore[attr-defined]
                return await p.submit_batch([_sms(1, "+15550000001")], now=NOW)  # type: ignore[attr-defined, no-any-return]

        assert asyncio.run(go(wrong))[0].error_class == "pause"  # type: ignore[attr-defined]
    unreachable = build_provider(_url(fake, "http://127.0.0.1:9"))
    outcome = asyncio.run(go(unreachable))[0]
    assert outcome.error_class == "retry" and outcome.retriable  # type: ignore[attr-defined]


def test_our_signature_is_twilios_signature() -> None:
    from twilio.request_validator import RequestValidator

    validator = RequestValidator("secret-token")
    url = "https://lender.example/v1/webhooks/twilio/status?x=1"
    params = FakeTwilio().status_form("SM1", "+15550000001")
    ours = twilio_signature("secret-token", url, sorted(params.items()))
    assert validator.validate(url, params, ours)
    assert validator.compute_signature(url, params) == ours
    assert not validator.validate(url, {**params, "Extra": "1"}, ours)  # every parameter is covered


def test_a_callback_with_a_bad_signature_is_refused() -> None:
    provider = build_provider(_url(FakeTwilio(), "http://127.0.0.1:9"))
    assert isinstance(provider, TwilioProvider)
    body = urlencode(FakeTwilio().status_form("SM1", "+15550000001")).encode()
    request = CallbackRequest(
        "POST", "https://x.example/v1/webhooks/twilio/status", {"x-twilio-signature": "AAAA"}, body
    )
    with pytest.raises(SignatureError):
        provider.handle_callback("status", request)
    with pytest.raises(SignatureError):
        provider.handle_callback("status", CallbackRequest("POST", request.url, {}, body))


def test_status_and_inbound_callbacks_through_the_api(
    workdir: Path, engine: Engine, cipher: PersonalDataCipher
) -> None:
    fake = FakeTwilio()
    with serve(fake.app()) as base:
        api = make_api(workdir, engine, cipher, provider_url=_url(fake, base), profile="US")
        with unit_of_work(engine) as conn:
            debtor = flows.portfolio.debtor_ids(conn, ["D001"])["D001"]
            contact = flows.portfolio.primary_contact(conn, debtor)
            message = add_message(conn, debtor, contact, scheduled_at=T0)
        # Sent through the fake (the send path is tested above): the message now awaits its receipt.
        provider = build_provider(_url(fake, base))

        async def submit() -> list[object]:
            async with provider:
                return await provider.submit_batch([_sms(message, "+8613800138000")], now=NOW)

        sid = asyncio.run(submit())[0].provider_message_id  # type: ignore[attr-defined]
    with unit_of_work(engine) as conn:
        conn.execute(
            sa.update(Message)
            .where(Message.id == message)
            .values(
                status="submitted",
                provider="twilio",
                provider_message_id=sid,
                provider_message_key=normalise_provider_id(sid),
                submitted_at=NOW,
            )
        )
    url = "http://testserver/v1/webhooks/twilio/status"
    form = fake.status_form(sid, "+8613800138000")
    signature = twilio_signature(fake.auth_token, url, sorted(form.items()))
    with api.client:
        bad = api.client.post("/v1/webhooks/twilio/status", data=form, headers={"X-Twilio-Signature": "bad"})
        assert bad.status_code == 403 and bad.json()["error"]["code"] == "bad_signature"
        for _ in range(2):  # Twilio retries: stored once
            good = api.client.post(
                "/v1/webhooks/twilio/status", data=form, headers={"X-Twilio-Signature": signature}
            )
            assert good.status_code == 200, good.text
        with unit_of_work(engine) as conn:
            assert status_of(conn, message) == "delivered"
            refused = flows.read_events(conn, kinds=["webhook.refused"])
        assert len(refused) == 1 and refused[0].subject == "twilio/status"
        inbound_url = "http://testserver/v1/webhooks/twilio/inbound"
        reply = fake.inbound_form("+8613800138000", "STOP")
        signed = twilio_signature(fake.auth_token, inbound_url, sorted(reply.items()))
        answer = api.client.post(
            "/v1/webhooks/twilio/inbound", data=reply, headers={"X-Twilio-Signature": signed}
        )
        assert answer.status_code == 200 and answer.text.endswith("<Response/>")
        replies = api.get("/v1/replies", Role.ADMIN).json()["items"]
        assert len(replies) == 1 and replies[0]["intent"] == "opt_out" and replies[0]["debtor_id"] == "D001"
        assert api.client.post("/v1/webhooks/nope/status", data=form).status_code == 404


def test_a_paused_http_route_fails_over_to_the_next_family(tmp_path: Path) -> None:
    fake = FakeTwilio()
    with serve(fake.app()) as base:
        wrong = _url(FakeTwilio(auth_token="expired"), base, route_name="tw", priority="1")
        provider = build_provider(f"{wrong} | file://{tmp_path}/spare.jsonl?route_name=spare&priority=2")

        async def go() -> list[object]:
            async with provider:
                return await provider.submit_batch([_sms(1, "+15550000001")], now=NOW)

        outcome = asyncio.run(go())[0]
    assert outcome.accepted and outcome.provider_message_id.endswith("@spare")  # type: ignore[attr-defined]
    assert (tmp_path / "spare.jsonl").read_text().count("\n") == 1
