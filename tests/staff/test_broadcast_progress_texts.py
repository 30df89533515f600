"""The progress message and the final report read in the staff member's language and locale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.broadcasts import (
    BroadcastRecord,
    BroadcastStatus,
    DeliveryCounts,
    FreeText,
    Segment,
    SegmentKind,
)
from bot.i18n import Catalogs
from bot.services.broadcasts import BroadcastView
from handlers.staff.broadcast_progress import progress_text, report_text

START = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def view(
    counts: DeliveryCounts, status: BroadcastStatus, *, stopped: bool = False
) -> BroadcastView:
    """Broadcast 7, started at START, its first send at once and its latest 10 minutes later."""
    record = BroadcastRecord(
        7,
        START,
        "staff:555",
        Segment(SegmentKind.ALL),
        FreeText((("en", "Hello"),)),
        counts.recipients,
        0,
        0,
        stopped_at=START + timedelta(minutes=12) if stopped else None,
        stopped_by="staff:555" if stopped else None,
    )
    return BroadcastView(
        record, status, counts, {}, START, START + timedelta(minutes=10), counts.sent, START
    )


def test_progress_shows_sent_of_total_the_rate_per_minute_and_the_time_left_in_german() -> None:
    t = Catalogs.load().translator("de")
    counts = DeliveryCounts(recipients=3001, sent=1201, held=3, failed=1, pending=1796)
    text = progress_text(t, view(counts, BroadcastStatus.SENDING)).replace("\xa0", " ")
    assert "<b>Rundsendung #7</b>: wird gesendet" in text
    assert "Gesendet: 1.201 von 3.001" in text
    assert "Tempo: 120 pro Minute" in text
    assert "Verbleibend: etwa 15 Minuten" in text
    assert "Zurückgehalten (Bot blockiert): 3" in text
    assert "Fehlgeschlagen: 1" in text


def test_the_report_of_a_stopped_broadcast_counts_what_the_stop_withheld_in_russian() -> None:
    t = Catalogs.load().translator("ru")
    counts = DeliveryCounts(recipients=30, sent=21, held=2, failed=0, withdrawn=7)
    text = report_text(t, view(counts, BroadcastStatus.STOPPED, stopped=True))
    assert "<b>Рассылка №7 остановлена</b>" in text
    assert "Отправлено 21 сообщение из 30" in text
    assert "Не отправлено из-за остановки: 7" in text
    assert "Длительность: 12 минут" in text


def test_the_report_of_a_finished_broadcast_in_english() -> None:
    t = Catalogs.load().translator("en")
    counts = DeliveryCounts(recipients=5, sent=4, held=1)
    text = report_text(t, view(counts, BroadcastStatus.DONE))
    assert text.splitlines() == [
        "<b>Broadcast #7 finished</b>",
        "4 of 5 messages sent",
        "Held (bot blocked): 1",
        "Failed: 0",
        "Duration: 10 minutes",
    ]


def test_progress_counts_copies_waiting_for_morning_and_leaves_them_out_of_the_time_left() -> None:
    t = Catalogs.load().translator("de")
    counts = DeliveryCounts(
        recipients=3001, sent=1201, held=3, failed=1, pending=1796, waiting_for_morning=836
    )
    text = progress_text(t, view(counts, BroadcastStatus.SENDING)).replace("\xa0", " ")
    assert "Verbleibend: etwa 8 Minuten" in text  # 960 due now at 120 per minute
    assert "Warten auf den Morgen (Ruhezeit): 836" in text


def test_progress_says_the_rest_waits_for_the_recipients_morning_when_nothing_else_is_due() -> None:
    t = Catalogs.load().translator("en")
    counts = DeliveryCounts(recipients=40, sent=30, pending=10, waiting_for_morning=10)
    text = progress_text(t, view(counts, BroadcastStatus.SENDING))
    assert "Time left: the rest go out when the recipients' quiet hours end" in text
    assert "Waiting for their morning (quiet hours): 10" in text


def test_no_rate_is_shown_until_ten_sends_over_five_seconds_then_over_the_latest_sends() -> None:
    t = Catalogs.load().translator("en")
    counts = DeliveryCounts(recipients=1000, sent=2, pending=998)
    burst = BroadcastView(
        view(counts, BroadcastStatus.SENDING).record,
        BroadcastStatus.SENDING,
        counts,
        {},
        START,
        START + timedelta(milliseconds=70),
        2,
        START,
    )
    text = progress_text(t, burst)
    assert "Rate: not known yet" in text and "Time left: not known yet" in text
    counts = DeliveryCounts(recipients=1000, sent=500, pending=500)
    # The first 300 went fast; the latest 200 over the last 100 seconds: 120 per minute.
    slowed = BroadcastView(
        burst.record,
        BroadcastStatus.SENDING,
        counts,
        {},
        START,
        START + timedelta(seconds=160),
        200,
        START + timedelta(seconds=160 - 199 / 2),
    )
    assert "Rate: 120 per minute" in progress_text(t, slowed)
