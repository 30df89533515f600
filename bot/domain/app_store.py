"""The application's store: every port the running bot uses, implemented by SQLite."""

from __future__ import annotations

from typing import Protocol

from bot.domain.alerts import AlertSourceStore
from bot.domain.broadcast_drafts import BroadcastDraftStore
from bot.domain.broadcasts import BroadcastStore
from bot.domain.chat_profile import ChatProfileStore
from bot.domain.chat_state import ChatStateStore
from bot.domain.events import EventStore
from bot.domain.handoffs import HandoffStore
from bot.domain.ingest import IngestStore
from bot.domain.link_guard import LinkGuardStore
from bot.domain.notice_store import NoticeStore
from bot.domain.open_orders import OpenOrdersStore
from bot.domain.outbox import OutboxBacklogStore, OutboxStore
from bot.domain.overdue_supply import OverdueSupplyStore
from bot.domain.ratings import RatingStore
from bot.domain.refunds import RefundStore
from bot.domain.staff_prompts import StaffPromptStore
from bot.domain.stats import StatsStore
from bot.domain.supply_store import StaffLookupStore
from bot.domain.update_inbox import UpdateInboxStore


class AppStore(
    IngestStore,
    AlertSourceStore,
    RefundStore,
    BroadcastStore,
    BroadcastDraftStore,
    StaffLookupStore,
    StaffPromptStore,
    ChatStateStore,
    NoticeStore,
    OutboxStore,
    EventStore,
    ChatProfileStore,
    OpenOrdersStore,
    OverdueSupplyStore,
    RatingStore,
    LinkGuardStore,
    UpdateInboxStore,
    HandoffStore,
    StatsStore,
    OutboxBacklogStore,
    Protocol,
):
    """What handlers and jobs reach through `Services.store`; use cases take narrower ports."""
