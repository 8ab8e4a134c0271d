"""``jixiao check FILE...``: audit reports (or evaluation files) like a reviewer, compiler-style.

Exit status: 0 clean, 1 findings at or above ``--fail-on`` (default ``error``), 2 an input could
not be read (one ``FILE: reason`` line on stderr; the other files are still checked).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from jixiao.cli import Exit, app, dumps, error_line


class Format(StrEnum):
    text = "text"
    json = "json"
    html = "html"


class Level(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"


_RANK = {"error": 0, "warning": 1, "info": 2}


def _codes(s: str | None) -> list[str] | None:
    if s is None:
        return None
    return [c.strip().upper() for c in s.split(",") if c.strip()]


def _process(path: Path, framework: str | None, select, ignore):
    """One file → FileReport (the error recorded when it cannot be read)."""
    from jixiao.audit import check
    from jixiao.audit.render import FileReport
    from jixiao.ingest import IngestError
    from jixiao.pipeline import load_limited

    name = str(path)
    try:
        ev, doc = load_limited(path)
    except IngestError as exc:
        return FileReport(name, error=exc.reason)
    except (ValueError, OSError) as exc:
        return FileReport(name, error=str(exc).removeprefix(f"{name}: "))
    findings = check(ev, doc, framework=framework, select=select, ignore=ignore)
    return FileReport(name, findings=findings, doc=doc)


FilesArg = Annotated[list[Path], typer.Argument(metavar="FILE...", help="报告或评价文件（YAML/JSON）")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="text | json | html")]
FailOnOpt = Annotated[Level | None, typer.Option("--fail-on", help="exit 1 at or above this severity")]
SelectOpt = Annotated[str | None, typer.Option("--select", help="codes or prefixes, comma-separated (JX1,JX204)")]
IgnoreOpt = Annotated[str | None, typer.Option("--ignore", help="codes or prefixes to skip, comma-separated")]
FrameworkOpt = Annotated[str | None, typer.Option("--framework", help="scoring framework name")]
OutputOpt = Annotated[Path | None, typer.Option("-o", "--output", help="write the report here, not to stdout")]


def _unknown_framework(name: str | None) -> str | None:
    """The reason a framework name cannot be used, or None (auditor profiles are always known)."""
    from jixiao.audit.context import PROFILES

    if not name or name in PROFILES:
        return None
    from jixiao.scoring import FrameworkError, load_framework

    try:
        load_framework(name)
    except (FrameworkError, OSError) as exc:
        return str(exc).splitlines()[0] if str(exc) else f"unknown framework {name}"
    return None


@app.command("check")
def check_command(files: FilesArg, format: FormatOpt = Format.text, fail_on: FailOnOpt = None,
                  select: SelectOpt = None, ignore: IgnoreOpt = None, framework: FrameworkOpt = None,
                  output: OutputOpt = None) -> None:
    """审核自评报告：重算每个合计、比率和得分，检查逻辑与表述，像编译器一样逐条指出位置。"""
    from jixiao.audit.config import ConfigError, load_config
    from jixiao.audit.render import render_html, render_json, render_text

    try:
        cfg = load_config()
    except ConfigError as exc:
        sys.stderr.write(f"{exc}\n")
        raise typer.Exit(int(Exit.UNREADABLE)) from None
    sel = _codes(select) if select is not None else (cfg.select or None)
    ign = (cfg.ignore or []) + (_codes(ignore) or [])
    threshold = (fail_on.value if fail_on is not None else cfg.fail_on)
    fw = framework or cfg.framework
    bad = _unknown_framework(fw)
    if bad:
        error_line("--framework", bad)
        raise typer.Exit(int(Exit.UNREADABLE))

    reports = []
    unreadable = False
    for p in files:
        r = _process(p, fw, sel, ign)
        if r.error:
            unreadable = True
            error_line(r.file, r.error)
        reports.append(r)

    if format is Format.json:
        out = dumps(render_json(reports)) + "\n"
    elif format is Format.html:
        out = render_html(reports)
    else:
        out = render_text(reports)
    if output is not None:
        output.write_text(out, encoding="utf-8")
    elif out:
        sys.stdout.write(out)

    if unreadable:
        raise typer.Exit(int(Exit.UNREADABLE))
    limit = _RANK[threshold]
    if any(_RANK.get(f.severity, 9) <= limit for r in reports for f in r.findings):
        raise typer.Exit(int(Exit.FINDINGS))
    raise typer.Exit(int(Exit.OK))
