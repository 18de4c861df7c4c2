"""Human output for CLI commands: tables on stdout, progress bars and notes on stderr."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table


#: Table width when stdout is no terminal (a pipe or file): wide enough for a full hash.
PIPE_WIDTH = 200


def stdout_console() -> Console:
    """Console for results (created per call so test runners' stream swaps are seen)."""
    console = Console(file=sys.stdout, soft_wrap=True)
    if not console.is_terminal:
        console = Console(file=sys.stdout, soft_wrap=True, width=PIPE_WIDTH)
    return console


def stderr_console() -> Console:
    """Console for progress and notes, which must never mix into piped results."""
    return Console(file=sys.stderr, soft_wrap=True)


def print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None) -> None:
    """Print a table; ``None`` cells show as ``-``."""
    table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("-" if cell is None else str(cell) for cell in row))
    stdout_console().print(table)


def note(message: str) -> None:
    """A line for the person at the terminal, on stderr."""
    stderr_console().print(message, highlight=False)


def say(message: str) -> None:
    """A line of human output on stdout."""
    stdout_console().print(message, highlight=False)


class Bar:
    """A progress bar on stderr; ``advance``/``update`` are no-ops when it is hidden."""

    def __init__(self, progress: Progress | None, task: TaskID | None) -> None:
        self._progress, self._task = progress, task

    def update(self, completed: int, total: int | None = None) -> None:
        """Set the absolute progress (and the total, once known)."""
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=completed, total=total)


@contextmanager
def progress_bar(
    description: str, total: int | None, *, enabled: bool = True, in_bytes: bool = False,
) -> Iterator[Bar]:
    """A rich progress bar on stderr (drawn only when stderr is a terminal)."""
    console = stderr_console()
    if not enabled or not console.is_terminal:
        yield Bar(None, None)
        return
    counter = DownloadColumn() if in_bytes else MofNCompleteColumn()
    columns = [TextColumn("{task.description}"), BarColumn(), counter,
               TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=console, transient=True) as progress:
        yield Bar(progress, progress.add_task(description, total=total))
