"""The batch engine with an injected per-file function: walking, storing, resuming, crashes, ranking.

These tests do not depend on the extractor/scoring/audit: ``fake_process`` is a tiny pure
per-file function with the same record shape as :func:`jixiao.batch.process_file`.
The real pipeline is exercised in ``test_batch_cli.py``.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao import batch
from jixiao.batch import (
    Known,
    ParquetStore,
    RiskWeights,
    driver,
    empty_record,
    engines,
    iter_inputs,
    risk_score,
    run_batch,
    summarize,
    top_risks,
)

DEPTS = ["深圳市南山区妇女联合会", "深圳市南山区财政局", "广东省广州市海珠区教育局", "广东省财政厅",
         "深圳市福田区人民医院"]


def report_text(i: int, budget: str, executed: str, rate: str, score: str, dept: str) -> str:
    return (f"{dept}2023年度部门整体支出绩效自评报告\n"
            f"编号 {i}\n"
            f"全年预算数 {budget} 万元，执行数 {executed} 万元，完成预算的 {rate}%。\n"
            f"自评得分 {score} 分。\n")


_NUM = r"([0-9]+(?:\.[0-9]+)?)"


def fake_process(path: str, data: bytes | None = None) -> dict:
    """A small pure per-file function: reads the figures back and checks the execution rate."""
    raw = data if data is not None else Path(path).read_bytes()
    import hashlib

    rec = empty_record(path, hashlib.sha256(raw).hexdigest())
    text = raw.decode("utf-8")
    if "BOOM" in text:
        raise RuntimeError("planted failure")
    if "CRASH" in text:
        os._exit(3)
    if "HANG" in text:
        time.sleep(30)
    if "STUCK" in text:  # like a C loop: the per-file alarm cannot get through
        import signal

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(60)
    m = re.search(f"全年预算数 {_NUM} 万元，执行数 {_NUM} 万元，完成预算的 {_NUM}%", text)
    if not m:
        rec["error"] = "没有预算执行数据"
        return rec
    budget, executed, rate = (Decimal(x) for x in m.groups())
    recomputed = (executed * 100 / budget).quantize(Decimal("0.01"))
    rec.update(department=text.split("2023")[0], year=2023, budget_adjusted=str(budget),
               budget_executed=str(executed), execution_rate=str(rate),
               execution_rate_recomputed=str(recomputed))
    s = re.search(f"自评得分 {_NUM} 分", text)
    if s:
        rec["self_score"] = s.group(1)
        rec["score_total"] = str(min(Decimal(100), Decimal(90) + recomputed / 10).quantize(Decimal("0.01")))
    if abs(recomputed - rate) > Decimal("0.05"):
        rec["n_errors"] = 1
        rec["findings"] = [{"code": "JX101", "severity": "error", "kind": None, "path": "budget.execution_rate",
                            "message": f"预算执行率 写为 {rate}%，按 {executed}/{budget} 计算为 {recomputed}%",
                            "stated": f"{rate}%", "recomputed": f"{recomputed}%", "line": 3}]
    return rec


def make_corpus(folder: Path, n: int, bad_every: int = 4) -> dict[str, bool]:
    """n text reports, every ``bad_every``-th with a wrong stated rate; returns name → planted?"""
    folder.mkdir(parents=True, exist_ok=True)
    planted = {}
    for i in range(n):
        budget = Decimal(500 + 7 * i) + Decimal("0.58")
        executed = budget - Decimal(i % 5)
        rate = (executed * 100 / budget).quantize(Decimal("0.01"))
        bad = i % bad_every == 1
        if bad:
            rate += 1
        name = f"r{i:03d}.txt"
        (folder / name).write_text(report_text(i, str(budget), str(executed), str(rate), "95",
                                               DEPTS[i % len(DEPTS)]), encoding="utf-8")
        planted[name] = bad
    return planted


def reports(db: Path) -> list[dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM reports ORDER BY path")]
    finally:
        con.close()


def test_iter_inputs_walks_filters_and_expands(tmp_path: Path) -> None:
    (tmp_path / "sub" / ".hidden").mkdir(parents=True)
    for name in ("a.txt", "b.PDF", "c.docx", "d.png", "e.yaml", "notes.exe", ".x.txt", "sub/f.html",
                 "sub/.hidden/g.txt", "sub/h.md5"):
        (tmp_path / name).write_bytes(b"x")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in iter_inputs([tmp_path])]
    assert found == ["a.txt", "b.PDF", "c.docx", "d.png", "e.yaml", "sub/f.html"]
    globbed = [Path(p).name for p in iter_inputs([str(tmp_path / "**" / "*.*")])]
    assert "f.html" in globbed and "notes.exe" not in globbed and "h.md5" not in globbed
    # a file named explicitly is taken whatever its suffix (and then recorded as unsupported)
    assert list(iter_inputs([tmp_path / "notes.exe"])) == [str(tmp_path / "notes.exe")]


def test_sqlite_batch_stores_every_report_once_and_resumes(tmp_path: Path) -> None:
    planted = make_corpus(tmp_path / "in", 24)
    db = tmp_path / "out.db"
    stats = run_batch([tmp_path / "in"], db, jobs=2, fn=fake_process)
    assert (stats.processed, stats.skipped, stats.unreadable) == (24, 0, 0)
    rows = reports(db)
    assert len(rows) == 24 and len({r["sha256"] for r in rows}) == 24
    by_name = {Path(r["path"]).name: r for r in rows}
    assert {n for n, r in by_name.items() if r["n_errors"]} == {n for n, bad in planted.items() if bad}
    # money is stored as exact text
    assert by_name["r003.txt"]["budget_adjusted"] == "521.58"
    assert by_name["r003.txt"]["budget_executed"] == "518.58"
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    n_findings = con.execute("SELECT COUNT(*) FROM findings WHERE code = 'JX101'").fetchone()[0]
    assert n_findings == sum(planted.values())
    con.close()
    assert stats.exit_code == 1  # findings at error level

    again = run_batch([tmp_path / "in"], db, jobs=2, fn=fake_process)
    assert (again.processed, again.skipped) == (0, 24)
    assert again.exit_code == 1  # the stored results still count for the exit code
    assert len(reports(db)) == 24


def test_duplicate_content_is_stored_once_with_both_paths(tmp_path: Path) -> None:
    make_corpus(tmp_path / "in", 3)
    (tmp_path / "in" / "copy.txt").write_bytes((tmp_path / "in" / "r001.txt").read_bytes())
    db = tmp_path / "out.db"
    stats = run_batch([tmp_path / "in"], db, jobs=1, fn=fake_process)
    assert stats.processed == 3 and stats.duplicates == 1
    con = sqlite3.connect(db)
    sha = batch.file_sha256(tmp_path / "in" / "r001.txt")
    assert con.execute("SELECT COUNT(*) FROM reports WHERE sha256 = ?", (sha,)).fetchone()[0] == 1
    paths = sorted(Path(p).name for (p,) in con.execute("SELECT path FROM files WHERE sha256 = ?", (sha,)))
    assert paths == ["copy.txt", "r001.txt"]
    con.close()


def test_bad_files_are_recorded_and_never_stop_the_batch(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    make_corpus(folder, 6)
    (folder / "boom.txt").write_text("BOOM", encoding="utf-8")
    (folder / "crash.txt").write_text("CRASH", encoding="utf-8")
    (folder / "hang.txt").write_text("HANG", encoding="utf-8")
    (folder / "nodata.txt").write_text("只有一句话。", encoding="utf-8")
    errors: list[tuple[str, str]] = []
    db = tmp_path / "out.db"
    stats = run_batch([folder, tmp_path / "missing.txt"], db, jobs=2, fn=fake_process, timeout=1.0,
                      on_error=lambda p, r: errors.append((Path(p).name, r)))
    rows = {Path(r["path"]).name: r for r in reports(db)}
    assert len(rows) == 10
    assert "planted failure" in rows["boom.txt"]["error"]
    assert "崩溃" in rows["crash.txt"]["error"]
    assert "超时" in rows["hang.txt"]["error"]
    assert rows["nodata.txt"]["error"] == "没有预算执行数据"
    assert all(rows[f"r{i:03d}.txt"]["error"] is None for i in range(6))
    assert stats.crashed_workers >= 1
    assert stats.missing == [str(tmp_path / "missing.txt")]
    assert {name for name, _ in errors} == {"boom.txt", "crash.txt", "hang.txt", "nodata.txt", "missing.txt"}
    assert stats.exit_code == 2
    # unreadable files are ranked for manual review too, but below reports with errors
    assert Decimal(rows["boom.txt"]["risk"]) == RiskWeights().unreadable


def test_a_worker_stuck_where_no_signal_reaches_is_killed_at_the_timeout(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    make_corpus(folder, 4)
    (folder / "stuck.txt").write_text("STUCK", encoding="utf-8")
    stats = run_batch([folder], tmp_path / "o.db", jobs=1, max_inflight=2, timeout=0.5, fn=fake_process)
    rows = {Path(r["path"]).name: r for r in reports(tmp_path / "o.db")}
    assert len(rows) == 5 and stats.processed == 5
    assert "超时" in rows["stuck.txt"]["error"]
    assert all(rows[f"r{i:03d}.txt"]["error"] is None for i in range(4))


def test_memory_bound_inflight_is_respected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never more than max_inflight files submitted and not yet stored (memory stays flat)."""
    make_corpus(tmp_path / "in", 20)
    peak = 0
    real = driver.run_local

    def spy(items, fn, *, inflight, store_result, **kw):
        def watching(rec, sha):
            nonlocal peak
            peak = max(peak, len(inflight))
            store_result(rec, sha)

        return real(items, fn, inflight=inflight, store_result=watching, **kw)

    monkeypatch.setattr(driver, "run_local", spy)
    stats = run_batch([tmp_path / "in"], tmp_path / "o.db", jobs=1, max_inflight=3, fn=fake_process)
    assert stats.processed == 20
    assert 1 <= peak <= 3


def test_risk_score_and_ranking(tmp_path: Path) -> None:
    rec = {"n_errors": 2, "n_warnings": 1, "self_score": "98", "score_total": "95.5",
           "execution_rate_recomputed": "90.00"}
    # 2×10 + 1×2 + |98 − 95.5|×1 + (100 − 90)×0.5
    assert risk_score(rec) == Decimal("29.50")
    assert risk_score({"n_errors": 0, "execution_rate": "101.2"}) == Decimal("0.00")
    assert risk_score({"error": "空文件"}) == Decimal("5.00")
    make_corpus(tmp_path / "in", 12)
    db = tmp_path / "o.db"
    run_batch([tmp_path / "in"], db, jobs=1, fn=fake_process)
    top = top_risks(db, 3)
    assert [Decimal(r["risk"]) for r in top] == sorted((Decimal(r["risk"]) for r in top), reverse=True)
    assert all(r["n_errors"] == 1 for r in top)  # the planted errors come first
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM ranking").fetchone()[0] == 12
    con.close()


def test_parquet_output_resumes_and_recovers_a_killed_run(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    make_corpus(tmp_path / "in", 10)
    out = tmp_path / "res.parquet"
    stats = run_batch([tmp_path / "in"], out, jobs=2, fn=fake_process)
    assert stats.processed == 10
    table = pq.read_table(out / "reports")
    assert table.num_rows == 10 and table.schema.field("budget_adjusted").type == "string"
    assert pq.read_table(out / "findings").num_rows == 3

    # a run killed mid-way: records journaled, part file left unfinished
    make_corpus(tmp_path / "more", 5)
    store = ParquetStore(out)
    for p in sorted((tmp_path / "more").iterdir())[:3]:
        rec = fake_process(str(p))
        rec["path"] = str(p) + "-more"  # distinct from the first corpus's paths, same shape
        rec["sha256"] = "k" + rec["sha256"][1:]
        store.add(rec)
    store._write_groups()  # a row group reached the unfinished .tmp part
    store.journal.flush()
    assert list(out.glob("reports/*.tmp"))
    del store  # no close(): as after SIGKILL

    resumed = ParquetStore(out)
    assert not list(out.glob("reports/*.tmp"))
    assert len(resumed.known) == 13
    assert resumed.lookup("k" + "0" * 63) is None
    resumed.close()
    assert pq.read_table(out / "reports").num_rows == 13
    again = run_batch([tmp_path / "in"], out, jobs=1, fn=fake_process)
    assert (again.processed, again.skipped) == (0, 10)
    assert len(top_risks(out, 5)) == 5


def test_summary_by_type_and_region(tmp_path: Path) -> None:
    make_corpus(tmp_path / "in", 20)
    (tmp_path / "in" / "broken.txt").write_text("BOOM", encoding="utf-8")
    db = tmp_path / "o.db"
    run_batch([tmp_path / "in"], db, jobs=2, fn=fake_process)
    rows = summarize(db)
    by = {(r["type"], r["region"]): r for r in rows}
    assert by[("群团组织", "广东省深圳市南山区")]["reports"] == 4
    assert by[("政府部门", "广东省")]["reports"] == 4  # 广东省财政厅
    assert by[("政府部门", "广东省广州市海珠区")]["reports"] == 4
    assert by[("其他", "（未识别）")]["unreadable"] == 1
    assert sum(r["reports"] for r in rows) == 21
    assert sum(r["with_errors"] for r in rows) == 5
    fin = by[("政府部门", "广东省深圳市南山区")]  # i % 5 == 1 → every planted error (i % 4 == 1) with i ≡ 1 (mod 20)
    assert fin["top_codes"] == [("JX101", 1)]
    assert Decimal(fin["mean_score"]) > 90

    pytest.importorskip("pyarrow")  # the same summary from the Parquet output ([parquet] extra)
    pq_out = tmp_path / "o.parquet"
    run_batch([tmp_path / "in"], pq_out, jobs=1, fn=fake_process)
    assert summarize(pq_out) == rows


def test_dask_engine_gives_the_same_results(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    make_corpus(tmp_path / "in", 8)
    (tmp_path / "in" / "boom.txt").write_text("BOOM", encoding="utf-8")
    local_db, dask_db = tmp_path / "local.db", tmp_path / "dask.db"
    run_batch([tmp_path / "in"], local_db, jobs=1, fn=fake_process)
    stats = run_batch([tmp_path / "in"], dask_db, jobs=1, engine="dask", fn=fake_process,
                      dask_processes=False, send_bytes=True, max_inflight=3, dask_chunk=2)
    assert stats.processed == 9 and stats.unreadable == 1

    def essence(db: Path) -> list[tuple]:
        return [(r["sha256"], r["department"], r["budget_executed"], r["n_errors"], r["risk"], r["error"])
                for r in sorted(reports(db), key=lambda r: r["sha256"])]

    assert essence(local_db) == essence(dask_db)

    # --scheduler: connect to a running cluster instead of starting one
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        remote_db = tmp_path / "remote.db"
        stats = run_batch([tmp_path / "in"], remote_db, engine="dask", scheduler=cluster.scheduler_address,
                          fn=fake_process)
        assert stats.processed == 9
    assert essence(remote_db) == essence(local_db)


def test_stats_json_is_serialisable() -> None:
    s = batch.BatchStats(out="x.db", processed=3, seconds=1.5)
    js = json.loads(json.dumps(s.to_json()))
    assert js["files_per_second"] == 2.0 and js["exit_code"] == 0
    assert driver.fails(Known(False, 0, 2), "warning") and not driver.fails(Known(False, 0, 2), "error")
    assert driver.fails(Known(False, 0, 0, 1), "info") and not driver.fails(Known(False, 3, 0), "never")


def test_fork_server_preload_survives_a_broken_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """A module that fails to import (a colleague's work in progress) must not kill the workers' fork server."""
    imported = []

    def fake_import(name: str):
        if name == "jixiao.broken":
            raise NameError("name 'field' is not defined")
        imported.append(name)

    monkeypatch.setattr(engines, "PRELOAD", ("jixiao.broken", "jixiao.model"))
    monkeypatch.setattr(engines.importlib, "import_module", fake_import)
    engines._preload_pipeline()
    assert imported == ["jixiao.model"]


#: The results file as the first release of ``jixiao batch`` wrote it (schema 1: the scores were
#: ``score_stated`` / ``score_recomputed``), reduced to what matters here.
SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
CREATE TABLE reports (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, path TEXT NOT NULL, suffix TEXT,
    size INTEGER, department TEXT, year INTEGER, scope TEXT, form TEXT, framework TEXT, budget_adjusted TEXT,
    budget_executed TEXT, execution_rate TEXT, execution_rate_recomputed TEXT, score_stated TEXT,
    score_recomputed TEXT, grade_stated TEXT, grade TEXT, n_errors INTEGER NOT NULL DEFAULT 0,
    n_warnings INTEGER NOT NULL DEFAULT 0, n_info INTEGER NOT NULL DEFAULT 0, error TEXT, seconds REAL,
    risk NUMERIC, processed_at TEXT);
CREATE TABLE findings (id INTEGER PRIMARY KEY, report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL, kind TEXT, message TEXT, path TEXT,
    stated TEXT, recomputed TEXT, line INTEGER);
CREATE TABLE files (path TEXT NOT NULL, sha256 TEXT NOT NULL, PRIMARY KEY (path, sha256));
CREATE VIEW ranking AS SELECT risk, path, department, score_stated, score_recomputed FROM reports
    ORDER BY risk DESC, path;
"""


def test_a_results_file_of_schema_1_is_read_and_resumed_under_the_new_names(tmp_path: Path) -> None:
    make_corpus(tmp_path / "in", 6)
    old = tmp_path / "in" / "r000.txt"
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    con.executescript(SCHEMA_1)
    con.execute("INSERT INTO reports (sha256, path, department, score_stated, score_recomputed, risk) "
                "VALUES (?, ?, ?, '97', '91.5', 6.5)", (batch.file_sha256(old), str(old), DEPTS[0]))
    con.commit()
    con.close()
    # read as it is (read-only: the summary and the ranking do not touch it)
    assert summarize(db)[0]["mean_score"] == "91.50"
    assert top_risks(db, 1)[0]["self_score"] == "97"
    stats = run_batch([tmp_path / "in"], db, jobs=1, fn=fake_process)
    assert (stats.processed, stats.skipped) == (5, 1)
    rows = {Path(r["path"]).name: r for r in reports(db)}
    assert "score_stated" not in rows["r000.txt"]
    assert (rows["r000.txt"]["self_score"], rows["r000.txt"]["score_total"]) == ("97", "91.5")
    assert rows["r001.txt"]["self_score"] == "95"
    con = sqlite3.connect(db)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("2",)
    assert con.execute("SELECT COUNT(*) FROM ranking").fetchone() == (6,)
    con.close()


def test_ctrl_c_inside_a_record_leaves_no_report_without_its_findings(tmp_path: Path) -> None:
    from jixiao.batch.runner import empty_record
    from jixiao.batch.store import SQLiteStore

    def record(i: int) -> dict:
        rec = empty_record(f"r{i}.txt", f"sha{i}")
        rec["findings"] = [{"code": "JX101", "severity": "error", "kind": "sum", "message": "合计不符"}]
        return rec

    db = tmp_path / "out.db"
    store = SQLiteStore(db)
    assert store.add(record(1))
    store.flush()
    insert_row = store.con.execute

    def interrupted(statement, *args, **kwargs):
        if statement is store._insert_finding:  # the signal lands between the report row and its findings
            raise KeyboardInterrupt
        return insert_row(statement, *args, **kwargs)

    store.con.execute = interrupted
    with pytest.raises(KeyboardInterrupt):
        store.add(record(2))
    store.con.execute = insert_row
    store.close()  # does not raise: what was committed stays
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT sha256 FROM reports").fetchall() == [("sha1",)]
        assert con.execute("SELECT sha256 FROM findings").fetchall() == [("sha1",)]
    finally:
        con.close()
