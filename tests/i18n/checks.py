"""Catalog checks shared by the completeness tests: what the code says versus what ships."""

from __future__ import annotations

import ast
import io
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from babel.util import pathmatch

from bot.i18n import DOMAIN, SOURCE_LANGUAGE, catalog_path

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCALES_DIR = REPO_ROOT / "locales"
# Same keywords as the documented `pybabel extract -k gettext -k ngettext:1,2 -k N_` command.
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext": None, "ngettext": (1, 2), "N_": None}


@dataclass(frozen=True)
class SourceMessage:
    """One translatable message as written in the code."""

    msgid: str
    plural: str | None
    context: str | None
    location: str


def read_mapping(
    mapping_file: Path,
) -> tuple[list[tuple[str, str]], dict[str, dict[str, Any]]]:
    """The extraction map of `babel.cfg`, read exactly as `pybabel extract -F` reads it."""
    with mapping_file.open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, str(mapping_file))  # type: ignore[no-untyped-call]
    return method_map, options_map


def extract_source_messages(
    root: Path = REPO_ROOT, mapping_file: Path = LOCALES_DIR / "babel.cfg"
) -> dict[tuple[str, str | None], SourceMessage]:
    """Every message the code marks for translation, keyed by (msgid, context)."""
    method_map, options_map = read_mapping(mapping_file)
    found: dict[tuple[str, str | None], SourceMessage] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        root, method_map, options_map, keywords=KEYWORDS
    ):
        msgid, plural = (message[0], message[1]) if isinstance(message, tuple) else (message, None)
        if msgid:
            found.setdefault(
                (msgid, context), SourceMessage(msgid, plural, context, f"{filename}:{lineno}")
            )
    return found


def _marked_in_tree(tree: ast.AST) -> Iterable[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        first = node.args[0]
        if name in KEYWORDS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield node.lineno, first.value


def python_files(root: Path, mapping_file: Path) -> list[str]:
    """The files the extraction map sends to babel's Python extractor, relative to root."""
    method_map, _options = read_mapping(mapping_file)
    patterns = [pattern for pattern, method in method_map if method == "python"]
    relative_paths = (path.relative_to(root).as_posix() for path in sorted(root.rglob("*.py")))
    return [
        relative
        for relative in relative_paths
        # Why: extract_from_dir skips directories starting with "." or "_" too.
        if not any(part.startswith((".", "_")) for part in relative.split("/")[:-1])
        and any(pathmatch(pattern, relative) for pattern in patterns)
    ]


def messages_hidden_from_extraction(
    root: Path = REPO_ROOT, mapping_file: Path = LOCALES_DIR / "babel.cfg"
) -> list[str]:
    """Marked messages pybabel cannot see, such as calls inside f-strings on Python 3.11."""
    extracted = {msgid for msgid, _context in extract_source_messages(root, mapping_file)}
    return [
        f"{filename}:{lineno}: {msgid!r}"
        for filename in python_files(root, mapping_file)
        for lineno, msgid in _marked_in_tree(ast.parse((root / filename).read_bytes()))
        if msgid not in extracted
    ]


def read_catalog(language: str, locales_dir: Path = LOCALES_DIR) -> Catalog:
    """The shipped `.po` catalog of a language, obsolete entries kept so they can be flagged."""
    with catalog_path(locales_dir, language).open("rb") as source:
        return read_po(source, locale=language, domain=DOMAIN)


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a str.format template (ValueError when braces are malformed)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _forms(message: Message) -> list[str]:
    strings = message.string
    if isinstance(strings, tuple | list):
        return list(strings)
    return [strings or ""]


def _entry_problems(
    language: str, expected_plurals: int, source: SourceMessage, entry: Message
) -> Iterable[str]:
    where = f"{language}: {source.msgid!r} ({source.location})"
    if entry.fuzzy:
        yield f"{where} is fuzzy"
    entry_plural = entry.id[1] if isinstance(entry.id, tuple | list) else None
    if entry_plural != source.plural:
        yield f"{where} has plural {entry_plural!r}, code says {source.plural!r}"
        return
    forms = _forms(entry)
    if source.plural is not None and len(forms) != expected_plurals:
        yield f"{where} has {len(forms)} plural forms, {language} needs {expected_plurals}"
    if not all(forms):
        yield f"{where} is untranslated"
        return
    if language == SOURCE_LANGUAGE:
        if forms != [text for text in (source.msgid, source.plural) if text is not None]:
            yield f"{where} differs from the source text"
        return
    try:
        wanted = placeholders(source.msgid) | placeholders(source.plural or "")
        allowed = wanted | ({"n"} if source.plural is not None else set())
        for index, form in enumerate(forms):
            present = placeholders(form)
            if missing := wanted - present:
                yield f"{where} form {index} lacks {sorted(missing)}"
            if unknown := present - allowed:
                yield f"{where} form {index} has unknown {sorted(unknown)}"
    except ValueError as exc:
        yield f"{where} has malformed braces: {exc}"


def compile_problems(language: str, catalog: Catalog) -> list[str]:
    """Errors babel finds when checking and compiling a catalog."""
    problems = [
        f"{language}: {message.id!r}: {error}"
        for message, errors in catalog.check()
        for error in errors
    ]
    try:
        write_mo(io.BytesIO(), catalog)
    except Exception as exc:  # any failure to compile is a finding, whatever its type
        problems.append(f"{language}: does not compile: {exc}")
    return problems


def catalog_problems(
    language: str,
    catalog: Catalog,
    source: Mapping[tuple[str, str | None], SourceMessage],
) -> list[str]:
    """Everything that keeps a catalog from being complete and correct for the code."""
    expected_plurals = get_plural(language).num_plurals
    problems: list[str] = []
    if catalog.fuzzy:
        problems.append(f"{language}: the header is fuzzy, so gettext would drop its plural rule")
    if catalog.num_plurals != expected_plurals:
        problems.append(
            f"{language}: header says {catalog.num_plurals} plural forms, "
            f"{language} has {expected_plurals}"
        )
    problems.extend(f"{language}: obsolete entry {msgid!r}" for msgid in catalog.obsolete)
    for key, message in sorted(source.items(), key=lambda item: item[1].location):
        entry = catalog.get(key[0], context=key[1])
        if entry is None:
            problems.append(f"{language}: {message.msgid!r} ({message.location}) is missing")
        else:
            problems.extend(_entry_problems(language, expected_plurals, message, entry))
    problems.extend(compile_problems(language, catalog))
    return problems
