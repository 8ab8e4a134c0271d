"""Frameworks as data: load and validate ``frameworks/*.yaml`` into a precompiled :class:`Framework`.

Validation is by hand over the YAML node tree (``yaml.compose``) so that every
problem names the file, the line and the key: ``dept-x.yaml:12: tree[0].children[1].rule.kind:
未知的计分规则 'proportinal'（是否为 'proportional'？）``. All problems of a file are
reported together in one :class:`FrameworkError`.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from jixiao.numbers import ROUNDING_MODES
from jixiao.scoring.fmt import ROUNDING_LABELS
from jixiao.scoring.rules import RULES, norm_name

BUILTIN_DIR = Path(__file__).parent / "frameworks"
ENV_VAR = "JIXIAO_FRAMEWORKS"
TAGS = ("V", "S", "M", "I")
BUDGET_ATTRS = ("initial", "adjusted", "executed", "execution_rate", "basic", "project", "personnel", "public",
                "carryover_start", "carryover_end", "adjustment", "adjustment_rate", "initial_basic",
                "initial_project", "public_initial", "public_adjusted", "staffing.actual", "staffing.authorized")


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
                        leaves.setdefault(norm_name(n), (node, top, parent if parent is not top else None))
                if node.user_defined is not None:
                    for n in node.names():
                        groups.setdefault(norm_name(n), node)
        object.__setattr__(self, "leaf_index", leaves)
        object.__setattr__(self, "group_index", groups)

    def round(self, value: Decimal) -> Decimal:
        return value.quantize(self._exp, rounding=self._mode)

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


# --------------------------------------------------------------------------- validation over YAML nodes

_TOP_KEYS = {"id", "name", "description", "scope", "source", "tag", "rounding", "places", "total", "grades",
             "ratios", "tree", "not_applicable", "rescale_not_applicable", "weights_source", "scored", "reason",
             "forms"}
_NODE_KEYS = {"name", "weight", "aliases", "rule", "user_defined", "children", "tag", "source", "note"}
_RATIO_KEYS = {"label", "synonyms", "base", "budget", "tag", "note"}
_BAND_KEYS = {"from", "above", "upto", "below", "score", "deduct", "tag", "note"}


class _V:
    """Collects problems while converting nodes; each problem carries file:line: key."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[str] = []

    def err(self, node: yaml.Node | None, key: str, msg: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(f"{self.file}:{line}: {key}: {msg}")

    def mapping(self, node: yaml.Node, key: str, allowed: set[str]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.err(node, key, "应为映射（键: 值）")
            return {}
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for k, v in node.value:
            name = str(k.value)
            if name not in allowed:
                hint = difflib.get_close_matches(name, sorted(allowed), n=1)
                self.err(k, f"{key}.{name}" if key else name,
                         f"未知的键 '{name}'" + (f"（是否为 '{hint[0]}'？）" if hint else f"；可用: {', '.join(sorted(allowed))}"))
                continue
            if name in out:
                self.err(k, f"{key}.{name}" if key else name, "重复的键")
            out[name] = (k, v)
        return out

    def string(self, node: yaml.Node, key: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null"):
            self.err(node, key, "应为文字")
            return None
        return str(node.value)

    def number(self, node: yaml.Node, key: str) -> Decimal | None:
        if not isinstance(node, yaml.ScalarNode) or not (node.tag.endswith(":int") or node.tag.endswith(":float")):
            self.err(node, key, f"应为数字，而不是 {_show(node)}")
            return None
        try:
            return Decimal(str(node.value).replace("_", ""))
        except InvalidOperation:
            self.err(node, key, f"不是数字: {node.value!r}")
            return None

    def boolean(self, node: yaml.Node, key: str) -> bool | None:
        if not isinstance(node, yaml.ScalarNode) or not node.tag.endswith(":bool"):
            self.err(node, key, "应为 true 或 false")
            return None
        return str(node.value).lower() in ("true", "yes", "on")

    def words(self, node: yaml.Node, key: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str"):
            return (str(node.value),)
        if not isinstance(node, yaml.SequenceNode):
            self.err(node, key, "应为文字列表")
            return ()
        out = []
        for i, item in enumerate(node.value):
            s = self.string(item, f"{key}[{i}]")
            if s is not None:
                out.append(s)
        return tuple(out)

    def choice(self, node: yaml.Node, key: str, choices: tuple[str, ...] | list[str],
               unknown: str = "'{s}' 不是可选值 {choices}") -> str | None:
        """A string among ``choices``; otherwise the ``unknown`` message with the closest choice as a hint."""
        s = self.string(node, key)
        if s is not None and s not in choices:
            hint = difflib.get_close_matches(s, list(choices), n=1)
            self.err(node, key, unknown.format(s=s, choices=", ".join(choices))
                     + (f"（是否为 '{hint[0]}'？）" if hint else ""))
            return None
        return s


def _show(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return "映射" if isinstance(node, yaml.MappingNode) else "列表"


def parse_framework(text: str, file: str, builtin: bool = False) -> Framework:
    """Validate YAML text into a Framework, or raise FrameworkError listing every problem."""
    v = _V(file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise FrameworkError([f"{file}:{line}: (yaml): {getattr(exc, 'problem', None) or exc}"]) from None
    if root is None:
        raise FrameworkError([f"{file}:1: (file): 文件为空"])
    top = v.mapping(root, "", _TOP_KEYS)
    scored = v.boolean(top["scored"][1], "scored") if "scored" in top else True
    for req in ("id", "name", "tree") if scored is not False else ("id", "name", "reason"):
        if req not in top:
            v.err(root, req, "缺少必填键")
    if scored is False and "tree" in top:
        v.err(top["tree"][1], "tree", "scored: false 的框架不设指标树")
    kw: dict[str, Any] = {"scored": scored is not False}
    if "forms" in top:
        kw["forms"] = v.words(top["forms"][1], "forms")
    for key in ("id", "name", "description", "source", "weights_source", "reason"):
        if key in top:
            kw[key] = v.string(top[key][1], key)
    if "scope" in top:
        kw["scope"] = v.choice(top["scope"][1], "scope", ("department", "project"))
    if "tag" in top:
        kw["tag"] = v.choice(top["tag"][1], "tag", TAGS)
    if "rounding" in top:
        kw["rounding"] = v.choice(top["rounding"][1], "rounding", sorted(ROUNDING_MODES))
    if "places" in top:
        p = v.number(top["places"][1], "places")
        if p is not None:
            kw["places"] = int(p)
    if "total" in top:
        kw["total"] = v.number(top["total"][1], "total")
    if "not_applicable" in top:
        kw["not_applicable"] = v.words(top["not_applicable"][1], "not_applicable")
    if "rescale_not_applicable" in top:
        kw["rescale_not_applicable"] = v.boolean(top["rescale_not_applicable"][1], "rescale_not_applicable")
    if "grades" in top:
        kw["grades"] = _grades(v, top["grades"][1])
    ratios = _ratios(v, top["ratios"][1]) if "ratios" in top else {}
    kw["ratios"] = ratios
    tree: list[Node] = []
    if "tree" in top:
        tnode = top["tree"][1]
        if not isinstance(tnode, yaml.SequenceNode) or not tnode.value:
            v.err(tnode, "tree", "应为非空的指标列表")
        else:
            for i, n in enumerate(tnode.value):
                node = _node(v, n, f"tree[{i}]", 1, ratios)
                if node is not None:
                    tree.append(node)
            total = kw.get("total") or Decimal(100)
            s = sum((n.weight for n in tree), Decimal(0))
            if len(tree) == len(tnode.value) and s != total:
                v.err(tnode, "tree", f"一级指标权重合计 {s} ≠ 总分 {total}")
    if v.problems:
        raise FrameworkError(v.problems)
    kw = {k: val for k, val in kw.items() if val is not None}
    return Framework(tree=tuple(tree), file=file, builtin=builtin, **kw)


def _grades(v: _V, node: yaml.Node) -> tuple[tuple[str, Decimal], ...] | None:
    m = v.mapping(node, "grades", {"优", "良", "中", "差", "合格", "不合格", "较好", "一般", "较差", "好"})
    out = []
    for name, (_, val) in m.items():
        d = v.number(val, f"grades.{name}")
        if d is not None:
            out.append((name, d))
    out.sort(key=lambda g: g[1], reverse=True)
    return tuple(out) or None


def _ratios(v: _V, node: yaml.Node) -> dict[str, RatioDef]:
    if not isinstance(node, yaml.MappingNode):
        v.err(node, "ratios", "应为映射（比率名: 定义）")
        return {}
    out: dict[str, RatioDef] = {}
    for k, val in node.value:
        key = str(k.value)
        where = f"ratios.{key}"
        m = v.mapping(val, where, _RATIO_KEYS)
        label = v.string(m["label"][1], f"{where}.label") if "label" in m else key
        syn = v.words(m["synonyms"][1], f"{where}.synonyms") if "synonyms" in m else ()
        syn = tuple(dict.fromkeys(norm_name(s) for s in (*syn, key)))
        kw: dict[str, Any] = {}
        if "base" in m:
            kw["base"] = v.string(m["base"][1], f"{where}.base")
        if "budget" in m:
            b = v.mapping(m["budget"][1], f"{where}.budget", {"numerator", "denominator", "stated"})
            for slot in ("numerator", "denominator", "stated"):
                if slot in b:
                    kw[f"budget_{slot}"] = v.choice(b[slot][1], f"{where}.budget.{slot}", BUDGET_ATTRS)
            if ("numerator" in b) != ("denominator" in b):
                v.err(m["budget"][1], f"{where}.budget", "numerator 与 denominator 须同时给出")
        if "tag" in m:
            kw["tag"] = v.choice(m["tag"][1], f"{where}.tag", TAGS)
        if "note" in m:
            kw["note"] = v.string(m["note"][1], f"{where}.note")
        out[key] = RatioDef(key=key, label=label or key, synonyms=syn, **kw)
    return out


def _node(v: _V, node: yaml.Node, where: str, level: int, ratios: Mapping[str, RatioDef]) -> Node | None:
    m = v.mapping(node, where, _NODE_KEYS)
    if not m:
        return None
    n_before = len(v.problems)
    name = v.string(m["name"][1], f"{where}.name") if "name" in m else None
    if name is None and "name" not in m:
        v.err(node, f"{where}.name", "缺少必填键")
    weight = v.number(m["weight"][1], f"{where}.weight") if "weight" in m else None
    if "weight" not in m:
        v.err(node, f"{where}.weight", "缺少必填键")
    elif weight is not None and weight < 0:
        v.err(m["weight"][1], f"{where}.weight", "权重不能为负")
    shapes = [k for k in ("rule", "children", "user_defined") if k in m]
    if len(shapes) != 1:
        v.err(node, where, "须有且只有 rule、children、user_defined 之一" + (f"（现有 {', '.join(shapes)}）" if shapes else ""))
    kw: dict[str, Any] = {}
    if "aliases" in m:
        kw["aliases"] = v.words(m["aliases"][1], f"{where}.aliases")
    for key in ("source", "note"):
        if key in m:
            kw[key] = v.string(m[key][1], f"{where}.{key}")
    if "tag" in m:
        kw["tag"] = v.choice(m["tag"][1], f"{where}.tag", TAGS)
    if "rule" in m:
        kw["rule"] = _rule(v, m["rule"][1], f"{where}.rule", ratios)
    if "user_defined" in m:
        kw["user_defined"] = _rule(v, m["user_defined"][1], f"{where}.user_defined", ratios)
    children: list[Node] = []
    if "children" in m:
        cnode = m["children"][1]
        if not isinstance(cnode, yaml.SequenceNode) or not cnode.value:
            v.err(cnode, f"{where}.children", "应为非空的指标列表")
        else:
            for i, c in enumerate(cnode.value):
                child = _node(v, c, f"{where}.children[{i}]", level + 1, ratios)
                if child is not None:
                    children.append(child)
            if weight is not None and len(children) == len(cnode.value):
                s = sum((c.weight for c in children), Decimal(0))
                if s != weight:
                    v.err(m["weight"][1], f"{where}.weight", f"子指标权重合计 {s} ≠ 分值 {weight}（{name}）")
    if len(v.problems) != n_before or name is None or weight is None:
        return None
    return Node(name=name, weight=weight, path=where, children=tuple(children), level=level, **kw)


def _rule(v: _V, node: yaml.Node, where: str, ratios: Mapping[str, RatioDef]) -> Rule | None:
    if isinstance(node, yaml.ScalarNode):  # shorthand: `rule: stated`
        kind = v.choice(node, f"{where}", sorted(RULES))
        return None if kind is None else Rule(kind, _defaults(kind, {}))
    if not isinstance(node, yaml.MappingNode):
        v.err(node, where, "应为计分规则（kind 加参数）")
        return None
    raw = {str(k.value): (k, val) for k, val in node.value}
    if "kind" not in raw:
        v.err(node, f"{where}.kind", "缺少必填键 kind；可用: " + ", ".join(sorted(RULES)))
        return None
    kind = v.choice(raw["kind"][1], f"{where}.kind", sorted(RULES))
    if kind is None:
        return None
    spec = RULES[kind].params
    params: dict[str, Any] = {}
    for key, (knode, val) in raw.items():
        if key in ("kind", "tag", "note", "source"):
            continue
        if key not in spec:
            hint = difflib.get_close_matches(key, list(spec), n=1)
            v.err(knode, f"{where}.{key}", f"规则 {kind} 没有参数 '{key}'"
                  + (f"（是否为 '{hint[0]}'？）" if hint else (f"；可用: {', '.join(spec)}" if spec else "")))
            continue
        params[key] = _param(v, val, f"{where}.{key}", spec[key], ratios)
    for key, p in spec.items():
        if p.required and key not in raw:
            v.err(node, f"{where}.{key}", f"规则 {kind} 缺少必填参数 {key}")
    return Rule(kind, _defaults(kind, params))


def _defaults(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    for key, p in RULES[kind].params.items():
        if params.get(key) is None and p.default is not None:
            params[key] = p.default
    return params


def _param(v: _V, node: yaml.Node, where: str, p: Any, ratios: Mapping[str, RatioDef]) -> Any:
    t = p.type
    if t == "number":
        return v.number(node, where)
    if t == "bool":
        return v.boolean(node, where)
    if t == "choice":
        return v.choice(node, where, p.choices)
    if t == "words":
        return v.words(node, where)
    if t == "ratio":
        return v.choice(node, where, list(ratios), unknown="比率 '{s}' 未在 ratios 中定义")
    if t == "quarter_targets":
        m = v.mapping(node, where, {"1", "2", "3", "4"})
        return {int(k): v.number(val, f"{where}.{k}") for k, (_, val) in m.items()}
    if t == "bands":
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            v.err(node, where, "应为区间列表")
            return ()
        out = []
        for i, b in enumerate(node.value):
            bm = v.mapping(b, f"{where}[{i}]", _BAND_KEYS)
            band = {k: v.number(val, f"{where}[{i}].{k}") for k, (_, val) in bm.items() if k not in ("tag", "note")}
            if ("score" in band) == ("deduct" in band):
                v.err(b, f"{where}[{i}]", "须有且只有 score 或 deduct 之一")
            out.append(band)
        return tuple(out)
    if t == "items":
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            v.err(node, where, "应为检查事项列表")
            return ()
        out = []
        for i, it in enumerate(node.value):
            im = v.mapping(it, f"{where}[{i}]", {"name", "points", "keywords"})
            for req in ("name", "points", "keywords"):
                if req not in im:
                    v.err(it, f"{where}[{i}].{req}", "缺少必填键")
            if len(im) == 3:
                out.append({"name": v.string(im["name"][1], f"{where}[{i}].name"),
                            "points": v.number(im["points"][1], f"{where}[{i}].points"),
                            "keywords": v.words(im["keywords"][1], f"{where}[{i}].keywords")})
        return tuple(out)
    raise AssertionError(t)  # pragma: no cover - every Param type is handled above


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
        fw = parse_framework(text, str(path) if not builtin else path.name, builtin=builtin)
        _CACHE[key] = fw
    return fw


def user_dirs(frameworks_dir: str | Path | None = None) -> list[Path]:
    """Folders holding user frameworks: the argument, else $JIXIAO_FRAMEWORKS (os.pathsep-separated)."""
    if frameworks_dir:
        return [Path(frameworks_dir)]
    env = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in env.split(os.pathsep) if p]


def _candidates(frameworks_dir: str | Path | None) -> list[tuple[Path, bool]]:
    out: list[tuple[Path, bool]] = []
    for d in user_dirs(frameworks_dir):
        if d.is_dir():
            out += [(p, False) for p in sorted(d.iterdir()) if p.suffix in (".yaml", ".yml")]
    out += [(p, True) for p in sorted(BUILTIN_DIR.glob("*.yaml"))]
    return out


@functools.cache
def form_frameworks() -> dict[str, str]:
    """Extractor form id → id of the built-in framework that lists it under ``forms`` (built-ins do not change)."""
    out: dict[str, str] = {}
    for path in sorted(BUILTIN_DIR.glob("*.yaml")):
        fw = _load_file(path, True)
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
