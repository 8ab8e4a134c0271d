"""The scoring package's rooms: rule kinds and the framework loader meet only in the registry, and no module
of the package imports one that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "jixiao" / "scoring"


def imports(path: Path) -> set[str]:
    """Every ``jixiao.scoring.*`` module a file imports, anywhere in it (TYPE_CHECKING blocks included)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("jixiao.scoring."):
            out.add(node.module.split(".")[2])
        elif isinstance(node, ast.ImportFrom) and node.module == "jixiao.scoring":
            out.update(a.name for a in node.names if (PKG / f"{a.name}.py").exists())
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[2] for a in node.names if a.name.startswith("jixiao.scoring."))
    return out


def test_rules_and_framework_do_not_import_each_other():
    assert "framework" not in imports(PKG / "rules.py")
    assert "rules" not in imports(PKG / "framework.py") and "rules" not in imports(PKG / "schema.py")
    assert "registry" in imports(PKG / "rules.py") and "registry" in imports(PKG / "framework.py")


def test_no_import_cycle_in_the_package():
    graph = {p.stem: imports(p) - {p.stem} for p in PKG.glob("*.py") if p.stem != "__init__"}

    def visit(node: str, stack: tuple[str, ...]) -> None:
        assert node not in stack, " → ".join((*stack, node))
        for nxt in graph.get(node, ()):
            visit(nxt, (*stack, node))

    for module in graph:
        visit(module, ())


def test_modules_stay_small():
    for path in [*PKG.glob("*.py"), PKG.parent / "region.py", PKG.parent / "yamlschema.py", PKG.parent / "evalfile.py"]:
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, path.name
