"""SQL functions whose spelling differs between SQLite and PostgreSQL, compiled per dialect.

Named in lower case like the SQL functions they stand for.

Queries use these instead of a dialect's own function, so one statement serves both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, ColumnElement, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Text


class greatest(GenericFunction[Any]):
    """The largest of its arguments (NULL when any is NULL on SQLite; ignored on PostgreSQL)."""

    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


class bytewise(GenericFunction[str]):
    """Its text argument, compared and ordered by bytes as on SQLite (`ORDER BY bytewise(id)`):
    PostgreSQL would otherwise follow the database's collation."""

    type = Text()
    inherit_cache = True


# moments compared as instants, a JSON document's text field.
class moment(GenericFunction[Any]):
    """An ISO-8601 moment text (any offset) as a value that compares as the instant it names."""

    inherit_cache = True


# a column the planner should not pick an index for (SQLite: unary `+`).
class unindexed(GenericFunction[Any]):
    """The column itself; on SQLite written `+column`, which keeps the planner off its index."""

    inherit_cache = True


class json_field(GenericFunction[str]):
    """A top-level field of a JSON document stored as text, as text (`json_field(doc, 'key')`;
    the key a literal string)."""

    type = Text()
    inherit_cache = True


# the strings of one JSON array parameter, as rows.
class json_texts(GenericFunction[str]):
    """Table-valued: the strings of a JSON array (one TEXT parameter, however many values: no
    driver limit on parameters) as rows of one column `value`:
    `column.in_(select(json_texts(param).table_valued("value").c.value))`."""

    type = Text()
    inherit_cache = True


@compiles(bytewise, "sqlite")
def _bytewise_sqlite(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(bytewise, "postgresql")
def _bytewise_postgresql(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.clauses, **kw)} COLLATE "C")'


@compiles(json_texts, "sqlite")
def _json_texts_sqlite(element: json_texts, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(json_texts, "postgresql")
def _json_texts_postgresql(element: json_texts, compiler: SQLCompiler, **kw: Any) -> str:
    return f"jsonb_array_elements_text(CAST({compiler.process(element.clauses, **kw)} AS jsonb))"


def in_json_texts(column: ColumnElement[str], values: BindParameter[str]) -> ColumnElement[bool]:
    """Whether the TEXT column's value is one of the strings of the JSON array `values`."""
    return column.in_(select(json_texts(values).table_valued("value").c.value))


@compiles(moment, "sqlite")
def _moment_sqlite(element: moment, compiler: SQLCompiler, **kw: Any) -> str:
    return f"julianday({compiler.process(element.clauses, **kw)})"


@compiles(moment, "postgresql")
def _moment_postgresql(element: moment, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMPTZ)"


def _json_key(element: json_field) -> tuple[Any, str]:
    document, key = element.clauses
    name = str(getattr(key, "value", ""))
    if not name.isidentifier():
        raise ValueError(f"json_field needs a literal identifier key, not {key!r}")
    return document, name


@compiles(json_field, "sqlite")
def _json_field_sqlite(element: json_field, compiler: SQLCompiler, **kw: Any) -> str:
    document, name = _json_key(element)
    return f"json_extract({compiler.process(document, **kw)}, '$.{name}')"


@compiles(json_field, "postgresql")
def _json_field_postgresql(element: json_field, compiler: SQLCompiler, **kw: Any) -> str:
    document, name = _json_key(element)
    return f"(CAST({compiler.process(document, **kw)} AS JSON) ->> '{name}')"


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


class in_keys(ColumnElement[bool]):
    """Whether the column's value is one of the list parameter `name` (any number of values):
    `column IN (...)` on SQLite (an expanding parameter: at most IN_CHUNK values a query, the
    driver's limit), `column IN (SELECT unnest($1))` of one array parameter on PostgreSQL.

    Why: on PostgreSQL one array takes every key in one query; and a semi-join, because
    `column = ANY($1)` (what an IN list becomes) tests each row against the whole array: once
    asyncpg's prepared statement runs a generic plan, a sequential scan (bench `ingest`: 40,000
    orders times 1,000 ids, seconds per query).
    """

    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy's own spelling: a list on the class)
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]

    def __init__(self, column: ColumnElement[Any], name: str) -> None:
        self.column = column
        self.name = name


@compiles(in_keys)
def _in_keys_default(element: in_keys, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw)


@compiles(in_keys, "postgresql")
def _in_keys_postgresql(element: in_keys, compiler: SQLCompiler, **kw: Any) -> str:
    array = bindparam(element.name, type_=ARRAY(element.column.type))
    return compiler.process(element.column.in_(select(func.unnest(array))), **kw)
