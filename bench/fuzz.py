"""Fuzz the reading path: mutated files of seven kinds through ``jixiao extract --format json``.

Usage: python -m bench.fuzz [-n 10000] [--seed 1] [--seconds 20] [--memory-mb 2048] [--kinds txt,pdf]
                            [--keep DIR] [--progress 500]

Seeds are files of our own (a report text written with :mod:`bench.formats`, the same text in
GB18030 and UTF-16, a filled 填报模板). Each mutant is one of: byte flips, truncation, a duplicated or
deleted chunk, a broken XML part re-zipped, odd zip header fields, structural bombs (merged ranges,
sheet dimensions, style indexes, ``w:gridSpan``, a page tree naming one page thousands of times),
absurd figures (4,301 digits, 39 decimals, NaN, 1e999999) and invalid encodings. Each mutant runs
the real CLI entry point in a forked child (file descriptors captured), with the CLI's reading budget
set to ``--seconds``/``--memory-mb``; the contract is exit 0 with JSON on stdout and nothing on
stderr, or exit 2 with one line ``FILE: reason``. The report prints mutants per kind, outcomes,
failures by kind and cause, and the share of errors still given by the reader's catch-all.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KINDS = ("txt", "txt-enc", "docx", "pdf", "xlsx", "template", "html")
SUFFIX = {"txt": ".txt", "txt-enc": ".txt", "docx": ".docx", "pdf": ".pdf", "xlsx": ".xlsx",
          "template": ".xlsx", "html": ".html"}
#: The reason the reader gives when it does not know what went wrong (counted, not a failure).
CATCH_ALL = "文件损坏或格式不符"

# A report of our own words; the figures are consistent (86.40 → 85.12 is 98.52 %).
REPORT = "\n".join([
    "青石县农业技术推广站2023年度项目支出绩效自评报告",
    "一、项目基本情况",
    "本项目用于推广水稻新品种和绿色防控技术，覆盖全县12个乡镇。",
    "全年预算数86.40万元，执行数85.12万元，预算执行率98.52%。",
    "其中财政拨款80.00万元，其他资金6.40万元。",
    "二、绩效目标完成情况",
    "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分",
    "产出指标\t数量指标\t推广新品种个数\t≥5个\t6个\t20\t20",
    "\t\t示范田面积\t≥300亩\t320亩\t10\t10",
    "\t时效指标\t按期完成率\t100%\t95%\t10\t9",
    "效益指标\t社会效益\t农户技术掌握率\t≥85%\t88%\t20\t20",
    "满意度指标\t服务对象满意度\t农户满意度\t≥90%\t93.5%\t10\t10",
    "合计\t\t\t\t\t70\t69",
    "三、自评结论",
    "本项目自评得分94.00分，等级为优。培训农户1,250人次，较上年增长12.5%。",
])

_HUGE = ["9" * 4301, "4." + "6060606006" * 4 + "%", "1e999999", "NaN", "-Infinity", "0." + "0" * 60 + "1",
         "1" + ",000" * 40 + "万元", "１２３４５６７８９０" * 12, "99.9999999999999999999999999999%",
         "1" * 30 + "." + "7" * 30 + "亿元"]
_BAD_BYTES = [b"\xff", b"\xfe\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80\x80\x80", b"\x00",
              b"\x1b[31m", b"\xef\xbb\xbf", b"\xa1", b"\x81\x30"]


# ---------------------------------------------------------------- seeds


def _fill_template(path: Path) -> None:
    import openpyxl

    from jixiao.render.template import BASIC_SHEET, FIELDS, IND_SHEET

    row = {f.label: 3 + n for n, f in enumerate(FIELDS)}
    wb = openpyxl.load_workbook(path)
    b = wb[BASIC_SHEET]
    for label, v in {"单位名称": "青石县农业技术推广站", "项目名称": "新品种推广", "年度": 2023,
                     "评价类型": "项目支出", "全年预算数": 86.40, "全年执行数": 85.12, "自评总分": 94}.items():
        b.cell(row=row[label], column=2, value=v)
    ind = wb[IND_SHEET]
    rows = [("产出指标", "数量指标", "推广新品种个数", "≥", "5", "6", 20, 20, None, None),
            (None, "时效指标", "按期完成率", "≥", "100%", 0.95, 10, 9, None, None),
            ("满意度指标", "服务对象满意度", "农户满意度", "≥", "90%", "93.5%", 10, 10, "达成", None)]
    for n, r in enumerate(rows):
        for c, v in enumerate(r, start=1):
            if v is not None:
                ind.cell(row=2 + n, column=c, value=v)
    ind.cell(row=3, column=6).number_format = "0%"
    ind.merge_cells("A2:A3")
    wb.save(path)


def make_seeds(folder: Path, text: str = REPORT) -> dict[str, list[bytes]]:
    """Seed files of every kind, written from ``text`` (our own report)."""
    from bench.formats import write
    from jixiao.render.template import write_template

    folder.mkdir(parents=True, exist_ok=True)
    seeds: dict[str, list[bytes]] = {}
    for kind in ("txt", "docx", "pdf", "xlsx", "html"):
        seeds[kind] = [write(text, folder / f"seed{SUFFIX[kind]}").read_bytes()]
    seeds["txt-enc"] = [text.encode("gb18030"), text.encode("utf-16"), text.encode("utf-16-le"),
                        text.encode("utf-16-be"), text.replace("\n", "\r\n").encode("gb18030")]
    tpl = folder / "seed-template.xlsx"
    write_template(tpl)
    _fill_template(tpl)
    seeds["template"] = [tpl.read_bytes()]
    return seeds


# ---------------------------------------------------------------- byte-level mutations


def _flip(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(1, max(2, len(data)))]


def _dup(rng: random.Random, data: bytes) -> bytes:
    a = rng.randrange(len(data))
    n = rng.choice((1, 16, 256, 4096))
    chunk = data[a:a + n]
    at = rng.randrange(len(data) + 1)
    return data[:at] + chunk * rng.choice((1, 2, 50)) + data[at:]


def _delete(rng: random.Random, data: bytes) -> bytes:
    a = rng.randrange(len(data))
    return data[:a] + data[a + rng.choice((1, 16, 256, 4096)):]


BYTE_OPS = {"flip": _flip, "truncate": _truncate, "dup": _dup, "delete": _delete}


# ---------------------------------------------------------------- text-level mutations (rendered again)


def _text_mutant(rng: random.Random, text: str, hostile: bool = True) -> str:
    """The report with absurd figures, a figure-dense row, a long paragraph or odd characters.

    ``hostile`` adds the shapes that today's extractor takes quadratic time on (a row of figures
    apart by spaces, one paragraph of thousands of clauses): the fuzz test in the suite leaves
    them to ``tests/test_extract_limits.py``.
    """
    choice = rng.randrange(6 if hostile else 4)
    if choice == 0:  # an absurd figure in place of a real one
        figures = list(re.finditer(r"\d[\d,.]*", text))
        m = rng.choice(figures)
        return text[:m.start()] + rng.choice(_HUGE) + text[m.end():]
    if choice == 1:  # a stated rate and a table row of many figures
        n = rng.choice((50, 200, 400))
        row = "\t".join(f"{rng.randrange(1, 99999)}.{rng.randrange(100):02d}" for _ in range(n))
        return text + "\n执行率" + rng.choice(_HUGE[1:2] + ["98.52%"]) + "\n" + row + "\n"
    if choice == 4:  # the same row printed without rules: columns apart by spaces
        n = rng.choice((200, 1000, 2000))
        row = "  ".join(f"{rng.randrange(1, 99999)}.{rng.randrange(100):02d}" for _ in range(n))
        return text + "\n预算执行率98.52%\n" + row + "\n"
    if choice == 5:  # one paragraph of many clauses, no line break
        sentence = "全年预算数86.40万元，执行数85.12万元，执行率98.52%，"
        return text + "\n" + sentence * rng.choice((100, 1000, 3000)) + "\n"
    if choice == 2:  # control and unusual characters
        odd = rng.choice(["\u200b", "\ufeff", "\x0b", "\u2028", "\U0001F4B0", "\ud800", "\x00", "％％％", "\t" * 300])
        at = rng.randrange(len(text))
        return text[:at] + odd * rng.choice((1, 10, 1000)) + text[at:]
    # a huge number of lines
    return text + "\n" + ("序号\t金额\n" + "1\t2.00\n" * 3) * rng.choice((10, 500))


# ---------------------------------------------------------------- zip mutations


def _rezip(zin: zipfile.ZipFile, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
    return out.getvalue()


def _xml_member_op(rng: random.Random, data: bytes) -> bytes | None:
    """One XML part broken (flipped, cut, duplicated, deleted), the package zipped again."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    xml = [i.filename for i in zin.infolist() if i.filename.endswith((".xml", ".rels"))]
    member = rng.choice(xml)
    op = rng.choice(list(BYTE_OPS.values()))
    return _rezip(zin, {member: op(rng, zin.read(member))})


def _zip_header_op(rng: random.Random, data: bytes) -> bytes:
    """An odd field in a local or central header: flags (encryption), method, sizes, CRC, name length."""
    b = bytearray(data)
    sig = rng.choice((b"PK\x03\x04", b"PK\x01\x02"))
    offsets = [m.start() for m in re.finditer(re.escape(sig), data)]
    if not offsets:
        return _flip(rng, data)
    at = rng.choice(offsets)
    local = sig == b"PK\x03\x04"
    fields = {"flags": (6 if local else 8, 2), "method": (8 if local else 10, 2), "crc": (14 if local else 16, 4),
              "csize": (18 if local else 20, 4), "usize": (22 if local else 24, 4),
              "namelen": (26 if local else 28, 2), "extralen": (28 if local else 30, 2)}
    name = rng.choice(list(fields))
    off, width = fields[name]
    if name == "flags":
        value = int.from_bytes(b[at + off:at + off + width], "little") | rng.choice((0x1, 0x8, 0x40, 0x2000, 0x1 | 0x40))
    elif name == "method":
        value = rng.choice((1, 6, 9, 12, 14, 93, 95, 98, 99, 0xFFFF))
    elif name in ("csize", "usize"):
        value = rng.choice((0, 1, 0xFFFFFFFF, rng.randrange(1 << 32)))
    else:
        value = rng.randrange(1 << (8 * width))
    b[at + off:at + off + width] = value.to_bytes(width, "little")
    return bytes(b)


def _sheet_member(zin: zipfile.ZipFile) -> str:
    sheets = sorted(n for n in zin.namelist() if n.startswith("xl/worksheets/sheet"))
    return sheets[0]


def _xlsx_bomb(rng: random.Random, data: bytes) -> bytes:
    """Structures openpyxl expands: merged ranges, dimensions, style indexes, far cells, a bloated part."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    member = _sheet_member(zin)
    xml = zin.read(member).decode("utf-8")
    choice = rng.randrange(7)
    if choice == 0:
        ref = rng.choice(("A1:ZZ5000", "A1:XFD1048576", "B2:XFD2", "A1:A1048576"))
        merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
        xml = re.sub(r"<mergeCells.*?</mergeCells>", "", xml, flags=re.S)
        xml = xml.replace("</sheetData>", "</sheetData>" + merge, 1)
    elif choice == 1:
        n = rng.choice((2000, 20000))
        merges = "".join(f'<mergeCell ref="A{2 * k + 40}:C{2 * k + 41}"/>' for k in range(n))
        xml = re.sub(r"<mergeCells.*?</mergeCells>", "", xml, flags=re.S)
        xml = xml.replace("</sheetData>", f'</sheetData><mergeCells count="{n}">{merges}</mergeCells>', 1)
    elif choice == 2:
        xml = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', xml)
    elif choice == 3:
        xml = re.sub(r' s="\d+"', f' s="{rng.choice((999, 65535, 2**31))}"', xml, count=rng.choice((1, 50)))
        if ' s="' not in xml:
            xml = xml.replace("<c ", f'<c s="{rng.choice((999, 65535))}" ', 1)
    elif choice == 4:
        far = rng.choice(("XFD1048576", "A1048576", "XFD1"))
        xml = xml.replace("</sheetData>", f'<row r="{re.sub(r"[A-Z]", "", far)}"><c r="{far}" t="n"><v>1</v></c></row>'
                                          "</sheetData>", 1)
    elif choice == 5:
        wb = zin.read("xl/workbook.xml").decode("utf-8")
        pad = "<!-- -->" if rng.random() < 0.5 else " "
        wb = wb.replace("</workbook>", pad * rng.choice((100_000, 400_000)) + "</workbook>")
        return _rezip(zin, {"xl/workbook.xml": wb.encode()})
    else:
        rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{_col(c)}{r}"><v>{r * c}</v></c>' for c in range(1, 60))
                       + "</row>" for r in range(200, 200 + rng.choice((500, 3000))))
        xml = xml.replace("</sheetData>", rows + "</sheetData>", 1)
    return _rezip(zin, {member: xml.encode("utf-8")})


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _xlsx_value(rng: random.Random, data: bytes) -> bytes:
    """Absurd values in cells: huge numbers, NaN, an inline string, an error, a bad shared-string index."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    member = _sheet_member(zin)
    xml = zin.read(member).decode("utf-8")
    cells = list(re.finditer(r"<v>([^<]*)</v>", xml))
    if not cells:
        return _xlsx_bomb(rng, data)
    m = rng.choice(cells)
    value = rng.choice(_HUGE + ["1e308", "-1e-320", "inf", "99999999999999999999", "#DIV/0!", "", "-1", "2147483648"])
    xml = xml[:m.start(1)] + value + xml[m.end(1):]
    return _rezip(zin, {member: xml.encode("utf-8")})


def _docx_bomb(rng: random.Random, data: bytes) -> bytes:
    """``w:gridSpan`` bombs, deep nesting, many empty cells or rows in word/document.xml."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    xml = zin.read("word/document.xml").decode("utf-8")
    choice = rng.randrange(4)
    if choice == 0:
        xml = re.sub(r'<w:gridSpan w:val="\d+"/>', f'<w:gridSpan w:val="{rng.choice((1000, 99999))}"/>', xml)
        xml = xml.replace("<w:tcPr>", f'<w:tcPr><w:gridSpan w:val="{rng.choice((1000, 99999))}"/>')
    elif choice == 1:
        cell = '<w:tc><w:tcPr><w:gridSpan w:val="1000"/></w:tcPr><w:p><w:r><w:t>1</w:t></w:r></w:p></w:tc>'
        row = "<w:tr>" + cell * rng.choice((10, 50)) + "</w:tr>"
        table = "<w:tbl>" + row * rng.choice((50, 200)) + "</w:tbl>"
        xml = xml.replace("<w:body>", "<w:body>" + table, 1)
    elif choice == 2:
        depth = rng.choice((200, 2000))
        nest = "<w:tbl><w:tr><w:tc>" * depth + "<w:p><w:r><w:t>9</w:t></w:r></w:p>" + "</w:tc></w:tr></w:tbl>" * depth
        xml = xml.replace("<w:body>", "<w:body>" + nest, 1)
    else:
        cell = '<w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p/></w:tc>'
        row = "<w:tr>" + cell * 60 + "</w:tr>"
        xml = xml.replace("<w:body>", "<w:body><w:tbl>" + row * rng.choice((300, 2000)) + "</w:tbl>", 1)
    return _rezip(zin, {"word/document.xml": xml.encode("utf-8")})


# ---------------------------------------------------------------- pdf, html, text encodings


def _pdf_tree(rng: random.Random, data: bytes) -> bytes:
    """A page tree naming one page thousands of times, a lying /Count, a self-referencing /Kids."""
    m = re.search(rb"/Count (\d+) /Kids \[ ([^\]]*)\]", data)
    if not m:
        return _flip(rng, data)
    first = m.group(2).split(b" R")[0] + b" R"
    choice = rng.randrange(3)
    if choice == 0:
        n = rng.choice((2000, 20000))
        new = b"/Count %d /Kids [ " % n + (first + b" ") * n + b"]"
    elif choice == 1:
        new = b"/Count %d /Kids [ " % rng.choice((2**31 - 1, 10**9, -1)) + m.group(2) + b"]"
    else:
        own = re.search(rb"(\d+) 0 obj\s*<<[^>]*?/Count", data)
        ref = (own.group(1) if own else b"1") + b" 0 R"
        new = b"/Count 2 /Kids [ " + ref + b" " + first + b" ]"
    return data[:m.start()] + new + data[m.end():]


def _html_op(rng: random.Random, data: bytes) -> bytes:
    """Span bombs, deep nesting, an odd charset."""
    text = data.decode("utf-8", "replace")
    choice = rng.randrange(3)
    if choice == 0:
        text = text.replace("<td", f'<td colspan="{rng.choice((200, 99999))}" rowspan="{rng.choice((999, 65534))}"', 3)
    elif choice == 1:
        depth = rng.choice((1000, 30000))
        text = text.replace("<body>", "<body>" + "<div>" * depth + "深" + "</div>" * depth, 1)
    else:
        text = re.sub(r'charset="?[\w-]+', 'charset="' + rng.choice(("utf-7", "utf-16", "x-unknown", "utf-32", "hz")), text)
    return text.encode("utf-8")


def _encoding_op(rng: random.Random, data: bytes) -> bytes:
    """Invalid byte sequences, odd-length UTF-16, a BOM that lies, a lone surrogate."""
    choice = rng.randrange(5)
    at = rng.randrange(len(data))
    if choice == 0:
        return data[:at] + rng.choice(_BAD_BYTES) * rng.choice((1, 3, 100)) + data[at:]
    if choice == 1:
        return data + rng.choice((b"A", b"\x00", b"\xd8"))
    if choice == 2:
        return rng.choice((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\xff\xfeA")) + data
    if choice == 3:
        return data[:at - at % 2] + rng.choice((b"\x00\xd8", b"\xd8\x00", b"\x00\xdc\x00\xdc")) + data[at - at % 2:]
    return data[:at] + "执行数".encode(rng.choice(("gb18030", "utf-8", "utf-16-le", "gbk"))) + data[at:]


# ---------------------------------------------------------------- the mutator


@dataclass(frozen=True)
class Mutant:
    kind: str
    op: str
    data: bytes

    @property
    def suffix(self) -> str:
        return SUFFIX[self.kind]


def _render(kind: str, text: str, folder: Path) -> bytes:
    from bench.formats import write

    if kind == "txt-enc":
        enc = random.Random(len(text)).choice(("gb18030", "utf-16", "utf-16-le"))
        try:
            return text.encode(enc)
        except UnicodeEncodeError:
            return text.encode(enc, "replace")
    path = folder / f"render{SUFFIX[kind]}"
    try:
        write(text, path)
    except Exception:  # a fixture writer refusing odd text: the plain seed with the text appended as bytes
        return text.encode("utf-8", "replace")
    return path.read_bytes()


def _template_value(rng: random.Random, data: bytes) -> bytes:
    """A hostile value typed into the filled 填报模板 (through openpyxl, so the package stays valid)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[rng.choice(wb.sheetnames[:2])]
    cell = ws.cell(row=rng.randrange(2, 30), column=rng.randrange(1, 11))
    value = rng.choice([*_HUGE, 1e308, -1e308, float("inf"), float("nan"), 10**40, "=1/0", "#REF!", "x" * 40000,
                        "2023-02-30"])
    try:
        cell.value = value
        if rng.random() < 0.3:
            cell.number_format = rng.choice(("0.00%", "0." + "0" * 40, "#,##0", "@", "General"))
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    except Exception:
        return _flip(rng, data)


class Mutator:
    """Mutants of every kind from the seeds, reproducible from ``seed``."""

    def __init__(self, seeds: dict[str, list[bytes]], folder: Path, seed: int = 1, text: str = REPORT,
                 hostile_text: bool = True):
        self.seeds = seeds
        self.folder = folder
        self.rng = random.Random(seed)
        self.text = text
        self.hostile_text = hostile_text

    def ops(self, kind: str) -> list[str]:
        ops = list(BYTE_OPS) + ["text"]
        if kind in ("docx", "xlsx", "template"):
            ops += ["xml-part", "xml-part", "zip-header", "zip-header"]
        if kind in ("xlsx", "template"):
            ops += ["xlsx-bomb", "xlsx-bomb", "xlsx-value"]
        if kind == "template":
            ops += ["template-value", "template-value"]
        if kind == "docx":
            ops += ["docx-bomb", "docx-bomb"]
        if kind == "pdf":
            ops += ["pdf-tree", "pdf-tree"]
        if kind == "html":
            ops += ["html", "html", "encoding"]
        if kind in ("txt", "txt-enc"):
            ops += ["encoding", "encoding", "encoding"]
        return ops

    def mutant(self, kind: str) -> Mutant:
        rng = self.rng
        data = rng.choice(self.seeds[kind])
        op = rng.choice(self.ops(kind))
        if op in BYTE_OPS:
            out = BYTE_OPS[op](rng, data)
        elif op == "text":
            if kind == "template":
                out = _template_value(rng, data)
            else:
                out = _render(kind, _text_mutant(rng, self.text, self.hostile_text), self.folder)
        elif op == "xml-part":
            out = _xml_member_op(rng, data)
        elif op == "zip-header":
            out = _zip_header_op(rng, data)
        elif op == "xlsx-bomb":
            out = _xlsx_bomb(rng, data)
        elif op == "xlsx-value":
            out = _xlsx_value(rng, data)
        elif op == "template-value":
            out = _template_value(rng, data)
        elif op == "docx-bomb":
            out = _docx_bomb(rng, data)
        elif op == "pdf-tree":
            out = _pdf_tree(rng, data)
        elif op == "html":
            out = _html_op(rng, data)
        else:
            out = _encoding_op(rng, data)
        return Mutant(kind, op, out or data)

    def mutants(self, n: int, kinds: tuple[str, ...] = KINDS):
        """``n`` mutants, the kinds taken in turn."""
        for i in range(n):
            yield self.mutant(kinds[i % len(kinds)])


# ---------------------------------------------------------------- running one mutant through the CLI


@dataclass
class Outcome:
    """What the CLI did with one file."""

    exit: int | None  # None: the bench's own bound killed it
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    bound: str = ""  # "timeout" / "memory" when the bench's outer bound stopped it


def _cli_child(argv: list[str], out_path: str, err_path: str) -> tuple[int, float]:
    """Run the real CLI entry point with stdout/stderr going to files (C libraries' output too)."""
    out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    err_fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 - the child's own streams
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.argv = ["jixiao", *argv]
    code = 0
    try:
        _command().main(args=argv, prog_name="jixiao")  # what jixiao.cli.main() runs, built once
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
    except BaseException:  # noqa: BLE001 - what Python would print for an uncaught exception
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return code, peak


def preload() -> None:
    """Import what reading any kind needs once, so each forked child starts warm (not re-importing
    python-docx, openpyxl, PDFium and lxml for every mutant)."""
    import importlib

    for name in ("jixiao.cli", "jixiao.pipeline", "jixiao.extract", "jixiao.ingest.text", "jixiao.ingest.docx",
                 "jixiao.ingest.pdf", "jixiao.ingest.xlsx", "jixiao.ingest.html", "jixiao.render.template_reader",
                 "docx", "openpyxl", "pypdfium2", "pdfplumber", "pdfplumber.table", "lxml.html",
                 "charset_normalizer", "cn2an", "rich.console", "rich.table"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    _command()


_COMMAND = None


def _command():
    """The CLI's command group as ``jixiao.cli.main`` builds it, built once (typer takes ~0.1 s)."""
    global _COMMAND
    if _COMMAND is None:
        import typer

        from jixiao.cli import _load_commands, app

        _load_commands()
        _COMMAND = typer.main.get_command(app)
    return _COMMAND


def _cli_in_process(argv: list[str]) -> tuple[int, str, str]:
    """The CLI's command group called in this process, Python's stdout/stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            _command().main(args=argv, prog_name="jixiao")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # noqa: BLE001 - what Python would print for an uncaught exception
            traceback.print_exc()
            code = 1
    return code, out.getvalue(), err.getvalue()


def run_cli(path: Path, seconds: float = 20, memory_mb: int = 2048, verb: str = "extract",
            fork: bool = True) -> Outcome:
    """``jixiao VERB --format json PATH``, the CLI's reading budget set to the given bounds.

    With ``fork`` the real entry point runs in a forked child with its file descriptors captured
    (what a C library prints shows too), under the bench's own bound, 10 s and 1 GiB above the
    CLI's, so that it only fires when something outside the bounded read runs away. Without it
    the command group runs in this process (Python's streams captured; the test in the suite,
    where a few hundred runs must take seconds), and the CLI's own budget is the bound.
    """
    from jixiao.workers import Limits, WorkerError, WorkerMemory, WorkerTimeout, run_limited

    os.environ["JIXIAO_READ_SECONDS"] = f"{seconds:g}"
    os.environ["JIXIAO_READ_MEMORY_MB"] = str(memory_mb)
    if not fork:
        t0 = time.monotonic()
        code, out, err = _cli_in_process([verb, "--format", "json", str(path)])
        return Outcome(code, out, err, time.monotonic() - t0, 0.0)
    with tempfile.TemporaryDirectory(prefix="jixiao-fuzz-") as tmp:
        out, err = os.path.join(tmp, "out"), os.path.join(tmp, "err")
        t0 = time.monotonic()
        bound = ""
        code: int | None = None
        peak = 0.0
        try:
            code, peak = run_limited(_cli_child, [verb, "--format", "json", str(path)], out, err,
                                     limits=Limits(seconds + 10, memory_mb + 1024))
        except WorkerTimeout:
            bound = "timeout"
        except WorkerMemory:
            bound = "memory"
        except WorkerError:
            bound = "crashed"
        elapsed = time.monotonic() - t0

        def text(p: str) -> str:
            try:
                return Path(p).read_bytes().decode("utf-8", "replace")
            except OSError:
                return ""

        return Outcome(code, text(out), text(err), elapsed, peak, bound)


def judge(outcome: Outcome, path: Path, seconds: float = 20, memory_mb: int = 2048) -> str | None:
    """The broken part of the contract, or None when the CLI kept it.

    Exit 0 with JSON on stdout and nothing on stderr, or exit 2 with one line ``FILE: reason``;
    within the time and memory bound, where the CLI's own budget firing counts as a hang or a
    memory failure too (a limit checked up front should have refused the file first).
    """
    if outcome.bound == "timeout" or outcome.seconds > seconds + 5:
        return "hang"
    if outcome.bound in ("memory", "crashed") or outcome.peak_mb > memory_mb:
        return "memory"
    err = outcome.stderr
    if "Traceback" in err or outcome.exit not in (0, 2):
        return "exception"
    if outcome.exit == 0:
        if err.strip():
            return "noise"
        try:
            json.loads(outcome.stdout)
        except ValueError:
            return "bad-json"
        return None
    lines = err.splitlines()
    if len(lines) != 1 or not lines[0].startswith(f"{path}: "):
        return "not-one-line"
    reason = lines[0][len(str(path)) + 2:]
    if "(reading time limit" in reason:
        return "hang"
    if "(reading memory limit" in reason or "(reader process crashed)" in reason:
        return "memory"
    return None


def _read_only(path: Path) -> None:
    """The reading half of ``jixiao extract`` (the 填报模板 check and reader, or ``read``), no extraction."""
    from jixiao.ingest import IngestError, read

    try:
        if path.suffix.lower() == ".xlsx":
            from jixiao.render.template_reader import is_template, read_template

            if is_template(path):
                read_template(path)
                return
        read(path)
    except IngestError:
        pass


def blame(outcome: Outcome, path: Path, cause: str, seconds: float, memory_mb: int) -> str:
    """Where a failure comes from: ``extractor`` (jixiao/extract internals, the lead's) or ``reader``.

    A traceback is placed by its innermost jixiao frame; a hang or memory failure by running the
    reading half alone within the same budget: if that finishes, the extraction did not.
    """
    if cause == "exception":
        frames = re.findall(r'File "[^"]*/(jixiao/[^"]+)"', outcome.stderr)
        return "extractor" if frames and frames[-1].startswith("jixiao/extract/") else "reader"
    if cause in ("hang", "memory"):
        from jixiao.workers import Limits, WorkerError, run_limited

        try:
            run_limited(_read_only, path, limits=Limits(seconds, memory_mb))
        except WorkerError:
            return "reader"
        return "extractor"
    return "reader"


def reason_of(outcome: Outcome, path: Path) -> str:
    lines = outcome.stderr.splitlines()
    return lines[0][len(str(path)) + 2:] if len(lines) == 1 and lines[0].startswith(f"{path}: ") else ""


# ---------------------------------------------------------------- the bench


def recheck(folder: Path, seconds: float, memory_mb: int, fork: bool = True) -> int:
    """Run kept failures again (after a fix, or on a quieter machine): each file's verdict now."""
    preload()
    still = 0
    files = sorted(p for p in folder.iterdir() if p.suffix in set(SUFFIX.values()))
    for path in files:
        o = run_cli(path, seconds, memory_mb, fork=fork)
        bad = judge(o, path, seconds, memory_mb)
        still += bool(bad)
        what = bad or ("read" if o.exit == 0 else "refused: " + reason_of(o, path)[:100])
        print(f"{path.name:60} {o.seconds:6.1f} s  {what}", flush=True)
    print(f"{still}/{len(files)} still fail")
    return 1 if still else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="mutants (the kinds taken in turn)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=20, help="the CLI's reading budget per file")
    ap.add_argument("--memory-mb", type=int, default=2048)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--keep", type=Path, help="copy failing mutants here")
    ap.add_argument("--progress", type=int, default=500, help="print a line every N mutants")
    ap.add_argument("--in-process", action="store_true",
                    help="run the CLI's command group in this process (5x faster; C libraries' own output not seen)")
    ap.add_argument("--no-hostile-text", action="store_true",
                    help="leave out the report shapes today's extractor is quadratic on (long rows, paragraphs)")
    ap.add_argument("--ops", default="", help="only these mutation ops (comma-separated, e.g. text)")
    ap.add_argument("--recheck", type=Path, help="instead: run the files kept in DIR (--keep) again and judge each")
    args = ap.parse_args(argv)
    if args.recheck:
        return recheck(args.recheck, args.seconds, args.memory_mb, fork=not args.in_process)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        ap.error(f"unknown kinds {sorted(unknown)}; use {','.join(KINDS)}")
    preload()

    per_kind: collections.Counter = collections.Counter()
    outcomes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    reasons: collections.Counter = collections.Counter()
    slowest: list[tuple[float, str]] = []
    peak = 0.0
    t_start = time.monotonic()
    import signal

    def _stop(_sig, _frame):  # a SIGTERM (a deadline) ends the run with the summary of what ran
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    with contextlib.suppress(KeyboardInterrupt), tempfile.TemporaryDirectory(prefix="jixiao-fuzz-seeds-") as tmp:
        folder = Path(tmp)
        mutator = Mutator(make_seeds(folder / "seeds"), folder, seed=args.seed, hostile_text=not args.no_hostile_text)
        if args.ops:
            only = [op for op in args.ops.split(",") if op]
            every = mutator.ops
            mutator.ops = lambda kind: [op for op in every(kind) if op in only] or every(kind)
        for i, m in enumerate(mutator.mutants(args.n, kinds)):
            path = folder / f"m{i:05d}{m.suffix}"
            path.write_bytes(m.data)
            o = run_cli(path, args.seconds, args.memory_mb, fork=not args.in_process)
            per_kind[m.kind] += 1
            peak = max(peak, o.peak_mb)
            slowest = sorted([*slowest, (o.seconds, f"{m.kind}/{m.op}")], reverse=True)[:5]
            bad = judge(o, path, args.seconds, args.memory_mb)
            if bad:
                where = blame(o, path, bad, args.seconds, args.memory_mb)
                failures[(where, m.kind, bad)].append(f"#{i} {m.op}: {(o.stderr.strip().splitlines() or [''])[-1][:160]}")
                outcomes[m.kind]["failed"] += 1
                outcomes[m.kind][f"failed-{where}"] += 1
                if args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    (args.keep / f"{where}-{bad}-{m.kind}-{m.op}-{i:05d}{m.suffix}").write_bytes(m.data)
            elif o.exit == 0:
                outcomes[m.kind]["read"] += 1
            else:
                outcomes[m.kind]["refused"] += 1
                reason = reason_of(o, path)
                if CATCH_ALL in reason:
                    outcomes[m.kind]["catch-all"] += 1
                reasons[re.sub(r"[\d.]+", "N", reason.split(" (")[0])[:60]] += 1
            path.unlink()
            if args.progress and (i + 1) % args.progress == 0:
                done = sum(per_kind.values())
                print(f"  {done} mutants, {sum(c['failed'] for c in outcomes.values())} failed, "
                      f"{time.monotonic() - t_start:.0f} s", flush=True)
    total = sum(per_kind.values())
    refused = sum(c["refused"] for c in outcomes.values())
    catch_all = sum(c["catch-all"] for c in outcomes.values())
    mode = "in process" if args.in_process else "forked CLI"
    text = "" if not args.no_hostile_text else ", hostile report text left out"
    print(f"\n{total} mutants ({mode}{text}{', ops ' + args.ops if args.ops else ''}), seed {args.seed}, "
          f"budget {args.seconds:g} s / {args.memory_mb} MB, {time.monotonic() - t_start:.0f} s wall"
          + (f"; peak RSS of one run {peak:.0f} MB" if not args.in_process else ""))
    print(f"{'kind':10} {'mutants':>8} {'read':>6} {'refused':>8} {'catch-all':>10} {'failed':>7} "
          f"{'(reader)':>9} {'(extract)':>10}")
    for k in kinds:
        c = outcomes[k]
        print(f"{k:10} {per_kind[k]:>8} {c['read']:>6} {c['refused']:>8} {c['catch-all']:>10} {c['failed']:>7} "
              f"{c['failed-reader']:>9} {c['failed-extractor']:>10}")
    share = catch_all / refused if refused else 0.0
    print(f"errors given by the catch-all: {catch_all}/{refused} = {share:.1%}")
    for where in ("reader", "extractor"):
        mine = {k: v for k, v in failures.items() if k[0] == where}
        title = "readers, CLI" if where == "reader" else "extractor internals (jixiao/extract, the lead's)"
        print(f"failures in the {title}, by kind and cause:" + ("" if mine else " none"))
        for (_w, kind, cause), items in sorted(mine.items()):
            print(f"  {kind:10} {cause:14} {len(items)}")
            for line in items[:5]:
                print(f"      {line}")
    print("slowest runs: " + ", ".join(f"{s:.1f} s {what}" for s, what in slowest))
    print("most frequent reasons:")
    for reason, n in reasons.most_common(25):
        print(f"  {n:>6}  {reason}")
    return 1 if any(k[0] == "reader" for k in failures) else 0


if __name__ == "__main__":
    sys.exit(main())
