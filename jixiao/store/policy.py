"""Who may create, edit, delete, move and see each object: one table, checked here and nowhere else.

Each cell is the *scope* in which a role may act:

- ``all``: any object;
- ``region``: objects filed in the user's region (a 审核人 without a region: none);
- ``department``: objects of the user's department (and region, when both are known);
- ``self``: the user's own account;
- ``None``: never.

What the actions mean per object: for a report, *create* is an upload (filed in the uploader's scope),
*edit* is reviewing its findings (确认 / 驳回), *move* changes its department, region, year or type; for a
填报, *move* changes its department; for a user, *edit* is the password or the account being enabled,
*move* is the role, department or region; for a department, *edit* is its name and type, *move* its
region. A framework cannot be moved.

:func:`visible` turns a ``see`` cell into a SQL filter; :func:`can` checks one object; :func:`file_in_scope`
says where a new object created by the user is filed. docs/web.md shows the same table.
"""

from __future__ import annotations

from typing import Any

ROLES = ("admin", "reviewer", "filler")
ACTIONS = ("see", "create", "edit", "move", "delete")
OBJECTS = ("report", "evaluation", "framework", "user", "department")


def _row(admin: str | None, reviewer: str | None, filler: str | None) -> dict[str, str | None]:
    return {"admin": admin, "reviewer": reviewer, "filler": filler}


POLICY: dict[str, dict[str, dict[str, str | None]]] = {
    "report": {
        "see": _row("all", "region", "department"),
        "create": _row("all", "region", "department"),
        "edit": _row("all", "region", None),
        "move": _row("all", None, None),
        "delete": _row("all", None, None),
    },
    "evaluation": {
        "see": _row("all", "region", "department"),
        "create": _row("all", "region", "department"),
        "edit": _row("all", None, "department"),
        "move": _row("all", None, None),
        "delete": _row("all", None, "department"),
    },
    "framework": {
        "see": _row("all", "all", "all"),
        "create": _row("all", None, None),
        "edit": _row("all", None, None),
        "move": _row(None, None, None),
        "delete": _row("all", None, None),
    },
    "user": {
        "see": _row("all", "self", "self"),
        "create": _row("all", None, None),
        "edit": _row("all", "self", "self"),
        "move": _row("all", None, None),
        "delete": _row("all", None, None),
    },
    "department": {
        "see": _row("all", None, None),
        "create": _row("all", None, None),
        "edit": _row("all", None, None),
        "move": _row("all", None, None),
        "delete": _row("all", None, None),
    },
}

LABELS = {"all": "全部", "region": "本地区", "department": "本部门", "self": "本人", None: "—"}


def scope(role: str, action: str, obj: str) -> str | None:
    """The cell: where ``role`` may do ``action`` to ``obj`` (None: nowhere)."""
    return POLICY[obj][action].get(role)


def allowed(viewer: Any, action: str, obj: str) -> bool:
    """May the viewer do ``action`` to some ``obj`` at all (before looking at a particular one)?"""
    s = scope(viewer.role, action, obj)
    if s == "region":
        return bool(viewer.region)
    if s == "department":
        return bool(viewer.department)
    return s is not None


def can(viewer: Any, action: str, obj: str, target: Any) -> bool:
    """May the viewer do ``action`` to this object (anything with ``region`` / ``department`` / ``id``)?"""
    s = scope(viewer.role, action, obj)
    if s is None:
        return False
    if s == "all":
        return True
    if s == "self":
        return getattr(target, "id", None) == viewer.id
    if s == "region":
        return bool(viewer.region) and getattr(target, "region", None) == viewer.region
    if s == "department":
        region = getattr(target, "region", None)
        return (bool(viewer.department) and getattr(target, "department", None) == viewer.department
                and (region is None or viewer.region is None or region == viewer.region))
    raise ValueError(f"unknown scope {s!r}")


def visible(stmt: Any, viewer: Any, model: Any, action: str = "see", obj: str | None = None) -> Any:
    """``stmt`` narrowed to the rows of ``model`` the viewer may ``action`` (reports and 填报)."""
    obj = obj or ("report" if model.__tablename__ == "reports" else "evaluation")
    s = scope(viewer.role, action, obj)
    if s == "all":
        return stmt
    if s == "region" and viewer.region:
        return stmt.where(model.region == viewer.region)
    if s == "department" and viewer.department:
        stmt = stmt.where(model.department == viewer.department)
        if viewer.region:
            stmt = stmt.where((model.region == viewer.region) | model.region.is_(None))
        return stmt
    return stmt.where(model.id < 0)


def file_in_scope(viewer: Any, obj: str, *, department: str | None, region: str | None) -> tuple[str | None, str | None, bool]:
    """Where a new ``obj`` created by the viewer is filed: (department, region, fixed by scope).

    A 填报人's object goes to their department and region whatever the form or the text says; a
    审核人's to their region (its department may come from the text); an administrator's where asked.
    """
    s = scope(viewer.role, "create", obj)
    if s == "department":
        return viewer.department, viewer.region, True
    if s == "region":
        return department, viewer.region, False
    return department, region, False
