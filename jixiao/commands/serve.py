"""``jixiao serve``: the web workbench (upload, review, fill in, compare)."""

from __future__ import annotations

import sys

import typer

from jixiao.cli import Exit, app, echo_json, error_line
from jixiao.commands._options import options


@app.command("serve")
@options(("text", "json"))
def serve(
    db: str = typer.Option("sqlite:///jixiao.db", "--db", help="数据库 URL：默认当前目录的 SQLite 文件 jixiao.db；"
                                                             "PostgreSQL 用 postgresql+psycopg://user:pw@host/db"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址 (listen address)"),
    port: int = typer.Option(8000, "--port", help="端口 (port)"),
    demo: bool = typer.Option(False, "--demo", help="载入内置示例报告并创建演示管理员 (load the bundled samples)"),
    demo_password: str = typer.Option(None, "--demo-password", help="演示管理员密码（默认随机生成）"),
    workers: int = typer.Option(2, "--workers", help="后台分析进程数 (background analysis processes)"),
    in_process: bool = typer.Option(False, "--in-process", help="在服务进程内分析上传文件（不启动子进程）"),
    max_upload_mb: float = typer.Option(20, "--max-upload-mb", help="单个上传文件大小上限 (MB)"),
    max_request_mb: float = typer.Option(200, "--max-request-mb", help="一次上传（多个文件）的请求体上限 (MB)"),
    timeout: float = typer.Option(300, "--timeout", help="每个文件的分析时限（秒）"),
    memory_mb: int = typer.Option(1536, "--worker-memory-mb", help="每个分析进程的内存上限 (MB)"),
    trusted_proxy: list[str] = typer.Option([], "--trusted-proxy",
                                            help="信任其 X-Forwarded-For 的反向代理地址（可重复；默认不信任）"),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="仅通过 HTTPS 发送会话 Cookie"),
    *, fmt: str,
) -> None:
    """启动网页工作台 (start the web workbench)."""
    try:
        import uvicorn  # noqa: F401

        from jixiao.store import Store, StoreUnavailable, redact
        from jixiao.store.passwords import check_password
        from jixiao.web import create_app, server
        from jixiao.web.demo import load_demo
    except ImportError as exc:  # pragma: no cover - depends on the install
        sys.stderr.write(f"jixiao serve: 缺少网页依赖 ({exc.name})，请安装 pip install 'jixiao[web]'\n")
        raise typer.Exit(Exit.UNREADABLE) from None
    shown = redact(db)
    try:
        store = Store(db).open()
    except StoreUnavailable as exc:
        error_line(shown, str(exc))
        raise typer.Exit(Exit.UNREADABLE) from None
    except Exception as exc:  # a URL SQLAlchemy cannot even parse
        error_line(shown, f"无法打开数据库：{type(exc).__name__}")
        raise typer.Exit(Exit.UNREADABLE) from None
    if demo_password:
        try:
            check_password(demo_password, "admin")
        except ValueError as exc:
            error_line("--demo-password", str(exc))
            raise typer.Exit(Exit.UNREADABLE) from None
    demo_login = None
    info = {"url": f"http://{host}:{port}/", "db": redact(store.url)}
    if demo:
        name, password, queued = load_demo(store, demo_password)
        info.update(demo_user=name, demo_password=password, samples_queued=queued)
        if password:
            demo_login = (name, password)
    if store.count_users() == 0:
        info["hint"] = "还没有用户：请先运行 jixiao users add 用户名 --role admin"
    if fmt == "json":
        echo_json(info)
    else:
        typer.echo(f"绩效自评工作台：{info['url']}  （数据库 {info['db']}）")
        if demo:
            if demo_login:
                typer.echo(f"演示模式：用户名 {demo_login[0]}  密码 {demo_login[1]}"
                           f"（另有 reviewer / filler 两个演示账户，密码相同）")
            else:
                typer.echo("演示模式：演示管理员 admin 已存在，沿用原密码（可用 --demo-password 重设）")
        if "hint" in info:
            typer.echo(info["hint"])
    web = create_app(store=store, db_url=store.url, workers=workers, max_upload_mb=max_upload_mb,
                     max_request_mb=max_request_mb, analysis_timeout=timeout, worker_memory_mb=memory_mb,
                     secure_cookies=secure_cookies, demo_login=demo_login, isolate=not in_process)
    server.run(web, host, port, trusted_proxies=trusted_proxy)
