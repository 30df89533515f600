"""Carrying out one script action in the demo chat."""

from __future__ import annotations

from bot.demo.chat import DemoChat
from bot.demo.script import Action, Say, ShareContact, Tap, Wait


async def perform(chat: DemoChat, action: Action, *, echo: bool = True) -> None:
    """Do what the action says, printing the customer's side only when `echo` is set."""
    match action:
        case Say(text):
            await chat.say(text, echo=echo)
        case Tap(label):
            await chat.tap(label, echo=echo)
        case ShareContact():
            await chat.share_contact(echo=echo)
        case Wait(seconds):
            await chat.wait(seconds)
