"""Reading an import file, streamed: header-checked rows with their physical line numbers."""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain.control_characters import CONTROL_IN_CELL, code_point

if TYPE_CHECKING:
    from _csv import Reader

HEADER_LINE = 1
SAVE_AS = "save it as CSV UTF-8 (comma delimited)"
DELIMITER_NAMES = {";": "semicolons", "\t": "tabs"}
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SHOWN_ERRORS = 100
BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Problem:
    """One error: where (a file line, or an item's index), the column (field) and what is wrong."""

    line: int
    column: str
    message: str


@dataclass
class Problems:
    """Errors found so far, each as `FILE:LINE: column: message`; the first SHOWN_ERRORS kept.

    Why only those: a file where every row is bad has millions; the rest are counted, not kept.
    `unit` names what a row's number counts in messages that point at another row ("line" in a
    file, "index" in an ingest API request's array), and `names` shows a column under another
    name (a platform's export column instead of the DESIGN §4 one it was mapped to).
    """

    file: str
    found: list[Problem] = field(default_factory=list)
    count: int = 0
    unit: str = "line"
    names: dict[str, str] = field(default_factory=dict)

    def add(self, line: int, column: str, message: str) -> None:
        """Record one error."""
        self.count += 1
        if len(self.found) < SHOWN_ERRORS:
            self.found.append(Problem(line, self.names.get(column, column), message))

    def at(self, line: int) -> str:
        """How a message points at another row: `line 7` (or `index 7`)."""
        return f"{self.unit} {line}"

    @property
    def messages(self) -> list[str]:
        """The errors kept, each as `FILE:LINE: column: message` (DESIGN §3)."""
        return [f"{self.file}:{p.line}: {p.column}: {p.message}" for p in self.found]


@dataclass(frozen=True, slots=True)
class Record:
    """One data row: its first physical line and its cells by (lower-case) column name."""

    line: int
    # Why: a column the file leaves out has no key here, so a re-import keeps its stored value.
    cells: dict[str, str]


def read_records(
    path: Path,
    *,
    required: Collection[str],
    optional: Collection[str],
    problems: Problems,
    other_columns: bool = False,
) -> Iterator[Record]:
    """The file's data rows one at a time (none for a header-only file); problems on the way.

    DESIGN §4: a file that is not comma-separated UTF-8, has a bad header or is not valid CSV
    yields no rows and one problem; a bad row is a problem and is not yielded. The file is read
    as a stream, so memory does not grow with its size. With `other_columns` (a platform's
    export, which has dozens of columns we do not use) columns outside `required` and `optional`
    are left out of the records instead of rejected.
    """
    try:
        if not _utf8_file(path, problems) or not _comma_separated(path, problems):
            return
        with path.open(encoding="utf-8-sig", newline="") as text:
            lines = _Lines(text)
            known = (required, optional, other_columns)
            yield from _records(path, lines, known, problems)
    except OSError as exc:
        problems.add(0, "file", f"cannot be read ({exc.strerror or exc})")


def _records(
    path: Path,
    lines: _Lines,
    known: tuple[Collection[str], Collection[str], bool],
    problems: Problems,
) -> Iterator[Record]:
    required, optional, other_columns = known
    rows = _Rows(csv.reader(lines, strict=True))
    try:
        header = next(rows, None)
        if header is None:
            problems.add(HEADER_LINE, "header", "the file is empty; expected a header row")
            return
        used = [index for index, name in enumerate(header) if name.strip()]
        columns = [header[index].strip().lower() for index in used]
        if not _header_ok(columns, required, optional, problems, other_columns=other_columns):
            return
        if other_columns:
            wanted = {*required, *optional}
            kept = [(name, index) for name, index in zip(columns, used, strict=True)]
            kept = [(name, index) for name, index in kept if name in wanted]
            columns, used = [name for name, _ in kept], [index for _, index in kept]
        unnamed = [index for index, name in enumerate(header) if not name.strip()]
        for cells in rows:
            line = rows.line
            if len(cells) != len(header):
                problems.add(line, "row", f"has {len(cells)} values, the header has {len(header)}")
                continue
            for index in [index for index in unnamed if cells[index].strip()]:
                problems.add(line, f"column {index + 1}", "has values but no name in the header")
                unnamed.remove(index)
            record = Record(
                line,
                {name: cells[index].strip() for name, index in zip(columns, used, strict=True)},
            )
            if printable(record, problems):
                yield record
    except csv.Error as exc:
        _not_csv(path, rows, lines.ended, exc, problems)


class _Lines:
    """The file's lines for the CSV reader, noting when they ran out."""

    def __init__(self, text: Iterable[str]) -> None:
        self._text = iter(text)
        self.ended = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        try:
            return next(self._text)
        except StopIteration:
            self.ended = True
            raise


class _Rows:
    """Non-blank rows, each with the physical line it starts on (a quoted cell may span lines)."""

    def __init__(self, reader: Reader) -> None:
        self._reader = reader
        self.line = 0  # where the row last returned starts
        self.next_line = 1  # where the next row starts

    def __iter__(self) -> Iterator[list[str]]:
        return self

    def __next__(self) -> list[str]:
        while True:
            cells = next(self._reader)
            self.line = self.next_line
            self.next_line = self._reader.line_num + 1
            if cells and any(cell.strip() for cell in cells):
                return cells

    @property
    def last_line(self) -> int:
        """The last physical line the reader has taken."""
        return self._reader.line_num


def printable(record: Record, problems: Problems) -> bool:
    """False, with a problem per cell, when a cell holds a control character (terminal escapes)."""
    if not CONTROL_IN_CELL.search("".join(record.cells.values())):
        return True
    for column, value in record.cells.items():
        if found := CONTROL_IN_CELL.search(value):
            problems.add(
                record.line,
                column,
                f"contains a control character ({code_point(found.group())}); "
                "names and other text may not hold terminal or text-direction controls",
            )
    return False


def _utf8_file(path: Path, problems: Problems) -> bool:
    """False, with one problem saying which encoding the file has instead, unless it is UTF-8."""
    lines_before = 0
    with path.open("rb") as raw:
        start = raw.read(2)
        # Why: a UTF-16 header is ASCII letters, so without a BOM one of its first two bytes is NUL.
        if start.startswith(UTF16_BOMS) or b"\x00" in start:
            problems.add(
                HEADER_LINE,
                "file",
                f"the file is saved as UTF-16 (Unicode text), not UTF-8; {SAVE_AS}",
            )
            return False
        carry = start
        while block := raw.read(BLOCK):
            # Why: cut after a line end, so no UTF-8 sequence is split and line numbers stay exact.
            data = carry + block
            cut = data.rfind(b"\n") + 1
            piece, carry = data[:cut], data[cut:]
            if not _utf8_piece(piece, lines_before, problems):
                return False
            lines_before += piece.count(b"\n")
        return _utf8_piece(carry, lines_before, problems)


def _utf8_piece(piece: bytes, lines_before: int, problems: Problems) -> bool:
    nul = piece.find(b"\x00")
    if nul >= 0:
        line = lines_before + piece[:nul].count(b"\n") + 1
        problems.add(line, "file", f"contains a NUL byte, so it is not a text CSV file; {SAVE_AS}")
        return False
    try:
        piece.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = lines_before + piece[: exc.start].count(b"\n") + 1
        problems.add(
            line,
            "file",
            f"byte 0x{piece[exc.start]:02X} is not UTF-8 (the file looks like Windows-1252 or "
            f"another legacy encoding); {SAVE_AS}",
        )
        return False
    return True


def _comma_separated(path: Path, problems: Problems) -> bool:
    """False, with one problem, when the header row is separated by something else."""
    with path.open(encoding="utf-8-sig", newline="") as text:
        header = next((line for line in text if line.strip()), "").rstrip("\r\n")
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


def _not_csv(path: Path, rows: _Rows, ended: bool, exc: csv.Error, problems: Problems) -> None:
    """One problem at the line where the quoted field that broke the CSV opened."""
    start, end = rows.next_line, rows.last_line
    # Why: the reader fails where it gives up, often far below the quote left open; look again at
    # the record's lines for the quote still open before the line it failed on (at the end of the
    # file: after the last line).
    with path.open(encoding="utf-8-sig", newline="") as text:
        lines = islice(text, start - 1, end if ended else end - 1)
        opened = _open_quote(enumerate(lines, start=start))
    if opened is not None and ended:
        problems.add(opened, "row", "a quoted field starts here and is never closed")
    elif opened is not None:
        problems.add(
            opened,
            "row",
            f"a quoted field starts here and is not closed where it should be (the CSV reader "
            f"stopped at line {end}: {exc})",
        )
    else:
        problems.add(end, "row", f"not valid CSV ({exc})")


def _open_quote(lines: Iterable[tuple[int, str]]) -> int | None:
    """The line where a quoted field still open after `lines` (one record's) was opened."""
    opened: int | None = None
    for number, line in lines:
        position = 0
        while position < len(line):
            if opened is None and line.startswith('"', position):
                opened, position = number, position + 1
            elif opened is None:
                position = _after_comma(line, position)
            else:
                close = line.find('"', position)
                if close < 0:
                    break
                if line.startswith('"', close + 1):
                    position = close + 2
                else:
                    opened, position = None, _after_comma(line, close + 1)
    return opened


def _after_comma(line: str, position: int) -> int:
    """Where the next field starts after `position` (past the line's end when none does)."""
    comma = line.find(",", position)
    return len(line) if comma < 0 else comma + 1


def _header_ok(
    columns: list[str],
    required: Collection[str],
    optional: Collection[str],
    problems: Problems,
    *,
    other_columns: bool = False,
) -> bool:
    before = problems.count
    seen: set[str] = set()
    for name in columns:
        if name in seen and (not other_columns or name in required or name in optional):
            problems.add(HEADER_LINE, name, "duplicate column")
        elif name not in required and name not in optional and not other_columns:
            expected = ", ".join([*required, *optional])
            problems.add(HEADER_LINE, name, f"unknown column (expected some of: {expected})")
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.add(HEADER_LINE, name, "required column is missing")
    return problems.count == before
