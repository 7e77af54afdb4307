"""CLI tables fit 100 columns: short ids, cut text, whole numbers; ``--wide`` shows all."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from hub.cli.common import TABLE_STYLE, TABLE_WIDTH_MAX, print_table

MEMBER_ID = "3f2b8c1e-9d4a-4c7b-8e2f-1a6b5c4d3e2f"


@pytest.fixture(autouse=True)
def narrow() -> Iterator[None]:
    TABLE_STYLE.wide = False
    yield
    TABLE_STYLE.wide = False


def _table(rows: list[tuple[object, ...]]) -> list[str]:
    out = io.StringIO()
    print_table(("member", "note", "points"), rows, out=out)
    return out.getvalue().splitlines()


def test_ids_are_shortened_to_a_form_commands_accept() -> None:
    lines = _table([(MEMBER_ID, "ok", 10)])

    assert "3f2b8c1e..3e2f " in lines[2]
    assert MEMBER_ID not in "\n".join(lines)


def test_long_text_is_cut_to_fit_a_hundred_columns() -> None:
    lines = _table([(MEMBER_ID, "x" * 300, 10)])

    assert all(len(line) <= TABLE_WIDTH_MAX for line in lines)
    assert "…" in lines[2]


def test_numbers_are_never_cut() -> None:
    lines = _table([(MEMBER_ID, "y" * 300, 123456789012345)])

    assert lines[2].endswith("123456789012345")


def test_wide_shows_every_cell_whole() -> None:
    TABLE_STYLE.wide = True

    lines = _table([(MEMBER_ID, "z" * 300, 10)])

    assert MEMBER_ID in lines[2]
    assert "z" * 300 in lines[2]


def test_wide_reads_as_any_commands_own_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from hub.cli import main

    assert main(["keygen", "--wide"]) == 0
    assert TABLE_STYLE.wide is True
    capsys.readouterr()
