"""The 自评报告 draft: the usual four-part outline, every figure sentence generated from data.

What only a person can write is a visible placeholder ``【待填写：……】``; nothing
is invented. :func:`draft_sections` returns plain data (heading, paragraphs) so
the docx and html renderers and the tests share one text.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jixiao.render.context import fmt_fixed, fmt_num

PLACEHOLDER = "【待填写：{}】"


def todo(what: str) -> str:
    return PLACEHOLDER.format(what)


def _amount(label: str, value: Decimal | None) -> str | None:
    return f"{label} {fmt_fixed(value)} 万元" if value is not None else None


def budget_sentences(ctx: dict[str, Any]) -> list[str]:
    """Sentences about the money, e.g. ``年度预算数 130.76 万元，执行数 130.44 万元，预算执行率 99.76%。``"""
    b = ctx["budget"]
    out: list[str] = []
    head = [s for s in (
        _amount("年初预算数", b["initial"]),
        _amount("年度预算数" if b["initial"] is None else "调整后预算数", b["adjusted"]),
        _amount("执行数", b["executed"]),
    ) if s]
    if b["rate"] is not None:
        head.append(f"预算执行率 {fmt_fixed(b['rate'])}%")
    if head:
        out.append("，".join(head) + "。")
    stated = b["stated_rate"]
    if stated is not None and b["rate"] is not None and stated != b["rate"] and b["executed"] is not None:
        out.append(f"（原表填列的预算执行率为 {fmt_num(stated)}%，按执行数 {fmt_fixed(b['executed'])} 万元 ÷ "
                   f"预算数 {fmt_fixed(b['adjusted'])} 万元重新计算为 {fmt_fixed(b['rate'])}%。）")
    split = [s for s in (_amount("基本支出", b["basic"]), _amount("项目支出", b["project"])) if s]
    if split:
        out.append("其中" + "，".join(split) + "。")
    extra = [s for s in (
        _amount("人员经费", b["personnel"]), _amount("日常公用经费", b["public"]),
        _amount("年初结转和结余", b["carryover_start"]), _amount("年末结转和结余", b["carryover_end"]),
    ) if s]
    if b["adjustment"] is not None:
        line = f"年中调整预算 {fmt_fixed(b['adjustment'])} 万元"
        if b["adjustment_rate"] is not None:
            line += f"，调整率 {fmt_num(b['adjustment_rate'])}%"
        extra.append(line)
    if extra:
        out.append("，".join(extra) + "。")
    ex = ctx["exec"]
    if ex["weight"] is not None and ex["score"] is not None:
        out.append(f"预算执行率指标分值 {fmt_num(ex['weight'])} 分，得分 {fmt_fixed(ex['score'])} 分。")
    return out


def score_sentences(ctx: dict[str, Any]) -> list[str]:
    out: list[str] = []
    rows = ctx["all_indicators"]
    if ctx["total"] is not None:
        s = f"本次自评共 {len(rows)} 项指标"
        if ctx["weight_total"] is not None:
            s += f"，总分值 {fmt_num(ctx['weight_total'])} 分"
        s += f"，自评得分 {fmt_fixed(ctx['total'])} 分"
        if ctx["grade"]:
            s += f"，评价等级为“{ctx['grade']}”"
        out.append(s + "。")
    groups = [g for g in ctx["groups"] if g["score"] is not None]
    if groups and (ctx["scope"] == "department" or ctx["parts"]):
        parts = []
        for g in groups:
            p = f"{g['name']} {fmt_fixed(g['score'])} 分"
            if g["weight"] is not None:
                p += f"（分值 {fmt_num(g['weight'])} 分，得分率 {fmt_fixed(g['rate'])}%）" if g["rate"] is not None \
                    else f"（分值 {fmt_num(g['weight'])} 分）"
            parts.append(p)
        out.append("其中" + "，".join(parts) + "。")
    return out


def indicator_lines(ctx: dict[str, Any]) -> list[str]:
    out = []
    for n, r in enumerate(ctx["all_indicators"], start=1):
        bits = []
        if r["target"]:
            bits.append(f"年度指标值 {r['target']}")
        if r["actual"]:
            bits.append(f"实际完成值 {r['actual']}")
        if r["weight"] is not None:
            bits.append(f"分值 {fmt_num(r['weight'])} 分")
        if r["score"] is not None:
            bits.append(f"得分 {fmt_fixed(r['score'])} 分")
        path = "/".join(x for x in (r["level1"], r["level2"]) if x)
        name = f"{path}/{r['name']}" if path else r["name"]
        out.append(f"{n}. {name}：" + ("，".join(bits) if bits else todo("完成情况")) + "。")
    return out


def finding_lines(ctx: dict[str, Any]) -> list[str]:
    out = []
    for f in ctx["findings"]:
        line = f"[{f.code}] {f.message}"
        if f.stated is not None and f.recomputed is not None:
            line += f"（填列 {f.stated}，复核 {f.recomputed}）"
        out.append(line)
    return out


def draft_sections(ctx: dict[str, Any]) -> tuple[str, list[tuple[str, list[str]]]]:
    """(title, [(heading, paragraphs)]) of the draft report."""
    dept = ctx["department"] or todo("单位名称")
    year = f"{ctx['year']}年度" if ctx["year"] else todo("年度")
    is_dept = ctx["scope"] == "department"
    subject = "部门整体支出" if is_dept else (f"“{ctx['project_name']}”项目支出" if ctx["project_name"]
                                               else "项目支出")
    title = f"{dept}{year}{subject}绩效自评报告（草稿）"
    s: list[tuple[str, list[str]]] = []
    basic = [todo("部门职能、机构设置及年度主要工作任务" if is_dept else "项目立项依据、主要内容及实施情况")]
    money = budget_sentences(ctx) or [todo("预算安排及执行情况")]
    s.append(("一、基本情况", ["（一）" + ("部门概况" if is_dept else "项目概况"), *basic,
                            "（二）资金投入和使用情况", *money]))
    goals = ["（一）总体目标完成情况",
             ("年度总体目标：" + ctx["goal"]) if ctx["goal"] else todo("年度总体绩效目标"),
             ("实际完成情况：" + ctx["achieved"]) if ctx["achieved"] else todo("年度总体目标实际完成情况")]
    goals += ["（二）绩效指标完成情况", *(score_sentences(ctx) or [todo("自评得分情况")]), *indicator_lines(ctx)]
    deductions = ctx["deductions"]
    goals.append("（三）扣分情况")
    if deductions:
        goals += [f"{n}. {d}" for n, d in enumerate(deductions, start=1)]
    elif ctx["all_indicators"]:
        goals.append("各项指标均得满分，无扣分。")
    else:
        goals.append(todo("扣分指标及原因"))
    s.append(("二、绩效目标完成情况", goals))
    problems = [ctx["problems"]] if ctx["problems"] else [todo("存在的问题及原因分析")]
    findings = finding_lines(ctx)
    if findings:
        problems += ["审核中发现、尚待核实或更正的问题：", *(f"{n}. {x}" for n, x in enumerate(findings, start=1))]
    s.append(("三、存在的问题", problems))
    measures = [ctx["measures"]] if ctx["measures"] else [todo("改进措施及结果应用")]
    s.append(("四、改进措施", measures))
    return title, s


def draw_draft(doc: Any, ctx: dict[str, Any]) -> None:
    """Append the draft to a python-docx document."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    title, sections = draft_sections(ctx)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(title)
    run.bold = True
    run.font.size = Pt(16)
    note = doc.add_paragraph("说明：本稿由 jixiao 根据自评数据生成，文中数字均取自数据；“【待填写：……】”处须由经办人员据实填写。")
    note.runs[0].italic = True
    for heading, paras in sections:
        h = doc.add_paragraph()
        r = h.add_run(heading)
        r.bold = True
        r.font.size = Pt(14)
        for text in paras:
            para = doc.add_paragraph()
            run = para.add_run()
            run._r.add_t(text)  # one w:t (python-docx's run.text setter works per character)
            if text.startswith("（") and len(text) < 20:
                run.bold = True
            else:
                para.paragraph_format.first_line_indent = Pt(21)
    doc.add_paragraph()
    doc.add_paragraph(f"{ctx['department'] or todo('单位名称')}（盖章）").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_paragraph(ctx["signed_date"] or todo("日期")).alignment = WD_ALIGN_PARAGRAPH.RIGHT
