"""Building the index: scan the document's figures, then find every group they form. The one module that
knows every finder (so the finders and the index itself import nothing of each other's callers)."""

from __future__ import annotations

from typing import Any

from jixiao.figures.forms import find_form_groups
from jixiao.figures.groups import rates, sums
from jixiao.figures.index import FigureIndex, scan_figures, split_sentences
from jixiao.figures.lists import balances, counts, products, remainders, repeats
from jixiao.figures.rows import row_sums
from jixiao.figures.tables import tables_of
from jixiao.numbers import normalize


def build_index(doc: Any, *, tables: Any = ()) -> FigureIndex:
    """Index ``doc`` (a :class:`~jixiao.ingest.base.Document`). ``tables`` are extra table views
    (e.g. from a reader of tables flattened into the text) that win over line tables they overlap."""
    raw_text = getattr(doc, "text", "") or ""
    text = normalize(raw_text)
    views = tables_of(doc, tables)
    sentences = split_sentences(text)
    figures = scan_figures(text, sentences, views)
    idx = FigureIndex(doc=doc, text=text, figures=figures, sentences=sentences, tables=views)
    idx.groups = find_groups(idx)
    return idx


def find_groups(idx: FigureIndex) -> list[Any]:
    """Every group of ``idx``, narrative and form rows."""
    out: list[Any] = []
    rows = find_form_groups(idx)
    in_rows = {t.figure.i for r in rows for t in r.cells.values() if t is not None and t.figure is not None}
    found_sums = sums(idx, in_rows)
    out += found_sums
    out += rates(idx, found_sums)
    out += counts(idx)
    out += remainders(idx, found_sums)
    out += repeats(idx, {f.i for g in found_sums for f in (g.total, *g.parts)})
    out += products(idx)
    out += balances(idx)
    out += rows
    out += row_sums(idx)
    return out
