"""The web layer's one import of region classification (``jixiao.batch`` today; ``jixiao.region`` once it
moves there: change this line only)."""

from jixiao.batch import dept_type, region_of

__all__ = ["dept_type", "region_of"]
