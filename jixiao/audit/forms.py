"""JX41x — the self-evaluation form read from its cells: the budget row, the indicator rows, the totals.

The rows come from :mod:`jixiao.figures.forms` (the cell stream aligned to the form's own column
headers) and from the index's tables, so the checks hold for a form the extractor did not map,
however it was flattened. A finding an extracted-field rule (JX106, JX111, JX113 …) already
reported on the same figure is dropped by :func:`jixiao.audit.check`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from jixiao.audit.context import HUNDRED, Context, fmt
from jixiao.audit.figures import index_of, make, rate_verdict, show, sum_verdict, tol, wan
from jixiao.audit.registry import rule
from jixiao.figures.forms import FormRow
from jixiao.figures.index import Figure, FigureIndex
from jixiao.figures.lexicon import lexicon
from jixiao.model import Finding
from jixiao.numbers import quantize


def _rows(idx: FigureIndex, kind: str) -> list[FormRow]:
    return [g for g in idx.groups if g.kind == kind]


@rule("JX411", "自评表 执行率 = 全年执行数 / 全年预算数", severity="error",
      source="财预〔2020〕10号 项目支出绩效自评表：执行率 = 全年执行数 / 全年预算数；issue 13", needs_doc=True,
      example='`年度资金总额 | 32.4 | 30.69 | 10 | 97.80% | 9` → error: 30.69 / 32.4 = 94.72%')
def form_rates(ctx: Context) -> Iterator[Finding]:
    """The 执行率 cell of each budget row of a 自评表 (年度资金总额, 其中：当年财政拨款 …) against that row's
    全年执行数 / 全年预算数, read from the cells under the form's own headers; on the 年初 column when
    that alone reproduces it, a ``definition`` warning; truncated, info."""
    idx = index_of(ctx)
    if idx is None:
        return
    for r in _rows(idx, "exec_row"):
        rate, ex, bud, ini = r.fig("rate"), r.fig("executed"), r.fig("budget"), r.fig("initial")
        if rate is None or ex is None or (bud is None and ini is None):
            continue
        dens = [d for d in (bud, ini) if d is not None and d.value > 0]
        if not dens or ex.kind not in ("money", "plain") or any(d.kind != ex.kind for d in dens):
            continue
        sev, d0, e0, match = rate_verdict(rate, ex, dens, cutoff=None)
        if sev is None:
            continue
        shown = max(rate.decimals, 2)
        kind = {"info": "rounding", "warning": "definition"}.get(sev)
        yield make(idx, ctx, "JX411", sev,
                   f"{r.label} 执行率 写为 {rate.raw}%，按 全年执行数 {show(ex)} / 全年预算数 {show(d0)} 计算为 "
                   f"{fmt(quantize(e0, shown))}%" + ("（与年初预算数口径相符）" if sev == "warning" else ""),
                   stated=rate, related=[ex, d0] + ([match] if match is not None and match is not d0 else []),
                   recomputed=f"{fmt(quantize(e0, shown))}%",
                   arithmetic=f"{show(ex)} / {show(d0)} × 100% = {fmt(quantize(e0, 4))}%", kind=kind)


@rule("JX412", "自评表 执行率得分 = 分值 × 执行率", severity="error",
      source="财预〔2020〕10号 自评表：预算执行率得分 = 分值 × min(执行率, 100%)；issue 13", needs_doc=True,
      example='`年度资金总额 | 0 | 0 | 0 | 10 | 100% | 0` → error: 10 × 100% = 10 ≠ 0 (full execution scores in full)')
def form_rate_scores(ctx: Context) -> Iterator[Finding]:
    """The 得分 of a budget row against 分值 × min(执行率, 100%), the rate as stated or, in a form without
    a 执行率 column, as 执行数 / 预算数. At 100 % execution every scoring rule gives full marks, so a
    different score there is an error; below 100 % local rules may band the score (a warning), and
    whole points rounded or cut from it are accepted."""
    idx = index_of(ctx)
    if idx is None:
        return
    seen: set[int] = set()
    seen_rows: set[tuple] = set()
    for r in _rows(idx, "exec_row"):
        rate, w, s = r.fig("rate"), r.fig("weight"), r.fig("score")
        ex, bud = r.fig("executed"), r.fig("budget") or r.fig("initial")
        if w is None or s is None or s.i in seen or w.kind not in ("plain", "score"):
            continue
        if s.kind not in ("plain", "score") or w.value <= 0:
            continue
        computed = rate is None
        if computed:
            if ex is None or bud is None or bud.value <= 0 or ex.kind != bud.kind:
                continue
            rate_value, rate_text = ex.value / bud.value * HUNDRED, f"{show(ex)}/{show(bud)}"
            rate_decimals = 2
        else:
            rate_value, rate_text, rate_decimals = rate.value, f"{rate.raw}%", rate.decimals
        seen.add(s.i)
        capped = min(rate_value, HUNDRED)
        want = w.value * capped / HUNDRED
        d = max(s.decimals, 0)
        if abs(want - s.value) <= Decimal(5).scaleb(-(d + 1)) + w.value * Decimal(5).scaleb(-(rate_decimals + 3)):
            continue
        if s.value > w.value:
            continue  # JX413 says so
        sev = "error" if rate_value >= HUNDRED else "warning"
        if not computed and ex is not None and bud is not None and bud.value > 0 and ex.kind == bud.kind:
            fits = w.value * min(ex.value / bud.value * HUNDRED, HUNDRED) / HUNDRED
            if abs(fits - s.value) <= Decimal(5).scaleb(-(d + 1)):
                continue  # the score fits 执行数/预算数: the rate cell is the slip (JX411 / JX106 say so)
        if sev == "warning" and d == 0 and s.value in (quantize(want, 0), quantize(want, 0, "down")):
            continue  # whole-point scoring (8.62 → 9)
        key = (w.value, rate_value, s.value)
        if key in seen_rows:
            continue
        seen_rows.add(key)
        shown = fmt(quantize(rate_value, 2))
        yield make(idx, ctx, "JX412", sev,
                   f"{r.label} 执行率 {shown}%{'（按 ' + rate_text + ' 计算）' if computed else ''}、分值 {w.raw}，"
                   f"得分 写为 {s.raw}，按 分值 × 执行率 应为 {fmt(quantize(want, max(d, 2)))}"
                   + ("（全额执行应得满分）" if sev == "error" else "（各地评分档次可能不同）"),
                   stated=s, related=[w] + ([rate] if rate is not None else [ex, bud]),
                   recomputed=fmt(quantize(want, max(d, 2))),
                   arithmetic=f"{w.raw} × min({shown}%, 100%) = {fmt(quantize(want, 4))} ≠ {s.raw}")


@rule("JX413", "自评表 得分不超过分值", severity="error",
      source="财预〔2020〕10号：单项得分以分值为上限；issue 13", needs_doc=True,
      example='`群众满意度 | 10 | ≥95% | 98% | 12` → error: 得分 12 > 分值 10')
def form_score_caps(ctx: Context) -> Iterator[Finding]:
    """Each indicator or budget row of a form whose 得分 cell is above its 分值 cell. When more than a
    third of a table's rows are over, the columns were misread and nothing is said."""
    idx = index_of(ctx)
    if idx is None:
        return
    by_block: dict[int, list[FormRow]] = {}
    for r in _rows(idx, "indicator_row") + _rows(idx, "exec_row"):
        by_block.setdefault(r.block, []).append(r)
    blocks = idx.blocks
    for b, rows in by_block.items():
        over = [r for r in rows if _over(r)]
        if not over:
            continue
        sheet = b < len(blocks) and not {"target", "actual"} & set(blocks[b].cols) and not blocks[b].is_exec
        if len(over) > max(1, len(rows) // 3) or (sheet and len(rows) < 3):
            continue  # many rows over their weight: the columns were misread, not the scores
        for r in over:
            w, s = r.fig("weight"), r.fig("score")
            yield make(idx, ctx, "JX413", "error", f"{r.label} 得分 {s.raw} 超过分值 {w.raw}", stated=s, related=[w],
                       recomputed=w.raw, arithmetic=f"0 ≤ 得分 ≤ 分值：{s.raw} > {w.raw}")


def _over(r: FormRow) -> bool:
    w, s = r.fig("weight"), r.fig("score")
    return w is not None and s is not None and s.value > w.value and not ({w.kind, s.kind} - {"plain", "score"})


def _met(target: Figure, actual: Figure, cmp: str | None) -> bool | None:
    """Whether an actual value meets its target (None when they cannot be compared)."""
    if target.kind in ("date", "ref", "ordinal") or actual.kind in ("date", "ref", "ordinal"):
        return None
    tk = "percent" if target.kind == "percent" or actual.kind == "percent" else target.kind
    if tk == "percent" and not (target.kind in ("percent", "plain") and actual.kind in ("percent", "plain")):
        return None
    if tk != "percent" and target.unit and actual.unit and target.unit != actual.unit:
        return None
    a, t = actual.value, target.value
    if cmp in (">=", ">"):
        return a >= t if cmp == ">=" else a > t
    if cmp in ("<=", "<"):
        return a <= t if cmp == "<=" else a < t
    if cmp == "=":
        return a == t
    return None


#: Indicator names whose target is a ceiling (lower is better) when no comparator is written.
_CEILING = ("成本", "费用", "时限", "时间", "周期", "投诉", "事故", "发生率", "差错", "超支", "不超过", "控制", "低于",
            "天数", "损失", "违规", "违纪", "单价", "标准")


def _inferred(name: str, target: Figure, actual: Figure) -> str | None:
    """The comparator an indicator without one most likely means: ≤ for costs and deadlines, else ≥."""
    if target.kind != actual.kind or (target.unit and actual.unit and target.unit != actual.unit):
        return None
    if target.kind not in ("plain", "count", "measure", "money", "percent") or target.value <= 0:
        return None
    return "<=" if any(w in name for w in _CEILING) else ">="


@rule("JX414", "指标完成值与得分相互矛盾", severity="error",
      source="财预〔2020〕10号 自评表填报说明：未完成目标应扣分并说明原因；完成目标应得满分；issue 13", needs_doc=True,
      example='`特困人员救助供养人数 | 5 | >=4754人 | 4604人 | 5` → error: target missed, full marks; `资金到位及时率 | ≥100% | 100% | 10 | 7` (no reason) → warning')
def form_target_scores(ctx: Context) -> Iterator[Finding]:
    """An indicator row whose actual value misses its target (or passes its ceiling, ≤) yet scores
    its full 分值: an error when the target states its comparator (≥, ≤, =); without one (≥ assumed,
    ≤ for costs and deadlines) a warning, and only when the actual value is under half the target. A row
    that meets its target yet loses points with no reason in its row: a warning (a local rule may
    deduct for something else, but the form asks for the reason)."""
    idx = index_of(ctx)
    if idx is None:
        return
    for r in _rows(idx, "indicator_row"):
        t, a, w, s = r.fig("target"), r.fig("actual"), r.fig("weight"), r.fig("score")
        if t is None or a is None or w is None or s is None or s.value > w.value:
            continue
        cmp = r.cells["target"].cmp or r.cells["actual"].cmp or t.cmp or a.cmp
        stated_cmp = cmp is not None
        if cmp is None:
            cmp = _inferred(r.label, t, a)
        met = _met(t, a, cmp)
        if met is None or (not stated_cmp and (met or a.value * 2 > t.value if cmp == ">=" else
                                               met or a.value < t.value * 2)):
            continue  # without a written comparator only a plain miss (half the target) is reported
        if not met and s.value == w.value:
            yield make(idx, ctx, "JX414", "error" if stated_cmp else "warning",
                       f"{r.label}：实际完成值 {show(a)} 未达到指标值 {cmp if stated_cmp else ''}{show(t)}，却得满分 {s.raw}"
                       + ("" if stated_cmp else "（表中未写明指标性质，按“≥”理解）"),
                       stated=s, related=[t, a, w], recomputed=f"< {w.raw}",
                       arithmetic=f"{show(a)} {'<' if cmp in ('>=', '>') else '>'} {show(t)}（{cmp}）；得分 {s.raw} = 分值 {w.raw}")
        elif met and s.value < w.value:
            reason = _reason_after(idx, s)
            if reason and reason not in ("无", "/", "—"):
                continue
            yield make(idx, ctx, "JX414", "warning",
                       f"{r.label}：实际完成值 {show(a)} 已达到指标值 {cmp}{show(t)}，得分 {s.raw} 低于分值 {w.raw}，未说明扣分原因",
                       stated=s, related=[t, a, w], recomputed=w.raw,
                       arithmetic=f"{show(a)} 满足 {cmp}{show(t)}；得分 {s.raw} < 分值 {w.raw}", kind="deduction")


def _reason_after(idx: FigureIndex, s: Figure) -> str:
    """The text of the cells after a row's score: the rest of its line, or (one cell a line) the next
    line when that is text not followed by a value."""
    text = idx.text
    nl = text.find("\n", s.end)
    nl = len(text) if nl == -1 else nl
    rest = text[s.end:nl].strip(" |\t")
    if rest or text[text.rfind("\n", 0, s.start) + 1:s.start].strip(" |\t"):
        return rest
    lines = text[nl + 1:nl + 400].split("\n")[:2]
    nxt = lines[0].strip(" |\t") if lines else ""
    after = lines[1].strip(" |\t") if len(lines) > 1 else ""
    if nxt and not any(ch.isdigit() for ch in nxt) and not (after and after[0].isdigit()):
        return nxt
    return ""


@rule("JX415", "年度资金总额 = 其中各行之和", severity="error",
      source="财预〔2020〕10号 自评表：年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金；issue 13", needs_doc=True,
      example='`年度资金总额 | 0 | 0 | 0 …` above `其中：当年财政拨款 | 90 | 89.974 | 89.974 …` → error: total below its component')
def form_fund_rows(ctx: Context) -> Iterator[Finding]:
    """In the funds block of a 自评表, the 年度资金总额 row against its 其中 rows, column by column
    (年初预算数, 全年预算数, 全年执行数). A total below one of its components, or below their sum, is an
    error; a total above the rows that are filled in is a warning unless every row is written."""
    idx = index_of(ctx)
    if idx is None:
        return
    lex = lexicon()
    rows = _rows(idx, "exec_row")
    by_block: dict[int, list[FormRow]] = {}
    for r in rows:
        by_block.setdefault(r.block, []).append(r)
    for rs in by_block.values():
        for i, tot in enumerate(rs):
            if not lex.total_rows.find_in(tot.label):
                continue
            subs = []
            for r in rs[i + 1:]:
                if lex.total_rows.find_in(r.label):
                    break
                subs.append(r)
            if not subs:
                continue
            for col in ("initial", "budget", "executed"):
                total = tot.fig(col)
                parts = [r.fig(col) for r in subs if r.fig(col) is not None]
                if total is None or not parts or any(p.kind != total.kind for p in parts):
                    continue
                sev, s, diff, t = sum_verdict(total, parts, exhaustive=len(parts) == len(subs) and len(subs) >= 3)
                if sev is None or sev == "info":
                    continue
                col_name = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数"}[col]
                yield make(idx, ctx, "JX415", sev,
                           f"{tot.label.rstrip(':：')} {col_name} 写为 {show(total)}，其下各行合计 {wan(s, total)}"
                           + ("（总额小于其组成部分）" if diff > 0 else "（其下各行未列全或有误）"),
                           stated=total, related=parts, recomputed=wan(s, total),
                           arithmetic=" + ".join(show(p) for p in parts) + f" = {wan(s, total)} ≠ {show(total)}",
                           kind=None if sev == "error" else "breakdown")
                break


def _score_totals(idx: FigureIndex) -> list[Figure]:
    """Narrative total scores (自评得分为 97.61 分) — not a part's score nor a maximum (总分 100 分)."""
    lex = lexicon()
    out = []
    levels = ("决策", "管理", "产出", "效益", "满意度", "绩效指标", "过程", "项目资金", "一级")
    for f in idx.figures:
        if f.kind not in ("score", "plain") or f.table is not None or not f.label:
            continue
        w = lex.score_total.ending(f.label, len(f.label))
        if not w or w in ("总分", "得分合计"):
            continue
        s0, s1 = idx.sentences[f.sentence]
        if any(x in idx.text[s0:f.start] for x in levels) or f.value > 100:
            continue
        out.append(f)
    return out


def _table_total_scores(idx: FigureIndex) -> list[tuple[Figure, list[Figure]]]:
    """(the 合计 row's 得分, the 得分 cells above it) for each table with a 得分 column and a 合计 row."""
    lex = lexicon()
    out = []
    by_table: dict[int, list[Figure]] = {}
    for f in idx.figures:
        if f.table is not None and f.kind in ("plain", "score") and "得分" in f.header and "得分率" not in f.header:
            by_table.setdefault(f.table, []).append(f)
    for figs in by_table.values():
        total = next((f for f in figs if lex.total_rows.find_in(f.row_label or "")), None)
        if total is None:
            continue
        rows = [f for f in figs if f.row is not None and total.row is not None and f.row < total.row
                and f.col == total.col]
        out.append((total, rows))
    return out


@rule("JX416", "总得分前后一致、等于各项得分之和", severity="error",
      source="财预〔2020〕10号：总分 = 各项指标得分之和；报告正文与评分表应一致；issue 13（seed 004）", needs_doc=True,
      example="`自评得分为 96.61 分` while the score table's 合计 row reads 97.61 → error")
def score_totals(ctx: Context) -> Iterator[Finding]:
    """The total score written in the text (自评得分为 97.61 分) against the 合计 row of the score table
    (when the document has one such table), and that 合计 against the sum of the 得分 column above it;
    in a 自评表 read from its cells, the 总分 row's 得分 against the rows' 得分 once their 分值 add up to
    the 总分 row's 分值 (or to 100), which shows every row was read."""
    idx = index_of(ctx)
    if idx is None:
        return
    narrative = _score_totals(idx)
    tables = _table_total_scores(idx)
    for total, rows in tables:
        if rows:
            sev, s, diff, t = sum_verdict(total, rows, exhaustive=True, counts=True)  # whole points are exact
            if sev == "error":
                yield make(idx, ctx, "JX416", "error",
                           f"评分表 合计得分 写为 {total.raw}，各行得分之和为 {fmt(s)}", stated=total, related=rows,
                           recomputed=fmt(s), arithmetic=" + ".join(r.raw for r in rows) + f" = {fmt(s)} ≠ {total.raw}")
    totals = [t for t, _ in tables]
    if len(totals) == 1:
        total, rows = tables[0]
        for f in narrative:
            if abs(f.value - total.value) > tol(f) + tol(total):
                yield make(idx, ctx, "JX416", "error",
                           f"{f.label} 写为 {f.raw} 分，评分表合计得分为 {total.raw}", stated=f, related=[total] + rows,
                           recomputed=total.raw, arithmetic=f"评分表合计 {total.raw}"
                           + (f" = {' + '.join(r.raw for r in rows)}" if rows else "") + f" ≠ {f.raw}")
    yield from _form_totals(idx, ctx)


_TOTAL_ROW = ("总分", "合计", "总计", "合 计", "总 分")


def _form_totals(idx: FigureIndex, ctx: Context) -> Iterator[Finding]:
    """A 自评表's 总分 row (分值 100, 得分 96) against its rows: when the rows' 分值 add up to the stated
    (or to 100), every row was read, so their 得分 must add up to the stated 得分."""
    blocks = idx.blocks
    for bi, blk in enumerate(blocks):
        if not blk.is_indicator or not blk.rows:
            continue
        rows = list(blk.rows)
        prev = blocks[bi - 1] if bi else None
        if prev is not None and prev.is_exec and blk.start - prev.end < 3000:
            rows += [r for r in prev.rows[:1] if r.fig("weight") is not None and r.fig("score") is not None]
        if any(r.fig("weight") is None or r.fig("score") is None for r in rows):
            continue
        last = max(r.fig("score").end for r in blk.rows)
        w_tot, s_tot = _total_row(idx, last)
        if s_tot is None:
            continue
        w_sum = sum((r.fig("weight").value for r in rows), Decimal(0))
        if w_sum != (w_tot.value if w_tot is not None else HUNDRED):
            continue  # rows missed or a weight misread: no claim on the scores
        scores = [r.fig("score") for r in rows]
        sev, s, diff, t = sum_verdict(s_tot, scores, exhaustive=True, counts=True)  # whole points are exact
        if sev != "error":
            continue
        yield make(idx, ctx, "JX416", "error",
                   f"自评表 总分行 得分 写为 {s_tot.raw}，各行得分之和为 {fmt(s)}（各行分值之和 {fmt(w_sum)} 与总分分值相符，各行已读全）",
                   stated=s_tot, related=scores, recomputed=fmt(s),
                   arithmetic=" + ".join(x.raw for x in scores) + f" = {fmt(s)} ≠ {s_tot.raw}")


def _total_row(idx: FigureIndex, pos: int) -> tuple[Figure | None, Figure | None]:
    """(分值 total, 得分 total) of the 总分 / 合计 row that follows ``pos`` (within a few cells)."""
    text = idx.text
    window = text[pos:pos + 300]
    k = min((window.find(w) for w in _TOTAL_ROW if w in window), default=-1)
    if k == -1:
        return None, None
    figs = [f for f in idx.between(pos + k, pos + k + 60) if f.kind in ("plain", "score")][:2]
    gap_ok = all(not any(ch.isalpha() and not ch.isascii() for ch in text[a.end:b.start])
                 for a, b in zip(figs, figs[1:], strict=False))
    if not figs or not gap_ok:
        return None, None
    return (figs[0], figs[1]) if len(figs) == 2 else (None, figs[0])


@rule("JX417", "表中总数行 = 其下分项各行之和", severity="error",
      source="部门整体支出绩效评价基础数据表：项目支出、三公经费等于其下所列各项之和；issue 13", needs_doc=True,
      example='`项目支出： 25,872.71 …` over `1.… 5,178.64` `2.… 18,160.82` `3.其他 1,993.25` → error: 25,332.71 (a 其他 line makes the list complete)')
def table_row_sums(ctx: Context) -> Iterator[Finding]:
    """A total row of a table (项目支出：, 三公经费：, 合计) against the numbered rows under it (1.… 2.… 3.…),
    column by column, read from the table however it was flattened (one cell a line, pipes). A value
    missing from a short row is placed where most columns add up; a column that still does not is a
    finding: parts above the total, or below it when a part is 其他 (the list is then complete), are
    an error, below it otherwise a warning."""
    idx = index_of(ctx)
    if idx is None:
        return
    for g in (x for x in idx.groups if x.kind == "row_sum"):
        for total, parts in g.columns:
            sev, s, diff, t = sum_verdict(total, parts, exhaustive=g.exhaustive)
            if sev is None or sev == "info":
                continue
            names = "、".join(k.label for k in g.children)
            yield make(idx, ctx, "JX417", sev,
                       f"{g.parent.label.rstrip(':：')} 写为 {show(total)}，其下 {names} 合计 {wan(s, total)}"
                       + ("（分项之和超过总数）" if diff > 0 else "（所列分项含“其他”，应为全部）" if sev == "error"
                          else "（所列分项可能未穷尽）"),
                       stated=total, related=parts, recomputed=wan(s, total),
                       arithmetic=" + ".join(show(p) for p in parts) + f" = {wan(s, total)} ≠ {show(total)}，"
                                  f"相差 {wan(diff, total)}",
                       kind=None if sev == "error" else "breakdown")
