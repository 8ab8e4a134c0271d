"""What every handler needs, in one object on ``app.state.wb``: store, sessions, limits, workers, templates.

Handlers are module-level functions in :mod:`jixiao.web.routes`; they reach the running workbench
through :func:`jixiao.web.deps.wb` instead of closing over ``create_app``'s locals, so each one can
be imported and called on its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from fastapi.templating import Jinja2Templates

from jixiao.store import Store
from jixiao.web.auth import LoginThrottle, Sessions
from jixiao.web.frameworks import StoredFrameworks
from jixiao.web.processor import Processor


@dataclass
class Workbench:
    """The running workbench (one per app)."""

    store: Store
    sessions: Sessions
    throttle: LoginThrottle
    processor: Processor
    library: StoredFrameworks
    templates: Jinja2Templates
    max_upload_mb: float = 20
    #: One request's body (a batch of uploads); bodies are counted as they arrive (jixiao.web.middleware).
    max_request_mb: float = 200
    secure_cookies: bool = False
    demo_login: tuple[str, str] | None = None
    #: The comparison per role scope and filter, until a report is added, processed or deleted.
    compare_cache: OrderedDict[tuple, tuple[tuple, dict[str, Any]]] = field(default_factory=OrderedDict)
    compare_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def max_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_request_bytes(self) -> int:
        return int(self.max_request_mb * 1024 * 1024)
