"""The per-user question limit: at most so many questions a minute, one notice when exceeded."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class QuestionLimiter:
    """At most `per_minute` questions per user in any 60 seconds; one notice when exceeded.

    A user idle for a whole window is forgotten (swept at most once a window), so the memory
    holds only the users of the last minute or two, not everyone who ever asked.
    """

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.asked: dict[int, deque[float]] = {}
        self.warned: dict[int, float] = {}
        self._swept = clock()

    def allow(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, send the notice now)."""
        now = self.clock()
        if now - self._swept >= WINDOW_SECONDS:
            self._forget_idle(now)
        times = self.asked.setdefault(user_id, deque())
        while times and now - times[0] >= WINDOW_SECONDS:
            times.popleft()
        if len(times) < self.per_minute:
            times.append(now)
            self.warned.pop(user_id, None)
            return True, False
        if user_id in self.warned and now - self.warned[user_id] < WINDOW_SECONDS:
            return False, False
        self.warned[user_id] = now
        return False, True

    def __len__(self) -> int:
        """How many users the limiter keeps anything about."""
        return len(self.asked.keys() | self.warned.keys())

    def _forget_idle(self, now: float) -> None:
        self._swept = now
        self.asked = {
            user: times
            for user, times in self.asked.items()
            if times and now - times[-1] < WINDOW_SECONDS
        }
        self.warned = {user: at for user, at in self.warned.items() if now - at < WINDOW_SECONDS}
