"""Complete, compliant messages for the corpus deployments: a test changes one thing at a time."""

from __future__ import annotations

CN_OK = (
    "【安信金融】张*您好，您在安信消费金融的借款（尾号1234）已逾期15天，欠款3,456.78元，"
    "请通过安信金融App还款。客服95000"
)
US_OK = (
    "Harbor Lending: Hi J., your loan ending 1234 is 15 days past due. Balance: $345.78. "
    "Call 1-800-555-0100. Reply STOP to opt out."
)


def cn_with(sentence: str) -> str:
    """The compliant CN message with ``sentence`` inserted before the hotline."""
    return CN_OK.replace("客服95000", sentence + "客服95000")


def us_with(sentence: str) -> str:
    """The compliant US message with ``sentence`` inserted before the contact number."""
    return US_OK.replace("Call 1-800", sentence + " Call 1-800")
