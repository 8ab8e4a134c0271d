"""The one ``jixiao`` command group.

Each verb lives in its own module under :mod:`jixiao.commands` and registers
itself on :data:`app`; this module only holds the group and the conventions
every verb shares: ``--format/-f`` (json on every verb; a verb that reads FILE...
prints one JSON array, one object per FILE, for one file as for many), one-line
``FILE: reason`` errors on stderr, and exit codes 0 (clean) / 1 (findings) /
2 (unreadable input). The shared options are added by
:func:`jixiao.commands._options.options`; settings come from :mod:`jixiao.settings`.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
from enum import IntEnum
from typing import Any

import typer

from jixiao.model import json_default

app = typer.Typer(
    name="jixiao",
    help="绩效 jixiao：预算绩效自评的读取、提取、评分、审核与报表工具 (budget performance self-evaluation toolkit).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


#: Verbs that read their files one after another in this process: OCR may use every core for each page.
#: ``batch`` runs one process per core and ``serve`` shares the machine with its requests: one thread each.
SEQUENTIAL_VERBS = frozenset({"extract", "check", "score", "report"})


@app.callback()
def _group(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand in SEQUENTIAL_VERBS:
        os.environ.setdefault("JIXIAO_OCR_THREADS", str(os.cpu_count() or 1))


class Exit(IntEnum):
    OK = 0
    FINDINGS = 1
    UNREADABLE = 2


def dumps(data: Any) -> str:
    """JSON for the terminal: UTF-8 Chinese kept readable, Decimals as numbers."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=json_default)


def echo_json(data: Any) -> None:
    sys.stdout.write(dumps(data) + "\n")


def error_line(path: str, reason: str) -> None:
    """The one-line error every verb prints for an unreadable input: ``FILE: reason`` (flattened to one line)."""
    from jixiao.ingest.base import one_line

    sys.stderr.write(f"{path}: {one_line(reason)}\n")


def _load_commands() -> None:
    import jixiao.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"jixiao.commands.{info.name}")


def main() -> None:
    _load_commands()
    app()


_load_commands()
if __name__ == "__main__":  # python -m jixiao.cli: run the registered group, not a second copy
    from jixiao.cli import main as _main

    _main()
