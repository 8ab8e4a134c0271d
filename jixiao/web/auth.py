"""Sessions in signed cookies, CSRF tokens, login rate limiting."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "jixiao_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE = 12 * 3600


class Sessions:
    """Signed, timestamped cookie holding ``{"uid": int | None, "csrf": str}``."""

    def __init__(self, secret_key: str, max_age: int = SESSION_MAX_AGE):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="jixiao-session")
        self.max_age = max_age

    def load(self, cookie: str | None) -> dict[str, Any]:
        if cookie:
            try:
                data = self._serializer.loads(cookie, max_age=self.max_age)
                if isinstance(data, dict) and isinstance(data.get("csrf"), str):
                    return data
            except BadSignature:
                pass
        return {"uid": None, "csrf": secrets.token_urlsafe(32)}

    def dump(self, data: dict[str, Any]) -> str:
        return self._serializer.dumps(data)


def csrf_ok(session: dict[str, Any], token: str | None) -> bool:
    expected = session.get("csrf")
    return bool(token and expected and hmac.compare_digest(str(token), str(expected)))


class RateLimiter:
    """At most ``limit`` failures per key within ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit = limit
        self.window = window
        self._failures: dict[Any, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: Any, now: float) -> deque[float]:
        q = self._failures[key]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, key: Any) -> float:
        """Seconds until the key may try again (0 when allowed)."""
        now = time.monotonic()
        with self._lock:
            q = self._prune(key, now)
            if len(q) >= self.limit:
                return max(1.0, self.window - (now - q[0]))
            return 0.0

    def fail(self, key: Any) -> None:
        with self._lock:
            self._prune(key, time.monotonic()).append(time.monotonic())

    def reset(self, key: Any) -> None:
        with self._lock:
            self._failures.pop(key, None)
