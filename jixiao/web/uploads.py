"""Uploaded files: name and size checks, then stored and queued for analysis (pages and API alike)."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from jixiao.ingest import SUPPORTED_SUFFIXES
from jixiao.pipeline import EVALUATION_SUFFIXES
from jixiao.store import Viewer, policy
from jixiao.web.budget import check_declared
from jixiao.web.errors import api_error

#: Reports in any format the readers know, plus evaluation files (YAML / JSON).
UPLOAD_SUFFIXES = (*SUPPORTED_SUFFIXES, *EVALUATION_SUFFIXES)
_BAD_NAME = re.compile(r"[\x00-\x1f/\\]|^\.|\.\.|^[A-Za-z]:|%(?:[01][0-9a-f]|2e|2f|5c)", re.IGNORECASE)


def check_file_name(name: str | None) -> str | None:
    """A one-line reason when an upload's name is refused (path traversal, hidden, unsupported)."""
    if not name or not name.strip():
        return "缺少文件名"
    if len(name) > 200:
        return "文件名过长"
    if _BAD_NAME.search(name):
        return "文件名不合法（不得包含路径或特殊字符）"
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        return f"不支持的文件类型 {suffix or '(无后缀)'}"
    return None


def read_upload(f: UploadFile, max_bytes: int, max_upload_mb: float) -> tuple[str, bytes, str | None, int]:
    """(name, bytes, refusal reason or None, HTTP status of the refusal) of one uploaded file.

    Blocking (the spooled file may be on disk): call it from a worker thread.
    """
    name = f.filename or ""
    reason = check_file_name(name)
    if reason is not None:
        return name, b"", reason, 400
    f.file.seek(0)
    data = f.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        return name, b"", f"文件过大，上限 {max_upload_mb:g} MB", 413
    if not data:
        return name, b"", "空文件", 400
    return name, data, None, 200


def accept_uploads(request: Request, files: list[Any], v: Viewer, *, region: Any, year: Any,
                   dept_type: Any) -> tuple[str, list[dict], list[dict]]:
    """Store every acceptable file and queue it; (batch id, accepted, rejected). Blocking.

    Each file is filed by :func:`jixiao.store.policy.file_in_scope`: a 填报人's upload under their own
    department and region (kept across restarts), a 审核人's in their region.
    """
    from jixiao.web.deps import wb

    bench = wb(request)
    if not policy.allowed(v, "create", "report"):
        raise api_error(403, "无权上传报告")
    batch = uuid.uuid4().hex[:12]
    accepted: list[dict] = []
    rejected: list[dict] = []
    year_int = int(year) if year and str(year).strip().isdigit() else None
    region = region if isinstance(region, str) else None
    dept_type = dept_type if isinstance(dept_type, str) else None
    department, filed_region, fixed = policy.file_in_scope(v, "report", department=None,
                                                           region=(region or "").strip() or v.region)
    for f in files:
        if not isinstance(f, UploadFile):
            continue
        name, data, reason, status = read_upload(f, bench.max_bytes, bench.max_upload_mb)
        if reason is None:
            reason, status = check_declared(name, data, bench.processor.budget), 413
        if reason is not None:
            rejected.append({"file": name, "error": reason, "status": status})
            continue
        rid = bench.store.add_report(file_name=name, sha256=hashlib.sha256(data).hexdigest(), data=data,
                                     batch=batch, department=department, region=filed_region, year=year_int,
                                     dept_type=(dept_type or "").strip() or None, uploaded_by=v.id,
                                     filed_by_scope=fixed)
        bench.processor.submit(rid, v.id)
        accepted.append({"id": rid, "file": name})
    return batch, accepted, rejected
