"""Where the keyring lives, how it is saved, and re-encrypting rows in batches after a rotation.

Sources, first found wins (:func:`load_keyring`):

1. ``DUNNING_KEYRING`` — the keyring JSON (``Keyring.to_json``), e.g. injected by a secret manager.
   Never written by dunning: after a change the operator stores the new JSON in the secret store.
2. ``keyring_file`` (``dunning.keyring``) — the same JSON in a 0600 file, written by ``dunning init``
   and :func:`save_keyring`.
3. ``DUNNING_SECRET_KEY`` — legacy: one 32-byte key, base64, read as ``Keyring.from_legacy_key``.
   From the environment too, so never written either.
4. ``key_file`` (``dunning.key``) — legacy: the same single key in a file. Saving a changed keyring
   writes ``keyring_file``; the legacy file is left in place (a backup) but is no longer
   read once the keyring file exists, because the keyring file comes first.

Re-encryption (:func:`reencrypt_batch`) is generic, like ``core.db.bulk_insert``: the caller names the
table, its integer id column and its token columns. It never overwrites a value another writer
changed since it was read (compare-and-set on the old token).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.crypto import KEY_BYTES, Keyring, PersonalDataCipher
from dunning.core.errors import ConfigError
from dunning.core.settings import Settings

FILE_MODE = 0o600


class KeyringOrigin(StrEnum):
    """Where a loaded keyring came from."""

    ENV_KEYRING = "DUNNING_KEYRING"
    KEYRING_FILE = "keyring_file"
    ENV_SECRET_KEY = "DUNNING_SECRET_KEY"
    KEY_FILE = "key_file"


@dataclass(frozen=True)
class KeyringSource:
    """A loaded keyring and where it came from.

    ``path`` is the file it was read from (None from the environment); ``target`` is where
    :func:`save_keyring` writes (the keyring file; None when the keyring came from the environment,
    which dunning never writes). ``created`` is True when :func:`load_keyring` just generated it.
    """

    keyring: Keyring
    origin: KeyringOrigin
    path: Path | None
    target: Path | None
    created: bool = False

    @property
    def writable(self) -> bool:
        return self.target is not None

    @property
    def legacy(self) -> bool:
        """True for a single pre-keyring key (``DUNNING_SECRET_KEY`` or ``key_file``)."""
        return self.origin in (KeyringOrigin.ENV_SECRET_KEY, KeyringOrigin.KEY_FILE)

    def describe(self) -> tuple[str, str]:
        """(English, Chinese) one-line description of the source, for status output."""
        if self.origin is KeyringOrigin.ENV_KEYRING:
            return "environment variable DUNNING_KEYRING", "环境变量 DUNNING_KEYRING"
        if self.origin is KeyringOrigin.ENV_SECRET_KEY:
            return (
                "environment variable DUNNING_SECRET_KEY (legacy single key)",
                "环境变量 DUNNING_SECRET_KEY（旧版单一密钥）",
            )
        if self.origin is KeyringOrigin.KEY_FILE:
            return f"legacy key file {self.path}", f"旧版密钥文件 {self.path}"
        return f"keyring file {self.path}", f"密钥环文件 {self.path}"


def load_keyring(settings: Settings, *, create: bool = False) -> KeyringSource:
    """The keyring from the first source that has one (module docstring).

    ``create`` generates a new keyring and writes ``settings.keyring_file`` (0600) when no source has
    one (``dunning init``); without it a missing keyring is a ConfigError.
    """
    target = settings.keyring_file
    if settings.keyring is not None:
        keyring = _parse_keyring(
            settings.keyring.get_secret_value(), "DUNNING_KEYRING", "环境变量 DUNNING_KEYRING"
        )
        return KeyringSource(keyring, KeyringOrigin.ENV_KEYRING, None, None)
    if target.exists():
        return KeyringSource(_read_keyring_file(target), KeyringOrigin.KEYRING_FILE, target, target)
    if settings.secret_key is not None:
        material = _legacy_key(
            settings.secret_key.get_secret_value(), "DUNNING_SECRET_KEY", "环境变量 DUNNING_SECRET_KEY"
        )
        return KeyringSource(Keyring.from_legacy_key(material), KeyringOrigin.ENV_SECRET_KEY, None, None)
    if settings.key_file.exists():
        raw = _read_text(settings.key_file)
        material = _legacy_key(raw, f"key file {settings.key_file}", f"密钥文件 {settings.key_file}")
        return KeyringSource(
            Keyring.from_legacy_key(material), KeyringOrigin.KEY_FILE, settings.key_file, target
        )
    if not create:
        raise ConfigError(
            f"No keyring: set DUNNING_KEYRING (or the legacy DUNNING_SECRET_KEY), "
            f"or run `dunning init` to create {target}",
            f"缺少密钥环：请设置 DUNNING_KEYRING（或旧版 DUNNING_SECRET_KEY），"
            f"或运行 `dunning init` 生成 {target}",
        )
    keyring = Keyring.generate()
    if not write_keyring_file(target, keyring, exclusive=True):
        # Another process created it between our check and our write: use theirs.
        return KeyringSource(_read_keyring_file(target), KeyringOrigin.KEYRING_FILE, target, target)
    return KeyringSource(keyring, KeyringOrigin.KEYRING_FILE, target, target, created=True)


def load_cipher(settings: Settings, *, create: bool = False) -> PersonalDataCipher:
    """The personal-data cipher for ``settings``' keyring (:func:`load_keyring`); it reads the keyring
    again when it meets a token under a key it does not hold (a rotation by another process)."""
    return PersonalDataCipher(
        load_keyring(settings, create=create).keyring, refresh=lambda: load_keyring(settings).keyring
    )


def save_keyring(source: KeyringSource, keyring: Keyring) -> KeyringSource:
    """Write ``keyring`` to ``source``'s keyring file atomically (0600) and return the new source.

    Refused when the keyring came from the environment: dunning cannot update a secret store, the
    operator must (``keyring.to_json()`` is what to store). Also refused when the keyring file changed
    since ``source`` was read (another operator rotated in between): load it again and redo the change.
    """
    if source.target is None:
        variable = source.origin.value
        raise ConfigError(
            f"The keyring comes from the environment ({variable}) and dunning does not write it: "
            "store the new keyring JSON in DUNNING_KEYRING through your secret store, then restart",
            f"密钥环来自环境变量（{variable}），dunning 不会改写它：请通过密钥管理系统把新的密钥环 JSON "
            "存入 DUNNING_KEYRING，然后重启",
        )
    target = source.target
    if target.exists():
        on_disk = _read_keyring_file(target)
        if source.origin is not KeyringOrigin.KEYRING_FILE or on_disk != source.keyring:
            raise ConfigError(
                f"The keyring file {target} changed since it was read: load it again and repeat the change",
                f"密钥环文件 {target} 在读取后已被修改：请重新读取后再操作",
            )
    write_keyring_file(target, keyring)
    return KeyringSource(keyring, KeyringOrigin.KEYRING_FILE, target, target)


def write_keyring_file(path: Path, keyring: Keyring, *, exclusive: bool = False) -> bool:
    """Write ``keyring`` to ``path``: a 0600 temp file in the same directory, fsync, rename, fsync dir.

    A reader sees the old file or the new one, never a partial one. ``exclusive`` never replaces an
    existing file (it links instead of renaming) and returns False when one was already there.
    """
    directory = path.absolute().parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(keyring.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
            except OSError:  # a file system without hard links: exclusive create, then the same bytes
                return _write_exclusive(path, keyring)
        else:
            os.replace(tmp, path)
        _fsync_directory(directory)
        return True
    except OSError as exc:
        raise _write_error(path, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _write_exclusive(path: Path, keyring: Keyring) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(keyring.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    return True


def _write_error(path: Path, exc: OSError) -> ConfigError:
    reason = exc.strerror or type(exc).__name__
    return ConfigError(
        f"cannot write the keyring file {path}: {reason}", f"无法写入密钥环文件 {path}：{reason}"
    )


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigError(f"cannot read {path}: {reason}", f"无法读取 {path}：{reason}") from None


def _read_keyring_file(path: Path) -> Keyring:
    return _parse_keyring(_read_text(path), f"keyring file {path}", f"密钥环文件 {path}")


def _parse_keyring(text: str, where_en: str, where_zh: str) -> Keyring:
    try:
        return Keyring.from_json(text)
    except ConfigError as exc:
        raise ConfigError(f"{where_en}: {exc.en}", f"{where_zh}：{exc.zh}") from None


def _legacy_key(raw: str, where_en: str, where_zh: str) -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError(
            f"{where_en}: the data key is not valid base64", f"{where_zh}：数据密钥不是有效的 base64"
        ) from None
    if len(key) != KEY_BYTES:
        raise ConfigError(
            f"{where_en}: the data key must be {KEY_BYTES} bytes (base64)",
            f"{where_zh}：数据密钥必须为 {KEY_BYTES} 字节（base64）",
        )
    return key


# --------------------------------------------------------------------------------------------------
# Re-encryption after a rotation


def _key_byte(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The token's key-id byte, in SQL (a 1-byte blob on SQLite, bytea on PostgreSQL)."""
    return sa.func.substr(column, 2, 1, type_=sa.LargeBinary)


def reencrypt_batch(
    conn: Connection,
    table: sa.Table,
    id_column: str,
    token_columns: Sequence[str],
    cipher: PersonalDataCipher,
    *,
    after_id: int,
    limit: int,
) -> tuple[int | None, int]:
    """Re-encrypt under the active key the next ``limit`` rows (by id, after ``after_id``) that have a
    token column under another key. Returns ``(last id read, rows changed)``; the id is None when no
    such row is left, so a pass is ``after = 0`` then ``after = last`` until it is None.

    The key id is compared in SQL (``substr(col, 2, 1)``), so rows already done are never read; NULL
    tokens are left alone. Rows are written back compare-and-set (``WHERE id = … AND col IS old``): a
    row another writer changed since the read is not overwritten, not counted, and is left for the
    next pass. Writes: executemany on SQLite; COPY into a temp table and one ``UPDATE … FROM`` on
    PostgreSQL. Commit per batch (one unit of work per call) to keep transactions short.

    A token the cipher cannot open (unknown key id, wrong key, not a token) stops the batch with its
    error and writes nothing: a pass never skips data silently.
    """
    if not token_columns:
        raise ValueError("reencrypt_batch needs at least one token column")
    if limit < 1:
        raise ValueError("limit must be positive")
    id_col = table.c[id_column]
    tokens = [table.c[name] for name in token_columns]
    active = sa.bindparam("active_key_byte", bytes((cipher.active_key_id,)), type_=sa.LargeBinary)
    stale = sa.or_(*(sa.and_(col.is_not(None), _key_byte(col) != active) for col in tokens))
    rows = conn.execute(
        sa.select(id_col, *tokens).where(id_col > after_id, stale).order_by(id_col).limit(limit)
    ).all()
    if not rows:
        return None, 0
    writes: list[tuple[int, list[bytes | None], list[bytes | None]]] = []
    for row in rows:
        old = [None if value is None else bytes(value) for value in row[1:]]
        new = [None if value is None else (cipher.reencrypt(value) or value) for value in old]
        writes.append((int(row[0]), new, old))
    last_id = int(rows[-1][0])
    if conn.dialect.name == "postgresql":
        return last_id, _write_postgres(conn, table, id_column, token_columns, writes)
    return last_id, _write_executemany(conn, table, id_column, token_columns, writes)


def _write_executemany(
    conn: Connection,
    table: sa.Table,
    id_column: str,
    token_columns: Sequence[str],
    writes: Sequence[tuple[int, list[bytes | None], list[bytes | None]]],
) -> int:
    quote = conn.dialect.identifier_preparer.quote
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    same = "IS" if sqlite else "IS NOT DISTINCT FROM"
    sets = ", ".join(f"{quote(c)} = {mark}" for c in token_columns)
    checks = " AND ".join(f"{quote(c)} {same} {mark}" for c in token_columns)
    sql = (
        f"UPDATE {conn.dialect.identifier_preparer.format_table(table)} SET {sets} "
        f"WHERE {quote(id_column)} = {mark} AND {checks}"
    )
    params = [(*new, row_id, *old) for row_id, new, old in writes]
    raw: Any = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.executemany(sql, params)
        # sqlite3 sums the rows changed over an executemany.
        return int(cursor.rowcount)
    finally:
        cursor.close()


def _write_postgres(
    conn: Connection,
    table: sa.Table,
    id_column: str,
    token_columns: Sequence[str],
    writes: Sequence[tuple[int, list[bytes | None], list[bytes | None]]],
) -> int:
    quote = conn.dialect.identifier_preparer.quote
    n = len(token_columns)
    staging = f"_reencrypt_{n}"
    pairs = [(f"n{i}", f"o{i}") for i in range(n)]
    columns = ["id", *(name for pair in pairs for name in pair)]
    conn.exec_driver_sql(
        f'CREATE TEMP TABLE IF NOT EXISTS "{staging}" (id bigint, '
        + ", ".join(f"{name} bytea" for name in columns[1:])
        + ") ON COMMIT DROP"
    )
    conn.exec_driver_sql(f'TRUNCATE "{staging}"')
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f'COPY "{staging}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row_id, new, old in writes:
                copy.write_row((row_id, *(v for pair in zip(new, old, strict=True) for v in pair)))
        sets = ", ".join(f"{quote(c)} = s.n{i}" for i, c in enumerate(token_columns))
        checks = " AND ".join(
            f"t.{quote(c)} IS NOT DISTINCT FROM s.o{i}" for i, c in enumerate(token_columns)
        )
        cur.execute(
            f"UPDATE {conn.dialect.identifier_preparer.format_table(table)} AS t SET {sets} "
            f'FROM "{staging}" AS s WHERE t.{quote(id_column)} = s.id AND {checks}'
        )
        return int(cur.rowcount)


def count_by_key(conn: Connection, table: sa.Table, token_columns: Sequence[str]) -> dict[int, int]:
    """``{key_id: rows}``: how many rows hold at least one token under each data key (NULLs ignored).

    A row with tokens under two keys counts for both. A key id with no rows is absent; so a key whose
    id is absent from every table's count holds no data and can be dropped. Key id 0 (never a real
    one) counts values too short to hold a key id.
    """
    if not token_columns:
        raise ValueError("count_by_key needs at least one token column")
    tokens = [table.c[name] for name in token_columns]
    if len(tokens) == 1:
        key = _key_byte(tokens[0]).label("k")
        stmt = sa.select(key, sa.func.count()).where(tokens[0].is_not(None)).group_by(key)
    else:
        pk = list(table.primary_key.columns)
        if not pk:
            raise ValueError(f"table {table.name} has no primary key to count rows by")
        per_column = [sa.select(*pk, _key_byte(col).label("k")).where(col.is_not(None)) for col in tokens]
        pairs = sa.union(*per_column).subquery()  # UNION (not ALL): one row per (row, key id)
        stmt = sa.select(pairs.c.k, sa.func.count()).group_by(pairs.c.k)
    counts: dict[int, int] = {}
    for key_byte, rows in conn.execute(stmt).all():
        key_id = bytes(key_byte)[0] if key_byte else 0
        counts[key_id] = counts.get(key_id, 0) + int(rows)
    return dict(sorted(counts.items()))
