"""The progress of long commands (``hub.cli.progress``): a redrawn bar on a terminal, a few
plain lines elsewhere, rate and time left, and nothing at all when silenced or idle."""

from __future__ import annotations

import io

import pytest

from hub.cli.progress import PLAIN_EVERY_S, REDRAW_EVERY_S, Display
from hub.services.ports.progress import SILENT, WorkProgress


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s

    def tick(self, seconds: float) -> None:
        self.now_s += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def display(
    clock: FakeClock, *, terminal: bool, enabled: bool = True
) -> tuple[Display, io.StringIO]:
    out = io.StringIO()
    shown = Display(
        "hub test", out=out, clock=clock, terminal=terminal, enabled=enabled, columns=200
    )
    return shown, out


def test_without_a_terminal_a_line_is_printed_at_each_tenth_not_at_each_batch(clock):
    shown, out = display(clock, terminal=False)
    with shown:
        shown.stage("sweeping", 1000, "lots")
        for _ in range(1000):
            clock.tick(0.001)
            shown.advance(1)
    lines = out.getvalue().splitlines()
    assert len(lines) == 10
    assert all(line.startswith("[") and " s] hub test: sweeping " in line for line in lines)
    assert "100/1,000 lots (10%)" in lines[0]
    assert "1,000/1,000 lots (100%)" in lines[-1]
    assert "took 0:01" in lines[-1]
    assert "\r" not in out.getvalue()


def test_without_a_terminal_a_count_without_a_total_prints_every_few_seconds(clock):
    shown, out = display(clock, terminal=False)
    with shown:
        shown.stage("relaying events", unit="deliveries")
        for _ in range(350):  # 35 s of batches, one every 0.1 s
            clock.tick(0.1)
            shown.advance(10)
    lines = out.getvalue().splitlines()
    assert len(lines) == 35 // PLAIN_EVERY_S + 1  # and the final figures at the end
    assert "3,500 deliveries" in lines[-1]
    assert "100 deliveries/s" in lines[-1]


def test_the_rate_counts_this_runs_work_and_gives_the_time_left(clock):
    shown, out = display(clock, terminal=False)
    shown.stage("rows", 1000, "rows", done=100)  # an import resumed after 100 rows
    clock.tick(2)
    shown.update(200, "100 imported, 0 refused")
    [line] = out.getvalue().splitlines()
    assert "200/1,000 rows (20%)" in line
    assert "50.0 rows/s" in line
    assert "ETA 0:16" in line
    assert line.endswith("100 imported, 0 refused")


def test_the_time_left_past_an_hour_reads_in_hours(clock):
    shown, out = display(clock, terminal=False)
    shown.stage("contacts", 100_000, "contacts")
    clock.tick(100)
    shown.advance(10_000)
    assert "100 contacts/s, ETA 15:00" in out.getvalue()
    shown.stage("more contacts", 1_000_000, "contacts")
    clock.tick(100)
    shown.advance(100_000)
    assert "1,000 contacts/s, ETA 15:00" in out.getvalue()
    shown.stage("yet more", 1_000_000, "contacts")
    clock.tick(1000)
    shown.advance(100_000)
    assert "100 contacts/s, ETA 2:30:00" in out.getvalue()


def test_on_a_terminal_the_bar_is_redrawn_in_place_at_most_ten_times_a_second(clock):
    shown, out = display(clock, terminal=True)
    shown.stage("re-sealing contacts", 1000, "contacts")
    for _ in range(1000):
        clock.tick(0.001)  # a second in all
        shown.advance(1)
    drawn = out.getvalue()
    assert "\n" not in drawn
    redraws = drawn.count("\r")
    assert 1 / REDRAW_EVERY_S <= redraws <= 1 / REDRAW_EVERY_S + 2
    assert "[" + "#" * 24 + "]" in drawn.split("\r")[-1]
    shown.finish()
    assert out.getvalue().endswith("\n")
    assert out.getvalue().count("\n") == 1


def test_on_a_terminal_the_bar_shows_done_total_rate_and_eta(clock):
    shown, out = display(clock, terminal=True)
    shown.stage("settling days", 4, "days")
    clock.tick(10)
    shown.advance(1, "settled 2026-01-10")
    last = out.getvalue().split("\r")[-1]
    assert last.startswith("hub test: [######" + "." * 18 + "] settling days 1/4 days (25%)")
    assert "0.1 days/s" in last
    assert "ETA 0:30" in last
    assert last.rstrip().endswith("settled 2026-01-10")


def test_on_a_terminal_the_bar_fits_the_line(clock):
    out = io.StringIO()
    shown = Display("hub test", out=out, clock=clock, terminal=True, columns=40)
    shown.stage("settling days", 4, "days")
    shown.advance(1, "a detail far too long to fit on a line of forty columns")
    assert all(len(drawn.rstrip()) < 40 for drawn in out.getvalue().split("\r"))


def test_on_a_terminal_a_count_without_a_total_spins(clock):
    shown, out = display(clock, terminal=True)
    shown.stage("maturing pending points", unit="lots")
    clock.tick(1)
    shown.advance(500)
    last = out.getvalue().split("\r")[-1]
    assert last.startswith("hub test: [")
    assert "maturing pending points 500 lots, 500 lots/s, 0:01 so far" in last


def test_clear_takes_the_bar_off_the_line_before_the_command_prints(clock):
    shown, out = display(clock, terminal=True)
    shown.stage("settling days", 2, "days")
    drawn = out.getvalue().split("\r")[-1]
    shown.clear()
    assert out.getvalue().endswith("\r" + " " * len(drawn) + "\r")
    clock.tick(1)
    shown.advance(1)
    assert out.getvalue().split("\r")[-1].startswith("hub test: [")


def test_a_stage_with_nothing_done_leaves_no_line(clock):
    shown, out = display(clock, terminal=True)
    with shown:
        shown.stage("expiring holds", unit="holds")
        shown.stage("pruning fraud counters", unit="counters")
    assert "\n" not in out.getvalue()
    assert out.getvalue().endswith("\r")
    plain, lines = display(clock, terminal=False)
    with plain:
        plain.stage("expiring holds", unit="holds")
        plain.advance(0)
    assert lines.getvalue() == ""


def test_a_refusal_before_any_work_leaves_standard_error_to_the_error(clock):
    shown, out = display(clock, terminal=False)
    shown.stage("settling days", 1, "days")
    shown.note("settling 2026-01-10 on the hub")
    shown.__exit__(RuntimeError, RuntimeError("refused"), None)
    assert out.getvalue() == ""


def test_a_long_step_is_told_by_its_notes_every_few_seconds(clock):
    shown, out = display(clock, terminal=False)
    shown.stage("settling days", 1, "days")
    shown.note("summing the day's transactions")
    clock.tick(PLAIN_EVERY_S + 1)
    shown.note("netting")
    [line] = out.getvalue().splitlines()
    assert line.startswith(f"[{PLAIN_EVERY_S + 1:7.2f} s] hub test: settling days 0/1 days (0%)")
    assert line.endswith("netting")


def test_no_progress_prints_nothing(clock):
    for terminal in (True, False):
        shown, out = display(clock, terminal=terminal, enabled=False)
        with shown:
            shown.stage("rows", 10)
            shown.advance(10, "done")
            shown.clear()
        assert out.getvalue() == ""


def test_the_display_and_the_silent_default_are_work_progress():
    shown: WorkProgress = Display("hub test", out=io.StringIO(), terminal=False)
    for progress in (shown, SILENT):
        progress.stage("anything", 3, "rows")
        progress.advance(3, "done")
        progress.note("a note")


def test_on_a_terminal_a_note_is_drawn_at_once(clock):
    shown, out = display(clock, terminal=True)
    shown.stage("settling days", 2, "days")
    shown.advance(1, "settled 2026-01-10 on the hub")
    clock.tick(REDRAW_EVERY_S / 10)
    shown.note("settling 2026-01-11 on the hub")
    assert out.getvalue().split("\r")[-1].rstrip().endswith("settling 2026-01-11 on the hub")
