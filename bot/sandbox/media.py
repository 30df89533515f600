"""Uploaded files as Telegram checks them: PNG/JPEG photos (size, dimensions), documents.

Telegram's limits for bots (Bot API `sendPhoto`, `sendDocument`): a photo at most 10 MB, width
plus height at most 10000, width:height ratio at most 20; a document at most 50 MB.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from bot.sandbox.errors import ApiError, bad_request

PHOTO_BYTES = 10 * 1024 * 1024
DOCUMENT_BYTES = 50 * 1024 * 1024
PHOTO_SIDES = 10_000
PHOTO_RATIO = 20
# Why: Telegram stores a photo in a few sizes; the largest side of each is at most these.
PHOTO_SIZE_STEPS = (90, 320, 800, 1280)
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
# JPEG start-of-frame markers (baseline, progressive, ...), which carry the dimensions.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart/form-data request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class StoredFile:
    """A file the bot sent, reusable by its file_id (`url` when sent by URL, not fetched)."""

    file_id: str
    file_unique_id: str
    kind: str
    size: int
    width: int = 0
    height: int = 0
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None

    def photo_sizes(self) -> list[dict[str, object]]:
        """The PhotoSize array of a Message: smaller copies, then the photo (at most 1280)."""
        sizes: list[dict[str, object]] = []
        longest = max(self.width, self.height)
        for number, step in enumerate(PHOTO_SIZE_STEPS):
            last = step == PHOTO_SIZE_STEPS[-1] or longest <= step
            scale = min(1.0, step / longest) if longest else 1.0
            size: dict[str, object] = {
                "file_id": self.file_id if last else f"{self.file_id}-{number}",
                "file_unique_id": self.file_unique_id if last else f"{self.file_unique_id}{number}",
                "width": round(self.width * scale),
                "height": round(self.height * scale),
            }
            if last:
                size["file_size"] = self.size
                sizes.append(size)
                break
            sizes.append(size)
        return sizes

    def document_json(self) -> dict[str, object]:
        """The Document object of a Message."""
        body: dict[str, object] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.file_name:
            body["file_name"] = self.file_name
        if self.mime_type:
            body["mime_type"] = self.mime_type
        return body

    def transcript(self) -> dict[str, object]:
        """What a chat's transcript records of the file."""
        return {
            "file_id": self.file_id,
            "file_size": self.size,
            "width": self.width,
            "height": self.height,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "url": self.url,
        }


def image_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG image; 400 IMAGE_PROCESS_FAILED for anything else."""
    if data.startswith(_PNG) and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith(_JPEG):
        found = _jpeg_dimensions(data)
        if found is not None:
            return found
    raise bad_request("IMAGE_PROCESS_FAILED")


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _SOF and position + 9 <= len(data):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return int(width), int(height)
        position += 2 + length
    return None


def check_photo(data: bytes) -> tuple[int, int]:
    """The photo's dimensions, once it passes Telegram's checks for a photo upload."""
    if not data:
        raise bad_request("file must be non-empty")
    if len(data) > PHOTO_BYTES:
        raise bad_request("PHOTO_INVALID: photo is larger than 10 MB")
    width, height = image_dimensions(data)
    if width <= 0 or height <= 0 or width + height > PHOTO_SIDES:
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    if max(width, height) > PHOTO_RATIO * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return width, height


def check_document(data: bytes) -> None:
    """Telegram's checks for a document upload."""
    if not data:
        raise bad_request("file must be non-empty")
    if len(data) > DOCUMENT_BYTES:
        raise ApiError(413, "Request Entity Too Large")


def unique_id(data: bytes) -> str:
    """The same content gets the same file_unique_id, as on Telegram."""
    return hashlib.sha256(data).hexdigest()[:16]
