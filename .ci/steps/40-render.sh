# render (jixiao/render): LibreOffice converts the rendered xlsx/docx forms to PDF in the tests
# (tests/test_render_seeds.py); Noto CJK so the PDFs show Chinese; poppler-utils for pdftoppm (docs/forms).
# WeasyPrint (pip extra "pdf") needs Pango, which libreoffice pulls in anyway.
if command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends \
    libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk poppler-utils \
    libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
fi
