"""Every method the sandbox serves matches the official Bot API description (api.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.methods import SERVED_METHODS, Method
from tests.sandbox.conftest import BotApi

API_JSON = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api" / "api.json"
SERVED = {method.name: method for method in SERVED_METHODS}


@pytest.fixture(scope="module")
def official_methods() -> dict[str, Any]:
    """The methods of the official Bot API description."""
    if not API_JSON.is_file():
        pytest.skip(f"the Bot API description is absent at {API_JSON}")
    methods: dict[str, Any] = json.loads(API_JSON.read_text(encoding="utf-8"))["methods"]
    return methods


def _official_parameters(official: dict[str, Any], name: str) -> dict[str, bool]:
    return {field["name"]: field["required"] for field in official[name].get("fields", [])}


@pytest.mark.parametrize("method", SERVED_METHODS, ids=lambda method: method.name)
def test_every_served_method_exists_in_the_official_api(
    method: Method, official_methods: dict[str, Any]
) -> None:
    assert method.name in official_methods


@pytest.mark.parametrize("method", SERVED_METHODS, ids=lambda method: method.name)
def test_every_parameter_the_sandbox_accepts_has_an_official_name(
    method: Method, official_methods: dict[str, Any]
) -> None:
    official = _official_parameters(official_methods, method.name)
    assert set(method.parameters) - set(official) == set()


@pytest.mark.parametrize("method", SERVED_METHODS, ids=lambda method: method.name)
def test_every_officially_required_parameter_is_required_by_the_sandbox(
    method: Method, official_methods: dict[str, Any]
) -> None:
    official = _official_parameters(official_methods, method.name)
    required = {name for name, is_required in official.items() if is_required}
    assert required <= set(method.required)


async def _valid_call(method: str, api: BotApi, client: SandboxClient, chat: int) -> dict[str, Any]:
    """Parameters with which `method` succeeds in the current sandbox."""
    sent = await api.result(
        "sendMessage",
        chat_id=chat,
        text="Pick one",
        reply_markup={"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]},
    )
    calls: dict[str, dict[str, Any]] = {
        "sendMessage": {"chat_id": chat, "text": "hello"},
        "editMessageText": {"chat_id": chat, "message_id": sent["message_id"], "text": "new"},
        "editMessageReplyMarkup": {"chat_id": chat, "message_id": sent["message_id"]},
        "deleteMessage": {"chat_id": chat, "message_id": sent["message_id"]},
        "sendChatAction": {"chat_id": chat, "action": "typing"},
        "setMyCommands": {"commands": [{"command": "start", "description": "Start"}]},
        "sendPhoto": {"chat_id": chat, "photo": "https://example.com/chart.png"},
        "sendDocument": {"chat_id": chat, "document": "https://example.com/report.csv"},
        # Why: a loopback URL nothing listens on: deliveries fail fast, no network is used.
        "setWebhook": {"url": "http://127.0.0.1:9/telegram"},
    }
    if method == "answerCallbackQuery":
        return {"callback_query_id": await client.press(chat, label="Yes")}
    if method in FORUM_METHODS:
        forum = await client.create_group("Support", [chat])
        topic = await api.result("createForumTopic", chat_id=forum, name="Ann")
        thread = topic["message_thread_id"]
        if method == "reopenForumTopic":
            await api.result("closeForumTopic", chat_id=forum, message_thread_id=thread)
        return {
            "createForumTopic": {"chat_id": forum, "name": "Ann"},
            "editForumTopic": {"chat_id": forum, "message_thread_id": thread, "name": "Bo"},
            "closeForumTopic": {"chat_id": forum, "message_thread_id": thread},
            "reopenForumTopic": {"chat_id": forum, "message_thread_id": thread},
            "copyMessage": {
                "chat_id": forum,
                "from_chat_id": chat,
                "message_id": sent["message_id"],
                "message_thread_id": thread,
            },
        }[method]
    return calls.get(method, {})


FORUM_METHODS = frozenset(
    {"createForumTopic", "editForumTopic", "closeForumTopic", "reopenForumTopic", "copyMessage"}
)


@pytest.mark.parametrize("method", SERVED_METHODS, ids=lambda method: method.name)
async def test_leaving_out_any_required_parameter_is_answered_with_400(
    method: Method, api: BotApi, client: SandboxClient, customer: int
) -> None:
    for missing in method.required:
        params = await _valid_call(method.name, api, client, customer)
        del params[missing]
        status, body = await api.call(method.name, **params)
        assert (status, body["ok"], body["error_code"]) == (400, False, 400), missing
        assert body["description"].startswith("Bad Request: ")
    status, body = await api.call(
        method.name, **await _valid_call(method.name, api, client, customer)
    )
    assert (status, body["ok"]) == (200, True), body


async def test_an_unknown_method_is_answered_404_not_found(api: BotApi) -> None:
    status, body = await api.call("sendTelepathicMessage", chat_id=1)
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_method_names_are_case_insensitive_as_in_telegram(api: BotApi) -> None:
    status, body = await api.call("GETME")
    assert status == 200
    assert body["result"]["is_bot"] is True


async def test_a_malformed_token_is_unauthorized(api: BotApi) -> None:
    api.token = "not-a-token"
    status, body = await api.call("getMe")
    assert (status, body["description"]) == (401, "Unauthorized")
