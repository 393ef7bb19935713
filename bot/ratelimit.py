"""Telegram's send limits, shared by every worker: about 30 messages a second per bot and one a
second per chat (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).

`acquire(chat_id)` either takes a slot (returns 0) or says how long to wait; the send job then
re-enqueues itself with that delay rather than sleeping in the worker, so a throttled chat never
holds a worker. With Redis, one Lua script checks and takes both slots atomically, so several
worker processes share the limits; without Redis (embedded mode) `InProcessRateLimiter` does the
same under a lock. A 429 from Telegram is still honoured separately (its retry_after becomes the
job's delay). Timestamps come from the caller's clock: workers on several hosts need NTP.
A chat's slot in Redis is named by `chat_key(chat_id)` (the deployment's keyed hash of chat ids,
intake.crypto), never by the chat id itself.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

GLOBAL_PER_SECOND = 30
PER_CHAT_INTERVAL_S = 1.0

# KEYS[1]: sorted set of the last second's sends (the bot-wide window); KEYS[2]: when the chat is
# free again. Times are the caller's clock, not Redis's, so every worker judges by the same rule.
# ARGV: now (ms), window (ms), limit per window, chat interval (ms), a unique member for the set.
# Returns 0 when both slots were taken, else the milliseconds to wait; takes nothing when refused.
_ACQUIRE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local chat_ms = tonumber(ARGV[4])
local wait = 0
local chat_free_at = tonumber(redis.call('GET', KEYS[2]) or '0')
if chat_free_at > now then wait = chat_free_at - now end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local global_wait = tonumber(oldest[2]) + window - now
  if global_wait > wait then wait = global_wait end
end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], window * 2)
redis.call('SET', KEYS[2], now + chat_ms, 'PX', chat_ms * 2)
return 0
"""


def _no_name(chat_id: str) -> str:
    raise TypeError("RateLimiter needs chat_key: a chat id is not written to Redis as it is")


class RateLimiter:
    """Telegram's bot-wide and per-chat limits, coordinated through Redis."""

    def __init__(
        self,
        redis,
        clock: Callable[[], float] = time.time,
        *,
        per_second: int = GLOBAL_PER_SECOND,
        per_chat_interval_s: float = PER_CHAT_INTERVAL_S,
        prefix: str = "ratelimit:telegram",
        chat_key: Callable[[str], str] | None = None,
    ):
        self._redis = redis
        self._chat_key = chat_key or _no_name
        self._clock = clock
        self._per_second = per_second
        self._chat_ms = max(1, int(per_chat_interval_s * 1000))
        self._prefix = prefix
        self._script = redis.register_script(_ACQUIRE)
        self._counter = 0
        self._lock = threading.Lock()

    def acquire(self, chat_id: str) -> float:
        """0 when a message to `chat_id` may go now (its slots are taken); else seconds to wait."""
        now_ms = int(self._clock() * 1000)
        with self._lock:
            self._counter += 1
            member = f"{now_ms}-{id(self)}-{threading.get_ident()}-{self._counter}"
        wait_ms = self._script(
            keys=[f"{self._prefix}:all", f"{self._prefix}:chat:{self._chat_key(chat_id)}"],
            args=[now_ms, 1000, self._per_second, self._chat_ms, member],
        )
        return int(wait_ms) / 1000.0


class InProcessRateLimiter:
    """The same limits for one process (embedded mode, no Redis)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        per_second: int = GLOBAL_PER_SECOND,
        per_chat_interval_s: float = PER_CHAT_INTERVAL_S,
    ):
        self._clock = clock
        self._per_second = per_second
        self._chat_interval = per_chat_interval_s
        self._recent: deque[float] = deque()
        self._chat_free_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, chat_id: str) -> float:
        """0 when a message to `chat_id` may go now (its slots are taken); else seconds to wait."""
        with self._lock:
            now = self._clock()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            wait = max(0.0, self._chat_free_at.get(chat_id, now) - now)
            if len(self._recent) >= self._per_second:
                wait = max(wait, self._recent[0] + 1.0 - now)
            if wait > 0:
                return wait
            self._recent.append(now)
            self._chat_free_at[chat_id] = now + self._chat_interval
            if len(self._chat_free_at) > 10_000:  # forget chats whose second has passed
                self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}
            return 0.0
