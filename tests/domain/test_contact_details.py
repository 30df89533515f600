"""The email address or phone number in what a customer types at the linking step."""

from __future__ import annotations

import pytest

from bot.domain.contact_details import ContactDetail, contact_detail


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("bob@example.com", ContactDetail("email", "bob@example.com")),
        ("It's BOB@example.com.", ContactDetail("email", "BOB@example.com")),
        (
            "my email: <ann.lee+shop@mail.example.co.uk>",
            ContactDetail("email", "ann.lee+shop@mail.example.co.uk"),
        ),
        ("+49 170 1234567", ContactDetail("phone", "+49 170 1234567")),
        ("call me on 0044 (7700) 900-123 please", ContactDetail("phone", "0044 (7700) 900-123")),
        ("＋４９ １７０ １２３４５６７", ContactDetail("phone", "+49 170 1234567")),
    ],
)
def test_an_email_or_phone_is_found_wherever_it_stands(typed: str, found: ContactDetail) -> None:
    assert contact_detail(typed) == found


@pytest.mark.parametrize("typed", ["ok thanks", "", "bob at example", "1234", "order 1001", "x@y"])
def test_text_that_cannot_be_an_email_or_phone_is_neither(typed: str) -> None:
    assert contact_detail(typed) is None
