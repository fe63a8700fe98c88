"""``dunning compliance``: list the rules, show the profile, check texts, measure the corpus."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import time
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from dunning.cli.common import JsonOption, console, echo_json, handle_errors, settings
from dunning.cli.main import app
from dunning.core.errors import InputError
from dunning.core.profiles import PROFILES

if TYPE_CHECKING:  # loaded by the commands that need them: `dunning --help` stays fast
    from dunning.compliance import ComplianceProfile
    from dunning.compliance.gate import Identity

compliance_app = typer.Typer(
    name="compliance",
    help="合规规则与检查 / Compliance rules and checks.",
    no_args_is_help=True,
)
app.add_typer(compliance_app, name="compliance")

ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", help="CN | US（默认取设置 / default from settings）"),
]

_BATCH = 5000  # lines evaluated together by check-text


def _profile(name: str | None) -> ComplianceProfile:
    from dunning.compliance import load_profile

    s = settings()
    return load_profile(name or s.profile, s)


@compliance_app.command("rules")
@handle_errors
def rules_command(profile: ProfileOption = None) -> None:
    """列出规则、类别、法律依据与原因 / List rules, categories, legal bases and reasons."""
    from dunning.compliance import RULES

    p = _profile(profile)
    table = Table(title=f"合规规则 / Compliance rules — {p.name}", show_lines=True)
    table.add_column("规则 / Rule", overflow="fold", ratio=3)
    table.add_column("类别 / Category", overflow="fold", ratio=2)
    table.add_column("法律依据 / Legal basis", overflow="fold", ratio=4)
    table.add_column("原因 / Reason", overflow="fold", ratio=5)
    for rule in RULES:
        if p.name not in rule.legal_basis:
            continue
        zh, en = rule.reason(p)
        state = "" if rule.applies_to(p) else "\n[dim]未启用 / off[/]"
        table.add_row(rule.id + state, rule.category, rule.legal_basis[p.name], f"{zh}\n{en}")
    console.print(table)


@compliance_app.command("profile")
@handle_errors
def profile_command(profile: ProfileOption = None, as_json: JsonOption = False) -> None:
    """显示生效的合规配置与审批过的放宽项 / Show the effective profile and audited overrides."""
    p = _profile(profile)
    if as_json:
        echo_json(
            {
                "profile": p.name,
                "settings": {
                    key: _plain(getattr(p, key)) for key in type(p).model_fields if key != "audited_overrides"
                },
                "audited_overrides": [
                    {
                        "setting": o.setting,
                        "value": _plain(o.value),
                        "reason": o.reason,
                        "approved_by": o.approved_by,
                        "approved_at": o.approved_at.isoformat() if o.approved_at else None,
                    }
                    for o in p.audited_overrides
                ],
            }
        )
        return
    table = Table(title=f"合规配置 / Compliance profile — {p.name}")
    table.add_column("设置 / Setting", overflow="fold")
    table.add_column("值 / Value", overflow="fold")
    for key in type(p).model_fields:
        if key != "audited_overrides":
            table.add_row(key, _show(getattr(p, key)))
    console.print(table)
    if p.audited_overrides:
        audit = Table(title="审批过的放宽项 / Audited overrides")
        for column in (
            "设置 / Setting",
            "值 / Value",
            "理由 / Reason",
            "审批人 / Approved by",
            "日期 / Date",
        ):
            audit.add_column(column)
        for o in p.audited_overrides:
            when = o.approved_at.isoformat() if o.approved_at else "—"
            audit.add_row(o.setting, _show(o.value), o.reason, o.approved_by, when)
        console.print(audit)
    else:
        console.print("无放宽项 / No overrides: every setting is at or above its floor.")


def _plain(value: Any) -> Any:
    """A profile value as JSON: times as "HH:MM", tuples as lists, pairs as objects."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, tuple | list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {str(k): _plain(v) for k, v in value}
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def _show(value: Any) -> str:
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, tuple | list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return "; ".join(f"{k}: {_show(v)}" for k, v in value)
        return ", ".join(_show(v) for v in value) or "—"
    return "—" if value is None else str(value)


@compliance_app.command("check-text")
@handle_errors
def check_text_command(
    profile: ProfileOption = None,
    scope: Annotated[
        str,
        typer.Option(
            "--scope",
            help="full：按本部署的全部要求；content：只看文本内容（不查必备要素，链接与号码对照该行的 "
            "identity）/ full: everything this deployment requires; content: what the text says only "
            "(no required elements; links and numbers against the line's identity)",
        ),
    ] = "full",
) -> None:
    """从标准输入逐行读取 JSON 并检查 / Check JSON lines from stdin: {"id": …, "text": …}.

    A line may add "kind" (collection, notice, promise_confirmation … or reminder, confirmation,
    help …), "identity" ({"signature": "【…】", "creditor": "…", "hotlines": [...], "domains": [...]})
    and any gate context key. Each output line is {"id", "outcome" (allowed | blocked | review),
    "allowed", "violations": [{"rule", "category", "reason", …}], "review": [...], "score"}; a
    malformed line yields {"id", "line", "error"} and processing continues.
    """
    from dunning.compliance.gate import SCOPES

    if scope not in SCOPES:
        raise InputError(
            f"--scope must be one of {', '.join(SCOPES)}, got {scope!r}",
            f"--scope 须为 {'、'.join(SCOPES)} 之一，收到 {scope!r}",
        )
    p = _profile(profile)
    try:
        stream = sys.stdin.buffer
        batch: list[tuple[int, bytes]] = []
        for number, raw in enumerate(stream, start=1):
            batch.append((number, raw))
            if len(batch) >= _BATCH:
                _check_batch(batch, p, scope)
                batch = []
        _check_batch(batch, p, scope)
    except OSError as exc:
        raise InputError(f"cannot read stdin: {exc}", f"无法读取标准输入：{exc}") from exc


def _check_batch(lines: list[tuple[int, bytes]], profile: ComplianceProfile, scope: str) -> None:
    from dunning.compliance.gate import Identity, judge_records, with_identity

    outputs: list[dict[str, Any] | None] = []
    pending: list[tuple[int, Any, dict[str, Any], Identity | None]] = []  # (slot, id, record, identity)
    for number, raw in lines:
        if not raw.strip():
            continue
        parsed = _parse_line(number, raw)
        if "error" in parsed:
            outputs.append(parsed)
        else:
            pending.append((len(outputs), parsed["id"], parsed["record"], parsed["identity"]))
            outputs.append(None)
    # judge_records groups the lines by their keys and identity: one gate pass per group.
    verdicts = judge_records(
        [record for _, _, record, _ in pending],
        profile,
        scope=scope,
        identities=[identity for _, _, _, identity in pending],
    )
    # Reasons name the values of the profile the line was judged under (its identity's numbers…).
    blank = Identity() if scope == "content" else None
    judged_as: dict[Identity | None, ComplianceProfile] = {}
    for (slot, ident, _, identity), verdict in zip(pending, verdicts, strict=True):
        key = identity if identity is not None else blank
        if key not in judged_as:
            judged_as[key] = with_identity(profile, key)
        outputs[slot] = {
            "id": ident,
            "outcome": verdict.outcome,
            "allowed": verdict.outcome == "allowed",
            "violations": list(_explained(verdict.violations, judged_as[key])),
            "review": list(verdict.review),
            "score": verdict.score,
        }
    for output in outputs:
        echo_json(output)


def _explained(ids: Iterable[str], profile: ComplianceProfile) -> Iterator[dict[str, str]]:
    from dunning.compliance import explain

    for rule_id in ids:
        v = explain(rule_id, profile)
        yield {
            "rule": v.rule,
            "category": v.category,
            "reason": v.reason(),
            "reason_zh": v.reason_zh,
            "reason_en": v.reason_en,
            "legal_basis": v.legal_basis,
        }


def _parse_line(number: int, raw: bytes) -> dict[str, Any]:
    """{"id", "record", "identity"} for a good line, or the error line to print."""
    from dunning.compliance.gate import Identity, typed_context
    from dunning.core.kinds import parse_kind

    def error(ident: Any, zh: str, en: str) -> dict[str, Any]:
        return {"id": ident, "line": number, "error": f"{zh} / {en}"}

    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return error(None, "不是 UTF-8 文本", "not UTF-8 text")
    except ValueError as exc:
        return error(None, f"不是有效的 JSON（{exc.args[0]}）", f"not valid JSON ({exc.args[0]})")
    if not isinstance(data, dict):
        return error(None, "每行须为 JSON 对象", "each line must be a JSON object")
    ident = data.pop("id", None)
    if not (
        ident is None or isinstance(ident, str) or (isinstance(ident, int) and not isinstance(ident, bool))
    ):
        return error(None, "id 须为字符串或整数", "id must be a string or an integer")
    if "text" not in data:
        return error(ident, "缺少 text 字段", "missing text")
    text = data.pop("text")
    if not isinstance(text, str):
        return error(ident, "text 须为字符串", "text must be a string")
    identity: Identity | None = None
    try:
        if data.get("identity") is not None:
            identity = Identity.parse(data["identity"])
        data.pop("identity", None)
        if data.get("kind") is not None:
            data["kind"] = parse_kind(data["kind"])
        context = typed_context(data)
    except InputError as exc:
        return error(ident, exc.zh, exc.en)
    return {"id": ident, "record": {"body": text, **context}, "identity": identity}


@compliance_app.command("corpus")
@handle_errors
def corpus_command(
    profile: ProfileOption = None,
    strict: bool = typer.Option(False, "--strict", help="有遗漏时退出码为 1 / Exit 1 on any miss"),
    corpus: str = typer.Option(
        "shipped",
        "--corpus",
        help="shipped | train | eval | blind | sealed | all（默认 shipped / default shipped）",
    ),
    scope: str | None = typer.Option(
        None,
        "--scope",
        help="full | content（默认随语料：eval 为 content / default per set: eval is content）",
    ),
    show: bool = typer.Option(True, "--show-misses/--no-show-misses", help="列出遗漏 / List the misses"),
) -> None:
    """用内置语料衡量拦截率与放行率 / Measure block and pass rates on the shipped corpora."""
    from dunning.compliance import run_corpus
    from dunning.compliance.corpus import CORPUS_SETS, HELD_OUT_SETS

    if corpus != "all" and corpus not in CORPUS_SETS:
        raise InputError(
            f"--corpus must be one of all, {', '.join(CORPUS_SETS)}",
            f"--corpus 须为 all、{'、'.join(CORPUS_SETS)} 之一",
        )
    names = [profile.upper()] if profile else list(PROFILES)
    sets = list(CORPUS_SETS) if corpus == "all" else [corpus]
    missed = False
    for name in names:
        for which in sets:
            report = run_corpus(name, which, scope=scope)
            console.print(
                f"[bold]{report.profile}[/] {report.corpus} ({report.scope})  "
                f"应拦截 / must block: {report.blocked}/{report.block_total} = {report.block_rate:.1%} "
                f"(复核 / by review: {report.reviewed_block}; "
                f"命中预期规则 / on the expected rule: {report.target_rate:.1%})  "
                f"应放行 / must pass: {report.passed}/{report.pass_total} = {report.pass_rate:.1%} "
                f"(待复核 / held for review: {report.reviewed_pass})"
            )
            if report.misses:
                missed = True
                if show and which in HELD_OUT_SETS:
                    console.print(
                        f"{which}：留出集不列出遗漏 / misses of a held-out set are not printed (ADR 0022)"
                    )
                elif show:
                    console.print(f"遗漏 / Misses ({len(report.misses)}):")
                    for m in report.misses:
                        expected = ", ".join(m.expected) or "—"
                        got = ", ".join(m.got) or "—"
                        console.print(
                            f"  {m.id}  {m.kind}  预期/expected: {expected}  实际/got: {got}", markup=False
                        )
                        console.print(f"    {m.text}", markup=False)
    if strict and missed:
        raise typer.Exit(1)


@compliance_app.command("redteam")
@handle_errors
def redteam_command(
    profile: ProfileOption = None,
    as_json: bool = typer.Option(False, "--json", help="输出 JSON / JSON output"),
    seed: int = typer.Option(0, "--seed", help="变形的随机种子 / Seed of the mutations"),
    corpus: str = typer.Option(
        "all",
        "--corpus",
        help="shipped | train | eval | blind | sealed | all（各集分开统计 / measured apart）",
    ),
) -> None:
    """对语料逐类变形，按类统计拦截率与放行率 / Block and pass rates per mutation class."""
    from rich.table import Table

    from dunning.cli.common import echo_json
    from dunning.compliance.corpus import CORPUS_SETS
    from dunning.compliance.redteam import redteam

    names = [profile.upper()] if profile else list(PROFILES)
    if corpus != "all" and corpus not in CORPUS_SETS:
        raise InputError(
            f"--corpus must be one of all, {', '.join(CORPUS_SETS)}",
            f"--corpus 须为 all、{'、'.join(CORPUS_SETS)} 之一",
        )
    sets = list(CORPUS_SETS) if corpus == "all" else [corpus]
    reports = [redteam(name, corpus=which, seed=seed) for name in names for which in sets]
    if as_json:
        echo_json(
            [
                {"profile": r.profile, "corpus": r.corpus, "classes": [c.as_dict() for c in r.classes]}
                for r in reports
            ]
        )
        return
    for report in reports:
        table = Table(title=f"红队测试 / Red team — {report.profile} (语料 / corpus: {report.corpus})")
        for head in (
            "变形类 / Mutation",
            "拦截 / Blocked",
            "拦截率 / Block rate",
            "放行 / Passed",
            "放行率 / Pass rate",
        ):
            table.add_column(head, justify="left" if "变形" in head else "right")
        for c in report.classes:
            weak = min(c.block_rate, c.pass_rate) < 0.9
            table.add_row(
                f"{c.zh} / {c.en} ({c.name})",
                f"{c.blocked}/{c.block_total}",
                f"{c.block_rate:.1%}",
                f"{c.passed}/{c.pass_total}",
                f"{c.pass_rate:.1%}",
                style="red" if weak else None,
            )
        console.print(table)


# The second opinion's commands (train-classifier, classifier-info) live in their own module; importing
# it registers them on compliance_app, after which it has to come.
from dunning.cli import compliance_model_cmd  # noqa: E402, F401
