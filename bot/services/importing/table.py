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
SAVE_AS = "save it as CSV UTF-8 (comma delimited)"
DELIMITER_NAMES = {";": "semicolons", "\t": "tabs"}
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


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
    """One data row: its first physical line and its cells by (lower-case) column name."""

    line: int
    # Why: a column the file leaves out has no key here, so a re-import keeps its stored value.
    cells: dict[str, str]


def read_table(
    path: Path,
    *,
    required: Collection[str],
    optional: Collection[str],
    problems: Problems,
) -> list[Record]:
    """The file's data rows (none for a header-only file), or none plus problems (DESIGN §4)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.add(0, "file", f"cannot be read ({exc.strerror or exc})")
        return []
    text = _utf8_text(raw, problems)
    if text is None or not _comma_separated(text, problems):
        return []
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
    used = _used_columns(header, body, problems)
    columns = [header[index].strip().lower() for index in used]
    if problems.messages or not _header_ok(columns, required, optional, problems):
        return []
    records = []
    for line, cells in body:
        if len(cells) != len(header):
            problems.add(line, "row", f"has {len(cells)} values, the header has {len(header)}")
            continue
        records.append(
            Record(
                line,
                {name: cells[index].strip() for name, index in zip(columns, used, strict=True)},
            )
        )
    return records


def _utf8_text(raw: bytes, problems: Problems) -> str | None:
    """The file as text, or None with one problem saying which encoding it has instead."""
    # Why: a UTF-16 header is ASCII letters, so without a BOM one of its first two bytes is NUL.
    if raw.startswith(UTF16_BOMS) or b"\x00" in raw[:2]:
        problems.add(
            HEADER_LINE, "file", f"the file is saved as UTF-16 (Unicode text), not UTF-8; {SAVE_AS}"
        )
        return None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        problems.add(line, "file", f"contains a NUL byte, so it is not a text CSV file; {SAVE_AS}")
        return None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(
            line,
            "file",
            f"byte 0x{raw[exc.start]:02X} is not UTF-8 (the file looks like Windows-1252 or "
            f"another legacy encoding); {SAVE_AS}",
        )
        return None


def _comma_separated(text: str, problems: Problems) -> bool:
    """False, with one problem, when the header row is separated by something else."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    try:
        delimiter = csv.Sniffer().sniff(header, delimiters=",;\t").delimiter
    except csv.Error:
        # Why: a header the sniffer cannot read is left to the column checks, which name it.
        return True
    if delimiter == ",":
        return True
    name = DELIMITER_NAMES[delimiter]
    problems.add(HEADER_LINE, "file", f"the columns are separated by {name}, not commas; {SAVE_AS}")
    return False


def _rows_with_lines(reader: Reader) -> list[tuple[int, list[str]]]:
    rows = []
    next_line = 1
    for cells in reader:
        if cells and any(cell.strip() for cell in cells):
            rows.append((next_line, cells))
        next_line = reader.line_num + 1
    return rows


def _used_columns(
    header: list[str], body: list[tuple[int, list[str]]], problems: Problems
) -> list[int]:
    """Indexes of the named columns; wholly empty unnamed ones (Excel's trailing) are dropped."""
    used = []
    for index, name in enumerate(header):
        if name.strip():
            used.append(index)
            continue
        filled = next(
            (line for line, cells in body if index < len(cells) and cells[index].strip()), None
        )
        if filled is not None:
            problems.add(filled, f"column {index + 1}", "has values but no name in the header")
    return used


def _header_ok(
    columns: list[str], required: Collection[str], optional: Collection[str], problems: Problems
) -> bool:
    before = len(problems.messages)
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            problems.add(HEADER_LINE, name, "duplicate column")
        elif name not in required and name not in optional:
            expected = ", ".join([*required, *optional])
            problems.add(HEADER_LINE, name, f"unknown column (expected some of: {expected})")
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.add(HEADER_LINE, name, "required column is missing")
    return len(problems.messages) == before
