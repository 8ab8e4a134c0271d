"""Pages → :class:`~jixiao.ingest.base.Document`: prepare, read with an engine, lay out, repair, emit.

:func:`read_pages` is the one entry: it takes page images (a scanned PDF's rendered pages or an
image's frames), keeps the pages that already have text, and builds the document through
:class:`~jixiao.ingest.base.TextBuilder` so the text, the tables and the per-word confidences
share one set of offsets, as for any digital format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from jixiao.ingest.base import Document, IngestError, TextBuilder
from jixiao.ocr import engines
from jixiao.ocr.layout import Line, PageLayout, Word, blank, col_of, layout_page, prepare
from jixiao.ocr.repair import clean_words, repair_map
from jixiao.ocr.settings import OcrSettings


def _is_ascii_word_char(c: str) -> bool:
    return c.isascii() and (c.isalnum() or c in "%.")


def _join(words: Iterable[Word], h: float) -> tuple[str, list[int], list[Word]]:
    """Words of one segment → text (spaces only between Latin/digit words), char→word index, words."""
    ws = list(words)
    chars: list[str] = []
    owner: list[int] = []
    prev: Word | None = None
    for i, w in enumerate(ws):
        if prev is not None and chars:
            gap = w.x0 - prev.x1
            # character boxes (rapidocr): a dropped thousands comma leaves a gap as wide as a space
            need = 0.5 * h if len(w.text) == 1 and len(prev.text) == 1 else 0.3 * h
            if gap > need and _is_ascii_word_char(chars[-1]) and _is_ascii_word_char(w.text[0]):
                chars.append(" ")
                owner.append(i - 1)
        for c in w.text:
            chars.append(c)
            owner.append(i)
        prev = w
    return "".join(chars), owner, ws


_SEG_LEAD = "”’\"'|｜"
_SEG_TRAIL = "“‘|｜"


def _piece(words: Iterable[Word], h: float) -> tuple[str, list[tuple[int, int, float]]]:
    """Repaired text of some words and the (start, end, conf) span of each word in it."""
    raw, owner, ws = _join(words, h)
    text, idx = repair_map(raw)
    # a segment never starts with a closing quote nor ends with an opening one: specks and rule remnants
    text_stripped = text.strip().lstrip(_SEG_LEAD).rstrip(_SEG_TRAIL).strip()
    lead = text.index(text_stripped) if text_stripped else 0
    spans: list[tuple[int, int, float]] = []
    cur = None
    for k in range(lead, lead + len(text_stripped)):
        if text[k] == " ":
            continue
        wi = owner[idx[k]] if idx[k] < len(owner) else owner[-1]
        if cur is not None and cur[2] == wi and cur[1] == k - lead:
            cur[1] = k - lead + 1
        else:
            if cur is not None:
                spans.append((cur[0], cur[1], ws[cur[2]].conf))
            cur = [k - lead, k - lead + 1, wi]
    if cur is not None:
        spans.append((cur[0], cur[1], ws[cur[2]].conf))
    return text_stripped, spans



_END_PUNCT = "。！？；：:;!?"


def _emit_page(b: TextBuilder, layout: PageLayout, page_no: int, confs: list) -> None:
    all_lines = [ln for blk in layout.blocks for ln in blk[1]]
    if not all_lines:
        return
    right = max(ln.x1 for ln in all_lines)
    left = min(ln.x0 for ln in all_lines)
    for blk in layout.blocks:
        if blk[0] == "table":
            _emit_table(b, blk[1], blk[2], page_no, confs)
        else:
            _emit_para(b, blk[1], left, right, confs)


_NUM_WRAP_END = re.compile(r"\d[.,]?$")
_NUM_WRAP_START = re.compile(r"[\d.,%]")


def _emit_para(b: TextBuilder, lines: list[Line], left: float, right: float, confs: list) -> None:
    parts: list[str] = []
    spans: list[tuple[int, int, float]] = []
    pos = 0
    prev: Line | None = None
    for ln in lines:
        text, sp = _line_text(ln)
        if not text:
            continue
        if parts:
            # a line that reaches the right margin and does not end a sentence wraps into the next one
            wraps = (prev is not None and prev.x1 >= right - 2.0 * prev.h and ln.x0 <= left + 2.5 * ln.h
                     and parts[-1][-1:] not in _END_PUNCT)
            # a figure broken over the wrap (``5.`` / ``95万元``) is one figure again; Latin words get a space
            sep = "" if wraps and (_NUM_WRAP_END.search(parts[-1]) and _NUM_WRAP_START.match(text) or not (
                _is_ascii_word_char(parts[-1][-1]) and _is_ascii_word_char(text[0]))) \
                else (" " if wraps else "\n")
            parts.append(sep)
            pos += len(sep)
        parts.append(text)
        spans.extend((s + pos, e + pos, c) for s, e, c in sp)
        pos += len(text)
        prev = ln
    if not parts:
        return
    base = b.length  # where this paragraph starts
    b.para("".join(parts))
    confs.extend((s + base, e + base, c) for s, e, c in spans)


def _line_text(ln: Line) -> tuple[str, list[tuple[int, int, float]]]:
    """A non-table line: segments joined by one space (none between CJK unless the gap is wide)."""
    out = ""
    spans: list[tuple[int, int, float]] = []
    prev_x1 = None
    for seg in ln.segs:
        t, sp = _piece(seg.words, ln.h)
        if not t:
            continue
        if out:
            wide = prev_x1 is not None and seg.x0 - prev_x1 > 4 * ln.h
            if wide or (_is_ascii_word_char(out[-1]) and _is_ascii_word_char(t[0])):
                out += " "
        prev_x1 = seg.x1
        spans.extend((s + len(out), e + len(out), c) for s, e, c in sp)
        out += t
    return out, spans


def _emit_table(b: TextBuilder, lines: list[Line], cols: list[list[float]], page_no: int, confs: list) -> None:
    grid: list[list[str]] = []
    cell_spans: dict[tuple[int, int], list[tuple[int, int, float]]] = {}
    for r, ln in enumerate(lines):
        row = [""] * len(cols)
        by_col: dict[int, list[Word]] = {}
        for seg in ln.segs:
            by_col.setdefault(col_of(seg, cols), []).extend(seg.words)
        for c, ws in by_col.items():
            t, sp = _piece(ws, ln.h)
            t = t.replace("\t", " ")
            row[c] = t
            cell_spans[(r, c)] = sp
        grid.append(row)
    b.table(grid, page=page_no)
    table = b.tables[-1]
    new_cells = []
    for cell in table.cells:
        sp = cell_spans.get((cell.row, cell.col), [])
        if cell.text != grid[cell.row][cell.col]:  # the builder cleaned it differently: no word spans
            sp = []
        confs.extend((s + cell.start, e + cell.start, c) for s, e, c in sp)
        low = min((c for _, _, c in sp), default=None)
        new_cells.append(replace(cell, confidence=_dec(low)) if low is not None else cell)
    b.tables[-1] = replace(table, cells=tuple(new_cells))


def _dec(conf: float) -> Decimal:
    return Decimal(f"{conf:.2f}")


#: Raw engine score → calibrated confidence, piecewise linear through these knots. Measured with
#: bench/ocr.py (docs/ocr.md): the raw score above which a figure is read right ≥ 95 % of the time maps to 0.9,
#: the auditor's threshold, so correctly read figures usually carry ≥ 0.9 and misreads mostly fall below.
CALIBRATION: dict[str, tuple[tuple[float, float], ...]] = {
    "tesseract": ((0.0, 0.0), (0.75, 0.9), (1.0, 1.0)),
    "rapidocr": ((0.0, 0.0), (0.9, 0.9), (1.0, 1.0)),
}


def calibrate(engine: str, raw: float, settings: OcrSettings | None = None) -> float:
    """The calibrated 0-1 confidence of an engine's raw word score (``settings.calibrate`` off: raw)."""
    if settings is not None and not settings.calibrate:
        return raw
    knots = CALIBRATION.get(engine, ((0.0, 0.0), (1.0, 1.0)))
    for (x0, y0), (x1, y1) in zip(knots, knots[1:], strict=False):
        if raw <= x1:
            return y0 + (y1 - y0) * (raw - x0) / (x1 - x0) if x1 > x0 else y1
    return knots[-1][1]



def read_pages(images: Iterable, name: str, fmt: str, settings: OcrSettings, *,
               dpis: Sequence[int] | None = None, text_pages: Sequence[str | None] | None = None,
               meta: dict | None = None) -> Document:
    """OCR PIL images (one per page) into a Document; ``text_pages[i]`` (when not None) is kept as is.

    ``dpis[i]`` is the resolution of page i (default ``settings.dpi``). An engine that reads several
    pages at once (tesseract: one process for a few pages) is given them in groups of its ``chunk``.
    """
    engine = engines.get(settings)
    chunk = getattr(engine, "chunk", 1)
    b = TextBuilder()
    confs: list[tuple[int, int, float]] = []
    ocr_pages: list[int] = []
    failed: list[int] = []
    # pages wait here (in order) until `chunk` of them need the engine
    pending: list[list] = []  # [page index, kept text or None, prepared image or None, rules, dpi, words]

    def flush() -> None:
        jobs = [r for r in pending if r[2] is not None]
        k = 0
        while k < len(jobs):
            group = [jobs[k]]
            while k + len(group) < len(jobs) and jobs[k + len(group)][4] == group[0][4]:
                group.append(jobs[k + len(group)])
            k += len(group)
            read_group(group)
        for i, kept, page_img, rules, _, words in pending:
            b.new_page()
            if kept is not None:
                b.para(kept)
            elif page_img is not None and words is not None:
                ocr_pages.append(i + 1)
                _emit_page(b, layout_page(clean_words(words), rules), i + 1, confs)
        pending.clear()

    def read_group(group: list[list]) -> None:
        try:
            got = engines.read_many(engine, [r[2] for r in group])
        except engines.PageTimeout:  # keep the other pages; say which one is missing
            if len(group) > 1:
                for r in group:
                    read_group([r])
            else:
                failed.append(group[0][0] + 1)
            return
        except engines.EngineError as exc:
            raise IngestError(name, f"第 {group[0][0] + 1} 页 OCR 失败 (OCR failed: {exc})") from None
        for r, words in zip(group, got, strict=True):
            r[5] = [replace(w, conf=calibrate(engine.name, w.conf, settings)) for w in words]

    n = 0
    for i, img in enumerate(images):
        n += 1
        kept = text_pages[i] if text_pages is not None and i < len(text_pages) else None
        page_dpi = dpis[i] if dpis and i < len(dpis) else settings.dpi
        if kept is not None or blank(img, page_dpi):
            pending.append([i, kept, None, [], page_dpi, None])
        else:
            page_img, rules = prepare(img, page_dpi) if settings.prepare else (img.copy(), [])
            page_img.info["dpi"] = (page_dpi, page_dpi)  # what the engine reads the resolution from
            pending.append([i, None, page_img, rules, page_dpi, None])
        if sum(r[2] is not None for r in pending) >= chunk:
            flush()
    flush()
    failed.sort()
    if failed and not ocr_pages and not any(text_pages or ()):
        raise IngestError(name, f"OCR 超时 (OCR timed out after {settings.page_timeout:.0f} s per page)")
    m = {"pages": n, "ocr": engine.name, "ocr_pages": ocr_pages, "ocr_dpi": settings.dpi}
    if failed:
        m["ocr_timed_out_pages"] = failed
    m.update(meta or {})
    return b.build(name, fmt, meta=m, ocr=True,
                   confidences=tuple((s, e, _dec(c)) for s, e, c in sorted(confs)))
