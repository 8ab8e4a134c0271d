"""``jixiao template [--framework NAME] -o 填报模板.xlsx``: the fill-in workbook for clerks."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from jixiao.cli import Exit, app, echo_json, error_line
from jixiao.commands._options import options
from jixiao.settings import Settings


class Scope(str, Enum):
    department = "department"
    project = "project"


@app.command("template")
@options(("text", "json"), framework=True)
def template_command(
    output: Path = typer.Option(Path("填报模板.xlsx"), "-o", "--output", help="输出的 xlsx 文件"),
    scope: Scope | None = typer.Option(None, "--scope", help="评价类型 department | project（缺省取自框架）"),
    *, fmt: str, settings: Settings,
) -> None:
    """生成填报模板（基本信息 + 指标两张表，含下拉选项、数字格式和填写说明）；填好后可直接 score / check / report。"""
    from jixiao.render.template import write_template

    framework = settings.scoring_framework()
    try:
        data = write_template(output, framework=framework, scope=scope.value if scope else None)
    except ValueError as exc:  # an unknown framework (FrameworkError is a ValueError)
        error_line(str(framework), str(exc))
        raise typer.Exit(int(Exit.UNREADABLE)) from None
    except OSError as exc:
        error_line(str(output), f"无法写入 ({exc.strerror or exc})")
        raise typer.Exit(int(Exit.UNREADABLE)) from None
    info = {"output": str(output), "bytes": len(data), "framework": framework}
    if fmt == "json":
        echo_json(info)
    else:
        sys.stdout.write(f"已生成填报模板：{output}\n")
