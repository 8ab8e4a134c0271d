"""Read a filled 填报模板 back into an :class:`~jixiao.model.Evaluation`.

Every problem names its sheet and cell (``指标!F7: 实际完成值 "约九成" 不是数字``):
a missing sheet, text in a number cell, a formula error, a merged cell where a
value belongs. Numbers read from cells become ``Decimal`` through their shortest
repr, so 130.76 stays 130.76.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.ingest import MAX_FILE_BYTES, IngestError
from jixiao.ingest.safezip import ZIP_ERRORS, read_member
from jixiao.ingest.xlsx import load as xlsx_load
from jixiao.model import Budget, Evaluation, Evidence, Funding, Indicator, Project, ScoreSummary, Staffing
from jixiao.numbers import FigureError, NumberError, figure, parse_number
from jixiao.render.template import (
    BASIC_SHEET,
    COLUMNS,
    FIELDS,
    FIRST_IND_ROW,
    IND_SHEET,
    MARK,
    MARK_SHEET,
    NATURES,
    SCOPES,
    STATUSES,
)

ERROR_CODES = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!")
_NUMERIC_RE = re.compile(r"^[-+]?\d")


class TemplateError(IngestError):
    """A filled template that cannot be read; ``reason`` names the first bad cell, ``errors`` lists all."""

    def __init__(self, path: str | Path, errors: list[str]):
        self.errors = list(errors)
        reason = errors[0] if errors else "无法读取填报模板"
        if len(errors) > 1:
            reason += f"（另有 {len(errors) - 1} 处错误）"
        super().__init__(path, reason)

    def __reduce__(self):
        return (type(self), (self.path, self.errors))


def is_template(path: str | Path) -> bool:
    """True for a workbook written by ``jixiao template`` (it carries the hidden ``_jixiao`` sheet).

    Only a bounded read of ``xl/workbook.xml`` decides the first question; openpyxl sees the file
    only after it passed every limit the xlsx reader checks. A damaged or oversized workbook is
    not our template: the xlsx reader then says what is wrong with it.
    """
    try:
        data = _read_file(path)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            wb = read_member(z, "xl/workbook.xml", str(path)).decode("utf-8", "replace")
    except (IngestError, *ZIP_ERRORS):
        return False
    return f'name="{MARK_SHEET}"' in wb and _marked(data, str(path))


def _read_file(path: str | Path) -> bytes:
    p = Path(path)
    if p.stat().st_size > MAX_FILE_BYTES:
        raise IngestError(p, "文件过大 (file too large)")
    return p.read_bytes()


def _marked(data: bytes, name: str) -> bool:
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            wb = xlsx_load(data, name, read_only=True, data_only=True)
            try:
                ws = wb[MARK_SHEET]
                return next(ws.iter_rows(min_row=1, max_row=1, max_col=1, values_only=True))[0] == MARK
            finally:
                wb.close()
    except Exception:  # a broken file is simply not our template
        return False


def _number_format(cell: Any) -> str:
    try:
        return str(cell.number_format or "")
    except (IndexError, KeyError, TypeError, AttributeError):  # a style index past the workbook's tables
        return ""


def _to_decimal(value: Any) -> Decimal:
    """A cell's number as a bounded Decimal (:func:`jixiao.numbers.figure`): FigureError past reason."""
    if isinstance(value, bool):
        raise NumberError("bool")
    if isinstance(value, int):
        return figure(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise FigureError(f"不是有限数 {value} (NaN/Infinity is not a figure)")
        # the shortest repr: what the cell shows, no binary noise; a formula's result may carry many decimals
        return figure(Decimal(repr(value)), max_decimals=None)
    if isinstance(value, Decimal):
        return figure(value, max_decimals=None)
    s = str(value).strip().replace(",", "").replace("，", "")
    n = parse_number(s)
    if n.approximate or not _NUMERIC_RE.match(s) or n.unit not in ("", "%", "万元", "分"):
        raise NumberError(s)
    return figure(n.value)


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.errors: list[str] = []
        self.evidence: dict[str, Evidence] = {}

    def err(self, sheet: str, coord: str, msg: str) -> None:
        self.errors.append(f"{sheet}!{coord}: {msg}")

    def note(self, field_path: str, sheet: str, cell: Any, text: str) -> None:
        self.evidence[field_path] = Evidence(doc=str(self.path), start=0, end=0, line=cell.row, text=text,
                                             cell=f"{sheet}!{cell.coordinate}")

    def value(self, sheet: str, cell: Any, label: str) -> Any:
        """The cell's value, or None with an error recorded for a formula error."""
        v = cell.value
        if cell.data_type == "e" or (isinstance(v, str) and v.strip() in ERROR_CODES):
            self.err(sheet, cell.coordinate, f"{label} 是公式错误 {str(v).strip()}")
            return None
        if isinstance(v, str):
            v = v.strip()
            return v or None
        return v

    def number(self, sheet: str, cell: Any, label: str) -> Decimal | None:
        v = self.value(sheet, cell, label)
        if v is None:
            return None
        try:
            d = _to_decimal(v)
        except FigureError as exc:
            self.err(sheet, cell.coordinate, f'{label} "{str(v)[:40]}" 超出合理范围：{exc}')
            return None
        except (NumberError, ValueError, ArithmeticError):
            self.err(sheet, cell.coordinate, f'{label} "{str(v)[:40]}" 不是数字')
            return None
        if isinstance(v, (int, float)) and "%" in _number_format(cell):
            d = d * 100  # typed as 99.76% in Excel: stored 0.9976
        return d

    def text(self, sheet: str, cell: Any, label: str) -> str | None:
        v = self.value(sheet, cell, label)
        if v is None:
            return None
        if isinstance(v, float | int | Decimal) and not isinstance(v, bool):
            try:
                d = _to_decimal(v)
            except (NumberError, ArithmeticError) as exc:
                self.err(sheet, cell.coordinate, f'{label} "{str(v)[:40]}" 超出合理范围：{exc}')
                return None
            if "%" in _number_format(cell):
                return f"{_plain(d * 100)}%"
            return _plain(d)
        if hasattr(v, "strftime"):
            return v.strftime("%Y年%m月%d日")
        return str(v)


def _rows(ws: Any, min_row: int, ncols: int):
    """Rows from ``min_row`` holding any cell in the first ``ncols`` columns, as tuples of cells.

    Walks the cells that exist, so a lone value on row 1,048,576 costs one row, not a million.
    """
    rows = sorted({r for (r, c) in ws._cells if r >= min_row and c <= ncols})
    for r in rows:
        yield tuple(ws.cell(row=r, column=c) for c in range(1, ncols + 1))


def _plain(d: Decimal) -> str:
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


def _merged_value_cells(ws: Any, allowed_cols: set[int], first_row: int) -> list[tuple[str, str]]:
    """Merges that cover a value cell: (first cell, range). Vertical merges in ``allowed_cols`` are fine."""
    out = []
    for rng in ws.merged_cells.ranges:
        if rng.max_row < first_row:
            continue
        vertical_ok = rng.min_col == rng.max_col and rng.min_col in allowed_cols
        if not vertical_ok:
            out.append((ws.cell(row=max(rng.min_row, first_row), column=rng.min_col).coordinate, rng.coord))
    return out


def read_template(path: str | Path) -> Evaluation:
    """A filled template → Evaluation; raises TemplateError (sheet!cell reasons) on bad input."""
    p = Path(path)
    try:
        data = _read_file(p)
    except OSError as exc:
        raise IngestError(p, f"无法读取 ({exc.strerror or exc})") from None
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        wb = xlsx_load(data, str(p), data_only=True)
        return _read_workbook(p, wb)


def _read_workbook(p: Path, wb: Any) -> Evaluation:
    r = _Reader(p)
    for name in (BASIC_SHEET, IND_SHEET):
        if name not in wb.sheetnames:
            r.err(name, "A1", f"缺少工作表「{name}」（请使用 jixiao template 生成的模板）")
    if r.errors:
        raise TemplateError(p, r.errors)
    basic = _read_basic(r, wb[BASIC_SHEET])
    indicators = _read_indicators(r, wb[IND_SHEET])
    if r.errors:
        raise TemplateError(p, r.errors)
    return _evaluation(p, basic, indicators, r.evidence)


def _read_basic(r: _Reader, ws: Any) -> dict[str, Any]:
    sheet = BASIC_SHEET
    by_label = {f.label: f for f in FIELDS}
    out: dict[str, Any] = {}
    for coord, rng in _merged_value_cells(ws, set(), 3):
        if not rng.startswith("A1:"):
            r.err(sheet, coord, f"合并单元格 {rng}，此处应逐格填写，请取消合并")
    for row in _rows(ws, 3, 2):
        label_cell, cell = row[0], row[1]
        label = str(label_cell.value or "").strip()
        f = by_label.get(label)
        if f is None:
            continue
        if f.kind in ("amount", "percent", "score"):
            v = r.number(sheet, cell, f.label)
        elif f.kind == "int":
            d = r.number(sheet, cell, f.label)
            v = None
            if d is not None:
                if d != d.to_integral_value():
                    r.err(sheet, cell.coordinate, f'{f.label} "{cell.value}" 不是整数')
                else:
                    v = int(d)
        elif f.kind == "scope":
            t = r.text(sheet, cell, f.label)
            v = None
            if t is not None:
                v = SCOPES.get(t) or (t if t in SCOPES.values() else None)
                if v is None:
                    r.err(sheet, cell.coordinate, f'{f.label} "{t}" 应为 {" / ".join(SCOPES)}')
        else:
            v = r.text(sheet, cell, f.label)
        if v is not None:
            out[f.key] = v
            r.note(f.key if "." in f.key else f.key, sheet, cell, str(cell.value))
    return out


def _read_indicators(r: _Reader, ws: Any) -> list[tuple[int, dict[str, Any]]]:
    sheet = IND_SHEET
    col = {c.key: i for i, c in enumerate(COLUMNS)}
    for coord, rng in _merged_value_cells(ws, {col["level1"] + 1, col["level2"] + 1}, FIRST_IND_ROW):
        r.err(sheet, coord, f"合并单元格 {rng}，此处应逐格填写，请取消合并")
    merged_fill: dict[tuple[int, int], Any] = {}
    for rng in ws.merged_cells.ranges:
        top = ws.cell(row=rng.min_row, column=rng.min_col).value
        for rr in range(rng.min_row, rng.max_row + 1):
            merged_fill[(rr, rng.min_col)] = top
    rows: list[tuple[int, dict[str, Any]]] = []
    for cells in _rows(ws, FIRST_IND_ROW, len(COLUMNS)):
        rownum = cells[0].row
        raw = {c.key: cells[i] for i, c in enumerate(COLUMNS)}
        if all(cell.value in (None, "") and (rownum, cell.column) not in merged_fill for cell in cells):
            continue
        item: dict[str, Any] = {}
        for key in ("level1", "level2"):
            cell = raw[key]
            v = cell.value if cell.value not in (None, "") else merged_fill.get((rownum, cell.column))
            item[key] = str(v).strip() if v not in (None, "") else None
        name = r.text(sheet, raw["name"], "三级指标")
        nature_txt = r.text(sheet, raw["nature"], "指标性质")
        nature = None
        if nature_txt:
            nature = NATURES.get(nature_txt) or (nature_txt if nature_txt in NATURES.values() else None)
            if nature is None:
                r.err(sheet, raw["nature"].coordinate, f'指标性质 "{nature_txt}" 应为 ≥、≤ 或 =')
        target = r.text(sheet, raw["target"], "年度指标值")
        actual = r.text(sheet, raw["actual"], "实际完成值")
        if nature is not None:
            for key, label, v in (("target", "年度指标值", target), ("actual", "实际完成值", actual)):
                if v is not None and not _is_quantity(v):
                    r.err(sheet, raw[key].coordinate, f'{label} "{v}" 不是数字')
        weight = r.number(sheet, raw["weight"], "分值")
        score = r.number(sheet, raw["score"], "得分")
        status = r.text(sheet, raw["status"], "完成情况")
        if status is not None and status not in STATUSES:
            r.err(sheet, raw["status"].coordinate, f'完成情况 "{status}" 应为 {" / ".join(STATUSES)}')
        deviation = r.text(sheet, raw["deviation"], "偏差原因分析及改进措施")
        figures = any(x is not None for x in (target, actual, weight, score, status, deviation))
        if not name:
            if figures:
                r.err(sheet, raw["name"].coordinate, "三级指标 为空（该行填了数据，须写明指标名称）")
            continue
        if weight is not None and score is not None and score > weight:
            r.err(sheet, raw["score"].coordinate, f"得分 {_plain(score)} 超过分值 {_plain(weight)}")
        item.update(name=name, nature=nature, target=target, actual=actual if actual is not None else status,
                    weight=weight, score=score, deviation=deviation)
        rows.append((rownum, item))
        n = len(rows) - 1
        for key, label in (("actual", "actual"), ("weight", "weight"), ("score", "score"), ("target", "target")):
            if item.get(key) is not None:
                r.note(f"indicators[{n}].{label}", sheet, raw[key], str(raw[key].value))
    return rows


def _is_quantity(v: str) -> bool:
    s = v.strip().lstrip("≥≤><=＞＜ ")
    try:
        n = parse_number(s)
    except NumberError:
        return False
    return not n.approximate and bool(_NUMERIC_RE.match(s))


def _evaluation(p: Path, basic: dict[str, Any], rows: list[tuple[int, dict[str, Any]]],
                evidence: dict[str, Evidence]) -> Evaluation:
    def group(prefix: str) -> dict[str, Any]:
        return {k.split(".", 1)[1]: v for k, v in basic.items() if k.startswith(prefix + ".")}

    budget = Budget(**group("budget"))
    scope = basic.get("scope")
    project_name = basic.get("project")
    if scope is None:
        scope = "project" if project_name else None
    projects = ()
    if project_name:
        projects = (Project(name=project_name, budget=budget.adjusted, executed=budget.executed,
                            execution_rate=budget.execution_rate),)
    sc = group("score")
    indicators = tuple(Indicator(**item) for _, item in rows)
    return Evaluation(
        doc=p.stem,
        department=basic.get("department"),
        implementer=basic.get("implementer"),
        year=basic.get("year"),
        scope=scope,
        title=project_name,
        form="填报模板",
        budget=budget,
        funding=Funding(**group("funding")),
        projects=projects,
        indicators=indicators,
        score=ScoreSummary(total=sc.get("total"), grade=sc.get("grade")),
        staffing=Staffing(**group("staffing")),
        problems=basic.get("problems"),
        measures=basic.get("measures"),
        summary=basic.get("summary"),
        goal=basic.get("goal"),
        signed_date=basic.get("signed_date"),
        evidence=evidence,
    )
