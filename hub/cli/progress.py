"""How far a long command got, on standard error, so standard output keeps only its results.

On a terminal a bar is redrawn in place: done of total, the rate and the time left (or a
running count with its rate when the total is not known). Elsewhere (a log file, CI, cron)
plain lines with the seconds since the command began, one at each tenth of the work or after
``PLAIN_EVERY_S`` of it, whichever comes first, never a line per batch. ``--no-progress``
silences both. A ``Display`` is the CLI's ``WorkProgress`` (``hub.services.ports.progress``):
use cases report to it once per batch.

    with progress_for(args, "hub sweep") as shown:
        report = hub.operator.sweep(progress=shown)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TextIO

REDRAW_EVERY_S = 0.1
"""A terminal's bar is redrawn at most this often (a stage's end is always drawn)."""
PLAIN_EVERY_S = 10.0
"""Without a terminal, a line at least this often while work goes on."""
PLAIN_STEP_PERCENT = 10
"""Without a terminal, a line each time the work passes another such share of its total."""
BAR_WIDTH = 24
TERMINAL_COLUMNS_DEFAULT = 100
SPINNER = "|/-\\"


def add_progress_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress on standard error (a bar on a terminal, else a line now and then)",
    )


def progress_for(args: argparse.Namespace, label: str) -> Display:
    """The display a command's ``--no-progress`` asks for, on standard error."""
    return Display(label, enabled=not getattr(args, "no_progress", False))


@dataclass
class _Stage:
    name: str
    total: int | None
    unit: str
    done: int
    first: int
    """``done`` when the stage began (an import resumed): the rate counts this run's work."""
    started_s: float
    detail: str = ""

    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, max(0, self.done * 100 // self.total))

    def rate(self, now_s: float) -> float:
        elapsed_s = now_s - self.started_s
        return (self.done - self.first) / elapsed_s if elapsed_s > 0 else 0.0


class Display:
    """The ``WorkProgress`` of a command: a bar on a terminal, throttled lines elsewhere."""

    def __init__(
        self,
        label: str,
        *,
        out: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        terminal: bool | None = None,
        enabled: bool = True,
        columns: int | None = None,
    ) -> None:
        self._label, self._out, self._clock = label, out or sys.stderr, clock
        self._enabled = enabled
        self._terminal = self._out.isatty() if terminal is None else terminal
        self._columns = columns or _columns(self._out)
        self._began_s = clock()
        self._stage: _Stage | None = None
        self._drawn = 0
        """Characters of the bar now on the terminal's line (0: none)."""
        self._drawn_s = float("-inf")
        self._line_s = self._began_s
        self._line_step = 0
        self._unshown = False
        self._spins = 0

    # -- WorkProgress ---------------------------------------------------------------------

    def stage(
        self, name: str, total: int | None = None, unit: str = "rows", *, done: int = 0
    ) -> None:
        """A new stage (the previous one ends); ``done`` when it resumes earlier work."""
        self._end_stage()
        now_s = self._clock()
        self._stage = _Stage(name, total, unit, done, done, now_s)
        self._line_s, self._line_step = now_s, self._step(self._stage)
        if self._terminal:
            self._draw(now_s)

    def advance(self, units: int, detail: str = "") -> None:
        if self._stage is not None:
            self.update(self._stage.done + units, detail)

    def update(self, done: int, detail: str = "") -> None:
        """The stage has ``done`` units done (the absolute form of ``advance``)."""
        stage = self._stage
        if stage is None:
            return
        stage.done = done
        if detail:
            stage.detail = detail
        self._changed(redraw=stage.total is not None and done >= stage.total)

    def note(self, text: str) -> None:
        """Shown at once on a terminal (notes are few: a step of a long stage)."""
        if self._stage is not None:
            self._stage.detail = text
            self._changed(redraw=True)

    # -- the command's side ---------------------------------------------------------------

    def clear(self) -> None:
        """Take the bar off the terminal's line before the command prints there; the next
        report draws it again."""
        if self._drawn:
            self._write("\r" + " " * self._drawn + "\r")
            self._drawn = 0

    def finish(self) -> None:
        """End the last stage: its final figures, and the terminal's line closed."""
        self._end_stage()
        self._stage = None

    def __enter__(self) -> Display:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.finish()

    # -- drawing --------------------------------------------------------------------------

    def _changed(self, *, redraw: bool) -> None:
        self._unshown = True
        if not self._enabled or self._stage is None:
            return
        now_s = self._clock()
        if self._terminal:
            if redraw or now_s - self._drawn_s >= REDRAW_EVERY_S:
                self._draw(now_s)
        elif now_s - self._line_s >= PLAIN_EVERY_S or self._step(self._stage) > self._line_step:
            self._line(self._stage, now_s)

    def _end_stage(self) -> None:
        stage = self._stage
        if stage is None or not self._enabled:
            return
        worked = stage.done > stage.first
        if self._terminal and worked:
            self._draw(self._clock())
            self._write("\n")
            self._drawn = 0
        elif self._terminal:
            self.clear()  # a stage that got nothing done leaves no line
        elif self._unshown and worked:
            self._line(stage, self._clock())
        self._unshown = False

    def _step(self, stage: _Stage) -> int:
        percent = stage.percent()
        return 0 if percent is None else percent // PLAIN_STEP_PERCENT

    def _line(self, stage: _Stage, now_s: float) -> None:
        text = f"[{now_s - self._began_s:7.2f} s] {self._label}: {self._figures(stage, now_s)}"
        self._write(text + "\n")
        self._line_s, self._line_step = now_s, self._step(stage)
        self._unshown = False

    def _draw(self, now_s: float) -> None:
        if not self._enabled or self._stage is None:
            return
        text = f"{self._label}: {self._bar(self._stage)} {self._figures(self._stage, now_s)}"
        text = text[: self._columns - 1]
        self._write("\r" + text + " " * max(0, self._drawn - len(text)))
        self._drawn, self._drawn_s = len(text), now_s
        self._unshown = False

    def _bar(self, stage: _Stage) -> str:
        percent = stage.percent()
        if percent is None:
            self._spins += 1
            return f"[{SPINNER[self._spins % len(SPINNER)]}]"
        filled = BAR_WIDTH * percent // 100
        return "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]"

    def _figures(self, stage: _Stage, now_s: float) -> str:
        parts = [f"{stage.name} {_count(stage)}"]
        rate = stage.rate(now_s)
        if stage.done > stage.first:
            parts.append(f"{_rate(rate)} {stage.unit}/s")
        if stage.total is not None and stage.done >= stage.total:
            parts.append(f"took {_clock(now_s - stage.started_s)}")
        elif stage.total is not None and rate > 0:
            parts.append(f"ETA {_clock((stage.total - stage.done) / rate)}")
        else:
            parts.append(f"{_clock(now_s - stage.started_s)} so far")
        if stage.detail:
            parts.append(stage.detail)
        return ", ".join(parts)

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()


def _count(stage: _Stage) -> str:
    if stage.total is None:
        return f"{stage.done:,} {stage.unit}"
    return f"{stage.done:,}/{stage.total:,} {stage.unit} ({stage.percent() or 0}%)"


def _rate(per_s: float) -> str:
    return f"{per_s:,.0f}" if per_s >= 100 else f"{per_s:.1f}"


def _clock(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` past an hour."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _columns(out: TextIO) -> int:
    try:
        return os.get_terminal_size(out.fileno()).columns or TERMINAL_COLUMNS_DEFAULT
    except (OSError, ValueError, AttributeError):
        return TERMINAL_COLUMNS_DEFAULT
