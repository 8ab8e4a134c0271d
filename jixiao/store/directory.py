"""The directory of the workbench store (mixed into :class:`jixiao.store.Store`): departments, uploaded
frameworks and the 填报 evaluations, whose saves are versioned and filed by :mod:`jixiao.store.policy`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from jixiao.store import policy
from jixiao.store.models import Department, EvaluationForm, StoredFramework, utcnow


class StaleVersion(Exception):
    """A 填报 saved from an older version than the stored one (someone else saved it in between)."""

    def __init__(self, current: int):
        self.current = current
        super().__init__(f"该填报已被他人修改（当前为第 {current} 版），请刷新后在最新版本上修改再保存")


class Directory:
    """Departments, uploaded frameworks and 填报."""

    read: Any
    write: Any

    # -- departments -----------------------------------------------------------------------------------
    def add_department(self, name: str, *, region: str | None = None, dept_type: str | None = None) -> Department:
        name = (name or "").strip()
        if not name:
            raise ValueError("部门名称不能为空 (empty department name)")
        with self.write() as s:
            if s.scalar(select(Department.id).where(Department.name == name)) is not None:
                raise ValueError(f"部门 {name} 已存在 (department exists)")
            dept = Department(name=name, region=_blank(region), dept_type=_blank(dept_type))
            s.add(dept)
            s.flush()
            return dept

    def update_department(self, department_id: int, *, name: str | None = None, region: str | None = None,
                          dept_type: str | None = None) -> Department | None:
        """Change the given fields (``""`` clears region / type); None when there is no such department.

        Users, reports and evaluations keep the department name they were filed under.
        """
        with self.write() as s:
            dept = s.get(Department, department_id)
            if dept is None:
                return None
            if name is not None:
                name = name.strip()
                if not name:
                    raise ValueError("部门名称不能为空 (empty department name)")
                clash = s.scalar(select(Department.id).where(Department.name == name, Department.id != department_id))
                if clash is not None:
                    raise ValueError(f"部门 {name} 已存在 (department exists)")
                dept.name = name
            if region is not None:
                dept.region = _blank(region)
            if dept_type is not None:
                dept.dept_type = _blank(dept_type)
            s.flush()
            return dept

    def department(self, department_id: int) -> Department | None:
        with self.read() as s:
            return s.get(Department, department_id)

    def department_named(self, name: str) -> Department | None:
        with self.read() as s:
            return s.scalar(select(Department).where(Department.name == name.strip()))

    def departments(self) -> list[Department]:
        with self.read() as s:
            return list(s.scalars(select(Department).order_by(Department.region, Department.name)))

    def delete_department(self, department_id: int) -> bool:
        with self.write() as s:
            dept = s.get(Department, department_id)
            if dept is None:
                return False
            s.delete(dept)
            return True

    # -- uploaded frameworks -----------------------------------------------------------------------------
    def save_framework(self, framework_id: str, name: str, file_name: str, yaml_text: str, *,
                       uploaded_by: Any | None = None) -> tuple[StoredFramework, bool]:
        """Store (or replace, by framework id) a validated framework YAML; (row, created)."""
        sha = hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()
        with self.write() as s:
            row = s.scalar(select(StoredFramework).where(StoredFramework.framework_id == framework_id))
            created = row is None
            if row is None:
                row = StoredFramework(framework_id=framework_id, created_at=utcnow())
                s.add(row)
            row.name = name
            row.file_name = file_name
            row.sha256 = sha
            row.yaml_text = yaml_text
            row.uploaded_by = uploaded_by.id if uploaded_by else None
            row.uploaded_by_name = uploaded_by.name if uploaded_by else ""
            row.updated_at = utcnow()
            s.flush()
            return row, created

    def stored_frameworks(self) -> list[StoredFramework]:
        """Uploaded frameworks without their YAML text (see :meth:`framework_yaml`)."""
        with self.read() as s:
            return list(s.scalars(select(StoredFramework).order_by(StoredFramework.framework_id)))

    def framework_yaml(self, framework_id: str) -> str | None:
        with self.read() as s:
            return s.scalar(select(StoredFramework.yaml_text).where(StoredFramework.framework_id == framework_id))

    def delete_framework(self, framework_id: str) -> bool:
        with self.write() as s:
            row = s.scalar(select(StoredFramework).where(StoredFramework.framework_id == framework_id))
            if row is None:
                return False
            s.delete(row)
            return True

    # -- evaluations (填报) ------------------------------------------------------------------------------
    def save_evaluation(self, data: dict[str, Any], viewer: Any, *, evaluation_id: int | None = None,
                        framework: str | None = None, version: int | None = None) -> EvaluationForm:
        """Create (``evaluation_id`` None) or replace a 填报, filed and checked by :mod:`jixiao.store.policy`.

        Raises LookupError (not visible), PermissionError (outside the viewer's scope), ValueError (no
        department, or no ``version`` for a replace) and :class:`StaleVersion` (saved meanwhile).
        """
        asked = (data.get("department") or "").strip() or None
        with self.write() as s:
            if evaluation_id is None:
                if not policy.allowed(viewer, "create", "evaluation"):
                    raise PermissionError("无权新建填报")
                department, region, _fixed = policy.file_in_scope(
                    viewer, "evaluation", department=asked or viewer.department, region=None)
                known = s.scalar(select(Department).where(Department.name == department)) if department else None
                if policy.scope(viewer.role, "create", "evaluation") == "region" and known is not None \
                        and known.region and known.region != viewer.region:
                    raise PermissionError(f"部门 {known.name} 属于{known.region}，不在您的地区")
                if region is None:
                    region = known.region if known is not None and known.region else viewer.region
                form = EvaluationForm(owner_id=viewer.id, department=department or "", region=region)
            else:
                form = s.scalar(policy.visible(select(EvaluationForm).where(EvaluationForm.id == evaluation_id),
                                               viewer, EvaluationForm))
                if form is None:
                    raise LookupError("evaluation")
                if not policy.can(viewer, "edit", "evaluation", form):
                    raise PermissionError("无权修改该填报")
                if policy.file_in_scope(viewer, "evaluation", department=None, region=None)[2]:
                    asked = form.department  # a 填报人 files under their own department only
                if asked and asked != form.department and not policy.can(viewer, "move", "evaluation", form):
                    raise PermissionError("无权更改填报所属部门")
                if version is None:
                    raise ValueError("保存需要读取时的版本号 version (a replace needs the version it started from)")
                if version != form.version:
                    raise StaleVersion(form.version)
                department = asked or form.department
            if not department:
                raise ValueError("请填写部门名称 (department is required)")
            if form.id is None:
                s.add(form)
            form.department = department
            form.year = data.get("year")
            form.title = data.get("title")
            form.framework = framework
            form.data = dict(data, department=department)
            form.updated_at = utcnow()
            try:
                s.flush()
            except StaleDataError:
                raise StaleVersion(version or 0) from None
            return form

    def evaluation(self, evaluation_id: int, viewer: Any | None = None) -> EvaluationForm | None:
        with self.read() as s:
            q = select(EvaluationForm).where(EvaluationForm.id == evaluation_id)
            if viewer is not None:
                q = policy.visible(q, viewer, EvaluationForm)
            return s.scalar(q)

    def evaluations(self, viewer: Any | None = None) -> Sequence[EvaluationForm]:
        with self.read() as s:
            q = select(EvaluationForm).order_by(EvaluationForm.updated_at.desc(), EvaluationForm.id.desc())
            if viewer is not None:
                q = policy.visible(q, viewer, EvaluationForm)
            return list(s.scalars(q))

    def delete_evaluation(self, evaluation_id: int, viewer: Any) -> bool:
        """False when the viewer cannot see it; PermissionError when they see it but may not delete it."""
        with self.write() as s:
            form = s.scalar(policy.visible(select(EvaluationForm).where(EvaluationForm.id == evaluation_id),
                                           viewer, EvaluationForm))
            if form is None:
                return False
            if not policy.can(viewer, "delete", "evaluation", form):
                raise PermissionError("无权删除该填报")
            s.delete(form)
            return True


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
