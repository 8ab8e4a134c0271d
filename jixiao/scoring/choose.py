"""Which framework scores an evaluation, and why (the reason is shown with every score).

A form the extractor recognised goes to the built-in framework that lists it; otherwise the report's own
words pick a shipped framework (:func:`detect_framework`). When the report carries its own score table and
that framework does not describe it — a weighted row it does not have, or a leaf whose 分值 differs — the
table itself becomes the framework (:mod:`.owntable`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from jixiao.model import Evaluation
from jixiao.scoring.engine import Scorer, ScoreResult
from jixiao.scoring.fmt import num
from jixiao.scoring.framework import Framework, form_frameworks, load_framework
from jixiao.scoring.owntable import OWN_ID, build, has_table
from jixiao.scoring.registry import norm_name


@dataclass(frozen=True)
class Choice:
    framework: Framework
    why: str


def detect(ev: Evaluation) -> tuple[str, str]:
    """(shipped framework id, why): the framework of the evaluation's report form (``jixiao.forms``) — the form
    the extractor recognised, or the one its title and level-1 names point to, or the default of its scope."""
    from jixiao import forms

    prof = forms.get(ev.form)
    why = f"表单识别为 {prof.id}（{prof.title}）" if prof is not None else ""
    if prof is None or prof.id not in form_frameworks():
        level1 = [norm_name(i.level1) for i in ev.indicators if i.level1]
        rows = [(norm_name(i.name), i.weight) for i in ev.indicators]
        prof, why = forms.resolve(ev.title, "", level1, ev.scope, rows=rows)
    if prof is not None and prof.id in form_frameworks():
        return form_frameworks()[prof.id], why
    return ("mof-project-2020", "项目支出绩效自评") if ev.scope == "project" else ("dept-common-2013", "部门整体支出自评")


def detect_framework(ev: Evaluation) -> str:
    """The shipped framework the evaluation's words point to (without looking at its own table)."""
    return detect(ev)[0]


def choose_framework(ev: Evaluation, frameworks_dir: str | Path | None = None) -> Choice:
    """The framework to score ``ev`` under, and why: a shipped one, or the report's own table when the shipped
    one does not describe that table."""
    name, why = detect(ev)
    fw = load_framework(name, frameworks_dir)
    if not has_table(ev) or not fw.scored:
        said = "，报告未列评分表" if not has_table(ev) and fw.scored else ""
        return Choice(fw, f"{why}{said}：按框架 {fw.id} 评分")
    weighted = [(i, row) for i, row in enumerate(ev.indicators) if row.weight is not None or row.score is not None]
    outside, differ = [], []
    for i, row in weighted:
        hit = fw.match(row, i)
        if hit is None:
            outside.append(row.name)
        elif hit[0] == "leaf" and row.weight is not None and row.weight != hit[1].weight:
            differ.append(f"{row.name} {num(row.weight)}≠{num(hit[1].weight)}")
    if not outside and not differ:
        return Choice(fw, f"{why}；报告评分表 {len(weighted)} 行均与框架 {fw.id} 的指标对应，按该框架评分")
    said = []
    if outside:
        said.append(f"{len(outside)} 行不在框架 {fw.id} 中（{'、'.join(outside[:3])}{'等' if len(outside) > 3 else ''}）")
    if differ:
        said.append(f"{len(differ)} 行分值与框架不同（{'、'.join(differ[:3])}{'等' if len(differ) > 3 else ''}）")
    return Choice(build(ev), f"报告自带评分表 {len(weighted)} 行，其中{'，'.join(said)}：按报告自身的指标表评分"
                             "（分值取自表内，已知指标按规则重算，其余保留自评得分）")


def score_evaluation(ev: Evaluation, framework: str | Framework | None = None,
                     frameworks_dir: str | Path | None = None) -> ScoreResult:
    """Score ``ev`` under ``framework`` (an id, a YAML path, a Framework, ``own-table``, or None to choose)."""
    if isinstance(framework, Framework):
        fw, why = framework, f"按指定的评分框架 {framework.id}"
    elif framework == OWN_ID:
        fw, why = build(ev), "按指定：报告自带的指标评分表"
    elif framework:
        fw = load_framework(framework, frameworks_dir)
        why = f"按指定的评分框架 {fw.id}"
    else:
        choice = choose_framework(ev, frameworks_dir)
        fw, why = choice.framework, choice.why
    if fw.own_table:
        return dataclasses.replace(Scorer(fw).score(ev), why=why)
    hit = _SCORERS.get(id(fw))
    if hit is None or hit[0] is not fw:
        if len(_SCORERS) > 64:
            _SCORERS.clear()
        hit = _SCORERS[id(fw)] = (fw, Scorer(fw))
    return dataclasses.replace(hit[1].score(ev), why=why)


_SCORERS: dict[int, tuple[Framework, Scorer]] = {}  # loaded frameworks are cached, so are their plans
