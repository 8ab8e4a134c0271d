"""OCR reader: repairs and layout on synthetic boxes (always), and real OCR of small rendered pages
(skipped only when tesseract with chi_sim, or the Noto CJK font used to draw the pages, is missing)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from jixiao import ocr
from jixiao.ingest import IngestError, read_bytes
from jixiao.ingest import ocr as ocrmod
from jixiao.ocr import document, engines, layout
from jixiao.ocr.engines import rapid
from jixiao.ocr.layout import Rule, Word, layout_page
from jixiao.ocr.repair import clean_words, repair, repair_map

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


# ------------------------------------------------------------------------------------------ repairs


@pytest.mark.parametrize(("raw", "fixed"), [
    ("执行数67O.58万元", "执行数670.58万元"),
    ("2O23年度", "2023年度"),
    ("1OO0万元", "1000万元"),
    ("预算数1l2.5万元", "预算数112.5万元"),
    ("得分9I.5", "得分91.5"),
    ("共1|3人", "共113人"),
    ("执行率99，76%", "执行率99.76%"),
    ("预算12,5万元", "预算12.5万元"),
    ("全年预算数675,58 万元", "全年预算数675.58万元"),
    ("资金２，４７０．１４万元", "资金2,470.14万元"),  # full-width digits; a 3-digit group stays thousands
    ("合计1,234万元", "合计1,234万元"),
    ("675.58万 元", "675.58万元"),
    ("675. 58万元", "675.58万元"),
    ("总计为39.4亡元", "总计为39.4万元"),
    ("总计为39 4万元", "总计为39.4万元"),
    ("完成率 98.16 %", "完成率 98.16%"),
    ("１２３４５６７８９０％", "1234567890%"),
])
def test_repair_fixes_confusions_the_context_makes_certain(raw, fixed):
    assert repair(raw) == fixed


@pytest.mark.parametrize("text", [
    "Office 2019",      # O not between digits
    "lI|",              # no digit context
    "一、二，三",
    "分别为1,234和5,678元",  # thousands groups
    "第1，2项",           # comma not followed by a unit: could be a list
    "I类项目",
])
def test_repair_leaves_uncertain_text_alone(text):
    assert repair(text) == text


def test_repair_map_points_each_character_at_its_source():
    raw = "数67O.58 万 元"
    out, idx = repair_map(raw)
    assert out == "数670.58万元"
    assert len(idx) == len(out)
    assert [raw[i] for i in idx] == ["数", "6", "7", "O", ".", "5", "8", "万", "元"]


# ------------------------------------------------------------------------------------------ layout


def _words(y: float, cells: list[tuple[float, str]], conf: float = 0.95, line=None) -> list[Word]:
    """One word per cell, 40 px high, 40 px per CJK char, 20 px per ASCII char."""
    out = []
    for x, t in cells:
        w = sum(40 if ord(c) > 127 else 20 for c in t)
        out.append(Word(t, x, y, x + w, y + 40, conf, line))
    return out


def _doc_of(words, rules=()):
    from jixiao.ingest.base import TextBuilder

    b = TextBuilder()
    confs: list = []
    b.new_page()
    document._emit_page(b, layout_page(clean_words(words), rules), 1, confs)
    return b, confs


def test_layout_rebuilds_table_rows_from_gaps_and_keeps_paragraphs():
    words = (_words(100, [(100, "全年预算数"), (300, "675.58"), (420, "万元，执行数674.99万元。")], line=(1, 1, 1))
             + _words(200, [(100, "项目"), (500, "预算数"), (900, "执行数")], line=(1, 2, 1))
             + _words(270, [(100, "学生资助"), (500, "560.00"), (900, "558.72")], line=(1, 2, 2))
             + _words(340, [(100, "教师培训"), (500, "88.40"), (900, "86.10")], line=(1, 2, 3)))
    b, confs = _doc_of(words)
    doc = b.build("x.png", "image", confidences=tuple((s, e, Decimal(str(c))) for s, e, c in confs))
    assert "全年预算数675.58万元，执行数674.99万元。" in doc.text
    assert "项目\t预算数\t执行数\n学生资助\t560.00\t558.72\n教师培训\t88.40\t86.10\n" in doc.text
    assert doc.tables[0].rows[2] == ("教师培训", "88.40", "86.10")
    i = doc.text.index("558.72")
    assert doc.confidence_of(i, i + 6) == Decimal("0.95")
    cell = next(c for c in doc.tables[0].cells if c.text == "558.72")
    assert doc.text[cell.start:cell.end] == "558.72"
    assert cell.confidence == Decimal("0.95")


def test_layout_splits_cells_at_ruling_lines_even_when_the_gap_is_narrow():
    # cells only 30 px apart (less than a character): only the rules at x=270 and x=440 separate them
    rows = [[(100, "一级指标"), (300, "分值"), (470, "得分")],
            [(100, "产出指标"), (300, "20"), (470, "19.5")],
            [(100, "效益指标"), (300, "30"), (470, "28")]]
    words = [w for r, cells in enumerate(rows) for w in _words(100 + 70 * r, cells, line=(1, 1, r + 1))]
    # narrow the gaps: shift so each cell ends 30 px before the next starts
    rules = [Rule(90, 80, 320), Rule(270, 80, 320), Rule(440, 80, 320), Rule(650, 80, 320)]
    b, _ = _doc_of(words, rules)
    assert b.tables and b.tables[0].rows == (("一级指标", "分值", "得分"), ("产出指标", "20", "19.5"),
                                             ("效益指标", "30", "28"))


def test_layout_keeps_empty_cells_of_a_sparse_row_in_their_column():
    rows = [[(100, "一级指标"), (500, "二级指标"), (900, "分值")],
            [(100, "产出指标"), (500, "数量指标"), (900, "20")],
            [(500, "质量指标"), (900, "15")]]
    words = [w for r, cells in enumerate(rows) for w in _words(100 + 70 * r, cells, line=(1, 1, r + 1))]
    b, _ = _doc_of(words)
    assert b.tables[0].rows[2] == ("", "质量指标", "15")


def test_layout_joins_wrapped_lines_but_not_sentence_ends():
    words = (_words(100, [(100, "全年预算数为1688.20万元，执行数为1650.33万元，预算执行")], line=(1, 1, 1))
             + _words(170, [(100, "率为97.76%。")], line=(1, 1, 2))
             + _words(240, [(100, "其中基本支出812.05万元。")], line=(1, 1, 3)))
    b, _ = _doc_of(words)
    text = b.build("x", "image").text
    assert "预算执行率为97.76%。\n其中基本支出812.05万元。" in text


def test_layout_clusters_boxes_without_line_ids_despite_skew():
    # rapidocr-style boxes: no line ids, the row drifts down 12 px across the page (a skewed scan)
    words = (_words(100, [(100, "项目")]) + _words(106, [(500, "预算数")]) + _words(112, [(900, "执行数")])
             + _words(170, [(100, "学生资助")]) + _words(176, [(500, "560.00")]) + _words(182, [(900, "558.72")]))
    b, _ = _doc_of(words)
    assert b.tables[0].rows == (("项目", "预算数", "执行数"), ("学生资助", "560.00", "558.72"))


def test_noise_words_are_dropped_and_quotes_glued_to_numbers_stripped():
    ws = [Word("”560.00", 0, 0, 100, 40, 0.4), Word("，。", 120, 0, 140, 40, 0.0), Word("执行数", 200, 0, 320, 40, 0.9)]
    assert [w.text for w in clean_words(ws)] == ["560.00", "执行数"]


# ------------------------------------------------------------------------------------------ real OCR

needs_ocr = pytest.mark.skipif(not ocrmod.available(), reason="OCR extra not installed (pip install jixiao[ocr])")
needs_tesseract = pytest.mark.skipif(not ocrmod.available("tesseract"),
                                     reason="tesseract-ocr + tesseract-ocr-chi-sim not installed")
needs_font = pytest.mark.skipif(not FONT.exists(), reason="Noto CJK font not installed (fonts-noto-cjk)")

SENTENCE = "全年预算数675.58万元，执行数674.99万元，预算执行率99.91%。"
TABLE = [("一级指标", "分值", "得分"), ("产出指标", "20", "19.5"), ("效益指标", "30", "28")]


def _page(ruled: bool = True, dpi: int = 300):
    """A small page image (not a full A4: keeps the test fast) with a sentence and a 3-row table."""
    from PIL import Image, ImageDraw, ImageFont

    px = round(11 * dpi / 72)
    font = ImageFont.truetype(str(FONT), px, index=2)
    im = Image.new("L", (round(5.6 * dpi), round(2.0 * dpi)), 255)
    d = ImageDraw.Draw(im)
    d.text((px, px), SENTENCE, font=font, fill=0)
    # ruled: cells 1-2 characters apart, split by the rules; unruled: 4+ characters of white between columns
    col = [px, 7 * px, 11 * px, 15 * px] if ruled else [px, 9 * px, 15 * px, 21 * px]
    y = 3 * px
    for row in TABLE:
        for c, text in enumerate(row):
            if ruled:
                d.rectangle((col[c] - px // 3, y - px // 4, col[c + 1] - px // 3, y + round(1.45 * px)), outline=0,
                            width=2)
            d.text((col[c], y), text, font=font, fill=0)
        y += round(1.7 * px)
    return im


def _png(im) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="PNG", dpi=(300, 300))
    return buf.getvalue()


def _check(doc, engine=None):
    assert doc.ocr and doc.meta["ocr"] == (engine or ocr.default_engine(ocr.settings()))
    assert doc.page_starts == (0,)
    assert "675.58万元" in doc.text and "674.99万元" in doc.text and "99.91%" in doc.text
    i = doc.text.index("675.58")
    conf = doc.confidence_of(i, i + 6)
    assert conf is not None and Decimal("0.5") <= conf <= 1
    assert all(0 <= c <= 1 and s < e for s, e, c in doc.confidences)
    assert "一级指标\t分值\t得分\n产出指标\t20\t19.5\n效益指标\t30\t28\n" in doc.text
    assert doc.tables[0].rows == tuple(TABLE)
    for cell in doc.tables[0].cells:
        assert doc.text[cell.start:cell.end] == cell.text
        assert cell.confidence is not None


@needs_ocr
@needs_font
def test_ocr_reads_a_ruled_page_image_with_positions_confidences_and_table_rows():
    _check(read_bytes(_png(_page(ruled=True)), "scan.png"))


@needs_tesseract
@needs_font
def test_the_tesseract_engine_gives_the_same_document():
    _check(read_bytes(_png(_page(ruled=True)), "scan.png", ocr_engine="tesseract"), engine="tesseract")


@needs_font
@pytest.mark.skipif(not ocrmod.available("rapidocr"), reason="the optional rapidocr engine is not installed")
def test_the_rapidocr_engine_gives_the_same_document():
    _check(read_bytes(_png(_page(ruled=True)), "scan.png", ocr_engine="rapidocr"), engine="rapidocr")


@needs_ocr
@needs_font
def test_ocr_reads_a_scanned_pdf_through_the_pdf_reader():
    import jixiao.ingest.pdf as pdfmod

    if not hasattr(pdfmod, "_ocr_fallback"):
        pytest.skip("pdf reader has no OCR hook yet")
    buf = io.BytesIO()
    _page(ruled=False).convert("RGB").save(buf, format="PDF", resolution=300)
    doc = read_bytes(buf.getvalue(), "scan.pdf")
    assert doc.format == "pdf"
    _check(doc)
    with pytest.raises(IngestError, match="no text layer"):
        read_bytes(buf.getvalue(), "scan.pdf", ocr="never")


def test_image_without_ocr_installed_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(ocrmod, "available", lambda engine=None: False)
    with pytest.raises(IngestError) as exc:
        read_bytes(b"\x89PNG\r\n\x1a\n0000", "photo.png")
    assert "未安装 OCR 组件" in str(exc.value) and str(exc.value).startswith("photo.png: ")


def test_image_with_ocr_never_is_refused():
    with pytest.raises(IngestError, match="--ocr never"):
        read_bytes(b"\x89PNG\r\n\x1a\n0000", "photo.png", ocr="never")


@needs_ocr
def test_decompression_bomb_and_broken_images_are_ingest_errors(monkeypatch):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buf, format="PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(IngestError, match="decompression bomb"):
        read_bytes(buf.getvalue(), "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 30000)  # between 1× and 2×: the warning is an error too
    with pytest.raises(IngestError, match="decompression bomb"):
        read_bytes(buf.getvalue(), "bomb.png")
    with pytest.raises(IngestError, match="not a readable image"):
        read_bytes(b"\x89PNG\r\n\x1a\nthis is not a png", "broken.png")


def test_repair_turns_a_thousands_point_back_into_a_comma():
    assert repair("人员经费1.805.22万元") == "人员经费1,805.22万元"
    assert repair("1.80万元") == "1.80万元"


@pytest.mark.parametrize(("raw", "fixed"), [
    ("指标完成情况:1.来访事项办结率100%", "指标完成情况：1.来访事项办结率100%"),
    ("(1)妇联活动经费项目", "（1）妇联活动经费项目"),
    ("发展规划(2021-2030年)阶段", "发展规划（2021-2030年）阶段"),
    ("see (a) and b: c", "see (a) and b: c"),
    ("一是建强队伍,开展活动", "一是建强队伍，开展活动"),
])
def test_repair_sets_punctuation_in_chinese_text_full_width(raw, fixed):
    assert repair(raw) == fixed


@needs_ocr
@needs_font
def _mixed_pdf() -> bytes:
    """Page 1 with a text layer, page 2 a scanned image (a scan bound into a digital report)."""
    pytest.importorskip("reportlab")
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(420, 200))
    c.setFont("STSong-Light", 12)
    c.drawString(20, 150, "第一页有文字层：年初预算数100.00万元。")
    c.showPage()
    img = _page(ruled=False)
    c.drawImage(ImageReader(img.convert("RGB")), 0, 0, width=420, height=420 * img.height / img.width)
    c.showPage()
    c.save()
    return buf.getvalue()


@needs_ocr
@needs_font
def test_auto_mode_keeps_text_layer_pages_and_ocrs_only_the_scanned_ones():
    buf = io.BytesIO(_mixed_pdf())
    doc = ocrmod.ocr_pdf_bytes(buf.getvalue(), "mixed.pdf", ocr="auto")
    assert doc.meta["ocr_pages"] == [2] and doc.format == "pdf" and len(doc.page_starts) == 2
    first = doc.text[:doc.page_starts[1]]
    assert "年初预算数100.00万元" in first and doc.confidence_of(0, len(first)) is None
    i = doc.text.index("674.99")
    assert doc.page_of(i) == 2 and doc.confidence_of(i, i + 6) is not None


@needs_ocr
@needs_font
def test_pdf_reader_ocrs_the_scanned_page_of_a_mixed_pdf():
    data = _mixed_pdf()
    doc = read_bytes(data, "mixed.pdf")  # ocr="auto" is the default
    assert "年初预算数100.00万元" in doc.text and "674.99" in doc.text
    plain = read_bytes(data, "mixed.pdf", ocr="never")
    assert "674.99" not in plain.text and plain.meta["pages_without_text"] == [2]


# ------------------------------------------------------------------------------------------ speed work


def _grey_line(runs: list[tuple[int, int]], comma_at: int | None = None, h: int = 40, w: int = 400):
    """A white strip with black glyph blocks over x-ranges ``runs``; a comma's ink (low only) at ``comma_at``."""
    np = pytest.importorskip("numpy")

    g = np.full((h, w), 255, dtype=np.uint8)
    for a, b in runs:
        g[4:h - 4, a:b] = 0
    if comma_at is not None:
        g[h - 12:h - 2, comma_at:comma_at + 3] = 0
    return g


def _chars(spec: list[tuple[str, int, int]], h: int = 40) -> list[Word]:
    return [Word(t, a, 0, b, h, 0.99) for t, a, b in spec]


def test_split_number_runs_marks_a_blank_gap_between_figures_as_a_space():
    # "1" "0" | 14 px of white | "9" "9": two figures; digits of one figure sit 4 px apart
    spec = [("1", 10, 30), ("0", 34, 54), ("9", 68, 88), ("9", 92, 112)]
    g = _grey_line([(a, b) for _, a, b in spec])
    out = rapid.split_number_runs(_chars(spec), g)
    assert [w.text for w in out] == ["1", "0 ", "9", "9"]
    # the joined reading becomes two figures in the text
    b, _ = _doc_of([_with_line(w, (1, 1, 1)) for w in out])
    assert "10 99" in b.build("x", "image").text


def _with_line(w: Word, line) -> Word:
    from dataclasses import replace

    return replace(w, line=line)


def test_split_number_runs_leaves_digits_and_dropped_thousands_commas_joined():
    spec = [("1", 10, 30), ("8", 34, 54), ("0", 68, 88), ("5", 92, 112)]
    # the gap between "8" and "0" holds a comma's ink (the recognizer dropped it): no space
    g = _grey_line([(a, b) for _, a, b in spec], comma_at=59)
    assert [w.text for w in rapid.split_number_runs(_chars(spec), g)] == ["1", "8", "0", "5"]
    # a narrow gap between digits: no space; CJK neighbours are never touched
    spec2 = [("年", 10, 50), ("1", 60, 80), ("2", 84, 104), ("元", 130, 170)]
    g2 = _grey_line([(a, b) for _, a, b in spec2])
    assert [w.text for w in rapid.split_number_runs(_chars(spec2), g2)] == ["年", "1", "2", "元"]


def test_runs_mask_matches_the_numpy_run_scan():
    np = pytest.importorskip("numpy")

    rng = np.random.default_rng(7)
    for density, min_len in ((0.5, 12), (0.9, 10), (0.97, 40)):
        m = rng.random((120, 300)) < density
        m[5, :150] = True
        m[:100, 299] = True
        for horizontal in (True, False):
            ref = layout._long_runs(m, min_len)[1] if horizontal else layout._long_runs(m.T, min_len)[1].T
            assert (layout._runs_mask(m, min_len, horizontal=horizontal) == ref).all()


def test_a_figure_wrapped_over_two_lines_is_joined_without_a_space():
    words = (_words(100, [(100, "本年项目支出总计为39.4万元，房屋维修资金经费支出5.")], line=(1, 1, 1))
             + _words(170, [(100, "95万元。")], line=(1, 1, 2)))
    b, _ = _doc_of(words)
    assert "支出5.95万元。" in b.build("x", "image").text


def test_tesseract_reads_pages_in_batches_and_finds_the_page_that_times_out(monkeypatch):
    from PIL import Image

    from jixiao.ocr.engines.tesseract import TesseractEngine

    calls: list[int] = []

    def fake_pages(self, imgs):
        calls.append(len(imgs))
        if any(im.getpixel((0, 0)) == 1 for im in imgs):
            raise engines.PageTimeout()
        return [[Word(f"第{im.getpixel((0, 1))}页", 10, 10, 90, 40, 0.9, (1, 1, 1))] for im in imgs]

    def page(k: int, slow: bool = False):
        im = Image.new("L", (100, 60), 255)
        im.putpixel((0, 0), 1 if slow else 255)
        im.putpixel((0, 1), k)
        return im

    monkeypatch.setattr(TesseractEngine, "pages", fake_pages)
    monkeypatch.setattr(TesseractEngine, "chunk", 4)
    monkeypatch.setattr(document, "blank", lambda img, dpi: False)
    images = [page(1), page(2), page(3, slow=True), page(4), page(5), page(6)]
    doc = ocr.read_pages(images, "x.tif", "image", ocr.OcrSettings(engine="tesseract", prepare=False))
    assert calls[:1] == [4] and calls[-1] == 2  # a batch of four, split after its timeout; then the last two
    assert doc.meta["ocr_pages"] == [1, 2, 4, 5, 6] and doc.meta["ocr_timed_out_pages"] == [3]
    assert len(doc.page_starts) == 6
    for k in (1, 2, 4, 5, 6):
        assert doc.page_of(doc.text.index(f"第{k}页")) == k


@needs_tesseract
@needs_font
def test_one_tesseract_process_for_several_pages_reads_each_as_alone():
    from jixiao.ocr.engines.tesseract import TesseractEngine

    pages = [ocr.prepare(_page(ruled=r), 300)[0] for r in (True, False)]
    for p in pages:
        p.info["dpi"] = (300, 300)
    eng = TesseractEngine()
    assert eng.pages(pages) == [eng.words(p) for p in pages]


@needs_font
@pytest.mark.skipif(not ocrmod.available("rapidocr"), reason="the optional rapidocr engine is not installed")
def test_rapidocr_keeps_figures_separated_by_a_single_space_apart():
    from PIL import Image, ImageDraw, ImageFont

    dpi = 300
    px = round(11 * dpi / 72)
    font = ImageFont.truetype(str(FONT), px, index=2)
    im = Image.new("L", (round(5.6 * dpi), round(1.6 * dpi)), 255)
    d = ImageDraw.Draw(im)
    lines = ["10 99.96% 9.98", "其中：当年财政拨款 130.76 130.44", "人员经费1,805.22万元，公用经费215.61万元。"]
    for k, s in enumerate(lines):
        d.text((px, px + round(1.7 * px) * k), s, font=font, fill=0)
    doc = read_bytes(_png(im), "form.png", ocr_engine="rapidocr")
    assert "10 99.96% 9.98" in doc.text
    assert "130.76 130.44" in doc.text
    assert "1,805.22万元" in doc.text or "1805.22万元" in doc.text


@needs_font
@pytest.mark.skipif(not ocrmod.available("rapidocr"), reason="the optional rapidocr engine is not installed")
def test_rapidocr_reads_a_single_line_strip_padded_as_rapidocr_pads_it(monkeypatch):
    from PIL import Image, ImageDraw, ImageFont

    from jixiao.ocr.engines.rapid import RapidEngine

    px = 46
    font = ImageFont.truetype(str(FONT), px, index=2)
    im = Image.new("L", (24 * px, 2 * px), 255)  # wider than 8:1: padded above and below before detection
    ImageDraw.Draw(im).text((px // 2, px // 3), "执行数674.99万元", font=font, fill=0)
    seen = []
    real = RapidEngine.detect
    monkeypatch.setattr(RapidEngine, "detect", lambda self, rgb: seen.append(rgb.shape) or real(self, rgb))
    doc = read_bytes(_png(im), "strip.png", ocr_engine="rapidocr")
    assert seen and seen[0][0] > 2 * px and seen[0][1] == 24 * px
    assert "674.99万元" in doc.text
    (word,) = [w for w in RapidEngine.words(_engine(), im) if w.text == "6"][:1]
    assert 0 <= word.y0 < word.y1 <= 2 * px  # boxes are back on the strip, not on its padding


def _engine():
    return engines.get(ocr.OcrSettings(engine="rapidocr"))


def test_rapidocr_lines_detect_on_a_reduced_copy_and_map_boxes_back(monkeypatch):
    np = pytest.importorskip("numpy")
    pytest.importorskip("cv2")
    from jixiao.ocr.engines import rapid

    seen = {}

    def detect(rgb):
        seen["det"] = rgb.shape
        s = rgb.shape[1] / 1000  # one line at x 100-500, y 200-240 of a 1000-wide page
        return np.array([[[100 * s, 200 * s], [500 * s, 200 * s], [500 * s, 240 * s], [100 * s, 240 * s]]])

    def crop(img, box):
        seen["rec"] = img.shape[:2]
        return img[:10, :10]

    def recognize(crops, boxes):
        b = boxes[0]
        mid = (b[0] + b[1]) / 2
        return [["12", 0.98, [[b[0], mid, [mid[0], b[3][1]], b[3]], [mid, b[1], b[2], [mid[0], b[3][1]]]], ["1", "2"],
                 [0.97, 0.99]]]

    eng = object.__new__(rapid.RapidEngine)  # the networks are not needed: detection and recognition are stubbed
    eng.detect, eng.recognize = detect, recognize
    monkeypatch.setattr(rapid.ppocr, "crop", crop)
    arr = np.full((4000, 2828), 255, dtype=np.uint8)  # grey, larger than RAPID_MAX_SIDE
    (item,) = eng.lines(arr)
    assert seen["rec"] == (2000, 1414) and seen["det"] == (1000, 707, 3)  # the detector is given RGB
    assert item[1:3] == ["12", 0.98] and item[4] == ["1", "2"]
    box = np.asarray(item[0])
    assert np.allclose(box[0], [282.8, 565.6], atol=2) and np.allclose(box[2], [1414, 678.7], atol=2)


def test_one_file_verbs_let_ocr_use_every_core_and_batch_does_not(monkeypatch, tmp_path):
    import os

    from typer.testing import CliRunner

    from jixiao.cli import app

    monkeypatch.delenv("JIXIAO_OCR_THREADS", raising=False)  # restored after the test
    p = tmp_path / "r.txt"
    p.write_text("某某局2023年度部门整体支出绩效自评报告\n全年预算数100.00万元。\n", encoding="utf-8")
    CliRunner().invoke(app, ["batch", str(p), "--out", str(tmp_path / "out.db")])
    assert "JIXIAO_OCR_THREADS" not in os.environ
    CliRunner().invoke(app, ["extract", str(p), "--format", "json"])
    assert os.environ["JIXIAO_OCR_THREADS"] == str(os.cpu_count() or 1)
    monkeypatch.setenv("JIXIAO_OCR_THREADS", "1")  # an explicit setting is kept
    CliRunner().invoke(app, ["check", str(p)])
    assert os.environ["JIXIAO_OCR_THREADS"] == "1"
