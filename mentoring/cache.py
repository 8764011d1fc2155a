"""A Redis cache that keeps the site up while Redis is down.

Django's RedisCache raises when Redis cannot be reached, and allauth keeps its
log-in rate limits in the cache, so a Redis outage would answer 500 on the
log-in page and every page that reads the cache. This backend serves such
calls from a local-memory cache in each process instead: pages render, and
the rate limits still apply, counted per process rather than across all of
them. After a failure it stays on the local cache for a few seconds before it
tries Redis again, so a dead Redis costs one short timeout per process and
interval, not one per call; and it logs one warning a minute, not one per call.

What was written locally during an outage is not copied to Redis afterwards:
the cache holds nothing that the database does not (rate limits and lists
read from the database for a minute).
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Connection refused or reset, a timeout, or Redis still loading its data
# (BusyLoadingError is a ConnectionError): Redis cannot answer now.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

RETRY_SECONDS = 5
WARNING_SECONDS = 60


@dataclass
class Outage:
    """Per process and Redis location, shared by the threads' cache objects
    (Django builds one cache object per thread)."""

    failed_at: float | None = None  # the last failed call; None while Redis answers
    started_at: float = 0.0
    warned_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def skip_redis(self, now: float) -> bool:
        failed_at = self.failed_at
        return failed_at is not None and failed_at <= now < failed_at + RETRY_SECONDS

    def failed(self, now: float, location: str, error: Exception) -> None:
        with self.lock:
            if self.failed_at is None:
                self.started_at = self.warned_at = now
                logger.warning(
                    "Redis cache at %s unreachable (%s): using a local cache in this process.",
                    location,
                    error,
                )
            elif not 0 <= now - self.warned_at < WARNING_SECONDS:
                self.warned_at = now
                logger.warning(
                    "Redis cache at %s still unreachable after %d s (%s).",
                    location,
                    now - self.started_at,
                    error,
                )
            self.failed_at = now

    def answered(self, location: str) -> None:
        with self.lock:
            if self.failed_at is not None:
                self.failed_at = None
                logger.info("Redis cache at %s reachable again.", location)


_outages: dict[str, Outage] = {}
_outages_lock = threading.Lock()


def outage_for(location: str) -> Outage:
    with _outages_lock:
        return _outages.setdefault(location, Outage())


class FallbackRedisCache(RedisCache):
    """Django's RedisCache, served from a per-process LocMemCache while Redis
    cannot be reached. Give it short socket timeouts in OPTIONS
    (socket_connect_timeout, socket_timeout) so that finding out is quick."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._outage = outage_for(self._location)
        # LocMemCache shares its data between instances of the same name.
        self._local = LocMemCache(f"redis-fallback:{self._location}", {**params, "OPTIONS": {}})

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        now = time.time()
        if self._outage.skip_redis(now):
            return getattr(self._local, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNREACHABLE as error:
            self._outage.failed(now, self._location, error)
            return getattr(self._local, name)(*args, **kwargs)
        if self._outage.failed_at is not None:
            self._outage.answered(self._location)
        return result

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> None:
        self._call("clear")
