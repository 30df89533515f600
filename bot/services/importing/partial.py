"""A re-import changes only the columns the file has; an omitted column keeps its stored value."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Item = TypeVar("Item", bound="DataclassInstance")


def keep_stored(item: Item, stored: object | None, fields: Collection[str]) -> Item:
    """`item` with `fields` copied from `stored` (None: a new key keeps defaults); DESIGN §4."""
    if stored is None or not fields:
        return item
    return replace(item, **{name: getattr(stored, name) for name in fields})
