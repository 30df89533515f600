"""Order numbers as shops store them and as customers type them, reduced to one lookup key."""

from __future__ import annotations

import re
import unicodedata

# Why: an order number is any token with a digit; "#", "Nr." and end punctuation are not in it.
_TOKEN = re.compile(r"[^\W_](?:[\w/-]*[^\W_])?")
# Why: "No1042", "Nr1042", "Nº1042" glue the sign to the digits (NFKC turns "№" into "No").
_GLUED_SIGN = re.compile(r"(?:nr|no|n|num)(\d+)")
_NUMERIC = re.compile(r"\d+")


def order_key(text: str) -> str | None:
    """The lookup key of an order number: the same for the shop's "#1001" and a typed "order 1001.".

    Rules (DESIGN §6, issue 7 item 5): Unicode NFKC (full-width digits), case-folded; the first
    token containing a digit is the number, so words around it ("order", "Nr.", "Bestellung"),
    "#", "№" and trailing punctuation drop out; a number sign glued to the digits ("No1042") is
    dropped; leading zeros of an all-digit number are dropped ("01042" -> "1042"), since shops
    pad and customers do not. None when the text holds no digit at all.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    for match in _TOKEN.finditer(folded):
        token = match.group(0)
        if not any(char.isdigit() for char in token):
            continue
        if glued := _GLUED_SIGN.fullmatch(token):
            token = glued.group(1)
        if _NUMERIC.fullmatch(token):
            token = token.lstrip("0") or "0"
        return token
    return None
