"""The workbench under load and faults: concurrent uploads across a SIGKILL, and the event loop's
latency while heavy and hostile work runs.

Usage: python -m bench.web_faults [--uploads 200] [--concurrency 8] [--users 10] [--pages 1500] [--json]

Runs ``jixiao serve`` on a free loopback port (SQLite in a temporary folder), in its own process:

1. ``--users`` 填报人 of distinct departments send ``--uploads`` reports, at most ``--concurrency`` at a
   time; every report's text names another department (which must not win). As soon as the last upload
   is accepted and a quarter of them processed, the server is SIGKILLed mid-queue; the bench then checks that none of the server's
   worker processes outlived it, restarts it and waits for the queue to drain. It prints: uploads
   accepted, stored exactly once, processed, re-run after the kill, filed under the uploader's
   department, workers left running after the kill.
2. A ``--pages``-page PDF report is uploaded and analysed; then ``/healthz`` is timed (one request every
   20 ms) while, at the same time, that report is exported (pdf, xlsx, docx) and a hostile docx is
   imported on 填报 (42 MB of XML: refused by the budget; 38 MB: under it, parsed in a bounded worker),
   and while a flood of wrong logins runs. It prints median / p95 / max of ``/healthz`` for each,
   against an idle baseline. Aim: p95 < 100 ms.

Only 127.0.0.1 is contacted; nothing is fetched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.web import free_port, percentile  # the load bench's port picker and nearest-rank percentile

PASSWORD = "bench-password-1"
REPORT = """{named}2023年度部门整体支出绩效自评报告

一、部门整体收支情况

全年预算数{budget}.00万元，执行数{spent}.00万元，完成预算的{rate}%。

二、自评结论

本部门2023年度绩效自评得分{score}.00分，等级为“优”。（第 {n} 份）
"""


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = [int(k) for k in Path(f"/proc/{p}/task/{t}/children").read_text().split()]
            except OSError:
                kids = []
            for k in kids:
                if k not in out:
                    out.add(k)
                    todo.append(k)
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


class Server:
    def __init__(self, url: str, port: int, workers: int):
        self.url, self.port, self.workers = url, port, workers
        self.proc: subprocess.Popen | None = None
        self.base = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        import httpx

        env = dict(os.environ, JIXIAO_SECRET_KEY="bench-faults")
        self.proc = subprocess.Popen([sys.executable, "-m", "jixiao.cli", "serve", "--db", self.url, "--host",
                                      "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers)],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2, trust_env=False).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"server did not start: {self.proc.stderr.read().decode()[-800:]}")
            time.sleep(0.2)
        raise SystemExit("server did not start in 90 s")

    def kill(self) -> tuple[int, int]:
        """SIGKILL the server alone; (its worker processes before, still running 10 s after)."""
        assert self.proc is not None
        kids = descendants(self.proc.pid)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(k) for k in kids):
            time.sleep(0.2)
        left = [k for k in kids if alive(k)]
        for k in left:  # do not leave them behind on the bench machine either
            with contextlib.suppress(OSError):
                os.kill(k, signal.SIGKILL)
        return len(kids), len(left)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def client(base: str, name: str):
    import httpx

    c = httpx.Client(base_url=base, timeout=600, trust_env=False)
    r = c.post("/api/login", json={"username": name, "password": PASSWORD})
    r.raise_for_status()
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return c


def wait_drained(base: str, total: int, limit_s: float = 1800) -> None:
    admin = client(base, "admin")
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        left = sum(admin.get("/api/reports", params={"status": s, "limit": 1}).json()["total"]
                   for s in ("queued", "processing"))
        if not left and admin.get("/api/reports", params={"limit": 1}).json()["total"] >= total:
            return
        time.sleep(1)
    raise SystemExit("the queue did not drain")


def faults(server: Server, url: str, uploads: int, concurrency: int, users: int) -> dict:
    from sqlalchemy import create_engine, text

    clients = [client(server.base, f"filler{i}") for i in range(users)]
    accepted: dict[int, int] = {}  # report id → uploader index
    lock = threading.Lock()

    def send(n: int) -> None:
        who = n % users
        body = REPORT.format(named="西山区冒名顶替局", budget=100 + n, spent=90 + n % 10, rate="90.00",
                             score=85 + n % 10, n=n).encode("utf-8")
        r = clients[who].post("/api/reports", files=[("files", (f"报告{n:04d}.txt", body, "text/plain"))])
        if r.status_code == 202:
            with lock:
                for a in r.json()["accepted"]:
                    accepted[a["id"]] = who

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, range(uploads)))
    upload_s = time.perf_counter() - t0
    for c in clients:
        c.close()
    engine = create_engine(url)
    deadline = time.monotonic() + 300
    while True:  # kill mid-queue: once a quarter is processed
        with engine.connect() as conn:
            done_before = conn.execute(text("SELECT count(*) FROM reports WHERE status = 'done'")).scalar()
        if done_before >= len(accepted) // 4 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    workers_before, workers_left = server.kill()
    server.start()
    wait_drained(server.base, len(accepted))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status, department, attempts, uploaded_by FROM reports")).all()
        users_by_id = dict(conn.execute(text("SELECT id, name FROM users")).all())
    engine.dispose()
    by_id = {r[0]: r for r in rows}
    expected_dept = {i: f"东湖区测试{i:02d}局" for i in range(users)}
    present = sum(1 for rid in accepted if rid in by_id)
    return {
        "uploads_sent": uploads, "uploads_accepted": len(accepted), "upload_s": round(upload_s, 1),
        "done_before_kill": done_before,
        "stored": present, "extra_rows": len(rows) - present,
        "processed": sum(1 for rid in accepted if by_id.get(rid, (0, ""))[1] == "done"),
        "rerun_after_kill": sum(1 for rid in accepted if (by_id.get(rid) or (0, 0, 0, 0))[3] > 1),
        "department_kept": sum(1 for rid, who in accepted.items()
                               if by_id.get(rid) and by_id[rid][2] == expected_dept[who]
                               and users_by_id.get(by_id[rid][4]) == f"filler{who}"),
        "workers_before_kill": workers_before, "workers_left_after_kill": workers_left,
    }


def sample_healthz(base: str, stop: threading.Event, out: list[float]) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=30, trust_env=False) as c:
        while not stop.is_set():
            t = time.perf_counter()
            c.get("/healthz").raise_for_status()
            out.append((time.perf_counter() - t) * 1000)
            time.sleep(0.02)


def timed(base: str, work, seconds: float | None = None) -> dict:
    """/healthz latencies while ``work()`` runs (or for ``seconds`` when it is None)."""
    stop = threading.Event()
    times: list[float] = []
    sampler = threading.Thread(target=sample_healthz, args=(base, stop, times))
    sampler.start()
    t0 = time.perf_counter()
    detail = work() if work is not None else time.sleep(seconds or 5)
    stop.set()
    sampler.join()
    return {"requests": len(times), "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1), "max_ms": round(max(times), 1),
            "seconds": round(time.perf_counter() - t0, 1), "detail": detail}


def load(server: Server, pages: int) -> dict:
    from bench.hostile import docx_xml_bomb, long_pdf

    admin = client(server.base, "admin")
    t0 = time.perf_counter()
    pdf = long_pdf(pages)
    r = admin.post("/api/reports", files=[("files", (f"长卷{pages}页.pdf", pdf, "application/pdf"))],
                   data={"region": "东湖区"})
    r.raise_for_status()
    rid = r.json()["accepted"][0]["id"]
    while admin.get(f"/api/reports/{rid}").json()["report"]["status"] in ("queued", "processing"):
        time.sleep(1)
    report = admin.get(f"/api/reports/{rid}").json()["report"]
    analysed_s = time.perf_counter() - t0
    bombs = {"42 MB XML (over the budget)": docx_xml_bomb(42), "38 MB XML (under it)": docx_xml_bomb(38)}
    # logged in before the clock starts: the exports by the administrator, the imports by two 填报人
    clients = [client(server.base, name) for name in ("admin", "admin", "admin", "filler0", "filler1")]

    def export_and_import() -> dict:
        results: dict[str, str] = {}

        def export(c, fmt: str) -> None:
            t = time.perf_counter()
            resp = c.get(f"/reports/{rid}/export/{fmt}")
            results[f"export {fmt}"] = f"{resp.status_code} in {time.perf_counter() - t:.1f} s, {len(resp.content) // 1024} KiB"

        def imp(c, label: str, data: bytes) -> None:
            t = time.perf_counter()
            resp = c.post("/fill/import", files={"file": ("hostile.docx", data, "application/octet-stream")})
            results[f"import {label}"] = f"{resp.status_code} in {time.perf_counter() - t:.1f} s"

        threads = [threading.Thread(target=export, args=(clients[i], f)) for i, f in enumerate(("pdf", "xlsx", "docx"))]
        threads += [threading.Thread(target=imp, args=(clients[3 + i], *item)) for i, item in enumerate(bombs.items())]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    def login_flood() -> dict:
        import httpx

        stop_at = time.monotonic() + 10
        counts = {"401": 0, "429": 0}

        def flood(i: int) -> None:
            with httpx.Client(base_url=server.base, timeout=30, trust_env=False) as c:
                while time.monotonic() < stop_at:
                    code = c.post("/api/login", json={"username": f"spray{i}", "password": "wrong-pass"}).status_code
                    counts[str(code)] = counts.get(str(code), 0) + 1

        threads = [threading.Thread(target=flood, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return counts

    out = {"pdf_pages": pages, "report_status": report["status"], "analysed_s": round(analysed_s, 1),
           "idle": timed(server.base, None, 5), "export_and_hostile_import": timed(server.base, export_and_import),
           "login_flood": timed(server.base, login_flood)}
    for c in clients:
        c.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploads", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--users", type=int, default=10)
    ap.add_argument("--pages", type=int, default=1500)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-load", action="store_true", help="only the upload / SIGKILL part")
    ap.add_argument("--skip-faults", action="store_true", help="only the latency part")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from jixiao.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'faults.db'}"
        store = Store(url).open()
        store.add_user("admin", PASSWORD, "admin")
        for i in range(args.users):
            store.add_user(f"filler{i}", PASSWORD, "filler", department=f"东湖区测试{i:02d}局", region="东湖区")
        store.dispose()
        server = Server(url, free_port(), args.workers)
        server.start()
        try:
            out = {} if args.skip_faults else {"faults": faults(server, url, args.uploads, args.concurrency, args.users)}
            if not args.skip_load:
                out["load"] = load(server, args.pages)
        finally:
            server.stop()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    f = out.get("faults")
    if f:
        _print_faults(f, args)
    if "load" in out:
        _print_load(out["load"])


def _print_faults(f: dict, args: argparse.Namespace) -> None:
    print(f"uploads: {f['uploads_accepted']}/{f['uploads_sent']} accepted in {f['upload_s']} s "
          f"({args.concurrency} at a time, {args.users} 填报人); SIGKILL with {f['done_before_kill']} done")
    print(f"  stored {f['stored']}/{f['uploads_accepted']} (rows beyond them: {f['extra_rows']}), processed "
          f"{f['processed']}/{f['uploads_accepted']} (re-run after the kill: {f['rerun_after_kill']}), "
          f"in the uploader's department {f['department_kept']}/{f['uploads_accepted']}")
    print(f"  worker processes: {f['workers_before_kill']} before the kill, {f['workers_left_after_kill']} "
          f"still running 10 s after it")


def _print_load(lo: dict) -> None:
    print(f"{lo['pdf_pages']}-page PDF analysed in {lo['analysed_s']} s ({lo['report_status']}); /healthz:")
    for key in ("idle", "export_and_hostile_import", "login_flood"):
        r = lo[key]
        flag = "ok" if r["p95_ms"] < 100 else "SLOW"
        print(f"  {key:<26} median {r['median_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  max {r['max_ms']:7.1f} ms"
              f"  ({r['requests']} requests, {r['seconds']} s)  {flag}")
        if r["detail"]:
            print(f"      {r['detail']}")


if __name__ == "__main__":
    main()
