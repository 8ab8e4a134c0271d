"""The web workbench: ``create_app(db_url)`` (FastAPI + Jinja2 + htmx + ECharts, all vendored)."""

from jixiao.web.app import create_app

__all__ = ["create_app"]
