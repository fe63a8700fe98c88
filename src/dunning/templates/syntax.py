"""The template body language: literal text and ``{variable}`` placeholders, nothing else.

There are no expressions, filters, attribute or index access, format specs, conditionals, loops or
escapes. A brace that is not part of a ``{known_variable}`` placeholder is an error, and so is
anything that looks like Jinja (``{{ }}``, ``{% %}``, ``{# #}``). Control and invisible format
characters (zero-width, bidirectional overrides) are refused, so what a reviewer approves is what
is sent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dunning.templates._yaml import Bilingual
from dunning.templates.variables import VARIABLES

MAX_BODY_CHARS = 500  # cloud SMS hard maximum for a whole (multi-part) message

_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
_EXPRESSION_CHARS = set(".[]()|:!=+-*/%'\" ")
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str


Part = str | Placeholder


def _snippet(body: str, at: int) -> str:
    return body[max(at - 8, 0) : at + 12]


def parse_body(body: str) -> tuple[Part, ...]:
    """Split a body into literal strings and placeholders; raise ``Bilingual`` on any other syntax."""
    if not body.strip():
        raise Bilingual("the body is empty", "正文为空")
    if len(body) > MAX_BODY_CHARS:
        raise Bilingual(
            f"the body has {len(body)} characters, more than the maximum {MAX_BODY_CHARS}",
            f"正文 {len(body)} 字，超过上限 {MAX_BODY_CHARS}",
        )
    for index, ch in enumerate(body):
        if unicodedata.category(ch) in _INVISIBLE:
            raise Bilingual(
                f"character {index + 1} of the body is a control or invisible character U+{ord(ch):04X}",
                f"正文第 {index + 1} 个字符是控制或不可见字符 U+{ord(ch):04X}，不允许",
            )
    parts: list[Part] = []
    literal: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch == "{":
            nxt = body[i + 1 : i + 2]
            if nxt in ("{", "%", "#"):
                raise Bilingual(
                    f"Jinja-like syntax is not supported (at {i + 1}: …{_snippet(body, i)}…); "
                    "only {variable} placeholders",
                    f"不支持类 Jinja 语法（位置 {i + 1}：…{_snippet(body, i)}…）；只能写 {{变量名}}",
                )
            close = body.find("}", i + 1)
            reopen = body.find("{", i + 1)
            if close == -1 or (reopen != -1 and reopen < close):
                raise Bilingual(
                    f"unbalanced braces: '{{' at {i + 1} is never closed (…{_snippet(body, i)}…)",
                    f"花括号不配对：位置 {i + 1} 的 “{{” 没有对应的 “}}”（…{_snippet(body, i)}…）",
                )
            name = body[i + 1 : close]
            if not _NAME.match(name):
                if any(c in _EXPRESSION_CHARS for c in name) or not name:
                    raise Bilingual(
                        f"placeholder {{{name}}} is not allowed: no expressions, attribute or index access, "
                        "filters or format specs, only {variable}",
                        f"占位符 {{{name}}} 无效：不允许表达式、属性/下标访问、过滤器或格式说明，"
                        "只能写 {变量名}",
                    )
                raise Bilingual(
                    f"placeholder {{{name}}}: invalid variable name (lower-case letters, digits, '_')",
                    f"占位符 {{{name}}} 的变量名无效（只允许小写字母、数字、下划线）",
                )
            if name not in VARIABLES:
                known = ", ".join(VARIABLES)
                raise Bilingual(
                    f"unknown variable {{{name}}}; known variables: {known}",
                    f"未知变量 {{{name}}}；可用变量：{known}",
                )
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Placeholder(name))
            i = close + 1
            continue
        if ch == "}":
            if body[i + 1 : i + 2] == "}" or body[i - 1 : i] in ("%", "#"):
                raise Bilingual(
                    f"Jinja-like syntax is not supported (at {i + 1}: …{_snippet(body, i)}…); "
                    "only {variable} placeholders",
                    f"不支持类 Jinja 语法（位置 {i + 1}：…{_snippet(body, i)}…）；只能写 {{变量名}}",
                )
            raise Bilingual(
                f"unbalanced braces: '}}' at {i + 1} has no opening '{{' (…{_snippet(body, i)}…)",
                f"花括号不配对：位置 {i + 1} 的 “}}” 前没有 “{{”（…{_snippet(body, i)}…）",
            )
        literal.append(ch)
        i += 1
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def variables_of(parts: tuple[Part, ...]) -> tuple[str, ...]:
    """Placeholder names in order of first use."""
    seen: dict[str, None] = {}
    for part in parts:
        if isinstance(part, Placeholder):
            seen.setdefault(part.name, None)
    return tuple(seen)
