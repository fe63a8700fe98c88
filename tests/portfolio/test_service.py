"""Importing into a real database (SQLite, or PostgreSQL with DUNNING_TEST_DB=postgresql)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.errors import ImportRejected
from dunning.portfolio.importers import RowError
from dunning.portfolio.models import Account, Contact, Debtor, Payment
from dunning.portfolio.sample import generate, write_sample
from tests.portfolio.conftest import ImportRunner
from tests.portfolio.helpers import ACCOUNT_HEADER, NOW, account, count, snapshot, write_csv

PAYMENT_HEADER = ["payment_id", "account_id", "amount", "currency", "paid_at"]
CONTACT_HEADER = ["debtor_id", "phone", "relation", "verified"]


def rows(engine: Engine, stmt: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


@pytest.mark.parametrize("profile", ["CN", "US"])
def test_sample_round_trip_is_idempotent(
    tmp_path: Path, engine: Engine, run_import: ImportRunner, profile: str
) -> None:
    files = write_sample(generate(400, 3, profile, NOW.date()), tmp_path)
    first = {
        kind: run_import(kind, files[kind], profile=profile) for kind in ("accounts", "contacts", "payments")
    }
    assert all(r.errors == [] for r in first.values())
    assert first["accounts"].counts["accounts"].inserted == 400
    assert first["payments"].counts["payments"].inserted == count(engine, "payments") > 0
    before = snapshot(engine)

    again = {
        kind: run_import(kind, files[kind], profile=profile) for kind in ("accounts", "contacts", "payments")
    }
    for result in again.values():
        for table, counts in result.counts.items():
            assert (table, counts.inserted, counts.updated) == (table, 0, 0)
        assert result.affected_debtor_pks == set()
    assert again["accounts"].counts["accounts"].unchanged == 400
    assert snapshot(engine) == before


def test_personal_data_is_encrypted_hashed_and_masked(
    tmp_path: Path, engine: Engine, cipher: PersonalDataCipher, run_import: ImportRunner
) -> None:
    run_import("accounts", write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [account()]))
    ((name_enc, name_masked, zones),) = rows(
        engine, sa.select(Debtor.name_enc, Debtor.name_masked, Debtor.time_zones)
    )
    assert isinstance(name_enc, bytes) and "张三丰".encode() not in name_enc
    assert cipher.decrypt(name_enc) == "张三丰"
    assert (name_masked, zones) == ("张*", "Asia/Shanghai")
    ((phone_enc, phone_hash, masked, relation, verified, primary),) = rows(
        engine,
        sa.select(
            Contact.phone_enc,
            Contact.phone_hash,
            Contact.phone_masked,
            Contact.relation,
            Contact.verified,
            Contact.primary,
        ),
    )
    assert isinstance(phone_enc, bytes) and b"13800138000" not in phone_enc
    assert cipher.decrypt(phone_enc) == "+8613800138000"
    assert phone_hash == cipher.lookup_hash("+8613800138000")
    assert (masked, relation, verified, primary) == ("138****8000", "self", True, True)


def test_invalid_row_rejects_the_whole_file(tmp_path: Path, engine: Engine, run_import: ImportRunner) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_HEADER,
        [
            account(),
            account(account_id="LN2", outstanding="-3"),
            account(account_id="LN3", due_date="2026-02-30"),
        ],
    )
    with pytest.raises(ImportRejected) as caught:
        run_import("accounts", path)
    errors = caught.value.errors
    assert [(e.line, e.column) for e in errors if isinstance(e, RowError)] == [
        (3, "outstanding"),
        (4, "due_date"),
    ]
    assert "nothing was imported" in caught.value.en and "未导入任何数据" in caught.value.zh
    assert all(count(engine, t) == 0 for t in ("debtors", "contacts", "accounts"))


def test_missing_column_is_rejected_even_with_skip_invalid(
    tmp_path: Path, engine: Engine, run_import: ImportRunner
) -> None:
    path = write_csv(tmp_path / "a.csv", ACCOUNT_HEADER[:-1], [account()[:-1]])
    with pytest.raises(ImportRejected, match="missing required column"):
        run_import("accounts", path, skip_invalid=True)
    assert count(engine, "accounts") == 0


def test_skip_invalid_imports_the_valid_rows(
    tmp_path: Path, engine: Engine, run_import: ImportRunner
) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        ACCOUNT_HEADER,
        [account(), account(account_id="LN2", currency="ABC"), account(account_id="LN3", debtor_id="D3")],
    )
    result = run_import("accounts", path, skip_invalid=True)
    assert [(e.line, e.column) for e in result.errors] == [(3, "currency")]
    assert result.skipped_rows == 1 and result.imported_rows == 2
    assert sorted(r[0] for r in rows(engine, sa.select(Account.external_id))) == ["LN0001", "LN3"]


def test_unknown_references_are_row_errors(tmp_path: Path, engine: Engine, run_import: ImportRunner) -> None:
    run_import("accounts", write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [account()]))
    contacts = write_csv(
        tmp_path / "c.csv",
        CONTACT_HEADER,
        [["D001", "13900139000", "spouse", "false"], ["D404", "13900139001", "spouse", "false"]],
    )
    with pytest.raises(ImportRejected) as caught:
        run_import("contacts", contacts)
    assert [(e.line, e.column, e.value) for e in caught.value.errors if isinstance(e, RowError)] == [
        (3, "debtor_id", "D404")
    ]
    payments = write_csv(
        tmp_path / "p.csv",
        PAYMENT_HEADER,
        [
            ["P1", "LN0001", "1.00", "CNY", "2026-03-02T10:00:00+08:00"],
            ["P2", "LN404", "1.00", "CNY", "2026-03-02T10:00:00+08:00"],
            ["P3", "LN0001", "1.00", "USD", "2026-03-02T10:00:00+08:00"],
        ],
    )
    with pytest.raises(ImportRejected) as caught:
        run_import("payments", payments)
    found = [(e.line, e.column) for e in caught.value.errors if isinstance(e, RowError)]
    assert found == [(3, "account_id"), (4, "currency")]
    assert count(engine, "payments") == 0 and count(engine, "contacts") == 1
    result = run_import("payments", payments, skip_invalid=True)
    assert result.counts["payments"].inserted == 1


def test_payments_set_paid_and_partially_paid(
    tmp_path: Path, engine: Engine, run_import: ImportRunner
) -> None:
    run_import(
        "accounts",
        write_csv(
            tmp_path / "a.csv",
            ACCOUNT_HEADER,
            [account(outstanding="100.00"), account(account_id="LN2", debtor_id="D2", outstanding="50")],
        ),
    )
    debtors = dict(rows(engine, sa.select(Debtor.external_id, Debtor.id)))
    result = run_import(
        "payments",
        write_csv(
            tmp_path / "p.csv",
            PAYMENT_HEADER,
            [
                ["P1", "LN0001", "30.00", "CNY", "2026-03-02T10:00:00+08:00"],
                ["P2", "LN2", "20", "CNY", "2026-03-03 09:00:00"],
                ["P3", "LN2", "30", "CNY", "2026-03-04T01:00:00Z"],
            ],
        ),
    )
    assert result.counts["accounts"].updated == 2
    assert result.affected_debtor_pks == {debtors["D001"], debtors["D2"]}
    state = {
        r[0]: r[1:] for r in rows(engine, sa.select(Account.external_id, Account.paid_minor, Account.status))
    }
    assert state == {"LN0001": (3000, "partially_paid"), "LN2": (5000, "paid")}
    ((paid_at,),) = rows(engine, sa.select(Account.paid_at).where(Account.external_id == "LN2"))
    assert paid_at == NOW.replace(year=2026, month=3, day=4, hour=1)

    # A corrected payment (same id, new amount) is an update, and the account state follows.
    fix = write_csv(
        tmp_path / "fix.csv", PAYMENT_HEADER, [["P3", "LN2", "10", "CNY", "2026-03-04T01:00:00Z"]]
    )
    result = run_import("payments", fix)
    assert (result.counts["payments"].updated, result.affected_debtor_pks) == (1, {debtors["D2"]})
    assert rows(
        engine, sa.select(Account.paid_minor, Account.status).where(Account.external_id == "LN2")
    ) == [(3000, "partially_paid")]
    assert run_import("payments", fix).counts["payments"].unchanged == 1


def test_account_updates_and_affected_debtors(
    tmp_path: Path, engine: Engine, run_import: ImportRunner
) -> None:
    header = [*ACCOUNT_HEADER, "dispute", "product"]
    run_import(
        "accounts",
        write_csv(
            tmp_path / "a.csv",
            header,
            [[*account(), "false", "消费分期"], [*account(account_id="LN2", debtor_id="D2"), "", "现金分期"]],
        ),
    )
    run_import(
        "payments",
        write_csv(
            tmp_path / "p.csv", PAYMENT_HEADER, [["P1", "LN0001", "1000", "CNY", "2026-03-02T10:00:00+08:00"]]
        ),
    )
    ids = dict(rows(engine, sa.select(Debtor.external_id, Debtor.id)))
    # LN0001's balance drops to what was paid; LN2 is disputed; the product column is absent (kept).
    result = run_import(
        "accounts",
        write_csv(
            tmp_path / "b.csv",
            [*ACCOUNT_HEADER, "dispute"],
            [[*account(outstanding="1000.00"), "false"], [*account(account_id="LN2", debtor_id="D2"), "1"]],
        ),
    )
    assert result.counts["accounts"].updated == 2
    assert result.affected_debtor_pks == {ids["D001"], ids["D2"]}
    state = rows(
        engine,
        sa.select(Account.external_id, Account.status, Account.dispute, Account.product).order_by(
            Account.external_id
        ),
    )
    assert state == [("LN0001", "paid", False, "消费分期"), ("LN2", "open", True, "现金分期")]


def test_contacts_file_updates_relation_and_verification(
    tmp_path: Path, engine: Engine, run_import: ImportRunner
) -> None:
    run_import("accounts", write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [account()]))
    path = write_csv(
        tmp_path / "c.csv",
        CONTACT_HEADER,
        [["D001", "+86 138 0013 8000", "self", "no"], ["D001", "13900139000", "emergency", "yes"]],
    )
    result = run_import("contacts", path)
    assert (result.counts["contacts"].inserted, result.counts["contacts"].updated) == (1, 1)
    assert len(result.affected_debtor_pks) == 1  # the number of record lost its verification
    state = rows(engine, sa.select(Contact.phone_masked, Contact.relation, Contact.verified, Contact.primary))
    assert sorted(state) == [("138****8000", "self", False, True), ("139****9000", "emergency", True, False)]
    # The accounts file does not undo what the contacts file said about an existing number.
    again = run_import("accounts", write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [account()]))
    assert again.counts["contacts"].unchanged == 1 and again.counts["contacts"].updated == 0
    assert run_import("contacts", path).counts["contacts"].unchanged == 2


def test_number_of_record_moves_to_the_new_phone(
    tmp_path: Path, engine: Engine, run_import: ImportRunner
) -> None:
    run_import("accounts", write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [account()]))
    result = run_import(
        "accounts", write_csv(tmp_path / "b.csv", ACCOUNT_HEADER, [account(phone="13900139000")])
    )
    assert result.counts["contacts"].inserted == 1 and result.counts["contacts"].updated == 1
    assert len(result.affected_debtor_pks) == 1
    state = sorted(rows(engine, sa.select(Contact.phone_masked, Contact.primary)))
    assert state == [("138****8000", False), ("139****9000", True)]


def test_several_accounts_of_one_debtor(tmp_path: Path, engine: Engine, run_import: ImportRunner) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [*ACCOUNT_HEADER, "region"],
        [
            [*account(), "GD"],
            [*account(account_id="LN2", phone="13900139000"), ""],
            [*account(account_id="LN3", phone="13900139000"), ""],
        ],
    )
    result = run_import("accounts", path)
    assert (result.counts["debtors"].inserted, result.counts["accounts"].inserted) == (1, 3)
    # Both numbers are the debtor's own; the last row's number is the number of record.
    assert sorted(rows(engine, sa.select(Contact.phone_masked, Contact.primary))) == [
        ("138****8000", False),
        ("139****9000", True),
    ]
    assert rows(engine, sa.select(Debtor.region)) == [("GD",)]


def test_time_zones_from_column_or_phone(tmp_path: Path, engine: Engine, run_import: ImportRunner) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        [*ACCOUNT_HEADER, "timezone"],
        [
            [*account(phone="(212) 555-0100", currency="USD", name="Ann Lee"), ""],
            [*account(account_id="L2", debtor_id="D2", phone="208-555-0101", currency="USD", name="Bo"), ""],
            [
                *account(account_id="L3", debtor_id="D3", phone="2125550102", currency="USD", name="Cy"),
                "US/Pacific",
            ],
        ],
    )
    run_import("accounts", path, profile="US")
    zones = dict(rows(engine, sa.select(Debtor.external_id, Debtor.time_zones)))
    assert zones == {
        "D001": "America/New_York",
        "D2": "America/Boise,America/Los_Angeles",
        "D3": "US/Pacific",
    }
    assert dict(rows(engine, sa.select(Account.external_id, Account.time_zone))) == {
        "LN0001": None,
        "L2": None,
        "L3": "US/Pacific",
    }


def test_import_is_one_unit_of_work(tmp_path: Path, engine: Engine, cipher: PersonalDataCipher) -> None:
    from dunning.portfolio.service import import_file

    path = write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [account()])
    with pytest.raises(RuntimeError), unit_of_work(engine) as conn:
        import_file(conn, "accounts", path, cipher=cipher, profile="CN", now=NOW)
        raise RuntimeError("a later step of the same unit of work fails")
    assert count(engine, "debtors") == 0 and count(engine, "accounts") == 0


def test_progress_is_reported(tmp_path: Path, engine: Engine, cipher: PersonalDataCipher) -> None:
    from dunning.portfolio.service import import_file

    seen: list[float] = []
    with unit_of_work(engine) as conn:
        import_file(
            conn,
            "accounts",
            write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [account()]),
            cipher=cipher,
            profile="CN",
            now=NOW,
            progress=lambda _label, fraction: seen.append(fraction),
        )
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_payment_rows_are_stored_in_minor_units(
    tmp_path: Path, engine: Engine, run_import: ImportRunner
) -> None:
    run_import("accounts", write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, [account()]))
    run_import(
        "payments",
        write_csv(tmp_path / "p.csv", PAYMENT_HEADER, [["P1", "LN0001", "1,000.5", "cny", "2026-03-02"]]),
    )
    ((amount, currency, paid_at),) = rows(
        engine, sa.select(Payment.amount_minor, Payment.currency, Payment.paid_at)
    )
    assert (amount, currency) == (100050, "CNY")
    assert paid_at.isoformat() == "2026-03-01T16:00:00+00:00"  # midnight in Shanghai


def test_header_only_file_imports_nothing(tmp_path: Path, engine: Engine, run_import: ImportRunner) -> None:
    result = run_import("accounts", write_csv(tmp_path / "a.csv", ACCOUNT_HEADER, []))
    assert result.ok and result.rows == 0
    assert {name: c.total() for name, c in result.counts.items()} == {
        "debtors": 0,
        "contacts": 0,
        "accounts": 0,
    }
    assert count(engine, "debtors") == 0
