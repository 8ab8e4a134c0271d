"""Scoring: frameworks as data, a registry of rule kinds, and the engine.

``score_evaluation(ev, framework=None)`` → :class:`ScoreResult`, every item
with its rule, inputs, formula and Chinese reason, and why its framework was
chosen. Frameworks are YAML files (built-in ones under ``frameworks/``; user
ones from ``--frameworks DIR`` or ``$JIXIAO_FRAMEWORKS``), or the report's own
indicator table (:mod:`.owntable`).
"""

from jixiao.scoring import ratio_rules as _ratio_rules  # noqa: F401  (registers the rule kinds first)
from jixiao.scoring import rules as _rules  # noqa: F401
from jixiao.scoring.choose import Choice, choose_framework, detect_framework, score_evaluation
from jixiao.scoring.engine import Partial, Problem, ScoredItem, Scorer, ScoreResult
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
from jixiao.scoring.owntable import OWN_ID
from jixiao.scoring.registry import RULES

__all__ = [
    "Choice", "Framework", "FrameworkError", "Node", "OWN_ID", "Partial", "Problem", "RULES", "RatioDef", "Rule",
    "ScoreResult", "ScoredItem", "Scorer", "choose_framework", "detect_framework", "list_frameworks",
    "load_framework", "parse_framework", "score_evaluation",
]
