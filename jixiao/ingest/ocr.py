"""OCR for scanned PDFs and page images, offline, into the same :class:`Document` as every reader.

Engines (chosen by ``opts["ocr_engine"]``, ``$JIXIAO_OCR_ENGINE`` or the default):

* ``rapidocr`` (default when installed, ``pip install jixiao[ocr]``): ``rapidocr-onnxruntime`` from PyPI,
  whose PP-OCRv4 ONNX models ship inside the wheel. The most accurate on Chinese print (see docs/ocr.md).
* ``tesseract``: the Debian ``tesseract-ocr`` binary with ``tesseract-ocr-chi-sim``, called once per few pages
  with TSV output (word boxes, 0-100 confidences). Less accurate on dense Chinese narrative, and no faster.

Nothing is downloaded at run time by either.

Whatever the engine, a page becomes a list of :class:`Word` boxes, which are

1. grouped into lines (the engine's own line ids, or y-clustering corrected for skew);
2. cut into segments at wide gaps; runs of consecutive lines whose gaps line up in common gutters are a
   table, emitted through :meth:`TextBuilder.table` as tab-separated rows, as a digital grid would be;
3. repaired where the context makes the reading certain (:func:`repair`), before the text is built, so the
   offsets of ``Document.text``, ``tables`` and ``confidences`` all agree.

``Document.confidences`` holds ``(start, end, Decimal)`` for every word (tesseract) or text box (rapidocr).
"""

from __future__ import annotations

import bisect
import functools
import io
import os
import re
import shutil
import statistics
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from jixiao.ingest.base import Document, IngestError, TextBuilder

__all__ = ["ENGINES", "Word", "available", "default_engine", "ocr_pdf_bytes", "ocr_image_bytes", "ocr_images",
           "repair", "layout_page", "MAX_OCR_PAGES", "DEFAULT_DPI"]

ENGINES = ("tesseract", "rapidocr")
#: Resolution at which PDF pages are rendered for OCR.
DEFAULT_DPI = 300
#: Scanned documents with more pages than this are refused (bounded time); $JIXIAO_OCR_MAX_PAGES overrides.
MAX_OCR_PAGES = int(os.environ.get("JIXIAO_OCR_MAX_PAGES", "200"))
#: Seconds one page may take in the tesseract binary.
PAGE_TIMEOUT = float(os.environ.get("JIXIAO_OCR_PAGE_TIMEOUT", "180"))
DEFAULT_LANG = "chi_sim"
NOT_INSTALLED = ("未安装 OCR 组件 (OCR is not installed: pip install jixiao[ocr], or Debian "
                 "tesseract-ocr-chi-sim)")


@dataclass(frozen=True, slots=True)
class Word:
    """One box read by the engine: text, pixel box, confidence 0-1, the engine's line id when it has one."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float
    line: tuple | None = None

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


# ---------------------------------------------------------------------------------------------------
# engines


@functools.cache
def _tesseract_langs() -> frozenset[str]:
    exe = shutil.which("tesseract")
    if not exe:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(ln.strip() for ln in (out.stdout + out.stderr).splitlines()[1:] if ln.strip())


def _has_rapidocr() -> bool:
    import importlib.util

    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def _has_pil() -> bool:
    import importlib.util

    return importlib.util.find_spec("PIL") is not None


def available(engine: str | None = None) -> bool:
    """Whether OCR can run here: the engine (default: the configured one) and Pillow are installed."""
    if not _has_pil():
        return False
    engine = engine or default_engine()
    if engine == "tesseract":
        return "chi_sim" in _tesseract_langs()
    if engine == "rapidocr":
        return _has_rapidocr()
    return False


def default_engine() -> str:
    """$JIXIAO_OCR_ENGINE when set, else rapidocr when installed (the more accurate), else tesseract."""
    env = os.environ.get("JIXIAO_OCR_ENGINE", "").strip().lower()
    if env in ENGINES:
        return env
    if _has_rapidocr():
        return "rapidocr"
    return "tesseract"


def _tesseract_words(img, dpi: int, lang: str) -> list[Word]:
    """One page through tesseract (TSV: word boxes, 0-100 confidences, the engine's line ids)."""
    return _tesseract_pages([img], dpi, lang)[0]


#: tesseract reads up to this many pages in one process, as a multi-page TIFF on stdin: each process loads
#: the model again (~0.2 CPU-second, a tenth to a fifth of a page's cost).
TESSERACT_CHUNK = 4


def _tesseract_pages(imgs: Sequence, dpi: int, lang: str) -> list[list[Word]]:
    """Pages (same dpi) through one tesseract process; the words of each, in order.

    The timeout is PAGE_TIMEOUT per page; a batch that runs out of time is raised as TimeoutExpired and the
    caller reads its pages one by one to find the slow one.
    """
    exe = shutil.which("tesseract")
    if not exe:
        raise RuntimeError("tesseract not found")
    buf = io.BytesIO()
    pages = [im.convert("L") for im in imgs]
    if len(pages) == 1:
        pages[0].save(buf, format="PPM")  # uncompressed PGM: cheaper to write than PNG, leptonica reads it
    else:
        pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])  # uncompressed
    env = dict(os.environ)
    env.setdefault("OMP_THREAD_LIMIT", str(_threads()))
    cmd = [exe, "stdin", "stdout", "-l", lang, "--psm", os.environ.get("JIXIAO_OCR_PSM", "4"), "--dpi", str(dpi),
           "-c", "tessedit_do_invert=0", "tsv"]
    proc = subprocess.run(cmd, input=buf.getvalue(), capture_output=True, timeout=PAGE_TIMEOUT * len(pages),
                          env=env)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip()[:200] or "tesseract failed")
    out: list[list[Word]] = [[] for _ in pages]
    for row in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
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


@functools.cache
def _rapidocr_engine():
    """rapidocr's engine, with its two networks swapped for their simplified graphs (:mod:`.ocr_graph`)."""
    from rapidocr_onnxruntime import RapidOCR

    from jixiao.ingest import ocr_graph

    # pages are upright: no angle classifier; one thread (batch parallelises across files)
    eng = RapidOCR(use_cls=False, intra_op_num_threads=_threads(), inter_op_num_threads=1, rec_batch_num=1)
    if os.environ.get("JIXIAO_OCR_SIMPLIFY", "1") != "0":
        for holder, probe in ((getattr(getattr(eng, "text_det", None), "infer", None), (1, 3, 96, 96)),
                              (getattr(getattr(eng, "text_rec", None), "session", None), (1, 3, 48, 96))):
            ref = getattr(holder, "session", None)
            path = ref._model_path if ref is not None and isinstance(getattr(ref, "_model_path", None), str) else None
            fast = ocr_graph.session(path, _threads(), ref, probe) if path else None
            if fast is not None:
                holder.session = fast
    return eng


def _threads() -> int:
    """Threads per OCR call ($JIXIAO_OCR_THREADS, default 1: ``jixiao batch`` parallelises across files)."""
    try:
        return max(1, int(os.environ.get("JIXIAO_OCR_THREADS", "1")))
    except ValueError:
        return 1


#: rapidocr reads lines from the page brought down to this longest side (its own default, ~170 dpi on A4).
RAPID_MAX_SIDE = 2000
#: ... and finds them on a copy half that size (~86 dpi on A4), but not below RAPID_DET_MIN_SIDE: text-line
#: detection does not need the glyph detail that recognition does, and costs in proportion to the pixels
#: (0.5: same field recall on the bench as 0.7 and 1.0, 7 pt lines still found; a sparse page ~25 % cheaper).
RAPID_DET_SCALE = 0.5
RAPID_DET_MIN_SIDE = 1000


def _rapidocr_lines(arr):
    """rapidocr's (box, text, score, char boxes, chars, char scores) items for a grey or RGB page array.

    Detection runs on a reduced copy, recognition on crops of the larger image; coordinates are the input's.
    A grey page stays grey up to the networks' inputs (a third of the resizing and cropping work).
    Falls back to the engine's own pipeline when its parts are not where rapidocr 1.4 keeps them.
    """
    import cv2
    import numpy as np

    eng = _rapidocr_engine()
    h, w = arr.shape[:2]
    if h <= getattr(eng, "min_height", 30) or w > getattr(eng, "width_height_ratio", 8) * h:
        return _rapidocr_whole(eng, arr)  # a strip: rapidocr pads it before detection; let it
    ratio = min(1.0, RAPID_MAX_SIDE / max(h, w))
    img = cv2.resize(arr, (round(w * ratio), round(h * ratio)), interpolation=cv2.INTER_AREA) if ratio < 1 else arr
    det_scale = min(1.0, max(RAPID_DET_SCALE, RAPID_DET_MIN_SIDE / max(img.shape[:2])))
    try:
        det_img = img if det_scale >= 1 else cv2.resize(
            img, (round(img.shape[1] * det_scale), round(img.shape[0] * det_scale)), interpolation=cv2.INTER_AREA)
        boxes, _ = eng.text_det(_rgb(det_img))
        if boxes is None or len(boxes) == 0:
            return []
        boxes = eng.sorted_boxes(np.asarray(boxes, dtype=np.float32) / det_scale)
        crops = eng.get_crop_img_list(img, boxes)
        rec = _recognize(eng, crops, boxes)
    except (AttributeError, TypeError):  # another rapidocr layout: its whole pipeline, at its own sizes
        return _rapidocr_whole(eng, arr)
    out = []
    for box, res in zip(boxes, rec, strict=True):
        if not res[0] or float(res[1]) < eng.text_score:
            continue
        item = [(np.asarray(box) / ratio).tolist(), str(res[0]), float(res[1])]
        if len(res) >= 5:
            item += [[(np.asarray(b, dtype=np.float32) / ratio).tolist() for b in res[2]], res[3], res[4]]
        out.append(item)
    return out


#: The recogniser's input height (PP-OCRv4) and the narrowest input it is given: rapidocr pads every line to
#: 320 pixels, so a short table cell cost as much as a line of six characters (the padding changes nothing
#: in what is read: same field recall and confidences on the bench).
REC_HEIGHT = 48
REC_MIN_WIDTH = 64


def _recognize(eng, crops: Sequence, boxes: Sequence) -> list[list]:
    """Each line crop through the recogniser, one at a time and unpadded: [text, score, char boxes, chars, char scores].

    Character boxes are placed on the page from the CTC columns where each character was decoded (as rapidocr's
    ``cal_rec_boxes`` does, without its per-box geometry in Python): a character's box is centred on its column
    and as wide as the mean spacing of its kind (CJK, or Latin and digits) on the line.
    """
    import cv2
    import numpy as np

    sess = eng.text_rec.session.session
    inp = sess.get_inputs()[0].name
    decode = eng.text_rec.postprocess_op
    out = []
    for crop, box in zip(crops, boxes, strict=True):
        h, w = crop.shape[:2]
        rw = max(1, int(REC_HEIGHT * w / max(1, h)))  # as rapidocr sizes a line
        pw = max(rw, REC_MIN_WIDTH)
        x = np.zeros((1, 3, REC_HEIGHT, pw), dtype=np.float32)
        resized = cv2.resize(crop, (rw, REC_HEIGHT)).astype(np.float32)
        x[0, :, :, :rw] = (resized if resized.ndim == 2 else resized.transpose(2, 0, 1)) / 127.5 - 1.0
        preds = sess.run(None, {inp: x})[0]
        text, score, info = decode(preds, True, wh_ratio_list=[rw / pw], max_wh_ratio=1.0)[0]
        cols = [c for wc in info[2] for c in wc]
        if not text or len(cols) != len(text) or _turned(box):
            out.append([text, score])
            continue
        out.append([text, score, _char_boxes(text, cols, info[0], box, w), list(text), list(info[4])])
    return out


def _turned(box) -> bool:
    """rapidocr turns a crop at least 1.5 times taller than wide by 90°: its columns run down the page."""
    import numpy as np

    b = np.asarray(box, dtype=np.float32)
    w = max(np.linalg.norm(b[0] - b[1]), np.linalg.norm(b[2] - b[3]))
    h = max(np.linalg.norm(b[0] - b[3]), np.linalg.norm(b[1] - b[2]))
    return w <= 0 or h / w >= 1.5


def _char_boxes(text: str, cols: list[int], ncols: float, box, crop_w: float) -> list[list[list[float]]]:
    """Page quadrilaterals of the characters decoded at ``cols`` of ``ncols`` columns spanning the line box."""
    import numpy as np

    b = np.asarray(box, dtype=np.float64)
    cell = crop_w / max(ncols, 1e-9)
    cjk = ["\u4e00" <= c <= "\u9fff" for c in text]
    widths: dict[bool, list[float]] = {True: [], False: []}
    start = 0
    for i in range(1, len(text) + 1):  # runs of one kind without a gap of more than 4 columns
        if i == len(text) or cjk[i] != cjk[start] or cols[i] - cols[i - 1] > 4:
            if i - start > 1:
                widths[cjk[start]].append((cols[i - 1] - cols[start]) * cell / (i - 1 - start))
            start = i
    fallback = crop_w / len(text)
    spans = []
    for c, k in zip(cols, cjk, strict=True):
        half = (sum(widths[k]) / len(widths[k]) if widths[k] else fallback) / 2
        centre = (c + 0.5) * cell
        spans.append([max(0.0, centre - half), min(crop_w, centre + half)])
    for a, nxt in zip(spans, spans[1:], strict=False):  # split an overlap between neighbours in half
        if a[1] > nxt[0]:
            mid = (a[1] + nxt[0]) / 2
            a[1], nxt[0] = mid, mid
    top, bottom = b[1] - b[0], b[2] - b[3]
    out = []
    for x0, x1 in spans:
        f0, f1 = x0 / crop_w, x1 / crop_w
        out.append([(b[0] + top * f0).tolist(), (b[0] + top * f1).tolist(), (b[3] + bottom * f1).tolist(),
                    (b[3] + bottom * f0).tolist()])
    return out


def _rgb(arr):
    import numpy as np

    return np.repeat(arr[:, :, None], 3, axis=2) if arr.ndim == 2 else arr


def _rapidocr_whole(eng, arr) -> list:
    """The engine's own pipeline (with character boxes when this rapidocr has them)."""
    arr = _rgb(arr)
    try:
        result, _ = eng(arr, use_cls=False, return_word_box=True)
    except TypeError:  # an older rapidocr without character boxes
        result, _ = eng(arr, use_cls=False)
    return result or []


def _rapidocr_words(img, dpi: int, lang: str) -> list[Word]:
    """rapidocr's text-line boxes, split into character boxes (``return_word_box``) so gaps stay visible."""
    import numpy as np

    grey = np.asarray(img.convert("L"))
    words = []
    for item in _rapidocr_lines(grey):
        box, text, score = item[0], str(item[1]), float(item[2])
        if len(item) >= 6 and len(item[4]) == len(item[3]) == len(item[5]) and item[3]:
            chars = [_box_word(str(ch), cbox, float(cs))
                     for cbox, ch, cs in zip(item[3], item[4], item[5], strict=True) if str(ch).strip()]
            words.extend(split_number_runs(chars, grey))
        elif text.strip():
            words.append(_box_word(text.strip(), box, score))
    return words


def split_number_runs(chars: list[Word], grey) -> list[Word]:
    """Mark the spaces the recognizer dropped between figures (``10 99.96% 9.98`` read as ``1099.96%9.98``).

    rapidocr emits no spaces, and the character boxes it estimates are too coarse to tell a space from the
    ordinary gap between digits. The page can: between a space-separated pair of figures there is a band of
    blank columns about a third of the glyph height wide, where two digits of one number leave a tenth, and a
    thousands comma (dropped by the recognizer) leaves ink at the baseline. Such a gap gets a space appended
    to the character before it.
    """
    out = list(chars)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if not (a.text[-1:] in "0123456789%" and b.text[:1] in "0123456789"):
            continue
        h = max(a.y1 - a.y0, b.y1 - b.y0)
        if h <= 0 or b.x0 - a.x1 < -0.2 * h:
            continue
        if _blank_run(grey, (a.x0 + a.x1) / 2, (b.x0 + b.x1) / 2, min(a.y0, b.y0), max(a.y1, b.y1)) >= 0.2 * h:
            out[i] = replace(a, text=a.text + " ")
    return out


def _blank_run(grey, xa: float, xb: float, y0: float, y1: float) -> int:
    """The widest run of ink-free columns of ``grey`` between xa and xb, rows y0..y1."""
    H, W = grey.shape[:2]
    xa, xb = max(0, int(xa)), min(W, int(xb) + 1)
    y0, y1 = max(0, int(y0)), min(H, int(y1) + 1)
    if xb - xa < 2 or y1 - y0 < 2:
        return 0
    ink = (grey[y0:y1, xa:xb] < 128).any(axis=0)
    best = run = 0
    for v in ink.tolist():
        run = 0 if v else run + 1
        best = max(best, run)
    return best


def _box_word(text: str, box, score: float) -> Word:
    xs = [p[0] for p in box]
    ys = [p[1] for p in box]
    return Word(text, float(min(xs)), float(min(ys)), float(max(xs)), float(max(ys)), max(0.0, min(1.0, score)))


_ENGINE_FUNCS: dict[str, Callable] = {"tesseract": _tesseract_words, "rapidocr": _rapidocr_words}


# ---------------------------------------------------------------------------------------------------
# image preparation: specks and ruling lines


@dataclass(frozen=True, slots=True)
class Rule:
    """A vertical ruling line found on the page (pixels): it separates the cells of a scanned grid."""

    x: float
    y0: float
    y1: float


def _long_runs(mask, min_len: int):
    """(row, start, end) of runs of True at least ``min_len`` long along axis 1, and the mask of them."""
    import numpy as np

    h, w = mask.shape
    pad = np.zeros((h, 1), dtype=np.int8)
    diff = np.diff(np.concatenate([pad, mask.astype(np.int8), pad], axis=1), axis=1)
    rs, cs = np.nonzero(diff == 1)
    _, ce = np.nonzero(diff == -1)  # row-major order: the k-th end closes the k-th start
    keep = (ce - cs) >= min_len
    runs = list(zip(rs[keep].tolist(), cs[keep].tolist(), ce[keep].tolist(), strict=True))
    out = np.zeros_like(mask)
    for r, a, b in runs:
        out[r, a:b] = True
    return runs, out


def _runs_mask(mask, min_len: int, *, horizontal: bool):
    """The pixels of ``mask`` that lie in a run of at least ``min_len`` along a row (or a column).

    A morphological opening with a line ``min_len`` long gives exactly that set; OpenCV (installed with
    rapidocr) does it in a few tens of milliseconds on a 300 dpi page, the NumPy run scan in ~0.15 s.
    """
    import numpy as np

    try:
        import cv2
    except ImportError:  # tesseract-only installs: the NumPy scan
        return _long_runs(mask, min_len)[1] if horizontal else _long_runs(mask.T, min_len)[1].T
    # erode with the line anchored at its start (a pixel stays where a full run starts), then dilate with it
    # anchored at its end (the run is restored): an opening without OpenCV's centring of even kernels
    kernel = np.ones((1, min_len) if horizontal else (min_len, 1), dtype=np.uint8)
    end = (min_len - 1, 0) if horizontal else (0, min_len - 1)
    m = np.ascontiguousarray(mask).view(np.uint8)
    starts = cv2.erode(m, kernel, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.dilate(starts, kernel, anchor=end, borderType=cv2.BORDER_CONSTANT, borderValue=0).view(bool)


def prepare(img, dpi: int):
    """Grey page → (page without specks and ruling lines, vertical rules).

    Ruling lines are runs of dark pixels longer than 0.4 inch (no CJK stroke at body size is), found on a
    mask widened by a pixel across the run so a page skewed by a degree or two still yields long runs.
    They are painted white (tesseract drops a ruled table wholesale otherwise), and the vertical ones are
    returned so the layout can split cells at them. Isolated dark pixels (scanner specks) are removed.
    """
    import numpy as np
    from PIL import Image

    a = np.asarray(img.convert("L"))
    if a.size == 0:
        return img, []
    bg = int(np.median(a[::4, ::4]))  # the paper's grey: a 1-in-16 sample is as good, and cheap
    if bg >= 128:
        # flatten the paper's grain to white: on a nearly blank page tesseract's own threshold would
        # otherwise land inside the grain and spend minutes "reading" noise
        a = np.where(a > bg - 50, 255, a).astype(np.uint8)
    dark = a < 180
    # specks: a dark pixel with no dark 8-neighbour
    p = np.pad(dark, 1)
    neigh = (p[:-2, :-2].astype(np.uint8) + p[:-2, 1:-1] + p[:-2, 2:] + p[1:-1, :-2] + p[1:-1, 2:]
             + p[2:, :-2] + p[2:, 1:-1] + p[2:, 2:])
    speck = dark & (neigh == 0)
    dark &= ~speck
    min_len = max(24, int(dpi * 0.4))
    dh = dark.copy()
    dh[1:] |= dark[:-1]
    dh[:-1] |= dark[1:]
    dv = dark.copy()
    dv[:, 1:] |= dark[:, :-1]
    dv[:, :-1] |= dark[:, 1:]
    mh = _runs_mask(dh, min_len, horizontal=True)
    mv = _runs_mask(dv, min_len, horizontal=False)
    cols = np.flatnonzero(mv.any(axis=0))  # few columns hold a rule: scan only those
    vruns = [(int(cols[r]), a0, b0) for r, a0, b0 in _long_runs(np.ascontiguousarray(mv[:, cols].T), min_len)[0]]
    m = mh | mv
    if m.any():
        g = m.copy()
        for _ in range(2):
            g2 = g.copy()
            g2[1:] |= g[:-1]
            g2[:-1] |= g[1:]
            g2[:, 1:] |= g[:, :-1]
            g2[:, :-1] |= g[:, 1:]
            g = g2
        erase = g | speck
    else:
        erase = speck
    if not erase.any():
        return Image.fromarray(a), []
    out = a.copy()
    out[erase] = 255
    return Image.fromarray(out), _merge_rules(vruns, dpi)


def _merge_rules(vruns, dpi: int) -> list[Rule]:
    """Column runs (x, y0, y1) → rules: neighbouring x (a thick or skewed line) and overlapping y merged."""
    rules: list[list[float]] = []  # [x_min, x_max, y0, y1]
    near = max(3, dpi // 50)
    for x, y0, y1 in sorted(vruns, key=lambda r: (r[1], r[0])):
        for r in reversed(rules[-40:]):
            if x - r[1] <= near and r[0] - x <= near and y0 <= r[3] + near and y1 >= r[2] - near:
                r[0], r[1] = min(r[0], x), max(r[1], x)
                r[2], r[3] = min(r[2], y0), max(r[3], y1)
                break
        else:
            rules.append([x, x, y0, y1])
    return [Rule((r[0] + r[1]) / 2, r[2], r[3]) for r in rules]


# ---------------------------------------------------------------------------------------------------
# repairs


_DIGIT_LIKE = "0-9"
_UNIT = r"(?:万元|亿元|千元|元|万|%)"
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９．％"}
_REPAIRS: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    # O/o read for 0 between digits, or between a digit and a decimal point / unit
    (re.compile(r"(?<=\d)[Oo〇](?=[\dOo.]|" + _UNIT + ")"), lambda m: "0"),
    (re.compile(r"(?<=\d\.)[Oo](?=\d|" + _UNIT + ")"), lambda m: "0"),
    # l / I / | read for 1 between digits (or before a unit)
    (re.compile(r"(?<=\d)[lI|](?=[\d.]|" + _UNIT + ")"), lambda m: "1"),
    (re.compile(r"(?<=\d\.)[lI|](?=\d|" + _UNIT + ")"), lambda m: "1"),
    # a decimal comma: 12，5万元 / 99,76% (1-2 digits before the unit; a 3-digit group is thousands), or a
    # point the engine lost but left a gap for: 39 4万元
    (re.compile(r"(?<=\d)(?:[，,]| (?=\d{1,2}" + _UNIT + r"))(?=\d{1,2}\s?" + _UNIT + ")"), lambda m: "."),
    # a full-width comma before a 3-digit group that goes on into decimals or a unit: thousands
    (re.compile(r"(?<=\d)，(?=\d{3}(?:\.\d|[,，]\d{3}|" + _UNIT + "))"), lambda m: ","),
    # two decimal points in one number: the first, before a 3-digit group, was a thousands comma
    (re.compile(r"(?<=\d)\.(?=\d{3}\.\d)"), lambda m: ","),
    # 万 read as a look-alike between a figure and 元 (亡元, 方元, 力元 never follow a number)
    (re.compile(r"(?<=\d)[亡方力](?=元)"), lambda m: "万"),
    # spaces the engine put inside a number or between it and its unit
    (re.compile(r"(?<=\d)\s+(?=\.\d)|(?<=\d\.)\s+(?=\d)"), lambda m: ""),
    (re.compile(r"(?<=\d)\s+(?=" + _UNIT + ")"), lambda m: ""),
    (re.compile(r"(?<=万)\s+(?=元)|(?<=亿)\s+(?=元)"), lambda m: ""),
]


_CJK = "\u3400-\u9fff"
_PAREN = re.compile(r"\(([^()]{0,80})\)")
_CJK_PUNCT = [
    (re.compile(rf"(?<=[{_CJK}]):"), "："),
    (re.compile(rf"(?<=[{_CJK}]);"), "；"),
    (re.compile(rf"(?<=[{_CJK}]),(?!\d{{3}})"), "，"),
    (re.compile(rf"(?<=[{_CJK}])\?"), "？"),
    (re.compile(rf"(?<=[{_CJK}])!"), "！"),
]


def _cjk_punctuation(s: str) -> str:
    """ASCII punctuation the engine put in Chinese text → full-width, one character for one.

    Chinese reports set ``（）：；，`` full-width; tesseract often returns the ASCII forms. A pair of
    parentheses is converted when it holds or touches Chinese text (``(2021-2030年)``, ``(1)妇联``).
    """
    for pattern, rep in _CJK_PUNCT:
        s = pattern.sub(rep, s)

    def paren(m: re.Match) -> str:
        a, b = m.start(), m.end()
        near = s[max(0, a - 1):a] + m.group(1) + s[b:b + 1]
        return f"（{m.group(1)}）" if re.search(f"[{_CJK}]", near) else m.group(0)

    return _PAREN.sub(paren, s)


def repair(text: str) -> str:
    """The repaired string (see :func:`repair_map` for the offsets)."""
    return repair_map(text)[0]


def repair_map(text: str) -> tuple[str, list[int]]:
    """Repair OCR confusions that the context makes certain, keeping a map to the source characters.

    Returns the new string and, for each of its characters, the index of the source character it came
    from (so word confidences follow the characters). Repairs: full-width digits/point/percent; ``O``/``o``
    → ``0`` and ``l``/``I``/``|`` → ``1`` inside numbers; a comma before exactly 1-2 digits and a unit
    (万元, %) → decimal point; a point before a 3-digit group followed by another point → comma; spaces
    inside a number, before its unit and in ``万 元``; ASCII ``():;,`` in Chinese text → full-width.
    """
    s = _cjk_punctuation(text.translate(_FULLWIDTH))
    idx = list(range(len(s)))
    for _ in range(3):  # a repair can enable another ("1OO0")
        before = s
        for pattern, fn in _REPAIRS:
            s, idx = _sub_map(pattern, fn, s, idx)
        if s == before:
            break
    return s, idx


def _sub_map(pattern: re.Pattern, fn, s: str, idx: list[int]) -> tuple[str, list[int]]:
    out: list[str] = []
    out_idx: list[int] = []
    pos = 0
    for m in pattern.finditer(s):
        out.append(s[pos:m.start()])
        out_idx.extend(idx[pos:m.start()])
        rep = fn(m)
        out.append(rep)
        src = idx[m.start():m.end()] or [idx[m.start() - 1] if m.start() else 0]
        out_idx.extend(src[min(k, len(src) - 1)] for k in range(len(rep)))
        pos = m.end()
    if not out:
        return s, idx
    out.append(s[pos:])
    out_idx.extend(idx[pos:])
    return "".join(out), out_idx


# ---------------------------------------------------------------------------------------------------
# layout: words → lines → segments → paragraphs and tables


@dataclass
class _Seg:
    x0: float
    x1: float
    words: list[Word]


@dataclass
class _Line:
    words: list[Word]
    segs: list[_Seg]
    y0: float
    y1: float
    h: float
    rules: tuple[float, ...] = ()

    @property
    def x0(self) -> float:
        return self.segs[0].x0

    @property
    def x1(self) -> float:
        return self.segs[-1].x1


#: A gap wider than this many line heights separates two segments (cells) of a line.
SEG_GAP = 2.0
#: A gutter must be at least this many line heights wide to separate two table columns.
GUTTER = 0.8


def _group_lines(words: list[Word]) -> list[list[Word]]:
    if not words:
        return []
    if all(w.line is not None for w in words):
        groups: dict[tuple, list[Word]] = {}
        for w in words:
            groups.setdefault(w.line, []).append(w)
        lines = list(groups.values())
    else:
        lines = _cluster_lines(words)
    lines = [sorted(ln, key=lambda w: w.x0) for ln in lines]
    lines.sort(key=lambda ln: statistics.median(w.yc for w in ln))
    return lines


def _cluster_lines(words: list[Word]) -> list[list[Word]]:
    """Boxes without line ids: cluster on the vertical centre, sweeping left to right within a line."""
    hs = sorted(w.h for w in words)
    med_h = hs[len(hs) // 2] or 1.0
    tol = 0.3 * med_h
    lines: list[_Cluster] = []
    for w in sorted(words, key=lambda w: (w.yc, w.x0)):
        yc = w.yc
        best = None
        for ln in lines[-6:]:
            last = ln.last
            ref = last.yc if w.x0 >= last.x0 else statistics.median(ln.ycs)
            if abs(yc - ref) <= 0.45 * max(med_h, min(w.h, last.h)) and not ln.overlaps(w.x0 + tol, w.x1 - tol):
                best = ln
                break
        if best is None:
            lines.append(_Cluster(w))
        else:
            best.add(w)
    return [ln.words for ln in lines]


class _Cluster:
    """A line being built by :func:`_cluster_lines`: its words, the rightmost one, and x-extents kept sorted."""

    __slots__ = ("words", "last", "ycs", "x0s", "x1s", "widest")

    def __init__(self, w: Word):
        self.words, self.last, self.ycs = [w], w, [w.yc]
        self.x0s, self.x1s, self.widest = [w.x0], [w.x1], w.x1 - w.x0

    def add(self, w: Word) -> None:
        self.words.append(w)
        self.ycs.append(w.yc)
        if w.x1 > self.last.x1:
            self.last = w
        i = bisect.bisect_right(self.x0s, w.x0)
        self.x0s.insert(i, w.x0)
        self.x1s.insert(i, w.x1)
        self.widest = max(self.widest, w.x1 - w.x0)

    def overlaps(self, a: float, b: float) -> bool:
        """Whether a word of the line reaches into (a, b): x1 > a and x0 < b."""
        j = bisect.bisect_left(self.x0s, b) - 1
        floor = a - self.widest  # a word starting at or before this ends at or before a
        while j >= 0 and self.x0s[j] > floor:
            if self.x1s[j] > a:
                return True
            j -= 1
        return False


def _line_height(words: Sequence[Word]) -> float:
    cjk = [w.h for w in words if any("\u4e00" <= c <= "\u9fff" for c in w.text)]
    hs = cjk or [w.h for w in words]
    return max(1.0, statistics.median(hs))


def _make_line(words: list[Word], rules: Sequence[Rule] = ()) -> _Line:
    h = _line_height(words)
    y0 = min(w.y0 for w in words)
    y1 = max(w.y1 for w in words)
    yc = (y0 + y1) / 2
    crossing = [r.x for r in rules if r.y0 <= yc <= r.y1]
    segs: list[_Seg] = []
    for w in words:
        if segs:
            last = segs[-1]
            prev_x1 = last.words[-1].x1
            ruled = any(prev_x1 - 0.25 * h <= x <= w.x0 + 0.25 * h for x in crossing)
            if not ruled and w.x0 - last.x1 <= SEG_GAP * h:
                last.words.append(w)
                last.x1 = max(last.x1, w.x1)
                continue
        segs.append(_Seg(w.x0, w.x1, [w]))
    return _Line(words, segs, y0, y1, h, tuple(sorted(crossing)))


_NOISE_CHARS = "“”‘’\"'`|.,，。、·:：;；_—-~"
_LEAD_NOISE = re.compile(r"^[“”‘’\"'`|,，。、·_~]+(?=[0-9０-９])")
_TRAIL_NOISE = re.compile(r"(?<=[0-9%])[“”‘’\"'`|_~]+$")


def clean_words(words: Iterable[Word]) -> list[Word]:
    """Drop specks read as punctuation and strip quote marks glued to a number by a speck or a rule."""
    out = []
    for w in words:
        lead = _LEAD_NOISE.match(w.text)
        k = lead.end() if lead else 0
        t = _TRAIL_NOISE.sub("", w.text[k:])
        if not t:
            continue
        if all(c in _NOISE_CHARS for c in t) and (w.conf < 0.6 or t in {"|", "||", "_", "~"}):
            continue
        if t != w.text:  # move the box edges in with the characters dropped
            per = (w.x1 - w.x0) / max(1, len(w.text))
            trail = len(w.text) - k - len(t)
            w = replace(w, text=t, x0=w.x0 + per * k, x1=w.x1 - per * trail)
        out.append(w)
    return out


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


def _merge_intervals(ivs: list[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for a, b in sorted(ivs):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def _columns(lines: list[_Line]) -> list[list[float]] | None:
    """Column extents shared by the lines of a table run, or None when their gaps do not line up.

    A ruled grid gives them directly (the vertical rules crossing the run); otherwise they are the
    intervals covered by the segments of the run's lines, separated by gutters at least GUTTER high.
    """
    h = statistics.median(ln.h for ln in lines)
    ruled = _ruled_columns(lines, h)
    if ruled is not None:
        return ruled
    cols = _merge_intervals([(s.x0, s.x1) for ln in lines if len(ln.segs) > 1 for s in ln.segs])
    # gutters narrower than GUTTER line heights are noise: merge those columns
    merged: list[list[float]] = []
    for c in cols:
        if merged and c[0] - merged[-1][1] < GUTTER * h:
            merged[-1][1] = max(merged[-1][1], c[1])
        else:
            merged.append(list(c))
    if len(merged) < 2:
        return None
    # consistency: most multi-segment lines must put their segments in distinct columns
    good = 0
    multi = [ln for ln in lines if len(ln.segs) > 1]
    for ln in multi:
        cs = [_col_of(s, merged) for s in ln.segs]
        if len(set(cs)) >= 2:
            good += 1
    if good < max(2, int(0.8 * len(multi) + 0.5)):
        return None
    return merged


def _ruled_columns(lines: list[_Line], h: float) -> list[list[float]] | None:
    xs = sorted(x for ln in lines for x in ln.rules)
    if not xs or sum(1 for ln in lines if ln.rules) < 2:
        return None
    clusters: list[list[float]] = []
    for x in xs:
        if clusters and x - clusters[-1][-1] <= 0.6 * h:
            clusters[-1].append(x)
        else:
            clusters.append([x])
    bounds = [statistics.median(c) for c in clusters]
    lo = min(s.x0 for ln in lines for s in ln.segs)
    hi = max(s.x1 for ln in lines for s in ln.segs)
    edges = sorted({*bounds, min(lo, bounds[0]) - 1, max(hi, bounds[-1]) + 1})
    cols = [[a, b] for a, b in zip(edges, edges[1:], strict=False)
            if any(a <= (s.x0 + s.x1) / 2 < b for ln in lines for s in ln.segs)]
    return cols if len(cols) >= 2 else None


def _col_of(seg: _Seg, cols: list[list[float]]) -> int:
    mid = (seg.x0 + seg.x1) / 2
    for i, (a, b) in enumerate(cols):
        if a - 1 <= seg.x0 <= b:
            return i
    for i, (a, b) in enumerate(cols):
        if a <= mid <= b:
            return i
    return min(range(len(cols)), key=lambda i: abs((cols[i][0] + cols[i][1]) / 2 - mid))


@dataclass
class PageLayout:
    """One page as blocks in reading order: ("para", [(_Line)...]) or ("table", [(_Line)...], columns)."""

    blocks: list[tuple]


def _tabular(ln: _Line) -> bool:
    """A line cut into cells by a wide gap, or lying across a ruled grid."""
    return len(ln.segs) > 1 or len(ln.rules) >= 2


def layout_page(words: list[Word], rules: Sequence[Rule] = ()) -> PageLayout:
    """Words (and the page's vertical rules) → paragraphs and tables in reading order."""
    lines = [_make_line(ws, rules) for ws in _group_lines(clean_words(words))]
    blocks: list[tuple] = []
    i = 0
    n = len(lines)
    while i < n:
        if _tabular(lines[i]):
            j = i + 1
            last_multi = i
            while j < n:
                gap = lines[j].y0 - lines[j - 1].y1
                if gap > 2.5 * max(lines[j].h, lines[j - 1].h):
                    break
                if _tabular(lines[j]):
                    last_multi = j
                elif j - last_multi > 2:  # up to two wrapped lines inside a table
                    break
                j += 1
            run = lines[i:last_multi + 1]
            cols = _columns(run) if sum(_tabular(ln) for ln in run) >= 2 else None
            if cols is not None:
                blocks.append(("table", run, cols))
                i = last_multi + 1
                continue
        if blocks and blocks[-1][0] == "para":
            blocks[-1][1].append(lines[i])
        else:
            blocks.append(("para", [lines[i]]))
        i += 1
    return PageLayout(blocks)


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


def _emit_para(b: TextBuilder, lines: list[_Line], left: float, right: float, confs: list) -> None:
    parts: list[str] = []
    spans: list[tuple[int, int, float]] = []
    pos = 0
    prev: _Line | None = None
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


def _line_text(ln: _Line) -> tuple[str, list[tuple[int, int, float]]]:
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


def _emit_table(b: TextBuilder, lines: list[_Line], cols: list[list[float]], page_no: int, confs: list) -> None:
    grid: list[list[str]] = []
    cell_spans: dict[tuple[int, int], list[tuple[int, int, float]]] = {}
    for r, ln in enumerate(lines):
        row = [""] * len(cols)
        by_col: dict[int, list[Word]] = {}
        for seg in ln.segs:
            by_col.setdefault(_col_of(seg, cols), []).extend(seg.words)
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


def calibrate(engine: str, raw: float) -> float:
    """The calibrated 0-1 confidence of an engine's raw word score ($JIXIAO_OCR_CALIBRATE=0: raw)."""
    if os.environ.get("JIXIAO_OCR_CALIBRATE", "1") == "0":
        return raw
    knots = CALIBRATION.get(engine, ((0.0, 0.0), (1.0, 1.0)))
    for (x0, y0), (x1, y1) in zip(knots, knots[1:], strict=False):
        if raw <= x1:
            return y0 + (y1 - y0) * (raw - x0) / (x1 - x0) if x1 > x0 else y1
    return knots[-1][1]


# ---------------------------------------------------------------------------------------------------
# entry points


def _options(opts: dict) -> tuple[str, int, str]:
    engine = (opts.get("ocr_engine") or default_engine()).lower()
    if engine not in ENGINES:
        raise ValueError(f"unknown OCR engine {engine!r}; choose from {', '.join(ENGINES)}")
    dpi = int(opts.get("ocr_dpi") or DEFAULT_DPI)
    lang = opts.get("ocr_lang") or os.environ.get("JIXIAO_OCR_LANG") or DEFAULT_LANG
    return engine, dpi, lang


def ocr_images(images: Iterable, name: str, fmt: str, opts: dict, *, dpis: Iterable[int] | None = None,
               text_pages: Sequence[str | None] | None = None, meta: dict | None = None) -> Document:
    """OCR PIL images (one per page) into a Document; ``text_pages[i]`` (when not None) is kept as is."""
    engine, dpi, lang = _options(opts)
    if not available(engine):
        raise IngestError(name, "需要 OCR，但" + NOT_INSTALLED)
    chunk = TESSERACT_CHUNK if engine == "tesseract" else 1
    b = TextBuilder()
    confs: list[tuple[int, int, float]] = []
    ocr_pages: list[int] = []
    failed: list[int] = []
    dpi_list = list(dpis) if dpis is not None else None
    # pages wait here (in order) until `chunk` of them need the engine: tesseract reads those in one process
    pending: list[list] = []  # [page index, kept text or None, prepared image or None, rules, dpi, words]

    def flush() -> None:
        jobs = [r for r in pending if r[2] is not None]
        k = 0
        while k < len(jobs):
            group = [jobs[k]]
            while k + len(group) < len(jobs) and jobs[k + len(group)][4] == group[0][4]:
                group.append(jobs[k + len(group)])
            k += len(group)
            _ocr_group(group)
        for i, kept, page_img, rules, _, words in pending:
            b.new_page()
            if kept is not None:
                b.para(kept)
            elif page_img is not None and words is not None:
                ocr_pages.append(i + 1)
                _emit_page(b, layout_page(words, rules), i + 1, confs)
        pending.clear()

    def _ocr_group(group: list[list]) -> None:
        try:
            if engine == "tesseract":
                got = _tesseract_pages([r[2] for r in group], group[0][4], lang)
            else:
                got = [_ENGINE_FUNCS[engine](r[2], r[4], lang) for r in group]
        except subprocess.TimeoutExpired:  # keep the other pages; say which one is missing
            if len(group) > 1:
                for r in group:
                    _ocr_group([r])
            else:
                failed.append(group[0][0] + 1)
            return
        except RuntimeError as exc:
            raise IngestError(name, f"第 {group[0][0] + 1} 页 OCR 失败 (OCR failed: {exc})") from None
        for r, words in zip(group, got, strict=True):
            r[5] = [replace(w, conf=calibrate(engine, w.conf)) for w in words]

    n = 0
    for i, img in enumerate(images):
        n += 1
        kept = text_pages[i] if text_pages is not None and i < len(text_pages) else None
        page_dpi = dpi_list[i] if dpi_list and i < len(dpi_list) else dpi
        if kept is not None or _blank(img, page_dpi):
            pending.append([i, kept, None, [], page_dpi, None])
        else:
            page_img, rules = prepare(img, page_dpi) if opts.get("ocr_prepare", True) else (img, [])
            pending.append([i, None, page_img, rules, page_dpi, None])
        if sum(r[2] is not None for r in pending) >= chunk:
            flush()
    flush()
    failed.sort()
    if failed and not ocr_pages and not any(text_pages or ()):
        raise IngestError(name, f"OCR 超时 (OCR timed out after {PAGE_TIMEOUT:.0f} s per page)")
    m = {"pages": n, "ocr": engine, "ocr_pages": ocr_pages, "ocr_dpi": dpi}
    if failed:
        m["ocr_timed_out_pages"] = failed
    m.update(meta or {})
    return b.build(name, fmt, meta=m, ocr=True,
                   confidences=tuple((s, e, _dec(c)) for s, e, c in sorted(confs)))


def ocr_pdf_bytes(data: bytes, name: str, **opts) -> Document:
    """Render each PDF page (pypdfium2, ``opts["ocr_dpi"]`` default 300) and OCR it.

    With ``opts["ocr"] == "auto"`` (the default) pages that carry a text layer keep it; with ``"always"``
    every page is OCR'd.
    """
    import pypdfium2 as pdfium

    mode = opts.get("ocr") or "auto"
    engine, dpi, _ = _options(opts)
    if not available(engine):
        raise IngestError(name, "没有文字层（扫描件），" + NOT_INSTALLED)
    try:
        pdf = pdfium.PdfDocument(data, password=opts.get("password"))
    except pdfium.PdfiumError as exc:
        raise IngestError(name, f"PDF 文件已损坏或不完整 (corrupt or truncated PDF: {exc})") from None
    try:
        n = len(pdf)
        if n == 0:
            raise IngestError(name, "PDF 没有页面 (PDF has no pages)")
        if n > MAX_OCR_PAGES:
            raise IngestError(name, f"扫描件共 {n} 页，超过 OCR 上限 {MAX_OCR_PAGES} 页 (too many pages to OCR; "
                                    "set JIXIAO_OCR_MAX_PAGES)")
        text_pages: list[str | None] = []
        for i in range(n):
            kept = None
            if mode != "always":
                page = pdf[i]
                try:
                    tp = page.get_textpage()
                    try:
                        t = tp.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
                    finally:
                        tp.close()
                finally:
                    page.close()
                if t.strip():
                    kept = t
            text_pages.append(kept)

        def images():
            for i in range(n):
                if text_pages[i] is not None:
                    yield None
                    continue
                page = pdf[i]
                try:
                    yield _render(page, dpi)
                finally:
                    page.close()

        return ocr_images(images(), name, "pdf", opts, text_pages=text_pages)
    finally:
        pdf.close()


def _blank(img, dpi: int) -> bool:
    """A page with less ink than one character: nothing to read (and nothing to hand the engine)."""
    hist = img.convert("L").histogram()
    return sum(hist[:128]) < 150 * (dpi / 300) ** 2


def _render(page, dpi: int):
    # cap the bitmap at ~60 Mpx whatever the page size claims
    w, h = page.get_size()
    scale = dpi / 72
    if w * h * scale * scale > 60e6:
        scale = (60e6 / max(1.0, w * h)) ** 0.5
    return page.render(scale=scale, grayscale=True).to_pil()


def ocr_image_bytes(data: bytes, name: str, **opts) -> Document:
    """OCR a PNG/JPEG/TIFF (every frame of a multi-page TIFF is a page)."""
    import warnings

    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    engine, dpi, _ = _options(opts)
    if not available(engine):
        raise IngestError(name, "图片需要 OCR，但" + NOT_INSTALLED)
    pages = []
    dpis = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            for k, frame in enumerate(ImageSequence.Iterator(im)):
                if k >= MAX_OCR_PAGES:
                    raise IngestError(name, f"图片超过 {MAX_OCR_PAGES} 页 (too many frames)")
                f = ImageOps.exif_transpose(frame).convert("L")
                pages.append(f)
                info_dpi = frame.info.get("dpi") or im.info.get("dpi")
                try:
                    d = int(round(float(info_dpi[0]))) if info_dpi else dpi
                except (TypeError, ValueError):
                    d = dpi
                dpis.append(d if 70 <= d <= 1200 else dpi)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise IngestError(name, "图片像素过多，疑似解压炸弹 (image too large: decompression bomb)") from None
    except UnidentifiedImageError:
        raise IngestError(name, "无法识别的图片格式或文件已损坏 (not a readable image)") from None
    except OSError as exc:
        raise IngestError(name, f"图片已损坏或不完整 (broken image: {exc})") from None
    return ocr_images(pages, name, "image", opts, dpis=dpis)
