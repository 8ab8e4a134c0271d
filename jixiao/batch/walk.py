"""The inputs of a batch: files, folders walked lazily, globs; and the content hash that identifies a report."""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from jixiao.ingest import SUPPORTED_SUFFIXES

EVALUATION_SUFFIXES = (".yaml", ".yml", ".json")
#: Suffixes picked up when walking a folder or expanding a glob.
BATCH_SUFFIXES = tuple(sorted(set(SUPPORTED_SUFFIXES) | set(EVALUATION_SUFFIXES)))


def iter_inputs(paths: Iterable[str | Path]) -> Iterator[str]:
    """Every input file named by ``paths``, lazily and in a stable order.

    A folder is walked recursively and a glob expanded, keeping only
    :data:`BATCH_SUFFIXES` (hidden files and folders skipped). A file named
    explicitly is always yielded, whatever its suffix, so an unsupported type is
    recorded as an error rather than silently dropped; a name that does not exist
    is yielded too (the driver reports it as missing).
    """
    for raw in paths:
        raw = str(raw)
        p = Path(raw)
        if p.is_dir():
            yield from _walk(p)
        elif p.exists() or not glob.has_magic(raw):
            yield raw
        else:
            for match in sorted(glob.iglob(raw, recursive=True)):
                mp = Path(match)
                if mp.is_dir():
                    yield from _walk(mp)
                elif _wanted(mp.name):
                    yield match


def _wanted(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in BATCH_SUFFIXES


def _walk(root: Path) -> Iterator[str]:
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if _wanted(name):
                yield os.path.join(dirpath, name)


def count_inputs(paths: Iterable[str | Path]) -> int:
    return sum(1 for _ in iter_inputs(paths))


def file_sha256(path: str | Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
