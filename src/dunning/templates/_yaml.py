"""YAML reading and bilingual validation errors, shared by the template and strategy loaders.

A configuration mistake must name the file and the thing inside it (template and version, segment
and step) in Chinese and English, never show a pydantic dump or a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dunning.core.errors import ConfigError, InputError

MAX_ERRORS_SHOWN = 10


class Bilingual(InputError, ValueError):
    """A validation problem with an English and a Chinese text, raised inside validators (a
    ValueError too, so pydantic turns it into a validation error that keeps both texts)."""


def read_text(path: Path, *, what_zh: str, what_en: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{what_en} file not found: {path} (run `dunning init` to write an example)",
            f"找不到{what_zh}文件：{path}（可运行 `dunning init` 生成示例）",
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read {what_en} file {path}: {exc}",
            f"无法读取{what_zh}文件 {path}：{exc}",
        ) from exc


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, so ``on:`` and ``no`` stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str) -> Any:
    """Safe YAML with 1.2 booleans (``on``, ``yes``, ``no`` are plain strings)."""
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: safe


def parse_yaml(text: str, source: str) -> Any:
    """``load_yaml`` with a bilingual error that names the line and column."""
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else "?"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"{source}: invalid YAML at line:column {where}: {problem}",
            f"{source}：YAML 格式错误，位置（行:列）{where}：{problem}",
        ) from exc


# Collection keys whose items are named by a field, for error locations.
_ITEM_NAMES: dict[str, tuple[str, str, str]] = {
    # key: (field naming the item, English label, Chinese label)
    "templates": ("id", "template", "模板"),
    "versions": ("version", "version", "版本"),
    "segments": ("id", "segment", "分群"),
    "steps": ("id", "step", "步骤"),
}


def describe_location(loc: Sequence[int | str], data: Any) -> tuple[str, str]:
    """Turn a pydantic ``loc`` into readable (en, zh) paths: template 'cn-due' › version 2 › body."""
    en_parts: list[str] = []
    zh_parts: list[str] = []
    node: Any = data
    parent_key = ""
    for item in loc:
        if isinstance(item, str):
            node = node.get(item) if isinstance(node, dict) else None
            parent_key = item
            en_parts.append(item)
            zh_parts.append(item)
            continue
        node = node[item] if isinstance(node, list) and 0 <= item < len(node) else None
        spec = _ITEM_NAMES.get(parent_key)
        name = node.get(spec[0]) if spec is not None and isinstance(node, dict) else None
        if spec is not None and name is not None:
            field, en_label, zh_label = spec
            en = f"{en_label} {name!r}" if field == "id" else f"{en_label} {name}"
            zh = f"{zh_label} {name}" if field == "id" else f"第 {name} 版"
        else:
            en = f"{parent_key or 'item'}[{item}]"
            zh = f"{parent_key or '列表'} 第 {item + 1} 项"
        if en_parts and parent_key:
            en_parts[-1], zh_parts[-1] = en, zh
        else:
            en_parts.append(en)
            zh_parts.append(zh)
        parent_key = ""
    return " › ".join(en_parts) or "(top level)", " › ".join(zh_parts) or "（顶层）"


_ZH_BY_TYPE: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（拼写错误？）",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "decimal_type": "须为数字",
    "decimal_parsing": "须为数字",
    "string_type": "须为文本",
    "list_type": "须为列表",
    "dict_type": "须为映射（键: 值）",
    "model_type": "须为映射（键: 值）",
    "model_attributes_type": "须为映射（键: 值）",
    "bool_type": "须为 true 或 false",
    "bool_parsing": "须为 true 或 false",
    "datetime_type": "须为带时区的日期时间，如 2026-01-15T10:00:00+08:00",
    "datetime_parsing": "须为带时区的日期时间，如 2026-01-15T10:00:00+08:00",
    "datetime_from_date_parsing": "须为带时区的日期时间，如 2026-01-15T10:00:00+08:00",
    "timezone_aware": "须带时区偏移，如 +08:00",
    "too_short": "不能为空",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "string_pattern_mismatch": "格式不符",
}


def _messages(error: Any) -> tuple[str, str]:
    ctx = error.get("ctx") or {}
    original = ctx.get("error")
    if isinstance(original, Bilingual):
        return original.en, original.zh
    kind = error.get("type", "")
    en = str(error.get("msg", "invalid value"))
    if kind == "literal_error":
        return en, f"取值须为 {ctx.get('expected', '')}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(v for k, v in ctx.items() if k in ("ge", "gt", "le", "lt")), "")
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[
            kind
        ]
        return en, f"须 {sign} {bound}"
    if kind == "string_pattern_mismatch":
        return en, f"格式不符（须匹配 {ctx.get('pattern', '')}）"
    if kind == "value_error" and en.startswith("Value error, "):
        en = en.removeprefix("Value error, ")
        return en, en
    zh = _ZH_BY_TYPE.get(kind, f"取值无效（{en}）")
    return en, zh


def config_error(exc: ValidationError, data: Any, source: str) -> ConfigError:
    """One bilingual ConfigError listing every problem with its location."""
    en_lines: list[str] = []
    zh_lines: list[str] = []
    errors = exc.errors()
    for error in errors[:MAX_ERRORS_SHOWN]:
        msg_en, msg_zh = _messages(error)
        if error.get("loc"):
            loc_en, loc_zh = describe_location(error["loc"], data)
            msg_en, msg_zh = f"{loc_en}: {msg_en}", f"{loc_zh}：{msg_zh}"
        en_lines.append(f"  - {msg_en}")
        zh_lines.append(f"  - {msg_zh}")
    more = len(errors) - MAX_ERRORS_SHOWN
    if more > 0:
        en_lines.append(f"  … and {more} more")
        zh_lines.append(f"  …… 另有 {more} 处")
    count = len(errors)
    if count == 1:
        return ConfigError(f"{source}: {en_lines[0][4:]}", f"{source}：{zh_lines[0][4:]}")
    en = f"{source}: {count} problems:\n" + "\n".join(en_lines)
    # bilingual() prints "zh / en": end the Chinese block with a newline so English starts on its own line
    zh = f"{source} 有 {count} 处错误：\n" + "\n".join(zh_lines) + "\n"
    return ConfigError(en, zh)
