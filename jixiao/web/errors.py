"""The one error shape of the API (the handlers that turn exceptions into it are in :mod:`jixiao.web.handlers`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException


class NotLoggedIn(Exception):
    """Raised by the ``viewer`` dependency: pages redirect to the login, the API answers 401."""


def error_body(status: int, error: str, errors: list[Any] | None = None) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"ok": False, "error": error, "errors": errors or [], "status": status}


def api_error(status: int, error: str, errors: list[Any] | None = None) -> HTTPException:
    exc = HTTPException(status_code=status, detail=error)
    exc.errors = errors or []  # type: ignore[attr-defined]
    return exc


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")
