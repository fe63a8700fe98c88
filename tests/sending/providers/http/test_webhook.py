"""webhook://: field mapping, bearer/HMAC auth, single and batch requests, the error table, callbacks."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from dunning.core.errors import ConfigError, InputError, SignatureError
from dunning.sending.providers.base import OutgoingSms
from dunning.sending.providers.http.base import CallbackRequest
from dunning.sending.providers.http.webhook import WebhookProvider, dig, sign_headers, webhook_signature
from dunning.sending.providers.registry import build_provider
from tests.sending.providers.http.fakes import Answer, FakeAggregator, free_port, submit

CB = "https://api.example/v1/webhooks/agg/{kind}"
ERRORS = "LIMIT:defer,BALANCE:pause,BADNUM:suppress,BADTPL:block_template,BUSY:retry,GONE:fail"


def _sms(i: int, **kw: object) -> OutgoingSms:
    return OutgoingSms(i, f"+86137{i:08d}", f"【安信金融】第{i}条提醒", "UCS-2", 1, None, **kw)  # type: ignore[arg-type]


def _provider(fake: FakeAggregator, **options: object) -> WebhookProvider:
    provider = build_provider(fake.provider_url(**{"errors": ERRORS, "timeout": 2, **options}))
    assert isinstance(provider, WebhookProvider)
    return provider


def test_single_requests_with_hmac(aggregator: FakeAggregator) -> None:
    outcomes = submit(_provider(aggregator, template_field="tpl"), [_sms(1, template_id="cn-early"), _sms(2)])
    assert all(o.accepted for o in outcomes)
    assert {o.provider_message_id for o in outcomes} == {s.provider_id for s in aggregator.sent}
    first = next(r for r in aggregator.requests if r.json()["message_id"] == "1")
    assert first.json() == {
        "to": "+8613700000001",
        "text": "【安信金融】第1条提醒",
        "message_id": "1",
        "tpl": "cn-early",
    }
    stamp = first.headers["x-signature-timestamp"]
    assert first.headers["x-signature"] == "sha256=" + webhook_signature(aggregator.secret, stamp, first.body)


def test_bearer_and_field_mapping() -> None:
    with FakeAggregator(auth="bearer", to_field="mobile", text_field="content", id_field="ref") as fake:
        outcomes = submit(_provider(fake), [_sms(1)])
        assert outcomes[0].accepted
        assert fake.requests[0].headers["authorization"] == "Bearer fake-hook-secret"
        assert set(fake.requests[0].json()) == {"mobile", "content", "ref"}
        wrong = build_provider(fake.provider_url(secret="nope"))
        (refused,) = submit(wrong, [_sms(2)])
        assert (refused.error_code, refused.error_class) == ("AUTH", "pause")  # 401 with a code we do not map


@pytest.mark.parametrize(
    ("code", "cls", "retriable"),
    [
        ("LIMIT", "defer", True),
        ("BALANCE", "pause", True),
        ("BADNUM", "suppress", False),
        ("BADTPL", "block_template", False),
        ("BUSY", "retry", True),
        ("GONE", None, False),
        ("WHATEVER", None, False),
    ],
)
def test_error_table(aggregator: FakeAggregator, code: str, cls: str | None, retriable: bool) -> None:
    aggregator.fail_number("+8613700000002", code)
    outcomes = {o.message_id: o for o in submit(_provider(aggregator), [_sms(1), _sms(2)])}
    assert outcomes[1].accepted
    assert (outcomes[2].error_code, outcomes[2].error_class, outcomes[2].retriable) == (code, cls, retriable)


def test_http_status_defaults(aggregator: FakeAggregator) -> None:
    provider = _provider(aggregator, concurrency=1)
    aggregator.answer_next(body=b"", status=429, headers={"Retry-After": "9"})
    assert [(o.error_class, o.retry_after) for o in submit(provider, [_sms(1)])] == [("retry", 9.0)]
    aggregator.answer_next(body=b"<h1>503</h1>", status=503)
    assert [o.error_class for o in submit(provider, [_sms(2)])] == ["retry"]
    aggregator.answer_next(body=b"", status=504)
    assert submit(provider, [_sms(3)]) == []  # unknown
    aggregator.answer_next(body=b'{"error": "no"}', status=400)
    (bad,) = submit(provider, [_sms(4)])
    assert (bad.error_code, bad.error_class, bad.retriable) == ("HTTP 400", None, False)
    aggregator.answer_next(code="LIMIT", status=429)  # a known code wins over the status
    assert [o.error_class for o in submit(provider, [_sms(5)])] == ["defer"]


def test_batch_mode(aggregator: FakeAggregator) -> None:
    aggregator.fail_number("+8613700000003", "BADNUM")
    provider = _provider(aggregator, batch=1, batch_size=2)
    outcomes = {o.message_id: o for o in submit(provider, [_sms(i) for i in range(1, 6)])}
    assert len(aggregator.requests) == 3  # 2 + 2 + 1
    assert set(aggregator.requests[0].json()) == {"messages"}
    assert sorted(i for i, o in outcomes.items() if o.accepted) == [1, 2, 4, 5]
    assert (outcomes[3].error_code, outcomes[3].error_class) == ("BADNUM", "suppress")
    aggregator.answer_next(code="BALANCE")  # the whole request refused
    outcomes = {o.message_id: o for o in submit(provider, [_sms(6), _sms(7)])}
    assert {o.error_class for o in outcomes.values()} == {"pause"} and set(outcomes) == {6, 7}


def test_batch_answers_that_leave_messages_unknown(aggregator: FakeAggregator) -> None:
    provider = _provider(aggregator, batch=1)
    partial = {"results": [{"message_id": "1", "id": "x-1"}]}
    aggregator.answer_next(body=json.dumps(partial).encode())
    outcomes = submit(provider, [_sms(1), _sms(2)])
    assert [(o.message_id, o.provider_message_id) for o in outcomes] == [(1, "x-1")]  # 2: unknown
    in_order = {"results": [{"id": "y-1"}, {"id": "y-2"}]}  # no reference: matched by position
    aggregator.answer_next(body=json.dumps(in_order).encode())
    assert [o.provider_message_id for o in submit(provider, [_sms(3), _sms(4)])] == ["y-1", "y-2"]
    aggregator.answer_next(Answer(delay=5.0))
    assert submit(_provider(aggregator, batch=1, timeout=0.3), [_sms(5), _sms(6)]) == []


def test_response_paths(aggregator: FakeAggregator) -> None:
    provider = _provider(aggregator, response_id="data.msgid", response_code="result.code", ok_codes="0")
    aggregator.answer_next(body=json.dumps({"result": {"code": 0}, "data": {"msgid": 42}}).encode())
    aggregator.answer_next(body=json.dumps({"result": {"code": "LIMIT", "message": "slow"}}).encode())
    provider.concurrency = 1
    (ok,) = submit(provider, [_sms(1)])
    (refused,) = submit(provider, [_sms(2)])
    assert ok.provider_message_id == "42" and refused.error_class == "defer"
    assert dig({"a": [{"b": 1}]}, "a.0.b") == 1 and dig({"a": []}, "a.0.b") is None and dig(1, "x") is None


def test_connect_refused() -> None:
    url = f"webhook://h/send?endpoint=http://127.0.0.1:{free_port()}/send&batch=1"
    outcomes = submit(build_provider(url), [_sms(1), _sms(2)])
    assert sorted((o.message_id, o.error_class) for o in outcomes) == [(1, "retry"), (2, "retry")]


def test_concurrency_and_tps(aggregator: FakeAggregator) -> None:
    started = time.perf_counter()
    outcomes = submit(_provider(aggregator, concurrency=4, tps=200), [_sms(i) for i in range(1, 21)])
    assert len(outcomes) == 20 and all(o.accepted for o in outcomes)
    assert time.perf_counter() - started < 5
    started = time.perf_counter()
    paced = submit(_provider(aggregator, concurrency=1, tps=25), [_sms(i) for i in range(21, 26)])
    assert len(paced) == 5 and time.perf_counter() - started >= 4 / 25 - 0.01  # the rate is held


@pytest.mark.parametrize(
    "query",
    ["errors=X:sometimes", "auth=bearer", "auth=digest&secret=s", "status_map=ok:fine", "tz=Mars/Base"],
)
def test_bad_options(query: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_provider(f"webhook://h/send?{query}")
    assert info.value.zh != info.value.en


def test_default_endpoint_and_redaction() -> None:
    provider = build_provider("webhook://sms.example.com/api/v2/send?secret=s3cr+t")
    assert isinstance(provider, WebhookProvider)
    assert provider.endpoint == "https://sms.example.com/api/v2/send"
    assert provider.secret == "s3cr+t"  # a "+" of a secret is a plus
    assert "s3cr" not in repr(provider)


# -- callbacks ----------------------------------------------------------------------------------


def test_status_callback(aggregator: FakeAggregator) -> None:
    provider = _provider(aggregator)
    submit(provider, [_sms(1), _sms(2), _sms(3)])
    one, two, three = sorted(aggregator.sent, key=lambda s: s.reference or "")
    at = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
    request = aggregator.signed(
        CB.format(kind="status"),
        [
            aggregator.status_payload(one, "DELIVRD", at=at),
            aggregator.status_payload(two, "UNDELIV", error_code="E1", at=at),
            aggregator.status_payload(three, "ENROUTE"),  # not final: ignored
        ],
    )
    result = provider.handle_callback("status", request)
    assert json.loads(result.body) == {"ok": True}
    assert [(r.provider_message_id, r.status, r.error_code) for r in result.receipts] == [
        (one.provider_id, "delivered", None),
        (two.provider_id, "undelivered", "E1"),
    ]
    assert result.receipts[0].at == at and result.receipts[0].handset == "+8613700000001"
    assert all(r.raw and "13700000" not in r.raw for r in result.receipts)


def test_status_mapping_options() -> None:
    url = (
        "webhook://h/send?secret=k&receipt_id=msg.id&receipt_status=state&receipt_time=ts&tz=Asia/Shanghai"
        "&status_map=OK:delivered,KO:rejected,sent:ignore&callback_items=data"
    )
    provider = build_provider(url)
    payload = {
        "data": [
            {"msg": {"id": "A1"}, "state": "OK", "ts": "2026-11-28 09:00:00"},
            {"msg": {"id": "A2"}, "state": "KO", "ts": 1796259600},
        ]
    }
    body = json.dumps(payload).encode()
    request = CallbackRequest("POST", CB.format(kind="status"), sign_headers("k", body), body)
    ok, ko = provider.handle_callback("status", request).receipts  # type: ignore[attr-defined]
    assert (ok.provider_message_id, ok.status, ok.at) == (
        "A1",
        "delivered",
        datetime(2026, 11, 28, 1, 0, tzinfo=UTC),
    )
    assert ok.at.utcoffset() == timedelta(hours=8)
    assert (ko.status, ko.at) == ("rejected", datetime.fromtimestamp(1796259600, UTC))


def test_reply_callback(aggregator: FakeAggregator) -> None:
    provider = _provider(aggregator)
    at = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    request = aggregator.reply_request(
        CB.format(kind="reply"), "+8613700000001", "下周五还一千五", reply_id="mo-9", at=at
    )
    (reply,) = provider.handle_callback("reply", request).replies
    assert (reply.sender, reply.text, reply.recipient, reply.received_at, reply.provider_reference) == (
        "+8613700000001",
        "下周五还一千五",
        "10690000",
        at,
        "mo-9",
    )


def test_callback_signatures(aggregator: FakeAggregator) -> None:
    provider = _provider(aggregator)
    now = datetime.now(UTC)
    good = aggregator.reply_request(CB.format(kind="reply"), "+8613700000001", "hi")
    assert provider.handle_callback("reply", good, now=now).replies
    stale = aggregator.reply_request(
        CB.format(kind="reply"), "+8613700000001", "hi", timestamp=int(time.time()) - 301
    )
    tampered = CallbackRequest(good.method, good.url, good.headers, good.body.replace(b"hi", b"ho"))
    unsigned = CallbackRequest(good.method, good.url, {"content-type": "application/json"}, good.body)
    badstamp = CallbackRequest(
        good.method, good.url, {**good.headers, "x-signature-timestamp": "soon"}, good.body
    )
    for request in (stale, tampered, unsigned, badstamp):
        with pytest.raises(SignatureError):
            provider.handle_callback("reply", request, now=now)
    unsecured = build_provider(f"webhook://h/send?endpoint={aggregator.url}/send")
    with pytest.raises(SignatureError):
        unsecured.handle_callback("reply", good, now=now)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("status", [{"status": "delivered"}]),
        ("status", [{"id": "1"}]),
        ("status", [{"id": "1", "status": "delivered", "time": "tomorrow"}]),
        ("status", [{"id": "1", "status": "delivered", "time": True}]),
        ("status", "text"),
        ("reply", {"text": "hi"}),
        ("reply", {"from": "+8613700000001"}),
        ("reply", [1]),
    ],
)
def test_malformed_callbacks(aggregator: FakeAggregator, kind: str, payload: object) -> None:
    request = aggregator.signed(CB.format(kind=kind), payload)
    with pytest.raises(InputError):
        _provider(aggregator).handle_callback(kind, request)
