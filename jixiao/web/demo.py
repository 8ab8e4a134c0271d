"""``jixiao serve --demo``: the bundled sample reports and a demo admin."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from importlib import resources

import yaml
from sqlalchemy import select

from jixiao.store import Report, Store, User

DEMO_ADMIN = "admin"


def sample_files() -> list[dict]:
    """The bundled samples with their region and department type (``jixiao/samples/index.yaml``)."""
    root = resources.files("jixiao") / "samples"
    index = yaml.safe_load((root / "index.yaml").read_text(encoding="utf-8")) or []
    out = []
    for item in index:
        f = root / item["file"]
        if f.is_file():
            out.append(dict(item, data=f.read_bytes()))
    return out


def load_demo(store: Store, password: str | None = None) -> tuple[str, str | None, int]:
    """Queue the samples not stored yet and make sure the demo admin exists.

    Returns (admin name, its new password or None when it already existed, samples queued).
    """
    with store.read() as s:
        known = set(s.scalars(select(Report.sha256)))
        admin = s.scalar(select(User).where(User.name == DEMO_ADMIN))
    queued = 0
    for item in sample_files():
        sha = hashlib.sha256(item["data"]).hexdigest()
        if sha in known:
            continue
        store.add_report(file_name=item["file"], sha256=sha, data=item["data"], region=item.get("region"),
                         dept_type=item.get("dept_type"), batch="demo")
        queued += 1
    new_password = None
    if admin is None:
        new_password = password or secrets.token_urlsafe(9)
        store.add_user(DEMO_ADMIN, new_password, "admin")
        _add_demo_users(store, new_password)
        _add_demo_departments(store)
    elif password:
        store.set_password(DEMO_ADMIN, password)
        new_password = password
    return DEMO_ADMIN, new_password, queued


def _add_demo_users(store: Store, password: str) -> None:
    for name, role, dept, region in (("reviewer", "reviewer", None, "东湖区"),
                                     ("filler", "filler", "东湖区民政局", "东湖区")):
        with contextlib.suppress(ValueError):
            store.add_user(name, password, role, department=dept, region=region)


#: The departments of the samples, for the 部门管理 directory (types as ``jixiao batch`` would classify them).
DEMO_DEPARTMENTS = (("东湖区教育局", "东湖区"), ("东湖区卫生健康局", "东湖区"), ("东湖区民政局", "东湖区"),
                    ("西山区妇女联合会", "西山区"), ("西山区农业农村局", "西山区"))


def _add_demo_departments(store: Store) -> None:
    from jixiao.web.regions import dept_type

    for name, region in DEMO_DEPARTMENTS:
        with contextlib.suppress(ValueError):
            store.add_department(name, region=region, dept_type=dept_type(name))
