"""Rows of the self-evaluation forms, read from the cells of the text whatever way they were flattened.

A form states its column headers once (年初预算数 全年预算数 全年执行数 分值 执行率 得分; 年度指标值
实际完成值 分值 得分 偏差原因) and then rows of values. Crawled pages keep the cells in order but
lose the grid (one cell a line, pipes, spaces), so the rows are read from the **cell stream**: the
text split at ``|``, tabs, line breaks and spaces, a row starting at each name cell. Values are
aligned to the header's columns from the anchor a row cannot lack (the percent of the budget row,
the right end of an indicator row).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from jixiao.figures.index import _CMP, Figure, FigureIndex
from jixiao.figures.lexicon import lexicon

_COLS = ("initial", "budget", "executed", "weight", "rate", "score", "target", "actual", "reason")
_HEADER_GAP = 60  # header words further apart than this start a new header block
_BLOCK_REACH = 4000  # a header block governs the rows this far after it
_DASHES = {"—", "-", "－", "——", "/", "无", "--", "———", "\\"}
_VALUE_WORDS = {"有效", "无效", "完成", "未完成", "达标", "合规", "良好", "优", "良", "中", "差", "是", "否", "好", "较好",
                "提高", "提升", "健全", "显著", "明显", "满意", "基本满意", "按期", "及时", "已完成", "正常"}
#: Names of the rows of a funds block (年度资金总额, 其中：当年财政拨款, 上年结转资金, 其他资金, 基本支出 …).
_FUND_ROW = ("资金", "拨款", "结转", "其他", "支出", "总额", "合计", "经费", "收入", "预算")
_FUND_ROW_RE = re.compile("|".join(_FUND_ROW))
_CMP_TOKENS = {"≥", "≧", ">=", "≤", "≦", "<=", "═", "=", ">", "<", "＝", "＞", "＜"}


@dataclass
class Token:
    start: int
    end: int
    text: str
    kind: str  # "fig", "dash", "value" (a short word in a value cell), "label", "unit", "cmp"
    figure: Figure | None = None
    cmp: str | None = None


@dataclass
class FormRow:
    """One row of a form: its name and the figures in each recognised column (None = empty cell)."""

    label: str
    label_span: tuple[int, int]
    cells: dict[str, Token | None]
    block: int
    kind: str = "row"  # "exec_row" (funds / 执行率) or "indicator_row"

    def fig(self, col: str) -> Figure | None:
        t = self.cells.get(col)
        return t.figure if t is not None else None


@dataclass
class Block:
    start: int
    end: int
    cols: list[str]
    rows: list[FormRow] = field(default_factory=list)

    @property
    def is_exec(self) -> bool:
        """Budget rows: 执行率 with 预算数 or 执行数, or 预算数, 执行数, 分值 and 得分 (the rate left to compute)."""
        cols = set(self.cols)
        return ("rate" in cols and bool({"executed", "budget"} & cols)) or (
            {"executed", "weight", "score"} <= cols and bool({"budget", "initial"} & cols))

    @property
    def is_indicator(self) -> bool:
        """Indicator rows (指标值 实际完成值 分值 得分) or a scoring sheet's rows (分值 得分)."""
        return "score" in self.cols and "weight" in self.cols and not self.is_exec


def _col_words() -> list[tuple[str, str]]:
    lex = lexicon()
    pairs = [("initial", w) for w in ("年初预算数", "年初预算")]
    for col, words in (("budget", lex.budget_col), ("executed", lex.executed_col), ("weight", lex.weight_col),
                       ("rate", lex.rate_col), ("score", lex.score_col), ("target", lex.target_col),
                       ("actual", lex.actual_col), ("reason", lex.reason_col)):
        pairs += [(col, w) for w in words.words]
    return sorted(pairs, key=lambda p: -len(p[1]))


_HEADER_RE: re.Pattern[str] | None = None
_HEADER_COL: dict[str, str] = {}


def _header_re() -> re.Pattern[str]:
    global _HEADER_RE
    if _HEADER_RE is None:
        pairs = _col_words()
        _HEADER_COL.update({w: c for c, w in pairs})
        # a header word may wrap inside its cell (全年预算 数): one optional space or line break between characters
        _HEADER_RE = re.compile("|".join(r"[ \n]?".join(re.escape(ch) for ch in w) for _, w in pairs))
    return _HEADER_RE


def header_blocks(idx: FigureIndex) -> list[Block]:
    """Runs of column-header words with no quantity between them, in text order."""
    text = idx.text
    hits = [(m.start(), m.end(), _HEADER_COL[re.sub(r"[ \n]", "", m.group(0))]) for m in _header_re().finditer(text)]
    blocks: list[Block] = []
    cur: list[tuple[int, int, str]] = []

    def close() -> None:
        cols: list[str] = []
        for _, _, c in cur:
            if c not in cols:
                cols.append(c)
        if not {"target", "actual"} & set(cols) and (
                [c for _, _, c in cur].count("weight") > 1 or cols.index("weight") > cols.index("score")
                if {"weight", "score"} <= set(cols) else False):
            return  # a scoring sheet with a 分值 per level (名称 分值 名称 分值 … 得分): columns unknown
        if len(cols) >= 3 or {"weight", "score"} <= set(cols):
            blocks.append(Block(cur[0][0], cur[-1][1], cols))

    for s, e, c in hits:
        if cur and (s - cur[-1][1] > _HEADER_GAP or _quantity_between(idx, cur[-1][1], s)):
            close()
            cur = []
        cur.append((s, e, c))
    if cur:
        close()
    return blocks


def _quantity_between(idx: FigureIndex, a: int, b: int) -> bool:
    return any(f.kind in ("money", "percent", "count", "score", "plain") for f in idx.between(a, b))


_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPLIT = re.compile(r"[^\s|\t]+")


def tokens(idx: FigureIndex, a: int, b: int) -> list[Token]:
    """The cells of ``text[a:b]`` split at spaces, pipes, tabs and line breaks, figures attached."""
    text = idx.text
    figs = idx.between(a, b)
    fstarts = [f.start for f in figs]
    cells = idx.cell_spans
    cstarts = [c[0] for c in cells]
    out: list[Token] = []
    skip_to = a
    for m in _SPLIT.finditer(text, a, b):
        s, e, w = m.start(), m.end(), m.group(0)
        if s < skip_to:
            continue
        ci = bisect.bisect_right(cstarts, s) - 1
        if ci >= 0 and cells[ci][0] <= s < cells[ci][1] and " " in text[cells[ci][0]:cells[ci][1]]:
            # a table reader's cell is one token even when it holds spaces (其中:当年财政 拨款)
            s, e = cells[ci]
            w = text[s:e]
            skip_to = e
        k = bisect.bisect_left(fstarts, s)
        inside = [f for f in figs[k:k + 4] if f.start < e]
        if w in _CMP_TOKENS:
            out.append(Token(s, e, w, "cmp", cmp=_CMP.get(w, w)))
        elif w.strip("—-－/\\") == "" or w in _DASHES:
            out.append(Token(s, e, w, "dash"))
        elif len(inside) == 1 and _covers(w, s, inside[0]):
            out.append(Token(s, e, w, "fig", inside[0], inside[0].cmp))
        elif not inside and w in lexicon().units:
            out.append(Token(s, e, w, "unit"))
        elif len(inside) == 1 and inside[0].end >= e - 1 and _FUND_ROW_RE.search(text, s, inside[0].start) \
                and _CJK.match(w) and w[inside[0].start - s - 1] not in "（(":
            # 年度资金总额250000: a name glued to its first value, split where the figure starts
            f = inside[0]
            out.append(Token(s, f.start, text[s:f.start], "label"))
            out.append(Token(f.start, e, text[f.start:e], "fig", f, f.cmp))
        elif inside and len(_CJK.findall(w)) >= 4:
            out.append(Token(s, e, w, "label"))
        elif inside:
            out.append(Token(s, e, w, "mixed", inside[-1]))
        elif len(w) <= 3 or w in _VALUE_WORDS:
            out.append(Token(s, e, w, "value"))
        else:
            out.append(Token(s, e, w, "label"))
    return _merge(out)


def _covers(w: str, s: int, f: Figure) -> bool:
    """The token is the figure with at most a comparator before and a unit or 分 after."""
    before = w[:f.start - s]
    after = w[f.end - s:]
    return (not before or before.strip("≥≧≤≦<>=＞＜═＝约") == "") and len(after) <= 4 and not re.search(r"\d", after)


def _merge(toks: list[Token]) -> list[Token]:
    """A comparator cell joins the figure after it; a unit cell joins the figure before it."""
    out: list[Token] = []
    pending_cmp = None
    for t in toks:
        if t.kind == "cmp":
            pending_cmp = t.cmp
            continue
        if t.kind == "unit" and out and out[-1].kind == "fig":
            out[-1].end = t.end
            out[-1].text += t.text
            continue
        if pending_cmp and t.kind == "fig":
            t.cmp = t.cmp or pending_cmp
        pending_cmp = None
        out.append(t)
    return out


def read_forms(idx: FigureIndex) -> list[Block]:
    """Header blocks with the rows that follow each (up to the next block)."""
    blocks = [b for b in header_blocks(idx) if b.is_exec or b.is_indicator]
    n = len(idx.text)
    for i, blk in enumerate(blocks):
        stop = min(blocks[i + 1].start if i + 1 < len(blocks) else n, blk.end + _BLOCK_REACH)
        toks = tokens(idx, blk.end, stop)
        if blk.is_exec:
            rows = _exec_rows(toks, blk, i)
            implied = _implied_weight(idx, blk)
            for r in rows:
                if implied is not None and r.cells.get("weight") is None:
                    r.cells["weight"] = Token(implied.start, implied.end, implied.raw, "fig", implied)
            blk.rows += rows
        if blk.is_indicator:
            blk.rows += _indicator_rows(toks, blk, i)
    return blocks


_WEIGHT_FORMULA = re.compile(r"(\d+(?:\.\d+)?)\s*分?\s*[*×xX]\s*(?:预算)?执行率")


def _implied_weight(idx: FigureIndex, blk: Block) -> Figure | None:
    """得分（20分*执行率）: a header that states the row's weight in its scoring formula."""
    a = max(0, blk.start - 80)
    m = _WEIGHT_FORMULA.search(idx.text, a, min(len(idx.text), blk.end + 80))
    if m is None:
        return None
    return next((f for f in idx.between(m.start(1), m.end(1)) if f.start == m.start(1)), None)


def _exec_rows(toks: list[Token], blk: Block, bi: int) -> list[FormRow]:
    """Budget rows. A row with its execution-rate percent is read outwards from it (a crawl may drop
    the empty cells before it); a row without one (其中 rows of dashes and zeros) from the left."""
    if "rate" not in blk.cols:
        return _exec_rows_without_rate(toks, blk, bi)
    ri = blk.cols.index("rate")
    before_cols = [c for c in blk.cols[:ri] if c in ("initial", "budget", "executed", "weight")]
    after_cols = [c for c in blk.cols[ri + 1:] if c in ("weight", "score")][:2]
    if not after_cols and "weight" in before_cols:
        after_cols = ["score"]  # 分值 | 执行率 | 得分: the cell after the rate is its score
    all_cols = before_cols + ["rate"] + after_cols
    rows = []
    i = 0
    n = len(toks)
    while i < n:
        if toks[i].kind != "label":
            i += 1
            continue
        label = toks[i]
        j = i + 1
        while j < n and toks[j].kind in ("fig", "dash") and j - i <= len(all_cols) + 1:
            j += 1
        vals = toks[i + 1:j]
        i = j
        if not vals or not any(w in label.text for w in _FUND_ROW):
            continue
        cells: dict[str, Token | None] = {c: None for c in all_cols}
        pct = next((k for k, v in enumerate(vals) if v.kind == "fig" and v.figure is not None
                    and v.figure.unit == "%"), None)
        if pct is not None:
            left = vals[:pct][-len(before_cols):] if before_cols else []
            for c, v in zip(before_cols[len(before_cols) - len(left):], left, strict=False):
                cells[c] = v if v.kind == "fig" else None
            cells["rate"] = vals[pct]
            for c, v in zip(after_cols, vals[pct + 1:], strict=False):
                cells[c] = v if v.kind == "fig" else None
        elif len(vals) == len(all_cols) and all(v.figure is None or v.figure.kind in ("money", "plain") for v in vals):
            for c, v in zip(all_cols, vals, strict=False):
                cells[c] = v if v.kind == "fig" and v.figure is not None and v.figure.kind != "percent" else None
        else:
            continue
        rows.append(FormRow(label.text, (label.start, label.end), cells, bi, "exec_row"))
    return rows


def _exec_rows_without_rate(toks: list[Token], blk: Block, bi: int) -> list[FormRow]:
    """预算数 | 执行数 | 分值 | 得分 with no 执行率 column: each row's values in the header's order, read
    from the right (the score cell ends the row); the rate is left to compute."""
    cols = [c for c in blk.cols if c in ("initial", "budget", "executed", "weight", "score")]
    rows = []
    i, n = 0, len(toks)
    while i < n:
        if toks[i].kind != "label":
            i += 1
            continue
        label = toks[i]
        j = i + 1
        while j < n and toks[j].kind in ("fig", "dash") and j - i <= len(cols) + 1:
            j += 1
        vals = toks[i + 1:j]
        i = j
        if len(vals) < len(cols) or not any(w in label.text for w in _FUND_ROW):
            continue
        vals = vals[-len(cols):]
        if any(v.figure is not None and v.figure.kind not in ("money", "plain", "score") for v in vals):
            continue
        cells = {c: (v if v.kind == "fig" else None) for c, v in zip(cols, vals, strict=True)}
        cells["rate"] = None
        rows.append(FormRow(label.text, (label.start, label.end), cells, bi, "exec_row"))
    return rows


def _indicator_rows(toks: list[Token], blk: Block, bi: int) -> list[FormRow]:
    """Indicator rows: a name cell, then value cells aligned to the header's columns from the right."""
    cols = [c for c in blk.cols if c in ("target", "actual", "weight", "score")]
    rows = []
    i = 0
    n = len(toks)
    while i < n:
        if toks[i].kind != "label":
            i += 1
            continue
        lab = toks[i]
        j = i + 1
        vals: list[Token] = []
        while j < n and toks[j].kind != "label":
            vals.append(toks[j])
            j += 1
        i = j
        if any(v.text.replace(" ", "") in ("总分", "合计", "总计", "小计") for v in vals) or \
                lab.text.replace(" ", "") in ("总分", "合计", "总计", "小计"):
            continue  # the total row is not one of the rows
        vals = [v for v in vals if v.kind in ("fig", "dash", "value", "mixed")]
        if "reason" in blk.cols[blk.cols.index("score"):]:
            while len(vals) > len(cols) and vals[-1].kind in ("value", "dash"):
                vals.pop()  # the reason cell (无, /) after the score
        if len(vals) < len(cols) or len(vals) > len(cols) + 2:
            continue
        vals = vals[-len(cols):]
        cells = {c: (v if v.kind in ("fig", "mixed") else None) for c, v in zip(cols, vals, strict=True)}
        w, s = cells.get("weight"), cells.get("score")
        if w is None or s is None or w.kind != "fig" or s.kind != "fig":
            continue
        if w.figure is None or s.figure is None or w.figure.kind not in ("plain", "score") \
                or s.figure.kind not in ("plain", "score"):
            continue
        rows.append(FormRow(lab.text, (lab.start, lab.end), cells, bi, "indicator_row"))
    return rows


def find_form_groups(idx: FigureIndex) -> list[FormRow]:
    """Every form row found in ``idx`` (the blocks are kept on the index for the table-sum checks)."""
    idx.blocks = read_forms(idx)
    return [r for b in idx.blocks for r in b.rows]
