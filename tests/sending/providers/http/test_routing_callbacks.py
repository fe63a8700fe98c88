"""An HTTP route beside a file route: prefix routing, and callbacks whose receipt ids are tagged
with the route exactly as its accepted outcomes were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dunning.core.errors import NotFound
from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.http.aliyun import AliyunProvider
from dunning.sending.providers.registry import build_provider
from dunning.sending.providers.routing import RoutingProvider, callback_handler
from tests.sending.providers.http.fakes import FakeAliyun, FakeTwilio, json_request, submit

CB = "https://api.example/v1/webhooks/ali/status?token=tok"


def _routing(fake: FakeAliyun, tmp_path: Path) -> RoutingProvider:
    url = (
        f"file://{tmp_path}/intl.jsonl?route_name=intl&priority=2"
        f" | {fake.provider_url(callback_token='tok')}&route_name=ali&route_prefix=+86&priority=1"
    )
    provider = build_provider(url)
    assert isinstance(provider, RoutingProvider)
    return provider


def test_prefix_routing_and_tagged_receipts(aliyun: FakeAliyun, tmp_path: Path) -> None:
    provider = _routing(aliyun, tmp_path)
    batch = [
        OutgoingSms(1, "+8613800000001", "【安信金融】您好", "UCS-2", 1),
        OutgoingSms(2, "+14155550001", "Hello", "GSM-7", 1),
    ]
    outcomes = {o.message_id: o for o in submit(provider, batch)}
    assert outcomes[1].accepted and outcomes[2].accepted
    (sent,) = aliyun.sent  # only the +86 number went to Aliyun
    assert outcomes[1].provider_message_id == f"{sent.provider_id}@ali"
    assert outcomes[2].provider_message_id.endswith("@intl")  # type: ignore[union-attr]
    assert len((tmp_path / "intl.jsonl").read_text().splitlines()) == 1

    target = provider.callback_target("ali")
    result = target.handle_callback("status", aliyun.status_request(CB, sent))
    (receipt,) = result.receipts
    assert receipt.provider_message_id == outcomes[1].provider_message_id  # tracking matches it
    assert json.loads(result.body) == {"code": 0, "msg": "成功"}
    reply = aliyun.reply_request(CB.replace("status", "reply"), "+8613800000001", "退订")
    assert callback_handler(provider, "ali").handle_callback("reply", reply).replies[0].text == "退订"


def test_unknown_routes_and_routes_without_callbacks(aliyun: FakeAliyun, tmp_path: Path) -> None:
    provider = _routing(aliyun, tmp_path)
    for name in ("nosuch", "intl"):
        with pytest.raises(NotFound) as info:
            provider.callback_target(name)
        assert info.value.zh != info.value.en
    with pytest.raises(NotFound):
        callback_handler(provider, "aliyun")  # a routing provider is addressed by route name


def test_callback_handler_of_a_single_provider(
    aliyun: FakeAliyun, twilio: FakeTwilio, tmp_path: Path
) -> None:
    single = build_provider(aliyun.provider_url(callback_token="tok"))
    assert isinstance(single, AliyunProvider)
    assert callback_handler(single, "aliyun") is single
    with pytest.raises(NotFound):
        callback_handler(single, "tencent")
    with pytest.raises(NotFound):
        callback_handler(build_provider(f"file://{tmp_path}/o.jsonl"), "file")  # no callbacks
    # a single-URL routing setting (route options only) still finds its route
    routed = build_provider(twilio.provider_url() + "&route_name=us")
    handler = callback_handler(routed, "us")
    submit(routed, [OutgoingSms(1, "+14155550001", "Hi", "GSM-7", 1)])
    url = "https://api.example/v1/webhooks/us/status"
    (receipt,) = handler.handle_callback("status", twilio.status_request(url, twilio.sent[0])).receipts
    assert receipt.provider_message_id == f"{twilio.sent[0].provider_id}@us"
    assert (
        handler.handle_callback("status", twilio.status_request(url, twilio.sent[0], "sent")).receipts == []
    )
    with pytest.raises(NotFound):
        handler.handle_callback("reply", json_request(url, []))
