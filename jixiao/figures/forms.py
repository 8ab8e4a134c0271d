"""Rows of the self-evaluation forms, read from the cells of the text whatever way they were flattened.

A form states its column headers once (年初预算数 全年预算数 全年执行数 分值 执行率 得分; 年度指标值
实际完成值 分值 得分 偏差原因) and then rows of values. Crawled pages keep the cells in order but
lose the grid (one cell a line, pipes, spaces), so the rows are read from the **cell stream**: the
text split at ``|``, tabs, line breaks and spaces, a row starting at each name cell. Values are
aligned to the header's columns from the anchor a row cannot lack (the percent of the budget row,
the right end of an indicator row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jixiao.figures.index import _CMP, Figure, FigureIndex

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


# The extractor's readers (jixiao.extract.funds, jixiao.extract.grid) find the forms; their columns map to ours.
_FUNDS_COLS = {"initial": "initial", "adjusted": "budget", "executed": "executed", "weight": "weight",
               "rate": "rate", "score": "score"}
_GRID_COLS = {"target": "target", "actual": "actual", "weight": "weight", "score": "score", "deviation": "reason"}


def read_forms(idx: FigureIndex) -> list[Block]:
    """The forms of the text as the extractor reads them (funds blocks and indicator tables, whatever their
    printed shape), their cells tied to the figures of the index."""
    from jixiao.extract.funds import read_funds
    from jixiao.extract.grid import read_tables

    text = idx.text
    blocks: list[Block] = []
    for fb in read_funds(text):
        cols = [_FUNDS_COLS[c] for c in fb.columns if c in _FUNDS_COLS]
        blk = Block(fb.start, fb.end, cols)
        named = [(fb.total_label or "合计", fb.values, fb.total_start)] if fb.total_start is not None else []
        named += [(label, vals, at) for (label, vals), at in zip(fb.rows, fb.row_starts, strict=True)]
        for label, vals, at in named:
            if not vals:
                continue
            cells = {_FUNDS_COLS[k]: _token(idx, f.start, f.end) for k, f in vals.items() if k in _FUNDS_COLS}
            at = at if at is not None else min(f.start for f in vals.values())
            blk.rows.append(FormRow(label, (at, at + len(label)), dict.fromkeys(cols) | cells, 0, "exec_row"))
        if blk.rows:
            blocks.append(blk)
    def on_tab_line(pos: int) -> bool:  # a docx/xlsx grid printed as tab rows: read as a grid, not a stream
        a = text.rfind("\n", 0, pos) + 1
        b = text.find("\n", pos)
        return "\t" in text[a:b if b >= 0 else len(text)]

    for header, rows, _stop in read_tables(text, skip=on_tab_line):
        cols = [_GRID_COLS[r] for r in header.roles if r in _GRID_COLS]
        if "weight" not in cols and "score" not in cols:
            continue
        blk = Block(header.start, header.end, cols)
        for r in rows:
            if "name" not in r.cells:
                continue
            name, a, b = r.cells["name"]
            cells: dict[str, Token | None] = dict.fromkeys(cols)
            for role, col in _GRID_COLS.items():
                if role in r.cells:
                    _, ca, cb = r.cells[role]
                    cells[col] = _token(idx, ca, cb, r.cells.get("nature", (None,))[0] if role == "target" else None)
            blk.rows.append(FormRow(name, (a, b), cells, 0, "indicator_row"))
        if blk.rows:
            blocks.append(blk)
    blocks.sort(key=lambda b: b.start)
    for i, blk in enumerate(blocks):
        for r in blk.rows:
            r.block = i
    return blocks


def _token(idx: FigureIndex, a: int, b: int, nature: str | None = None) -> Token:
    """A cell as the checks see it: the one figure it holds (with its comparator), or its words."""
    figs = [f for f in idx.between(a, b) if f.start >= a and f.end <= b + 1]
    text = idx.text[a:b]
    cmp = _CMP.get(nature, nature) if nature else None
    if len(figs) == 1:
        return Token(a, b, text, "fig", figs[0], figs[0].cmp or cmp)
    if figs:
        return Token(a, b, text, "mixed", figs[-1], cmp)
    if text.strip(r"—-－/\ ") == "":
        return Token(a, b, text, "dash")
    return Token(a, b, text, "value", cmp=cmp)


def find_form_groups(idx: FigureIndex) -> list[FormRow]:
    """Every form row found in ``idx`` (the blocks are kept on the index for the table-sum checks)."""
    idx.blocks = read_forms(idx)
    return [r for b in idx.blocks for r in b.rows]
