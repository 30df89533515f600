"""sendPhoto and sendDocument: multipart uploads checked as Telegram checks them (api.json)."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import aiohttp

from bot.sandbox.client import SandboxClient
from tests.sandbox.conftest import BotApi


def png(width: int, height: int) -> bytes:
    """A real (tiny, one colour) PNG image of these dimensions."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def jpeg_header(width: int, height: int) -> bytes:
    """The start of a JPEG file up to its frame header, which carries the dimensions."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


async def upload(
    api: BotApi, method: str, field: str, data: bytes, filename: str, **params: str
) -> tuple[int, dict[str, Any]]:
    """POST multipart/form-data with one file part, as python-telegram-bot uploads."""
    form = aiohttp.FormData()
    for name, value in params.items():
        form.add_field(name, value)
    form.add_field(field, io.BytesIO(data), filename=filename, content_type="image/png")
    url = f"{api.api_base_url}{api.token}/{method}"
    async with api.session.post(url, data=form) as response:
        return response.status, await response.json()


async def test_an_uploaded_png_is_sent_as_a_photo_with_its_sizes_and_caption(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    image = png(1080, 1350)
    status, body = await upload(
        api,
        "sendPhoto",
        "photo",
        image,
        "chart.png",
        chat_id=str(customer),
        caption="<b>Backlog</b> today",
        parse_mode="HTML",
    )
    assert status == 200, body
    message = body["result"]
    assert message["caption"] == "Backlog today"
    assert message["caption_entities"] == [{"type": "bold", "offset": 0, "length": 7}]
    largest = message["photo"][-1]
    assert (largest["width"], largest["height"]) == (1024, 1280)
    assert largest["file_size"] == len(image)
    assert all(size["width"] <= 1280 and size["height"] <= 1280 for size in message["photo"])
    [event] = [e for e in await client.transcript(customer) if e["kind"] == "bot_message"]
    assert event["text"] == "Backlog today"
    assert event["photo"]["width"] == 1080
    assert event["photo"]["height"] == 1350
    assert event["photo"]["file_size"] == len(image)
    assert (await client.stats())["files_sent"] == {"photo": 1}


async def test_a_jpeg_upload_is_read_for_its_dimensions(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    status, body = await upload(
        api, "sendPhoto", "photo", jpeg_header(640, 480), "p.jpg", chat_id=str(customer)
    )
    assert status == 200, body
    assert (body["result"]["photo"][-1]["width"], body["result"]["photo"][-1]["height"]) == (
        640,
        480,
    )


async def test_a_photo_that_is_not_an_image_is_refused(api: BotApi, customer: int) -> None:
    status, body = await upload(
        api, "sendPhoto", "photo", b"GIF89a not really", "x.gif", chat_id=str(customer)
    )
    assert (status, body["description"]) == (400, "Bad Request: IMAGE_PROCESS_FAILED")


async def test_a_photo_too_long_and_thin_or_too_large_in_pixels_is_refused(
    api: BotApi, customer: int
) -> None:
    thin = await upload(api, "sendPhoto", "photo", png(2100, 100), "t.png", chat_id=str(customer))
    huge = await upload(
        api, "sendPhoto", "photo", jpeg_header(6000, 4001), "h.jpg", chat_id=str(customer)
    )
    assert thin[0] == huge[0] == 400
    assert (
        thin[1]["description"]
        == huge[1]["description"]
        == ("Bad Request: PHOTO_INVALID_DIMENSIONS")
    )


async def test_a_photo_over_10_mb_is_refused(api: BotApi, customer: int) -> None:
    big = jpeg_header(100, 100) + b"\x00" * (10 * 1024 * 1024)
    status, body = await upload(api, "sendPhoto", "photo", big, "big.jpg", chat_id=str(customer))
    assert status == 400
    assert "10 MB" in body["description"]


async def test_a_caption_over_1024_characters_after_parsing_is_refused(
    api: BotApi, customer: int
) -> None:
    fits = "<b>" + "x" * 1024 + "</b>"
    status, _ = await upload(
        api, "sendPhoto", "photo", png(10, 10), "a.png", chat_id=str(customer),
        caption=fits, parse_mode="HTML",
    )  # fmt: skip
    assert status == 200
    status, body = await upload(
        api, "sendPhoto", "photo", png(10, 10), "a.png", chat_id=str(customer),
        caption="x" * 1025,
    )  # fmt: skip
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")


async def test_a_caption_with_bad_html_is_refused_like_text(api: BotApi, customer: int) -> None:
    status, body = await upload(
        api, "sendPhoto", "photo", png(10, 10), "a.png", chat_id=str(customer),
        caption="<b>open", parse_mode="HTML",
    )  # fmt: skip
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities")


async def test_a_sent_photo_can_be_sent_again_by_file_id_and_an_unknown_id_is_refused(
    api: BotApi, customer: int
) -> None:
    _, body = await upload(api, "sendPhoto", "photo", png(20, 10), "a.png", chat_id=str(customer))
    file_id = body["result"]["photo"][-1]["file_id"]
    again = await api.result("sendPhoto", chat_id=customer, photo=file_id)
    assert again["photo"][-1]["file_id"] == file_id
    status, refused = await api.call("sendPhoto", chat_id=customer, photo="no-such-file")
    assert (status, refused["description"]) == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )


async def test_a_document_upload_keeps_its_name_and_type(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    status, body = await upload(
        api, "sendDocument", "document", b"sku,units\nA,1\n", "stats.csv", chat_id=str(customer)
    )
    assert status == 200, body
    document = body["result"]["document"]
    assert (document["file_name"], document["file_size"]) == ("stats.csv", 14)
    [event] = [e for e in await client.transcript(customer) if e["kind"] == "bot_message"]
    assert event["document"]["file_name"] == "stats.csv"


async def test_a_photo_message_has_no_text_to_edit(api: BotApi, customer: int) -> None:
    _, body = await upload(api, "sendPhoto", "photo", png(10, 10), "a.png", chat_id=str(customer))
    status, refused = await api.call(
        "editMessageText",
        chat_id=customer,
        message_id=body["result"]["message_id"],
        text="new",
    )
    assert (status, refused["description"]) == (
        400,
        "Bad Request: there is no text in the message to edit",
    )


async def test_photos_keep_the_per_chat_flood_limit(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.configure(per_chat_rate=0.1, burst=1)
    first = await upload(api, "sendPhoto", "photo", png(10, 10), "a.png", chat_id=str(customer))
    second = await upload(api, "sendPhoto", "photo", png(10, 10), "a.png", chat_id=str(customer))
    assert (first[0], second[0]) == (200, 429)
    assert second[1]["parameters"]["retry_after"] >= 1


async def test_sending_to_a_user_who_blocked_the_bot_is_forbidden(
    api: BotApi, client: SandboxClient, customer: int
) -> None:
    await client.block(customer)
    status, body = await upload(
        api, "sendPhoto", "photo", png(10, 10), "a.png", chat_id=str(customer)
    )
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
