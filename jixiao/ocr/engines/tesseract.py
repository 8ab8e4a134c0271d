"""tesseract: the Debian ``tesseract-ocr`` binary with ``tesseract-ocr-chi-sim``, TSV output.

``tesseract stdin stdout -l chi_sim --psm 4 --dpi N tsv`` gives word boxes, 0-100 confidences and the
engine's own line ids. Up to :data:`CHUNK` pages go through one process as a multi-page TIFF on stdin:
each process loads the model again (~0.2 CPU-second, a tenth to a fifth of a page's cost).
``--psm 4`` (a column of lines of varying size) reads form rows as lines where ``--psm 6`` lost the
numeric columns of wide tables; ``chi_sim`` alone, because ``chi_sim+eng`` turned Chinese table cells
into Latin garbage.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

from jixiao.ocr.engines.base import EngineError, PageTimeout
from jixiao.ocr.layout import Word

#: Pages read by one tesseract process.
CHUNK = 4


@functools.cache
def languages() -> frozenset[str]:
    """The languages the installed tesseract has (empty when there is no tesseract)."""
    exe = shutil.which("tesseract")
    if not exe:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(ln.strip() for ln in (out.stdout + out.stderr).splitlines()[1:] if ln.strip())


class TesseractEngine:
    name = "tesseract"
    chunk = CHUNK

    def __init__(self, *, lang: str = "chi_sim", psm: str = "4", threads: int = 1, page_timeout: float = 180.0):
        self.lang, self.psm, self.threads, self.page_timeout = lang, psm, threads, page_timeout

    def words(self, image: Any) -> list[Word]:
        return self.pages([image])[0]

    def pages(self, images: Sequence[Any]) -> list[list[Word]]:
        """Pages of one resolution through one tesseract process; the words of each, in order.

        The time limit is ``page_timeout`` per page; a group that runs out of time raises
        :class:`PageTimeout` and the caller reads its pages one by one to find the slow one.
        """
        exe = shutil.which("tesseract")
        if not exe:
            raise EngineError("tesseract not found")
        dpi = int(round((images[0].info.get("dpi") or (300,))[0]))
        buf = io.BytesIO()
        pages = [im.convert("L") for im in images]
        if len(pages) == 1:
            pages[0].save(buf, format="PPM")  # uncompressed PGM: cheaper to write than PNG, leptonica reads it
        else:
            pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])  # uncompressed
        env = dict(os.environ)
        env.setdefault("OMP_THREAD_LIMIT", str(self.threads))
        cmd = [exe, "stdin", "stdout", "-l", self.lang, "--psm", self.psm, "--dpi", str(dpi),
               "-c", "tessedit_do_invert=0", "tsv"]
        try:
            proc = subprocess.run(cmd, input=buf.getvalue(), capture_output=True,
                                  timeout=self.page_timeout * len(pages), env=env)
        except subprocess.TimeoutExpired:
            raise PageTimeout() from None
        if proc.returncode != 0:
            raise EngineError(proc.stderr.decode("utf-8", "replace").strip()[:200] or "tesseract failed")
        return parse_tsv(proc.stdout.decode("utf-8", "replace"), len(pages))


def parse_tsv(tsv: str, n_pages: int) -> list[list[Word]]:
    """tesseract's TSV → the words of each page (level-5 rows), with the engine's (block, paragraph, line) ids."""
    out: list[list[Word]] = [[] for _ in range(n_pages)]
    for row in tsv.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5":
            continue
        text = f[11].strip()
        if not text:
            continue
        try:
            page = int(f[1]) - 1
            left, top, width, height = (int(v) for v in f[6:10])
            conf = float(f[10])
        except ValueError:
            continue
        if 0 <= page < len(out):
            out[page].append(Word(text, left, top, left + width, top + height, max(0.0, min(1.0, conf / 100)),
                                  line=(int(f[2]), int(f[3]), int(f[4]))))
    return out
