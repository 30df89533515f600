"""Reading an import file into header-checked rows with their physical line numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _csv import Reader

HEADER_LINE = 1


@dataclass
class Problems:
    """Errors found so far, each as `FILE:LINE: column: message`."""

    file: str
    messages: list[str] = field(default_factory=list)

    def add(self, line: int, column: str, message: str) -> None:
        """Record one error."""
        self.messages.append(f"{self.file}:{line}: {column}: {message}")


@dataclass(frozen=True, slots=True)
class Record:
    """One data row: its first physical line and its cells by column name."""

    line: int
    cells: dict[str, str]


def read_table(
    path: Path,
    *,
    required: Collection[str],
    optional: Collection[str],
    problems: Problems,
) -> list[Record]:
    """The file's data rows, or none when the file or its header is unusable."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.add(0, "file", f"cannot be read ({exc.strerror or exc})")
        return []
    # Why: surrogateescape keeps undecodable bytes, so each one is reported at its own cell.
    text = raw.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = _rows_with_lines(reader)
    except csv.Error as exc:
        problems.add(reader.line_num, "row", f"not valid CSV ({exc})")
        return []
    if not rows:
        problems.add(HEADER_LINE, "header", "the file is empty; expected a header row")
        return []
    (_, header), *body = rows
    columns = [name.strip() for name in header]
    if not _header_ok(columns, required, optional, problems):
        return []
    records = []
    for line, cells in body:
        if len(cells) != len(columns):
            problems.add(line, "row", f"has {len(cells)} values, the header has {len(columns)}")
            continue
        record = Record(
            line, {name: cell.strip() for name, cell in zip(columns, cells, strict=True)}
        )
        if _decodes(record, problems):
            records.append(record)
    if not records and not problems.messages:
        problems.add(HEADER_LINE, "header", "the file has a header but no data rows")
    return records


def _rows_with_lines(reader: Reader) -> list[tuple[int, list[str]]]:
    rows = []
    next_line = 1
    for cells in reader:
        if cells and any(cell.strip() for cell in cells):
            rows.append((next_line, cells))
        next_line = reader.line_num + 1
    return rows


def _header_ok(
    columns: list[str], required: Collection[str], optional: Collection[str], problems: Problems
) -> bool:
    before = len(problems.messages)
    seen: set[str] = set()
    for name in columns:
        shown = name or "(blank)"
        if not _is_text(name):
            problems.add(HEADER_LINE, repr(name), "not valid UTF-8")
        elif name in seen:
            problems.add(HEADER_LINE, shown, "duplicate column")
        elif name not in required and name not in optional:
            expected = ", ".join([*required, *optional])
            problems.add(HEADER_LINE, shown, f"unknown column (expected some of: {expected})")
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.add(HEADER_LINE, name, "required column is missing")
    return len(problems.messages) == before


def _decodes(record: Record, problems: Problems) -> bool:
    bad = [name for name, cell in record.cells.items() if not _is_text(cell)]
    for name in bad:
        problems.add(record.line, name, "not valid UTF-8")
    return not bad


def _is_text(value: str) -> bool:
    return not any("\udc80" <= char <= "\udcff" for char in value)
