"""The 填报模板 workbook a clerk fills in: sheets 基本信息 and 指标, drop-downs, notes, number formats.

A hidden sheet ``_jixiao`` marks the workbook as ours (see :mod:`jixiao.render.template_reader`).
The field list below is shared with the reader, so writer and reader cannot drift apart.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

MARK_SHEET = "_jixiao"
MARK = "jixiao-template"
VERSION = "1"
BASIC_SHEET = "基本信息"
IND_SHEET = "指标"
FIRST_FIELD_ROW = 3
FIRST_IND_ROW = 2
BLANK_IND_ROWS = 30
SCOPES = {"部门整体": "department", "项目支出": "project"}
NATURES = {"≥": ">=", "≤": "<=", "=": "="}
STATUSES = ("达成", "部分达成", "未达成")
GRADES = ("优", "良", "中", "差")


@dataclass(frozen=True, slots=True)
class Field:
    key: str  # where it goes: department, year, scope, budget.adjusted, funding.other, score.total …
    label: str
    kind: str  # text | int | amount | percent | score | scope | grade | longtext
    unit: str = ""
    note: str = ""


FIELDS: tuple[Field, ...] = (
    Field("department", "单位名称", "text", "", "主管部门或单位全称（部门整体自评填部门名称）"),
    Field("project", "项目名称", "text", "", "项目支出自评填写项目名称；部门整体自评留空"),
    Field("implementer", "实施单位", "text", "", "项目支出自评填写实施单位；与主管部门相同时可留空"),
    Field("year", "年度", "int", "", "四位年份，如 2023"),
    Field("scope", "评价类型", "scope", "", "下拉选择：部门整体 / 项目支出"),
    Field("budget.initial", "年初预算数", "amount", "万元", "年初批复的预算数"),
    Field("budget.adjusted", "全年预算数", "amount", "万元", "调整后的全年预算数，预算执行率的分母"),
    Field("budget.executed", "全年执行数", "amount", "万元", "全年实际支出（决算）数"),
    Field("budget.execution_rate", "预算执行率", "percent", "%", "填列的执行率（如 99.76）；留空时由系统计算"),
    Field("budget.basic", "基本支出", "amount", "万元", "其中基本支出（可选）"),
    Field("budget.project", "项目支出", "amount", "万元", "其中项目支出（可选）"),
    Field("budget.personnel", "人员经费", "amount", "万元", "可选"),
    Field("budget.public", "日常公用经费", "amount", "万元", "可选"),
    Field("budget.carryover_start", "年初结转和结余", "amount", "万元", "可选"),
    Field("budget.carryover_end", "年末结转和结余", "amount", "万元", "可选"),
    Field("budget.adjustment", "预算调整数", "amount", "万元", "年中调增（负数为调减），可选"),
    Field("budget.adjustment_rate", "预算调整率", "percent", "%", "可选"),
    Field("funding.general_public", "一般公共预算资金", "amount", "万元", "按资金来源的支出（可选）"),
    Field("funding.gov_fund", "政府性基金预算资金", "amount", "万元", "可选"),
    Field("funding.state_capital", "国有资本经营预算资金", "amount", "万元", "可选"),
    Field("funding.other", "其他资金", "amount", "万元", "可选"),
    Field("staffing.authorized", "核定编制数", "int", "人", "可选"),
    Field("staffing.actual", "实有在编人数", "int", "人", "可选"),
    Field("score.total", "自评总分", "score", "分", "填列的自评总分；系统会按指标重新计算"),
    Field("score.grade", "评价等级", "grade", "", "下拉选择：优 / 良 / 中 / 差"),
    Field("goal", "年度总体目标（预期目标）", "longtext", "", "绩效目标申报表中的年度总体目标"),
    Field("summary", "年度总体目标完成情况", "longtext", "", "概述实际完成情况"),
    Field("problems", "存在的问题", "longtext", "", ""),
    Field("measures", "改进措施", "longtext", "", ""),
    Field("signed_date", "填报日期", "text", "", "如 2024年3月15日"),
)


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: str  # text | nature | status | score
    width: float
    note: str


COLUMNS: tuple[Column, ...] = (
    Column("level1", "一级指标", "text", 12, "一级指标名称，如 产出指标 / 效益指标 / 部门决策；可纵向合并"),
    Column("level2", "二级指标", "text", 12, "二级指标名称，如 数量指标 / 社会效益；可纵向合并"),
    Column("name", "三级指标", "text", 22, "三级指标名称（必填）"),
    Column("nature", "指标性质", "nature", 9, "下拉选择：≥ 正向、≤ 反向、= 等于；定性指标留空"),
    Column("target", "年度指标值", "text", 13, "年度目标值；定量指标填数字（可带 % 或单位）"),
    Column("actual", "实际完成值", "text", 13, "实际完成值；选了指标性质的定量指标必须填数字，不能写“约九成”"),
    Column("weight", "分值", "score", 8, "该三级指标的分值（权重），数字"),
    Column("score", "得分", "score", 8, "自评得分，数字，不超过分值"),
    Column("status", "完成情况", "status", 11, "下拉选择：达成 / 部分达成 / 未达成（定性指标）"),
    Column("deviation", "偏差原因分析及改进措施", "text", 32, "未得满分或未达成时必须说明原因及改进措施"),
)

_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_FORMATS = {"amount": "0.00", "percent": "0.00", "score": "0.00", "int": "0"}


def framework_rows(framework: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """Indicator rows pre-filled from a framework's tree (fixed leaves; one blank row per open group).

    Returns (rows, scope). Without jixiao.scoring or a framework: ([], None).
    """
    if not framework:
        return [], None
    from jixiao.scoring import load_framework

    fw = load_framework(framework)
    rows: list[dict[str, Any]] = []

    def walk(node: Any, path: list[str]) -> None:
        names = [*path, node.name]
        children = tuple(getattr(node, "children", ()) or ())
        if getattr(node, "rule", None) is not None and not children:
            l1 = names[0]
            l2 = names[1] if len(names) > 2 else ""
            rows.append({"level1": l1, "level2": l2, "name": node.name, "weight": node.weight})
            return
        if not children:  # a group whose leaves the clerk defines
            rows.append({"level1": names[0], "level2": names[1] if len(names) > 1 else "", "name": "",
                         "weight": None})
            return
        for child in children:
            walk(child, names)

    for top in fw.tree:
        walk(top, [])
    return rows, getattr(fw, "scope", None)


def write_template(out: Path | None = None, *, framework: str | None = None, scope: str | None = None) -> bytes:
    """Write the fill-in workbook; return its bytes (and save to ``out`` when given)."""
    rows, fw_scope = framework_rows(framework)
    scope = scope or fw_scope
    wb = Workbook()
    ws = wb.active
    ws.title = BASIC_SHEET
    _basic_sheet(ws, framework, scope)
    _indicator_sheet(wb.create_sheet(IND_SHEET), rows)
    mark = wb.create_sheet(MARK_SHEET)
    mark["A1"], mark["B1"] = MARK, VERSION
    mark["A2"], mark["B2"] = "framework", framework or ""
    mark.sheet_state = "hidden"
    wb.properties.title = "预算绩效自评填报模板"
    wb.properties.creator = "jixiao"
    wb.properties.keywords = MARK
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if out is not None:
        Path(out).write_bytes(data)
    return data


def _head(cell: Any, text: str, note: str) -> None:
    cell.value = text
    cell.font = _HEAD_FONT
    cell.fill = _HEAD_FILL
    cell.border = _BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if note:
        c = Comment(note, "jixiao")
        c.width, c.height = 240, 90
        cell.comment = c


def _basic_sheet(ws: Any, framework: str | None, scope: str | None) -> None:
    ws["A1"] = "预算绩效自评填报模板 · 基本信息（金额单位：万元；比率填百分数，如 99.76）"
    ws["A1"].font = Font(bold=True, size=13)
    ws.merge_cells("A1:D1")
    for col, (text, note) in enumerate((("项目", "填报项目名称，请勿修改"), ("填写内容", "在本列填写；数字请填数值"),
                                        ("单位", "金额单位为万元"), ("说明", "填写要求")), start=1):
        _head(ws.cell(row=2, column=col), text, note)
    widths = {"A": 22, "B": 40, "C": 8, "D": 46}
    for k, v in widths.items():
        ws.column_dimensions[k].width = v
    dv_num = DataValidation(type="decimal", operator="between", formula1="-1000000000", formula2="1000000000",
                            allow_blank=True, error="请填写数字（不要带单位或文字）", errorTitle="不是数字",
                            showErrorMessage=True)
    dv_int = DataValidation(type="whole", operator="between", formula1="0", formula2="100000", allow_blank=True,
                            error="请填写整数", errorTitle="不是整数", showErrorMessage=True)
    dv_scope = DataValidation(type="list", formula1='"' + ",".join(SCOPES) + '"', allow_blank=True,
                              showErrorMessage=True, error="请从下拉列表选择")
    dv_grade = DataValidation(type="list", formula1='"' + ",".join(GRADES) + '"', allow_blank=True,
                              showErrorMessage=True, error="请从下拉列表选择")
    for dv in (dv_num, dv_int, dv_scope, dv_grade):
        ws.add_data_validation(dv)
    for n, f in enumerate(FIELDS):
        r = FIRST_FIELD_ROW + n
        ws.cell(row=r, column=1, value=f.label).font = _HEAD_FONT
        value = ws.cell(row=r, column=2)
        ws.cell(row=r, column=3, value=f.unit)
        ws.cell(row=r, column=4, value=f.note).alignment = _WRAP
        for c in range(1, 5):
            ws.cell(row=r, column=c).border = _BORDER
        if f.kind in _FORMATS:
            value.number_format = _FORMATS[f.kind]
        if f.kind in ("amount", "percent", "score"):
            dv_num.add(value)
        elif f.kind == "int":
            dv_int.add(value)
        elif f.kind == "scope":
            dv_scope.add(value)
            if scope:
                value.value = {v: k for k, v in SCOPES.items()}.get(scope)
        elif f.kind == "grade":
            dv_grade.add(value)
        if f.kind == "longtext":
            value.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[r].height = 60
    ws.freeze_panes = "B3"


def _indicator_sheet(ws: Any, rows: list[dict[str, Any]]) -> None:
    for col, c in enumerate(COLUMNS, start=1):
        _head(ws.cell(row=1, column=col), c.label, c.note)
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = c.width
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "A2"
    last = FIRST_IND_ROW + len(rows) + BLANK_IND_ROWS - 1
    letter = {c.key: ws.cell(row=1, column=i).column_letter for i, c in enumerate(COLUMNS, start=1)}
    dv_nature = DataValidation(type="list", formula1='"' + ",".join(NATURES) + '"', allow_blank=True,
                               showErrorMessage=True, error="请选择 ≥、≤ 或 =", errorTitle="指标性质")
    dv_status = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=True,
                               showErrorMessage=True, error="请选择 达成 / 部分达成 / 未达成", errorTitle="完成情况")
    dv_score = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                              showErrorMessage=True, error="分值、得分须为 0–100 的数字", errorTitle="不是数字")
    for dv in (dv_nature, dv_status, dv_score):
        ws.add_data_validation(dv)
    dv_nature.add(f"{letter['nature']}{FIRST_IND_ROW}:{letter['nature']}{last}")
    dv_status.add(f"{letter['status']}{FIRST_IND_ROW}:{letter['status']}{last}")
    dv_score.add(f"{letter['weight']}{FIRST_IND_ROW}:{letter['score']}{last}")
    for r in range(FIRST_IND_ROW, last + 1):
        for i, c in enumerate(COLUMNS, start=1):
            cell = ws.cell(row=r, column=i)
            cell.border = _BORDER
            if c.kind == "score":
                cell.number_format = "0.00"
            elif c.key == "deviation":
                cell.alignment = _WRAP
    for n, row in enumerate(rows):
        for i, c in enumerate(COLUMNS, start=1):
            v = row.get(c.key)
            if v not in (None, ""):
                ws.cell(row=FIRST_IND_ROW + n, column=i, value=v)
