"""Portfolio files → validated, typed Polars frames. Pure: no database, no clock.

Reading (:func:`read_table`): CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030, else the best
guess of charset-normalizer; comma, semicolon, tab or pipe separated), Parquet and XLSX/XLS (first
sheet), chosen by extension. Every cell is read as text, trimmed, and empty means missing. Each row keeps
its line number in the file (the header is line 1; for spreadsheets and Parquet, row N of the sheet).

Validation (:func:`validate`) works column by column on the distinct values of each column, so a
10,000-row file is checked in well under a second. Every problem is a :class:`RowError` with the line,
the column, the value (names and phone numbers masked, always) and a reason in Chinese and English.
A missing required column is one file-level error on line 1. Duplicate ids are fine when the rows are
identical and an error when they conflict. References to the database (unknown debtors or accounts)
are checked by ``service``.

Accepted values:

* dates: ``2026-02-28``, ``2026/02/28``, ``20260228`` (a ``00:00:00`` time, as spreadsheets add, is
  ignored); the date must exist (``2026-02-30`` is an error) and lie in 1970–2100;
* timestamps: ISO 8601 (``2026-02-28T14:05:00+08:00``, ``…Z``, ``2026-02-28 14:05:00``); without an
  offset they are in the profile's zone (Asia/Shanghai for CN, America/New_York for US);
* amounts: ``1234.5``, ``1,234.50``, ``¥1234``; never negative; no more decimals than the currency has;
* booleans: true/false, 1/0, yes/no, y/n, t/f, 是/否 (case-insensitive); empty = false;
* phone numbers: as dialled in the profile's country or in international form; must be a valid mobile
  number (the platform only sends SMS);
* currencies: ISO 4217 codes in use; time zones: IANA names (``Asia/Shanghai``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import polars as pl

from dunning.core.errors import InputError
from dunning.core.masking import mask_name, mask_phone
from dunning.core.money import exponent, is_known_currency, parse_amount, to_minor
from dunning.core.phone import PhoneError, parse_phone
from dunning.core.profiles import PROFILE_REGION, PROFILE_TIME_ZONE
from dunning.portfolio.columns import FLAGS, OPTIONAL, RELATIONS, REQUIRED, FileKind

# The profile's zone for naive timestamps and for debtors without any zone information.

LINE = "__line__"
MAX_ID = 64
MAX_MINOR = 10**15
_TRUE = frozenset({"true", "1", "yes", "y", "t", "是", "真", "对"})
_FALSE = frozenset({"false", "0", "no", "n", "f", "否", "假"})
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_REGION = re.compile(r"^[A-Za-z0-9-]{1,16}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SEPARATORS = (",", ";", "\t", "|")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one cell. ``value`` is already masked when the column holds personal data."""

    line: int
    column: str
    value: str
    reason_zh: str
    reason_en: str

    @property
    def zh(self) -> str:
        return self.reason_zh

    @property
    def en(self) -> str:
        return self.reason_en

    def bilingual(self) -> str:
        return f"{self.reason_zh} / {self.reason_en}"


class CellError(InputError, ValueError):
    """One cell of a file is invalid (a ValueError too, as the column parsers raise it)."""


@dataclass
class RawTable:
    """A file read as text: one Utf8 column per header column plus ``__line__`` (Int64)."""

    path: Path
    columns: list[str]
    frame: pl.DataFrame
    encoding: str | None = None
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Validated:
    """Typed rows that passed every check (duplicates removed), and the errors of the others."""

    kind: FileKind
    frame: pl.DataFrame
    errors: list[RowError]
    rows: int
    present: frozenset[str]
    ignored_columns: list[str]
    file_error: bool = False
    encoding: str | None = None


# --------------------------------------------------------------------------------------------------
# Reading


def mask_value(column: str, value: str | None) -> str:
    """The form of a cell value that may appear in reports: names and phone numbers masked."""
    if value is None:
        return ""
    text = str(value)
    if column == "name":
        return mask_name(text)
    if column == "phone":
        return mask_phone(text)
    return text if len(text) <= 60 else text[:57] + "..."


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a text file: BOMs first, then strict UTF-8, then GB18030 (a superset of GBK), then a guess."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return text, encoding
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(
            "cannot determine the text encoding of the file; save it as UTF-8",
            "无法识别文件的字符编码，请另存为 UTF-8",
        )
    return str(best), best.encoding


def _header(names: Iterable[Any]) -> list[str]:
    return [str(n or "").strip().lstrip("\ufeff").strip().lower().replace(" ", "_") for n in names]


def _sniff(first_line: str) -> str:
    counts = {sep: first_line.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _read_csv(path: Path) -> RawTable:
    text, encoding = decode_bytes(path.read_bytes())
    if not text.strip():
        raise InputError(f"{path.name} is empty", f"{path.name} 是空文件")
    separator = _sniff(text.split("\n", 1)[0])
    fast = _split_simple(path, text, separator, encoding)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = next(reader)
    columns = _header(header)
    width = len(columns)
    cells: list[list[str | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    errors: list[RowError] = []
    previous = reader.line_num
    for record in reader:
        start = previous + 1
        previous = reader.line_num
        if not any(c.strip() for c in record):
            continue
        if len(record) != width:
            errors.append(_ragged(start, len(record), width))
            continue
        lines.append(start)
        for i, value in enumerate(record):
            cells[i].append(value)
    frame = pl.DataFrame({f"c{i}": pl.Series(cells[i], dtype=pl.Utf8) for i in range(width)})
    return RawTable(path, columns, _tidy(frame, lines), encoding, errors)


def _ragged(line: int, found: int, width: int) -> RowError:
    return RowError(
        line,
        "*",
        str(found),
        f"该行有 {found} 个字段，表头有 {width} 个",
        f"row has {found} fields, the header has {width}",
    )


def _split_simple(path: Path, text: str, separator: str, encoding: str) -> RawTable | None:
    """Fast path for files without quoting: split lines and fields column-wise in Polars.

    Returns None when a quote character appears (fields may hold separators or line breaks); the
    csv module then reads the file, which tracks line numbers through quoted line breaks.
    """
    if '"' in text:
        return None
    lines = pl.Series("l", text.split("\n"), dtype=pl.Utf8).str.strip_suffix("\r")
    frame = pl.DataFrame({"l": lines}).with_row_index("n", offset=1)
    frame = frame.filter(pl.col("l").str.strip_chars() != "")
    header = frame["l"][0]
    columns = _header(header.split(separator))
    width = len(columns)
    body = frame.slice(1).with_columns(pl.col("l").str.count_matches(separator, literal=True).alias("k"))
    body = body.filter(pl.col("l").str.replace_all(separator, "", literal=True).str.strip_chars() != "")
    ragged = body.filter(pl.col("k") != width - 1)
    errors = [_ragged(int(n), int(k) + 1, width) for n, k in ragged.select("n", "k").iter_rows()]
    body = body.filter(pl.col("k") == width - 1)
    fields = body.select(
        pl.col("l")
        .str.split_exact(separator, width - 1)
        .struct.rename_fields([f"c{i}" for i in range(width)])
    ).unnest("l")
    return RawTable(path, columns, _tidy(fields, body["n"].cast(pl.Int64).to_list()), encoding, errors)


def _tidy(frame: pl.DataFrame, lines: list[int]) -> pl.DataFrame:
    """Positional text columns → trimmed, empty-as-null columns named c0..cN, plus the line number."""
    line = pl.Series(LINE, lines, dtype=pl.Int64)
    if not frame.columns:
        return pl.DataFrame({LINE: line})
    stripped = [pl.col(c).cast(pl.Utf8).str.strip_chars() for c in frame.columns]
    exprs = [pl.when(e == "").then(None).otherwise(e).alias(f"c{i}") for i, e in enumerate(stripped)]
    return frame.select(exprs).with_columns(line)


def _read_parquet(path: Path) -> RawTable:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises several error types for a broken file
        raise InputError(
            f"cannot read Parquet file {path.name}: {exc}", f"无法读取 Parquet 文件 {path.name}：{exc}"
        ) from exc
    return _from_frame(path, frame, None)


def _read_excel(path: Path) -> RawTable:
    try:
        frame = pl.read_excel(
            path,
            engine="calamine",
            infer_schema_length=0,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
        )
    except Exception as exc:  # fastexcel raises its own error types
        raise InputError(
            f"cannot read spreadsheet {path.name}: {exc}", f"无法读取电子表格 {path.name}：{exc}"
        ) from exc
    return _from_frame(path, frame, None)


def _from_frame(path: Path, frame: pl.DataFrame, encoding: str | None) -> RawTable:
    nested = [c for c, t in frame.schema.items() if t.is_nested()]
    if nested:
        raise InputError(
            f"columns with nested values are not supported: {', '.join(nested)}",
            f"不支持嵌套类型的列：{', '.join(nested)}",
        )
    columns = _header(frame.columns)
    positional = frame.rename({old: f"c{i}" for i, old in enumerate(frame.columns)})
    lines = list(range(2, frame.height + 2))
    tidy = _tidy(positional, lines)
    value_cols = [c for c in tidy.columns if c != LINE]
    if value_cols:
        tidy = tidy.filter(pl.any_horizontal(pl.col(value_cols).is_not_null()))
    return RawTable(path, columns, tidy, encoding, [])


def read_table(path: Path) -> RawTable:
    """Read a portfolio file by its extension: .csv/.txt/.tsv, .parquet/.pq, .xlsx/.xlsm/.xls."""
    if not path.is_file():
        raise InputError(f"file not found: {path}", f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _read_excel(path)
    raise InputError(
        f"unsupported file type {suffix or '(none)'}: use .csv, .parquet or .xlsx",
        f"不支持的文件类型 {suffix or '（无扩展名）'}：请使用 .csv、.parquet 或 .xlsx",
    )


# --------------------------------------------------------------------------------------------------
# Cell parsers (pure; raise CellError with both languages)


def parse_bool(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(
        f"not a yes/no value: {raw!r} (use true/false, 1/0, yes/no, 是/否)",
        f"不是有效的是/否值：{raw!r}（可用 true/false、1/0、yes/no、是/否）",
    )


def parse_date(raw: str) -> date:
    match = _ISO_DATE.match(raw) or _COMPACT_DATE.match(raw)
    if not match:
        raise CellError(
            f"not a date: {raw!r} (use YYYY-MM-DD)", f"不是有效的日期：{raw!r}（格式 YYYY-MM-DD）"
        )
    year, month, day = (int(g) for g in match.groups())
    try:
        value = date(year, month, day)
    except ValueError as exc:
        raise CellError(f"date does not exist: {raw!r}", f"日期不存在：{raw!r}") from exc
    if not 1970 <= value.year <= 2100:
        raise CellError(f"date out of range 1970–2100: {raw!r}", f"日期超出范围（1970–2100）：{raw!r}")
    return value


def parse_timestamp(raw: str, default_zone: str) -> datetime:
    text = raw.strip()
    if re.match(r"^\d{4}/\d{1,2}/\d{1,2}", text):
        head, _, tail = text.partition(" ")
        y, m, d = head.split("/")
        text = f"{int(y):04d}-{int(m):02d}-{int(d):02d}" + (f" {tail}" if tail else "")
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        if _ISO_DATE.match(text) or re.match(r"^\d{4}-\d{2}-\d{2}", text):
            raise CellError(f"date or time does not exist: {raw!r}", f"日期或时间不存在：{raw!r}") from exc
        raise CellError(
            f"not an ISO 8601 timestamp: {raw!r} (e.g. 2026-02-28T14:05:00+08:00)",
            f"不是 ISO 8601 时间：{raw!r}（例如 2026-02-28T14:05:00+08:00）",
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(default_zone))
    if not 1970 <= value.year <= 2100:
        raise CellError(f"timestamp out of range 1970–2100: {raw!r}", f"时间超出范围（1970–2100）：{raw!r}")
    return value.astimezone(UTC)


def parse_currency(raw: str) -> str:
    code = raw.strip().upper()
    if not is_known_currency(code):
        raise CellError(
            f"unknown currency {raw!r} (ISO 4217, e.g. CNY)", f"未知币种 {raw!r}（ISO 4217，如 CNY）"
        )
    return code


def parse_money(raw: str, currency: str, *, positive: bool = False) -> int:
    try:
        value = parse_amount(raw)
    except ValueError as exc:
        raise CellError(f"not an amount: {raw!r}", f"不是有效的金额：{raw!r}") from exc
    if value < 0:
        raise CellError(f"negative amount: {raw!r}", f"金额不能为负：{raw!r}")
    if positive and value == 0:
        raise CellError(f"amount must be greater than 0: {raw!r}", f"金额必须大于 0：{raw!r}")
    try:
        minor = to_minor(value, currency)
    except ValueError as exc:
        places = exponent(currency)
        raise CellError(
            f"too many decimals for {currency} (at most {places}): {raw!r}",
            f"{currency} 最多 {places} 位小数：{raw!r}",
        ) from exc
    if minor >= MAX_MINOR:
        raise CellError(f"amount too large: {raw!r}", f"金额过大：{raw!r}")
    return minor


@lru_cache(maxsize=1)
def _zones_by_lower() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones()}


def parse_zone(raw: str) -> str:
    name = _zones_by_lower().get(raw.strip().lower())
    if name is None:
        raise CellError(
            f"unknown time zone {raw!r} (IANA name, e.g. Asia/Shanghai)",
            f"未知时区 {raw!r}（IANA 名称，如 Asia/Shanghai）",
        )
    return name


def parse_region(raw: str) -> str:
    if not _REGION.match(raw):
        raise CellError(
            f"not a state/province code: {raw!r} (e.g. MA, GD)", f"不是有效的省/州代码：{raw!r}（如 GD、MA）"
        )
    return raw.upper()


def parse_risk(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError as exc:
        raise CellError(f"not a number: {raw!r}", f"不是数字：{raw!r}") from exc
    if not 0.0 <= value <= 1.0:
        raise CellError(f"risk score must be between 0 and 1: {raw!r}", f"风险分须在 0 到 1 之间：{raw!r}")
    return value


def parse_relation(raw: str) -> str:
    value = raw.strip().lower()
    if value not in RELATIONS:
        raise CellError(
            f"unknown relation {raw!r} (one of {', '.join(RELATIONS)})",
            f"未知关系 {raw!r}（可选：{', '.join(RELATIONS)}）",
        )
    return value


def phone_parser(profile: str) -> Callable[[str], str]:
    region = PROFILE_REGION[profile]

    def parse(raw: str) -> str:
        text = raw[:-2] if re.fullmatch(r"\+?\d{7,15}\.0", raw) else raw  # spreadsheet numbers
        try:
            parsed = parse_phone(text, region)
        except PhoneError as exc:
            raise CellError(exc.en, exc.zh) from exc
        if not parsed.is_mobile:
            raise CellError("not a mobile number (SMS cannot reach it)", "不是手机号码（无法接收短信）")
        return parsed.e164

    return parse


# --------------------------------------------------------------------------------------------------
# Column-wise validation


class _Checker:
    """Collects typed columns and errors for one raw table."""

    def __init__(self, raw: RawTable, kind: FileKind) -> None:
        self.kind = kind
        self.index = {name: f"c{i}" for i, name in enumerate(raw.columns)}
        self.frame = raw.frame
        self.lines = raw.frame[LINE] if LINE in raw.frame.columns else pl.Series(LINE, [], pl.Int64)
        self.height = raw.frame.height
        self.bad = pl.Series("bad", [False] * self.height, dtype=pl.Boolean)
        self.errors: list[pl.DataFrame] = []
        self.out: dict[str, pl.Series] = {}

    def raw(self, column: str) -> pl.Series:
        if column in self.index:
            return self.frame[self.index[column]]
        return pl.Series(column, [None] * self.height, dtype=pl.Utf8)

    def add_errors(
        self, mask: pl.Series, column: str, values: pl.Series, zh: pl.Series, en: pl.Series
    ) -> None:
        if not mask.any():
            return
        self.bad = self.bad | mask
        self.errors.append(
            pl.DataFrame(
                {
                    "line": self.lines.filter(mask),
                    "column": pl.Series([column] * int(mask.sum()), dtype=pl.Utf8),
                    "value": values.filter(mask),
                    "reason_zh": zh.filter(mask),
                    "reason_en": en.filter(mask),
                }
            )
        )

    def required_present(self, column: str) -> pl.Series:
        values = self.raw(column)
        missing = values.is_null()
        n = self.height
        self.add_errors(
            missing,
            column,
            values,
            pl.Series(["缺少必填值"] * n, dtype=pl.Utf8),
            pl.Series(["required value is missing"] * n, dtype=pl.Utf8),
        )
        return ~missing

    def convert(
        self,
        column: str,
        parser: Callable[[str], Any],
        dtype: Any,
        *,
        required: bool,
        out: str | None = None,
        values: pl.Series | None = None,
        report_column: str | None = None,
        report_values: pl.Series | None = None,
    ) -> pl.Series:
        """Parse the distinct values of a column once each; errors go to every row holding them."""
        raw = self.raw(column) if values is None else values
        if required and values is None:
            self.required_present(column)
        parsed: dict[str, Any] = {}
        failures: dict[str, tuple[str, str]] = {}
        for value in raw.drop_nulls().unique().to_list():
            try:
                parsed[value] = parser(value)
            except CellError as exc:
                failures[value] = (exc.zh, exc.en)
        result = (
            raw.replace_strict(parsed, default=None, return_dtype=dtype)
            if parsed
            else pl.Series(raw.name, [None] * len(raw), dtype=dtype)
        )
        if failures:
            keys = list(failures)
            failed = raw.is_in(keys)
            zh = raw.replace_strict(
                {k: v[0] for k, v in failures.items()}, default=None, return_dtype=pl.Utf8
            )
            en = raw.replace_strict(
                {k: v[1] for k, v in failures.items()}, default=None, return_dtype=pl.Utf8
            )
            shown = report_values if report_values is not None else raw
            self.add_errors(failed.fill_null(False), report_column or column, shown, zh, en)
        self.out[out or column] = result.alias(out or column)
        return result

    def text(
        self, column: str, max_len: int, what: tuple[str, str], *, required: bool, out: str | None = None
    ) -> None:
        """Free text (ids, names, products): length and control characters, checked column-wise."""
        raw = self.raw(column)
        if required:
            self.required_present(column)
        values = raw.str.replace_all(r"\s+", " ") if column == "name" else raw
        n = self.height
        en, zh = what
        too_long = values.str.len_chars().fill_null(0) > max_len
        self.add_errors(
            too_long,
            column,
            raw,
            pl.Series([f"{zh}超过 {max_len} 个字符"] * n, dtype=pl.Utf8),
            pl.Series([f"{en} longer than {max_len} characters"] * n, dtype=pl.Utf8),
        )
        control = values.str.contains(r"[\x00-\x1f\x7f]").fill_null(False) & ~too_long
        self.add_errors(
            control,
            column,
            raw,
            pl.Series([f"{zh}含有控制字符"] * n, dtype=pl.Utf8),
            pl.Series([f"{en} contains control characters"] * n, dtype=pl.Utf8),
        )
        self.out[out or column] = values.alias(out or column)

    def error_frame(self) -> pl.DataFrame:
        schema = {
            "line": pl.Int64,
            "column": pl.Utf8,
            "value": pl.Utf8,
            "reason_zh": pl.Utf8,
            "reason_en": pl.Utf8,
        }
        if not self.errors:
            return pl.DataFrame(schema=schema)
        return pl.concat([e.cast(schema) for e in self.errors])  # type: ignore[arg-type]


def _to_row_errors(frame: pl.DataFrame) -> list[RowError]:
    rows = frame.sort(["line", "column"], maintain_order=True).iter_rows()
    return [RowError(int(line), col, mask_value(col, value), zh, en) for line, col, value, zh, en in rows]


def _amounts(
    checker: _Checker, column: str, currency: pl.Series, *, required: bool, positive: bool, out: str
) -> None:
    """Amounts need the row's currency: parse each distinct (amount, currency) pair once."""
    raw = checker.raw(column)
    if required:
        checker.required_present(column)
    # Rows whose currency is invalid were reported already; their amounts are not checked.
    key = (
        pl.DataFrame({"a": raw, "c": currency})
        .select(pl.when(pl.col("c").is_not_null()).then(pl.concat_str("a", "c", separator="\x1f")))
        .to_series()
    )

    def parse(pair: str) -> int:
        text, code = pair.split("\x1f")
        return parse_money(text, code, positive=positive)

    checker.convert(
        column, parse, pl.Int64, required=False, out=out, values=key, report_column=column, report_values=raw
    )


def _duplicates(
    frame: pl.DataFrame, key: list[str], compare: list[str], label: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Drop identical repeats of ``key``; rows that repeat it with other values become errors."""
    if frame.is_empty():
        return frame, pl.DataFrame()
    first = pl.struct(compare).first().over(key)
    marked = frame.with_columns(
        pl.struct(compare).ne_missing(first).alias("__conflict__"),
        pl.col("line").first().over(key).alias("__first__"),
        pl.int_range(pl.len()).over(key).alias("__n__"),
    )
    conflicts = marked.filter("__conflict__")
    errors = conflicts.select(
        "line",
        pl.lit(key[-1]).alias("column"),
        pl.concat_str([pl.col(k) for k in key], separator=" / ").alias("value"),
        pl.format("{} 与第 {} 行重复但内容不同", pl.lit(label), pl.col("__first__")).alias("reason_zh"),
        pl.format(
            "duplicate {} with different values than line {}", pl.lit(label), pl.col("__first__")
        ).alias("reason_en"),
    )
    kept = marked.filter(~pl.col("__conflict__") & (pl.col("__n__") == 0)).drop(
        "__conflict__", "__first__", "__n__"
    )
    # A conflicting row keeps the first row; identical repeats vanish. Conflicts stay out.
    return kept, errors


def _file_level(kind: FileKind, raw: RawTable) -> list[RowError]:
    errors: list[RowError] = []
    seen: set[str] = set()
    duplicated = sorted({c for c in raw.columns if c in seen or seen.add(c)} - {""})  # type: ignore[func-returns-value]
    if duplicated:
        errors.append(
            RowError(
                1,
                ", ".join(duplicated),
                "",
                f"表头中的列重复：{', '.join(duplicated)}",
                f"columns appear more than once in the header: {', '.join(duplicated)}",
            )
        )
    missing = [c for c in REQUIRED[kind] if c not in raw.columns]
    if missing:
        errors.append(
            RowError(
                1,
                ", ".join(missing),
                "",
                f"缺少必需的列：{', '.join(missing)}（{kind} 文件需要：{', '.join(REQUIRED[kind])}）",
                f"missing required column(s): {', '.join(missing)} "
                f"({kind} files need: {', '.join(REQUIRED[kind])})",
            )
        )
    return errors


def validate(kind: FileKind, raw: RawTable, profile: str) -> Validated:
    """Check every row of a raw table; return the valid typed rows and every error found."""
    profile = profile.upper()
    if profile not in PROFILE_REGION:
        raise InputError(f"unknown profile {profile!r} (CN or US)", f"未知配置 {profile!r}（CN 或 US）")
    known = set(REQUIRED[kind]) | set(OPTIONAL[kind])
    ignored = [c for c in raw.columns if c and c not in known]
    present = frozenset(c for c in raw.columns if c in known)
    file_errors = _file_level(kind, raw)
    if file_errors:
        return Validated(
            kind, pl.DataFrame(), file_errors, raw.frame.height, present, ignored, True, raw.encoding
        )
    checker = _Checker(raw, kind)
    zone = PROFILE_TIME_ZONE[profile]
    if kind == "accounts":
        checker.text("account_id", MAX_ID, ("id", "编号"), required=True)
        checker.text("debtor_id", MAX_ID, ("id", "编号"), required=True)
        checker.text("name", 200, ("name", "姓名"), required=True)
        checker.convert("phone", phone_parser(profile), pl.Utf8, required=True)
        currency = checker.convert("currency", parse_currency, pl.Utf8, required=True)
        _amounts(checker, "outstanding", currency, required=True, positive=False, out="outstanding_minor")
        _amounts(checker, "principal", currency, required=False, positive=False, out="principal_minor")
        checker.convert("due_date", parse_date, pl.Date, required=True)
        checker.text("product", 64, ("product name", "产品名称"), required=False)
        checker.convert("timezone", parse_zone, pl.Utf8, required=False, out="time_zone")
        checker.convert("region", parse_region, pl.Utf8, required=False)
        checker.convert("risk_score", parse_risk, pl.Float64, required=False)
        for flag in FLAGS:
            values = checker.convert(flag, parse_bool, pl.Boolean, required=False)
            checker.out[flag] = values.fill_null(False).alias(flag)
    elif kind == "contacts":
        checker.text("debtor_id", MAX_ID, ("id", "编号"), required=True)
        checker.convert("phone", phone_parser(profile), pl.Utf8, required=True)
        checker.convert("relation", parse_relation, pl.Utf8, required=True)
        verified = checker.convert("verified", parse_bool, pl.Boolean, required=False)
        checker.out["verified"] = verified.fill_null(False).alias("verified")
    else:
        checker.text("payment_id", MAX_ID, ("id", "编号"), required=True)
        checker.text("account_id", MAX_ID, ("id", "编号"), required=True)
        currency = checker.convert("currency", parse_currency, pl.Utf8, required=True)
        _amounts(checker, "amount", currency, required=True, positive=True, out="amount_minor")
        checker.convert(
            "paid_at", lambda v: parse_timestamp(v, zone), pl.Datetime("us", "UTC"), required=True
        )

    typed = pl.DataFrame({"line": checker.lines, **checker.out})
    # Shown in duplicate reports: personal columns are masked by _to_row_errors via the column name.
    good = typed.filter(~checker.bad)
    extra_errors: list[pl.DataFrame] = []
    if kind == "accounts":
        compare = [c for c in typed.columns if c != "line"]
        good, dup = _duplicates(good, ["account_id"], compare, "account_id")
        extra_errors.append(dup)
        good, name_errors = _debtor_name_conflicts(good)
        extra_errors.append(name_errors)
    elif kind == "contacts":
        good, dup = _duplicates(good, ["debtor_id", "phone"], ["relation", "verified"], "debtor_id + phone")
        if not dup.is_empty():
            dup = dup.with_columns(
                pl.lit("phone").alias("column"), pl.col("value").str.split(" / ").list.last()
            )
        extra_errors.append(dup)
    else:
        compare = ["account_id", "amount_minor", "currency", "paid_at"]
        good, dup = _duplicates(good, ["payment_id"], compare, "payment_id")
        extra_errors.append(dup)
    all_errors = pl.concat(
        [checker.error_frame(), *[e.cast({"line": pl.Int64}) for e in extra_errors if not e.is_empty()]],
        how="vertical_relaxed",
    )
    errors = [*raw.errors, *_to_row_errors(all_errors)]
    errors.sort(key=lambda e: e.line)
    return Validated(
        kind, good, errors, raw.frame.height + len(raw.errors), present, ignored, False, raw.encoding
    )


def _debtor_name_conflicts(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """All accounts of one debtor must carry the same name; a different one is an error on its line."""
    if frame.is_empty():
        return frame, pl.DataFrame()
    marked = frame.with_columns(
        (pl.col("name") != pl.col("name").first().over("debtor_id")).alias("__conflict__"),
        pl.col("line").first().over("debtor_id").alias("__first__"),
    )
    errors = marked.filter("__conflict__").select(
        "line",
        pl.lit("name").alias("column"),
        pl.col("name").alias("value"),
        pl.format("同一债务人（{}）的姓名与第 {} 行不同", pl.col("debtor_id"), pl.col("__first__")).alias(
            "reason_zh"
        ),
        pl.format(
            "debtor {} has a different name than on line {}", pl.col("debtor_id"), pl.col("__first__")
        ).alias("reason_en"),
    )
    return marked.filter(~pl.col("__conflict__")).drop("__conflict__", "__first__"), errors


def write_error_report(path: Path, errors: list[RowError]) -> Path:
    """``FILE.errors.csv`` next to the file (UTF-8 with BOM so spreadsheet programs show Chinese)."""
    target = path.with_name(path.name + ".errors.csv")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["line", "column", "value", "reason_zh", "reason_en"])
    for e in errors:
        writer.writerow([e.line, e.column, e.value, e.reason_zh, e.reason_en])
    target.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return target


def error_report_path(path: Path) -> Path:
    return path.with_name(path.name + ".errors.csv")
