"""What a staff member's chat waits for them to type (a date, a quantity), kept in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

# Why: long enough to look up a delivery note, short enough that a number typed tomorrow is not
# taken for an answer to a forgotten question.
PROMPT_LIFETIME = timedelta(minutes=30)


class PromptKind(StrEnum):
    """What the staff member was asked to type."""

    PO_DATE = "po_date"
    PO_RECEIPT = "po_receipt"
    ON_HAND = "on_hand"
    # The /broadcast wizard (its draft in broadcast_drafts): segment values, a template's SKU or
    # reason, a free text (target: its language).
    BC_VALUE = "bc_value"
    BC_SKU = "bc_sku"
    BC_REASON = "bc_reason"
    BC_TEXT = "bc_text"


@dataclass(frozen=True)
class StaffPrompt:
    """A question open in one staff chat: kind, the po_id or SKU, the screen to edit, expiry."""

    chat_id: int
    user_id: int
    kind: PromptKind
    target: str
    message_id: int | None
    expires_at: datetime


class StaffPromptStore(Protocol):
    """Persistence of the open questions of staff chats (one per chat)."""

    async def set_staff_prompt(self, prompt: StaffPrompt) -> None:
        """Open `prompt` in its chat, replacing any other."""
        ...

    async def staff_prompt(
        self, chat_id: int, user_id: int, *, now: datetime
    ) -> StaffPrompt | None:
        """The chat's open question for this user, unless it expired by `now`."""
        ...

    async def clear_staff_prompt(self, chat_id: int) -> None:
        """Close the chat's question, if any."""
        ...
