"""``jixiao batch``: many reports at once, resumable, locally or on Dask; ``--summary`` by type and region."""

from __future__ import annotations

import functools
import sqlite3
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgressBar
from rich.table import Table
from rich.text import Text

from jixiao import batch as engine
from jixiao.cli import Exit, app, echo_json, error_line
from jixiao.commands._options import options
from jixiao.settings import Settings


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.1f} 份/秒" if speed else "– 份/秒", style="progress.data.speed")


class RichProgress:
    """The engine's progress hook as a rich bar on stderr: files, files/s, errors, ETA."""

    def __init__(self, console: Console):
        self.console = console
        self.errors = 0
        self.bar = RichProgressBar(
            TextColumn("[bold]批量处理"), BarColumn(), MofNCompleteColumn(), _Rate(),
            TextColumn("错误 {task.fields[errors]}"), TextColumn("剩余"), TimeRemainingColumn(),
            console=console, transient=False, disable=not console.is_terminal,
        )
        self.task: Any = None

    def start(self, total: int | None) -> None:
        self.bar.start()
        self.task = self.bar.add_task("batch", total=total, errors=0)

    def advance(self, rec: dict[str, Any] | None) -> None:
        if rec is not None and rec.get("error"):
            self.errors += 1
        self.bar.update(self.task, advance=1, errors=self.errors)

    def stop(self) -> None:
        self.bar.stop()


def _short(reason: str | None) -> str:
    """The Chinese part of a one-line reason (the English gloss in brackets dropped)."""
    if not reason:
        return ""
    return reason.split(" (")[0].split("（")[0] if len(reason) > 24 else reason


def _ranking_table(rows: list[dict[str, Any]]) -> Table:
    t = Table(title=f"抽查复核风险排序（前 {len(rows)}）")
    t.add_column("序号", justify="right", no_wrap=True)
    t.add_column("风险分", justify="right", no_wrap=True)
    t.add_column("文件", overflow="fold", ratio=3)
    t.add_column("单位", overflow="fold", ratio=2)
    t.add_column("错误/警告", justify="right", no_wrap=True)
    t.add_column("自评/复算分", justify="right", no_wrap=True)
    t.add_column("执行率", justify="right", no_wrap=True)
    t.add_column("说明", overflow="fold", ratio=2)
    for i, r in enumerate(rows, 1):
        rate = r.get("execution_rate_recomputed") or r.get("execution_rate")
        scores = f"{r.get('self_score') or '–'}/{r.get('score_total') or '–'}"
        t.add_row(str(i), r["risk"] or "", r["path"], r.get("department") or "",
                  f"{r.get('n_errors') or 0}/{r.get('n_warnings') or 0}", scores, f"{rate}%" if rate else "",
                  _short(r.get("error")))
    return t


def _summary_table(rows: list[dict[str, Any]]) -> Table:
    t = Table(title="按单位类型与地区汇总")
    t.add_column("单位类型", no_wrap=True)
    t.add_column("地区", overflow="fold")
    for col in ("报告数", "平均得分", "有错误", "无法读取"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("部分评分（未能计算总分的报告合计）", overflow="fold")
    t.add_column("常见问题代码", overflow="fold")
    for r in rows:
        codes = " ".join(f"{c}×{n}" for c, n in r["top_codes"])
        p = r.get("partial")
        partial = f"{p['reports']} 份：{p['text']}" if p else "–"
        t.add_row(r["type"], r["region"], str(r["reports"]), r["mean_score"] or "–", str(r["with_errors"]),
                  str(r["unreadable"]), partial, codes)
    return t


@app.command("batch")
@options(("table", "json"), framework=True, fail_on=True)
def batch_command(
    paths: list[str] = typer.Argument(None, help="文件、文件夹或通配符（如 'reports/**/*.pdf'）"),
    out: Path = typer.Option(Path("results.db"), "--out", "-o",
                             help="结果输出：SQLite（.db）或 Parquet 数据集目录（.parquet）"),
    jobs: int = typer.Option(0, "--jobs", "-j", help="并行工作进程数（0 = CPU 核数）"),
    engine_name: Engine = typer.Option(Engine.local, "--engine", help="local：本机多进程；dask：Dask 集群"),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask 调度器地址 tcp://host:8786（不填则启动本地集群）"),
    send_bytes: bool = typer.Option(False, "--send-bytes",
                                    help="Dask：由本机读取文件并把内容发送给工作节点（节点无法按路径访问文件时）"),
    summary: Path = typer.Option(None, "--summary", help="不处理文件，只按单位类型与地区汇总已有结果"),
    region_depth: int = typer.Option(3, "--region-depth", help="汇总时地区取几级（1 省、2 省市、3 省市县）"),
    top: int = typer.Option(20, "--top", help="打印风险最高的前 N 份报告"),
    timeout: float = typer.Option(300.0, "--timeout", help="单个文件的处理时限（秒），超时记为错误"),
    no_progress: bool = typer.Option(False, "--no-progress", help="不显示进度条"),
    *, fmt: str, settings: Settings,
) -> None:
    """批量处理大量自评报告：并行读取、提取、评分、审核，结果写入 SQLite 或 Parquet，可断点续跑，并给出抽查风险排序。

    退出码：2 = 有文件无法读取（已记录为错误，其余文件照常处理）；1 = 有报告存在 --fail-on 级别的问题；0 = 其他。
    """
    console = Console(stderr=True)
    if summary is not None:
        try:
            rows = engine.summarize(summary, depth=region_depth)
        except (FileNotFoundError, OSError) as exc:
            error_line(str(summary), f"无法打开结果文件 ({exc})")
            raise typer.Exit(Exit.UNREADABLE) from None
        except Exception as exc:  # not a results database
            error_line(str(summary), f"不是 jixiao batch 的结果文件 ({type(exc).__name__}: {exc})")
            raise typer.Exit(Exit.UNREADABLE) from None
        if fmt == "json":
            echo_json({"summary": [dict(r, top_codes=[{"code": c, "count": n} for c, n in r["top_codes"]])
                                   for r in rows]})
        else:
            Console().print(_summary_table(rows))
        raise typer.Exit(Exit.OK)
    if not paths:
        error_line("jixiao batch", "请给出要处理的文件或文件夹（或用 --summary 汇总已有结果）")
        raise typer.Exit(Exit.UNREADABLE)
    if out.suffix.lower() not in (".db", ".sqlite", ".sqlite3", ".parquet"):
        error_line(str(out), "输出须为 .db（SQLite）或 .parquet")
        raise typer.Exit(Exit.UNREADABLE)

    from sqlalchemy.exc import SQLAlchemyError

    progress = None if no_progress else RichProgress(console)
    framework = settings.scoring_framework()
    fn = functools.partial(engine.process_file, framework=framework) if framework else engine.process_file
    try:
        stats = engine.run_batch(
            paths, out, jobs=jobs or None, engine=engine_name.value, scheduler=scheduler, progress=progress, fn=fn,
            on_error=error_line, timeout=timeout or None, fail_on=settings.fail_on, send_bytes=send_bytes,
        )
    except (OSError, ValueError, sqlite3.Error, SQLAlchemyError) as exc:
        error_line(str(out), f"无法写入结果 ({type(exc).__name__}: {exc})")
        raise typer.Exit(Exit.UNREADABLE) from None
    ranking = engine.top_risks(out, top) if top > 0 else []
    if fmt == "json":
        echo_json(dict(stats.to_json(), ranking=ranking))
    else:
        c = Console()
        c.print(f"已处理 {stats.processed} 份，跳过已有 {stats.skipped} 份，重复内容 {stats.duplicates} 份，"
                f"无法读取 {stats.unreadable + len(stats.missing)} 份；用时 {stats.seconds:.1f} 秒，"
                f"{stats.files_per_second:.1f} 份/秒。结果：{out}")
        if ranking:
            c.print(_ranking_table(ranking))
    if stats.interrupted:
        sys.stderr.write(f"已中断：已完成的结果已保存在 {out}，重新运行同一命令即可继续。\n")
        raise typer.Exit(130)
    raise typer.Exit(stats.exit_code)
