"""The figure index: every number of a document with its unit, label, sentence and table cell,
and the groups the figures form (totals and parts, rates and inputs, counts and lists, repeats,
form rows). Built from the ingested document alone, once per document, and shared by the
auditor (``jixiao.audit.figures``) and the extractor.
"""

from jixiao.figures.build import build_index, find_groups
from jixiao.figures.index import Figure, FigureIndex
from jixiao.figures.tables import TABLE_READERS, CellRef, TableView

__all__ = ["build_index", "find_groups", "Figure", "FigureIndex", "TableView", "CellRef", "TABLE_READERS"]
