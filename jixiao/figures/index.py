"""Every number of a document with its unit, label, sentence, paragraph and table cell.

:func:`build_index` reads the ingested :class:`~jixiao.ingest.base.Document` alone, in one pass
over the text: numbers are found by one non-nested pattern, units and label words are looked up
as literals (``lexicon.yaml``), labels are read back from a number to the nearest clause mark
within a bounded window. Nothing here knows the extractor's fields, so the index works on a
report the extractor maps nothing from; the auditor and the extractor share it.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from jixiao.figures.lexicon import lexicon
from jixiao.figures.tables import CellRef, TableView
from jixiao.model import Evidence
from jixiao.numbers import normalize

#: A written Arabic number (thousands groups or plain digits, optional decimals). One level of
#: repetition, no nested quantifiers: linear over digit runs.
_NUM = re.compile(r"(?=\d)(?<![\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_CN_DIGITS = "零〇一二两三四五六七八九十"
_CN_VALUE = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}

#: Characters that end a label when reading back from a number.
_LABEL_STOP = set("，,。；;：:\n\t|、（）()【】[]《》“”\"!！?？")
_STOPS_CLASS = "，,。；;：:\n\t|、（）()【】\\[\\]《》“”\"!！?？0-9%"
#: The run of label characters that ends a window (searched in windows of at most _LABEL_MAX).
_LABEL_BACK = re.compile(f"[^{_STOPS_CLASS}]*$")
_LEAD = set(" \u3000\xa0≥≧≤≦<>=＞＜═＝约近逾超")
#: Characters that end a sentence.
_SENT_STOP = set("。；;！!？?\n")
_SPACES = " \u3000\xa0"
_CMP = {"≥": ">=", "≧": ">=", ">=": ">=", "≤": "<=", "≦": "<=", "<=": "<=", ">": ">", "<": "<", "＞": ">",
        "＜": "<", "═": "=", "=": "=", "＝": "="}
_LABEL_MAX = 28
_APPROX_BEFORE = ("约", "近", "逾", "超过", "大约", "将近", "共约")
_APPROX_AFTER = ("余", "多", "左右", "以上")


@dataclass(slots=True, eq=False)
class Figure:
    """One number as written, where it stands, and what names it.

    ``value`` is in the unit's base (money in 万元, percent as a percent number); ``written`` is the
    number as printed. ``kind`` is money / percent / score / count / measure / date / ordinal /
    plain. ``label`` is the clause text just before the number (label words trimmed); for a table
    cell, ``row_label`` and ``header`` name its row and its column.
    """

    i: int
    start: int  # the number
    end: int  # the number with its unit
    raw: str
    written: Decimal
    value: Decimal
    unit: str
    kind: str
    decimals: int
    label: str
    label_start: int
    sentence: int
    line: int
    paren: int = 0
    approx: bool = False
    cmp: str | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None
    row_label: str = ""
    header: str = ""
    cell: CellRef | None = None

    @property
    def num_end(self) -> int:
        return self.start + len(self.raw)

    @property
    def amount(self) -> bool:
        return self.kind == "money"


@dataclass
class FigureIndex:
    """The figures of one document and the groups they form (:mod:`jixiao.figures.groups`)."""

    doc: Any
    text: str
    figures: list[Figure]
    sentences: list[tuple[int, int]]
    tables: list[TableView]
    groups: list[Any] = field(default_factory=list)
    blocks: list[Any] = field(default_factory=list)  # header blocks of forms (jixiao.figures.forms.Block)
    cell_spans: list[tuple[int, int]] = field(default_factory=list)  # every table cell, sorted
    _starts: list[int] = field(default_factory=list)
    _sent_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._starts = [f.start for f in self.figures]
        self._sent_starts = [a for a, _ in self.sentences]
        self.cell_spans = sorted((c.start, c.end) for t in self.tables for c in t.cells())

    def between(self, start: int, end: int) -> list[Figure]:
        """Figures whose number starts in ``[start, end)``."""
        a = bisect.bisect_left(self._starts, start)
        b = bisect.bisect_left(self._starts, end)
        return self.figures[a:b]

    def sentence_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._sent_starts, offset) - 1)

    def sentence_span(self, k: int) -> tuple[int, int]:
        return self.sentences[k]

    def of_kind(self, *kinds: str) -> list[Figure]:
        return [f for f in self.figures if f.kind in kinds]

    def groups_of(self, kind: str) -> list[Any]:
        return [g for g in self.groups if g.kind == kind]

    def evidence(self, f: Figure | None = None, *, start: int | None = None, end: int | None = None) -> Evidence:
        """Evidence for a figure (its number and unit) or for a span of the text."""
        if f is not None:
            start, end = f.start, f.end
        assert start is not None and end is not None
        d = self.doc
        text = self.text[start:end] if end - start <= 200 else self.text[start:start + 200]
        cell = None
        if f is not None and f.table is not None:
            cell = f"表{f.table + 1}!R{(f.row or 0) + 1}C{(f.col or 0) + 1}"
        line_of = getattr(d, "line_of", None)
        return Evidence(doc=getattr(d, "name", ""), start=start, end=end,
                        line=line_of(start) if line_of else self.text.count("\n", 0, start) + 1,
                        text=text, page=d.page_of(start) if hasattr(d, "page_of") else None, cell=cell,
                        confidence=d.confidence_of(start, end) if getattr(d, "ocr", False) else None)

    def context(self, f: Figure, before: int = 12, after: int = 6) -> str:
        """A short quote around a figure, for messages."""
        a = max(f.label_start, f.start - before, 0)
        return self.text[a:min(len(self.text), f.end + after)].replace("\n", " ").strip()


# -- scanning ------------------------------------------------------------------------------------

def split_sentences(text: str) -> list[tuple[int, int]]:
    out = []
    a = 0
    for m in re.finditer(r"[。；;！!？?\n]", text):
        b = m.end()
        if text[a:b].strip():
            out.append((a, b))
        a = b
    if a < len(text):
        out.append((a, len(text)))
    return out or [(0, len(text))]


def scan_figures(text: str, sentences: list[tuple[int, int]], views: list[TableView]) -> list[Figure]:
    lex = lexicon()
    sent_starts = [a for a, _ in sentences]
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    found: list[tuple[int, str, Decimal]] = []
    for m in _NUM.finditer(text):
        try:
            found.append((m.start(), m.group(0), Decimal(m.group(0).replace(",", ""))))
        except InvalidOperation:
            continue
    found.extend(_chinese_counts(text, lex))
    found.sort(key=lambda t: t[0])
    brackets = [(m.start(), m.group(0)) for m in re.finditer("[()（）\n]", text)]
    cells = _cell_lookup(views)
    figures: list[Figure] = []
    paren = 0
    bi = 0
    prev_end = 0
    n = len(text)
    for start, raw, written in found:
        while bi < len(brackets) and brackets[bi][0] < start:
            ch = brackets[bi][1]
            if ch in "(（":
                paren += 1
            elif ch == "\n":
                paren = 0
            elif paren:
                paren -= 1
            bi += 1
        nend = start + len(raw)
        j = nend
        while j < n and j - nend < 2 and text[j] in _SPACES:
            j += 1
        um = lex.unit_words.pattern.match(text, j) if lex.unit_words.pattern else None
        unit = um.group(0) if um else ""
        kind = lex.units.get(unit, "plain")
        end = j + len(unit) if unit else nend
        kind = _refine_kind(text, start, nend, raw, unit, kind)
        value = written * lex.money[unit] if kind == "money" else written
        if kind in ("date", "ref", "ordinal"):
            label, lstart = "", start
        else:
            label, lstart = _label(text, start, max(prev_end, start - _LABEL_MAX), lex)
        head = text[max(0, start - 5):start].rstrip(_SPACES)
        approx = head.endswith(_APPROX_BEFORE) or text[end:end + 3].lstrip(_SPACES).startswith(_APPROX_AFTER)
        f = Figure(len(figures), start, end, raw, written, value, unit, kind, len(raw.partition(".")[2]), label,
                   lstart, max(0, bisect.bisect_right(sent_starts, start) - 1),
                   bisect.bisect_right(line_starts, start), paren, approx, _comparator(text, start))
        cell = cells(start)
        if cell is not None:
            f.table, f.cell, f.row_label, f.header = cell
            f.row, f.col = f.cell.row, f.cell.col
            f.label = label or f.row_label
        figures.append(f)
        prev_end = end
    return figures


def _cell_lookup(views: list[TableView]) -> Any:
    """offset → (table, cell, row label, column header) for figures inside a table cell."""
    cells: list[tuple[int, int, int, CellRef]] = []
    for t, v in enumerate(views):
        for c in v.cells():
            cells.append((c.start, c.end, t, c))
    if not cells:
        return lambda _pos: None
    cells.sort(key=lambda x: x[0])
    starts = [c[0] for c in cells]
    headers: dict[int, dict[tuple[int, int], str]] = {}
    row_labels: dict[tuple[int, int], list[tuple[int, str]]] = {}
    memo: dict[tuple[int, int, int], tuple] = {}

    def look(pos: int):
        k = bisect.bisect_right(starts, pos) - 1
        if k < 0 or not (cells[k][0] <= pos < cells[k][1]):
            return None
        _, _, t, c = cells[k]
        if t not in headers:
            headers[t] = _headers(views[t])
        key = (t, c.row)
        if key not in row_labels:
            row = views[t].rows[c.row] if c.row < len(views[t].rows) else ()
            row_labels[key] = [(x.col, x.text) for x in row if not _is_numeric_cell(x.text)]
        got = memo.get((t, c.row, c.col))
        if got is None:
            words = [w for col, w in row_labels[key] if col < c.col]
            got = memo[(t, c.row, c.col)] = (t, c, " ".join(words[-2:]), headers[t].get((c.row, c.col), ""))
        return got

    return look


def _refine_kind(text: str, start: int, nend: int, raw: str, unit: str, kind: str) -> str:
    """Dates, document numbers and list ordinals are not quantities."""
    after = text[nend:nend + 1]
    before = text[start - 1:start] if start else ""
    if unit in ("年", "月", "日") and "." not in raw:
        v = int(raw.replace(",", "")) if raw.replace(",", "").isdigit() else 0
        if unit == "年" and 1949 <= v <= 2100:
            return "date"
        if unit in ("月", "日") and v <= 31:
            return "date"
    if before in "〔[【" or after in "〕]】" or after == "号":
        return "ref"
    if (before in "-/" or after in "-/") and (text[nend + 1:nend + 2].isdigit()
                                              or (start >= 2 and text[start - 2].isdigit())):
        return "ref"  # dates 2023-12-31, phone numbers, 1/2
    if unit == "" and after in ".、．)）" and "." not in raw and len(raw) <= 2:
        line_start = text.rfind("\n", 0, start) + 1
        head = text[line_start:start].strip(" \t|(（")
        if not head or head[-1:] in "，,。；;：:|\t":
            return "ordinal"
    if unit == "" and before == "第":
        return "ordinal"
    return kind


def _chinese_counts(text: str, lex: Any) -> list[tuple[int, str, Decimal]]:
    """Chinese numerals before a counting word (三个项目, 十家单位); one or 一 alone is left out."""
    out = []
    for m in re.finditer(f"[{_CN_DIGITS}]{{1,4}}", text):
        s, e = m.span()
        if s and text[s - 1] in "第周星礼":
            continue
        if not lex.cn_count.at(text, e):
            continue
        v = _cn_small(m.group(0))
        if v is None or v < 2:
            continue
        out.append((s, m.group(0), Decimal(v)))
    return out


def _cn_small(s: str) -> int | None:
    """Chinese numerals below 100 (十二, 二十三, 九)."""
    if "十" in s:
        a, _, b = s.partition("十")
        if len(a) > 1 or len(b) > 1:
            return None
        tens = _CN_VALUE.get(a, 1) if a else 1
        ones = _CN_VALUE.get(b, 0) if b else 0
        return tens * 10 + ones
    if len(s) == 1:
        return _CN_VALUE.get(s)
    return None


def _label(text: str, start: int, floor: int, lex: Any) -> tuple[str, int]:
    """The clause words just before a number: back to a clause mark, trimmed of label words."""
    j = start
    while j > 0 and text[j - 1] in _LEAD:
        j -= 1
    m = _LABEL_BACK.search(text, floor, j) if floor < j else None
    i = m.start() if m else j
    if i == j and i > 0 and text[i - 1] in ")）":  # 资金(皖财农〔2022〕1115号)21.24 — the name is before the brackets
        k = text.rfind("(" if text[i - 1] == ")" else "（", max(0, i - _LABEL_MAX), i - 1)
        if k > 0:
            j = i = k
            while i > max(0, k - _LABEL_MAX) and text[i - 1] not in _LABEL_STOP and not text[i - 1].isdigit():
                i -= 1
    if i == j and i > 0 and text[i - 1] in ":：":  # 按支出性质分:1925.67 — the label stands before the colon
        k = i - 1
        i = k
        while i > max(0, k - _LABEL_MAX) and text[i - 1] not in _LABEL_STOP and not text[i - 1].isdigit():
            i -= 1
        j = k
    label = text[i:j].strip(" \u3000\xa0")
    if label:
        label = _trim(label, lex)
    return label, i


def _trim(label: str, lex: Any) -> str:
    """A label without its leading connectors (其中, 共) and trailing verbs (为, 达到): one bounded pass each."""
    head, tail = _trimmers()
    for _ in range(3):
        before = label
        m = tail.search(label)
        if m and m.start() > 0:
            label = label[:m.start()].rstrip()
        m = head.match(label)
        if m and m.end() < len(label):
            label = label[m.end():].lstrip()
        if label == before:
            break
    return label


@functools.cache
def _trimmers() -> tuple[re.Pattern[str], re.Pattern[str]]:
    lex = lexicon()

    def alt(ws: Any) -> str:
        return "|".join(re.escape(w) for w in sorted(ws.words, key=lambda w: (-len(w), w)))

    return re.compile(f"(?:(?:{alt(lex.label_head)})[ \u3000]*)+"), re.compile(f"(?:[ \u3000]*(?:{alt(lex.label_tail)}))+$")


_CMP_CHARS = frozenset("".join(_CMP)) | frozenset(_SPACES)


def _comparator(text: str, start: int) -> str | None:
    if not start or text[start - 1] not in _CMP_CHARS:
        return None
    j = start
    while j > 0 and text[j - 1] in _SPACES:
        j -= 1
    for n in (2, 1):
        w = text[j - n:j] if j >= n else ""
        if w in _CMP:
            return _CMP[w]
    return None


# -- table cells ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def _is_numeric_cell(s: str) -> bool:
    s = s.strip().rstrip("%％分万元")
    return bool(s) and bool(re.fullmatch(r"[-−]?[\d,]+(?:\.\d+)?", normalize(s)))


def _headers(v: TableView) -> dict[tuple[int, int], str]:
    """The header path above each cell: the texts of the run of header rows (rows of words, no figures)
    nearest above it, top-down, joined by " / " (评价指标 / 得分)."""
    out: dict[tuple[int, int], str] = {}
    path: dict[int, list[str]] = {}
    fresh = True  # the next header row starts a new run of headers
    for r, row in enumerate(v.rows):
        texts = [c for c in row if not _is_numeric_cell(c.text)]
        is_header = len(texts) >= 2 and len(texts) == len(row)
        if not is_header:
            for c in row:
                out[(r, c.col)] = " / ".join(path.get(c.col, ()))
            fresh = True
            continue
        if fresh:
            path, fresh = {}, False
        for c in row:
            out[(r, c.col)] = " / ".join(path.get(c.col, ()))
            for k in range(c.col, c.col + max(1, c.colspan)):
                if c.text not in path.setdefault(k, []):
                    path[k].append(c.text)
    return out


