"""When to try a failed send again: exponential backoff with full jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff after server errors and timeouts; a row fails for good after `max_attempts`."""

    base_seconds: float = 1.0
    max_seconds: float = 300.0
    max_attempts: int = 12

    def delay(self, attempts: int, rng: random.Random) -> float:
        """Seconds to wait after the `attempts`-th failure (between half and all of the cap)."""
        cap = min(self.max_seconds, self.base_seconds * 2.0 ** max(0, attempts - 1))
        return cap * (0.5 + rng.random() / 2)

    def gives_up(self, attempts: int) -> bool:
        """Whether a row that failed `attempts` times is failed for good."""
        return attempts >= self.max_attempts
