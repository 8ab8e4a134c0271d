"""``jixiao report FILE... --to xlsx|docx|html|pdf -o OUT``: the standard form (and 自评报告 draft).

With several FILEs, ``-o`` names a directory (one output per file). ``--datapackage DIR`` also
writes a Fiscal Data Package (datapackage.json + CSV) of all the FILEs. Each file is scored once; the
same result feeds the auditor's open-issues list and the form. ``--format json`` prints one array,
one object per FILE (``{"file", "output", "bytes", "to"}`` or ``{"file", "error"}``).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from jixiao.cli import Exit, app, echo_json, error_line
from jixiao.commands._options import options
from jixiao.settings import Settings


class To(str, Enum):
    xlsx = "xlsx"
    docx = "docx"
    html = "html"
    pdf = "pdf"


class Part(str, Enum):
    all = "all"
    form = "form"
    draft = "draft"


@app.command("report")
@options(("text", "json"), framework=True)
def report_command(
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="评价文件（YAML/JSON）、填报模板或任意报告"),
    to: To = typer.Option(To.xlsx, "--to", "-t", help="输出格式 xlsx | docx | html | pdf"),
    output: Path | None = typer.Option(None, "-o", "--output",
                                       help="输出文件（多个 FILE 时为目录）；缺省为 FILE 同名加后缀"),
    layout: str | None = typer.Option(None, "--layout", help="表式版式名称或 YAML 路径（缺省按框架/评价类型）"),
    part: Part = typer.Option(Part.all, "--part", help="all：表 + 报告草稿（docx/html/pdf）；form：仅表；draft：仅草稿"),
    datapackage: Path | None = typer.Option(None, "--datapackage", help="同时把所有 FILE 导出为数据包到此目录"),
    *, fmt: str, settings: Settings,
) -> None:
    """生成标准自评表（项目支出/部门整体）及自评报告草稿：xlsx、docx、html 或 pdf。"""
    from jixiao.commands._read import any_unreadable, loaded_files
    from jixiao.render import render
    from jixiao.render.grid import LayoutError
    from jixiao.render.pdf import PdfError

    draft = {Part.all: None, Part.form: False, Part.draft: True}[part]
    many = len(files) > 1
    if many and output is not None:
        output.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    evaluations = []
    for path, ev, doc in loaded_files(files, results):
        evaluations.append(ev)
        result = _score(ev, settings)
        findings = _findings(ev, doc, settings.framework, result)
        if output is None:
            out = path.with_suffix(f".{to.value}")
            if out == path:
                out = path.with_name(f"{path.stem}.form.{to.value}")
        elif many:
            out = output / f"{path.stem}.{to.value}"
        else:
            out = output
        try:
            data = render(ev, to.value, out, layout=layout, framework=None if result else settings.framework,
                          score_result=result, findings=findings, draft=draft)
        except (LayoutError, PdfError, ValueError) as exc:  # unknown layout/framework, no PDF engine
            error_line(str(path), str(exc))
            raise typer.Exit(int(Exit.UNREADABLE)) from None
        except ImportError as exc:  # the HTML form needs Jinja2 ([web] extra)
            error_line(str(path), f"缺少组件 {exc.name}，请安装 pip install 'jixiao[web]'")
            raise typer.Exit(int(Exit.UNREADABLE)) from None
        results.append({"file": str(path), "output": str(out), "bytes": len(data), "to": to.value})
    if datapackage is not None and evaluations:
        from jixiao.render.export import write_datapackage

        pkg = write_datapackage(evaluations, datapackage)
        if fmt == "text":
            sys.stdout.write(f"数据包：{pkg}\n")
    if fmt == "json":
        echo_json(results)
    else:
        for r in results:
            if "output" in r:
                sys.stdout.write(f"{r['file']} → {r['output']}（{r['to']}，{r['bytes']} 字节）\n")
    raise typer.Exit(int(Exit.UNREADABLE if any_unreadable(results) else Exit.OK))


def _score(ev, settings: Settings):
    """The one score of a file (None when it cannot be scored; the renderer then says why)."""
    from jixiao.scoring import FrameworkError, score_evaluation

    try:
        return score_evaluation(ev, settings.scoring_framework(), settings.frameworks)
    except FrameworkError:
        return None


def _findings(ev, doc, framework, result):
    """The auditor's findings for the draft's open-issues list, on the score already computed."""
    from jixiao.audit import check

    try:
        return check(ev, doc, framework=framework, score_result=result)
    except Exception as exc:  # the form is still worth producing; say why the list is empty
        sys.stderr.write(f"警告：审核失败，草稿不含审核发现（{type(exc).__name__}: {exc}）\n")
        return []
