# OCR (docs/ocr.md). The default engine, rapidocr-onnxruntime, comes with the `ocr` extra that .ci/run installs;
# its OpenCV dependency needs libGL/glib at import. The tesseract engine and its Simplified Chinese model are
# Debian packages, and the OCR tests and bench/ocr.py draw their pages with Noto Sans CJK.
# Sourced by .ci/run as root after 00-apt.sh updated the package lists.
if command -v apt-get >/dev/null 2>&1; then
  if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx chi_sim \
      || [ ! -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || ! ldconfig -p | grep -q 'libGL.so.1'; then
    apt-get install -y -qq --no-install-recommends tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk \
      libgl1 libglib2.0-0 >/dev/null
  fi
fi
