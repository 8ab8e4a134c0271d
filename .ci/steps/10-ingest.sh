# Ingest (jixiao/ingest): the format readers' tests need no Debian package.
# PDFium ships inside the pypdfium2 wheel and the PDF fixtures use reportlab's built-in
# CID font (STSong-Light), so no font package is needed. The one LibreOffice test
# (real .doc conversion) is skipped when `soffice` is absent; set JIXIAO_CI_LIBREOFFICE=1
# to install LibreOffice (large: ~300 MB) and run it too.
if [ "${JIXIAO_CI_LIBREOFFICE:-0}" = "1" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui libreoffice-calc-nogui >/dev/null
fi
