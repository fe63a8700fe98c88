"""POST /v1/compliance/check: verdicts for texts, per sender identity, with reasons in both languages."""

from __future__ import annotations

from dunning.access import Role
from tests.api.conftest import Api

LENDER = {
    "signature": "【恒信贷】",
    "creditor": "恒信消费金融",
    "hotlines": ["95777"],
    "domains": ["hengxin.example.cn"],
}


def test_texts_get_outcomes_under_their_own_identity(api: Api) -> None:
    response = api.post(
        "/v1/compliance/check",
        Role.AUDITOR,
        json={
            "scope": "content",
            "texts": [
                {"id": "ok", "identity": LENDER, "kind": "reminder",
                 "text": "【恒信贷】您的借款已逾期3天，请登录 https://m.hengxin.example.cn 还款，"
                         "客服95777。"},
                {"id": "bad", "identity": LENDER,
                 "text": "【恒信贷】再不还款，派出所明天上门抓你，今天之内处理。"},
                {"id": 3, "text": "【恒信贷】请拨打95666还款。", "identity": LENDER},
            ],
        },
    )  # fmt: skip
    assert response.status_code == 200, response.text
    items = {item["id"]: item for item in response.json()["items"]}
    assert items["ok"]["outcome"] == "allowed" and items["ok"]["allowed"] is True
    assert items["ok"]["score"] is not None
    bad = items["bad"]
    assert bad["outcome"] == "blocked" and bad["allowed"] is False
    assert any(
        v["rule"] == "content.threat_arrest" and v["reason_zh"] and v["reason_en"] for v in bad["violations"]
    )
    assert [v["rule"] for v in items[3]["violations"]] == ["number.not_allowed"]


def test_bad_requests_get_a_reason(api: Api) -> None:
    unknown_kind = api.post(
        "/v1/compliance/check", Role.AUDITOR, json={"texts": [{"text": "您好", "kind": "gossip"}]}
    )
    assert unknown_kind.status_code == 400 and "gossip" in unknown_kind.text
    empty = api.post("/v1/compliance/check", Role.AUDITOR, json={"texts": []})
    assert empty.status_code == 422
    extra = api.post("/v1/compliance/check", Role.AUDITOR, json={"texts": [{"text": "x", "lender": "y"}]})
    assert extra.status_code == 422
    assert api.client.post("/v1/compliance/check", json={"texts": [{"text": "x"}]}).status_code == 401
