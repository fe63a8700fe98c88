from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy.engine import Connection, Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.messages.wire import Receipt, candidate_keys, normalise_provider_id
from dunning.tracking.receipts import apply_receipts
from tests.factories import (
    T0,
    add_debtor,
    add_message,
    add_messages,
    assert_projection_consistent,
    events_of,
    last_detail,
    row_of,
    status_of,
)

AT = T0 + timedelta(minutes=1)


def test_normalisation_and_candidate_keys() -> None:
    assert normalise_provider_id("  00AbC1\t") == "abc1"
    assert candidate_keys("00ABC1") == ("abc1", str(0xABC1))
    assert candidate_keys("4660") == ("4660", "1234", str(0x4660))  # decimal→hex, and as hex→decimal
    assert candidate_keys("msg-7") == ("msg-7",)
    assert candidate_keys("000") == ("",)
    assert candidate_keys("4660", "same") == ("4660",)
    assert candidate_keys("4660", "decimal") == ("1234",)
    assert candidate_keys("1234", "hex") == ("4660",)


def _sent(
    conn: Connection, cipher: PersonalDataCipher, pid: str, provider: str = "smpp", **kw: object
) -> int:
    debtor, contact = add_debtor(conn, cipher, f"D-{pid}-{provider}-{kw.get('submitted_at', '')}")
    return add_message(
        conn,
        debtor,
        contact,
        status=str(kw.pop("status", "submitted")),
        submitted_at=kw.pop("submitted_at", T0),  # type: ignore[arg-type]
        provider=provider,
        provider_message_id=pid,
    )


@pytest.mark.parametrize(
    ("stored", "quoted"),
    [
        ("1A2B3C", "1a2b3c"),  # case
        ("0001a2b", "1A2B"),  # leading zeros stored
        ("ff00", "0000FF00"),  # leading zeros quoted
        ("4660", "1234"),  # decimal stored, hex quoted (0x1234 = 4660)
        ("1234", "4660"),  # hex stored, decimal quoted
        ("00000000000000000012", "0x12".removeprefix("0x")),  # padded decimal-ish stored
        (" 9f86d081 ", "2676412545"),  # hex stored with blanks, decimal quoted
    ],
)
def test_receipts_match_across_id_quirks(
    engine: Engine, cipher: PersonalDataCipher, stored: str, quoted: str
) -> None:
    with engine.begin() as conn:
        mid = _sent(conn, cipher, stored)
        summary = apply_receipts(
            conn, [Receipt(quoted, "delivered", AT, raw=f"id:{quoted} stat:DELIVRD")], AT
        )
        assert (summary.matched, summary.unmatched_count, summary.duplicates) == (1, 0, 0)
        row = row_of(conn, mid)
        assert (row.status, row.final_at, row.error) == ("delivered", AT, None)
        assert row.provider_message_id == stored  # what the provider returned is kept
        assert last_detail(conn, mid)["provider_message_id"] == quoted
        assert_projection_consistent(conn)


def test_literal_match_wins_over_the_other_reading(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        literal = _sent(conn, cipher, "10")
        as_hex = _sent(conn, cipher, "a")  # 10 in hex
        apply_receipts(conn, [Receipt("10", "undelivered", AT, error_code="001")], AT)
        assert status_of(conn, literal) == "undelivered"
        assert status_of(conn, as_hex) == "submitted"
        assert row_of(conn, literal).error == "undelivered err:001"


def test_duplicates_unmatched_and_provider_scope(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        mine = _sent(conn, cipher, "abc", provider="smpp")
        theirs = _sent(conn, cipher, "def", provider="other")
        queued_debtor, contact = add_debtor(conn, cipher, "Q")
        queued = add_message(conn, queued_debtor, contact)
        receipts = [
            Receipt("ABC", "delivered", AT),
            Receipt("abc", "undelivered", AT - timedelta(seconds=1)),  # older duplicate in the batch
            Receipt("def", "delivered", AT),  # another provider's message
            Receipt("zzz", "delivered", AT),  # nobody
        ]
        summary = apply_receipts(conn, receipts, AT, provider="smpp")
        assert (summary.received, summary.matched, summary.duplicates) == (4, 1, 1)
        assert [r.provider_message_id for r in summary.unmatched] == ["def", "zzz"]
        assert {k: v for k, v in summary.by_status.items() if v} == {"delivered": 1}
        assert status_of(conn, mine) == "delivered"
        assert status_of(conn, theirs) == "submitted"
        assert status_of(conn, queued) == "queued"

        # a second receipt for a finished message changes nothing
        again = apply_receipts(conn, [Receipt("abc", "undelivered", AT)], AT, provider="smpp")
        assert (again.matched, again.duplicates, again.unmatched_count) == (0, 1, 0)
        assert status_of(conn, mine) == "delivered"
        assert events_of(conn, mine) == ["queued", "submitted", "delivered"]  # no event for the duplicate
        assert_projection_consistent(conn)


def test_wrapped_ids_pick_the_latest_awaiting_message(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        old = _sent(conn, cipher, "77", status="delivered", submitted_at=T0 - timedelta(days=40))
        older_open = _sent(conn, cipher, "77", submitted_at=T0 - timedelta(days=20))
        newest = _sent(conn, cipher, "77", submitted_at=T0)
        padded = _sent(conn, cipher, "0078", submitted_at=T0)
        exact = _sent(conn, cipher, "78", submitted_at=T0 - timedelta(days=1))
        summary = apply_receipts(conn, [Receipt("77", "expired", AT, error_code="003")], AT)
        assert summary.matched == 1
        assert status_of(conn, newest) == "expired"
        assert status_of(conn, older_open) == "submitted"
        assert status_of(conn, old) == "delivered"
        # the id exactly as stored beats another spelling of the same number
        apply_receipts(conn, [Receipt("78", "delivered", AT)], AT)
        assert (status_of(conn, exact), status_of(conn, padded)) == ("delivered", "submitted")


def test_unknown_messages_are_reconciled_by_receipt(engine: Engine, cipher: PersonalDataCipher) -> None:
    with engine.begin() as conn:
        mid = _sent(conn, cipher, "5e", status="unknown")
        assert apply_receipts(conn, [Receipt("5E", "delivered", AT)], AT).matched == 1
        assert status_of(conn, mid) == "delivered"


def test_many_receipts_in_one_call(engine: Engine, cipher: PersonalDataCipher) -> None:
    """Realistic ids (64-bit, hex) quoted in mixed forms: every receipt finds its message."""
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "BULK")
        pids = [hashlib.blake2b(str(i).encode(), digest_size=8).hexdigest().upper() for i in range(2000)]
        ids = add_messages(
            conn,
            debtor,
            contact,
            [
                {"status": "submitted", "submitted_at": T0, "provider": "p", "provider_message_id": p}
                for p in pids
            ],
        )
        quoted = [str(int(p, 16)) if i % 3 == 0 else p.lower().zfill(20) for i, p in enumerate(pids)]
        receipts = [Receipt(q, "delivered" if i % 10 else "undelivered", AT) for i, q in enumerate(quoted)]
        summary = apply_receipts(conn, receipts, AT)
        assert summary.matched == 2000 and summary.unmatched_count == 0
        assert {k: v for k, v in summary.by_status.items() if v} == {"delivered": 1800, "undelivered": 200}
        assert status_of(conn, ids[0]) == "undelivered" and status_of(conn, ids[1]) == "delivered"
        assert_projection_consistent(conn)


def test_declared_id_format_resolves_dense_counters(engine: Engine, cipher: PersonalDataCipher) -> None:
    """A counter SMSC that answers in hex and reports in decimal: ``auto`` would read receipt "12" as
    the message with id "12"; declaring ``decimal`` matches it to "c" (= 12) as the SMSC meant.
    """
    with engine.begin() as conn:
        debtor, contact = add_debtor(conn, cipher, "COUNTER")
        ids = {
            i: add_message(
                conn,
                debtor,
                contact,
                status="submitted",
                submitted_at=T0,
                provider="p",
                provider_message_id=f"{i:x}",
            )
            for i in range(1, 41)
        }
        summary = apply_receipts(
            conn, [Receipt(str(i), "delivered", AT) for i in range(1, 41)], AT, id_format="decimal"
        )
        assert summary.matched == 40
        assert {status_of(conn, m) for m in ids.values()} == {"delivered"}
        assert last_detail(conn, ids[12])["provider_message_id"] == "12"
        assert row_of(conn, ids[12]).provider_message_id == "c"
