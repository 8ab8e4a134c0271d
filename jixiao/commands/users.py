"""``jixiao users``: manage workbench accounts (the first admin is created here)."""

from __future__ import annotations

import getpass
import sys
from enum import StrEnum

import typer

from jixiao.cli import Exit, app, echo_json
from jixiao.commands._options import error_line, options

users_app = typer.Typer(help="管理工作台用户 (manage workbench users)", no_args_is_help=True)
app.add_typer(users_app, name="users")


class Role(StrEnum):
    admin = "admin"
    reviewer = "reviewer"
    filler = "filler"


def _store(db: str):
    from jixiao.store import Store, StoreUnavailable, redact

    try:
        return Store(db).open()
    except StoreUnavailable as exc:
        error_line(redact(db), str(exc))
        raise typer.Exit(Exit.UNREADABLE) from None


def _new_password(name: str, from_stdin: bool) -> str:
    """A new password for ``name``, checked by the one policy the web and the API use too."""
    from jixiao.store.passwords import check_password

    password = _read_password(from_stdin)
    try:
        check_password(password, name)
    except ValueError as exc:
        error_line(name, str(exc))
        raise typer.Exit(Exit.UNREADABLE) from None
    return password


def _user_json(u) -> dict:
    return {"id": u.id, "name": u.name, "role": u.role, "department": u.department, "region": u.region}


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码: ")
    if first != getpass.getpass("再次输入密码: "):
        sys.stderr.write("两次输入的密码不一致\n")
        raise typer.Exit(Exit.UNREADABLE)
    return first


@users_app.command("add")
@options(("text", "json"))
def add(
    name: str = typer.Argument(..., help="用户名"),
    role: Role = typer.Option(..., "--role", help="admin 管理员 | reviewer 审核人 | filler 填报人"),
    department: str = typer.Option(None, "--department", help="部门（填报人必填）"),
    region: str = typer.Option(None, "--region", help="地区（审核人按地区查看报告）"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读取密码（一行）"),
    db: str = typer.Option("sqlite:///jixiao.db", "--db", help="数据库 URL"),
    *, fmt: str,
) -> None:
    """添加用户 (add a user)."""
    password = _new_password(name, password_stdin)
    try:
        user = _store(db).add_user(name, password, role.value, department=department, region=region)
    except ValueError as exc:
        error_line(name, str(exc))
        raise typer.Exit(Exit.UNREADABLE) from None
    from jixiao.store import ROLE_LABELS

    out = _user_json(user)
    if fmt == "json":
        echo_json(out)
    else:
        typer.echo(f"已添加用户 {user.name}（{ROLE_LABELS[user.role]}）")


@users_app.command("list")
@options(("text", "json"))
def list_users(
    db: str = typer.Option("sqlite:///jixiao.db", "--db", help="数据库 URL"),
    *, fmt: str,
) -> None:
    """列出用户 (list users)."""
    from jixiao.store import ROLE_LABELS

    rows = [_user_json(u) for u in _store(db).users()]
    if fmt == "json":
        echo_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']}\t{r['name']}\t{ROLE_LABELS[r['role']]}\t{r['department'] or ''}\t{r['region'] or ''}")


@users_app.command("passwd")
@options(("text", "json"))
def passwd(
    name: str = typer.Argument(..., help="用户名"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="从标准输入读取密码（一行）"),
    db: str = typer.Option("sqlite:///jixiao.db", "--db", help="数据库 URL"),
    *, fmt: str,
) -> None:
    """重设密码 (reset a password)."""
    password = _new_password(name, password_stdin)
    try:
        _store(db).set_password(name, password)
    except ValueError as exc:
        error_line(name, str(exc))
        raise typer.Exit(Exit.UNREADABLE) from None
    if fmt == "json":
        echo_json({"name": name, "password_reset": True})
    else:
        typer.echo(f"已重设 {name} 的密码")
