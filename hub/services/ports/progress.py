"""The port through which a long use case says how far it got (``hub sweep``, ``hub fraud
scan``, ``hub member rekey``, ``hub settle-due``): the CLI draws it, ``hub serve`` ignores it.

A use case reports once per batch (after the batch's transaction), never per row, so listening
costs nothing beside the work; it never prints.
"""

from __future__ import annotations

from typing import Protocol


class WorkProgress(Protocol):
    """Told when a stage of the work starts and as its batches are done."""

    def stage(self, name: str, total: int | None = None, unit: str = "rows") -> None:
        """A stage starts: ``total`` units when a count is cheap, ``None`` when it is not
        known (the display then counts without an end)."""
        ...

    def advance(self, units: int, detail: str = "") -> None:
        """``units`` more units of the stage are done; ``detail`` says what (short)."""
        ...

    def note(self, text: str) -> None:
        """What the stage is doing now, when it is one long step rather than batches."""
        ...


class Silent:
    """Progress nobody listens to: the default of every use case that reports it."""

    def stage(self, name: str, total: int | None = None, unit: str = "rows") -> None:
        """Nothing."""

    def advance(self, units: int, detail: str = "") -> None:
        """Nothing."""

    def note(self, text: str) -> None:
        """Nothing."""


SILENT: WorkProgress = Silent()
