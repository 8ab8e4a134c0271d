"""OCR bench: render reports to page images, OCR them, extract, compare with the same reports read as text.

    python bench/ocr.py --pages 3               # own reports + corpus (when present), 150 and 300 dpi
    python bench/ocr.py --pages 3 --engine rapidocr,tesseract
    python bench/ocr.py --clean --dpi 300       # no rotation / noise

For every document the text is laid out on A4 pages (Noto Sans CJK, 11 pt, tab tables drawn as ruled grids),
optionally rotated by up to ±1° with salt-and-pepper noise, OCR'd through :func:`jixiao.ocr.read_pages`
and extracted with :func:`jixiao.extract.extract`. It prints, per engine and dpi: field recall against the
labels (``*.expected.json`` for the corpus, the figures written below for our own reports) next to the recall of
the same documents read as text, wrong values, character recall of the OCR text, the share of correctly read
figures with confidence ≥ 0.9, and pages/s (OCR and layout only, one process; the engine is started once
before the clock runs, and its start-up is printed apart). Rates are also given for the two kinds of page
apart: our own one-page forms and short reports ("sparse") and the corpus's narrative pages ("dense"). The
corpus is read at run time; none of its text is copied here.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import re
import sys
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_INDEX = 2  # Noto Sans CJK SC in the collection
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

OWN = {
    "own_a": ("""某某市农业农村局2023年度部门整体支出绩效自评报告

一、部门基本情况
某某市农业农村局为市政府工作部门，内设机构8个，编制人数45人，实有人数43人。

二、预算执行情况
2023年年初预算数为1523.46万元，调整后预算数为1688.20万元，全年执行数为1650.33万元，预算执行率为97.76%。其中基本支出812.05万元，项目支出838.28万元。

三、绩效自评得分
一级指标\t分值\t得分
决策\t20\t19.50
过程\t20\t18.00
产出\t30\t28.40
效益\t30\t29.00
合计\t100\t94.90

四、存在的问题
部分项目前期论证不够充分，预算执行进度不均衡。
""", {"year": 2023, "budget": {"initial": 1523.46, "adjusted": 1688.20, "executed": 1650.33,
                                 "execution_rate": 97.76, "basic": 812.05, "project": 838.28},
      "score": {"total": 94.9}}),
    "own_b": ("""某某区卫生健康局2022年度项目支出绩效自评报告

项目名称：基层医疗机构能力提升项目
本项目全年预算数为356.70万元，执行数为350.12万元，完成预算的98.16%。

绩效指标完成情况如下：
一级指标\t二级指标\t三级指标\t分值\t得分
产出指标\t数量指标\t培训基层医务人员人次\t20\t20
产出指标\t质量指标\t培训合格率\t15\t14.5
效益指标\t社会效益\t群众就诊满意度\t20\t19
满意度指标\t服务对象满意度\t培训对象满意度\t10\t10

综上，本项目自评得分为93.5分，评价等级为优。
""", {"year": 2022, "budget": {"adjusted": 356.70, "executed": 350.12, "execution_rate": 98.16},
      "score": {"total": 93.5}}),
    "own_c": ("""某某县教育局2024年度部门整体支出绩效自评报告

一、预算收支情况
2024年度部门年初预算为2,470.14万元，全年预算数3,012.58万元，实际支出2,980.40万元，预算执行率98.93%。
其中：人员经费1,805.22万元，公用经费215.61万元。上年结转12.35万元，年末结转结余32.18万元。

二、项目支出情况
项目名称\t全年预算数\t执行数\t执行率
学生资助\t560.00\t558.72\t99.77%
校舍维修\t320.50\t301.25\t93.99%
教师培训\t88.40\t86.10\t97.40%
""", {"year": 2024, "budget": {"initial": 2470.14, "adjusted": 3012.58, "executed": 2980.40,
                                 "execution_rate": 98.93, "personnel": 1805.22, "public": 215.61}}),
}


# ------------------------------------------------------------------------------------------------ rendering


class Renderer:
    def __init__(self, dpi: int, size_pt: float = 11.0):
        from PIL import ImageFont

        self.dpi = dpi
        self.px = round(size_pt * dpi / 72)
        self.font = ImageFont.truetype(FONT, self.px, index=FONT_INDEX)
        self.W, self.H = round(8.27 * dpi), round(11.69 * dpi)
        self.margin = round(0.8 * dpi)
        self.avail = self.W - 2 * self.margin
        self.lead = round(self.px * 1.7)
        self._fonts: dict[int, object] = {}
        self._w: dict[tuple[int, str], float] = {}

    def font_of(self, px: int):
        from PIL import ImageFont

        if px not in self._fonts:
            self._fonts[px] = ImageFont.truetype(FONT, px, index=FONT_INDEX)
        return self._fonts[px]

    def width(self, s: str, px: int) -> float:
        f = self.font_of(px)
        total = 0.0
        for c in s:
            k = (px, c)
            if k not in self._w:
                self._w[k] = f.getlength(c)
            total += self._w[k]
        return total

    def wrap(self, s: str, px: int, width: float) -> list[str]:
        out, cur, w = [], "", 0.0
        for c in s:
            cw = self.width(c, px)
            if cur and w + cw > width:
                out.append(cur)
                cur, w = "", 0.0
            cur += c
            w += cw
        out.append(cur)
        return out

    def layout(self, text: str) -> list[list[tuple]]:
        """Text → pages of draw ops: ("text", x, y, s, px) and ("rect", x0, y0, x1, y1); plus page source."""
        blocks: list[tuple[str, list[str]]] = []
        for line in text.splitlines():
            kind = "table" if "\t" in line else "text"
            if blocks and blocks[-1][0] == kind == "table":
                blocks[-1][1].append(line)
            else:
                blocks.append((kind, [line]))
        pages: list[list[tuple]] = [[]]
        sources: list[list[str]] = [[]]
        y = self.margin

        def need(h: float) -> None:
            nonlocal y
            if y + h > self.H - self.margin:
                pages.append([])
                sources.append([])
                y = self.margin

        for kind, lines in blocks:
            if kind == "text":
                for ln in lines:
                    if not ln.strip():
                        y += self.lead // 2
                        continue
                    for piece in self.wrap(ln, self.px, self.avail):
                        need(self.lead)
                        pages[-1].append(("text", self.margin, y, piece, self.px))
                        y += self.lead
                    sources[-1].append(ln)
                continue
            rows = [ln.split("\t") for ln in lines]
            ncols = max(len(r) for r in rows)
            rows = [r + [""] * (ncols - len(r)) for r in rows]
            px = self.px
            pad = 0.8 * px
            natural = [max(self.width(r[c], px) for r in rows) for c in range(ncols)]
            total = sum(natural) + 2 * pad * ncols
            if total > self.avail:
                px = max(round(self.px * 0.8), round(px * self.avail / total))
                pad = 0.8 * px
                natural = [max(self.width(r[c], px) for r in rows) for c in range(ncols)]
                total = sum(natural) + 2 * pad * ncols
            widths = [max(w, px) for w in natural]
            if sum(widths) + 2 * pad * ncols > self.avail:  # shrink the widest columns, wrapping their cells
                room = self.avail - 2 * pad * ncols
                while sum(widths) > room:
                    i = max(range(ncols), key=lambda k: widths[k])
                    widths[i] -= px
            lead = round(px * 1.7)
            for r in rows:
                cells = [self.wrap(c, px, widths[k] + 1) if c else [""] for k, c in enumerate(r)]
                h = lead * max(len(c) for c in cells) + round(0.3 * px)
                need(h)
                x = self.margin
                for k, cl in enumerate(cells):
                    cw = widths[k] + 2 * pad
                    pages[-1].append(("rect", x, y, x + cw, y + h))
                    for j, s in enumerate(cl):
                        pages[-1].append(("text", x + pad, y + round(0.15 * px) + j * lead, s, px))
                    x += cw
                y += h
                sources[-1].append("\t".join(r))
            y += self.lead // 2
        return list(zip(pages, sources, strict=True))

    def draw(self, ops: list[tuple], rng: random.Random | None):
        from PIL import Image, ImageDraw

        im = Image.new("L", (self.W, self.H), 255)
        d = ImageDraw.Draw(im)
        lw = max(1, round(self.dpi / 150))
        for op in ops:
            if op[0] == "rect":
                d.rectangle(op[1:], outline=0, width=lw)
            else:
                d.text((op[1], op[2]), op[3], font=self.font_of(op[4]), fill=0)
        if rng is not None:
            angle = rng.uniform(0.3, 1.0) * rng.choice((-1, 1))
            im = im.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
            import numpy as np

            a = np.asarray(im).copy()
            nrng = np.random.default_rng(rng.randrange(1 << 30))
            mask = nrng.random(a.shape)
            a[mask < 0.001] = 0
            a[mask > 0.999] = 255
            # a little grain, as from a scanner
            a = np.clip(a.astype(np.int16) + nrng.normal(0, 12, a.shape).astype(np.int16), 0, 255).astype(np.uint8)
            im = Image.fromarray(a)
        return im


# ------------------------------------------------------------------------------------------------ scoring


SKIP_KEYS = {"doc", "evidence", "problems", "measures", "summary", "title", "form", "signed_date"}


def leaves(obj, prefix="") -> dict[str, object]:
    out: dict[str, object] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in SKIP_KEYS and not prefix:
                continue
            out.update(leaves(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.update(leaves(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = obj
    return out


def same(a, b) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return re.sub(r"\s+", "", str(a)) == re.sub(r"\s+", "", str(b))


def align_lists(expected: dict, got: dict) -> dict:
    """Reorder list items of ``got`` to best match ``expected`` (an extra OCR row must not shift the rest)."""
    out = dict(got)
    for key, ev in expected.items():
        gv = got.get(key)
        if isinstance(ev, list) and isinstance(gv, list) and ev and isinstance(ev[0], dict):
            pool = list(gv)
            aligned = []
            for item in ev:
                el = leaves(item)
                best, best_n = None, 0
                for cand in pool:
                    cl = leaves(cand)
                    n = sum(1 for k, v in el.items() if k in cl and same(v, cl[k]))
                    if n > best_n:
                        best, best_n = cand, n
                aligned.append(best or {})
                if best is not None:
                    pool.remove(best)
            out[key] = aligned
        elif isinstance(ev, dict) and isinstance(gv, dict):
            out[key] = align_lists(ev, gv)
    return out


def score(expected: dict, got: dict) -> tuple[int, int, int]:
    """(found, wrong, total) over the labelled leaves."""
    el = leaves(expected)
    gl = leaves(align_lists(expected, got))
    found = sum(1 for k, v in el.items() if k in gl and same(v, gl[k]))
    wrong = sum(1 for k, v in el.items() if k in gl and not same(v, gl[k]))
    return found, wrong, len(el)


def char_recall(src: str, ocr: str) -> float:
    a = re.sub(r"\s+", "", src)
    b = re.sub(r"\s+", "", ocr)
    if not a:
        return 1.0
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(m.size for m in sm.get_matching_blocks()) / len(a)


_FIG = re.compile(r"\d+(?:\.\d+)?%?")


def figure_confidences(src: str, doc) -> tuple[list[Decimal], list[Decimal]]:
    """Confidences of the OCR'd figures (2+ characters) that occur in the source, and of those that do not."""
    want = set(_FIG.findall(re.sub(r"(?<=\d),(?=\d{3})", "", src)))
    ok: list[Decimal] = []
    bad: list[Decimal] = []
    for m in _FIG.finditer(re.sub(r"(?<=\d),(?=\d{3})", "_", doc.text)):
        if len(m.group()) < 2:
            continue
        c = doc.confidence_of(m.start(), m.end())
        if c is not None:
            (ok if m.group() in want else bad).append(c)
    return ok, bad


def histogram(ok: list[Decimal], bad: list[Decimal]) -> str:
    edges = [Decimal(x) for x in ("0", "0.5", "0.7", "0.8", "0.9", "0.95", "1.01")]
    cells = []
    for a, b in zip(edges, edges[1:], strict=False):
        n_ok = sum(1 for c in ok if a <= c < b)
        n_bad = sum(1 for c in bad if a <= c < b)
        cells.append(f"[{a},{min(b, Decimal(1))}) {n_ok} ok / {n_bad} misread")
    return "; ".join(cells)


# ------------------------------------------------------------------------------------------------ main


def documents(args) -> list[tuple[str, str, dict]]:
    docs = [(k, t, lab) for k, (t, lab) in OWN.items()]
    if CORPUS.is_dir() and not args.no_corpus:
        for p in sorted(CORPUS.glob("*.txt")):
            lab = p.with_name(p.stem + ".expected.json")
            if lab.exists():
                from jixiao.ingest import read

                docs.append((p.stem, read(p).text, json.loads(lab.read_text("utf-8"))))
    return docs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dpi", default="150,300", help="comma-separated render resolutions")
    ap.add_argument("--engine", default="", help="comma-separated: rapidocr,tesseract (default: the default engine)")
    ap.add_argument("--pages", type=int, default=0, help="OCR at most N pages per document (0 = all)")
    ap.add_argument("--clean", action="store_true", help="no rotation or noise")
    ap.add_argument("--no-corpus", action="store_true")
    ap.add_argument("--only", default="", help="only documents whose name contains this")
    ap.add_argument("--dump", default="", help="write the OCR texts into this folder")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    from jixiao import ocr
    from jixiao.extract import evaluation_to_json, extract
    from jixiao.ingest import read_bytes

    if not Path(FONT).exists():
        print(f"missing font {FONT} (apt-get install fonts-noto-cjk)")
        return 2
    docs = [d for d in documents(args) if args.only in d[0]]
    engines = [e for e in args.engine.split(",") if e] or [ocr.default_engine(ocr.settings())]
    for e in engines:
        if not ocr.available(e):
            print(f"engine {e} is not installed")
            return 2
    dpis = [int(x) for x in args.dpi.split(",") if x]
    for e in engines:  # start each engine (load and simplify its models) before any clock runs
        t0, c0 = time.perf_counter(), _cpu()
        warm = Renderer(150)
        ocr.read_pages([warm.draw(warm.layout("预算执行率99.91%")[0][0], None)], "warm.png", "image",
                       ocr.settings(ocr_engine=e))
        print(f"{e}: start-up and first page {time.perf_counter() - t0:.2f} s ({_cpu() - c0:.2f} CPU-s), not counted")

    # text baseline: the same documents (and the same page cut, when --pages) read as text
    rows = []
    for dpi in dpis:
        r = Renderer(dpi)
        for engine in engines:
            tot = {"found": 0, "wrong": 0, "total": 0, "tfound": 0, "twrong": 0, "pages": 0, "secs": 0.0, "cpu": 0.0,
                   "chars": 0.0, "hi": 0, "ok": 0, "lobad": 0, "bad": 0}
            for name, text, label in docs:
                laid = r.layout(text)
                if args.pages:
                    laid = laid[:args.pages]
                src = "\n".join("\n".join(s) for _, s in laid)
                rng = None if args.clean else random.Random(f"{name}-{dpi}")
                images = [r.draw(ops, rng) for ops, _ in laid]
                t0, c0 = time.perf_counter(), _cpu()
                doc = ocr.read_pages(images, f"{name}.png", "image", ocr.settings(ocr_engine=engine),
                                     dpis=[dpi] * len(images))
                secs = time.perf_counter() - t0
                cpu = _cpu() - c0
                tdoc = read_bytes(src.encode("utf-8"), f"{name}.txt")
                got = evaluation_to_json(extract(doc), evidence=False)
                tgot = evaluation_to_json(extract(tdoc), evidence=False)
                label_cut = label if not args.pages else _restrict(label, tgot)
                f, w, n = score(label_cut, got)
                tf, tw, _ = score(label_cut, tgot)
                cr = char_recall(src, doc.text)
                okc, badc = figure_confidences(src, doc)
                hi, ok = sum(c >= Decimal("0.9") for c in okc), len(okc)
                lobad, bad = sum(c < Decimal("0.9") for c in badc), len(badc)
                tot.setdefault("okc", []).extend(okc)
                tot.setdefault("badc", []).extend(badc)
                if args.dump:
                    Path(args.dump).mkdir(parents=True, exist_ok=True)
                    Path(args.dump, f"{name}.{engine}.{dpi}.txt").write_text(doc.text, "utf-8")
                print(f"{engine:9} {dpi:3} dpi  {name:22} pages {len(images):2}  recall {f}/{n} (text {tf}/{n})"
                      f"  wrong {w} (text {tw})  chars {cr:.3f}  {len(images) / secs:.2f} pages/s"
                      f" ({len(images) / max(cpu, 1e-9):.2f} per CPU-second)", flush=True)
                for k, v in (("found", f), ("wrong", w), ("total", n), ("tfound", tf), ("twrong", tw),
                             ("pages", len(images)), ("secs", secs), ("cpu", cpu), ("chars", cr * len(src)), ("hi", hi),
                             ("ok", ok), ("lobad", lobad), ("bad", bad)):
                    tot[k] += v
                tot.setdefault("srclen", 0)
                tot["srclen"] += len(src)
                kind = "sparse" if name.startswith("own_") else "dense"
                tot.setdefault(kind, [0, 0.0])
                tot[kind][0] += len(images)
                tot[kind][1] += cpu
            rows.append((engine, dpi, tot))
    print()
    print("| engine | dpi | field recall OCR | field recall text | wrong OCR / text | char recall | "
          "correct figures conf ≥ 0.9 | misread figures conf < 0.9 | pages/s wall | pages per CPU-s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for engine, dpi, t in rows:
        n = max(1, t["total"])
        print(f"| {engine} | {dpi} | {t['found'] / n:.3f} | {t['tfound'] / n:.3f} | {t['wrong']} / {t['twrong']} | "
              f"{t['chars'] / max(1, t['srclen']):.3f} | {t['hi']}/{t['ok']} | {t['lobad']}/{t['bad']} | "
              f"{t['pages'] / max(1e-9, t['secs']):.2f} | {t['pages'] / max(1e-9, t['cpu']):.2f} |")
    print()
    for engine, dpi, t in rows:
        kinds = "; ".join(f"{k} pages {t[k][0]}: {t[k][0] / max(1e-9, t[k][1]):.2f} per CPU-s"
                          for k in ("sparse", "dense") if k in t)
        print(f"pages per CPU-second by kind, {engine} {dpi} dpi: {kinds}")
    for engine, dpi, t in rows:
        print(f"figure confidences, {engine} {dpi} dpi: {histogram(t.get('okc', []), t.get('badc', []))}")
    return 0


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the tesseract runs): one-core cost."""
    import resource

    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def _restrict(label: dict, text_got: dict) -> dict:
    """With --pages, score only the labelled leaves that the cut text still yields (the rest are off-page)."""
    el = leaves(label)
    gl = leaves(align_lists(label, text_got))
    keep = {k for k, v in el.items() if k in gl and same(v, gl[k])}

    def prune(obj, prefix=""):
        if isinstance(obj, dict):
            out = {}
            for k, v in obj.items():
                p = f"{prefix}.{k}" if prefix else k
                if k in SKIP_KEYS and not prefix:
                    continue
                pv = prune(v, p)
                if pv not in (None, {}, []):
                    out[k] = pv
            return out
        if isinstance(obj, list):
            items = [prune(v, f"{prefix}[{i}]") for i, v in enumerate(obj)]
            return [i for i in items if i not in (None, {}, [])]
        return obj if prefix in keep else None

    return prune(label)


if __name__ == "__main__":
    sys.exit(main())
