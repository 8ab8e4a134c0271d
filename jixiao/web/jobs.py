"""What the worker processes run for the web: analyse an upload, export a stored analysis, export a 填报.

Module-level functions (a child process imports them by name). Nothing here touches the database:
the server reads what a job needs, hands it over, and stores what comes back.
"""

from __future__ import annotations

from typing import Any

from jixiao.web import services
from jixiao.web.budget import OfficeBudget, check_expansion

#: Modules the forkserver imports once (``warm`` runs one small report through everything).
PRELOAD = ("__main__", "jixiao.pipeline", "jixiao.extract", "jixiao.ingest", "jixiao.scoring", "jixiao.audit",
           "jixiao.render", "jixiao.web.jobs", "jixiao.web.warm")


def analyse_upload(name: str, data: bytes, budget: OfficeBudget | None = None) -> tuple[dict[str, Any], str | None]:
    """``services.analyse_bytes`` after the Office expansion budget: (result JSON, document text)."""
    reason = check_expansion(name, data, budget or OfficeBudget())
    if reason is not None:
        return {"file": name, "error": reason}, None
    return services.analyse_bytes(name, data)


def export_stored(evaluation: dict[str, Any], framework: str | None, findings: list[dict[str, Any]],
                  to: str) -> bytes:
    """The 自评表 of a stored analysis: its evaluation re-read and re-scored, never the file re-analysed."""
    from jixiao.evalfile import parse_evaluation
    from jixiao.model import Finding
    from jixiao.render import render
    from jixiao.store import json_dumps

    ev = parse_evaluation(json_dumps(evaluation), str(evaluation.get("doc") or "报告"))
    score = None
    try:
        from jixiao.scoring import score_evaluation

        score = score_evaluation(ev, framework)
    except Exception:  # a framework gone since: the form shows the stated figures only
        score = None
    keep = ("code", "severity", "message", "path", "stated", "recomputed", "arithmetic", "kind")
    found = [Finding(**{k: f.get(k) for k in keep if f.get(k) is not None}) for f in findings
             if f.get("code") and f.get("severity") and f.get("message")]
    return render(ev, to, score_result=score, findings=found)


def export_fill(data: dict[str, Any], to: str, framework: str | None, draft: bool | None,
                stored: dict[str, str]) -> bytes:
    """The 自评表 (or the report draft) of a 填报."""
    return services.export_data(data, to, framework, draft=draft, stored=stored)
