"""Telegram's HTML parse mode: source text to plain text plus message entities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.sandbox.errors import ApiError, bad_request

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED_TAGS = {*_SIMPLE_TAGS, "span", "a", "blockquote", "tg-emoji"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_TAG_NAME = re.compile(r"[a-zA-Z0-9-]*")
_ATTRIBUTE = re.compile(
    r"\s*([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?",
)


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class ParsedText:
    """What the user sees: plain text and the formatting entities over it."""

    text: str
    entities: list[dict[str, object]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    entity: dict[str, object] | None
    start: int


def parse_html(source: str) -> ParsedText:
    """Parse Telegram's HTML subset; raise a 400 "can't parse entities" on bad markup."""
    parser = _Parser(source)
    return parser.run()


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.position = 0
        self.pieces: list[str] = []
        self.length = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, object]] = []

    def run(self) -> ParsedText:
        source = self.source
        while self.position < len(source):
            char = source[self.position]
            if char == "<":
                if source.startswith("</", self.position):
                    self._end_tag()
                else:
                    self._start_tag()
            elif char == "&":
                self._entity()
            else:
                next_special = _next_special(source, self.position)
                self._emit(source[self.position : next_special])
                self.position = next_special
        if self.stack:
            raise _error(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -int(str(entity["length"]))))
        return ParsedText("".join(self.pieces), self.entities)

    def _emit(self, text: str) -> None:
        self.pieces.append(text)
        self.length += utf16_length(text)

    def _byte_offset(self) -> int:
        return len(self.source[: self.position].encode("utf-8"))

    def _entity(self) -> None:
        match = _ENTITY.match(self.source, self.position)
        if match is None:
            self._emit("&")
            self.position += 1
            return
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            # Why: Telegram keeps unsupported named entities as literal text.
            replacement = _NAMED_ENTITIES.get(name.lower(), match.group(0))
        else:
            code = int(decimal) if decimal is not None else int(hexadecimal, 16)
            replacement = chr(code) if 0 < code <= 0x10FFFF else match.group(0)
        self._emit(replacement)
        self.position = match.end()

    def _start_tag(self) -> None:
        offset = self._byte_offset()
        name_match = _TAG_NAME.match(self.source, self.position + 1)
        assert name_match is not None
        name = name_match.group(0).lower()
        if name not in _SUPPORTED_TAGS:
            raise _error(f'Unsupported start tag "{name}" at byte offset {offset}')
        close = self.source.find(">", name_match.end())
        if close == -1:
            raise _error(f"Unclosed start tag at byte offset {offset}")
        attributes = _parse_attributes(self.source[name_match.end() : close], offset)
        self.position = close + 1
        self.stack.append(_OpenTag(name, _entity_for(name, attributes, offset), self.length))

    def _end_tag(self) -> None:
        offset = self._byte_offset()
        close = self.source.find(">", self.position)
        if close == -1:
            raise _error(f"Unclosed end tag at byte offset {offset}")
        name = self.source[self.position + 2 : close].strip().lower()
        if not self.stack:
            raise _error(f'Unexpected end tag at byte offset {offset}, found "</{name}>"')
        opened = self.stack.pop()
        if opened.name != name:
            raise _error(
                f'Unmatched end tag at byte offset {offset}, expected "</{opened.name}>", '
                f'found "</{name}>"'
            )
        self.position = close + 1
        self._close(opened)

    def _close(self, opened: _OpenTag) -> None:
        entity = opened.entity
        length = self.length - opened.start
        if entity is None or length == 0:
            return
        if opened.name == "code" and self.stack and self.stack[-1].name == "pre":
            # Why: <pre><code class="language-x"> is one pre entity with a language.
            language = entity.get("language")
            pre_entity = self.stack[-1].entity
            if language and pre_entity is not None:
                pre_entity["language"] = language
            return
        if opened.name == "code":
            entity.pop("language", None)
        self.entities.append({**entity, "offset": opened.start, "length": length})


def _next_special(source: str, start: int) -> int:
    positions = [
        found for found in (source.find("<", start), source.find("&", start)) if found >= 0
    ]
    return min(positions, default=len(source))


def _parse_attributes(raw: str, offset: int) -> dict[str, str]:
    attributes: dict[str, str] = {}
    position = 0
    raw = raw.rstrip().removesuffix("/")
    while position < len(raw):
        match = _ATTRIBUTE.match(raw, position)
        if match is None or match.end() == position:
            raise _error(
                f"Expected equal sign in declaration of an attribute of a start tag at "
                f"byte offset {offset}"
            )
        name = match.group(1).lower()
        value = next((group for group in match.groups()[1:] if group is not None), "")
        attributes[name] = parse_html_attribute(value)
        position = match.end()
    return attributes


def parse_html_attribute(value: str) -> str:
    """Decode the character entities inside an attribute value."""

    def decode(match: re.Match[str]) -> str:
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            return _NAMED_ENTITIES.get(name.lower(), match.group(0))
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        return chr(code) if 0 < code <= 0x10FFFF else match.group(0)

    return _ENTITY.sub(decode, value)


def _entity_for(name: str, attributes: dict[str, str], offset: int) -> dict[str, object] | None:
    if name in _SIMPLE_TAGS:
        entity: dict[str, object] = {"type": _SIMPLE_TAGS[name]}
        language = attributes.get("class", "")
        if name == "code" and language.startswith("language-"):
            entity["language"] = language.removeprefix("language-")
        return entity
    if name == "span":
        if attributes.get("class") != "tg-spoiler":
            raise _error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        return {"type": "spoiler"}
    if name == "a":
        href = attributes.get("href")
        return {"type": "text_link", "url": href} if href else None
    if name == "blockquote":
        expandable = "expandable" in attributes
        return {"type": "expandable_blockquote" if expandable else "blockquote"}
    emoji_id = attributes.get("emoji-id")
    if not emoji_id:
        raise _error(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}')
    return {"type": "custom_emoji", "custom_emoji_id": emoji_id}


def _error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")
