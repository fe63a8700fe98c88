"""Property: the vectorised renderer and the scalar renderer agree on every input."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.core.smstext import text_info
from dunning.templates import (
    RowValues,
    TemplateCatalog,
    load_default_templates,
    parse_templates,
    render_frame,
    render_version,
)
from dunning.templates.render import RenderError, format_row_variable
from tests.templates.helpers import CN_CONTEXT, frame_of

EVERYTHING = parse_templates(
    """
templates:
  - id: cn-every
    profile: CN
    versions:
      - version: 1
        state: approved
        approved_by: a
        approved_at: "2026-01-01T00:00:00+08:00"
        body: >-
          【{signature}】{masked_name} | {amount} | {due_date} | {days_overdue} | {account_tail} |
          {n_accounts} | {creditor}{hotline}{app_name}{pay_url}
  - id: us-every
    profile: US
    versions:
      - version: 1
        state: draft
        body: "{masked_name} {amount} {due_date} {days_overdue} {account_tail} {n_accounts} {amount}{amount}"
  - id: only-constants
    profile: US
    versions:
      - {version: 1, state: draft, body: "{creditor}"}
""",
    "property.yaml",
)
CATALOG = TemplateCatalog(
    [
        *EVERYTHING.values(),
        *load_default_templates("CN").values(),
        *load_default_templates("US").values(),
    ],
    "combined",
)
IDS = [*CATALOG, "unknown-id"]

names = st.one_of(
    st.none(),
    st.text(max_size=6),
    st.sampled_from(["张*", "J.", " 李四", "\t王", "{hotline}", "【假】", "𠀀", "é", "ß", "ǅ", "Ⅻ"]),
)
rows = st.tuples(
    st.sampled_from(IDS),
    st.builds(
        RowValues,
        name_masked=names,
        amount_minor=st.one_of(st.none(), st.integers(-(10**15), 10**15)),
        currency=st.one_of(st.none(), st.sampled_from(["CNY", "USD", "JPY", "EUR", "KWD", "CLF"])),
        due_date=st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2200, 12, 31))),
        days_past_due=st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)),
        account_tail=st.one_of(
            st.none(), st.text(max_size=10), st.from_regex(r"[A-Z0-9-]{0,12}", fullmatch=True)
        ),
        n_accounts=st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)),
    ),
)


def _scalar(template_id: str, values: RowValues) -> tuple[str | None, str | None, int | None, bool]:
    """(body, render_error, version, approved) computed one message at a time."""
    if template_id not in CATALOG:
        return None, "unknown_template", None, False
    template = CATALOG[template_id]
    version, approved = template.for_sending()
    try:
        return render_version(version, template.profile, values, CN_CONTEXT), None, version.version, approved
    except RenderError:
        missing = [
            name
            for name in version.variables
            if name in {"masked_name", "amount", "due_date", "days_overdue", "account_tail", "n_accounts"}
            and format_row_variable(name, template.profile, values) is None
        ]
        return None, "missing:" + ",".join(missing), version.version, approved


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows, min_size=1, max_size=25))
def test_vectorised_equals_scalar(examples: list[tuple[str, RowValues]]) -> None:
    out = render_frame(frame_of(examples), CATALOG, CN_CONTEXT)
    assert out.height == len(examples)
    for (template_id, values), row in zip(examples, out.iter_rows(named=True), strict=True):
        body, error, version, approved = _scalar(template_id, values)
        assert row["body"] == body, (template_id, values)
        assert row["render_error"] == error
        assert row["template_version"] == version
        assert row["template_approved"] == approved
        if body is None:
            assert row["encoding"] is None and row["segments"] is None
        else:
            info = text_info(body)
            assert (row["encoding"], row["segments"]) == (info.encoding, info.segments)
