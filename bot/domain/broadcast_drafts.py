"""The /broadcast wizard's draft: which step a staff chat is at, the segment and message so far."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.domain.broadcasts import (
    BroadcastMessage,
    FreeText,
    Segment,
    SegmentKind,
    Template,
    TemplateMessage,
)
from bot.domain.model import Jurisdiction


class Step(StrEnum):
    """Where a draft stands (DESIGN §11: segment → message → preview → confirm)."""

    SEGMENT = "segment"  # choosing the kind of segment
    VALUES = "values"  # typing the segment's values
    NARROW = "narrow"  # narrowing by language / jurisdiction
    MESSAGE = "message"  # choosing a template or free text
    PARAMS = "params"  # typing a template's SKU or reason
    TEXT = "text"  # typing a free text for a language
    TEXTS = "texts"  # free texts written; add a language or continue
    PREVIEW = "preview"  # the preview shown, waiting for confirm


@dataclass(frozen=True)
class Draft:
    """A staff chat's broadcast in the making.

    `draft_no` is in every button of the draft, so a press from an older draft is refused.
    `texts` are free texts by language tag; `template` and `params` a catalogue message.
    """

    chat_id: int
    user_id: int
    draft_no: int
    step: Step = Step.SEGMENT
    kind: SegmentKind | None = None
    values: tuple[str, ...] = ()
    language: str | None = None
    jurisdiction: Jurisdiction | None = None
    template: Template | None = None
    params: tuple[tuple[str, str], ...] = ()
    texts: tuple[tuple[str, str], ...] = ()
    message_id: int | None = None
    updated_at: datetime | None = field(default=None, compare=False)

    @property
    def segment(self) -> Segment | None:
        """The segment drafted, once its kind is chosen."""
        if self.kind is None:
            return None
        return Segment(self.kind, self.values, self.language, self.jurisdiction)

    @property
    def message(self) -> BroadcastMessage | None:
        """The message drafted: the template with its params, or the free texts; None before."""
        if self.template is not None:
            return TemplateMessage(self.template, self.params)
        if self.texts:
            return FreeText(self.texts)
        return None

    def with_param(self, name: str, value: str) -> Draft:
        """The draft with a template parameter set."""
        params = {**dict(self.params), name: value}
        return replace(self, params=tuple(sorted(params.items())))

    def with_text(self, language: str, text: str) -> Draft:
        """The draft with the free text for `language` set (a template dropped)."""
        texts = {**dict(self.texts), language: text}
        return replace(self, template=None, params=(), texts=tuple(sorted(texts.items())))

    def as_json(self) -> dict[str, object]:
        """The drafted segment and message as stored."""
        return {
            "kind": self.kind.value if self.kind else None,
            "values": list(self.values),
            "language": self.language,
            "jurisdiction": self.jurisdiction.value if self.jurisdiction else None,
            "template": self.template.value if self.template else None,
            "params": dict(self.params),
            "texts": dict(self.texts),
        }

    @classmethod
    def from_json(
        cls,
        chat_id: int,
        user_id: int,
        draft_no: int,
        step: Step,
        value: Mapping[str, object],
        message_id: int | None,
    ) -> Draft:
        """The draft of `as_json`."""
        kind, template = value.get("kind"), value.get("template")
        language, jurisdiction = value.get("language"), value.get("jurisdiction")
        values, params, texts = value.get("values"), value.get("params"), value.get("texts")
        return cls(
            chat_id,
            user_id,
            draft_no,
            step,
            SegmentKind(str(kind)) if kind else None,
            tuple(str(v) for v in values) if isinstance(values, list) else (),
            str(language) if language else None,
            Jurisdiction(str(jurisdiction)) if jurisdiction else None,
            Template(str(template)) if template else None,
            tuple(sorted((str(k), str(v)) for k, v in params.items()))
            if isinstance(params, dict)
            else (),
            tuple(sorted((str(k), str(v)) for k, v in texts.items()))
            if isinstance(texts, dict)
            else (),
            message_id,
        )


@dataclass(frozen=True)
class ProgressMessage:
    """A staff chat's message showing a broadcast's progress, edited until the final report."""

    broadcast_id: int
    chat_id: int
    message_id: int
    language: str


class BroadcastDraftStore(Protocol):
    """Persistence of the wizard's drafts and of the progress messages."""

    async def start_broadcast_draft(self, chat_id: int, user_id: int, *, now: datetime) -> Draft:
        """A fresh draft for the chat (replacing any other), with a new draft number."""
        ...

    async def broadcast_draft(self, chat_id: int, user_id: int) -> Draft | None:
        """The chat's draft of this user, or None."""
        ...

    async def save_broadcast_draft(self, draft: Draft, *, now: datetime) -> None:
        """Store the draft's step, contents and screen (same chat and draft number)."""
        ...

    async def clear_broadcast_draft(self, chat_id: int) -> bool:
        """Drop the chat's draft; whether there was one."""
        ...

    async def add_progress_message(self, progress: ProgressMessage) -> None:
        """Remember a progress message to keep editing."""
        ...

    async def progress_messages(self) -> list[ProgressMessage]:
        """The progress messages whose broadcast has not been reported finished."""
        ...

    async def progress_message(self, broadcast_id: int) -> ProgressMessage | None:
        """A broadcast's progress message (finished or not), or None."""
        ...

    async def finish_progress_message(self, broadcast_id: int) -> None:
        """The final report is shown: stop editing it."""
        ...
