"""Who, when and what: department, year, scope, title, signing date; problem and measure sections; stated scores."""

from __future__ import annotations

import re

from jixiao.extract.collect import Context, rx
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.numbers import D

_NUMBER = r"\d+(?:\.\d+)?"


@vocabulary_cache
def _rx() -> dict[str, re.Pattern[str]]:
    """The patterns of this module, built from ``lexicon.yaml`` ``sections`` and ``scores``."""
    w, sc = lexicon()["sections"], lexicon()["scores"]
    unit, conn = f"(?:{sc['unit']})", alt(sc["connector"])
    return {
        "goal_row": re.compile(rf"^[ 　]*(?:{w['goal_label']})[ 　]*\t(?P<rest>[^\n]*)$", re.M),
        "signed": re.compile(rf"(?:{alt(w['signed_date_labels'])})\s*[:：]?\s*(\d{{4}})\s*年\s*(\d{{1,2}})\s*月\s*(\d{{1,2}})\s*日"),
        "problems": re.compile(w["problems_heading"]),
        "measures": re.compile(w["measures_heading"]),
        "heading_words": re.compile(alt(w["heading_words"])),
        "total": re.compile(
            rf"(?P<label>{sc['total_label']})(?P<max>[（(]\d+{unit}[）)])?[ 　]*(?:{conn}|[:：])?[ 　|]{{0,6}}(?:\n[ 　|]*){{0,4}}"
            rf"(?P<v>{_NUMBER})(?:[ 　]*\|?[ 　\n|]{{1,6}}(?P<v2>{_NUMBER})(?=[ 　\n|]*(?:{alt(sc['grade_marks'])}|{unit}|\n|$)))?"
            rf"[ 　]*{unit}?"),
        "not_total_context": re.compile(alt(sc["not_total_context"])),
        "grade": re.compile(rf"(?:{sc['grade_label']})[\s|]*(?:{conn}|[:：])?[\s|]*(?P<g>{alt(sc['grades'])})"),
    }


@vocabulary_cache(maxsize=256)
def _part_score(name: str) -> re.Pattern[str]:
    """A level-1 part's stated score (部门管理指标总分 20 分，评价得分 18.99 分), compiled once per level name."""
    sc = lexicon()["scores"]
    return re.compile(rf"{re.escape(name)}(?:{sc['part_name_end']})[^。；\n]{{0,20}}?(?:{sc['part_score']})\s*"
                      rf"(?:{alt(sc['connector'])})?\s*(?P<v>{_NUMBER})\s*(?:{sc['unit']})")


def read_overall_goal(ctx: Context) -> dict[str, tuple[str, int, int]]:
    """年度总体目标 of a project form's grid: the 预期目标 and 实际完成情况 texts, as ``goal`` and ``summary``.

    The label row either carries the two headers (the texts are on the next row, under them) or the texts
    themselves (预期目标 first).
    """
    text = ctx.text
    w = lexicon()["sections"]
    goal_h, done_h = w["goal_header"], w["done_header"]
    for m in _rx()["goal_row"].finditer(text):
        head = _cells(text, m.start(), m.end())[1:]
        ig = next((i for i, (c, _, _) in enumerate(head) if any(h in c for h in goal_h)), None)
        ia = next((i for i, (c, _, _) in enumerate(head) if any(h in c for h in done_h)), None)
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
    m = _rx()["signed"].search(ctx.text)
    if not m:
        return None, -1, -1
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}", m.start(1), m.end(0)


def read_sections(ctx: Context) -> dict[str, tuple[str, int, int]]:
    """问题 and 措施 texts: a heading followed by its paragraphs, or a label with text on the same line."""
    out: dict[str, tuple[str, int, int]] = {}
    paras = ctx.paras
    pats = _rx()
    for i, p in enumerate(paras):
        head = p.text.strip()
        first_line = head.split("\n", 1)[0]
        if "\t" in first_line:
            continue
        for key, pat in (("problems", pats["problems"]), ("measures", pats["measures"])):
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
    pats = _rx()
    return bool(re.match(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、．])", first)) and bool(
        pats["measures"].search(first) or pats["problems"].search(first) or re.match(r"^[一二三四五六七八九十]+、", first)
        or pats["heading_words"].search(first))


def read_score_statements(ctx: Context, level1_names: list[str]) -> dict:
    """Stated 总分 / 自评得分, level-1 parts (部门管理指标总分 20 分，评价得分 18.99 分), and grade."""
    text = ctx.text
    out: dict = {}
    for name in level1_names:
        m = _part_score(name).search(text)
        if m:
            out.setdefault("parts", {})[name] = (D(m.group("v")), m.start("v"), m.end("v"))
    # 自评得分为 96 分 / 总分 | 100 | 96 | 优 (分值 then 得分) / 总分(100分) | 100 / (一)自评得分⏎⏎100分。
    pats = _rx()
    sc = lexicon()["scores"]
    for m in pats["total"].finditer(text):
        clause_from = max(text.rfind(c, 0, m.start()) for c in "，,。；\n")
        clause = text[max(clause_from + 1, m.start() - 24):m.start()]
        if pats["not_total_context"].search(clause) or any(n in clause for n in level1_names):
            continue
        if rx(r"\d").search(clause[-1:] if clause else ""):
            continue
        v = D(m.group("v"))
        after = text[m.end():m.end() + 30]
        if squash(m.group("label")) in sc["scale_label"] and v == 100 and not m.group("v2") and \
                any(w in after for w in sc["score_word"]):
            continue  # 总分100分，自评得分95分: the first figure is the scale
        if m.group("v2") and D(m.group("v2")) <= v and v == 100:
            out["total"] = (D(m.group("v2")), m.start("v2"), m.end("v2"))  # 分值 100, then the 得分
        else:
            out["total"] = (v, m.start("v"), m.end("v"))
        break
    g = pats["grade"].search(text)
    if g:
        out["grade"] = (sc["grade_short"].get(g.group("g"), g.group("g")), g.start("g"), g.end("g"))
    return out

