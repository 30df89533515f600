"""Every table of the store, declared once for SQLite and PostgreSQL (SQLAlchemy Core).

Values keep the representation the SQLite store always had, on both databases, so one set of
queries and one codec serve both: dates are ISO-8601 `TEXT` (`YYYY-MM-DD`), moments fixed-width UTC
`TEXT` (they sort as they compare), flags `INTEGER` 0/1, money integer minor units, lists and
documents JSON `TEXT`.
Telegram ids (chats, users, messages, updates) outgrow 32 bits, so they are `BIGINT` on PostgreSQL;
SQLite's `INTEGER` is 64-bit already, and an `INTEGER PRIMARY KEY` there stays the rowid.

Alembic revisions (storage/alembic/versions) change the databases; this module says what the newest
revision leaves behind, and a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    REAL,
    BigInteger,
    CheckConstraint,
    Column,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "%(table_name)s_%(column_0_N_name)s",
        "uq": "%(table_name)s_%(column_0_N_name)s_key",
        "ck": "%(table_name)s_%(constraint_name)s",
        "fk": "%(table_name)s_%(column_0_name)s_fkey",
        "pk": "%(table_name)s_pkey",
    }
)

# Why: 64-bit on PostgreSQL; plain INTEGER on SQLite, where `INTEGER PRIMARY KEY` is the rowid.
BigInt = BigInteger().with_variant(Integer(), "sqlite")
# Why: epoch seconds need a double on PostgreSQL (its REAL is 4 bytes); SQLite's REAL is 8.
Epoch: Double[float] = Double().with_variant(REAL(), "sqlite")


def _flag(name: str, default: int) -> Column[int]:
    return Column(name, Integer, nullable=False, server_default=text(str(default)))


def _one_of(column: str, *values: str) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


products = Table(
    "products",
    metadata,
    Column("sku", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("category", Text),
    Column("price_minor", BigInt, nullable=False),
    Column("currency", Text, nullable=False),
    Column("on_hand", Integer, nullable=False),
    Column("lead_time_days", Integer),
    Column("handling_days", Integer),
    Column("supplier", Text),
    Column("alternatives", Text, nullable=False, server_default=text("''")),  # SKUs joined by '|'
    CheckConstraint("on_hand >= 0", name="on_hand"),
    CheckConstraint("lead_time_days >= 0", name="lead_time_days"),
    CheckConstraint("handling_days >= 0", name="handling_days"),
)
Index("products_category", products.c.category)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("email", Text),
    Column("phone", Text),
    Column("phone_digits", Text),  # the phone reduced to digits, for contact matching
    Column("language", Text),  # from the orders import
    Column("timezone", Text),
    Column("chosen_language", Text),  # set by the customer with /language
)
Index("customers_phone_digits", customers.c.phone_digits)

orders = Table(
    "orders",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("customer_id", Text, ForeignKey("customers.customer_id"), nullable=False),
    Column("placed_at", Text, nullable=False),
    Column("placed_at_utc", Text, nullable=False),  # normalised for ordering
    Column("currency", Text, nullable=False),
    Column("promised_ship_date", Text),
    Column("jurisdiction", Text),
    Column("priority", Integer, nullable=False, server_default=text("0")),
    Column("version", Integer, nullable=False, server_default=text("0")),
    _flag("ship_complete", 1),
    Column("order_key", Text),
    Column("link_handle", Text),
    CheckConstraint(_one_of("jurisdiction", "US", "EU", "UK"), name="jurisdiction"),
    CheckConstraint("ship_complete IN (0, 1)", name="ship_complete"),
)
Index("orders_customer", orders.c.customer_id)
Index("orders_order_key", orders.c.order_key)
Index("orders_link_handle", orders.c.link_handle)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", Text, ForeignKey("orders.order_id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", Text, ForeignKey("products.sku"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_minor", BigInt, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'open'")),
    _flag("ship_now", 0),
    Column("replaces_line_no", Integer),
    Column("queued_at", Text),
    PrimaryKeyConstraint("order_id", "line_no"),
    CheckConstraint("quantity >= 1", name="quantity"),
    CheckConstraint(_one_of("status", "open", "shipped", "cancelled"), name="status"),
    CheckConstraint("ship_now IN (0, 1)", name="ship_now"),
    sqlite_with_rowid=False,
)
Index(
    "order_lines_open_sku",
    order_lines.c.sku,
    sqlite_where=order_lines.c.status == "open",
    postgresql_where=order_lines.c.status == "open",
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("po_id", Text, primary_key=True),
    Column("sku", Text, ForeignKey("products.sku"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("received_quantity", Integer, nullable=False, server_default=text("0")),
    Column("expected_date", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'confirmed'")),
    Column("supplier", Text),
    CheckConstraint("quantity >= 1", name="quantity"),
    CheckConstraint("received_quantity >= 0", name="received_quantity"),
    CheckConstraint(_one_of("status", "confirmed", "planned", "cancelled"), name="status"),
)
Index("purchase_orders_sku", purchase_orders.c.sku)

line_etas = Table(
    "line_etas",
    metadata,
    Column("order_id", Text, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku", Text, nullable=False),
    Column("available_date", Text),
    Column("ship_date", Text),
    Column("confidence", Text, nullable=False),
    Column("waiting_for_po_date", Text),
    Column("lead_time_days", Integer),
    Column("computed_on", Text, nullable=False),
    PrimaryKeyConstraint("order_id", "line_no"),
    CheckConstraint(
        _one_of("confidence", "in_stock", "confirmed", "planned", "estimate", "unknown"),
        name="confidence",
    ),
    sqlite_with_rowid=False,
)
Index("line_etas_sku", line_etas.c.sku)

chat_links = Table(
    "chat_links",
    metadata,
    Column("chat_id", BigInt, primary_key=True, autoincrement=False),
    Column("customer_id", Text, ForeignKey("customers.customer_id"), nullable=False),
    Column("via", Text, nullable=False),
    Column("linked_at", Text, nullable=False),
    CheckConstraint(_one_of("via", "deep_link", "order_contact", "contact"), name="via"),
)
Index("chat_links_customer", chat_links.c.customer_id)

chat_prefs = Table(
    "chat_prefs",
    metadata,
    Column("chat_id", BigInt, primary_key=True, autoincrement=False),
    Column("language", Text),
)

link_attempts = Table(
    "link_attempts",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("chat_id", BigInt, nullable=False),
    Column("attempted_at", Text, nullable=False),  # UTC ISO-8601
)
Index("link_attempts_chat", link_attempts.c.chat_id, link_attempts.c.attempted_at)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("at", Text, nullable=False),
    Column(
        "actor", Text, nullable=False
    ),  # 'customer:<id>', 'chat:<id>', 'staff:<id>', 'cli', 'system'
    Column("action", Text, nullable=False),  # e.g. 'product.upsert', 'chat.link'
    Column("entity", Text, nullable=False),  # e.g. 'product:SKU-1', 'order:1042'
    Column("before", Text),  # JSON of the previous value, NULL when new
    Column("after", Text),  # JSON of the new value
)
Index("audit_log_entity", audit_log.c.entity)

settings = Table(
    "settings",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("order_id", Text, ForeignKey("orders.order_id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("amount_minor", BigInt, nullable=False),
    Column("currency", Text, nullable=False),
    Column("due_date", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'due'")),
    Column("reason", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("paid_at", Text),
    Column("paid_by", Text),
    UniqueConstraint("order_id", "line_no", "reason"),
    CheckConstraint("amount_minor > 0", name="amount_minor"),
    CheckConstraint(_one_of("status", "due", "paid"), name="status"),
    CheckConstraint(_one_of("reason", "cancel", "swap_price_decrease"), name="reason"),
)
Index("refunds_status_due", refunds.c.status, refunds.c.due_date)

events = Table(
    "events",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("type", Text, nullable=False),
    Column("order_id", Text),
    Column("payload", Text, nullable=False),  # JSON
    Column("created_at", Text, nullable=False),
    # Why: an event id is never reused, even after the newest row is deleted (delivery cursors).
    sqlite_autoincrement=True,
)
Index("events_order", events.c.order_id)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("dedupe_key", Text, nullable=False, unique=True),
    Column("chat_id", BigInt, nullable=False),
    Column("customer_id", Text),
    Column("text", Text, nullable=False),  # HTML, already in the customer's language
    Column("buttons", Text, nullable=False, server_default=text("'[]'")),  # JSON keyboard rows
    _flag("urgent", 0),
    Column("not_before", Text),  # quiet-hours hold
    Column("created_at", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", Text),  # retry backoff
    Column("due_at", Text, nullable=False),  # max(created_at, not_before, next_attempt_at)
    Column("last_error", Text),
    Column("sent_at", Text),
    Column("telegram_message_id", BigInt),
    Column("claimed_by", Text),
    Column("claim_expires_at", Epoch),
    Column("broadcast_id", BigInt),
    CheckConstraint("urgent IN (0, 1)", name="urgent"),
    CheckConstraint(
        _one_of("status", "pending", "sent", "failed", "dropped_unreachable"), name="status"
    ),
)
Index("outbox_pending", outbox.c.status, outbox.c.id)
Index(
    "outbox_pending_chat",
    outbox.c.chat_id,
    outbox.c.id,
    sqlite_where=outbox.c.status == "pending",
    postgresql_where=outbox.c.status == "pending",
)
Index(
    "outbox_claimed",
    outbox.c.chat_id,
    sqlite_where=outbox.c.claimed_by.is_not(None),
    postgresql_where=outbox.c.claimed_by.is_not(None),
)
Index("outbox_pending_lane", outbox.c.status, outbox.c.broadcast_id.is_not(None), outbox.c.id)
Index(
    "outbox_broadcast",
    outbox.c.broadcast_id,
    outbox.c.status,
    sqlite_where=outbox.c.broadcast_id.is_not(None),
    postgresql_where=outbox.c.broadcast_id.is_not(None),
)
Index(
    "outbox_broadcast_sent",
    outbox.c.broadcast_id,
    outbox.c.sent_at,
    sqlite_where=outbox.c.broadcast_id.is_not(None) & (outbox.c.status == "sent"),
    postgresql_where=outbox.c.broadcast_id.is_not(None) & (outbox.c.status == "sent"),
)

unreachable_chats = Table(
    "unreachable_chats",
    metadata,
    Column("chat_id", BigInt, primary_key=True, autoincrement=False),
    Column("since", Text, nullable=False),
    Column("reason", Text, nullable=False),
)

notice_state = Table(
    "notice_state",
    metadata,
    Column("order_id", Text, ForeignKey("orders.order_id"), primary_key=True),
    # T', the date we are bound to ship by; NULL after an indefinite delay
    Column("deadline", Text),
    Column("communicated_date", Text),  # last estimated ship date told; NULL = "no date" was told
    Column("communicated_at", Text),
    Column("consent", Text, nullable=False, server_default=text("'none'")),
    _flag("awaiting_answer", 0),
    Column("silence_means", Text, nullable=False, server_default=text("'nothing'")),
    Column("decision_deadline", Text),  # by when the customer must answer
    Column("auto_cancel_on", Text),  # when silence cancels the order
    Column("offered_date", Text),  # R proposed by the last delay notice
    _flag("ready_notified", 0),
    Column("auto_cancelled_on", Text),  # the policy cancelled the order on this day
    Column("updated_at", Text, nullable=False),
    Column("undelivered", Text),
    CheckConstraint(
        _one_of("consent", "none", "consented", "indefinite", "deemed"), name="consent"
    ),
    CheckConstraint("awaiting_answer IN (0, 1)", name="awaiting_answer"),
    CheckConstraint(_one_of("silence_means", "consent", "cancel", "nothing"), name="silence_means"),
    CheckConstraint("ready_notified IN (0, 1)", name="ready_notified"),
    sqlite_with_rowid=False,
)

notice_log = Table(
    "notice_log",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("order_id", Text, nullable=False),
    Column("customer_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("promised_date", Text, nullable=False),
    Column("previous_date", Text),
    Column("revised_date", Text),
    Column("silence_means", Text, nullable=False),
    Column("decision_deadline", Text),
    Column("auto_cancel_on", Text),
    Column("refund_minor", BigInt, nullable=False),
    Column("currency", Text, nullable=False),
    Column("refund_due", Text),
    Column("decided_at", Text, nullable=False),
    Column("chats", Integer, nullable=False),  # linked chats it was queued to; 0 = not deliverable
    Column("dedupe_key", Text),  # the outbox key of the digest (NULL when not deliverable)
    Column("delivery", Text, nullable=False, server_default=text("'delivered'")),
    Column("state_before", Text),
    Column("delivery_error", Text),
    Column("settled_at", Text),
    Column("retried_at", Text),
    # when the customer first saw its order's dates on screen while it waited to be sent (NULL: not)
    Column("shown_at", Text),
    CheckConstraint(
        _one_of("delivery", "pending", "delivered", "undelivered", "no_chat"), name="delivery"
    ),
)
Index("notice_log_order", notice_log.c.order_id, notice_log.c.id)
Index(
    "notice_log_pending",
    notice_log.c.id,
    sqlite_where=notice_log.c.delivery == "pending",
    postgresql_where=notice_log.c.delivery == "pending",
)

outbox_notices = Table(
    "outbox_notices",
    metadata,
    Column("outbox_id", BigInt, ForeignKey("outbox.id"), nullable=False),
    Column("notice_id", BigInt, ForeignKey("notice_log.id"), nullable=False),
    PrimaryKeyConstraint("notice_id", "outbox_id"),
    sqlite_with_rowid=False,
)
Index("outbox_notices_row", outbox_notices.c.outbox_id)

update_inbox = Table(
    "update_inbox",
    metadata,
    Column("update_id", BigInt, primary_key=True, autoincrement=False),  # Telegram's update_id
    Column("payload", Text, nullable=False),  # the update as Telegram sent it (JSON)
    Column("received_at", Text, nullable=False),  # UTC ISO-8601
    Column("handled_at", Text),  # NULL: not yet handled
    # The chat (else user) whose updates must stay in order; NULL: none, or recorded before 0003.
    Column("chat_id", BigInt),
)
Index(
    "update_inbox_unhandled",
    update_inbox.c.update_id,
    sqlite_where=update_inbox.c.handled_at.is_(None),
    postgresql_where=update_inbox.c.handled_at.is_(None),
)
Index(
    "update_inbox_chat_unhandled",
    update_inbox.c.chat_id,
    update_inbox.c.update_id,
    sqlite_where=update_inbox.c.handled_at.is_(None),
    postgresql_where=update_inbox.c.handled_at.is_(None),
)

eta_marks = Table(
    "eta_marks",
    metadata,
    Column("sku", Text, primary_key=True),  # '*' stands for every SKU
    Column("marked", BigInt, nullable=False),  # the change (a rising number) that touched it last
    Column("recomputed", BigInt, nullable=False, server_default=text("0")),
    Column("marked_by", Text, nullable=False),  # the writing process ('host/pid'), which recomputes
    Column("marked_at", Epoch, nullable=False),  # wall-clock epoch seconds
)
Index("eta_marks_marked", eta_marks.c.marked)
Index(
    "eta_marks_pending",
    eta_marks.c.sku,
    sqlite_where=eta_marks.c.marked > eta_marks.c.recomputed,
    postgresql_where=eta_marks.c.marked > eta_marks.c.recomputed,
)

order_link_attempts = Table(
    "order_link_attempts",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("order_key", Text, nullable=False),  # the typed number's key, whether or not it exists
    Column("chat_id", BigInt, nullable=False),
    Column("attempted_at", Text, nullable=False),  # UTC ISO-8601
)
Index(
    "order_link_attempts_key", order_link_attempts.c.order_key, order_link_attempts.c.attempted_at
)

order_link_lockouts = Table(
    "order_link_lockouts",
    metadata,
    Column("order_key", Text, primary_key=True),
    Column("locked_at", Text, nullable=False),  # UTC ISO-8601: when the latest lockout began
)

broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("created_at", Text, nullable=False),  # fixed-width UTC text
    Column("created_by", Text, nullable=False),  # 'staff:<id>' or 'cli'
    Column("segment", Text, nullable=False),  # JSON {"kind", "values", "language", "jurisdiction"}
    Column("message", Text, nullable=False),  # JSON {"template", "params"} or {"text": {...}}
    Column("recipients", Integer, nullable=False),  # copies queued (one per linked customer)
    Column("not_linked", Integer, nullable=False),  # customers of the segment without a chat
    Column("fallback", Integer, nullable=False),  # recipients given the default language's text
    Column("stopped_at", Text),
    Column("stopped_by", Text),
    _flag("without_product", 0),
)

broadcast_recipients = Table(
    "broadcast_recipients",
    metadata,
    Column("broadcast_id", BigInt, ForeignKey("broadcasts.id"), nullable=False),
    Column("outbox_id", BigInt, nullable=False),
    Column("customer_id", Text, nullable=False),
    Column("language", Text, nullable=False),
    PrimaryKeyConstraint("broadcast_id", "outbox_id"),
    sqlite_with_rowid=False,
)

staff_prompts = Table(
    "staff_prompts",
    metadata,
    Column("chat_id", BigInt, primary_key=True, autoincrement=False),  # the staff member's chat
    Column("user_id", BigInt, nullable=False),  # the staff member asked (only their text answers)
    Column("kind", Text, nullable=False),
    Column("target", Text, nullable=False),  # the po_id or SKU it is about
    Column("message_id", BigInt),  # the screen edited in place once answered
    Column("expires_at", Text, nullable=False),  # UTC ISO-8601; an older prompt is gone
    CheckConstraint(
        _one_of(
            "kind", "po_date", "po_receipt", "on_hand", "bc_value", "bc_sku", "bc_reason", "bc_text"
        ),
        name="kind",
    ),
)

broadcast_drafts = Table(
    "broadcast_drafts",
    metadata,
    Column("chat_id", BigInt, primary_key=True, autoincrement=False),  # one draft per staff chat
    Column("user_id", BigInt, nullable=False),
    Column("draft_no", Integer, nullable=False),  # in every button of the draft: older is stale
    Column("step", Text, nullable=False),
    Column("draft", Text, nullable=False),  # JSON: segment and message drafted so far
    Column("message_id", BigInt),  # the wizard's screen, edited in place
    Column("updated_at", Text, nullable=False),
)

broadcast_progress_messages = Table(
    "broadcast_progress_messages",
    metadata,
    Column("broadcast_id", BigInt, ForeignKey("broadcasts.id"), primary_key=True),
    Column("chat_id", BigInt, nullable=False),
    Column("message_id", BigInt, nullable=False),
    Column("language", Text, nullable=False),  # the staff member's language, for the texts
    Column("finished", Integer, nullable=False, server_default=text("0")),
)

notice_id_mark = Table(
    "notice_id_mark",
    metadata,
    Column("singleton", Integer, primary_key=True, autoincrement=False),
    Column("last_id", BigInt, nullable=False),
    CheckConstraint("singleton = 1", name="singleton"),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("customer_id", Text, ForeignKey("customers.customer_id"), nullable=False),
    Column("subject", Text, nullable=False, unique=True),
    Column("chat_id", BigInt, nullable=False),
    Column("asked_at", Text, nullable=False),
    Column("score", Integer),
    Column("comment", Text),
    Column("answered_at", Text),
    Column("comment_chat_id", BigInt),
    Column("comment_until", Text),
    Column("comment_message_id", BigInt),
    CheckConstraint("score BETWEEN 1 AND 5", name="score"),
)
Index(
    "ratings_answered",
    ratings.c.answered_at,
    sqlite_where=ratings.c.score.is_not(None),
    postgresql_where=ratings.c.score.is_not(None),
)
Index("ratings_customer", ratings.c.customer_id)
Index(
    "ratings_comment_chat",
    ratings.c.comment_chat_id,
    sqlite_where=ratings.c.comment_until.is_not(None),
    postgresql_where=ratings.c.comment_until.is_not(None),
)

backordered_orders = Table(
    "backordered_orders",
    metadata,
    Column("order_id", Text, ForeignKey("orders.order_id"), primary_key=True),
    Column("customer_id", Text, ForeignKey("customers.customer_id"), nullable=False),
    Column("backordered_at", Text, nullable=False),  # UTC, first seen backordered with a chat
    Column("closed_at", Text),  # UTC, when first seen with no open line
    # 'asked': a rating question was queued; 'unreachable': no linked chat could be written to
    # when it closed; 'stale': its turn (one question per customer per day) came too late.
    Column("rating", Text),
    CheckConstraint(_one_of("rating", "asked", "unreachable", "stale"), name="rating"),
    sqlite_with_rowid=False,
)
Index(
    "backordered_orders_waiting",
    backordered_orders.c.closed_at,
    sqlite_where=backordered_orders.c.rating.is_(None),
    postgresql_where=backordered_orders.c.rating.is_(None),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("handle", Text, nullable=False, unique=True),
    Column("created_at", Text, nullable=False),
    UniqueConstraint("kind", "subject"),
)
Index("alerts_created", alerts.c.created_at)

support_topics = Table(
    "support_topics",
    metadata,
    Column("support_chat_id", BigInt, nullable=False),
    Column("customer_id", Text, ForeignKey("customers.customer_id"), nullable=False),
    Column("thread_id", BigInt, nullable=False),  # the topic's message_thread_id
    Column("created_at", Text, nullable=False),
    PrimaryKeyConstraint("support_chat_id", "customer_id"),
    UniqueConstraint("support_chat_id", "thread_id"),
)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", BigInt, primary_key=True),
    Column("customer_id", Text, ForeignKey("customers.customer_id"), nullable=False),
    Column("support_chat_id", BigInt, nullable=False),
    Column("thread_id", BigInt, nullable=False),
    Column("opened_at", Text, nullable=False),
    Column("opened_by", Text, nullable=False),  # audit actor: customer:<id>
    Column("closed_at", Text),  # NULL while open
    Column("closed_by", Text),  # audit actor: staff:<user id>
    Column("customer_told", Integer, nullable=False, server_default=text("0")),
)
Index(
    "handoffs_one_open",
    handoffs.c.customer_id,
    unique=True,
    sqlite_where=handoffs.c.closed_at.is_(None),
    postgresql_where=handoffs.c.closed_at.is_(None),
)
Index("handoffs_thread", handoffs.c.support_chat_id, handoffs.c.thread_id)
Index("handoffs_customer", handoffs.c.customer_id)

handoff_relays = Table(
    "handoff_relays",
    metadata,
    Column("from_chat_id", BigInt, nullable=False),
    Column("from_message_id", BigInt, nullable=False),
    Column("handoff_id", BigInt, ForeignKey("handoffs.id"), nullable=False),
    Column("claimed_at", Text, nullable=False),
    Column("to_chat_id", BigInt),  # NULL until the copy was made
    Column("copy_message_id", BigInt),
    PrimaryKeyConstraint("from_chat_id", "from_message_id"),
)

# DESIGN §14: the answer of each ingest API request sent with an Idempotency-Key, so a retry
# gets the first answer and imports nothing more. Kept at least 24 hours.
ingest_requests = Table(
    "ingest_requests",
    metadata,
    Column("key", Text, primary_key=True),  # the client's Idempotency-Key header
    Column("endpoint", Text, nullable=False),  # e.g. POST /api/v1/orders
    Column("body_hash", Text, nullable=False),  # SHA-256 of the canonical JSON body
    Column("status", Integer),  # the HTTP status answered (NULL only inside its transaction)
    Column("answer", Text),  # the JSON body answered
    Column("created_at", Text, nullable=False),  # UTC ISO-8601
)
Index("ingest_requests_created", ingest_requests.c.created_at)

# DESIGN §14: Shopify webhooks already applied, by X-Shopify-Webhook-Id (a redelivery is a no-op).
shopify_webhooks = Table(
    "shopify_webhooks",
    metadata,
    Column("webhook_id", Text, primary_key=True),
    Column("topic", Text, nullable=False),
    Column("order_name", Text),
    Column("received_at", Text, nullable=False),  # UTC ISO-8601
    Column("order_updated_at", Text),  # the order's `updated_at` in the payload, UTC ISO-8601
)
Index("shopify_webhooks_received", shopify_webhooks.c.received_at)
Index("shopify_webhooks_order", shopify_webhooks.c.order_name, shopify_webhooks.c.order_updated_at)

# PTB persistence (bot/persistence.py): ConversationHandler states and chat_data live here, not in
# one process's memory, so the next update of a chat may be handled by any instance (§13).
conversations = Table(
    "conversations",
    metadata,
    Column("name", Text, nullable=False),  # the ConversationHandler's name
    Column("conversation_key", Text, nullable=False),  # PTB's key as a JSON array
    Column("chat_id", BigInt),  # the chat the key belongs to (its first part), None: none
    Column("state", Text, nullable=False),  # the state as JSON
    Column("updated_at", Text, nullable=False),  # UTC ISO-8601
    PrimaryKeyConstraint("name", "conversation_key"),
)
Index("conversations_chat", conversations.c.chat_id)

chat_data = Table(
    "chat_data",
    metadata,
    Column("chat_id", BigInt, primary_key=True, autoincrement=False),
    Column("data", Text, nullable=False),  # PTB's chat_data as a JSON object
    Column("updated_at", Text, nullable=False),  # UTC ISO-8601
)
