"""The options every verb spells the same way, added by one decorator (as sqlite-utils' ``output_options``).

``@options(formats=("text", "json"))`` gives a verb ``--format/-f`` with those choices (the first is the
default), ``--forms DIR`` (folders of report forms, :mod:`jixiao.forms`; repeatable) and, when asked for,
``--framework``, ``--frameworks``, ``--fail-on`` and the audit's ``--select``/``--ignore``. The verb receives ``fmt`` and, when it asked for any setting, ``settings``:
one :class:`jixiao.settings.Settings` from ``jixiao.toml``, the environment and these flags, in that
order. A settings problem is one ``WHERE: reason`` line on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from jixiao.cli import Exit, error_line
from jixiao.settings import FAIL_ON, SettingsError
from jixiao.settings import load as load_settings

FailOn = StrEnum("FailOn", {v: v for v in FAIL_ON})

_FLAGS: dict[str, tuple[Any, Any]] = {
    "framework": (str | None, typer.Option("--framework", help="评分框架名称或 YAML 路径（缺省按文档自动选择）")),
    "frameworks": (Path | None, typer.Option("--frameworks", help="用户评分框架所在目录（也可用环境变量 JIXIAO_FRAMEWORKS）")),
    "fail_on": (FailOn | None, typer.Option("--fail-on", help="有此级别及以上问题时退出码为 1")),
    "select": (str | None, typer.Option("--select", help="只运行这些审核代码或前缀，逗号分隔（JX1,JX204）")),
    "ignore": (str | None, typer.Option("--ignore", help="跳过这些审核代码或前缀，逗号分隔")),
}


def options(formats: Sequence[str], *, framework: bool = False, frameworks: bool = False, fail_on: bool = False,
            select: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the shared options to a verb (see the module's docstring)."""
    flags = [n for n, on in (("framework", framework), ("frameworks", frameworks), ("fail_on", fail_on),
                             ("select", select), ("ignore", select)) if on]

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(fn, eval_str=True)
        own = [p for p in sig.parameters.values() if p.name not in ("fmt", "settings", "forms")]
        kw = inspect.Parameter.KEYWORD_ONLY
        fmt_enum = StrEnum(f"{fn.__name__}_format", {v: v for v in formats})
        added = [inspect.Parameter("fmt", kw, default=fmt_enum(formats[0]), annotation=Annotated[fmt_enum, typer.Option(
            "--format", "-f", help="输出格式")])]
        added.append(inspect.Parameter("forms", kw, default=None, annotation=Annotated[list[Path] | None, typer.Option(
            "--forms", help="报表形式（form）所在目录，可重复（也可用环境变量 JIXIAO_FORMS）")]))
        added += [inspect.Parameter(n, kw, default=None, annotation=Annotated[_FLAGS[n][0], _FLAGS[n][1]])
                  for n in flags]
        wants_settings = "settings" in sig.parameters

        @functools.wraps(fn)
        def verb(*args: Any, **kwargs: Any) -> Any:
            kwargs["fmt"] = str(kwargs["fmt"])
            _use_forms(kwargs.pop("forms", None))
            given = {n: kwargs.pop(n) for n in flags}
            if given.get("fail_on") is not None:
                given["fail_on"] = str(given["fail_on"])
            if wants_settings:
                try:
                    kwargs["settings"] = load_settings(given, check_framework=framework)
                except SettingsError as exc:
                    error_line(exc.where, exc.reason)
                    raise typer.Exit(Exit.UNREADABLE) from None
            return fn(*args, **kwargs)

        params = own + added
        verb.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        verb.__annotations__ = {p.name: p.annotation for p in params}
        return verb

    return decorate


def _use_forms(folders: list[Path] | None) -> None:
    """Load the ``--forms`` folders first; they also go into ``$JIXIAO_FORMS`` so worker processes see them."""
    if not folders:
        return
    import os

    from jixiao import forms

    for f in folders:
        if not f.is_dir():
            error_line(str(f), "--forms 须为目录")
            raise typer.Exit(Exit.UNREADABLE)
    known = [p for p in os.environ.get(forms.ENV_VAR, "").split(os.pathsep) if p]
    os.environ[forms.ENV_VAR] = os.pathsep.join([str(f.resolve()) for f in folders] + known)
    forms.reset()
