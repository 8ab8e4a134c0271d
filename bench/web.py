"""Web workbench latency with 1,000 stored reports: report list, a report page, the comparison page.

Usage: python -m bench.web [--reports 1000] [-n 60] [--db URL] [--json]

Builds a database (SQLite in a temporary folder unless --db is given) holding the
bundled demo samples analysed once and stored again and again under varied
departments, regions, years and hashes; starts ``jixiao serve`` on a free loopback
port in its own process; logs in; then times a bounded number of GET requests to
127.0.0.1 only and prints the median and p95 in milliseconds (and the first, cold
request). Aim: p95 < 200 ms. The comparison page is cached per role scope and filter
until a report is added, processed or deleted, so "first" is its uncached cost.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSWORD = "bench-password-1"
REGIONS = ("东湖区", "西山区", "南湖区", "北岭区", "滨江区")
DEPT_TYPES = ("行政单位", "群团组织", "事业单位")
UNITS = ("教育局", "卫生健康局", "民政局", "妇女联合会", "农业农村局", "财政局", "文化广电旅游体育局",
         "住房和城乡建设局", "交通运输局", "市场监督管理局", "人力资源和社会保障局", "生态环境局",
         "水务局", "司法局", "统计局", "残疾人联合会", "总工会", "共青团委员会", "科学技术协会", "档案馆")


def build(url: str, count: int) -> None:
    from decimal import Decimal

    from jixiao.store import Report, Store
    from jixiao.web import services
    from jixiao.web.demo import sample_files

    store = Store(url)
    store.migrate()
    store.add_user("admin", PASSWORD, "admin")
    analysed = []
    for item in sample_files():
        result, text = services.analyse_bytes(item["file"], item["data"])
        if not result.get("error"):
            analysed.append((item, result, text))
    if not analysed:
        raise SystemExit("no sample could be analysed")
    rows = []
    for i in range(count):
        item, result, text = analysed[i % len(analysed)]
        ev, score, findings = result.get("evaluation") or {}, result.get("score") or {}, result.get("findings") or []
        region = REGIONS[(i // 200) % len(REGIONS)]
        unit = UNITS[(i // 10) % len(UNITS)]
        year = 2015 + i % 10
        rate = (ev.get("budget") or {}).get("execution_rate")
        total = score.get("total")
        # vary the figures a little so the charts have a spread
        wobble = Decimal(i % 37) / Decimal(10) - Decimal("1.8")
        rows.append(Report(
            file_name=f"{region}{unit}-{year}-{i}.txt", sha256=hashlib.sha256(f"{i}".encode()).hexdigest(),
            size=len(item["data"]), data=item["data"], batch="bench", status="done",
            department=f"{region}{unit}", region=region, year=year, scope=ev.get("scope"),
            dept_type=DEPT_TYPES[i % len(DEPT_TYPES)], title=ev.get("title"), framework=score.get("framework"),
            score_total=(Decimal(str(total)) + wobble).quantize(Decimal("0.01")) if total is not None else None,
            self_score=Decimal(str((ev.get("score") or {}).get("total") or 90)) + wobble,
            grade=score.get("grade"),
            execution_rate=(min(Decimal(100), Decimal(str(rate)) + wobble / 2) if rate is not None else None),
            findings_count=len(findings), errors_count=sum(f.get("severity") == "error" for f in findings),
            text=text, evaluation_json=ev, score_json=score, findings_json=findings))
    with store.write() as s:
        s.add_all(rows)
    store.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=1000, help="reports to store (default 1000)")
    ap.add_argument("-n", type=int, default=60, help="timed requests per page (default 60)")
    ap.add_argument("--db", help="database URL of an EMPTY database (default: SQLite in a temporary folder)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args()
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        t0 = time.perf_counter()
        build(url, args.reports)
        build_s = time.perf_counter() - t0
        port = free_port()
        env = dict(os.environ, JIXIAO_SECRET_KEY="bench")
        server = subprocess.Popen([sys.executable, "-m", "jixiao.cli", "serve", "--db", url, "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=30, trust_env=False) as client:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if client.get("/api/health").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit(f"server did not start: {server.stderr.read().decode()[-500:]}")
                    time.sleep(0.2)
                r = client.post("/api/login", json={"username": "admin", "password": PASSWORD})
                r.raise_for_status()
                ids = [row["id"] for row in client.get("/api/reports", params={"limit": 1000}).json()["reports"]]
                pages = {
                    "report list (/reports)": lambda i: "/reports",
                    "report page (/reports/ID)": lambda i: f"/reports/{ids[(i * 37) % len(ids)]}",
                    "comparison (/compare)": lambda i: "/compare",
                }
                results = {}
                for label, path in pages.items():
                    t = time.perf_counter()
                    client.get(path(0)).raise_for_status()  # the first request: cold caches
                    cold = (time.perf_counter() - t) * 1000
                    for i in range(1, 3):  # warm up
                        client.get(path(i)).raise_for_status()
                    times = []
                    for i in range(args.n):
                        t = time.perf_counter()
                        resp = client.get(path(i))
                        times.append((time.perf_counter() - t) * 1000)
                        resp.raise_for_status()
                    results[label] = {"median_ms": round(statistics.median(times), 1),
                                      "p95_ms": round(percentile(times, 95), 1), "requests": len(times),
                                      "first_ms": round(cold, 1),
                                      "bytes": len(resp.content)}
        finally:
            server.terminate()
            server.wait(timeout=10)
    out = {"reports": args.reports, "database": url.split(":")[0], "build_s": round(build_s, 1), "pages": results}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    print(f"{args.reports} reports stored in {build_s:.1f} s ({out['database']}); {args.n} requests per page")
    for label, r in results.items():
        flag = "ok" if r["p95_ms"] < 200 else "SLOW"
        print(f"  {label:<28} median {r['median_ms']:7.1f} ms   p95 {r['p95_ms']:7.1f} ms   "
              f"first {r['first_ms']:6.1f} ms   {r['bytes'] / 1024:5.0f} KiB   {flag}")


if __name__ == "__main__":
    main()
