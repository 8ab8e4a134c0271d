"""The one way a verb reads an input file: bounded (``pipeline.load_limited``), and a file that cannot be read
becomes its one-line reason instead of an exception, so the verb goes on with the next file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


def load_or_reason(path: Path, **kw: Any) -> tuple[tuple[Any, Any] | None, str | None]:
    """``((evaluation, document), None)``, or ``(None, reason)`` when the file cannot be read."""
    from jixiao.ingest import IngestError
    from jixiao.pipeline import load_limited

    try:
        return load_limited(path, **kw), None
    except IngestError as exc:
        return None, exc.reason
    except ImportError as exc:
        return None, f"无法读取该格式：缺少组件 {exc.name or exc}"
    except (ValueError, OSError) as exc:
        return None, " ".join(str(exc).removeprefix(f"{path}: ").split())


def loaded_files(files: Iterable[Path], records: list[dict], **kw: Any) -> Iterator[tuple[Path, Any, Any]]:
    """``(path, evaluation, document)`` for each file that reads; one that does not gets its one-line error on
    stderr and a ``{"file", "error"}`` entry in ``records`` (where the verb's output goes), in its place."""
    from jixiao.cli import error_line

    for path in files:
        got, reason = load_or_reason(path, **kw)
        if got is None:
            error_line(str(path), reason)
            records.append({"file": str(path), "error": reason})
            continue
        yield path, *got


def any_unreadable(records: list[dict]) -> bool:
    return any("error" in r for r in records)
