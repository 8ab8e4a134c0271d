"""jixiao 绩效: a toolkit for Chinese budget performance self-evaluation (预算绩效自评).

Pipeline: file → :mod:`jixiao.ingest` → :mod:`jixiao.extract` → :mod:`jixiao.scoring` and
:mod:`jixiao.audit` → :mod:`jixiao.render` / :mod:`jixiao.store` / :mod:`jixiao.web`.
"""

__version__ = "0.1.0"
