"""Loading template files and recording approvals in them.

``approve_version`` edits only the approval fields of one version in place (state, approved_by,
approved_at, and for a compliance override override_outcome, override_flags, override_reason) so
comments, order and formatting of the file survive; the edited file is re-parsed and compared with
the original before it replaces it, so an approval can never change a body or another version.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from dunning.core.errors import ConfigError, InputError
from dunning.core.profiles import Profile
from dunning.defaults import read_default
from dunning.templates._yaml import config_error, load_yaml, parse_yaml, read_text
from dunning.templates.models import OverrideOutcome, TemplateCatalog, TemplateFile, TemplateVersion

#: A field value written into a templates file: a string or a list of strings (JSON is YAML).
FieldValue = str | list[str]


def parse_templates(text: str, source: str = "<text>") -> TemplateCatalog:
    """Parse and validate a templates YAML document; ConfigError names the template and version."""
    data = parse_yaml(text, source)
    if data is None:
        raise ConfigError(f"{source}: the file is empty", f"{source}：文件为空")
    try:
        document = TemplateFile.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, data, source) from exc
    return TemplateCatalog(document.templates, source)


def load_templates(path: Path | str) -> TemplateCatalog:
    """Load a templates file (``settings.templates_file``)."""
    path = Path(path)
    return parse_templates(read_text(path, what_zh="模板", what_en="templates"), str(path))


def default_templates_text(profile: Profile) -> str:
    return read_default(f"templates_{profile.lower()}.yaml")


def load_default_templates(profile: Profile) -> TemplateCatalog:
    """The templates shipped with dunning for ``profile`` (what `dunning init` copies)."""
    return parse_templates(default_templates_text(profile), f"templates_{profile.lower()}.yaml (default)")


# ------------------------------------------------------------------------------------- approval


@dataclass(frozen=True, slots=True)
class Override:
    """A compliance officer's approval of a version the gate did not allow, and why."""

    outcome: OverrideOutcome
    flags: Sequence[str]  # the rule ids broken and the review reasons
    reason: str


def approve_version(
    path: Path | str,
    template_id: str,
    version: int,
    *,
    by: str,
    at: datetime,
    override: Override | None = None,
) -> TemplateVersion:
    """Mark ``template_id`` version ``version`` approved by ``by`` at ``at`` in the file at ``path``
    (with ``override``: also what the gate said and the approver's reason).

    Refuses unknown ids and versions (NotFound), versions already approved or retired, an empty
    approver, an override without a reason and a naive timestamp (InputError). Who may approve what
    is the flows' business (``flows.approve_template``).
    """
    path = Path(path)
    text = read_text(path, what_zh="模板", what_en="templates")
    catalog = parse_templates(text, str(path))
    current = catalog[template_id].version(version)
    if current.state == "approved":
        raise InputError(
            f"template {template_id!r} version {version} is already approved "
            f"(by {current.approved_by} at {current.approved_at})",
            f"模板 {template_id} 第 {version} 版已审批（{current.approved_by}，{current.approved_at}）",
        )
    if current.state == "retired":
        raise InputError(
            f"template {template_id!r} version {version} is retired; add a new version instead",
            f"模板 {template_id} 第 {version} 版已停用（retired），请新增版本后再审批",
        )
    approver = by.strip()
    if not approver:
        raise InputError("the approver name (--by) must not be empty", "审批人（--by）不能为空")
    if at.tzinfo is None:
        raise InputError("the approval time needs a UTC offset", "审批时间须带时区偏移")
    values: dict[str, FieldValue] = {
        "state": "approved",
        "approved_by": approver,
        "approved_at": at.isoformat(),
    }
    if override is not None:
        reason = override.reason.strip()
        if not reason:
            raise InputError("an override needs a reason", "放行须填写理由")
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in reason):
            raise InputError(
                "the reason must be plain text (no control characters)", "理由须为普通文本（不能含控制字符）"
            )
        values["override_outcome"] = override.outcome
        values["override_flags"] = list(override.flags)
        values["override_reason"] = reason[:500]
    new_text = _edit_version_fields(text, template_id, version, values, str(path))
    _check_only_fields_changed(text, new_text, template_id, version, values, str(path))
    updated = parse_templates(new_text, str(path))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new_text, encoding="utf-8")
    os.replace(tmp, path)
    return updated[template_id].version(version)


def _find(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def _version_node(root: yaml.Node | None, template_id: str, version: int) -> yaml.MappingNode | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    found = _find(root, "templates")
    if found is None or not isinstance(found[1], yaml.SequenceNode):
        return None
    for item in found[1].value:
        if not isinstance(item, yaml.MappingNode):
            continue
        ident = _find(item, "id")
        if ident is None or not isinstance(ident[1], yaml.ScalarNode) or ident[1].value != template_id:
            continue
        versions = _find(item, "versions")
        if versions is None or not isinstance(versions[1], yaml.SequenceNode):
            return None
        for v in versions[1].value:
            if not isinstance(v, yaml.MappingNode):
                continue
            number = _find(v, "version")
            if number is not None and isinstance(number[1], yaml.ScalarNode):
                try:
                    if int(number[1].value) == version:
                        return v
                except ValueError:
                    continue
    return None


def _edit_version_fields(
    text: str, template_id: str, version: int, values: dict[str, FieldValue], source: str
) -> str:
    node = _version_node(yaml.compose(text), template_id, version)
    state = _find(node, "state") if node is not None else None
    if node is None or state is None:
        raise ConfigError(
            f"{source}: cannot locate template {template_id!r} version {version} to edit",
            f"{source}：无法定位模板 {template_id} 第 {version} 版以修改",
        )
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the end
    inserts: list[str] = []
    for key, raw in values.items():
        scalar = raw if key == "state" and isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
        found = _find(node, key)
        if found is None:
            inserts.append(f"{key}: {scalar}")
            continue
        key_node, value_node = found
        start, end = value_node.start_mark.index, value_node.end_mark.index
        if start == end:  # an empty value ("approved_by:"): write right after the colon
            colon = text.index(":", key_node.end_mark.index)
            edits.append((colon + 1, colon + 1, f" {scalar}"))
        else:
            edits.append((start, end, scalar))
    if inserts:
        state_key, state_value = state
        anchor = state_value.end_mark.index
        if node.flow_style:
            edits.append((anchor, anchor, "".join(f", {item}" for item in inserts)))
        else:
            indent = " " * state_key.start_mark.column
            line_end = text.find("\n", anchor)
            if line_end == -1:
                edits.append((len(text), len(text), "".join(f"\n{indent}{item}" for item in inserts)))
            else:
                block = "".join(f"{indent}{item}\n" for item in inserts)
                edits.append((line_end + 1, line_end + 1, block))
    for start, end, replacement in sorted(edits, key=lambda e: e[0], reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _check_only_fields_changed(
    before: str, after: str, template_id: str, version: int, values: dict[str, FieldValue], source: str
) -> None:
    expected: Any = load_yaml(before)
    actual: Any = load_yaml(after)
    for template in expected["templates"]:
        if template.get("id") == template_id:
            for v in template["versions"]:
                if v.get("version") == version:
                    v.update(values)
    if expected != actual:
        raise ConfigError(
            f"{source}: the approval could not be written without changing other content; "
            "edit the file by hand",
            f"{source}：无法在不改动其他内容的前提下写入审批信息，请手工编辑",
        )


def _versions_node(root: yaml.Node | None, template_id: str) -> yaml.SequenceNode | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    found = _find(root, "templates")
    if found is None or not isinstance(found[1], yaml.SequenceNode):
        return None
    for item in found[1].value:
        ident = _find(item, "id") if isinstance(item, yaml.MappingNode) else None
        if ident is not None and isinstance(ident[1], yaml.ScalarNode) and ident[1].value == template_id:
            versions = _find(item, "versions")  # type: ignore[arg-type]
            if versions is not None and isinstance(versions[1], yaml.SequenceNode):
                return versions[1]
    return None


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def propose_version(
    path: Path | str, template_id: str, body: str, *, by: str, notes: str | None = None
) -> TemplateVersion:
    """Add a new draft version of ``template_id`` to the file (the next number), for review.

    The body is checked as the loader checks it (placeholders, syntax); the rest of the file is kept
    byte for byte. Approval is a separate act (:func:`approve_version`), by someone else's role."""
    path = Path(path)
    text = read_text(path, what_zh="模板", what_en="templates")
    catalog = parse_templates(text, str(path))
    template = catalog[template_id]
    if not body.strip():
        raise InputError("the template body must not be empty", "模板正文不能为空")
    number = max(v.version for v in template.versions) + 1
    proposer = by.strip()
    note = f"proposed by {proposer}" + (f": {notes.strip()}" if notes and notes.strip() else "")
    node = _versions_node(yaml.compose(text), template_id)
    if node is None or not node.value or node.flow_style:
        raise ConfigError(
            f"{path}: cannot add a version to {template_id!r} here; edit the file by hand",
            f"{path}：无法在此为模板 {template_id} 新增版本，请手工编辑",
        )
    last = node.value[-1]
    if not isinstance(last, yaml.MappingNode) or not last.value or last.flow_style:
        raise ConfigError(
            f"{path}: cannot add a version to {template_id!r} here; edit the file by hand",
            f"{path}：无法在此为模板 {template_id} 新增版本，请手工编辑",
        )
    indent = " " * last.start_mark.column
    dash = " " * max(last.start_mark.column - 2, 0)
    anchor = last.value[-1][1].end_mark.index  # the end of the last value of the last version
    if anchor and text[anchor - 1] != "\n":
        line_end = text.find("\n", anchor)
        anchor = len(text) if line_end == -1 else line_end + 1
    block = (
        f"{dash}- version: {number}\n{indent}state: draft\n"
        f"{indent}body: {json.dumps(body, ensure_ascii=False)}\n"
        f"{indent}notes: {json.dumps(note[:500], ensure_ascii=False)}\n"
    )
    prefix = text[:anchor] if text[:anchor].endswith("\n") else text[:anchor] + "\n"
    new_text = prefix + block + text[anchor:]
    expected: Any = load_yaml(text)
    for item in expected["templates"]:
        if item.get("id") == template_id:
            item["versions"].append({"version": number, "state": "draft", "body": body, "notes": note[:500]})
    if load_yaml(new_text) != expected:
        raise ConfigError(
            f"{path}: the new version could not be added without changing other content; edit by hand",
            f"{path}：无法在不改动其他内容的前提下新增版本，请手工编辑",
        )
    try:
        updated = parse_templates(new_text, str(path))  # the body is checked here, as the loader does
    except ConfigError as exc:  # a bad body is the proposer's input, not the file's fault
        raise InputError(exc.en, exc.zh) from exc
    _write(path, new_text)
    return updated[template_id].version(number)


def reject_version(
    path: Path | str, template_id: str, version: int, *, by: str, reason: str
) -> TemplateVersion:
    """Retire a draft version that review did not accept, with who and why in its notes."""
    path = Path(path)
    text = read_text(path, what_zh="模板", what_en="templates")
    current = parse_templates(text, str(path))[template_id].version(version)
    if current.state != "draft":
        raise InputError(
            f"only a draft can be rejected; version {version} of {template_id!r} is {current.state}",
            f"只能驳回草稿；模板 {template_id} 第 {version} 版的状态是 {current.state}",
        )
    note = f"rejected by {by.strip()}: {reason.strip() or '—'}"
    values: dict[str, FieldValue] = {"state": "retired", "notes": note[:500]}
    new_text = _edit_version_fields(text, template_id, version, values, str(path))
    _check_only_fields_changed(text, new_text, template_id, version, values, str(path))
    updated = parse_templates(new_text, str(path))
    _write(path, new_text)
    return updated[template_id].version(version)
