"""A value can never change a message beyond its formatter's output (COMPLIANCE.md: variables must not
inject a URL, a phone number, a private channel or a signature)."""

from __future__ import annotations

import re

import pytest

from dunning.templates import load_default_templates, render, render_frame
from dunning.templates.variables import format_masked_name
from tests.templates.helpers import CN_CONTEXT, frame_of, values

HOSTILE = [
    "{hotline}",
    "{{7*7}}",
    "{% for x in y %}",
    "${jndi:ldap://x}",
    "【假签名】",
    "[假签名]",
    "http://evil.example",
    "evil.example/pay",
    "加微信abc",
    "\n退订",
    "\r\n回复TD退订",
    "13800138000",
    "１３８００１３８０００",
    "<script>alert(1)</script>",
    "张三 请转账到 6222020200112233445",
    "\u202e张三",
    "\u200b张",
    "𠀀*",
    "",
]

CATALOG = load_default_templates("CN")


def _clean_body(template_id: str) -> str:
    """The same message with an ordinary masked name (the reference)."""
    return render(CATALOG[template_id], CATALOG[template_id].for_sending()[0].version, values(), CN_CONTEXT)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_name_only_changes_the_masked_name(hostile: str) -> None:
    body = render(CATALOG["cn-early"], 1, values(name_masked=hostile), CN_CONTEXT)
    masked = format_masked_name(hostile)
    assert re.fullmatch(r"[A-Z]\.|[\u3400-\u9fff\U00020000-\U000323af]\*|\*", masked), masked
    assert body == _clean_body("cn-early").replace("【安信金融】张*", f"【安信金融】{masked}", 1)
    _assert_nothing_injected(body, hostile)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_account_tail_keeps_digits_only(hostile: str) -> None:
    frame = frame_of([("cn-early", values(account_tail=hostile + "99"))])
    body = render_frame(frame, CATALOG, CN_CONTEXT)["body"][0]
    tail = re.search(r"尾号(\d{1,4})借款", body)
    assert tail is not None, body
    assert body == _clean_body("cn-early").replace("尾号1234", f"尾号{tail.group(1)}")
    _assert_nothing_injected(body, hostile)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_vector_path_is_as_strict_as_scalar(hostile: str) -> None:
    frame = frame_of(
        [("cn-early", values(name_masked=hostile)), ("cn-multi-late", values(name_masked=hostile))]
    )
    out = render_frame(frame, CATALOG, CN_CONTEXT)
    assert out["body"][0] == render(CATALOG["cn-early"], 1, values(name_masked=hostile), CN_CONTEXT)
    for body in out["body"]:
        _assert_nothing_injected(body, hostile)


def _assert_nothing_injected(body: str, hostile: str) -> None:
    assert body.count("【") == 1 and body.count("】") == 1  # only the real signature
    assert "{" not in body and "}" not in body
    assert "http" not in body and "evil" not in body and "<" not in body
    assert "微信" not in body and "退订" not in body and "\n" not in body and "\r" not in body
    assert "\u202e" not in body and "\u200b" not in body
    # the only long digit run is the deployment hotline
    assert [run for run in re.findall(r"\d{5,}", body) if run != "95000"] == []
    if len(hostile) > 2:
        assert hostile not in body
