"""Documents per second and peak memory for txt, docx and pdf reports of realistic size.

Usage: python -m bench.throughput [-n 30] [--formats txt,docx,pdf] [--keep DIR]

Reports of ~5,000 Chinese characters (10–20 KB) with a score table are generated
(by ``bench.synth.generate`` when that exists, else by the small generator here)
and written with :mod:`bench.formats`. Each measurement runs in a fresh worker
process, one core, so peak RSS belongs to that measurement alone:

* ``jixiao``: ``jixiao.ingest.read`` + ``jixiao.extract.extract`` (ingest only
  when the extractor is not importable), and ``ingest`` alone;
* ``library``: merely reading the text with the underlying library
  (python-docx paragraphs and table cells; pypdfium2 ``get_text_range``), so the
  ratio shows jixiao's own cost.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.formats import write  # noqa: E402

FORMATS = ("txt", "docx", "pdf")

# ---------------------------------------------------------------- report generator

_PLACES = ["东湖区", "西山县", "南江市", "北塘区", "青石县", "云溪区", "安平县", "临川区"]
_UNITS = ["教育局", "卫生健康委员会", "农业农村局", "文化和旅游局", "民政局", "市场监督管理局",
          "司法局", "水务局", "科学技术协会", "妇女联合会"]
_WORKS = ["基层服务能力建设", "信息化平台运行维护", "公共设施日常管护", "业务培训与宣传", "专项检查与督导",
          "困难群众帮扶", "应急物资储备", "档案数字化整理", "社区活动组织", "课题调研与评估"]
_CLAUSES = ["严格执行预算管理制度", "按照年初计划有序推进各项工作", "资金拨付及时、使用规范",
            "建立健全内部控制制度", "加强项目全过程绩效监控", "定期召开工作调度会", "主动接受审计和社会监督",
            "进一步完善绩效目标管理", "做到专款专用、账目清晰", "加大政策宣传和信息公开力度",
            "服务对象满意度稳步提升", "部分项目前期论证不够充分", "个别项目执行进度偏慢",
            "将绩效评价结果应用于下年度预算安排", "切实提高财政资金使用效益"]
_L2 = {
    "决策": [("项目立项", ["立项依据充分性", "立项程序规范性"]),
             ("绩效目标", ["绩效目标合理性", "绩效指标明确性"]),
             ("资金投入", ["预算编制科学性", "资金分配合理性"])],
    "过程": [("资金管理", ["资金到位率", "预算执行率", "资金使用合规性"]),
             ("组织实施", ["管理制度健全性", "制度执行有效性"])],
    "产出": [("产出数量", ["完成服务人次", "开展活动场次"]), ("产出质量", ["验收合格率"]),
             ("产出时效", ["完成及时性"])],
    "效益": [("社会效益", ["群众受益程度", "政策知晓率"]), ("满意度", ["服务对象满意度"])],
}


def generate_report(seed: int) -> str:
    """One synthetic 自评报告 of ~5,000 characters with a budget paragraph and a score table."""
    rnd = random.Random(seed)
    year = rnd.choice([2022, 2023, 2024])
    unit = rnd.choice(_PLACES) + rnd.choice(_UNITS)
    cent = Decimal("0.01")
    initial = Decimal(rnd.randint(3_000, 900_000)).scaleb(-2)
    adjusted = (initial * rnd.randint(950, 1150) / 1000).quantize(cent)
    executed = (adjusted * rnd.randint(850, 1000) / 1000).quantize(cent)
    rate = (executed / adjusted * 100).quantize(cent)
    basic = (executed * rnd.randint(50, 75) / 100).quantize(cent)

    def para(k: int) -> str:
        return "，".join(rnd.choice(_CLAUSES) for _ in range(k)) + "。"

    lines = [f"{year}年度{unit}部门整体支出绩效自评报告", "一、部门基本情况", "（一）部门职能"]
    lines += [f"{i}.{para(rnd.randint(8, 12))}" for i in range(1, 9)]
    lines += ["（二）年度主要任务"]
    lines += [f"{i}.围绕{w}，{para(rnd.randint(8, 12))}" for i, w in enumerate(rnd.sample(_WORKS, 10), 1)]
    lines += ["二、部门预算执行情况",
              f"{year}年年初预算数{initial:,.2f}万元，全年预算数{adjusted:,.2f}万元，全年执行数{executed:,.2f}万元，"
              f"预算执行率为{rate}%。其中基本支出{basic:,.2f}万元，项目支出{executed - basic:,.2f}万元。",
              para(8), "三、绩效目标完成情况", para(10), "表1：部门整体支出绩效自评得分表",
              "一级指标\t二级指标\t三级指标\t分值\t得分"]
    total_w, total_s = 0, Decimal(0)
    for l1, l2s in _L2.items():
        first1 = True
        for l2, l3s in l2s:
            first2 = True
            for l3 in l3s:
                w = rnd.choice([3, 4, 5, 6])
                s = w - rnd.choice([Decimal(0), Decimal(0), Decimal(0), Decimal("0.5"), Decimal(1)])
                total_w += w
                total_s += s
                lines.append("\t".join([l1 if first1 else "", l2 if first2 else "", l3, str(w), f"{s:g}"]))
                first1 = first2 = False
    lines.append(f"合计\t\t\t{total_w}\t{total_s:g}")
    lines += [f"经自评，本部门{year}年度整体支出绩效自评得分{total_s:g}分。", "四、存在的问题及原因分析"]
    lines += [f"（{i}）{para(rnd.randint(8, 12))}" for i in range(1, 7)]
    lines += ["五、下一步改进措施"]
    lines += [f"（{i}）{para(rnd.randint(8, 12))}" for i in range(1, 7)]
    lines += ["六、其他需要说明的情况", para(12), f"{unit}", f"{year + 1}年3月20日"]
    return "\n".join(lines)


#: Reports shorter than this get narrative paragraphs (no figures) appended: real ones run 10–20 KB.
MIN_BYTES = 10_000


def _texts(n: int) -> list[str]:
    """bench.synth's reports (varied layouts) when present, padded to realistic size; else our own."""
    try:
        from bench.synth import generate  # written by another engineer; optional

        texts = [r.text for r in generate(n, 20240)]
    except Exception:  # absent or incompatible: use our own generator
        return [generate_report(20240 + i) for i in range(n)]
    out = []
    for i, text in enumerate(texts):
        rnd = random.Random(i)
        extra = ["六、其他需要说明的情况"]
        while len(text.encode("utf-8")) + len("\n".join(extra).encode("utf-8")) < MIN_BYTES:
            extra.append(f"（{len(extra)}）" + "，".join(rnd.choice(_CLAUSES) for _ in range(10)) + "。")
        out.append(text.rstrip("\n") + "\n" + "\n".join(extra) + "\n")
    return out


# ---------------------------------------------------------------- workers (run in a fresh process)


def _lib_docx(path: Path) -> int:
    import docx

    d = docx.Document(str(path))
    n = sum(len(p.text) for p in d.paragraphs)
    for t in d.tables:
        for row in t.rows:
            for cell in row.cells:
                n += len(cell.text)
    return n


def _lib_pdf(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    n = 0
    try:
        for page in pdf:
            tp = page.get_textpage()
            n += len(tp.get_text_range())
            tp.close()
            page.close()
    finally:
        pdf.close()
    return n


def _worker(fmt: str, mode: str, folder: Path) -> dict:
    """Time one pass over the folder's files of ``fmt`` in ``mode`` (jixiao | ingest | library)."""
    from jixiao.ingest import read

    files = sorted(folder.glob(f"*.{fmt}"))
    extract = None
    if mode == "jixiao":
        try:
            from jixiao.extract import extract
        except Exception:  # the extractor may not exist yet
            extract = None
    if mode == "library":
        fn = {"docx": _lib_docx, "pdf": _lib_pdf, "txt": lambda p: len(p.read_text("utf-8"))}[fmt]
    elif extract is not None:
        def fn(p):
            return extract(read(p))
    else:
        fn = read
    for p in files[:2]:  # warm up imports and caches
        fn(p)
    start = time.perf_counter()
    cpu0 = time.process_time()
    for p in files:
        fn(p)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    return {"fmt": fmt, "mode": mode, "docs": len(files), "wall": wall, "cpu": cpu, "peak_mb": _peak_mb(),
            "extract": extract is not None if mode == "jixiao" else None}


def _peak_mb() -> float:
    """This process's peak RSS. VmHWM, since ru_maxrss can carry the parent's peak across fork+exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_worker(fmt: str, mode: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.throughput", "--worker", fmt, mode, str(folder)],
                         cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="jixiao throughput bench (吞吐量测试)")
    ap.add_argument("-n", type=int, default=30, help="documents per format")
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--keep", type=Path, help="write the generated files here and keep them")
    ap.add_argument("--worker", nargs=3, metavar=("FMT", "MODE", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        fmt, mode, folder = args.worker
        print(json.dumps(_worker(fmt, mode, Path(folder))))
        return 0

    with contextlib.suppress(AttributeError, OSError):  # one core, as the aim is stated
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    formats = [f for f in args.formats.split(",") if f]
    tmp = None
    folder = args.keep
    if folder is None:
        tmp = tempfile.TemporaryDirectory(prefix="jixiao-bench-")
        folder = Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    texts = _texts(args.n)
    sizes = [len(t.encode("utf-8")) for t in texts]
    t0 = time.perf_counter()
    for i, text in enumerate(texts):
        for fmt in formats:
            write(text, folder / f"r{i:03d}.{fmt}")
    kb = f"{min(sizes) // 1024}–{max(sizes) // 1024} KB"
    secs = time.perf_counter() - t0
    print(f"生成 {len(texts)} 份报告 × {len(formats)} 种格式，每份 {kb} 文字，耗时 {secs:.1f} s (generated)")

    rows = []
    for fmt in formats:
        modes = ["jixiao", "ingest"] + (["library"] if fmt in ("docx", "pdf") else [])
        res = {m: _run_worker(fmt, m, folder) for m in modes}
        rows.append((fmt, res))

    print()
    print(f"{'格式':<6}{'测量 (measure)':<26}{'docs/s':>8}{'CPU ms/doc':>12}{'wall ms/doc':>13}{'peak MB':>9}"
          f"{'÷ library':>11}")
    for fmt, res in rows:
        lib = res.get("library")
        for mode, r in res.items():
            label = {"jixiao": "read+extract" if r["extract"] else "read (extract 跳过 skipped)",
                     "ingest": "read (ingest only)", "library": "library text only"}[mode]
            rate = r["docs"] / r["cpu"] if r["cpu"] else float("inf")
            ratio = f"{r['cpu'] / lib['cpu']:.2f}×" if lib and mode != "library" else ""
            print(f"{fmt:<6}{label:<26}{rate:>8.1f}{1000 * r['cpu'] / r['docs']:>12.1f}"
                  f"{1000 * r['wall'] / r['docs']:>13.1f}{r['peak_mb']:>9.0f}{ratio:>11}")
    print()
    print("docs/s 与比值按 CPU 时间计（共享机器上墙钟时间不稳定）(rates and ratios use CPU time, one core)")
    print("peak MB = 测量进程的最大常驻内存 (VmHWM of the worker process, interpreter and imports included)")
    if any(not res["jixiao"]["extract"] for _fmt, res in rows):
        print("注意：jixiao.extract 不可导入，只测了读取 (extract skipped: not importable)")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
