"""Who may press an alert's button where: staff in their private chat or in the support chat;
a group member who is not staff, or staff in another group, is refused (DESIGN §10, §12)."""

from __future__ import annotations

from telegram.constants import ChatType

from handlers.staff.access import staff_may_act

STAFF = frozenset({555})
SUPPORT = -1001234567890
OTHER_GROUP = -1009876543210


def test_staff_may_press_an_alert_button_in_the_support_chat() -> None:
    assert staff_may_act(
        555, SUPPORT, ChatType.SUPERGROUP, staff_ids=STAFF, support_chat_id=SUPPORT
    )


def test_a_support_chat_member_who_is_not_staff_is_refused() -> None:
    assert not staff_may_act(
        777, SUPPORT, ChatType.SUPERGROUP, staff_ids=STAFF, support_chat_id=SUPPORT
    )


def test_staff_in_some_other_group_are_refused() -> None:
    assert not staff_may_act(
        555, OTHER_GROUP, ChatType.SUPERGROUP, staff_ids=STAFF, support_chat_id=SUPPORT
    )


def test_staff_commands_outside_alerts_stay_private_even_in_the_support_chat() -> None:
    assert not staff_may_act(
        555, SUPPORT, ChatType.SUPERGROUP, staff_ids=STAFF, support_chat_id=None
    )


def test_staff_may_act_in_their_private_chat_and_no_one_else_may() -> None:
    assert staff_may_act(555, 555, ChatType.PRIVATE, staff_ids=STAFF, support_chat_id=SUPPORT)
    assert not staff_may_act(777, 777, ChatType.PRIVATE, staff_ids=STAFF, support_chat_id=SUPPORT)
    assert not staff_may_act(None, SUPPORT, None, staff_ids=STAFF, support_chat_id=SUPPORT)
