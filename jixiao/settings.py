"""The settings of one run in one object: ``jixiao.toml``, then the environment, then the command line.

The file is the nearest ``jixiao.toml`` (top-level keys, or a ``[check]`` table) or ``pyproject.toml``
with a ``[tool.jixiao]`` table, from the current directory upward, as ruff finds its own. Keys:

=================  ======================  ====================  ===============================================
key                environment             flag                  meaning
=================  ======================  ====================  ===============================================
``framework``      ``JIXIAO_FRAMEWORK``    ``--framework``       scoring framework (id or YAML path), or an
                                                                 auditor profile such as ``adjusted-base``
``frameworks``     ``JIXIAO_FRAMEWORKS``   ``--frameworks``      folder of user frameworks
``fail-on``        ``JIXIAO_FAIL_ON``      ``--fail-on``         exit 1 at or above: error | warning | info | never
``select``         ``JIXIAO_SELECT``       ``--select``          audit codes or prefixes (``JX1``, ``ALL``)
``ignore``         ``JIXIAO_IGNORE``       ``--ignore``          codes to skip (added to the file's)
``extend-ignore``                                                more codes to skip
=================  ======================  ====================  ===============================================

A later source replaces an earlier one's value (``ignore`` adds to it). An unknown key, a value of the
wrong kind or a framework that cannot be found is a :class:`SettingsError` whose message is one line
naming where the setting came from. (The OCR settings are :class:`jixiao.ocr.OcrSettings`.)
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FAIL_ON = ("error", "warning", "info", "never")
#: key → environment variable
ENV = {"framework": "JIXIAO_FRAMEWORK", "frameworks": "JIXIAO_FRAMEWORKS", "fail-on": "JIXIAO_FAIL_ON",
       "select": "JIXIAO_SELECT", "ignore": "JIXIAO_IGNORE"}


class SettingsError(ValueError):
    """A setting that cannot be used: ``where`` (file, variable or flag) and a one-line ``reason``."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


def _codes(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        v = v.split(",")
    if not isinstance(v, list | tuple) or not all(isinstance(x, str) for x in v):
        raise ValueError("须为代码列表，如 [\"JX1\", \"JX204\"]")
    return [x.strip().upper() for x in v if x.strip()]


class _Source(BaseModel):
    """One source's settings, as written there (unknown keys refused)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    framework: str | None = None
    frameworks: str | None = None
    fail_on: Literal["error", "warning", "info", "never"] | None = Field(None, alias="fail-on")
    select: list[str] | None = None
    ignore: list[str] | None = None
    extend_ignore: list[str] | None = Field(None, alias="extend-ignore")

    @field_validator("select", "ignore", "extend_ignore", mode="before")
    @classmethod
    def _code_list(cls, v: Any) -> list[str] | None:
        return None if v is None else _codes(v)

    @field_validator("framework", "frameworks", mode="before")
    @classmethod
    def _text(cls, v: Any) -> str | None:
        if v is None or v == "":
            return None
        if isinstance(v, Path):
            return str(v)
        if not isinstance(v, str):
            raise ValueError("须为文字")
        return v


KEYS = tuple(sorted(f.alias or name for name, f in _Source.model_fields.items()))


class Settings(BaseModel):
    """What a verb runs with. ``origin`` says where each value came from (for error messages)."""

    model_config = ConfigDict(frozen=True)

    framework: str | None = None
    frameworks: str | None = None  # a folder to pass to the framework loader (None: its own, $JIXIAO_FRAMEWORKS)
    fail_on: str = "error"
    select: list[str] | None = None  # None: every check
    ignore: list[str] = []
    file: Path | None = None
    origin: dict[str, str] = {}

    def scoring_framework(self) -> str | None:
        """The framework to score under: ``framework``, unless it names an auditor profile only (then None:
        the framework is detected from the document)."""
        if self.framework is None:
            return None
        from jixiao.audit.context import PROFILES
        from jixiao.scoring import FrameworkError, load_framework

        if self.framework in PROFILES:
            try:
                load_framework(self.framework, self.frameworks)
            except FrameworkError:
                return None
        return self.framework

    def failing(self, severity: str) -> bool:
        """Whether a finding of ``severity`` makes the exit code 1."""
        if self.fail_on == "never":
            return False
        return FAIL_ON.index(severity if severity in FAIL_ON else "info") <= FAIL_ON.index(self.fail_on)


def find_file(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest settings file from ``start`` (default: the current directory) upward, and its table."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        j = d / "jixiao.toml"
        if j.is_file():
            return j, _read(j)
        pp = d / "pyproject.toml"
        if pp.is_file():
            table = _read(pp).get("tool", {}).get("jixiao")
            if isinstance(table, dict):
                return pp, table
    return None


def _read(p: Path) -> dict[str, Any]:
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(str(p), f"无法读取设置文件 ({exc})") from None


def _parse(where: str, values: Mapping[str, Any], names: Mapping[str, str] | None = None) -> _Source:
    try:
        return _Source.model_validate(dict(values))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]) if err["loc"] else ""
        shown = (names or {}).get(key, key)
        if err["type"] == "extra_forbidden":
            raise SettingsError(where, f"未知设置项 {shown!r}（可用：{', '.join(KEYS)}）") from None
        if err["type"] == "literal_error":
            raise SettingsError(where, f"{shown} 须为 {' | '.join(FAIL_ON)} 之一（现为 {err['input']!r}）") from None
        raise SettingsError(where, f"{shown}: {err['msg'].removeprefix('Value error, ')}") from None


def _from_file(start: Path | None) -> tuple[Path | None, _Source]:
    found = find_file(start)
    if found is None:
        return None, _Source()
    path, table = found
    merged = {k: v for k, v in table.items() if k != "check"}
    sub = table.get("check", {})
    if not isinstance(sub, dict):
        raise SettingsError(str(path), "[check] 须为一个表")
    merged.update(sub)
    return path, _parse(str(path), merged)


def _from_env(env: Mapping[str, str]) -> tuple[_Source, dict[str, str]]:
    values = {k: env[var] for k, var in ENV.items() if env.get(var, "").strip()}
    names = {"fail_on": ENV["fail-on"]} | {k: ENV[k] for k in ENV if k != "fail-on"}
    where = ", ".join(ENV[k] for k in values) or "environment"
    return _parse(where, values, names), {k.replace("-", "_"): ENV[k] for k in values}


def load(flags: Mapping[str, Any] | None = None, *, start: Path | None = None,
         env: Mapping[str, str] | None = None, check_framework: bool = True) -> Settings:
    """The settings: the file, then the environment, then the flags that were given (None: not given)."""
    env = os.environ if env is None else env
    path, file = _from_file(start)
    environ, env_origin = _from_env(env)
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    cli = _parse("command line", given)
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for source, where in ((file, lambda n: str(path)), (environ, env_origin.get),
                          (cli, lambda n: "--" + n.replace("_", "-"))):
        for name in ("framework", "frameworks", "fail_on", "select"):
            v = getattr(source, name)
            if v is not None:
                values[name] = v
                origin[name] = where(name)
    ignore = (file.ignore or []) + (file.extend_ignore or []) + (environ.ignore or []) + (cli.ignore or [])
    if "frameworks" in origin and origin["frameworks"] == ENV["frameworks"]:
        values["frameworks"] = None  # the loader reads $JIXIAO_FRAMEWORKS itself (several folders)
    settings = Settings(**values, ignore=ignore, file=path, origin=origin)
    if check_framework and settings.framework:
        problem = unknown_framework(settings.framework, settings.frameworks)
        if problem:
            raise SettingsError(origin["framework"], f"framework {problem}")
    return settings


def unknown_framework(name: str, frameworks: str | None = None) -> str | None:
    """Why ``name`` is neither a scoring framework nor an auditor profile (None when it is one of them)."""
    from jixiao.audit.context import PROFILES
    from jixiao.scoring import FrameworkError, load_framework

    if name in PROFILES:
        return None
    try:
        load_framework(name, frameworks)
    except (FrameworkError, OSError) as exc:
        lines = getattr(exc, "problems", None) or str(exc).splitlines() or [f"找不到评分框架 {name}"]
        return str(lines[0])
    return None
