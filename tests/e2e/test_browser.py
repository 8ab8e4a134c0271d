"""End to end in a real browser: Debian's chromium driven by Playwright, against a uvicorn server on loopback.

Never downloads a browser: it uses /usr/bin/chromium and skips when that (or playwright) is missing.
Set JIXIAO_SCREENSHOTS=DIR to also write a screenshot of every page (the docs' pictures).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
playwright_api = pytest.importorskip("playwright.sync_api")

from tests.conftest import OWN_PROJECT_FORM, OWN_REPORT  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SEED_001 = CORPUS / "001_c9021f7b19f56ffc.txt"
PASSWORD = "browser-pass-1"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from jixiao.web import create_app

    db = tmp_path_factory.mktemp("e2e") / "e2e.db"
    app = create_app(f"sqlite:///{db}", secret_key="e2e-secret")
    app.state.store.add_user("admin", PASSWORD, "admin")
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline:  # pragma: no cover
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    app.state.processor.stop()
    app.state.store.dispose()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def _login(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/reports")


def _upload_and_open(page, base: str, path: Path) -> None:
    page.set_input_files("#file-input", str(path))
    link = page.locator(f".batch .file.s-done a:text-is('{path.name}')")
    link.wait_for(timeout=60_000)
    assert page.locator(".batch .batch-count").first.inner_text() == "1 / 1"
    link.click()
    page.wait_for_selector("#doc")


def _review_flow(page, base: str, path: Path, stated: str, recomputed: str, tmp_path: Path) -> None:
    _login(page, base)
    _upload_and_open(page, base, path)
    finding = page.locator(".finding", has_text=f"{stated}%").filter(has_text=recomputed).first
    assert "JX106" in finding.inner_text()
    finding.click()
    active = page.locator("#doc .ln.active")
    active.wait_for()
    assert stated in active.inner_text()
    assert "flash" in active.get_attribute("class")
    # the sentence is scrolled into view inside the document pane
    box, pane = active.bounding_box(), page.locator("#doc").bounding_box()
    assert box and pane and pane["y"] - 1 <= box["y"] <= pane["y"] + pane["height"]
    assert page.locator("#doc mark.hit.active:not(.rel)").inner_text() == f"{stated}%"
    # the figures it was recomputed from are lit up too, and listed on the card
    assert page.locator("#doc mark.hit.rel.active").count() >= 2
    assert "对照 第" in finding.locator(".related").inner_text()
    # the whole sentence around the figure is lit up
    sentence = "".join(page.locator("#doc .sent-on").all_inner_texts())
    assert f"{stated}%" in sentence and len(sentence) > len(stated) + 1
    # export the 自评表
    with page.expect_download() as info:
        page.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"
    page.click("#logout")
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/reports")
    assert "/login" in page.url


def test_review_own_report_in_browser(server, page, tmp_path):
    _app, base = server
    path = tmp_path / "南湖区测试局.txt"
    path.write_text(OWN_REPORT, encoding="utf-8")
    _review_flow(page, base, path, "95.00", "75.00", tmp_path)


@pytest.mark.corpus
@pytest.mark.skipif(not SEED_001.exists(), reason="needs ../shared/corpus")
def test_review_seed_001_in_browser(server, page, tmp_path):
    _app, base = server
    _review_flow(page, base, SEED_001, "99.96", "99.76", tmp_path)


def test_reviewer_confirms_a_finding(server, page, tmp_path):
    _app, base = server
    path = tmp_path / "确认测试.txt"
    path.write_text(OWN_REPORT.replace("南湖区测试局", "南湖区确认局"), encoding="utf-8")
    _login(page, base)
    _upload_and_open(page, base, path)
    card = page.locator(".finding.sev-error").first
    card.locator("input[name=comment]").fill("执行率与收支数不符，已通知单位更正")
    card.locator("button[value=confirm]").click()
    page.locator(".finding.sev-error .verdict.v-confirm").wait_for()
    assert "执行率与收支数不符" in page.locator(".finding.sev-error").first.inner_text()


def test_fill_in_score_updates_as_you_type(server, page):
    _app, base = server
    _login(page, base)
    page.goto(f"{base}/fill/new")
    page.fill("input[name=title]", "培训经费绩效自评")
    page.fill("input[name=department]", "南湖区测试局")
    page.fill("input[name='budget.adjusted']", "200")
    page.fill("input[name='budget.executed']", "150")
    rows = page.locator("#ind-table tbody tr")
    rows.nth(0).locator("input[name='ind.score']").fill("7.5")
    page.locator("#live-total").wait_for()
    first = page.locator("#live-total").inner_text()
    rows.nth(1).locator("input[name='ind.name']").fill("培训人次")
    rows.nth(1).locator("input[name='ind.weight']").fill("40")
    rows.nth(1).locator("input[name='ind.score']").fill("40")
    # the score tree is redrawn from the server as we type: the new row shows up with its points
    page.wait_for_function("() => { const b = document.querySelector('#score-body');"
                           " return b && b.innerText.includes('培训人次'); }")
    # the total is swapped in by the same response; wait for it rather than race it on a busy machine
    page.wait_for_function("(first) => document.querySelector('#live-total').innerText !== first", arg=first)
    assert page.locator("#live-total").inner_text() != first
    page.click("button[type=submit]")
    page.wait_for_url("**/fill/*?saved=1")
    assert "已保存" in page.content()




def test_fill_starts_from_an_imported_form_then_saves_and_exports(server, page, tmp_path):
    _app, base = server
    path = tmp_path / "去年的自评表.txt"
    path.write_text(OWN_PROJECT_FORM, encoding="utf-8")
    _login(page, base)
    page.goto(f"{base}/fill")
    page.set_input_files("#import-form input[type=file]", str(path))
    page.click("#import-form button[type=submit]")
    page.locator("#import-notice").wait_for()
    assert page.input_value("input[name=implementer]") == "南湖区妇女培训中心"
    assert page.input_value("input[name='budget.executed']") == "126.1"
    assert "培训妇女800人次" in page.input_value("textarea[name=goal]")
    names = page.locator("#ind-table input[name='ind.name']")
    assert "培训人次" in [names.nth(i).input_value() for i in range(names.count())]
    page.locator("#live-total").wait_for()  # scored from the imported figures before anything is saved
    page.click("button[type=submit]")
    page.wait_for_url("**/fill/*?saved=1")
    with page.expect_download() as info:
        page.click("a[href$='/export/xlsx']")
    saved = tmp_path / "form.xlsx"
    info.value.save_as(saved)
    import openpyxl

    cells = [c.value for row in openpyxl.load_workbook(saved).active.iter_rows() for c in row if c.value]
    assert "南湖区妇女培训中心" in cells and any("培训妇女800人次" in str(v) for v in cells)


def test_compare_page_draws_charts(server, page):
    _app, base = server
    _login(page, base)
    page.goto(f"{base}/compare")
    for chart in ("#chart-bar", "#chart-box", "#chart-scatter"):
        page.locator(f"{chart} canvas").first.wait_for()
    assert page.locator("#pivot tbody tr").count() >= 1


def test_admin_manages_departments_and_frameworks(server, page, tmp_path):
    _app, base = server
    _login(page, base)
    page.click("nav >> text=部门管理")
    page.wait_for_url(f"{base}/admin/departments")
    page.fill("#department-form input[name=name]", "南湖区妇女联合会")
    page.fill("#department-form input[name=region]", "南湖区")
    page.select_option("#department-form select[name=dept_type]", "群团组织")
    page.click("#department-form button.primary")
    row = page.locator("#departments tr", has_text="南湖区妇女联合会")
    row.wait_for()
    assert "群团组织" in row.inner_text()
    row.locator("text=编辑").click()
    page.fill("#department-form input[name=region]", "北湖区")
    page.click("#department-form button.primary")
    page.wait_for_url("**/admin/departments?saved=1")
    assert "北湖区" in page.locator("#departments tr", has_text="南湖区妇女联合会").inner_text()
    page.locator("#departments tr", has_text="南湖区妇女联合会").locator("button.danger").click()
    page.wait_for_url("**/admin/departments?saved=1")
    assert page.locator("#departments tr", has_text="南湖区妇女联合会").count() == 0
    # a framework with a typo: the loader's file:line error, nothing listed
    bad = tmp_path / "typo-fw.yaml"
    bad.write_text("id: typo-fw\nname: 错字体系\ntree:\n  - {name: 全部, wieght: 100, rule: stated}\n",
                   encoding="utf-8")
    page.goto(f"{base}/frameworks")
    page.set_input_files("#framework-upload input[type=file]", str(bad))
    page.click("#framework-upload button.primary")
    errors = page.locator("#upload-errors")
    errors.wait_for()
    assert "typo-fw.yaml:4: tree[0].wieght" in errors.inner_text()
    assert page.locator(".fw-list", has_text="错字体系").count() == 0


@pytest.mark.skipif(not os.environ.get("JIXIAO_SCREENSHOTS"), reason="set JIXIAO_SCREENSHOTS=DIR to refresh them")
def test_screenshots(tmp_path_factory, browser):
    """Screenshots of every page with the bundled demo samples (docs/screenshots)."""
    import uvicorn

    from jixiao.web import create_app
    from jixiao.web.demo import load_demo

    out = Path(os.environ["JIXIAO_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    db = tmp_path_factory.mktemp("shots") / "demo.db"
    from jixiao.store import Store

    store = Store(f"sqlite:///{db}")
    store.migrate()
    load_demo(store, PASSWORD)
    app = create_app(store=store, secret_key="shots", demo_login=("admin", PASSWORD))
    app.state.processor.wait()
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    try:
        pg.goto(f"{base}/login")
        pg.screenshot(path=str(out / "login.png"))
        _login(pg, base)
        pg.set_input_files("#file-input", [str(p) for p in sorted((Path(__file__).parents[2] / "jixiao" / "samples")
                                                                  .glob("0[12]*.txt"))])
        pg.locator(".batch .batch-count").first.wait_for()
        pg.wait_for_timeout(2500)
        pg.screenshot(path=str(out / "upload.png"), full_page=True)
        pg.goto(f"{base}/reports")
        pg.click("text=03-donghu-civil-affairs-2023-project.txt")
        pg.wait_for_selector("#doc")
        pg.locator(".finding.sev-error").first.click()
        pg.wait_for_timeout(600)
        pg.evaluate("window.scrollTo(0, 0)")
        pg.screenshot(path=str(out / "report.png"))
        for sample, shot in (("06-xishan-women-2023.docx", "score-own-table.png"),
                             ("01-donghu-education-2023.txt", "score-partial.png")):
            pg.goto(f"{base}/reports")
            pg.click(f"text={sample}")
            pg.locator("section.card", has_text="评分明细").screenshot(path=str(out / shot))
        pg.goto(f"{base}/fill/new")
        pg.fill("input[name=title]", "2024年度社区居家养老服务补贴绩效自评")
        pg.fill("input[name=department]", "东湖区民政局")
        pg.fill("input[name=year]", "2024")
        pg.fill("input[name='budget.adjusted']", "486")
        pg.fill("input[name='budget.executed']", "452.3")
        pg.fill("input[name='budget.execution_rate']", "93.07")
        rows = pg.locator("#ind-table tbody tr")
        for i, (name, target, actual, weight, score) in enumerate([
                ("预算执行率", "100%", "93.07%", "10", "9.31"), ("服务老年人数", "≥2400人", "2436人", "30", "30"),
                ("服务质量抽查合格率", "≥95%", "96.2%", "20", "20"), ("老年人生活质量改善", "明显改善", "有所改善", "20", "17"),
                ("服务对象满意度", "≥90%", "93.5%", "20", "20")]):
            row = rows.nth(i)
            for field, value in (("name", name), ("target", target), ("actual", actual), ("weight", weight),
                                 ("score", score)):
                row.locator(f"input[name='ind.{field}']").fill(value)
        pg.wait_for_timeout(1500)
        pg.screenshot(path=str(out / "fill.png"), full_page=True)
        pg.goto(f"{base}/compare")
        pg.wait_for_timeout(1200)
        pg.screenshot(path=str(out / "compare.png"), full_page=True)
        pg.goto(f"{base}/frameworks")
        pg.screenshot(path=str(out / "frameworks.png"), full_page=True)
        pg.goto(f"{base}/admin/users")
        pg.screenshot(path=str(out / "users.png"), full_page=True)
        pg.goto(f"{base}/admin/departments")
        pg.screenshot(path=str(out / "departments.png"), full_page=True)
    finally:
        context.close()
        srv.should_exit = True
        thread.join(timeout=10)
        app.state.processor.stop()
        store.dispose()
