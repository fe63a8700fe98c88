"""Reading and validating portfolio files (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest

from dunning.core.errors import InputError
from dunning.portfolio.importers import (
    RowError,
    Validated,
    decode_bytes,
    mask_value,
    parse_bool,
    parse_date,
    parse_timestamp,
    read_table,
    validate,
    write_error_report,
)
from tests.portfolio.helpers import ACCOUNT_HEADER, account, csv_text, write_csv


def check(path: Path, kind: str = "accounts", profile: str = "CN") -> Validated:
    return validate(kind, read_table(path), profile)  # type: ignore[arg-type]


def only_error(result: Validated) -> RowError:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def test_valid_accounts_file_is_typed(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [*ACCOUNT_HEADER, "risk_score", "dispute", "timezone", "region", "principal"],
        [
            [*account(), "0.35", "是", "asia/shanghai", "gd", "2,000.00"],
            [*account(account_id="LN0002", outstanding="¥88"), "", "", "", "", ""],
        ],
    )
    result = check(path)
    assert result.errors == []
    frame = result.frame
    assert frame["outstanding_minor"].to_list() == [123450, 8800]
    assert frame["phone"].to_list() == ["+8613800138000", "+8613800138000"]
    assert frame["due_date"].to_list() == [date(2026, 3, 1)] * 2
    assert frame["dispute"].to_list() == [True, False]
    assert frame["time_zone"].to_list() == ["Asia/Shanghai", None]
    assert frame["region"].to_list() == ["GD", None]
    assert frame["principal_minor"].to_list() == [200000, None]
    assert frame["risk_score"].to_list() == [0.35, None]
    assert frame["line"].to_list() == [2, 3]
    assert result.present >= {"risk_score", "dispute", "timezone", "region", "principal"}


def test_missing_required_column_is_one_file_level_error(tmp_path: Path) -> None:
    header = [c for c in ACCOUNT_HEADER if c not in ("phone", "due_date")]
    rows = [[v for c, v in zip(ACCOUNT_HEADER, account(), strict=True) if c in header]] * 3
    result = check(write_csv(tmp_path / "a.csv", header, rows))
    error = only_error(result)
    assert result.file_error
    assert error.line == 1
    assert error.column == "phone, due_date"
    assert "缺少必需的列" in error.reason_zh and "missing required column" in error.reason_en


@pytest.mark.parametrize(
    ("column", "value", "en"),
    [
        ("outstanding", "abc", "not an amount"),
        ("outstanding", "-5.00", "negative amount"),
        ("outstanding", "1.005", "too many decimals for CNY"),
        ("currency", "XYZ", "unknown currency"),
        ("due_date", "2026-02-30", "date does not exist"),
        ("due_date", "30/01/2026", "not a date"),
        ("phone", "12345", "not a valid number"),
        ("phone", "02012345678", "not a mobile number"),
        ("account_id", "", "required value is missing"),
    ],
)
def test_bad_required_values(tmp_path: Path, column: str, value: str, en: str) -> None:
    path = write_csv(
        tmp_path / "a.csv", ACCOUNT_HEADER, [account(), account(**{"account_id": "LN9", column: value})]
    )
    result = check(path)
    error = only_error(result)
    assert (error.line, error.column) == (3, column)
    assert en in error.reason_en
    assert error.reason_zh and error.reason_zh != error.reason_en
    assert result.frame.height == 1  # the valid row survives


@pytest.mark.parametrize(
    ("column", "value", "en"),
    [
        ("timezone", "Mars/Olympus", "unknown time zone"),
        ("risk_score", "1.5", "between 0 and 1"),
        ("risk_score", "high", "not a number"),
        ("dispute", "maybe", "not a yes/no value"),
        ("region", "广东省", "state/province code"),
        ("principal", "-1", "negative amount"),
    ],
)
def test_bad_optional_values(tmp_path: Path, column: str, value: str, en: str) -> None:
    path = write_csv(tmp_path / "a.csv", [*ACCOUNT_HEADER, column], [[*account(), value]])
    error = only_error(check(path))
    assert (error.line, error.column) == (2, column)
    assert en in error.reason_en


def test_decimals_follow_the_currency(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_HEADER,
        [
            account(currency="JPY", outstanding="1200"),
            account(account_id="LN2", currency="JPY", outstanding="12.5"),
        ],
    )
    result = check(path)
    error = only_error(result)
    assert error.line == 3 and "at most 0" in error.reason_en
    assert result.frame["outstanding_minor"].to_list() == [1200]


def test_us_profile_parses_us_numbers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_HEADER,
        [
            account(phone="(212) 555-0123", currency="USD", name="Jane Doe"),
            account(account_id="L2", phone="13800138000"),
        ],
    )
    result = check(path, profile="US")
    assert result.frame["phone"].to_list() == ["+12125550123"]
    assert only_error(result).line == 3


def test_duplicates_identical_are_merged_conflicting_are_errors(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_HEADER,
        [account(), account(), account(outstanding="99.00"), account(account_id="LN0002")],
    )
    result = check(path)
    error = only_error(result)
    assert (error.line, error.column) == (4, "account_id")
    assert "line 2" in error.reason_en and "第 2 行" in error.reason_zh
    assert sorted(result.frame["account_id"].to_list()) == ["LN0001", "LN0002"]


def test_same_debtor_with_two_names_is_an_error_masked(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "a.csv", ACCOUNT_HEADER, [account(), account(account_id="LN0002", name="李四")]
    )
    error = only_error(check(path))
    assert (error.line, error.column, error.value) == (3, "name", "李*")
    assert "D001" in error.reason_en


def test_errors_mask_names_and_phones(tmp_path: Path) -> None:
    long_name = "王" + "很长" * 150
    path = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_HEADER,
        [account(phone="1380013800"), account(account_id="LN2", debtor_id="D2", name=long_name)],
    )
    result = check(path)
    values = {e.column: e.value for e in result.errors}
    assert values["phone"] == "138***3800"
    assert values["name"] == "王*"
    assert "1380013800" not in str(result.errors) and long_name not in str(result.errors)


def test_contacts_relations_booleans_and_duplicates(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        ["debtor_id", "phone", "relation", "verified"],
        [
            ["D1", "13800138000", "self", "true"],
            ["D1", "+86 138 0013 8000", "self", "1"],  # same number, same values: merged
            ["D1", "13900139000", "neighbour", "no"],
            ["D1", "13700137000", "Spouse", "maybe"],
            ["D1", "138-0013-8000", "spouse", "false"],  # same number, different relation
            ["D2", "13600136000", "employer", ""],
        ],
    )
    result = check(path, "contacts")
    found = [(e.line, e.column) for e in result.errors]
    assert found == [(4, "relation"), (5, "verified"), (6, "phone")]
    assert result.errors[2].value == "138****8000"
    assert result.frame.select("debtor_id", "relation", "verified").rows() == [
        ("D1", "self", True),
        ("D2", "employer", False),
    ]


def test_payments_timestamps(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        ["payment_id", "account_id", "amount", "currency", "paid_at"],
        [
            ["P1", "LN1", "10", "CNY", "2026-03-01T10:00:00+08:00"],
            ["P2", "LN1", "10", "CNY", "2026-03-01 10:00:00"],
            ["P3", "LN1", "10", "CNY", "2026-03-01T02:00:00Z"],
            ["P4", "LN1", "0", "CNY", "2026-03-01T02:00:00Z"],
            ["P5", "LN1", "10", "CNY", "2026-02-30T02:00:00Z"],
            ["P6", "LN1", "10", "CNY", "yesterday"],
        ],
    )
    result = check(path, "payments")
    assert [(e.line, e.column) for e in result.errors] == [(5, "amount"), (6, "paid_at"), (7, "paid_at")]
    assert "greater than 0" in result.errors[0].reason_en
    assert "does not exist" in result.errors[1].reason_en
    instant = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    assert result.frame["paid_at"].to_list() == [instant] * 3


def test_scalar_parsers() -> None:
    assert [parse_bool(v) for v in ("Y", "是", "0", "FALSE", "t")] == [True, True, False, False, True]
    assert parse_date("20260228") == date(2026, 2, 28)
    assert parse_date("2026/2/8") == date(2026, 2, 8)
    assert parse_date("2026-02-28 00:00:00") == date(2026, 2, 28)
    assert parse_timestamp("2026/03/01 09:00", "America/New_York") == datetime(2026, 3, 1, 14, tzinfo=UTC)
    assert mask_value("phone", "+12125550123") == "212***0123"
    assert mask_value("amount", "12") == "12"


def test_ragged_rows_and_line_numbers_with_blank_and_quoted_lines(tmp_path: Path) -> None:
    text = csv_text(ACCOUNT_HEADER, [account()]) + "\n,,,,,,\n"
    text += 'LN2,D2,"王\n五",13800138001,1,CNY,2026-03-01\n'  # a quoted line break: the name spans lines 5–6
    text += "LN3,D3,赵六,13800138002,1,CNY\n"  # line 7: a field short
    text += "LN4,D4,钱七,abc,1,CNY,2026-03-01\n"  # line 8: bad phone
    path = tmp_path / "a.csv"
    path.write_text(text, encoding="utf-8")
    result = check(path)
    assert [(e.line, e.column) for e in result.errors] == [(7, "*"), (8, "phone")]
    assert result.frame["line"].to_list() == [2, 5]
    assert result.frame["name"].to_list() == ["张三丰", "王 五"]


def test_fast_and_careful_csv_paths_agree(tmp_path: Path) -> None:
    rows = [account(account_id=f"LN{i}", debtor_id=f"D{i}", phone=f"1380013{i:04d}") for i in range(50)]
    plain = write_csv(tmp_path / "plain.csv", ACCOUNT_HEADER, rows)
    quoted = tmp_path / "quoted.csv"
    quoted.write_text(plain.read_text(encoding="utf-8").replace("张三丰", '"张三丰"'), encoding="utf-8")
    a, b = read_table(plain), read_table(quoted)
    assert a.columns == b.columns
    assert a.frame.equals(b.frame)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [account(name="欧阳娜娜")], encoding=encoding)
    raw = read_table(path)
    assert raw.columns == ACCOUNT_HEADER  # no BOM left in the first header
    result = validate("accounts", raw, "CN")
    assert result.errors == []
    assert result.frame["name"].to_list() == ["欧阳娜娜"]


def test_decode_falls_back_to_detection() -> None:
    text, encoding = decode_bytes("account_id,name\nA1,Zoë Müller\n".encode("cp1252"))
    assert "Müller" in text
    assert encoding


def test_semicolon_separated(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(csv_text(ACCOUNT_HEADER, [account()]).replace(",", ";"), encoding="utf-8")
    assert check(path).frame.height == 1


def test_parquet_with_native_types(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pl.DataFrame(
        {
            "account_id": ["LN1", "LN2"],
            "debtor_id": ["D1", "D2"],
            "name": ["张三", "李四"],
            "phone": [13800138000, 13800138001],
            "outstanding": [1234.5, -1.0],
            "currency": ["CNY", "CNY"],
            "due_date": [date(2026, 3, 1), date(2026, 2, 28)],
            "dispute": [True, False],
        }
    ).write_parquet(path)
    result = check(path)
    error = only_error(result)
    assert (error.line, error.column) == (3, "outstanding")
    assert result.frame.select("outstanding_minor", "phone", "dispute").row(0) == (
        123450,
        "+8613800138000",
        True,
    )


def test_xlsx_with_dates_numbers_and_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    pl.DataFrame(
        {
            "Account_ID": ["LN1", None, "LN2"],
            "debtor_id": ["D1", None, "D2"],
            "name": ["张三", None, "李四"],
            "phone": [13800138000, None, 13800138001],
            "outstanding": [1234.5, None, 10.0],
            "currency": ["CNY", None, "CNY"],
            "due_date": [date(2026, 3, 1), None, date(2026, 2, 30 - 2)],
            "opt_out": ["否", None, "bad"],
        }
    ).write_excel(path)
    result = check(path)
    error = only_error(result)
    assert (error.line, error.column) == (4, "opt_out")  # spreadsheet row 4 (row 3 is blank)
    assert result.frame.select("account_id", "outstanding_minor", "due_date", "phone").row(0) == (
        "LN1",
        123450,
        date(2026, 3, 1),
        "+8613800138000",
    )


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unsupported file type"):
        read_table(write_csv(tmp_path / "a.json", ["x"], []))
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "none.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputError, match="empty"):
        read_table(tmp_path / "empty.csv")


def test_unknown_columns_are_ignored_and_listed(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [*ACCOUNT_HEADER, "身份证号"], [[*account(), "110101199001011234"]])
    result = check(path)
    assert result.errors == []
    assert result.ignored_columns == ["身份证号"]
    assert "身份证号" not in result.frame.columns


def test_error_report_csv(tmp_path: Path) -> None:
    errors = [RowError(3, "phone", "138****8000", "手机号无效", "invalid number")]
    report = write_error_report(tmp_path / "accounts.csv", errors)
    assert report.name == "accounts.csv.errors.csv"
    data = report.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == [
        "line,column,value,reason_zh,reason_en",
        "3,phone,138****8000,手机号无效,invalid number",
    ]


def test_windows_line_endings_and_header_spacing(tmp_path: Path) -> None:
    text = csv_text([f" {c.upper()} " for c in ACCOUNT_HEADER], [account(), account(account_id="LN2")])
    path = tmp_path / "a.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    result = check(path)
    assert result.errors == []
    assert result.frame["account_id"].to_list() == ["LN0001", "LN2"]
    assert result.frame["due_date"].to_list() == [date(2026, 3, 1)] * 2  # no stray '\r'


def test_header_only_and_blank_files(tmp_path: Path) -> None:
    header_only = write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [])
    result = check(header_only)
    assert (result.rows, result.errors, result.frame.height) == (0, [], 0)
    blank_rows = tmp_path / "b.csv"
    blank_rows.write_text(csv_text(ACCOUNT_HEADER, []) + ",,,,,,\n\n   \n", encoding="utf-8")
    assert check(blank_rows).rows == 0


def test_duplicate_header_is_a_file_level_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [*ACCOUNT_HEADER, "phone"], [[*account(), "13900139000"]])
    result = check(path)
    error = only_error(result)
    assert result.file_error and error.column == "phone" and "more than once" in error.reason_en


@pytest.mark.parametrize("kind", ["accounts", "contacts"])
def test_a_letter_in_a_phone_number_is_refused_with_the_row_reported(tmp_path: Path, kind: str) -> None:
    """libphonenumber would read 138abc38000 as keypad digits (13822238000): refused instead."""
    bad = ["138abc38000", "1380013800O", "ＴＥＬ13800138000"]
    good = ["+86 138-0013-8000", "１３８００１３８０００", "(86) 13900139000"]
    if kind == "accounts":
        rows = [account(account_id=f"L{i}", debtor_id=f"D{i}", phone=p) for i, p in enumerate(bad + good)]
        path = write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, rows)
    else:
        rows = [[f"D{i}", p, "spouse", "true"] for i, p in enumerate(bad + good)]
        path = write_csv(tmp_path / "c.csv", ["debtor_id", "phone", "relation", "verified"], rows)
    result = check(path, kind)
    refused = [(e.line, e.column) for e in result.errors]
    assert refused == [(2, "phone"), (3, "phone"), (4, "phone")]
    assert all("letters" in e.reason_en and "字母" in e.reason_zh for e in result.errors)
    assert "138abc38000" not in str(result.errors)  # masked in the report
    assert result.frame.height == len(good)
