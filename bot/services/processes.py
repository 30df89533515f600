"""Whether the process that wrote a mark or holds a claim is still running (on this machine)."""

from __future__ import annotations

import os
import socket
from uuid import uuid4

from bot.domain.processes import SEPARATOR, process_tag, tagged_process


def this_process() -> str:
    """The tag of the running process ('host/pid')."""
    return process_tag(socket.gethostname(), os.getpid())


def new_holder() -> str:
    """A tag for one holder of claims inside this process ('host/pid/nonce')."""
    return f"{this_process()}{SEPARATOR}{uuid4().hex[:12]}"


def process_gone(tag: str) -> bool:
    """True only when the tagged process is certainly not running: same host, no such pid.

    Anything else (another host, this process, a pid in use, a tag we cannot read) counts as
    running, so what it holds is only taken over when its time runs out.
    """
    tagged = tagged_process(tag)
    if tagged is None or tagged[0] != socket.gethostname() or tagged[1] == os.getpid():
        return False
    try:
        os.kill(tagged[1], 0)
    except ProcessLookupError:
        return True
    except OSError:
        # Why: PermissionError means a process of another user has that pid: it is running.
        return False
    return False
