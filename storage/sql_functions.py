"""SQL functions whose spelling differs between SQLite and PostgreSQL, compiled per dialect.

Named in lower case like the SQL functions they stand for.

Queries use these instead of a dialect's own function, so one statement serves both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import Integer, Text


class greatest(GenericFunction[Any]):
    """The largest of its arguments (NULL when any is NULL on SQLite; ignored on PostgreSQL)."""

    inherit_cache = True


class least(GenericFunction[Any]):
    """The smallest of its arguments (NULL when any is NULL on SQLite; ignored on PostgreSQL)."""

    inherit_cache = True


class joined_text(GenericFunction[str]):
    """Aggregate: the group's texts joined by a separator (`joined_text(column, ',')`)."""

    type = Text()
    inherit_cache = True


class days_between(GenericFunction[int]):
    """Whole days from the first ISO date text to the second (`days_between(earlier, later)`)."""

    type = Integer()
    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element: least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(joined_text, "sqlite")
def _joined_sqlite(element: joined_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)})"


@compiles(joined_text, "postgresql")
def _joined_postgresql(element: joined_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)})"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    earlier, later = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    earlier, later = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


# conv-eta: a column the planner should not pick an index for (SQLite: unary `+`).
class unindexed(GenericFunction[Any]):
    """The column itself; on SQLite written `+column`, which keeps the planner off its index."""

    inherit_cache = True


@compiles(unindexed)
def _unindexed_default(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"
