"""The workbench store: SQLAlchemy 2 models, Alembic migrations, SQLite (WAL, one writer) or PostgreSQL."""

from jixiao.store.db import (
    DEFAULT_URL,
    Store,
    StoreUnavailable,
    Viewer,
    json_dumps,
    json_loads,
    normalise_url,
    redact,
)
from jixiao.store.directory import StaleVersion
from jixiao.store.models import (
    DECISION_LABELS,
    ROLE_LABELS,
    ROLES,
    Department,
    EvaluationForm,
    Report,
    Review,
    SessionRecord,
    StoredFramework,
    User,
)

__all__ = ["DEFAULT_URL", "Store", "StoreUnavailable", "StaleVersion", "Viewer", "json_dumps", "json_loads",
           "normalise_url", "redact", "SessionRecord",
           "DECISION_LABELS", "ROLE_LABELS", "ROLES", "Department", "EvaluationForm", "Report", "Review",
           "StoredFramework", "User"]
