"""Scoring: frameworks as data, a registry of rule kinds, and the engine.

``score_evaluation(ev, framework=None)`` → :class:`ScoreResult`, every item
with its rule, inputs, formula and Chinese reason. Frameworks are YAML files
(built-in ones under ``frameworks/``; user ones from ``--frameworks DIR`` or
``$JIXIAO_FRAMEWORKS``).
"""

from jixiao.scoring import rules as _rules  # noqa: F401  (registers the rule kinds first)
from jixiao.scoring.engine import (
    Problem,
    ScoredItem,
    Scorer,
    ScoreResult,
    detect_framework,
    score_evaluation,
)
from jixiao.scoring.framework import (
    Framework,
    FrameworkError,
    Node,
    RatioDef,
    Rule,
    list_frameworks,
    load_framework,
    parse_framework,
)
from jixiao.scoring.registry import RULES

__all__ = [
    "Framework", "FrameworkError", "Node", "Problem", "RULES", "RatioDef", "Rule", "ScoreResult", "ScoredItem",
    "Scorer", "detect_framework", "list_frameworks", "load_framework", "parse_framework", "score_evaluation",
]
