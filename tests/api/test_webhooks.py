"""Provider callbacks through the API's webhook endpoint, end to end: a Twilio status callback
delivers the message it names, a bad signature is refused and recorded, a retried callback is
stored once, an inbound STOP opts the number out; a paused Twilio route fails over."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning import flows
from dunning.access import Role
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.messages.wire import OutgoingSms, normalise_provider_id
from dunning.models import Message
from dunning.sending.providers.registry import build_provider
from tests.api.conftest import make_api
from tests.factories import T0, add_message, status_of
from tests.sending.providers.http.fakes import FakeTwilio, submit

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def _sms(mid: int, to: str) -> OutgoingSms:
    return OutgoingSms(mid, to, "Your payment is due. Reply STOP to opt out.", "GSM-7", 1)


def test_twilio_callbacks_through_the_api(workdir: Path, engine: Engine, cipher: PersonalDataCipher) -> None:
    with FakeTwilio() as fake:
        url = fake.provider_url()
        api = make_api(workdir, engine, cipher, provider_url=url, profile="US")
        with unit_of_work(engine) as conn:
            debtor = flows.portfolio.debtor_ids(conn, ["D001"])["D001"]
            contact = flows.portfolio.primary_contact(conn, debtor)
            message = add_message(conn, debtor, contact, scheduled_at=T0)
        outcome = submit(build_provider(url), [_sms(message, "+8613800138000")], NOW)[0]
        assert outcome.accepted
        sid = str(outcome.provider_message_id)
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
        sent = fake.sent[0]
        callback = "http://testserver/v1/webhooks/twilio/status"
        params = fake.status_params(sent, "delivered")
        signature = fake.sign(callback, params)
        with api.client:
            bad = api.client.post(
                "/v1/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": "bad"}
            )
            assert bad.status_code == 403 and bad.json()["error"]["code"] == "bad_signature"
            for _ in range(2):  # Twilio retries: stored once
                good = api.client.post(
                    "/v1/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
                )
                assert good.status_code == 200, good.text
            with unit_of_work(engine) as conn:
                assert status_of(conn, message) == "delivered"
                refused = flows.read_events(conn, kinds=["webhook.refused"])
            assert len(refused) == 1 and refused[0].subject == "twilio/status"
            inbound = "http://testserver/v1/webhooks/twilio/inbound"
            reply = fake.inbound_params("+8613800138000", "STOP")
            answer = api.client.post(
                "/v1/webhooks/twilio/inbound",
                data=reply,
                headers={"X-Twilio-Signature": fake.sign(inbound, reply)},
            )
            assert answer.status_code == 200 and "<Response" in answer.text
            replies = api.get("/v1/replies", Role.ADMIN).json()["items"]
            assert (
                len(replies) == 1 and replies[0]["intent"] == "opt_out" and replies[0]["debtor_id"] == "D001"
            )
            assert api.client.post("/v1/webhooks/nope/status", data=params).status_code == 404


def test_a_paused_http_route_fails_over_to_the_next_family(tmp_path: Path) -> None:
    with FakeTwilio() as fake:
        wrong = FakeTwilio(auth_token="expired")
        wrong_url = fake.provider_url().replace(f":{fake.auth_token}@", f":{wrong.auth_token}@")
        routed = f"{wrong_url}&{urlencode({'route_name': 'tw', 'priority': 1})} | file://{tmp_path}/spare.jsonl?route_name=spare&priority=2"
        outcome = submit(build_provider(routed), [_sms(1, "+15550000001")], NOW)[0]
    assert outcome.accepted and str(outcome.provider_message_id).endswith("@spare")
    assert (tmp_path / "spare.jsonl").read_text().count("\n") == 1
