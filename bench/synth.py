"""Synthetic 绩效自评 reports with known figures and planted errors, for the auditor and batch benches.

``generate(n, seed=0, error_rate=0.3)`` yields :class:`SynthReport`s: ``text`` is a Chinese
部门整体 or 项目 self-evaluation report (own wording, varied departments, provinces and layouts,
phrased in the genre of the seed corpus), ``truth`` the figures as written (shape of the corpus
``expected.json``: budget, funding, projects, indicators, score, staffing, other_rates, plus
``breakdowns``), and ``planted`` the errors put in on purpose::

    {"kind": "sum" | "rate" | "ratio" | "share" | "score_total" | "score_part" | "score_item"
             | "project_line" | "project_rate" | "breakdown" | "personnel" | "adjustment" | "funding",
     "path": "budget.basic", "stated": 512.3, "true": 502.3, "expect": "error" | "warning",
     "spans": [[start, end], ...]}

``spans`` maps every labelled path to its character span in ``text`` so a bench can build the
Evaluation without an extractor (:func:`to_evaluation`) and match findings to planted errors by
position. Deterministic for a given seed; Decimal arithmetic throughout.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = ["SynthReport", "generate", "to_evaluation", "KINDS"]

KINDS = ("sum", "rate", "ratio", "share", "score_total", "score_part", "score_item", "project_line",
         "project_rate", "breakdown", "personnel", "adjustment", "funding")

_PROVINCES = [("广东省", "广州市", ["荔湾区", "番禺区", "天河区", "白云区"]),
              ("广东省", "深圳市", ["宝安区", "龙岗区", "南山区"]),
              ("湖南省", "衡阳市", ["南岳区", "雁峰区", "珠晖区"]),
              ("四川省", "达州市", ["通川区", "达川区"]),
              ("安徽省", "池州市", ["贵池区", "青阳县"]),
              ("浙江省", "温州市", ["鹿城区", "瓯海区"]),
              ("江西省", "赣州市", ["章贡区", "南康区"]),
              ("山东省", "临沂市", ["兰山区", "罗庄区"])]
_DEPTS = [("妇女联合会", "妇联", ["巾帼志愿服务经费", "“三八”节系列活动经费", "家庭教育工作经费", "妇女维权专项经费",
                                 "儿童友好城市建设经费", "妇女儿童之家阵地建设经费"]),
          ("残疾人联合会", "残联", ["残疾人康复救助经费", "辅助器具适配经费", "残疾人就业培训经费", "无障碍改造经费",
                                   "残疾人托养服务经费"]),
          ("科学技术协会", "科协", ["科普宣传活动经费", "青少年科技创新大赛经费", "学会能力建设经费", "科技馆运行经费"]),
          ("档案馆", "档案馆", ["档案数字化加工经费", "档案库房维护经费", "馆藏档案征集经费", "档案安全检查经费"]),
          ("文化馆", "文化馆", ["群众文化活动经费", "非遗保护传承经费", "公共文化培训经费", "文艺演出下基层经费"]),
          ("共青团委员会", "团委", ["青年志愿服务经费", "青少年权益保护经费", "青年创业扶持经费", "少先队工作经费"])]
_CASES = [("服务群众", "人次", ["线上咨询", "现场接待", "上门走访", "电话回访"]),
          ("处置个案", "宗", ["情感纠纷", "家庭暴力", "心理咨询", "婚姻调解"]),
          ("开展活动", "场次", ["宣传活动", "培训讲座", "主题活动", "志愿服务"])]
_DUTIES = ["团结和动员群众积极参与经济社会建设", "维护服务对象合法权益", "组织开展各类宣传教育活动",
           "指导基层组织加强自身建设", "推动相关发展规划的实施", "协调社会各方力量为群众办实事"]
_DEDUCT_REASONS = ["部分季度序时进度执行较缓慢", "个别资产未及时登记入账", "个别项目资料归档不及时",
                   "绩效目标细化量化程度不足", "部分支出凭证审核不够规范"]

Q2 = Decimal("0.01")


def _q(d: Decimal, places: int = 2) -> Decimal:
    return d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _num(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def _fmt(d: Decimal, places: int | None = None, commas: bool = False) -> str:
    if places is not None:
        d = _q(d, places)
    s = format(d, "f")
    if commas:
        whole, _, frac = s.partition(".")
        neg = whole.startswith("-")
        whole = whole.lstrip("-")
        whole = f"{int(whole):,}"
        s = ("-" if neg else "") + whole + ("." + frac if frac else "")
    return s


@dataclass
class SynthReport:
    name: str
    text: str
    truth: dict[str, Any]
    planted: list[dict[str, Any]]
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)


class _Writer:
    """Accumulates text and remembers the span of every labelled figure."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.spans: dict[str, tuple[int, int]] = {}
        self.extra: dict[str, list[tuple[int, int]]] = {}

    def w(self, s: str) -> None:
        self.parts.append(s)
        self.n += len(s)

    def v(self, path: str | None, s: str) -> None:
        if path is not None:
            span = (self.n, self.n + len(s))
            if path in self.spans:
                self.extra.setdefault(path, []).append(span)
            else:
                self.spans[path] = span
        self.w(s)

    def text(self) -> str:
        return "".join(self.parts)


def _amount(rng: random.Random, lo: int, hi: int) -> Decimal:
    return Decimal(rng.randint(lo * 100, hi * 100)) / 100


class _Doc:
    """One synthetic report: true figures first, then stated (possibly wrong) figures, then the text."""

    def __init__(self, rng: random.Random, idx: int, error_rate: float):
        self.rng = rng
        self.idx = idx
        prov, city, districts = rng.choice(_PROVINCES)
        self.place = city + rng.choice(districts)
        self.province = prov
        self.dept_full, self.dept_short, self.project_names = rng.choice(_DEPTS)
        self.department = self.place + self.dept_full
        self.year = rng.randint(2019, 2024)
        self.scope = "department" if rng.random() < 0.75 else "project"
        self.layout = rng.choice("ABC") if self.scope == "department" else "P"
        self.commas = rng.random() < 0.4
        self.stated: dict[str, Decimal] = {}
        self.truth: dict[str, Any] = {}
        self.planted: list[dict[str, Any]] = []
        self.plan: set[str] = set()
        if rng.random() < error_rate:
            candidates = self._candidates()
            k = 1 if rng.random() < 0.7 or len(candidates) < 2 else 2
            self.plan = set(rng.sample(candidates, k))

    def _candidates(self) -> list[str]:
        base = ["ratio", "score_total", "score_item", "breakdown"]
        if self.layout == "A":
            base += ["rate", "sum", "funding", "personnel", "project_rate", "share"]
        elif self.layout == "B":
            base += ["rate", "sum", "adjustment", "score_part", "share"]
        elif self.layout == "C":
            base += ["personnel", "project_line", "score_part"]
        else:
            base = ["rate", "score_total", "score_item", "ratio"]
        return base

    # -- planting ----------------------------------------------------------------------------
    def bump(self, kind: str, path: str, true: Decimal, places: int, *, expect: str = "error",
             up: bool | None = None, big: bool = False) -> Decimal:
        """The stated value: ``true`` unless an error of ``kind`` is planted at ``path``.

        ``big`` plants at least a whole point (ratios on small inputs carry a wider rounding band)."""
        if kind not in self.plan or any(p["kind"] == kind for p in self.planted):
            return true
        unit = Decimal(1).scaleb(-places)
        if kind.startswith("score"):
            steps = self.rng.choice([10, 20, 40, 100, 250])
        else:
            steps = self.rng.choice([100, 150, 250] if big else [3, 7, 10, 20, 40, 100, 250])
        sign = (1 if up else -1) if up is not None else self.rng.choice([1, -1])
        delta = unit * steps * sign
        if places == 0:
            delta = Decimal(self.rng.choice([2, 3, 5, 9, 12])) * sign
        stated = true + delta
        if stated < 0:
            stated = true + abs(delta)
        self.planted.append({"kind": kind, "path": path, "stated": _num(stated), "true": _num(true),
                             "expect": expect})
        return stated


def _rate(num: Decimal, den: Decimal, places: int = 2) -> Decimal:
    return _q(num / den * 100, places)


def _pick_rate_places(rng: random.Random) -> int:
    return rng.choice([2, 2, 2, 1])


def _budget(doc: _Doc, w: _Writer) -> None:
    rng = doc.rng
    c = doc.commas
    y = doc.year
    if doc.layout == "A":
        basic = _amount(rng, 200, 1500)
        project = _amount(rng, 30, 600)
        executed = basic + project
        adjusted = executed + _amount(rng, 0, 15)
        rp = _pick_rate_places(rng)
        rate_true = _rate(executed, adjusted, rp)
        rate = doc.bump("rate", "budget.execution_rate", rate_true, rp)
        basic_s = doc.bump("sum", "budget.basic", basic, 2)
        carry = adjusted - executed if rng.random() < 0.5 else None
        w.w(f"（二）部门预算及执行情况\n\n{y}年，全年预算数 ")
        w.v("budget.adjusted", _fmt(adjusted, 2, c))
        w.w(" 万元，执行数 ")
        w.v("budget.executed", _fmt(executed, 2, c))
        w.w(" 万元，完成预算的 ")
        w.v("budget.execution_rate", _fmt(rate))
        w.w("%。\n\n")
        gp = executed - _amount(rng, 0, 20) if rng.random() < 0.5 else executed
        other = executed - gp
        gp_s = doc.bump("funding", "funding.general_public", gp, 2)
        w.w("资金来源方面，一般公共预算拨款安排支出 ")
        w.v("funding.general_public", _fmt(gp_s, 2, c))
        w.w(" 万元，政府性基金预算财政拨款支出 ")
        w.v("funding.gov_fund", "0")
        w.w(" 万元，国有资本经营预算财政拨款支出 ")
        w.v("funding.state_capital", "0")
        w.w(" 万元，其他资金支出 ")
        w.v("funding.other", _fmt(other, 2, c) if other else "0")
        w.w(" 万元。按支出性质看，基本支出 ")
        w.v("budget.basic", _fmt(basic_s, 2, c))
        w.w(" 万元，项目支出 ")
        w.v("budget.project", _fmt(project, 2, c))
        w.w(" 万元。")
        if carry is not None:
            w.w("年末结转和结余 ")
            w.v("budget.carryover_end", _fmt(carry, 2, c))
            w.w(" 万元。")
        w.w("\n\n")
        personnel = _q(basic * Decimal(rng.randint(70, 88)) / 100)
        public = basic - personnel
        pers_s = doc.bump("personnel", "budget.personnel", personnel, 2)
        w.w("基本支出中人员经费")
        w.v("budget.personnel", _fmt(pers_s, 2))
        w.w("万元，日常公用经费")
        w.v("budget.public", _fmt(public, 2))
        w.w("万元，主要用于保障机构正常运转。\n\n")
        doc.truth["budget"] = {"adjusted": _num(adjusted), "executed": _num(executed), "execution_rate": _num(rate),
                               "basic": _num(basic_s), "project": _num(project), "personnel": _num(pers_s),
                               "public": _num(public)}
        if carry is not None:
            doc.truth["budget"]["carryover_end"] = _num(carry)
        doc.truth["funding"] = {"general_public": _num(gp_s), "gov_fund": 0, "state_capital": 0,
                                "other": _num(other)}
        doc.stated.update(project=project, adjusted=adjusted)
    elif doc.layout == "B":
        ib = _amount(rng, 300, 1200)
        ip = _amount(rng, 200, 1800)
        initial = ib + ip
        adj = _amount(rng, 5, 200)
        adj_places = rng.choice([2, 1])
        adj = _q(adj, adj_places)
        adjusted = initial + adj
        basic = ib - _amount(rng, 0, 60)
        project = adjusted - basic
        executed = adjusted - _amount(rng, 1, 60)
        adj_rate_true = _rate(adj, initial)
        adj_s = doc.bump("adjustment", "budget.adjustment", adj, adj_places)
        rate_true = _rate(executed, adjusted)
        rate = doc.bump("rate", "budget.execution_rate", rate_true, 2)
        basic_s = doc.bump("sum", "budget.basic", basic, 2)
        cs = _amount(rng, 0, 40)
        ce = cs + adjusted - executed if rng.random() < 0.5 else None
        w.w(f"（二）部门预算及执行情况\n\n{y}年，年初部门预算数")
        w.v("budget.initial", _fmt(initial, 2, c))
        w.w("万元，其中基本支出")
        w.v("budget.initial_basic", _fmt(ib, 2, c))
        w.w("万元，项目支出")
        w.v("budget.initial_project", _fmt(ip, 2, c))
        w.w("万元。\n\n")
        w.w(f"{y} 年，根据{doc.place[:3]}财政局的部署，年中调增预算 ")
        w.v("budget.adjustment", _fmt(adj_s, adj_places))
        w.w(" 万元，调整率为 ")
        w.v("budget.adjustment_rate", _fmt(adj_rate_true))
        w.w("%，调整后预算为 ")
        w.v("budget.adjusted", _fmt(adjusted, 2, c))
        w.w(" 万元，其中基本支出 ")
        w.v("budget.basic", _fmt(basic_s, 2, c))
        w.w(" 万元，项目支出 ")
        w.v("budget.project", _fmt(project, 2, c))
        w.w(" 万元。部门决算数 ")
        w.v("budget.executed", _fmt(executed, 2, c))
        w.w(" 万元，年部门预算执行率为 ")
        w.v("budget.execution_rate", _fmt(rate))
        w.w("%，预算执行情况良好。")
        if ce is not None:
            w.w(f"{y} 年，年初结转和结余为 ")
            w.v("budget.carryover_start", _fmt(cs, 2))
            w.w(" 万元，年末结转和结余为 ")
            w.v("budget.carryover_end", _fmt(ce, 2))
            w.w(" 万元。")
        w.w("\n\n")
        doc.truth["budget"] = {"initial": _num(initial), "adjusted": _num(adjusted), "executed": _num(executed),
                               "execution_rate": _num(rate), "basic": _num(basic_s), "project": _num(project),
                               "adjustment": _num(adj_s), "adjustment_rate": _num(adj_rate_true)}
        if ce is not None:
            doc.truth["budget"].update(carryover_start=_num(cs), carryover_end=_num(ce))
        doc.truth.setdefault("other_rates", []).append(
            {"name": "调整率", "stated": _num(adj_rate_true), "numerator": _num(adj_s), "denominator": _num(initial),
             "bases": {"年初": _num(initial), "调整后": _num(adjusted)},
             "paths": {"stated": "budget.adjustment_rate", "numerator": "budget.adjustment",
                       "denominator": "budget.initial", "bases.年初": "budget.initial",
                       "bases.调整后": "budget.adjusted"}})
        doc.truth["budget"].update(initial_basic=_num(ib), initial_project=_num(ip))
    elif doc.layout == "C":
        personnel = _amount(rng, 60, 400)
        public = _amount(rng, 10, 90)
        basic = personnel + public
        pers_s = doc.bump("personnel", "budget.personnel", personnel, 2)
        names = rng.sample(doc.project_names, rng.randint(3, len(doc.project_names)))
        lines = [_amount(rng, 1, 40) for _ in names]
        project = sum(lines, Decimal(0))
        w.w("（二）部门支出情况\n\n基本支出用于维持机构日常运转、保障在职和离退休人员待遇及办公所需。")
        w.w(f"{y}年基本支出")
        w.v("budget.basic", _fmt(basic, 2))
        w.w("万元。基本支出中人员经费")
        w.v("budget.personnel", _fmt(pers_s, 2))
        w.w("万元；日常公用经费")
        w.v("budget.public", _fmt(public, 2))
        w.w("万元。\n\n项目支出系单位为完成特定工作任务而发生的支出。本年项目支出总计为")
        w.v("budget.project", _fmt(project, 2))
        w.w("万元，")
        plant_at = rng.randrange(len(lines))
        projects = []
        for k, (nm, amt) in enumerate(zip(names, lines, strict=True)):
            st = doc.bump("project_line", f"projects[{k}].executed", amt, 2, up=True) if k == plant_at else amt
            w.w(f"{nm}支出")
            w.v(f"projects[{k}].executed", _fmt(st, 2))
            w.w("万元" + ("；" if k < len(lines) - 1 else "。\n\n"))
            projects.append({"name": nm, "executed": _num(st)})
        doc.truth["budget"] = {"basic": _num(basic), "personnel": _num(pers_s), "public": _num(public),
                               "project": _num(project)}
        doc.truth["projects"] = projects
    else:  # project-scope 自评表 narrative
        budget = _amount(rng, 20, 400)
        executed = budget - _amount(rng, 0, 8)
        rate_true = _rate(executed, budget)
        rate = doc.bump("rate", "budget.execution_rate", rate_true, 2)
        doc.project = rng.choice(doc.project_names)
        w.w(f"项目名称：{doc.project}\n主管部门：{doc.department}\n\n")
        w.w(f"一、项目资金情况\n\n{y}年度，该项目年度预算数 ")
        w.v("budget.adjusted", _fmt(budget, 2))
        w.w(" 万元，年度预算执行数 ")
        w.v("budget.executed", _fmt(executed, 2))
        w.w(" 万元，预算执行率 ")
        w.v("budget.execution_rate", _fmt(rate))
        w.w("%。\n\n")
        doc.truth["budget"] = {"adjusted": _num(budget), "executed": _num(executed), "execution_rate": _num(rate)}
        doc.truth["projects"] = [{"name": doc.project, "budget": _num(budget), "executed": _num(executed),
                                  "execution_rate": _num(rate)}]
        doc.stated.update(rate_recomputed=executed / budget * 100)


def _named_projects(doc: _Doc, w: _Writer) -> None:
    rng = doc.rng
    names = rng.sample(doc.project_names, 2)
    doc.truth["projects"] = []
    w.w("（三）重点项目实施情况\n\n")
    plant_at = rng.randrange(2)
    for k, nm in enumerate(names):
        b = _q(doc.stated["project"] * Decimal(rng.randint(10, 45)) / 100)
        e = b if rng.random() < 0.5 else b - _amount(rng, 0, 3)
        r_true = _rate(e, b, 2 if e != b else 0)
        places = 2 if e != b else 0
        r = doc.bump("project_rate", f"projects[{k}].execution_rate", r_true, places, big=True) if k == plant_at else r_true
        w.w(f"{k + 1}.{nm}\n\n资金执行情况：年度支出预算数 ")
        w.v(f"projects[{k}].budget", _fmt(b, 2))
        w.w(" 万元，预算完成数 ")
        w.v(f"projects[{k}].executed", _fmt(e, 2))
        w.w(" 万元，执行率 ")
        w.v(f"projects[{k}].execution_rate", _fmt(r))
        w.w("%。\n\n")
        doc.truth["projects"].append({"name": nm, "budget": _num(b), "executed": _num(e), "execution_rate": _num(r)})


def _ratios(doc: _Doc, w: _Writer) -> None:
    rng = doc.rng
    rates = doc.truth.setdefault("other_rates", [])
    y = doc.year
    which = rng.sample(["三公", "采购", "资产", "人员"], rng.randint(2, 4))
    plant = rng.choice(which)
    w.w("（四）预算管理情况\n\n")
    for kind in which:
        i = len(rates)
        if kind == "三公":
            den = Decimal(rng.randint(3, 30))
            num = _q(den * Decimal(rng.randint(35, 100)) / 100)
            name = "“三公”经费控制率"
            places = rng.choice([0, 2])
            pre, mid = f"{y}年，“三公”经费年初预算安排为", "万元，实际支出数为"
            post = f"万元，{name}为"
            tail = "%，严格落实中央八项规定精神。"
        elif kind == "采购":
            den = _amount(rng, 20, 400)
            num = den - _amount(rng, 0, 5)
            name = "政府采购执行率"
            places = 2
            pre, mid = "政府采购计划金额为 ", " 万元，实际支出金额为 "
            post = f" 万元，{name}为 "
            tail = "%。"
        elif kind == "资产":
            den = _amount(rng, 50, 900)
            num = den - (_amount(rng, 0, 30) if rng.random() < 0.5 else 0)
            name = "固定资产利用率"
            places = 2
            pre, mid = f"截止 {y} 年 12 月 31 日，本部门固定资产原值为 ", " 万元，在用为 "
            post = f" 万元。{name}为 "
            tail = "%。"
        else:
            den = Decimal(rng.randint(5, 60))
            num = den - rng.randint(0, 4)
            name = "财政供养人员控制率"
            places = 2
            pre, mid = "本部门核定编制数 ", " 人，实有在编人数为 "
            post = f" 人，{name}为 "
            tail = "%。"
        true = _rate(num, den, places)
        stated = doc.bump("ratio", f"other_rates[{i}].stated", true, places, big=True) if kind == plant else true
        unit_fmt = (lambda d: str(int(d))) if kind == "人员" else (lambda d: _fmt(d))
        w.w(pre)
        w.v(f"other_rates[{i}].denominator", unit_fmt(den))
        w.w(mid)
        w.v(f"other_rates[{i}].numerator", unit_fmt(num))
        w.w(post)
        w.v(f"other_rates[{i}].stated", _fmt(stated))
        w.w(tail)
        rates.append({"name": name, "stated": _num(stated), "numerator": _num(num), "denominator": _num(den)})
        if kind == "人员":
            doc.truth["staffing"] = {"authorized": int(den), "actual": int(num)}
    w.w("\n\n")


def _share(doc: _Doc, w: _Writer) -> None:
    rng = doc.rng
    total = rng.randint(120, 900)
    part = rng.randint(total // 3, total - 10)
    true = _rate(Decimal(part), Decimal(total), 0)
    rates = doc.truth.setdefault("other_rates", [])
    i = len(rates)
    stated = doc.bump("share", f"other_rates[{i}].stated", true, 0)
    w.w("圆满完成基层组织换届工作，选举产生新一届执委")
    w.v(f"other_rates[{i}].denominator", str(total))
    w.w("人。其中45岁以下")
    w.v(f"other_rates[{i}].numerator", str(part))
    w.w("人，占比")
    w.v(f"other_rates[{i}].stated", _fmt(stated))
    w.w("%，队伍结构进一步优化。\n\n")
    rates.append({"name": "45岁以下占比", "stated": _num(stated), "numerator": part, "denominator": total})


def _breakdown(doc: _Doc, w: _Writer) -> None:
    rng = doc.rng
    what, unit, cats = rng.choice(_CASES)
    parts = [Decimal(rng.randint(20, 5000)) for _ in cats]
    total = sum(parts, Decimal(0))
    stated = doc.bump("breakdown", "breakdowns[0].total", total, 0, expect="warning", up=True)
    verb = {"服务群众": "全年共服务群众 ", "处置个案": "今年以来共处置个案 ", "开展活动": "全年共开展活动 "}[what]
    w.w(verb)
    w.v("breakdowns[0].total", _fmt(stated, 0, doc.commas))
    w.w(f" {unit}，其中")
    for k, (cat, v) in enumerate(zip(cats, parts, strict=True)):
        w.w(f"{cat} ")
        w.v(f"breakdowns[0].parts[{k}]", _fmt(v, 0, doc.commas))
        w.w(f" {unit}" + ("，" if k < len(cats) - 1 else "。"))
    w.w("群众满意度持续提升。\n\n")
    doc.truth["breakdowns"] = [{"name": what, "total": _num(stated), "unit": unit,
                                "parts": [[c, _num(v)] for c, v in zip(cats, parts, strict=True)]}]


_DEPT_TABLE = [
    ("部门决策", [("预算编制", [("预算编制合理性", 5), ("预算编制规范性", 5)]),
                  ("目标设置", [("绩效目标完整性", 3), ("绩效指标明确性", 7)])]),
    ("部门管理", [("资金管理", [("政府采购执行情况", 2), ("财务合规性", 3), ("预决算信息公开", 3)]),
                  ("项目管理", [("项目实施程序", 2), ("项目监管", 2)]),
                  ("资产管理", [("固定资产利用率", 1), ("资产管理安全性", 2)]),
                  ("人员管理", [("财政供养人员控制率", 1), ("编外人员控制率", 1)]),
                  ("制度管理", [("管理制度健全性", 3)])]),
    ("部门绩效", [("经济性", [("公用经费控制率", 6)]),
                  ("效率性", [("预算执行率", 6), ("项目完成及时性", 6), ("重点工作完成情况", 8)]),
                  ("效果性", [("社会效益", 25)]),
                  ("公平性", [("群众信访办理情况", 3), ("公众或服务对象满意度", 6)])]),
]
_PROJECT_TABLE = [
    ("产出指标", [("数量指标", [("开展活动场次", 20), ("服务覆盖人次", 10)]),
                  ("质量指标", [("活动验收合格率", 10)]),
                  ("时效指标", [("按期完成率", 10)])]),
    ("效益指标", [("社会效益", [("群众知晓率提升", 20)]),
                  ("可持续影响", [("长效工作机制建立数", 10)])]),
    ("满意度指标", [("服务对象满意度", [("服务对象满意度", 10)])]),
]


def _score_table(doc: _Doc, w: _Writer) -> None:
    rng = doc.rng
    project = doc.scope == "project"
    table = _PROJECT_TABLE if project else _DEPT_TABLE
    rows = []  # (l1, w1, l2, w2, name, weight, score)
    for l1, l2s in table:
        w1 = sum(wt for _, items in l2s for _, wt in items)
        for l2, items in l2s:
            w2 = sum(wt for _, wt in items)
            for name, wt in items:
                weight = Decimal(wt)
                score = weight
                if rng.random() < 0.15:
                    score = weight - Decimal(rng.choice([1, 5, 10, 25, 38, 50, 100])) / 100 * min(weight, 2)
                    score = _q(score)
                rows.append([l1, Decimal(w1), l2, Decimal(w2), name, weight, score])
    if project:
        e_w = Decimal(10)
        e_score = _q(e_w * min(doc.stated["rate_recomputed"], Decimal(100)) / 100)
        rows.insert(0, ["项目资金", e_w, "预算执行率", e_w, "预算执行率", e_w, e_score])
    item_at = rng.randrange(len(rows))
    if "score_item" in doc.plan:
        r = rows[item_at]
        r[6] = doc.bump("score_item", f"indicators[{item_at}].score", r[6], 2, up=True)
        if r[6] <= r[5]:
            r[6] = r[5] + Decimal("0.5")
            doc.planted[-1]["stated"] = _num(r[6])
    true_total = sum((r[6] for r in rows), Decimal(0))
    if doc.planted and doc.planted[-1]["kind"] == "score_item":
        true_total = sum((r[6] for r in rows), Decimal(0))  # the table's own rows, as written
    parts: dict[str, Decimal] = {}
    for r in rows:
        parts[r[0]] = parts.get(r[0], Decimal(0)) + r[6]
    total = doc.bump("score_total", "score.total", true_total, 2)
    indicators = []
    w.w("（一）自评得分情况\n\n")
    w.w("本次绩效自评指标体系总分为 100 分，自评得分为 ")
    w.v("score.total", _fmt(total))
    w.w(" 分。具体得分情况如下：\n\n表 1：自评得分一览表\n\n")
    w.w("一级指标\t分值\t二级指标\t分值\t三级指标\t分值\t得分\n")
    prev1 = prev2 = None
    for k, (l1, w1, l2, w2, name, weight, score) in enumerate(rows):
        if l1 != prev1:
            w.w(f"{l1}\t")
            w.v(f"indicators[{k}].level1_weight", _fmt(w1))
            w.w("\t")
        else:
            w.w("\t\t")
        if (l1, l2) != prev2:
            w.w(f"{l2}\t")
            w.v(f"indicators[{k}].level2_weight", _fmt(w2))
            w.w("\t")
        else:
            w.w("\t\t")
        w.w(f"{name}\t")
        w.v(f"indicators[{k}].weight", _fmt(weight))
        w.w("\t")
        w.v(f"indicators[{k}].score", _fmt(score))
        w.w("\n")
        prev1, prev2 = l1, (l1, l2)
        indicators.append({"level1": l1, "level2": l2, "name": name, "weight": _num(weight), "score": _num(score),
                           "level1_weight": _num(w1), "level2_weight": _num(w2)})
    w.w("合计\t100\t\t100\t\t100\t")
    w.v("score.total", _fmt(total))
    w.w("\n\n")
    doc.truth["indicators"] = indicators
    doc.truth["score"] = {"total": _num(total)}
    if not project:
        stated_parts = {}
        plant_part = rng.choice(list(parts))
        for l1, value in parts.items():
            wsum = sum((r[5] for r in rows if r[0] == l1), Decimal(0))
            sv = doc.bump("score_part", f"score.parts.{l1}", value, 2) if l1 == plant_part else value
            stated_parts[l1] = sv
            w.w(f"{l1}指标总分 {_fmt(wsum)} 分，评价得分 ")
            w.v(f"score.parts.{l1}", _fmt(sv))
            lost = [r for r in rows if r[0] == l1 and r[6] < r[5]]
            if lost:
                reasons = "；".join(f"{r[4]}方面{rng.choice(_DEDUCT_REASONS)}，扣 {_fmt(r[5] - r[6])} 分" for r in lost)
                w.w(f" 分。主要扣分原因为：{reasons}。\n\n")
            else:
                w.w(" 分，该项指标未扣分。\n\n")
        doc.truth["score"]["parts"] = {k: _num(v) for k, v in stated_parts.items()}
    else:
        lost = [r for r in rows if r[6] < r[5] and r[4] != "预算执行率"]
        for r in lost:
            w.w(f"{r[4]}未完全达到年度目标，偏差原因：{rng.choice(_DEDUCT_REASONS)}，扣 {_fmt(r[5] - r[6])} 分。\n\n")


def _problems(doc: _Doc, w: _Writer) -> None:
    w.w("三、存在的主要问题\n\n")
    text = doc.rng.choice([
        "一是预算执行均衡性有待提高，部分季度支出进度与序时进度存在差距；二是绩效目标设置的量化程度仍需加强。",
        "部分项目前期论证不够充分，项目实施进度与计划相比略有滞后，资金使用效益有待进一步提升。",
        "基层工作力量相对薄弱，专业人才不足，部分工作的精细化管理水平有待提高。",
    ])
    w.w(text + "\n\n四、下一步改进措施\n\n")
    w.w("进一步加强预算编制与执行管理，科学设置绩效目标，强化绩效运行监控，确保资金使用效益。\n")
    doc.truth["problems"] = text


def _build(doc: _Doc) -> SynthReport:
    rng = doc.rng
    w = _Writer()
    y = doc.year
    if doc.scope == "department":
        title = rng.choice([f"{doc.department} {y} 年部门整体支出绩效自评报告",
                            f"{y}年度部门整体支出绩效评价报告",
                            f"{doc.department}{y}年度部门整体支出绩效自评报告"])
    else:
        title = f"{doc.department}{y}年度项目支出绩效自评报告"
    w.w(f"\n{title}\n\n")
    if doc.scope == "department":
        w.w("一、部门基本情况\n\n（一）部门职能\n\n")
        w.w(f"{doc.department}的主要职责是：" +
            "；".join(f"{k + 1}.{d}" for k, d in enumerate(rng.sample(_DUTIES, 4))) + "。\n\n")
    _budget(doc, w)
    if doc.scope == "department":
        if doc.layout == "A":
            _named_projects(doc, w)
        _ratios(doc, w)
        if doc.layout in ("A", "B"):
            _share(doc, w)
        _breakdown(doc, w)
        w.w("二、部门整体支出绩效自评情况\n\n")
    else:
        w.w("二、绩效指标完成情况\n\n")
        if "ratio" in doc.plan:
            _ratios(doc, w)
        _breakdown(doc, w)
    _score_table(doc, w)
    _problems(doc, w)
    text = w.text()
    spans = dict(w.spans)
    for p in doc.planted:
        p["spans"] = [list(spans[p["path"]])] + [list(s) for s in w.extra.get(p["path"], [])]
    truth = {"doc": f"synth_{doc.idx:05d}", "department": doc.department, "year": y, "scope": doc.scope,
             "title": title, **doc.truth,
             "inconsistencies": [{"what": p["kind"], "stated": p["stated"], "recomputed": p["true"]}
                                 for p in doc.planted]}
    return SynthReport(name=f"synth_{doc.idx:05d}.txt", text=text, truth=truth, planted=doc.planted, spans=spans)


def generate(n: int, seed: int = 0, error_rate: float = 0.3) -> Iterator[SynthReport]:
    """``n`` synthetic reports; a share ``error_rate`` of them carry one or two planted errors."""
    rng = random.Random(seed)
    for i in range(n):
        doc = _Doc(random.Random(rng.getrandbits(64)), i, error_rate)
        yield _build(doc)


# -- an Evaluation straight from the truth (bench without an extractor) ------------------------------

def to_evaluation(rep: SynthReport):
    """The Evaluation an ideal extractor would produce: the truth's figures with evidence at their spans."""
    from jixiao.ingest.base import Document
    from jixiao.model import (
        Breakdown,
        Budget,
        Evaluation,
        Evidence,
        Funding,
        Indicator,
        Project,
        Ratio,
        ScoreSummary,
        Staffing,
    )

    t = rep.truth
    doc = Document(name=rep.name, text=rep.text, format="text")

    def D(v: Any) -> Decimal | None:
        return None if v is None else Decimal(str(v))

    evidence: dict[str, Evidence] = {}

    def ev(path: str, span_path: str | None = None) -> None:
        sp = rep.spans.get(span_path or path)
        if sp:
            evidence[path] = Evidence(doc=rep.name, start=sp[0], end=sp[1], line=doc.line_of(sp[0]),
                                      text=rep.text[sp[0]:sp[1]])

    for p in rep.spans:
        if not p.startswith("other_rates"):
            ev(p)
    b = t.get("budget", {})
    budget = Budget(**{k: D(v) for k, v in b.items()})
    funding = Funding(**{k: D(v) for k, v in t.get("funding", {}).items()})
    projects = tuple(Project(name=p["name"], budget=D(p.get("budget")), executed=D(p.get("executed")),
                             execution_rate=D(p.get("execution_rate"))) for p in t.get("projects", []))
    inds = tuple(Indicator(name=i["name"], level1=i.get("level1"), level2=i.get("level2"), weight=D(i.get("weight")),
                           score=D(i.get("score")), level1_weight=D(i.get("level1_weight")),
                           level2_weight=D(i.get("level2_weight"))) for i in t.get("indicators", []))
    rates = []
    for k, r in enumerate(t.get("other_rates", [])):
        paths = r.get("paths", {})
        for key in ("stated", "numerator", "denominator", *(f"bases.{b}" for b in r.get("bases", {}))):
            ev(f"other_rates[{k}].{key}", paths.get(key, f"other_rates[{k}].{key}"))
        rates.append(Ratio(r["name"], D(r["stated"]), D(r.get("numerator")), D(r.get("denominator")),
                           {kk: D(vv) for kk, vv in r.get("bases", {}).items()}))
    bds = tuple(Breakdown(bd["name"], D(bd["total"]), tuple((c, D(v)) for c, v in bd["parts"]), unit=bd["unit"])
                for bd in t.get("breakdowns", []))
    sc = t.get("score", {})
    score = ScoreSummary(total=D(sc.get("total")), parts={k: D(v) for k, v in sc.get("parts", {}).items()})
    st = t.get("staffing", {})
    staffing = Staffing(authorized=st.get("authorized"), actual=st.get("actual"))
    evaluation = Evaluation(doc=rep.name, department=t["department"], year=t["year"], scope=t["scope"],
                            title=t.get("title"), budget=budget, funding=funding, projects=projects,
                            indicators=inds, score=score, staffing=staffing, other_rates=tuple(rates),
                            breakdowns=bds, problems=t.get("problems"), evidence=evidence)
    return evaluation, doc
