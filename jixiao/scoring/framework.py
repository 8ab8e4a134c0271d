"""Frameworks as data: load and validate ``frameworks/*.yaml`` into a precompiled :class:`Framework`.

The file is validated by its pydantic models (:mod:`.schema`, each rule kind owning the model of its
parameters) through :mod:`jixiao.yamlschema`, so that every problem names the file, the line and the key:
``dept-x.yaml:12: tree[0].children[1].rule.kind: 'proportinal' 不是可选值 …（是否为 'proportional'？）``.
All problems of a file are reported together in one :class:`FrameworkError`.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jixiao.numbers import ROUNDING_MODES
from jixiao.scoring.fmt import ROUNDING_LABELS
from jixiao.scoring.registry import RULES, SLOT_BASE, match_name, norm_name
from jixiao.scoring.schema import BUDGET_ATTRS, STYLE, TAGS, file_model
from jixiao.yamlschema import Lines, Problem, YamlSyntaxError, compose, validate

ENV_VAR = "JIXIAO_FRAMEWORKS"
__all__ = ["BUDGET_ATTRS", "TAGS", "Framework", "FrameworkError", "Node", "RatioDef", "Rule", "list_frameworks",
           "load_framework", "parse_framework"]


class FrameworkError(ValueError):
    """A framework file that cannot be used; the message lists ``file:line: key: problem`` lines."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    params: Mapping[str, Any]

    def describe(self) -> str:
        return RULES[self.kind].title


@dataclass(frozen=True, slots=True)
class RatioDef:
    """How a ratio is found (synonyms) and computed (which base; which budget slots)."""

    key: str
    label: str
    synonyms: tuple[str, ...]
    base: str | None = None
    budget_numerator: str | None = None
    budget_denominator: str | None = None
    budget_stated: str | None = None
    tag: str | None = None
    note: str | None = None
    #: The rate is the scored row's own actual value (a percent), not a figure of the evaluation.
    from_row: bool = False


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    weight: Decimal
    path: str
    aliases: tuple[str, ...] = ()
    rule: Rule | None = None
    user_defined: Rule | None = None
    children: tuple[Node, ...] = ()
    tag: str | None = None
    source: str | None = None
    note: str | None = None
    level: int = 1

    @property
    def is_leaf(self) -> bool:
        return self.rule is not None

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Framework:
    """A scoring framework, compiled once: the tree, its leaves by name, rounding, grades and ratios."""

    id: str
    name: str
    file: str
    tree: tuple[Node, ...]
    rounding: str = "half_up"
    places: int = 2
    total: Decimal = Decimal(100)
    grades: tuple[tuple[str, Decimal], ...] = (("优", Decimal(90)), ("良", Decimal(80)), ("中", Decimal(60)),
                                               ("差", Decimal(0)))
    ratios: Mapping[str, RatioDef] = field(default_factory=dict)
    description: str = ""
    scope: str | None = None
    source: str | None = None
    tag: str | None = None
    weights_source: str | None = None
    not_applicable: tuple[str, ...] = ()
    rescale_not_applicable: bool = False
    builtin: bool = False
    #: False for a profile of a form that carries nothing to score (e.g. the 机关绩效 红皮书): no tree; the
    #: engine reports ``reason`` instead of a total.
    scored: bool = True
    reason: str | None = None
    #: The extractor's form ids (``Evaluation.form``) this framework is chosen for when none is named.
    forms: tuple[str, ...] = ()
    #: True for a framework built from the report's own indicator table (:mod:`.owntable`).
    own_table: bool = False

    def __post_init__(self) -> None:
        exp = Decimal(1).scaleb(-self.places)
        mode = ROUNDING_MODES[self.rounding]
        object.__setattr__(self, "_exp", exp)
        object.__setattr__(self, "_mode", mode)
        leaves: dict[str, tuple[Node, Node, Node | None]] = {}
        groups: dict[str, Node] = {}
        for top in self.tree:
            for node, parent in _walk(top, None):
                if node.rule is not None:
                    for n in node.names():
                        for key in (norm_name(n), match_name(n)):
                            leaves.setdefault(key, (node, top, parent if parent is not top else None))
                if node.user_defined is not None:
                    for n in node.names():
                        for key in (norm_name(n), match_name(n)):
                            groups.setdefault(key, node)
        object.__setattr__(self, "leaf_index", leaves)
        object.__setattr__(self, "group_index", groups)
        # a framework built from a report's own table has one leaf per row, matched by position
        rows = {node.path: node for node in self.nodes() if node.path.startswith("rows[")} if self.own_table else {}
        object.__setattr__(self, "row_leaves", rows)

    def round(self, value: Decimal) -> Decimal:
        return value.quantize(self._exp, rounding=self._mode)

    def match(self, row: Any, i: int | None = None) -> tuple[str, Node] | None:
        """Where an indicator row belongs: ``("leaf", node)``, ``("group", node)`` or None (not in the framework).

        By name and aliases (a trailing bracket ignored), then a row whose level 1 is itself a level-1 leaf
        (``项目资金 / 执行率`` is the 预算执行率 leaf), then a user-defined group by level 2 or level 1.
        """
        if self.own_table:
            node = self.row_leaves.get(f"rows[{i}]")
            return None if node is None else ("leaf", node)
        leaves = self.leaf_index
        hit = leaves.get(match_name(row.name))
        if hit is not None:
            return "leaf", hit[0]
        if row.level1:
            hit = leaves.get(match_name(row.level1))
            if hit is not None and hit[0] is hit[1]:
                return "leaf", hit[0]
        groups = self.group_index
        g = groups.get(match_name(row.level2)) if row.level2 else None
        if g is None and row.level1:
            g = groups.get(match_name(row.level1))
        return None if g is None else ("group", g)

    @property
    def rounding_label(self) -> str:
        return ROUNDING_LABELS.get(self.rounding, self.rounding)

    def grade(self, total: Decimal | None) -> str | None:
        if total is None:
            return None
        for g, lo in self.grades:
            if total >= lo:
                return g
        return self.grades[-1][0] if self.grades else None

    def nodes(self) -> Iterator[Node]:
        for top in self.tree:
            for node, _ in _walk(top, None):
                yield node

    def to_json(self, tree: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name, "rounding": self.rounding, "places": self.places,
                               "total": self.total, "file": self.file, "builtin": self.builtin,
                               "parts": {n.name: n.weight for n in self.tree}}
        if self.tag:
            out["tag"] = self.tag
        if tree:
            out["grades"] = {g: lo for g, lo in self.grades}
            out["tree"] = [_node_json(n) for n in self.tree]
        return out


def _node_json(n: Node) -> dict[str, Any]:
    out: dict[str, Any] = {"name": n.name, "weight": n.weight}
    if n.rule:
        out["rule"] = n.rule.kind
    if n.user_defined:
        out["user_defined"] = n.user_defined.kind
    if n.tag:
        out["tag"] = n.tag
    if n.children:
        out["children"] = [_node_json(c) for c in n.children]
    return out


def _walk(node: Node, parent: Node | None) -> Iterator[tuple[Node, Node | None]]:
    yield node, parent
    for c in node.children:
        yield from _walk(c, node)


# --------------------------------------------------------------------------- reading a file


def parse_framework(text: str, file: str, builtin: bool = False) -> Framework:
    """Validate YAML text into a Framework, or raise FrameworkError listing every problem."""
    try:
        data, lines = compose(text)
    except YamlSyntaxError as exc:
        raise FrameworkError([f"{file}:{exc.line or 1}: (yaml): {exc.problem}"]) from None
    if data is None:
        raise FrameworkError([f"{file}:1: (file): 文件为空"])
    ratios = data.get("ratios") if isinstance(data, dict) else None
    spec, problems = validate(file_model(), data, lines, STYLE,
                              context={"ratios": list(ratios) if isinstance(ratios, dict) else [] if ratios is None else None})
    if isinstance(data, dict):
        problems += _file_problems(data, lines, spec)
    if problems or spec is None:
        problems.sort(key=lambda p: p.line)
        raise FrameworkError([f"{file}:{p.line}: {p.key}: {p.message}" for p in problems])
    return _framework(spec, file, builtin)


def _file_problems(data: dict[str, Any], lines: Lines, spec: Any) -> list[Problem]:
    """What depends on the file as a whole: required keys, a tree only when scored, level-1 weights."""
    out: list[Problem] = []
    scored = data.get("scored", True) is not False
    for req in ("id", "name", "tree") if scored else ("id", "name", "reason"):
        if req not in data:
            out.append(Problem(lines.of(()), req, "缺少必填键"))
    if not scored and "tree" in data:
        out.append(Problem(lines.of(("tree",)), "tree", "scored: false 的框架不设指标树"))
    if spec is not None and spec.tree:
        total = spec.total if spec.total is not None else Decimal(100)
        s = sum((n.weight for n in spec.tree), Decimal(0))
        if s != total:
            out.append(Problem(lines.of(("tree",)), "tree", f"一级指标权重合计 {s} ≠ 总分 {total}"))
    return out


def _framework(spec: Any, file: str, builtin: bool) -> Framework:
    kw: dict[str, Any] = {k: getattr(spec, k) for k in ("id", "name", "description", "scope", "source", "tag",
                                                        "weights_source", "reason", "rounding", "total")
                          if getattr(spec, k) is not None}
    if spec.places is not None:
        kw["places"] = int(spec.places)
    if spec.grades is not None:
        grades = [(g, lo) for g, lo in spec.grades.model_dump().items() if lo is not None]
        if grades:
            kw["grades"] = tuple(sorted(grades, key=lambda g: g[1], reverse=True))
    ratios = {key: _ratio(key, r) for key, r in spec.ratios.items()}
    tree = tuple(_node(n, f"tree[{i}]", 1) for i, n in enumerate(spec.tree or ()))
    return Framework(tree=tree, file=file, builtin=builtin, ratios=ratios, scored=spec.scored, forms=spec.forms,
                     not_applicable=spec.not_applicable, rescale_not_applicable=spec.rescale_not_applicable, **kw)


def _ratio(key: str, r: Any) -> RatioDef:
    syn = tuple(dict.fromkeys(norm_name(s) for s in (*r.synonyms, key)))
    b = r.budget
    base = r.base or (SLOT_BASE.get(r.budget.denominator or "") if r.budget else None)  # 年初 / 调整后, said once
    return RatioDef(key=key, label=r.label or key, synonyms=syn, base=base, tag=r.tag, note=r.note,
                    budget_numerator=b.numerator if b else None, budget_denominator=b.denominator if b else None,
                    budget_stated=b.stated if b else None)


def _node(n: Any, where: str, level: int) -> Node:
    children = tuple(_node(c, f"{where}.children[{i}]", level + 1) for i, c in enumerate(n.children or ()))
    return Node(name=n.name, weight=n.weight, path=where, aliases=n.aliases, children=children, level=level,
                rule=_rule(n.rule), user_defined=_rule(n.user_defined), tag=n.tag, source=n.source, note=n.note)


def _rule(r: Any) -> Rule | None:
    return None if r is None else Rule(r.kind, r.params())


# --------------------------------------------------------------------------- finding and loading

_CACHE: dict[tuple[str, float], Framework] = {}


def _load_file(path: Path, builtin: bool = False) -> Framework:
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise FrameworkError([f"{path}:1: (file): 无法读取 ({exc.strerror or exc})"]) from None
    key = (str(path), mtime)
    fw = _CACHE.get(key)
    if fw is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FrameworkError([f"{path}:1: (file): 无法读取 ({exc})"]) from None
        fw = parse_framework(text, str(path) if not builtin else f"{path.parent.name}/{path.name}", builtin=builtin)
        _CACHE[key] = fw
    return fw


def user_dirs(frameworks_dir: str | Path | None = None) -> list[Path]:
    """Folders holding user frameworks: the argument, else $JIXIAO_FRAMEWORKS (os.pathsep-separated)."""
    if frameworks_dir:
        return [Path(frameworks_dir)]
    env = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in env.split(os.pathsep) if p]


def _candidates(frameworks_dir: str | Path | None) -> list[tuple[Path, bool]]:
    """Framework files: the user's folders first, then the frameworks of the report forms (``jixiao.forms``)."""
    from jixiao.forms import all_forms

    out: list[tuple[Path, bool]] = []
    for d in user_dirs(frameworks_dir):
        if d.is_dir():
            out += [(p, False) for p in sorted(d.iterdir()) if p.suffix in (".yaml", ".yml")]
    out += [(f.framework, f.builtin) for f in all_forms() if f.framework is not None]
    return out


@functools.cache
def form_frameworks() -> dict[str, str]:
    """Form id (``Evaluation.form``) → id of the framework in that form's folder, and of any framework that
    lists the form under ``forms``."""
    from jixiao.forms import all_forms, on_reset

    on_reset(form_frameworks.cache_clear)
    out: dict[str, str] = {}
    for f in all_forms():
        if f.framework is not None:
            fw = _load_file(f.framework, f.builtin)
            out.setdefault(f.id, fw.id)
            for form in fw.forms:
                out.setdefault(form, fw.id)
    return out


def list_frameworks(frameworks_dir: str | Path | None = None) -> list[Framework]:
    """Every available framework, user ones first; a user file with a built-in's id replaces it."""
    seen: dict[str, Framework] = {}
    for path, builtin in _candidates(frameworks_dir):
        fw = _load_file(path, builtin)
        seen.setdefault(fw.id, fw)
    return list(seen.values())


def load_framework(name_or_path: str | Path, frameworks_dir: str | Path | None = None) -> Framework:
    """A framework by id (user folders first, then built-in) or by file path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return _load_file(p)
    name = str(name_or_path)
    for path, builtin in _candidates(frameworks_dir):
        if path.stem == name:
            fw = _load_file(path, builtin)
            if fw.id == name:
                return fw
    for path, builtin in _candidates(frameworks_dir):
        fw = _load_file(path, builtin)
        if fw.id == name:
            return fw
    known = sorted({fw.id for fw in list_frameworks(frameworks_dir)})
    hint = difflib.get_close_matches(name, known, n=1)
    raise FrameworkError([f"{name}: 找不到评分框架" + (f"（是否为 '{hint[0]}'？）" if hint else "")
                          + f"；可用: {', '.join(known)}"])
