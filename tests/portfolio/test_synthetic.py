"""populate_synthetic writes what importing the sample files would write (plus holds and opt-outs)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.masking import mask_name, mask_phone
from dunning.models import metadata
from dunning.portfolio.models import Contact, Debtor
from dunning.portfolio.repository import load_debtor_frame
from dunning.portfolio.sample import generate, write_sample
from dunning.portfolio.synthetic import masked_names, masked_phones, populate_synthetic
from tests.portfolio.conftest import ImportRunner
from tests.portfolio.helpers import NOW, count

# Columns that differ by construction: database ids, and the holds and contact opt-outs that only
# populate_synthetic adds.
_IGNORED = ("debtor_pk", "contact_pk", "account_pks", "recipient_opted_out", "hold_reason")
ZONE = {"CN": "Asia/Shanghai", "US": "America/New_York"}


def frame(engine: Engine, profile: str) -> pl.DataFrame:
    with engine.connect() as conn:
        result: pl.DataFrame = load_debtor_frame(conn, NOW, default_time_zone=ZONE[profile])
    return result.drop(*_IGNORED).sort("debtor_ref")


def wipe(engine: Engine) -> None:
    with unit_of_work(engine) as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.mark.parametrize("profile", ["CN", "US"])
def test_synthetic_equals_imported_sample(
    tmp_path: Path, engine: Engine, cipher: PersonalDataCipher, run_import: ImportRunner, profile: str
) -> None:
    with unit_of_work(engine) as conn:
        written = populate_synthetic(conn, 1500, 9, NOW, profile, cipher)
    assert written["accounts"] == 1500 == count(engine, "accounts")
    assert written["debtor_holds"] == count(engine, "debtor_holds")
    synthetic = frame(engine, profile)
    assert synthetic.height > 1000

    wipe(engine)
    local_day = NOW.astimezone(ZoneInfo(ZONE[profile])).date()
    files = write_sample(generate(1500, 9, profile, local_day), tmp_path)
    for kind in ("accounts", "contacts", "payments"):
        run_import(kind, files[kind], profile=profile)
    imported = frame(engine, profile)
    assert synthetic.equals(imported)


def test_synthetic_rows_are_readable(engine: Engine, cipher: PersonalDataCipher) -> None:
    with unit_of_work(engine) as conn:
        populate_synthetic(conn, 300, 2, NOW, "CN", cipher)
    with engine.connect() as conn:
        name_enc, masked = conn.execute(sa.select(Debtor.name_enc, Debtor.name_masked).limit(1)).one()
        phone_enc, phone_hash, phone_masked = conn.execute(
            sa.select(Contact.phone_enc, Contact.phone_hash, Contact.phone_masked).limit(1)
        ).one()
        opted_out = conn.execute(
            sa.select(sa.func.count()).where(Contact.opted_out_at.is_not(None))
        ).scalar_one()
    assert mask_name(cipher.decrypt(name_enc)) == masked
    phone = cipher.decrypt(phone_enc)
    assert (cipher.lookup_hash(phone), mask_phone(phone)) == (phone_hash, phone_masked)
    assert opted_out >= 0
    # A second portfolio continues the ids instead of colliding.
    with unit_of_work(engine) as conn:
        populate_synthetic(conn, 200, 3, NOW, "US", cipher)
    assert count(engine, "accounts") == 500


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.from_regex(r"\A[A-Za-z][a-z]{0,8}( [A-Z]\.)? [A-Z][a-z]{1,9}\Z"),
            st.text(alphabet="王李张欧阳司马诸葛娜婷伟强", min_size=2, max_size=4),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_column_masks_match_core_masking(names: list[str]) -> None:
    assert masked_names(pl.Series(names)).to_list() == [mask_name(n) for n in names]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.one_of(st.from_regex(r"\A\+861[3-9]\d{9}\Z"), st.from_regex(r"\A\+1[2-9]\d{2}[2-9]\d{6}\Z")),
        min_size=1,
        max_size=20,
    )
)
def test_column_phone_masks_match_core_masking(numbers: list[str]) -> None:
    assert masked_phones(pl.Series(numbers)).to_list() == [mask_phone(n) for n in numbers]
