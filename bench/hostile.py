"""Hostile inputs of our own making, for the web fault bench and the tests (nothing from the corpus).

- :func:`docx_xml_bomb`: a docx whose document.xml expands to ``mb`` MiB while keeping the compression
  ratio near 60:1, under the readers' 200:1 guard (what a plain ratio check lets through);
- :func:`xlsx_cell_bomb`: a workbook with ``cells`` cells, small on the wire;
- :func:`yaml_alias_bomb`: a few hundred bytes of nested YAML aliases (``levels`` × 9 fan-out);
- :func:`long_pdf`: an invented report of ``pages`` pages (reportlab, CJK font), for the export bench.
"""

from __future__ import annotations

import io
import random
import zipfile

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _zip(parts: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


def _filler(mb: float, unit: str, unique: str, seed: int = 7) -> str:
    rnd = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < mb * 1024 * 1024:
        chunk = unit + unique % rnd.getrandbits(256).to_bytes(32, "big").hex()
        out.append(chunk)
        size += len(chunk.encode("utf-8"))
    return "".join(out)


def docx_xml_bomb(mb: float = 42) -> bytes:
    para = '<w:p><w:r><w:t>示例段落文字</w:t></w:r></w:p>'
    body = _filler(mb, para * 60, "<w:p><w:r><w:t>%s</w:t></w:r></w:p>")
    return _zip({
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
                               '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                               'officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_R}/'
                       'officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>'
                             f"{body}</w:body></w:document>",
    })


def xlsx_cell_bomb(cells: int = 520_000, per_row: int = 50) -> bytes:
    rnd = random.Random(11)
    rows = []
    for r in range(1, cells // per_row + 1):
        cs = "".join(f'<c r="{_col(c)}{r}"><v>{rnd.randint(0, 9) if c else rnd.getrandbits(40)}</v></c>'
                     for c in range(per_row))
        rows.append(f'<row r="{r}">{cs}</row>')
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_S}"><sheetData>{"".join(rows)}</sheetData></worksheet>'
    return _zip({
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
                               '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                               'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                               'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
                               '.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_R}/'
                       'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{_S}" xmlns:r="{_R}"><sheets><sheet name="表1" '
                           'sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                                      f'Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    })


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        s = chr(65 + rem) + s
    return s


def yaml_alias_bomb(levels: int = 6) -> str:
    lines = ["id: alias-bomb", "name: 别名炸弹", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def long_pdf(pages: int = 1500) -> bytes:
    """A self-evaluation report of ``pages`` pages: the figures on page 1, narrative after (our own words)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    first = ["东湖区长卷测试局2023年度部门整体支出绩效自评报告", "一、部门整体收支情况",
             "全年预算数500.00万元，执行数480.00万元，完成预算的96.00%。",
             "二、自评结论", "本部门2023年度绩效自评得分92.00分，等级为“优”。"]
    para = "本页为长篇附件，记录各项工作的开展过程与佐证材料，供审核时查阅。第{n}页。"
    for n in range(1, pages + 1):
        c.setFont("STSong-Light", 11)
        lines = first if n == 1 else [para.format(n=n)] * 30
        for i, line in enumerate(lines):
            c.drawString(60, 780 - 22 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()
