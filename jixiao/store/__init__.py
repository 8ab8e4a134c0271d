"""The workbench store: SQLAlchemy 2 models, Alembic migrations, SQLite (WAL, one writer) or PostgreSQL."""

from jixiao.store.db import DEFAULT_URL, Store, Viewer, json_dumps, json_loads, normalise_url
from jixiao.store.models import (
    DECISION_LABELS,
    ROLE_LABELS,
    ROLES,
    Department,
    EvaluationForm,
    Report,
    Review,
    StoredFramework,
    User,
)

__all__ = ["DEFAULT_URL", "Store", "Viewer", "json_dumps", "json_loads", "normalise_url",
           "DECISION_LABELS", "ROLE_LABELS", "ROLES", "Department", "EvaluationForm", "Report", "Review",
           "StoredFramework", "User"]
