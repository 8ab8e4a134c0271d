"""``jixiao batch`` end to end with the real pipeline: SIGKILL and resume, hostile files, summary."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.batch import process_file

JIXIAO = [sys.executable, "-c", "from jixiao.cli import main; main()", "batch"]

DEPTS = ["深圳市南山区妇女联合会", "深圳市南山区财政局", "广东省广州市海珠区教育局", "深圳市福田区人民医院"]


def write_report(path: Path, i: int, *, wrong_rate: bool = False) -> tuple[Decimal, Decimal, Decimal]:
    """A short 部门整体 self-evaluation in our own wording; returns (budget, executed, rate as stated)."""
    budget = Decimal(600 + 13 * i) + Decimal("0.58")
    executed = budget - Decimal("0.59") - Decimal(i % 7)
    rate = (executed * 100 / budget).quantize(Decimal("0.01"))
    if wrong_rate:
        rate += Decimal("1.5")
    dept = DEPTS[i % len(DEPTS)]
    path.write_text(
        f"{dept}2023年度部门整体支出绩效自评报告\n\n"
        f"一、部门概况\n本单位（第{i}号）2023年全年预算数 {budget} 万元，执行数 {executed} 万元，"
        f"完成预算的 {rate}%。\n\n"
        f"二、自评结论\n自评得分 96 分，等级为优。\n\n"
        f"三、存在问题\n个别项目支付进度偏慢。\n", encoding="utf-8")
    return budget, executed, rate


def db_rows(db: Path, sql: str = "SELECT path, sha256, error, n_errors FROM reports") -> list[tuple]:
    con = sqlite3.connect(db, timeout=30)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_process_file_reads_the_figures_back(tmp_path: Path) -> None:
    budget, executed, rate = write_report(tmp_path / "r.txt", 3)
    rec = process_file(str(tmp_path / "r.txt"))
    assert rec["error"] is None
    assert rec["department"] == DEPTS[3] and rec["year"] == 2023
    assert (rec["budget_adjusted"], rec["budget_executed"]) == (str(budget), str(executed))
    assert Decimal(rec["execution_rate"]) == rate
    assert rec["self_score"] == "96"
    json.dumps(rec)  # compact and plain: picklable and JSON-able


def test_process_file_flags_a_wrong_execution_rate(tmp_path: Path) -> None:
    write_report(tmp_path / "bad.txt", 5, wrong_rate=True)
    rec = process_file(str(tmp_path / "bad.txt"))
    errors = [f for f in rec["findings"] if f["severity"] == "error"]
    assert rec["n_errors"] == len(errors) >= 1
    assert any(f["path"] == "budget.execution_rate" for f in errors)


def test_sigkill_halfway_then_rerun_stores_every_report_exactly_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    n = 40
    for i in range(n):
        write_report(folder / f"r{i:02d}.txt", i, wrong_rate=i % 6 == 0)
    db = tmp_path / "out.db"
    env = dict(os.environ, JIXIAO_BATCH_TEST_DELAY="0.1")
    proc = subprocess.Popen([*JIXIAO, str(folder), "--out", str(db), "--jobs", "2", "--no-progress"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    done = db_rows(db, "SELECT COUNT(*) FROM reports")[0][0]
                except sqlite3.OperationalError:  # schema not created yet
                    done = 0
                if done >= 8:
                    break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    before = db_rows(db, "SELECT COUNT(*) FROM reports")[0][0]
    assert 8 <= before < n

    rerun = subprocess.run([*JIXIAO, str(folder), "--out", str(db), "--jobs", "2", "--format", "json",
                            "--no-progress", "--top", "5"], capture_output=True, text=True, timeout=300)
    out = json.loads(rerun.stdout)
    assert out["skipped"] == before and out["processed"] == n - before
    rows = db_rows(db)
    assert len(rows) == n
    assert sorted(Path(p).name for p, *_ in rows) == [f"r{i:02d}.txt" for i in range(n)]
    assert len({sha for _, sha, *_ in rows}) == n
    assert all(err is None for _, _, err, _ in rows)
    # the planted wrong rates are found and ranked first
    assert {Path(p).name for p, _, _, ne in rows if ne} == {f"r{i:02d}.txt" for i in range(0, n, 6)}
    assert {Path(r["path"]).name for r in out["ranking"]} <= {f"r{i:02d}.txt" for i in range(0, n, 6)}
    assert rerun.returncode == 1 == out["exit_code"]


def zip_bomb_docx(path: Path, megabytes: int = 32) -> None:
    """A .docx whose document.xml inflates ~1000× (a zip bomb in miniature)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            fh.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                     b'wordprocessingml/2006/main"><w:body>')
            chunk = b"<w:p/>" * (1 << 17)
            for _ in range(megabytes * (1 << 20) // len(chunk)):
                fh.write(chunk)
            fh.write(b"</w:body></w:document>")


def test_corrupt_empty_and_hostile_files_are_listed_as_errors(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        write_report(folder / f"good{i}.txt", i)
    rnd = random.Random(7)
    (folder / "random.pdf").write_bytes(b"%PDF-1.7\n" + rnd.randbytes(8000))
    (folder / "noise.pdf").write_bytes(rnd.randbytes(3000))
    (folder / "empty.docx").write_bytes(b"")
    (folder / "notazip.docx").write_bytes(b"PK\x03\x04" + rnd.randbytes(500))
    zip_bomb_docx(folder / "bomb.docx")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40 + rnd.randbytes(2000))
    (folder / "broken.yaml").write_text("department: [未闭合\n  year: 2023: :\n", encoding="utf-8")
    bad = {"random.pdf", "noise.pdf", "empty.docx", "notazip.docx", "bomb.docx", "binary.txt", "broken.yaml"}
    db = tmp_path / "out.db"
    run = subprocess.run([*JIXIAO, str(folder), "--out", str(db), "--jobs", "2", "--format", "json",
                          "--no-progress", "--timeout", "60"], capture_output=True, text=True, timeout=300)
    out = json.loads(run.stdout)
    assert run.returncode == 2 == out["exit_code"]  # unreadable inputs, all recorded
    rows = {Path(p).name: (err, ne) for p, _, err, ne in db_rows(db)}
    assert set(rows) == bad | {"good0.txt", "good1.txt", "good2.txt"}
    assert {name for name, (err, _) in rows.items() if err} == bad
    stderr_files = {line.split(": ", 1)[0] for line in run.stderr.splitlines() if ": " in line}
    assert {Path(f).name for f in stderr_files} == bad
    assert out["unreadable"] == len(bad) and out["processed"] == len(bad) + 3


def test_summary_command_and_parquet_output(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(8):
        write_report(folder / f"r{i}.txt", i, wrong_rate=i == 1)
    db = tmp_path / "out.db"
    pq = tmp_path / "out.parquet"
    for out in (db, pq):
        run = subprocess.run([*JIXIAO, str(folder), "--out", str(out), "--jobs", "1", "--no-progress"],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 1, run.stderr
        assert "抽查复核风险排序" in run.stdout
    summaries = []
    for out in (db, pq):
        run = subprocess.run([*JIXIAO, "--summary", str(out), "--format", "json"], capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 0, run.stderr
        summaries.append(json.loads(run.stdout)["summary"])
    assert summaries[0] == summaries[1]
    by = {(r["type"], r["region"]): r for r in summaries[0]}
    assert by[("群团组织", "广东省深圳市南山区")]["reports"] == 2
    assert by[("政府部门", "广东省深圳市南山区")]["with_errors"] == 1  # r1: 财政局 with the wrong rate
    assert by[("事业单位", "广东省深圳市福田区")]["reports"] == 2
    table = subprocess.run([*JIXIAO, "--summary", str(db)], capture_output=True, text=True, timeout=120)
    assert "群团组织" in table.stdout and "平均得分" in table.stdout
    missing = subprocess.run([*JIXIAO, "--summary", str(tmp_path / "nope.db")], capture_output=True, text=True)
    assert missing.returncode == 2 and "nope.db" in missing.stderr


def test_ctrl_c_saves_what_is_done_and_exits_130(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(24):
        write_report(folder / f"r{i:02d}.txt", i)
    db = tmp_path / "out.db"
    proc = subprocess.Popen([*JIXIAO, str(folder), "--out", str(db), "--jobs", "2", "--no-progress", "--top", "0"],
                            env=dict(os.environ, JIXIAO_BATCH_TEST_DELAY="0.15"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if db_rows(db, "SELECT COUNT(*) FROM reports")[0][0] >= 3:
                break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's foreground group
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "已中断" in err
    saved = db_rows(db, "SELECT COUNT(*) FROM reports")[0][0]
    assert 3 <= saved < 24
    rerun = subprocess.run([*JIXIAO, str(folder), "--out", str(db), "--format", "json", "--no-progress"],
                           capture_output=True, text=True, timeout=300)
    assert json.loads(rerun.stdout)["skipped"] == saved
    assert db_rows(db, "SELECT COUNT(*) FROM reports")[0][0] == 24
