"""``jixiao check`` settings from ``jixiao.toml`` or ``[tool.jixiao]`` in ``pyproject.toml``, as ruff does.

The first directory, from the current one upward, holding a ``jixiao.toml`` (top-level keys) or a
``pyproject.toml`` with a ``[tool.jixiao]`` table wins. Keys (a ``[check]`` sub-table is also read)::

    select = ["JX1", "JX2"]      # code prefixes; "ALL" for everything
    ignore = ["JX304"]
    extend-ignore = ["JX307"]
    fail-on = "warning"          # error | warning | info
    framework = "shenzhen"

Command-line options override the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.model import SEVERITIES


class ConfigError(ValueError):
    """An unreadable or invalid configuration file (message: ``FILE: reason``)."""


@dataclass
class CheckConfig:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str = "error"
    framework: str | None = None
    path: Path | None = None


def find_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest config file from ``start`` (default: cwd) upward and its jixiao table."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        j = d / "jixiao.toml"
        if j.is_file():
            return j, _read(j)
        pp = d / "pyproject.toml"
        if pp.is_file():
            data = _read(pp)
            table = data.get("tool", {}).get("jixiao")
            if isinstance(table, dict):
                return pp, table
    return None


def _read(p: Path) -> dict[str, Any]:
    try:
        with p.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: {exc}") from exc


def _codes(v: Any, where: Path, key: str) -> list[str]:
    if v is None:
        return []
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ConfigError(f"{where}: {key} must be a list of codes")
    return [x.strip().upper() for x in v if x.strip()]


def load_config(start: Path | None = None) -> CheckConfig:
    """Settings from the nearest config file (defaults when none)."""
    found = find_config(start)
    if found is None:
        return CheckConfig()
    path, table = found
    merged = dict(table)
    sub = table.get("check")
    if isinstance(sub, dict):
        merged.update(sub)
    cfg = CheckConfig(path=path)
    cfg.select = _codes(merged.get("select"), path, "select")
    cfg.ignore = _codes(merged.get("ignore"), path, "ignore") + _codes(merged.get("extend-ignore"), path,
                                                                         "extend-ignore")
    fail_on = merged.get("fail-on", merged.get("fail_on", "error"))
    if fail_on not in SEVERITIES:
        raise ConfigError(f"{path}: fail-on must be one of {', '.join(SEVERITIES)}")
    cfg.fail_on = fail_on
    fw = merged.get("framework")
    cfg.framework = str(fw) if fw else None
    return cfg
