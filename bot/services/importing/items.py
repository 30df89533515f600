"""The ingest API's JSON objects as import rows: keys are the CSV columns of DESIGN §4."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from bot.services.importing.table import Problems, Record, printable

# Why: an object's position in the request's array is what an API error points at.
INDEX_UNIT = "index"
JSON_TYPES = {bool: "true or false", dict: "an object", list: "an array"}


def item_records(
    items: Sequence[Mapping[str, object]],
    *,
    required: Collection[str],
    optional: Collection[str],
    problems: Problems,
) -> list[Record]:
    """One record per valid object (its index as the record's line); problems for the rest.

    DESIGN §14: the same rules as a CSV row. Keys match the columns without regard to case or
    surrounding spaces; an unknown key, a required key left out, or a value that is not a
    string, a number or null is an error at the object's index. Numbers are taken as the text
    they were written with (the caller parses JSON with `parse_float=str`), null as a blank cell
    (it clears the stored value), and a key left out keeps the stored value as a column left out
    of a CSV file does.
    """
    records = []
    known = {*required, *optional}
    for index, item in enumerate(items):
        before = problems.count
        cells: dict[str, str] = {}
        for key, value in item.items():
            column = key.strip().lower()
            if column in cells:
                problems.add(index, column, "the field is given twice (keys ignore letter case)")
            elif column not in known:
                expected = ", ".join([*required, *optional])
                problems.add(index, key, f"unknown field (expected some of: {expected})")
            cells[column] = _cell(index, column, value, problems)
        for column in required:
            if column not in cells:
                problems.add(index, column, "required field is missing")
        record = Record(index, cells)
        if problems.count == before and printable(record, problems):
            records.append(record)
    return records


def _cell(index: int, column: str, value: object, problems: Problems) -> str:
    if value is None:
        return ""
    # Why: JSON true/false are not numbers here, though Python's bool is an int.
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        shown = JSON_TYPES.get(type(value), type(value).__name__)
        problems.add(index, column, f"must be a string, a number or null, not {shown}")
        return ""
    return (repr(value) if isinstance(value, float) else str(value)).strip()
