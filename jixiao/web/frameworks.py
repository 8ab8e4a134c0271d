"""Frameworks uploaded by an administrator: validated by :mod:`jixiao.scoring`, kept in the database,
and written to a private folder so the scoring engine loads them by path like any framework file.

No parsing here: validation is :func:`jixiao.scoring.parse_framework` (the loader behind
``load_framework``), whose :class:`~jixiao.scoring.FrameworkError` lists ``file:line: key: problem``.
Before it, :mod:`jixiao.safeyaml` refuses anchors and aliases and counts the nodes, so a few hundred
bytes cannot expand into a billion nodes in the loader (or in every later view of the list).
"""

from __future__ import annotations

import atexit
import logging
import re
import shutil
import tempfile
import threading
from pathlib import Path, PurePath
from typing import Any

from jixiao import safeyaml
from jixiao.store import Store, Viewer

log = logging.getLogger("jixiao.web")

MAX_FRAMEWORK_BYTES = 512 * 1024
FRAMEWORK_SUFFIXES = (".yaml", ".yml")
_SAFE_ID = re.compile(r"(?!\.)[\w.-]{1,100}")


class UploadRefused(ValueError):
    """An upload that never reached the loader (name, size, encoding); one line."""


class FrameworkInvalid(ValueError):
    """The loader's problems, one ``file:line: key: problem`` per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class StoredFrameworks:
    """The database's uploaded frameworks mirrored as ``<row id>-<sha256>.yaml`` files in ``folder``.

    :meth:`paths` brings the folder in line with the database (one small query; files are written only
    when a framework was added, replaced or deleted, by this or another server process) and returns
    ``{framework id: path}`` for :mod:`jixiao.web.services`.
    """

    def __init__(self, store: Store, folder: str | Path | None = None):
        self.store = store
        self._own = folder is None
        self.folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="jixiao-frameworks-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        if self._own:
            atexit.register(self.close)

    def close(self) -> None:
        if self._own:
            shutil.rmtree(self.folder, ignore_errors=True)

    def paths(self) -> dict[str, Path]:
        rows = self.store.stored_frameworks()
        wanted = {f"{r.id}-{r.sha256[:16]}.yaml": r for r in rows}
        with self._lock:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
            for p in self.folder.glob("*.yaml"):
                if p.name not in wanted:
                    p.unlink(missing_ok=True)
            out: dict[str, Path] = {}
            for file, r in wanted.items():
                path = self.folder / file
                if not path.exists():
                    text = self.store.framework_yaml(r.framework_id)
                    if text is None:  # deleted meanwhile
                        continue
                    try:
                        safeyaml.check(text, file)
                    except safeyaml.YAMLRefused as exc:  # stored before the check existed: left out
                        log.warning("stored framework %s not offered: %s", r.framework_id, exc)
                        continue
                    tmp = path.with_suffix(".tmp")
                    tmp.write_text(text, encoding="utf-8")
                    tmp.replace(path)
                out[r.framework_id] = path
            return out

    def rows(self) -> list[Any]:
        return self.store.stored_frameworks()

    # -- upload / delete ---------------------------------------------------------------------------------
    def upload(self, file_name: str, data: bytes, by: Viewer | None, *, may_replace: bool = True) -> tuple[Any, bool]:
        """Validate and store; (row, created). Raises UploadRefused, FrameworkInvalid, or PermissionError
        when the id is a shipped framework's (or an uploaded one's, unless ``may_replace``)."""
        from jixiao.scoring import FrameworkError, parse_framework

        name = PurePath(file_name.replace("\\", "/")).name.strip() if file_name else ""
        if not name or name.startswith("."):
            raise UploadRefused("缺少文件名")
        if PurePath(name).suffix.lower() not in FRAMEWORK_SUFFIXES:
            raise UploadRefused("指标体系文件须为 .yaml 或 .yml")
        if not data:
            raise UploadRefused("空文件")
        if len(data) > MAX_FRAMEWORK_BYTES:
            raise UploadRefused(f"文件过大，上限 {MAX_FRAMEWORK_BYTES // 1024} KB")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UploadRefused("文件不是 UTF-8 编码") from None
        try:
            safeyaml.check(text, name, safeyaml.YAMLLimits(max_bytes=MAX_FRAMEWORK_BYTES, max_nodes=20_000))
        except safeyaml.YAMLRefused as exc:
            raise FrameworkInvalid([str(exc)]) from None
        try:
            fw = parse_framework(text, name)
        except FrameworkError as exc:
            raise FrameworkInvalid(list(exc.problems)) from None
        if not _SAFE_ID.fullmatch(fw.id):
            raise UploadRefused(f"指标体系 id {fw.id!r} 只能包含字母、数字、汉字和 - _ .（不超过 100 个字符）")
        if self.is_builtin(fw.id):
            raise PermissionError(f"{fw.id} 是内置指标体系，不能覆盖；请换一个 id")
        if not may_replace and self.store.framework_yaml(fw.id) is not None:
            raise PermissionError(f"指标体系 {fw.id} 已存在，无权替换")
        return self.store.save_framework(fw.id, fw.name, name, text, uploaded_by=by)

    def delete(self, framework_id: str) -> bool:
        return self.store.delete_framework(framework_id)

    def is_builtin(self, framework_id: str) -> bool:
        """A shipped framework's id (those can be neither replaced nor deleted)."""
        from jixiao.scoring import list_frameworks

        # A folder that does not exist: only the shipped frameworks, whatever $JIXIAO_FRAMEWORKS says.
        return framework_id in {f.id for f in list_frameworks(self.folder / "-") if f.builtin}
