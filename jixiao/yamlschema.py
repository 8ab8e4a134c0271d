"""One validation path for the YAML inputs (framework files, evaluation files): pydantic models over YAML
that remembers its lines.

``compose(text)`` turns YAML (or JSON) into plain Python values — numbers as ``int`` or exact ``Decimal``
read from their text, never through a float — and records the line of every value and key.
``validate(model, data, lines)`` runs a pydantic model and turns each error into a :class:`Problem`
(line, dotted key, Chinese message). The callers own the wording of a line (``file:line: key: msg`` for
frameworks, ``第 N 行 key: msg`` for evaluation files); the messages themselves live here or next to the
field types that raise them (``PydanticCustomError`` with a Chinese template), so a problem reads the same
wherever it is found.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, NamedTuple, get_args, get_origin

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from jixiao.safeyaml import YAMLLimits, YAMLRefused, check

Loc = tuple[str | int, ...]


class Problem(NamedTuple):
    line: int
    key: str
    message: str


class YamlSyntaxError(ValueError):
    """Text that is not YAML; ``line`` is 1-based or None."""

    def __init__(self, line: int | None, problem: str):
        self.line = line
        self.problem = problem
        super().__init__(problem)


@dataclass
class Lines:
    """Where each value (and each mapping key) of a composed document starts."""

    values: dict[Loc, int]
    keys: dict[Loc, int]
    duplicates: list[tuple[Loc, int]]

    def of(self, loc: Loc, *, key: bool = False) -> int:
        """The line of ``loc`` (its key's line with ``key``), else of the nearest enclosing value."""
        if key and loc in self.keys:
            return self.keys[loc]
        while loc:
            if loc in self.values:
                return self.values[loc]
            loc = loc[:-1]
        return self.values.get((), 1)


# --------------------------------------------------------------------------- YAML → plain values


#: Frameworks, forms and evaluation files come from users: size, depth and expanded nodes are capped
#: (an alias bomb is refused before it is built); a few anchors are allowed, within the node budget.
LIMITS = YAMLLimits(max_bytes=4 * 1024 * 1024, max_nodes=200_000, max_depth=64, max_aliases=1_000)


def compose(text: str) -> tuple[Any, Lines]:
    """YAML/JSON text → (plain data, lines). Raises YamlSyntaxError (also for text over :data:`LIMITS`);
    empty text gives (None, …)."""
    try:
        check(text, limits=LIMITS)
    except YAMLRefused as exc:
        raise YamlSyntaxError(exc.line, exc.reason) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise YamlSyntaxError(mark.line + 1 if mark else None, str(getattr(exc, "problem", None) or exc)) from None
    lines = Lines({}, {}, [])
    if root is None:
        return None, lines
    return _plain(root, (), lines), lines


def _plain(node: yaml.Node, loc: Loc, lines: Lines) -> Any:
    lines.values[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for k, v in node.value:
            name = str(k.value)
            sub = (*loc, name)
            if name in out:
                lines.duplicates.append((sub, k.start_mark.line + 1))
                continue
            lines.keys[sub] = k.start_mark.line + 1
            out[name] = _plain(v, sub, lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v, (*loc, i), lines) for i, v in enumerate(node.value)]
    return scalar(node)


def scalar(node: yaml.ScalarNode) -> Any:
    """A YAML scalar as int / Decimal (exact, from its text) / bool / None / str."""
    tag, value = node.tag, node.value
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return value.lower() in ("true", "yes", "on", "y")
    if tag.endswith(":int"):
        try:
            return int(yaml.SafeLoader.construct_yaml_int(yaml.SafeLoader(""), node))
        except (ValueError, TypeError):
            return value
    if tag.endswith(":float"):
        try:
            d = Decimal(value.replace("_", ""))
        except InvalidOperation:
            return value
        return d if d.is_finite() else value
    return value


# --------------------------------------------------------------------------- field types with Chinese messages


def shown(v: Any) -> str:
    """A value as a message quotes it: ``'abc'``, ``映射``, ``列表``."""
    if isinstance(v, dict):
        return "映射"
    if isinstance(v, list):
        return "列表"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal | int):
        return repr(format(v, "f") if isinstance(v, Decimal) else str(v))
    return repr(v)


def _number(v: Any) -> Decimal:
    """A number written as a number (frameworks: ``weight: '5'`` is a typo, not 5)."""
    if isinstance(v, bool) or not isinstance(v, int | Decimal):
        raise PydanticCustomError("jx", "应为数字，而不是 {v}", {"v": shown(v)})
    return Decimal(v)


def _text(v: Any) -> str:
    if isinstance(v, dict | list) or v is None:
        raise PydanticCustomError("jx", "应为文字")
    if isinstance(v, bool):
        return "true" if v else "false"
    return format(v, "f") if isinstance(v, Decimal) else str(v)


def text_or_none(v: Any) -> str | None:
    """Text where a null means 'not stated'."""
    return None if v is None else _text(v)


def _words(v: Any) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,)
    if not isinstance(v, list):
        raise PydanticCustomError("jx", "应为文字列表")
    return tuple(v)


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise PydanticCustomError("jx", "应为 true 或 false")
    return v


Num = Annotated[Decimal, BeforeValidator(_number)]
Text = Annotated[str, BeforeValidator(_text)]
Words = Annotated[tuple[Text, ...], BeforeValidator(_words)]
Bool = Annotated[bool, BeforeValidator(_bool)]


def choice(*choices: str, unknown: str = "'{s}' 不是可选值 {choices}") -> Any:
    """A text among ``choices``; otherwise ``unknown`` with the closest choice as a hint."""

    def check(v: Any) -> str:
        s = _text(v)
        if s not in choices:
            raise PydanticCustomError("jx", unknown.format(s=s, choices=", ".join(choices)) + hint(s, choices))
        return s

    return Annotated[str, BeforeValidator(check)]


def hint(word: str, choices: Any) -> str:
    """``（是否为 'weight'？）`` for a near miss, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"（是否为 '{close[0]}'？）" if close else ""


class Strict(BaseModel):
    """A mapping of a YAML file: unknown keys are problems, values are not coerced behind the user's back."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, arbitrary_types_allowed=True)

    #: Messages for a missing field (default 缺少必填键), e.g. ``{"name": "缺少指标名称"}``.
    missing_messages: typing.ClassVar[Mapping[str, str]] = {}


# --------------------------------------------------------------------------- errors → problems


@dataclass(frozen=True)
class Style:
    """How a caller words the generic problems (the field types word their own)."""

    unknown_key: Callable[[str, tuple[str, ...]], str] = lambda k, allowed: (
        f"未知的键 '{k}'" + (hint(k, allowed) or f"；可用: {', '.join(allowed)}"))
    missing: str = "缺少必填键"
    not_mapping: str = "应为映射（键: 值）"
    not_list: str = "应为列表"
    #: The keys after which a discriminated union's tag appears in pydantic's locations (``rule`` → ``steps``).
    tagged: frozenset[str] = frozenset()
    #: (kind, key, allowed) → message for an unknown key inside a tagged model.
    unknown_param: Callable[[str, str, tuple[str, ...]], str] | None = None
    #: (kind, key) → message for a missing key inside a tagged model.
    missing_param: Callable[[str, str], str] | None = None
    #: The tags of the discriminated unions (rule kinds), read when a problem is worded.
    tags: Callable[[], Collection[str]] = lambda: ()


def validate(model: type[BaseModel], data: Any, lines: Lines, style: Style = Style(),
             context: Mapping[str, Any] | None = None) -> tuple[BaseModel | None, list[Problem]]:
    """Validate ``data`` with ``model``: (instance, []) or (None, problems in line order, an unknown key
    before the other problems of its line)."""
    ranked = [(line, -1, 0, n, Problem(line, dotted(loc), "重复的键")) for n, (loc, line) in enumerate(lines.duplicates)]
    try:
        obj = model.model_validate(data, context=dict(context or {}))
    except ValidationError as exc:
        groups: dict[str, int] = {}
        for n, err in enumerate(exc.errors(include_url=False)):
            p = _problem(model, err, lines, style, data)
            group = groups.setdefault(p.key.rsplit(".", 1)[0] if "." in p.key else "", n)
            ranked.append((p.line, group, 0 if err["type"] == "extra_forbidden" else 1, n, p))
        obj = None
    ranked.sort(key=lambda r: r[:4])
    return (None if lines.duplicates else obj), [r[4] for r in ranked]


def _problem(model: type[BaseModel], err: Mapping[str, Any], lines: Lines, style: Style, data: Any) -> Problem:
    loc: list[str | int] = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    tag, at = None, None
    for i in range(1, len(loc)):  # a discriminated union's tag follows its field: drop it, remember it
        if loc[i - 1] in style.tagged and isinstance(loc[i], str) and loc[i] in style.tags():
            tag, at = loc.pop(i), i - 1
            break
    direct = tag is not None and at == len(loc) - 2  # the error is about a key of the tagged mapping itself
    kind, ctx = err["type"], err.get("ctx") or {}
    msg = err["msg"]
    on_key = False
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed(model, tuple(loc[:-1]), tag)
        msg = style.unknown_param(tag, key, allowed) if direct and style.unknown_param else \
            style.unknown_key(key, allowed)
        on_key = True
    elif kind == "missing":
        field = str(loc[-1])
        if direct and style.missing_param:
            msg = style.missing_param(tag, field)
        else:
            owner = _model_at(model, tuple(loc[:-1]), tag)
            msg = (getattr(owner, "missing_messages", None) or {}).get(field, style.missing)
    elif kind in ("model_type", "model_attributes_type", "dict_type", "mapping_type"):
        msg = style.not_mapping
    elif kind in ("list_type", "tuple_type", "sequence_type"):
        msg = style.not_list
    elif kind == "union_tag_invalid":
        tags = sorted(style.tags())
        msg = f"'{ctx.get('tag')}' 不是可选值 {', '.join(tags)}" + hint(str(ctx.get("tag")), tags)
        if isinstance(_at(data, loc), dict):
            loc.append("kind")
    elif kind == "union_tag_not_found":
        msg = f"缺少必填键 kind；可用: {', '.join(sorted(style.tags()))}"
        loc.append("kind")
    elif kind == "literal_error":
        expected = [e.strip(" '") for e in str(ctx.get("expected", "")).replace(" or ", ", ").split(", ")]
        got = _at(data, loc)
        msg = f"'{got}' 不是可选值 {', '.join(expected)}" + hint(str(got), expected)
    if ctx.get("at"):
        loc.append(ctx["at"])
    return Problem(lines.of(tuple(loc), key=on_key), dotted(loc), msg)


def _at(data: Any, loc: list[str | int] | Loc) -> Any:
    for p in loc:
        try:
            data = data[p]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _has_key(data: Any, loc: list[str | int], key: str) -> bool:
    d = _at(data, loc)
    return isinstance(d, dict) and key in d


def dotted(loc: Loc | list[str | int]) -> str:
    """``('tree', 1, 'rule', 'kind')`` → ``tree[1].rule.kind``."""
    out = ""
    for p in loc:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


def _unwrap(t: Any) -> list[Any]:
    """The candidate types behind an annotation (Optional, Annotated, unions)."""
    origin = get_origin(t)
    if origin is Annotated:
        return _unwrap(get_args(t)[0])
    if origin in (typing.Union, types.UnionType):
        return [x for a in get_args(t) for x in _unwrap(a)]
    return [t]


def _model_at(model: type[BaseModel], loc: Loc, tag: str | None = None) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc``."""
    cands: list[Any] = [model]
    for p in loc:
        nxt: list[Any] = []
        for c in cands:
            for t in _unwrap(c):
                origin = get_origin(t)
                if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(p, str):
                    f = t.model_fields.get(p) or next((f for f in t.model_fields.values() if f.alias == p), None)
                    if f is not None:
                        nxt.append(f.annotation)
                elif origin in (list, tuple) and isinstance(p, int):
                    nxt.append(get_args(t)[0])
                elif origin in (dict, Mapping) or (origin is not None and origin.__name__ == "Mapping"):
                    nxt.append(get_args(t)[1])
        cands = nxt
    models = [t for c in cands for t in _unwrap(c) if isinstance(t, type) and issubclass(t, BaseModel)]
    if tag is not None:
        for m in models:
            f = m.model_fields.get("kind")
            if f is not None and get_origin(f.annotation) is Literal and tag in get_args(f.annotation):
                return m
    return models[0] if models else None


def _allowed(model: type[BaseModel], loc: Loc, tag: str | None) -> tuple[str, ...]:
    m = _model_at(model, loc, tag)
    if m is None:
        return ()
    return tuple(f.alias or name for name, f in m.model_fields.items() if name != "kind" or tag is None)

