"""The till's journal of earns for store-and-forward: a SQLite file, written before the hub
hears of an earn, so that neither an unreachable hub nor a till that crashes mid-call loses
one (``partner_sdk.offline`` uses it).

Each row is an earn request exactly as it is sent (its bytes, idempotency key and sale time
included), so a replay is the same request and the hub's idempotency settles it. A row is
``queued`` until the hub answers: it is deleted once the hub posted the earn, or marked
``refused`` (with the hub's code, reason and message) when the hub said no. Keys being sent by
this process are held in memory, so that a forward in another thread skips them; another
process on the same file may send one twice, which the idempotency key makes harmless.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from coalition.hub.v1 import partner_pb2

SCHEMA_VERSION: Final = 1
BUSY_TIMEOUT_S: Final = 5.0
"""How long a write waits for another process writing the same file."""
ERROR_TEXT_LENGTH_MAX: Final = 500

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS till (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    partner_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS earns (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    request BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'refused')),
    queued_at TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    refused_code TEXT,
    refused_reason TEXT,
    refused_at TEXT
);
"""


class State(StrEnum):
    QUEUED = "queued"
    REFUSED = "refused"


@dataclass(frozen=True)
class Entry:
    """One journalled earn."""

    key: str
    request: partner_pb2.EarnRequest
    state: State
    queued_at: datetime
    last_error: str
    """Why it waits, or (refused) the hub's message."""
    refused_code: str = ""
    refused_reason: str = ""
    refused_at: datetime | None = None


@dataclass(frozen=True)
class Refusal:
    """What the hub said when it refused a replayed earn."""

    code: str
    reason: str
    message: str


class EarnJournal:
    """The journal file of one partner's till; safe to share between threads."""

    def __init__(self, path: str | Path, partner_id: str) -> None:
        self._lock = threading.Lock()
        self._sending: set[str] = set()
        self._db = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            self._open(partner_id)
        except BaseException:
            self._db.close()
            raise

    def _open(self, partner_id: str) -> None:
        # WAL with FULL sync: a commit is on disk when it returns, and readers never block it.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ValueError(f"the journal was written by a newer SDK (schema {version})")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._db.execute("INSERT OR IGNORE INTO till (id, partner_id) VALUES (1, ?)", (partner_id,))
        owner = self._db.execute("SELECT partner_id FROM till").fetchone()[0]
        if owner != partner_id:
            raise ValueError(
                f"this journal holds partner {owner!r}'s earns, not {partner_id!r}'s: "
                "give each partner's till its own file"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def write(self, request: partner_pb2.EarnRequest, now: datetime) -> None:
        """Record an earn about to be sent (durable when this returns), held as being sent."""
        key = request.idempotency_key
        with self._locked() as db:
            try:
                db.execute(
                    "INSERT INTO earns (idempotency_key, request, state, queued_at) "
                    "VALUES (?, ?, 'queued', ?)",
                    (key, request.SerializeToString(), now.isoformat()),
                )
            except sqlite3.IntegrityError:
                raise ValueError(
                    f"the earn with idempotency key {key!r} is already in the journal: "
                    "forward() sends it (a new earn needs a new key)"
                ) from None
            self._sending.add(key)

    def take_next(self) -> Entry | None:
        """The oldest queued earn no thread of this process is sending, now held as sent."""
        with self._locked() as db:
            for row in db.execute(_SELECT + " WHERE state = 'queued' ORDER BY seq"):
                if row[0] not in self._sending:
                    self._sending.add(row[0])
                    return _entry(row)
        return None

    def release(self, key: str, error: str) -> None:
        """Keep the earn queued (the hub could not be reached), noting why."""
        with self._locked() as db:
            db.execute(
                "UPDATE earns SET last_error = ? WHERE idempotency_key = ?",
                (error[:ERROR_TEXT_LENGTH_MAX], key),
            )
            self._sending.discard(key)

    def remove(self, key: str) -> None:
        """Forget the earn: the hub posted it, or the caller was told it failed."""
        with self._locked() as db:
            db.execute("DELETE FROM earns WHERE idempotency_key = ?", (key,))
            self._sending.discard(key)

    def refuse(self, key: str, refusal: Refusal, now: datetime) -> Entry:
        """Record that the hub refused the earn: it is not sent again."""
        with self._locked() as db:
            db.execute(
                "UPDATE earns SET state = 'refused', refused_code = ?, refused_reason = ?, "
                "last_error = ?, refused_at = ? WHERE idempotency_key = ?",
                (
                    refusal.code,
                    refusal.reason,
                    refusal.message[:ERROR_TEXT_LENGTH_MAX],
                    now.isoformat(),
                    key,
                ),
            )
            self._sending.discard(key)
            row = db.execute(_SELECT + " WHERE idempotency_key = ?", (key,)).fetchone()
        return _entry(row)

    def dismiss(self, key: str) -> bool:
        """Delete a refused earn once the integrator dealt with it; whether there was one."""
        with self._locked() as db:
            cursor = db.execute(
                "DELETE FROM earns WHERE idempotency_key = ? AND state = 'refused'", (key,)
            )
            return cursor.rowcount > 0

    def entries(self, state: State) -> tuple[Entry, ...]:
        with self._locked() as db:
            rows = db.execute(_SELECT + " WHERE state = ? ORDER BY seq", (state.value,))
            return tuple(_entry(row) for row in rows)

    def count(self, state: State) -> int:
        with self._locked() as db:
            found = db.execute("SELECT count(*) FROM earns WHERE state = ?", (state.value,))
            return int(found.fetchone()[0])

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db


_SELECT: Final = (
    "SELECT idempotency_key, request, state, queued_at, last_error, refused_code, "
    "refused_reason, refused_at FROM earns"
)


def _entry(row: tuple[Any, ...]) -> Entry:
    key, request, state, queued_at, last_error, code, reason, refused_at = row
    return Entry(
        key=str(key),
        request=partner_pb2.EarnRequest.FromString(bytes(request)),
        state=State(str(state)),
        queued_at=_instant(str(queued_at)),
        last_error=str(last_error),
        refused_code=str(code or ""),
        refused_reason=str(reason or ""),
        refused_at=_instant(str(refused_at)) if refused_at else None,
    )


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
