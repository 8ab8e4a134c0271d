# The suite in a plain venv holding only the base install and pytest (no extras): every test that needs an
# optional extra (numpy, pyarrow, dask, rapidocr, onnx, weasyprint, psycopg, playwright, hypothesis, reportlab,
# the web stack) must skip cleanly, not fail.
python -m venv /tmp/jixiao-base-venv
/tmp/jixiao-base-venv/bin/pip install -q pytest -e .
/tmp/jixiao-base-venv/bin/python -m pytest -q -p no:cacheprovider
