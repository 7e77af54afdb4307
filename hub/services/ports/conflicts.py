"""How a unit of work says a transaction may succeed if run again."""

from __future__ import annotations


class TransientConflict(Exception):
    """The database refused a transaction because of a concurrent one; running it again may work."""


class ConnectionLost(TransientConflict):
    """The connection broke before COMMIT was sent: nothing was applied, and the attempt runs
    again on a fresh connection (which, if the database is down, cannot be had)."""
