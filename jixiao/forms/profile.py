"""What a report form is, read from its folder: ``form.yaml`` plus the files it names.

A form folder holds everything that is particular to one printed form (a ministry's 项目支出绩效自评表, a
province's 部门整体 table): how to tell it (detection), the words its tables use (a lexicon overlay for the
extractor), how to score it (``framework.yaml``), how to print it (``layout.yaml``) and the audit's settings
for it (ratio base, grades). Built-in forms live in ``jixiao/forms/builtin/<id>/`` and load by the same path
as a folder of one's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from jixiao.yamlschema import Strict, YamlSyntaxError, compose, validate


class FormError(ValueError):
    """A form folder that cannot be used; ``str()`` names the file and line of each problem."""


class DetectIn(Strict):
    title: str | None = None
    words: list[str] = Field(default_factory=list)
    level1: list[str] = Field(default_factory=list)
    rows: list[str] = Field(default_factory=list)
    default_for: Literal["project", "department"] | None = None
    priority: int = 0


class AuditIn(Strict):
    ratio_base: Literal["年初", "调整后"] = "年初"
    grades: dict[str, Decimal] | None = None
    over_completion: Decimal | None = None


class FormIn(Strict):
    id: str
    title: str
    scope: Literal["project", "department"]
    description: str | None = None
    detect: DetectIn = Field(default_factory=DetectIn)
    framework: str | None = None
    layout: str | None = None
    lexicon: dict[str, Any] = Field(default_factory=dict)
    audit: AuditIn = Field(default_factory=AuditIn)


@dataclass(frozen=True)
class Detect:
    """How a form is told: words of its title (a pattern), words its text must hold, level-1 names of its
    indicator table, rows it prints (``预算执行率:10``: a row of that name worth that many points);
    ``default_for`` makes it the form of a scope when nothing better fits."""

    title: re.Pattern[str] | None = None
    words: tuple[str, ...] = ()
    level1: frozenset[str] = frozenset()
    rows: frozenset[str] = frozenset()
    default_for: str | None = None
    priority: int = 0


@dataclass(frozen=True)
class FormProfile:
    """One form. ``framework`` and ``layout`` are paths (or another form's id for ``layout``)."""

    id: str
    title: str
    scope: str
    folder: Path
    detect: Detect
    framework: Path | None = None
    layout: Path | str | None = None
    lexicon: dict[str, Any] = field(default_factory=dict)
    ratio_base: str = "年初"
    grades: tuple[tuple[Decimal, str], ...] | None = None
    over_completion: Decimal | None = None
    description: str | None = None
    builtin: bool = False


def load_form(folder: Path, builtin: bool = False) -> FormProfile:
    """The form described by ``folder/form.yaml``; :class:`FormError` with ``file:line`` for each problem."""
    path = folder / "form.yaml"
    where = path.name if builtin else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormError(f"{where}:1: 无法读取 ({exc})") from None
    try:
        data, lines = compose(text)
    except YamlSyntaxError as exc:
        raise FormError(f"{where}:{exc.line or 1}: YAML 格式错误：{exc.problem}") from None
    spec, problems = validate(FormIn, data, lines)
    if problems:
        raise FormError("；".join(f"{where}:{p.line}: {p.key}: {p.message}" for p in problems))
    files: dict[str, Path | None] = {}
    for key in ("framework", "layout"):
        name = getattr(spec, key)
        if name and name.endswith((".yaml", ".yml")):
            p = folder / name
            if not p.is_file():
                raise FormError(f"{where}:{lines.of((key,))}: {key}: 找不到文件 {name}")
            files[key] = p
    try:
        title_re = re.compile(spec.detect.title) if spec.detect.title else None
    except re.error as exc:
        raise FormError(f"{where}:{lines.of(('detect', 'title'))}: detect.title: 不是正确的正则表达式（{exc}）") from None
    grades = None
    if spec.audit.grades:
        grades = tuple(sorted(((v, k) for k, v in spec.audit.grades.items()), reverse=True))
    return FormProfile(
        id=spec.id, title=spec.title, scope=spec.scope, folder=folder, description=spec.description,
        detect=Detect(title=title_re, words=tuple(spec.detect.words), level1=frozenset(spec.detect.level1),
                      rows=frozenset("".join(r.split()) for r in spec.detect.rows),
                      default_for=spec.detect.default_for, priority=spec.detect.priority),
        framework=files.get("framework"),
        layout=files.get("layout") or spec.layout,
        lexicon=spec.lexicon, ratio_base=spec.audit.ratio_base, grades=grades,
        over_completion=spec.audit.over_completion, builtin=builtin,
    )
