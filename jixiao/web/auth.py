"""Session cookies, CSRF tokens, login throttling.

The cookie is signed (itsdangerous) and carries only a random session token (``sid``) and, before
login, an anonymous CSRF token. The session itself is a server-side record
(:meth:`jixiao.store.Store.create_session`): logging out or changing a password deletes it, and every
copy of the cookie stops working.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "jixiao_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_MAX_AGE = 12 * 3600


@dataclass
class SessionState:
    """The session of one request: the token from the cookie and the CSRF token to expect."""

    token: str | None = None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    dirty: bool = False
    new: bool = False

    def __getitem__(self, key: str) -> Any:  # templates and older callers read session["csrf"]
        return getattr(self, key)


class Sessions:
    """Reads and writes the signed cookie ``{"sid": token | None, "csrf": anonymous token}``."""

    def __init__(self, secret_key: str, max_age: int = SESSION_MAX_AGE):
        self._serializer = URLSafeTimedSerializer(secret_key, salt="jixiao-session")
        self.max_age = max_age

    def load(self, cookie: str | None) -> SessionState:
        if cookie:
            try:
                data = self._serializer.loads(cookie, max_age=self.max_age)
            except BadSignature:
                data = None
            if isinstance(data, dict) and isinstance(data.get("csrf"), str):
                sid = data.get("sid")
                return SessionState(token=sid if isinstance(sid, str) else None, csrf=data["csrf"])
        return SessionState(new=True)

    def dump(self, state: SessionState) -> str:
        return self._serializer.dumps({"sid": state.token, "csrf": state.csrf})


def csrf_ok(session: SessionState, token: str | None) -> bool:
    expected = session.csrf
    return bool(token and expected and hmac.compare_digest(str(token), str(expected)))


class RateLimiter:
    """Failed logins counted per key within ``window`` seconds; at most ``limit`` per key.

    Memory is bounded: a key's failures older than the window are dropped when it is touched, a sweep
    drops idle keys, and beyond ``max_keys`` the keys seen longest ago go first.
    """

    def __init__(self, limit: int = 5, window: float = 300.0, max_keys: int = 50_000):
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: OrderedDict[Any, deque[float]] = OrderedDict()
        self._lock = threading.Lock()
        self._swept = time.monotonic()

    def _prune(self, key: Any, now: float) -> deque[float] | None:
        q = self._failures.get(key)
        if q is None:
            return None
        while q and now - q[0] > self.window:
            q.popleft()
        if not q:
            del self._failures[key]
            return None
        return q

    def _sweep(self, now: float) -> None:
        if now - self._swept < min(self.window, 60):
            return
        self._swept = now
        for key in list(self._failures):
            self._prune(key, now)

    def blocked(self, key: Any) -> float:
        """Seconds until the key may try again (0 when allowed)."""
        now = time.monotonic()
        with self._lock:
            q = self._prune(key, now)
            if q is not None and len(q) >= self.limit:
                return max(1.0, self.window - (now - q[0]))
            return 0.0

    def fail(self, key: Any) -> None:
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            q = self._prune(key, now)
            if q is None:
                q = self._failures[key] = deque(maxlen=self.limit)
            q.append(now)
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)

    def reset(self, key: Any) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._failures)


class LoginThrottle:
    """Login throttling on the account and on the real client address.

    - ``limit`` failures for one account from one address;
    - ``4 × limit`` failures for one account from anywhere (guessing spread over many addresses);
    - ``4 × limit`` failures from one address whatever the names (password spraying).
    """

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.pair = RateLimiter(limit, window)
        self.account = RateLimiter(4 * limit, window)
        self.address = RateLimiter(4 * limit, window)

    def _keys(self, name: str, address: str) -> tuple[tuple, str, str]:
        account = name.strip().lower()[:200]
        return (account, address), account, address

    def blocked(self, name: str, address: str) -> float:
        pair, account, addr = self._keys(name, address)
        return max(self.pair.blocked(pair), self.account.blocked(account), self.address.blocked(addr))

    def fail(self, name: str, address: str) -> None:
        pair, account, addr = self._keys(name, address)
        self.pair.fail(pair)
        self.account.fail(account)
        self.address.fail(addr)

    def success(self, name: str, address: str) -> None:
        pair, _account, _addr = self._keys(name, address)
        self.pair.reset(pair)

    def __len__(self) -> int:
        return len(self.pair) + len(self.account) + len(self.address)
