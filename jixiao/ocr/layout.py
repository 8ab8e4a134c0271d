"""Page geometry, pure: ruling lines on the pixels, words into lines, lines into paragraphs and tables.

Nothing here knows an engine or a file. :func:`prepare` finds the ruling lines of a page (and paints
them white, with the scanner's specks); :func:`layout_page` groups an engine's :class:`Word` boxes
into lines (the engine's own line ids, or y-clustering tolerant of skew), cuts lines into segments
at wide gaps or at vertical rules, and turns runs of consecutive lines whose segments fall into
shared columns (the rules, or gutters common to the lines) into tables.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


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



def blank(img, dpi: int) -> bool:
    """A page with less ink than one character: nothing to read (and nothing to hand the engine)."""
    hist = img.convert("L").histogram()
    return sum(hist[:128]) < 150 * (dpi / 300) ** 2



# ---------------------------------------------------------------------------------------------------
# words → lines → segments → paragraphs and tables


@dataclass
class Segment:
    x0: float
    x1: float
    words: list[Word]


@dataclass
class Line:
    words: list[Word]
    segs: list[Segment]
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
    lines: list[Cluster] = []
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
            lines.append(Cluster(w))
        else:
            best.add(w)
    return [ln.words for ln in lines]


class Cluster:
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


def line_height(words: Sequence[Word]) -> float:
    cjk = [w.h for w in words if any("\u4e00" <= c <= "\u9fff" for c in w.text)]
    hs = cjk or [w.h for w in words]
    return max(1.0, statistics.median(hs))


def make_line(words: list[Word], rules: Sequence[Rule] = ()) -> Line:
    h = line_height(words)
    y0 = min(w.y0 for w in words)
    y1 = max(w.y1 for w in words)
    yc = (y0 + y1) / 2
    crossing = [r.x for r in rules if r.y0 <= yc <= r.y1]
    segs: list[Segment] = []
    for w in words:
        if segs:
            last = segs[-1]
            prev_x1 = last.words[-1].x1
            ruled = any(prev_x1 - 0.25 * h <= x <= w.x0 + 0.25 * h for x in crossing)
            if not ruled and w.x0 - last.x1 <= SEG_GAP * h:
                last.words.append(w)
                last.x1 = max(last.x1, w.x1)
                continue
        segs.append(Segment(w.x0, w.x1, [w]))
    return Line(words, segs, y0, y1, h, tuple(sorted(crossing)))



def _merge_intervals(ivs: list[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for a, b in sorted(ivs):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def _columns(lines: list[Line]) -> list[list[float]] | None:
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
        cs = [col_of(s, merged) for s in ln.segs]
        if len(set(cs)) >= 2:
            good += 1
    if good < max(2, int(0.8 * len(multi) + 0.5)):
        return None
    return merged


def _ruled_columns(lines: list[Line], h: float) -> list[list[float]] | None:
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


def col_of(seg: Segment, cols: list[list[float]]) -> int:
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
    """One page as blocks in reading order: ("para", [(Line)...]) or ("table", [(Line)...], columns)."""

    blocks: list[tuple]


def _tabular(ln: Line) -> bool:
    """A line cut into cells by a wide gap, or lying across a ruled grid."""
    return len(ln.segs) > 1 or len(ln.rules) >= 2


def layout_page(words: list[Word], rules: Sequence[Rule] = ()) -> PageLayout:
    """Words (and the page's vertical rules) → paragraphs and tables in reading order.

    The words should be cleaned of specks read as punctuation first (:func:`jixiao.ocr.repair.clean_words`).
    """
    lines = [make_line(ws, rules) for ws in _group_lines(words)]
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

