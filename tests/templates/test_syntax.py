from __future__ import annotations

import pytest

from dunning.templates import MAX_BODY_CHARS, Placeholder, parse_body
from dunning.templates._yaml import Bilingual


def test_literals_and_placeholders() -> None:
    assert parse_body("【{signature}】{masked_name}您好，应还{amount}") == (
        "【",
        Placeholder("signature"),
        "】",
        Placeholder("masked_name"),
        "您好，应还",
        Placeholder("amount"),
    )
    assert parse_body("no placeholders") == ("no placeholders",)


@pytest.mark.parametrize(
    ("body", "en_fragment", "zh_fragment"),
    [
        ("hello {nobody}", "unknown variable {nobody}", "未知变量"),
        ("hello {amount", "unbalanced braces", "花括号不配对"),
        ("hello amount}", "unbalanced braces", "花括号不配对"),
        ("hello {amount {due_date}}", "unbalanced braces", "花括号不配对"),
        ("hello {{ amount }}", "Jinja-like syntax", "类 Jinja"),
        ("{% if x %}hi{% endif %}", "Jinja-like syntax", "类 Jinja"),
        ("{# comment #}", "Jinja-like syntax", "类 Jinja"),
        ("{{7*7}}", "Jinja-like syntax", "类 Jinja"),
        ("{amount.__class__}", "no expressions, attribute or index access", "不允许表达式"),
        ("{amount:.2f}", "format specs", "格式说明"),
        ("{amount[0]}", "attribute or index access", "下标"),
        ("{amount|upper}", "filters", "过滤器"),
        ("{}", "not allowed", "无效"),
        ("{Amount}", "invalid variable name", "变量名无效"),
        ("   ", "empty", "为空"),
        ("a\u200bb {amount}", "invisible character U+200B", "不可见字符"),
        ("bidi \u202e {amount}", "U+202E", "不可见"),
        ("line\nbreak", "control", "控制"),
        ("x" * (MAX_BODY_CHARS + 1), "more than the maximum", "超过上限"),
    ],
)
def test_rejected_syntax(body: str, en_fragment: str, zh_fragment: str) -> None:
    with pytest.raises(Bilingual) as info:
        parse_body(body)
    assert en_fragment in info.value.en
    assert zh_fragment in info.value.zh


def test_every_registered_variable_parses() -> None:
    from dunning.templates import VARIABLES

    for name in VARIABLES:
        assert parse_body(f"x{{{name}}}y") == ("x", Placeholder(name), "y")
