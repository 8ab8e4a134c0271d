"""``jixiao check FILE...``: audit reports (or evaluation files) like a reviewer, compiler-style.

Exit status: 0 clean, 1 findings at or above ``--fail-on`` (default ``error``), 2 an input could
not be read (one ``FILE: reason`` line on stderr; the other files are still checked). Settings
(``--framework``, ``--fail-on``, ``--select``, ``--ignore``) come from :mod:`jixiao.settings`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from jixiao.cli import Exit, app, dumps, error_line
from jixiao.commands._options import options
from jixiao.settings import Settings


def _process(path: Path, framework: str | None, select, ignore):
    """One file → FileReport (the error recorded when it cannot be read)."""
    from jixiao.audit import check
    from jixiao.audit.render import FileReport
    from jixiao.commands._read import load_or_reason

    loaded, reason = load_or_reason(path)
    if loaded is None:
        return FileReport(str(path), error=reason)
    ev, doc = loaded
    findings = check(ev, doc, framework=framework, select=select, ignore=ignore)
    return FileReport(str(path), findings=findings, doc=doc)


FilesArg = Annotated[list[Path], typer.Argument(metavar="FILE...", help="报告或评价文件（YAML/JSON）")]
OutputOpt = Annotated[Path | None, typer.Option("-o", "--output", help="write the report here, not to stdout")]


@app.command("check")
@options(("text", "json", "html"), framework=True, fail_on=True, select=True)
def check_command(files: FilesArg, output: OutputOpt = None, *, fmt: str, settings: Settings) -> None:
    """审核自评报告：重算每个合计、比率和得分，检查逻辑与表述，像编译器一样逐条指出位置。"""
    from jixiao.audit.render import render_html, render_text, report_json

    reports = []
    unreadable = False
    for p in files:
        r = _process(p, settings.framework, settings.select, settings.ignore)
        if r.error:
            unreadable = True
            error_line(r.file, r.error)
        reports.append(r)

    if fmt == "json":
        out = dumps([report_json(r) for r in reports]) + "\n"
    elif fmt == "html":
        out = render_html(reports)
    else:
        out = render_text(reports)
    if output is not None:
        output.write_text(out, encoding="utf-8")
    elif out:
        sys.stdout.write(out)

    if unreadable:
        raise typer.Exit(int(Exit.UNREADABLE))
    if any(settings.failing(f.severity) for r in reports for f in r.findings):
        raise typer.Exit(int(Exit.FINDINGS))
    raise typer.Exit(int(Exit.OK))
