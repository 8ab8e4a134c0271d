"""Who, when and what: department, year, scope, title, signing date; problem and measure sections; stated scores."""

from __future__ import annotations

import re

from jixiao.extract.collect import Context, lexicon, rx
from jixiao.extract.text import squash
from jixiao.numbers import D

_GOAL_ROW = re.compile(r"^[ 　]*年度\s*(?:总体)?\s*(?:绩效)?\s*目标[ 　]*\t(?P<rest>[^\n]*)$", re.M)


def read_overall_goal(ctx: Context) -> dict[str, tuple[str, int, int]]:
    """年度总体目标 of a project form's grid: the 预期目标 and 实际完成情况 texts, as ``goal`` and ``summary``.

    The label row either carries the two headers (the texts are on the next row, under them) or the texts
    themselves (预期目标 first).
    """
    text = ctx.text
    for m in _GOAL_ROW.finditer(text):
        head = _cells(text, m.start(), m.end())[1:]
        ig = next((i for i, (c, _, _) in enumerate(head) if "预期目标" in c), None)
        ia = next((i for i, (c, _, _) in enumerate(head) if "实际完成" in c), None)
        if ig is not None or ia is not None:  # headers here, texts on the next row, column under column
            nxt = text.find("\n", m.end())
            if nxt < 0:
                continue
            end = text.find("\n", nxt + 1)
            row = _cells(text, nxt + 1, len(text) if end < 0 else end)[1:]
            lo, mid = ig if ig is not None else 0, ia if ia is not None else len(row)
            goal = next((cell for cell in row[lo:mid] if cell[0].strip()), None)
            done = next((cell for cell in row[mid:] if cell[0].strip()), None) if ia is not None else None
        else:  # the texts on the label's row
            texts = [cell for cell in head if cell[0].strip()]
            goal, done = (texts + [None, None])[:2]
        out = {}
        for key, cell in (("goal", goal), ("summary", done)):
            if cell and len(cell[0].strip()) >= 4:
                out[key] = (cell[0].strip(), cell[1], cell[2])
        if out:
            return out
    return {}


def _cells(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """The tab-separated cells of text[start:end] with their offsets."""
    out, pos = [], start
    for c in text[start:end].split("\t"):
        out.append((c, pos, pos + len(c)))
        pos += len(c) + 1
    return out


def read_signed_date(ctx: Context) -> tuple[str | None, int, int]:
    m = re.search(r"(?:填表|填报|报送|编制|签发|报告)日期\s*[:：]?\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", ctx.text)
    if not m:
        return None, -1, -1
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}", m.start(1), m.end(0)


_PROBLEM_HEAD = re.compile(r"存在(的)?(主要)?问题|问题及原因|存在不足|主要问题")
_MEASURE_HEAD = re.compile(r"改进措施|整改措施|下一步(工作|改进)?(计划|措施|打算)?|改进建议|工作计划|工作建议")


def read_sections(ctx: Context) -> dict[str, tuple[str, int, int]]:
    """问题 and 措施 texts: a heading followed by its paragraphs, or a label with text on the same line."""
    out: dict[str, tuple[str, int, int]] = {}
    paras = ctx.paras
    for i, p in enumerate(paras):
        head = p.text.strip()
        first_line = head.split("\n", 1)[0]
        if "\t" in first_line:
            continue
        for key, pat in (("problems", _PROBLEM_HEAD), ("measures", _MEASURE_HEAD)):
            if key in out or not pat.search(first_line) or len(first_line) > 40 and "\t" not in first_line:
                continue
            # label and text on one line: "存在问题 疫情原因……"
            lm = re.match(rf"^\s*[一二三四五六七八九十\d.、（）()]*\s*(?:{pat.pattern})[^\s:：]*[\s:：]+(?P<body>\S.*)$", first_line)
            if lm and len(lm.group("body")) > 0 and not _looks_heading_only(first_line):
                s = p.start + p.text.find(lm.group("body"))
                out[key] = (lm.group("body").strip(), s, s + len(lm.group("body")))
                continue
            body: list[str] = []
            start = end = None
            rest = head.split("\n", 1)[1].strip() if "\n" in head else ""
            if rest:
                body.append(rest)
                start, end = p.start + p.text.find(rest), p.end
            signoff = rx(lexicon()["signoff"])
            for q in paras[i + 1:]:
                qt = q.text.strip()
                if _is_section_heading(qt) or signoff.search(qt):
                    break
                body.append(qt)
                start = q.start if start is None else start
                end = q.end
            if body:
                out[key] = ("\n".join(body), start, end)
    return out


def _looks_heading_only(line: str) -> bool:
    return bool(re.match(r"^\s*[一二三四五六七八九十\d]+[、.．]", line)) and len(line) < 30


def _is_section_heading(s: str) -> bool:
    first = s.split("\n", 1)[0].strip().rstrip("。.:：")
    if len(first) > 40 or re.search(r"[。；]", first):
        return False
    return bool(re.match(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、．])", first)) and bool(
        _MEASURE_HEAD.search(first) or _PROBLEM_HEAD.search(first) or re.match(r"^[一二三四五六七八九十]+、", first)
        or re.search(r"计划|建议|经验|做法|评价|情况|结论", first))


def read_score_statements(ctx: Context, level1_names: list[str]) -> dict:
    """Stated 总分 / 自评得分, level-1 parts (部门管理指标总分 20 分，评价得分 18.99 分), and grade."""
    text = ctx.text
    out: dict = {}
    for name in level1_names:
        pat = re.compile(rf"{re.escape(name)}指标[^。；\n]{{0,20}}?(?:评价|自评)?得分\s*(?:为|是)?\s*(?P<v>\d+(?:\.\d+)?)\s*分")
        m = pat.search(text)
        if m:
            out.setdefault("parts", {})[name] = (D(m.group("v")), m.start("v"), m.end("v"))
    # 自评得分为 96 分 / 总分 | 100 | 96 | 优 (分值 then 得分) / 总分(100分) | 100 / (一)自评得分⏎⏎100分。
    total_re = re.compile(
        r"(?P<label>项目自评分|自评得分|自评总分|自评分|评价得分|综合得分|总得分|最终得分|总[ 　]*分)"
        r"(?P<max>[（(]\d+分[）)])?[ 　]*(?:为|是|[:：])?[ 　|]{0,6}(?:\n[ 　|]*){0,4}(?P<v>\d+(?:\.\d+)?)"
        r"(?:[ 　]*\|?[ 　\n|]{1,6}(?P<v2>\d+(?:\.\d+)?)(?=[ 　\n|]*(?:优|良|中|差|分|\n|$)))?[ 　]*分?")
    for m in total_re.finditer(text):
        clause_from = max(text.rfind(c, 0, m.start()) for c in "，,。；\n")
        clause = text[max(clause_from + 1, m.start() - 24):m.start()]
        if re.search(r"指标体系|满分|分值|设置|构成|权重", clause) or any(n in clause for n in level1_names):
            continue
        if rx(r"\d").search(clause[-1:] if clause else ""):
            continue
        v = D(m.group("v"))
        after = text[m.end():m.end() + 30]
        if squash(m.group("label")) == "总分" and v == 100 and not m.group("v2") and re.search(r"得分", after):
            continue  # 总分100分，自评得分95分: the first figure is the scale
        if m.group("v2") and D(m.group("v2")) <= v and v == 100:
            out["total"] = (D(m.group("v2")), m.start("v2"), m.end("v2"))  # 分值 100, then the 得分
        else:
            out["total"] = (v, m.start("v"), m.end("v"))
        break
    g = re.search(r"(?:自评|评价|绩效)?等级[\s|]*(?:为|是|[:：])?[\s|]*(?P<g>优秀|良好|优|良|中等|中|合格|差|不合格)", text)
    if g:
        out["grade"] = (g.group("g")[0] if g.group("g") in ("优秀", "良好") else g.group("g"), g.start("g"), g.end("g"))
    return out

