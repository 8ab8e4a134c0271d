"""How ``jixiao serve`` (and the benches) run the app under uvicorn.

Proxy headers (``X-Forwarded-For``) decide the client address that login throttling counts, so they
are honoured only from the proxies named with ``--trusted-proxy``; uvicorn's own default trusts them
from loopback, which let anyone on the machine (or behind an open proxy) pick a new address per try.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def config(app: Any, host: str = "127.0.0.1", port: int = 8000, *, trusted_proxies: Sequence[str] = (),
           log_level: str = "warning") -> Any:
    """A ``uvicorn.Config`` for the workbench."""
    import uvicorn

    trusted = [p.strip() for p in trusted_proxies if p and p.strip()]
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on",
                          proxy_headers=bool(trusted), forwarded_allow_ips=",".join(trusted) if trusted else "",
                          server_header=False, timeout_keep_alive=5)


def run(app: Any, host: str = "127.0.0.1", port: int = 8000, *, trusted_proxies: Sequence[str] = ()) -> None:
    import uvicorn

    uvicorn.Server(config(app, host, port, trusted_proxies=trusted_proxies)).run()
