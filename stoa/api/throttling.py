"""An optional ceiling on API requests per person: STOA_API_RATE_LIMIT, e.g. "600/m" (s, m, h or d).

Counted per user in fixed windows in Django's cache: per process with the embedded default (one process),
shared when the cache is. Off when the setting is empty. A request over the ceiling is answered 429 with
Retry-After, in the API's error shape (stoa/api/errors.py).
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """"600/m" -> (600 requests, 60 seconds)."""
    count, _slash, period = rate.partition("/")
    if not count.strip().isdigit() or period.strip()[:1] not in PERIODS:
        raise ValueError(f"STOA_API_RATE_LIMIT must look like 600/m (per s, m, h or d), not {rate!r}")
    return int(count), PERIODS[period.strip()[:1]]


class PerUserRate(BaseThrottle):
    def __init__(self) -> None:
        self.last = threading.local()  # one instance serves every thread of the web server

    def allow_request(self, request: HttpRequest) -> bool:
        if not settings.STOA_API_RATE_LIMIT:
            return True
        limit, period = parse_rate(settings.STOA_API_RATE_LIMIT)
        user_id = getattr(getattr(request, "auth", None), "pk", None)
        who = f"user-{user_id}" if user_id else f"address-{self.get_ident(request)}"
        now = time.time()
        key = f"stoa:api-rate:{who}:{int(now // period)}"
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=period + 1)
            count = 1
        self.last.seconds_left = period - now % period
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self.last, "seconds_left", None)
