"""PostgreSQL's side of ``hub import members``: each chunk is COPYed into temporary staging
tables, checked against the hub there (identifiers taken, members imported before), and moved
into members, accounts, identifiers, transactions, entries and lots by a few set-based
statements, committed with the run's progress and the chunk's refusals.

Opening balances are written as the bonuses of a partner's own programme (event
``opening_balance``): the partner's issued account credits the member's available points, a
lot holds them, and the transaction and lot carry the issue price in force, so the day's
settlement counts them as issued by the partner at that price, like any bonus it funds.
"""

# ruff: noqa: S608 -- the SQL here is assembled from this module's constants only

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
import sqlalchemy as sa

from hub.adapters.repositories.partners import RATE_COLUMNS, partner_from_row, rate_from_row
from hub.adapters.tables import import_refusals, import_runs, partner_rates, partners
from hub.domain.accounts import AccountKind, member_accounts, partner_issued
from hub.domain.errors import PartnerNotFound
from hub.domain.import_rows import RefusedRow
from hub.domain.ledger import Phase, TransactionKind
from hub.domain.lots import LotStatus
from hub.domain.members import IdentifierKind, MemberStatus
from hub.domain.rates import in_force
from hub.services.ports.bulk_import import (
    Chunk,
    ChunkWritten,
    EncodedChunk,
    ImportTerms,
    RunState,
    RunStatus,
)
from hub.services.ports.fraud import LinkKind

OPENING_BALANCE_EVENT = "opening_balance"
IDENTIFIER_TAKEN = "an identifier already belongs to a member of the hub"
FIRST_ROW_LINE = 2

_CLAIM = "SELECT pg_try_advisory_lock(hashtextextended(%(key)s, 0))"
_PARTNER = sa.select(partners).where(partners.c.id == sa.bindparam("partner_id"))
_RATES = sa.select(*RATE_COLUMNS).where(partner_rates.c.partner_id == sa.bindparam("partner_id"))
_RUN = sa.select(import_runs).where(
    import_runs.c.partner_id == sa.bindparam("partner_id"),
    import_runs.c.file_sha256 == sa.bindparam("sha"),
)
_REFUSALS = (
    sa.select(import_refusals.c.line, import_refusals.c.reason)
    .where(
        import_refusals.c.partner_id == sa.bindparam("partner_id"),
        import_refusals.c.file_sha256 == sa.bindparam("sha"),
    )
    .order_by(import_refusals.c.line)
)

# Temporary tables live as long as the session; ON COMMIT DELETE ROWS empties them per chunk,
# and they write no WAL.
_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS import_staging (line int, external_id text,"
    " member_id uuid, available_id uuid, pending_id uuid, debt_id uuid, transaction_id uuid,"
    " lot_id uuid, points bigint, expires_at timestamptz) ON COMMIT DELETE ROWS",
    "CREATE TEMP TABLE IF NOT EXISTS import_staging_ids (line int, kind text, digest bytea,"
    " current boolean) ON COMMIT DELETE ROWS",
)
_COPY_MEMBERS = (
    "COPY import_staging (line, external_id, member_id, available_id, pending_id, debt_id,"
    " transaction_id, lot_id, points, expires_at) FROM STDIN"
)
_COPY_IDS = "COPY import_staging_ids (line, kind, digest, current) FROM STDIN"
_ALREADY_IMPORTED = (
    "DELETE FROM import_staging s USING imported_members i"
    " WHERE i.partner_id = %(partner_id)s AND i.external_id = s.external_id RETURNING s.line"
)
_TAKEN = (
    "DELETE FROM import_staging s USING (SELECT DISTINCT x.line FROM import_staging_ids x"
    " JOIN member_identifiers m ON m.digest = x.digest) t WHERE s.line = t.line RETURNING s.line"
)
_FROM_LINE_ON = "DELETE FROM import_staging WHERE line >= %(line)s"
_ORPHAN_IDS = (
    "DELETE FROM import_staging_ids x"
    " WHERE NOT EXISTS (SELECT 1 FROM import_staging s WHERE s.line = x.line)"
)
_AVAILABLE, _PENDING, _DEBT = (
    AccountKind.MEMBER_AVAILABLE.value,
    AccountKind.MEMBER_PENDING.value,
    AccountKind.MEMBER_DEBT.value,
)
# Every member row at once; only members with points get a transaction and a lot.
_IMPORTED = (
    "DELETE FROM import_staging s USING imported_members i"
    " WHERE i.partner_id = %(partner_id)s AND i.external_id = s.external_id RETURNING s.line"
)
_TAKEN = (
    "DELETE FROM import_staging s USING (SELECT DISTINCT x.line FROM import_staging_ids x"
    " JOIN member_identifiers m ON m.digest = x.digest) t WHERE s.line = t.line RETURNING s.line"
)
_FROM_LINE_ON = "DELETE FROM import_staging WHERE line >= %(line)s"
_ORPHAN_IDS = (
    "DELETE FROM import_staging_ids x"
    " WHERE NOT EXISTS (SELECT 1 FROM import_staging s WHERE s.line = x.line)"
)
_AVAILABLE, _PENDING, _DEBT = (
    AccountKind.MEMBER_AVAILABLE.value,
    AccountKind.MEMBER_PENDING.value,
    AccountKind.MEMBER_DEBT.value,
)
# Every member row at once; only members with points get a transaction and a lot.
_MOVES = (
    "INSERT INTO members (id, status, enrolled_at, enrolled_by)"
    f" SELECT member_id, '{MemberStatus.ACTIVE.value}', %(now)s, %(partner_id)s"
    " FROM import_staging ORDER BY member_id",
    "INSERT INTO imported_members (partner_id, external_id, member_id)"
    " SELECT %(partner_id)s, external_id, member_id FROM import_staging",
    "INSERT INTO accounts (id, code, kind, member_id, debits_posted, credits_posted,"
    " debits_pending, credits_pending)"
    f" SELECT available_id, 'member:' || member_id || ':available', '{_AVAILABLE}', member_id,"
    " 0, points, 0, 0 FROM import_staging"
    f" UNION ALL SELECT pending_id, 'member:' || member_id || ':pending', '{_PENDING}',"
    " member_id, 0, 0, 0, 0 FROM import_staging"
    f" UNION ALL SELECT debt_id, 'member:' || member_id || ':debt', '{_DEBT}', member_id,"
    " 0, 0, 0, 0 FROM import_staging",
    "INSERT INTO member_identifiers (digest, key_id, kind, member_id, created_at)"
    " SELECT x.digest, %(key_id)s, x.kind, s.member_id, %(now)s"
    " FROM import_staging_ids x JOIN import_staging s ON s.line = x.line WHERE x.current",
    "INSERT INTO member_links (digest, member_id, kind)"
    f" SELECT x.digest, s.member_id, '{LinkKind.IDENTIFIER.value}'"
    " FROM import_staging_ids x JOIN import_staging s ON s.line = x.line"
    f" WHERE x.current AND x.kind = '{IdentifierKind.PHONE.value}'",
    "INSERT INTO transactions (id, kind, created_at, points, partner_id, member_id, order_id,"
    " rate_version_id, earn_rate, burn_value, issue_price, redemption_price,"
    " rates_effective_from, available_at, expires_at, coalition_funded_points, event)"
    f" SELECT transaction_id, '{TransactionKind.BONUS.value}', %(now)s, points, %(partner_id)s,"
    " member_id, external_id, %(rate_id)s, %(earn_rate)s, %(burn_value)s, %(issue_price)s,"
    " %(redemption_price)s, %(effective_from)s, %(now)s, expires_at, 0,"
    f" '{OPENING_BALANCE_EVENT}' FROM import_staging WHERE points > 0 ORDER BY transaction_id",
    "INSERT INTO entries (transaction_id, line, account_id, amount_points, phase)"
    f" SELECT transaction_id, 0, %(issued_id)s, -points, '{Phase.POSTED.value}'"
    " FROM import_staging WHERE points > 0"
    f" UNION ALL SELECT transaction_id, 1, available_id, points, '{Phase.POSTED.value}'"
    " FROM import_staging WHERE points > 0",
    "INSERT INTO lots (id, member_id, partner_id, earn_transaction_id, points,"
    " remaining_points, reserved_points, status, created_at, available_at, expires_at,"
    " issue_price)"
    " SELECT lot_id, member_id, %(partner_id)s, transaction_id, points, points, 0,"
    f" '{LotStatus.AVAILABLE.value}', %(now)s, %(now)s, expires_at, %(issue_price)s"
    " FROM import_staging WHERE points > 0 ORDER BY lot_id",
)
_ANALYZE = (
    "ANALYZE members, accounts, member_identifiers, member_links, imported_members,"
    " transactions, entries, lots"
)
_IMPORTED = "SELECT count(*), coalesce(sum(points), 0) FROM import_staging"
_REFUSE = (
    "INSERT INTO import_refusals (partner_id, file_sha256, line, reason)"
    " VALUES (%(partner_id)s, %(sha)s, %(line)s, %(reason)s) ON CONFLICT DO NOTHING"
)
_ADVANCE = (
    "UPDATE import_runs SET next_line = %(next_line)s, status = %(status)s,"
    " imported_members = imported_members + %(members)s,"
    " imported_points = imported_points + %(points)s,"
    " refused_rows = refused_rows + %(refused)s, updated_at = %(now)s"
    " WHERE partner_id = %(partner_id)s AND file_sha256 = %(sha)s"
    " RETURNING next_line, imported_members, imported_points, refused_rows, status"
)


class ImportAlreadyRunning(Exception):
    """The file is being imported by another process now."""


class PostgresBulkImportStore:
    """One import run on one connection of its own; ``close`` returns it."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._raw = engine.raw_connection()
        self._db: psycopg.Connection[Any] = self._raw.driver_connection  # type: ignore[assignment]
        self._run: dict[str, Any] = {}

    def close(self) -> None:
        # The connection goes back to the pool: its session lock must not go with it.
        with self._db.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")
        self._db.commit()
        self._raw.close()

    def _claim(self, partner_id: str, file_sha256: bytes) -> None:
        """One process at a time imports a file: a second would write its chunks twice."""
        key = f"hub-import:{partner_id}:{file_sha256.hex()}"
        with self._db.cursor() as cursor:
            (claimed,) = cursor.execute(_CLAIM, {"key": key}).fetchone() or (False,)
        self._db.commit()
        if not claimed:
            raise ImportAlreadyRunning(
                f"another process is importing this file for {partner_id}; wait for it to end"
            )

    def start(
        self, partner_id: str, file_name: str, file_sha256: bytes, now: datetime
    ) -> tuple[ImportTerms, RunState]:
        self._claim(partner_id, file_sha256)
        with self._engine.begin() as connection:
            found = connection.execute(_PARTNER, {"partner_id": partner_id}).mappings().first()
            if found is None:
                raise PartnerNotFound(f"no partner {partner_id!r}", field="partner_id")
            partner = partner_from_row(dict(found))
            rates = connection.execute(_RATES, {"partner_id": partner_id}).mappings().all()
            run = self._run_row(connection, partner_id, file_name, file_sha256, now)
        rate = in_force([rate_from_row(dict(row), partner_id) for row in rates], now)
        self._run = {"partner_id": partner_id, "sha": file_sha256}
        terms = ImportTerms(partner_id, partner.phone_region, rate, partner.expiry)
        return terms, _state(run)

    def _run_row(
        self,
        connection: sa.Connection,
        partner_id: str,
        file_name: str,
        file_sha256: bytes,
        now: datetime,
    ) -> Any:
        key = {"partner_id": partner_id, "sha": file_sha256}
        run = connection.execute(_RUN, key).mappings().first()
        if run is not None:
            return run
        connection.execute(
            import_runs.insert(),
            {
                "partner_id": partner_id,
                "file_sha256": file_sha256,
                "file_name": file_name[-255:],
                "next_line": FIRST_ROW_LINE,
                "imported_members": 0,
                "imported_points": 0,
                "refused_rows": 0,
                "status": RunStatus.RUNNING.value,
                "started_at": now,
                "updated_at": now,
            },
        )
        return connection.execute(_RUN, key).mappings().one()

    def encode(self, chunk: Chunk) -> EncodedChunk:
        return EncodedChunk(chunk, (_encode_members(chunk), _encode_identifiers(chunk)))

    def write(
        self, encoded: EncodedChunk, terms: ImportTerms, key_id: str, now: datetime
    ) -> ChunkWritten:
        chunk = encoded.chunk
        params = {**self._run, **_ledger_params(terms), "key_id": key_id, "now": now}
        with self._db.transaction(), self._db.cursor() as cursor:
            # A crash loses at most this chunk, and the progress row commits with it.
            cursor.execute("SET LOCAL synchronous_commit = off")
            _stage(cursor, encoded)
            skipped = len(cursor.execute(_ALREADY_IMPORTED, params).fetchall())
            refused, stopped_at = _refusals(cursor, chunk)
            for statement in _MOVES:
                cursor.execute(statement, params)
            members, points = cursor.execute(_IMPORTED).fetchone() or (0, 0)
            advanced = {
                **params,
                "next_line": stopped_at.line if stopped_at else chunk.next_line,
                "status": (RunStatus.STOPPED if stopped_at else RunStatus.RUNNING).value,
                "members": members,
                "points": points,
                "refused": _record_refusals(cursor, refused, self._run),
            }
            state = cursor.execute(_ADVANCE, advanced).fetchone()
        if stopped_at is not None:
            self._analyze()
        return ChunkWritten(
            members, int(points), refused, skipped, stopped_at, _state_of_tuple(state)
        )

    def _analyze(self) -> None:
        """Fresh planner statistics for the tables the import grew: until autovacuum gets to
        them, a plan made for the tables as they were can take minutes where it took ms."""
        with self._db.transaction(), self._db.cursor() as cursor:
            cursor.execute(_ANALYZE)

    def finish(self, now: datetime) -> RunState:
        self._analyze()
        with self._engine.begin() as connection:
            connection.execute(
                import_runs.update()
                .where(
                    import_runs.c.partner_id == self._run["partner_id"],
                    import_runs.c.file_sha256 == self._run["sha"],
                )
                .values(status=RunStatus.FINISHED.value, updated_at=now)
            )
            run = connection.execute(_RUN, self._run).mappings().one()
        return _state(run)

    def refusals(self) -> Sequence[RefusedRow]:
        with self._engine.connect() as connection:
            rows = connection.execute(_REFUSALS, self._run).all()
        return [RefusedRow(line, reason) for line, reason in rows]


def _ledger_params(terms: ImportTerms) -> dict[str, Any]:
    rate = terms.rate
    return {
        "rate_id": rate.id,
        "earn_rate": rate.rates.earn_rate,
        "burn_value": rate.rates.burn_value,
        "issue_price": rate.rates.issue_price,
        "redemption_price": rate.rates.redemption_price,
        "effective_from": rate.effective_from,
        "issued_id": partner_issued(terms.partner_id).id,
    }


def _stage(cursor: psycopg.Cursor[Any], encoded: EncodedChunk) -> None:
    for statement in _STAGING:
        cursor.execute(statement)
    _skip_foreign_key_checks(cursor)
    members_copy, identifiers_copy = encoded.payload
    with cursor.copy(_COPY_MEMBERS) as copy:
        copy.write(members_copy)
    with cursor.copy(_COPY_IDS) as copy:
        copy.write(identifiers_copy)


def _refusals(
    cursor: psycopg.Cursor[Any], chunk: Chunk
) -> tuple[list[RefusedRow], RefusedRow | None]:
    """The chunk's refusals, those of identifiers the hub has included, each taken out of the
    staging tables; and the row the import stops at, if it stops at the first."""
    taken = [RefusedRow(line, IDENTIFIER_TAKEN) for (line,) in cursor.execute(_TAKEN)]
    refused = sorted([*chunk.refused, *taken], key=lambda row: row.line)
    stopped_at = refused[0] if chunk.stop_on_refusal and refused else None
    if stopped_at is not None:
        cursor.execute(_FROM_LINE_ON, {"line": stopped_at.line})
        refused = [stopped_at]
    # Members left out above (and those imported before) take their identifiers with them.
    cursor.execute(_ORPHAN_IDS)
    return refused, stopped_at


def _skip_foreign_key_checks(cursor: psycopg.Cursor[Any]) -> None:
    """Every row the chunk writes refers to rows written before it in the same transaction
    (or to the partner, read at the start), so checking each foreign key once per row is
    pure cost: half the import's time. A role that may (a superuser) skips those checks for
    this transaction only; any other role keeps them."""
    try:
        with cursor.connection.transaction():
            cursor.execute("SET LOCAL session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        pass


def _encode_members(chunk: Chunk) -> bytes:
    """The chunk's members in COPY's text format (tab-separated, ``\\N`` for NULL)."""
    lines = []
    for member in chunk.members:
        available, pending, debt = member_accounts(member.member_id)
        expires_at = member.expires_at.isoformat() if member.expires_at else _NULL
        lines.append(
            f"{member.line}\t{_text(member.external_id)}\t{member.member_id}\t{available.id}\t"
            f"{pending.id}\t{debt.id}\t{member.transaction_id}\t{member.lot_id}\t"
            f"{member.points}\t{expires_at}\n"
        )
    return "".join(lines).encode()


def _encode_identifiers(chunk: Chunk) -> bytes:
    lines = []
    for member in chunk.members:
        for kind, digest in member.digests:
            lines.append(f"{member.line}\t{kind.value}\t\\\\x{digest.hex()}\tt\n")
        for digest in member.retired_digests:
            lines.append(f"{member.line}\tretired\t\\\\x{digest.hex()}\tf\n")
    return "".join(lines).encode()


_NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: str) -> str:
    return value.translate(_ESCAPES)


def _record_refusals(
    cursor: psycopg.Cursor[Any], refused: Sequence[RefusedRow], run: dict[str, Any]
) -> int:
    """The refusals not recorded by an earlier attempt (a stopped run run again)."""
    rows = [{**run, "line": row.line, "reason": row.reason} for row in refused]
    if not rows:
        return 0
    cursor.executemany(_REFUSE + " RETURNING line", rows, returning=True)
    recorded = 0
    while True:
        recorded += len(cursor.fetchall())
        if not cursor.nextset():
            return recorded


def _state(run: Any) -> RunState:
    return RunState(
        run["next_line"],
        run["imported_members"],
        run["imported_points"],
        run["refused_rows"],
        RunStatus(run["status"]),
    )


def _state_of_tuple(row: Any) -> RunState:
    next_line, members, points, refused, status = row
    return RunState(next_line, members, int(points), refused, RunStatus(status))
