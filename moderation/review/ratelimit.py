"""A fixed-window rate limiter behind a tiny interface: Redis in production (shared by all
web processes), process memory in the embedded mode and where no Redis is configured."""

from __future__ import annotations

import threading
import time
from typing import Protocol

from flask import Flask, current_app


class Limiter(Protocol):
    def hit(self, key: str, limit: int, window: int) -> bool:
        """Count one hit; False when ``key`` already had ``limit`` hits in this window."""

    def reset(self) -> None: ...


class MemoryLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, int], int] = {}

    def hit(self, key: str, limit: int, window: int) -> bool:
        slot = int(time.time() // window)
        with self._lock:
            if len(self._counts) > 100_000:  # old windows are worthless; keep memory bounded
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= slot}
            count = self._counts.get((key, slot), 0) + 1
            self._counts[(key, slot)] = count
        return count <= limit

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class RedisLimiter:
    PREFIX = "moderation:rl:"

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def hit(self, key: str, limit: int, window: int) -> bool:
        slot = int(time.time() // window)
        name = f"{self.PREFIX}{key}:{slot}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window + 1)
        count, _ = pipe.execute()
        return count <= limit

    def reset(self) -> None:
        for name in self._redis.scan_iter(f"{self.PREFIX}*"):
            self._redis.delete(name)


def init_app(app: Flask) -> None:
    redis_schemes = ("redis://", "rediss://", "unix://")
    url = str(app.config.get("RATE_LIMIT_STORAGE") or "")
    if not url.startswith(redis_schemes):  # "memory://", or unset: fall back
        candidates = [str(app.config.get(name) or "")
                      for name in ("REDIS_URL", "CELERY_BROKER_URL")]
        redis_urls = [c for c in candidates if c.startswith(redis_schemes)]
        url = redis_urls[0] if redis_urls and url != "memory://" else "memory://"
    app.extensions["moderation.limiter"] = (MemoryLimiter() if url == "memory://"
                                            else RedisLimiter(url))


def limiter() -> Limiter:
    return current_app.extensions["moderation.limiter"]
