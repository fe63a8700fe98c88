"""Templates as data: a template has versions; only approved versions can be sent.

Records are immutable (frozen pydantic models). A version's body is parsed when the file is loaded,
so a template that loads is a template that renders.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from dunning.core.errors import InputError, NotFound
from dunning.core.kinds import MessageKind, parse_kind
from dunning.core.profiles import Profile
from dunning.templates._yaml import Bilingual
from dunning.templates.syntax import Part, parse_body, variables_of

State = Literal["draft", "approved", "retired"]
#: What the gate said of a version a compliance officer approved anyway (``flows.approve_template``).
OverrideOutcome = Literal["review", "blocked"]

ID_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


class TemplateVersion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    state: State
    approved_by: str | None = None
    approved_at: datetime | None = None
    body: str
    notes: str | None = None
    # Set when a compliance officer approved a version whose preview the gate did not allow: what it
    # said (outcome, the rule ids and review reasons) and the officer's reason. The planner can see
    # that a person accepted this text.
    override_outcome: OverrideOutcome | None = None
    override_flags: tuple[str, ...] = ()
    override_reason: str | None = None

    _parts: tuple[Part, ...] = PrivateAttr(default=())

    @field_validator("body")
    @classmethod
    def _body_syntax(cls, body: str) -> str:
        parse_body(body)
        return body

    @field_validator("approved_by")
    @classmethod
    def _approver(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise Bilingual("approved_by must not be empty", "审批人不能为空")
        return value

    @field_validator("approved_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise Bilingual(
                "approved_at needs a UTC offset, e.g. 2026-01-15T10:00:00+08:00",
                "审批时间须带时区偏移，如 2026-01-15T10:00:00+08:00",
            )
        return value

    @model_validator(mode="after")
    def _approval_fields(self) -> TemplateVersion:
        if self.state == "approved" and (self.approved_by is None or self.approved_at is None):
            raise Bilingual(
                "an approved version needs approved_by and approved_at; use `dunning templates approve`",
                "已审批（approved）的版本须填写 approved_by 和 approved_at；请用 `dunning templates approve`",
            )
        if self.state == "draft" and (self.approved_by is not None or self.approved_at is not None):
            raise Bilingual(
                "a draft version cannot carry approved_by / approved_at",
                "草稿（draft）版本不能带审批信息（approved_by / approved_at）",
            )
        overridden = (self.override_outcome, self.override_reason, self.override_flags)
        if any(overridden) and self.state == "draft":
            raise Bilingual(
                "a draft version cannot carry override_outcome / override_reason / override_flags",
                "草稿（draft）版本不能带放行信息（override_outcome / override_reason / override_flags）",
            )
        if any(overridden) and (self.override_outcome is None or not (self.override_reason or "").strip()):
            raise Bilingual(
                "an override needs both override_outcome and a non-empty override_reason",
                "放行须同时填写 override_outcome 与非空的 override_reason",
            )
        return self

    def model_post_init(self, context: object, /) -> None:
        self._parts = parse_body(self.body)

    @property
    def parts(self) -> tuple[Part, ...]:
        return self._parts

    @property
    def variables(self) -> tuple[str, ...]:
        return variables_of(self._parts)


class Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    profile: Profile
    # What the template is for: collection reminders are chosen by strategies; the other kinds answer
    # replies and payments (flows.ingest_replies, flows.record_payments) and have their own required
    # elements in the gate (dunning.compliance.kinds).
    kind: MessageKind = "collection"
    description: str = ""
    versions: tuple[TemplateVersion, ...]

    @field_validator("profile", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: object) -> object:
        """A kind or one of its aliases ("reminder", "confirmation", "help" …)."""
        try:
            return parse_kind(value)
        except InputError as exc:
            raise Bilingual(exc.en, exc.zh) from None

    @field_validator("versions")
    @classmethod
    def _unique_versions(cls, versions: tuple[TemplateVersion, ...]) -> tuple[TemplateVersion, ...]:
        if not versions:
            raise Bilingual("at least one version is needed", "至少需要一个版本")
        numbers = [v.version for v in versions]
        dupes = sorted({n for n in numbers if numbers.count(n) > 1})
        if dupes:
            raise Bilingual(f"duplicate version numbers: {dupes}", f"版本号重复：{dupes}")
        return tuple(sorted(versions, key=lambda v: v.version))

    def version(self, number: int) -> TemplateVersion:
        for v in self.versions:
            if v.version == number:
                return v
        raise NotFound(
            f"template {self.id!r} has no version {number} (versions: {[v.version for v in self.versions]})",
            f"模板 {self.id} 没有第 {number} 版（现有版本：{[v.version for v in self.versions]}）",
        )

    @property
    def approved(self) -> TemplateVersion | None:
        """The newest approved version: the only one that can be sent."""
        for v in reversed(self.versions):
            if v.state == "approved":
                return v
        return None

    @property
    def newest(self) -> TemplateVersion:
        return self.versions[-1]

    def for_sending(self) -> tuple[TemplateVersion, bool]:
        """(version to render, approved?): the newest approved version, else the newest of any state."""
        approved = self.approved
        return (approved, True) if approved is not None else (self.newest, False)


class TemplateFile(BaseModel):
    """The YAML document: ``templates: [...]``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    templates: tuple[Template, ...]

    @field_validator("templates")
    @classmethod
    def _unique_ids(cls, templates: tuple[Template, ...]) -> tuple[Template, ...]:
        if not templates:
            raise Bilingual("at least one template is needed", "至少需要一个模板")
        ids = [t.id for t in templates]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise Bilingual(f"duplicate template ids: {dupes}", f"模板 id 重复：{dupes}")
        return templates


class TemplateCatalog(Mapping[str, Template]):
    """All templates of one file, by id. Read-only; ``source`` names the file for messages."""

    def __init__(self, templates: tuple[Template, ...] | list[Template], source: str = "<memory>") -> None:
        self._templates = {t.id: t for t in templates}
        self.source = source

    def __getitem__(self, template_id: str) -> Template:
        try:
            return self._templates[template_id]
        except KeyError:
            raise NotFound(
                f"{self.source}: no template {template_id!r}",
                f"{self.source}：没有模板 {template_id}",
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._templates)

    def __len__(self) -> int:
        return len(self._templates)

    def __contains__(self, key: object) -> bool:
        return key in self._templates

    def approved(self, template_id: str) -> TemplateVersion | None:
        """The version that would be sent for ``template_id`` (newest approved), or None."""
        return self[template_id].approved

    def for_kind(self, kind: MessageKind) -> Template | None:
        """The first template of ``kind`` (file order) with an approved version, or None: answers to
        replies and payments are sent only from an approved template of their kind."""
        return next((t for t in self._templates.values() if t.kind == kind and t.approved), None)

    def __repr__(self) -> str:
        return f"TemplateCatalog({self.source!r}, {len(self)} templates)"
