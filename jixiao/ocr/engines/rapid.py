"""rapidocr: PP-OCRv4's networks, as shipped inside the rapidocr-onnxruntime wheel, in our own ONNX Runtime sessions.

The wheel is used for its models and its configuration only (``config.yaml`` names the model files):
jixiao opens the networks itself (simplified, :mod:`.graph`), and does PP-OCR's pre- and
post-processing itself (:mod:`.ppocr`), so nothing depends on how rapidocr lays its objects out.

A page is read in two passes:

* **detection** on a reduced copy (half the recognition size, not below 1000 px): finding text lines
  does not need glyph detail, and costs in proportion to the pixels;
* **recognition** of each line on its own and unpadded, at height 48 (rapidocr pads every line to at
  least 320 px and a batch to its widest line: a table cell holding ``10`` cost as much as six
  characters). Character boxes are placed from the CTC columns where each character was decoded.

The page stays grey up to the networks' inputs (a third of the resizing and cropping work).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from jixiao.ocr.engines import ppocr
from jixiao.ocr.engines.base import EngineError
from jixiao.ocr.layout import Word

#: The page is brought down to this longest side for recognition (rapidocr's own default, ~170 dpi on A4).
RAPID_MAX_SIDE = 2000
#: ... and lines are found on a copy half that size (~86 dpi on A4), but not below RAPID_DET_MIN_SIDE
#: (0.5: same field recall on the bench as 0.7 and 1.0, 7 pt lines still found; a sparse page ~25 % cheaper).
RAPID_DET_SCALE = 0.5
RAPID_DET_MIN_SIDE = 1000
#: The recogniser's input height (PP-OCRv4) and the narrowest input it is given.
REC_HEIGHT = 48
REC_MIN_WIDTH = 64


def model_paths() -> dict[str, Path]:
    """The detector's and the recogniser's ONNX files inside the installed rapidocr wheel (its config.yaml)."""
    import yaml

    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError("rapidocr-onnxruntime is not installed")
    root = Path(list(spec.submodule_search_locations)[0])
    config = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))
    return {"det": root / config["Det"]["model_path"], "rec": root / config["Rec"]["model_path"]}


def _session(path: Path, threads: int, simplify: bool, probe: tuple[int, ...]) -> Any:
    """An ONNX Runtime session of the model, on its simplified graph when that gives the same outputs."""
    import onnxruntime as ort

    from jixiao.ocr.engines import graph

    so = ort.SessionOptions()
    so.log_severity_level = 4
    so.enable_cpu_mem_arena = False
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = max(1, min(threads, os.cpu_count() or 1))
    so.inter_op_num_threads = 1
    original = ort.InferenceSession(str(path), sess_options=so,
                                    providers=[("CPUExecutionProvider", {"arena_extend_strategy": "kSameAsRequested"})])
    if not simplify:
        return original
    return graph.session(str(path), threads, original, probe) or original


class RapidEngine:
    """PP-OCRv4 detection and recognition; no angle classifier (pages are upright)."""

    name = "rapidocr"

    def __init__(self, threads: int = 1, simplify: bool = True):
        paths = model_paths()
        self.det = _session(paths["det"], threads, simplify, (1, 3, 96, 96))
        self.rec = _session(paths["rec"], threads, simplify, (1, 3, 48, 96))
        self.alphabet = ppocr.characters(self.rec)
        self._det_input = self.det.get_inputs()[0].name
        self._rec_input = self.rec.get_inputs()[0].name

    def words(self, image: Any) -> list[Word]:
        """The page's character boxes (line boxes where characters cannot be placed), gaps kept visible."""
        import numpy as np

        grey = np.asarray(image.convert("L"))
        words = []
        for item in self.lines(grey):
            box, text, score = item[0], str(item[1]), float(item[2])
            if len(item) >= 6 and len(item[4]) == len(item[3]) == len(item[5]) and item[3]:
                chars = [_box_word(str(ch), cbox, float(cs))
                         for cbox, ch, cs in zip(item[3], item[4], item[5], strict=True) if str(ch).strip()]
                words.extend(split_number_runs(chars, grey))
            elif text.strip():
                words.append(_box_word(text.strip(), box, score))
        return words

    def detect(self, rgb: Any) -> Any:
        """Text-line quadrilaterals of an RGB image (in no particular order)."""
        x = ppocr.det_input(rgb)
        if x is None:
            return []
        pred = self.det.run(None, {self._det_input: x})[0]
        return ppocr.tidy_boxes(ppocr.db_boxes(pred, rgb.shape[:2]), rgb.shape[:2])

    def lines(self, arr: Any) -> list[list]:
        """(box, text, score, char boxes, chars, char scores) of each line of a grey or RGB page.

        Detection runs on a reduced copy, recognition on crops of the larger image; coordinates are the
        input's. A strip (too low, or too wide for its height) is padded above and below first.
        """
        import cv2
        import numpy as np

        h, w = arr.shape[:2]
        ratio = min(1.0, RAPID_MAX_SIDE / max(h, w))
        img = cv2.resize(arr, (round(w * ratio), round(h * ratio)), interpolation=cv2.INTER_AREA) if ratio < 1 else arr
        pad = 0
        if img.shape[0] <= ppocr.MIN_HEIGHT or img.shape[1] > ppocr.WIDTH_HEIGHT_RATIO * img.shape[0]:
            pad = int(abs(max(int(img.shape[1] / ppocr.WIDTH_HEIGHT_RATIO), ppocr.MIN_HEIGHT) * 2 - img.shape[0]) / 2)
            img = cv2.copyMakeBorder(img, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=0)
            det_scale = 1.0
        else:
            det_scale = min(1.0, max(RAPID_DET_SCALE, RAPID_DET_MIN_SIDE / max(img.shape[:2])))
        det_img = img if det_scale >= 1 else cv2.resize(
            img, (round(img.shape[1] * det_scale), round(img.shape[0] * det_scale)), interpolation=cv2.INTER_AREA)
        boxes = self.detect(_rgb(det_img))
        if len(boxes) == 0:
            return []
        boxes = ppocr.sorted_boxes(np.asarray(boxes, dtype=np.float32) / det_scale)
        rec = self.recognize([ppocr.crop(img, b) for b in boxes], boxes)
        def page(points: Any) -> list:
            p = np.asarray(points, dtype=np.float32)
            if pad:  # back from the padded strip, inside the page
                p = np.clip(p - np.array([0, pad], dtype=np.float32), 0, [img.shape[1], img.shape[0] - 2 * pad])
            return (p / ratio).tolist()

        out = []
        for box, res in zip(boxes, rec, strict=True):
            if not res[0] or float(res[1]) < ppocr.TEXT_SCORE:
                continue
            item = [page(box), str(res[0]), float(res[1])]
            if len(res) >= 5:
                item += [[page(b) for b in res[2]], res[3], res[4]]
            out.append(item)
        return out

    def recognize(self, crops: Sequence, boxes: Sequence) -> list[list]:
        """Each line crop through the recogniser, one at a time and unpadded:
        [text, score, char boxes, chars, char scores].

        A character's box is centred on the CTC column where it was decoded and as wide as the mean spacing
        of its kind (CJK, or Latin and digits) on the line (as rapidocr's ``cal_rec_boxes`` places them,
        without its per-box geometry in Python).
        """
        import cv2
        import numpy as np

        out = []
        for crop, box in zip(crops, boxes, strict=True):
            h, w = crop.shape[:2]
            rw = max(1, int(REC_HEIGHT * w / max(1, h)))  # as rapidocr sizes a line
            pw = max(rw, REC_MIN_WIDTH)
            x = np.zeros((1, 3, REC_HEIGHT, pw), dtype=np.float32)
            resized = cv2.resize(crop, (rw, REC_HEIGHT)).astype(np.float32)
            x[0, :, :, :rw] = (resized if resized.ndim == 2 else resized.transpose(2, 0, 1)) / 127.5 - 1.0
            preds = self.rec.run(None, {self._rec_input: x})[0]
            text, score, cols, confs = ppocr.ctc_decode(preds, self.alphabet)
            if not text or len(cols) != len(text) or _turned(box):
                out.append([text, score])
                continue
            ncols = preds.shape[1] * rw / pw
            out.append([text, score, _char_boxes(text, cols, ncols, box, w), list(text), confs])
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


