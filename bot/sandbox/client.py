"""Async client for the sandbox control API (tests, demo, benchmarks)."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp


class SandboxError(Exception):
    """The control API refused a request."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


class SandboxTimeout(TimeoutError):
    """wait_for gave up; carries the bot events that did arrive."""

    def __init__(self, description: str, events: list[dict[str, Any]]) -> None:
        shown = "; ".join(repr(event.get("text", "")) for event in events) or "nothing"
        super().__init__(f"{description} (arrived: {shown})")
        self.events = events


class SandboxClient:
    """Drives simulated users and reads transcripts; `bot_id` picks a bot (default: the first)."""

    def __init__(self, base_url: str, *, bot_id: int | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.bot_id = bot_id
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def create_user(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None = None,
        phone_number: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        started: bool | None = None,
    ) -> dict[str, Any]:
        """Create (or update) a user with a private chat with the bot (`started` False: one
        the user never opened, so the bot cannot write there until they write)."""
        body = {
            "started": started,
            "user_id": user_id,
            "first_name": first_name,
            "language_code": language_code,
            "phone_number": phone_number,
            "last_name": last_name,
            "username": username,
        }
        result: dict[str, Any] = await self._call("POST", "/sandbox/users", body)
        return result

    async def send_text(self, user_id: int, text: str) -> int:
        """The user sends a text message; its message_id."""
        result = await self._call("POST", f"/sandbox/users/{user_id}/messages", {"text": text})
        return int(result["message_id"])

    async def share_contact(
        self, user_id: int, *, phone_number: str | None = None, contact_user_id: int | None = None
    ) -> int:
        """The user shares a contact (default: their own phone and user id); its message_id."""
        body = {"phone_number": phone_number, "contact_user_id": contact_user_id}
        result = await self._call("POST", f"/sandbox/users/{user_id}/contact", body)
        return int(result["message_id"])

    async def press(
        self,
        user_id: int,
        *,
        label: str | None = None,
        data: str | None = None,
        message_id: int | None = None,
    ) -> str:
        """Press the button whose text contains `label`, or send raw `data`; the query id."""
        body = {"label": label, "data": data, "message_id": message_id}
        result = await self._call("POST", f"/sandbox/users/{user_id}/press", body)
        return str(result["callback_query_id"])

    async def send_photo(
        self, user_id: int, *, file_id: str | None = None, caption: str | None = None
    ) -> int:
        """The user sends a photo (PhotoSize array ending in `file_id`); its message_id."""
        body = {"file_id": file_id, "caption": caption}
        result = await self._call("POST", f"/sandbox/users/{user_id}/photo", body)
        return int(result["message_id"])

    async def create_group(
        self,
        title: str,
        member_ids: list[int],
        *,
        admin_ids: list[int] | None = None,
        chat_id: int | None = None,
        is_forum: bool = True,
        bot_is_admin: bool = True,
        bot_can_manage_topics: bool = True,
    ) -> int:
        """Create a supergroup (a forum by default) with the bot as admin; its chat id."""
        body = {
            "title": title,
            "member_ids": member_ids,
            "admin_ids": admin_ids,
            "chat_id": chat_id,
            "is_forum": is_forum,
            "bot_is_admin": bot_is_admin,
            "bot_can_manage_topics": bot_can_manage_topics,
        }
        result = await self._call("POST", "/sandbox/groups", body)
        return int(result["id"])

    async def group_send(
        self,
        chat_id: int,
        user_id: int,
        *,
        text: str | None = None,
        photo_file_id: str | None = None,
        message_thread_id: int | None = None,
    ) -> int:
        """A member writes in the group (a topic with `message_thread_id`); the message_id."""
        body = {
            "user_id": user_id,
            "text": text,
            "photo_file_id": photo_file_id,
            "message_thread_id": message_thread_id,
        }
        result = await self._call("POST", f"/sandbox/groups/{chat_id}/messages", body)
        return int(result["message_id"])

    async def group_press(
        self,
        chat_id: int,
        user_id: int,
        *,
        label: str | None = None,
        data: str | None = None,
        message_id: int | None = None,
    ) -> str:
        """A member presses a button in the group; the query id."""
        body = {"user_id": user_id, "label": label, "data": data, "message_id": message_id}
        result = await self._call("POST", f"/sandbox/groups/{chat_id}/press", body)
        return str(result["callback_query_id"])

    async def delete_message(self, user_id: int, message_id: int) -> None:
        """The user deletes a message from their chat."""
        await self._call("POST", f"/sandbox/users/{user_id}/messages/{message_id}/delete")

    async def expire_callbacks(self) -> int:
        """Unanswered presses become too old to answer (Telegram's timeout); how many."""
        result = await self._call("POST", "/sandbox/callbacks/expire")
        return int(result["expired"])

    async def block(self, user_id: int) -> None:
        """The user blocks the bot: sends get 403."""
        await self._call("POST", f"/sandbox/users/{user_id}/block")

    async def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        await self._call("POST", f"/sandbox/users/{user_id}/unblock")

    async def transcript(
        self, chat_id: int, after: int = 0, *, message_thread_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Every event in the chat (or one forum topic of it) after sequence number `after`."""
        path = f"/sandbox/chats/{chat_id}/transcript"
        query: dict[str, object] = {"after": after}
        if message_thread_id is not None:
            query["message_thread_id"] = message_thread_id
        result: list[dict[str, Any]] = await self._call("GET", path, query=query)
        return result

    async def last_seq(self, chat_id: int) -> int:
        """The sequence number of the chat's latest event (0 when empty), as a cursor."""
        events = await self.transcript(chat_id)
        return int(events[-1]["seq"]) if events else 0

    async def wait_for(
        self,
        chat_id: int,
        *,
        after: int,
        count: int = 1,
        timeout: float = 10.0,
        message_thread_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """The bot's messages and edits after `after` (in one forum topic, with
        `message_thread_id`), once at least `count` exist."""
        query: dict[str, object] = {"after": after, "count": count, "timeout": timeout}
        if message_thread_id is not None:
            query["message_thread_id"] = message_thread_id
        session = self._open()
        url = f"{self.base_url}/sandbox/chats/{chat_id}/wait"
        async with session.get(
            url,
            params=self._query(query),
            timeout=aiohttp.ClientTimeout(total=timeout + 10),
        ) as response:
            body = await response.json()
        if response.status == 408:
            raise SandboxTimeout(str(body["description"]), list(body.get("result") or []))
        if not body.get("ok"):
            raise SandboxError(response.status, str(body.get("description")))
        events: list[dict[str, Any]] = body["result"]
        return events

    async def configure(self, **changes: object) -> None:
        """Change any SandboxConfig field at run time."""
        await self._call("POST", "/sandbox/config", dict(changes))

    async def stats(self) -> dict[str, Any]:
        """Per-method call counts, 429s, injected 5xx, 403s, messages sent and edited."""
        result: dict[str, Any] = await self._call("GET", "/sandbox/stats")
        return result

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    def _query(self, query: Mapping[str, object] | None = None) -> dict[str, str]:
        values = {key: str(value) for key, value in (query or {}).items()}
        if self.bot_id is not None:
            values["bot_id"] = str(self.bot_id)
        return values

    async def _call(
        self,
        http_method: str,
        path: str,
        body: Mapping[str, object] | None = None,
        *,
        query: Mapping[str, object] | None = None,
    ) -> Any:
        session = self._open()
        payload = {key: value for key, value in (body or {}).items() if value is not None}
        async with session.request(
            http_method,
            self.base_url + path,
            params=self._query(query),
            json=payload if http_method == "POST" else None,
        ) as response:
            answer = await response.json()
        if not answer.get("ok"):
            raise SandboxError(response.status, str(answer.get("description")))
        return answer["result"]
