"""Report forms as folders that load like plugins (as datasette loads its own built-ins).

A form is one folder (see :mod:`jixiao.forms.profile` and ``docs/forms.md``). Forms are found, in this
order, in the folders given with ``--forms DIR`` (:func:`use`), in ``$JIXIAO_FORMS`` (folders separated by
``os.pathsep``), in the folders named by installed packages under the ``jixiao.forms`` entry point, and in
``jixiao/forms/builtin``. A folder is either one form (it holds ``form.yaml``) or a parent of forms; a form
of one's own with a built-in's id replaces it.

Everything else asks this module what a form is: the extractor (:func:`resolve` and the lexicon overlays),
the scoring engine (the form's framework), the renderer (its layout) and the auditor (its settings).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from jixiao.forms.profile import Detect, FormError, FormProfile, load_form

__all__ = ["FormError", "FormProfile", "Detect", "all_forms", "get", "resolve", "use", "lexicon_overlays",
           "ENV_VAR", "BUILTIN_DIR"]

ENV_VAR = "JIXIAO_FORMS"
ENTRY_POINT = "jixiao.forms"
BUILTIN_DIR = Path(__file__).with_name("builtin")

_extra: list[Path] = []


def use(folders: Iterable[str | Path]) -> None:
    """Add folders of forms (the CLI's ``--forms DIR``) ahead of the others, and forget what was loaded."""
    for f in folders:
        p = Path(f)
        if p not in _extra:
            _extra.append(p)
    reset()


def reset() -> None:
    """Forget the loaded forms and everything built from them (the extractor's vocabulary, frameworks and
    layouts: each registered itself with :func:`on_reset`)."""
    all_forms.cache_clear()
    for clear in _cache_clearers:
        clear()


#: Caches built from the forms' vocabulary (registered by the modules that hold them).
_cache_clearers: list = []


def on_reset(clear) -> None:
    if clear not in _cache_clearers:
        _cache_clearers.append(clear)


def _entry_point_dirs() -> list[Path]:
    out = []
    try:
        eps = metadata.entry_points(group=ENTRY_POINT)
    except Exception:  # a broken installed package must not stop the tool
        return out
    for ep in eps:
        try:
            target = ep.load()
            value = target() if callable(target) else target
            out += [Path(v) for v in (value if isinstance(value, list | tuple) else [value])]
        except Exception as exc:
            raise FormError(f"{ep.value}: 入口 {ENTRY_POINT} 无法加载 ({type(exc).__name__}: {exc})") from None
    return out


def _folders() -> list[tuple[Path, bool]]:
    env = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    out = [(p, False) for p in [*_extra, *env, *_entry_point_dirs()]]
    out.append((BUILTIN_DIR, True))
    return out


@functools.cache
def all_forms() -> tuple[FormProfile, ...]:
    """Every available form; earlier folders win on the same id."""
    seen: dict[str, FormProfile] = {}
    for folder, builtin in _folders():
        if (folder / "form.yaml").is_file():
            candidates = [folder]
        elif folder.is_dir():
            candidates = sorted(p for p in folder.iterdir() if (p / "form.yaml").is_file())
        else:
            raise FormError(f"{folder}: 找不到报表格式目录")
        for c in candidates:
            prof = load_form(c, builtin=builtin)
            seen.setdefault(prof.id, prof)
    return tuple(seen.values())


def get(form_id: str | None) -> FormProfile | None:
    if not form_id:
        return None
    return next((f for f in all_forms() if f.id == form_id), None)


def lexicon_overlays() -> list[dict]:
    """The forms' vocabulary to add to the extractor's (built-ins last, so one's own words come first)."""
    return [f.lexicon for f in all_forms() if f.lexicon]


def _plain(w: object) -> str:
    from decimal import Decimal

    return format(w.normalize(), "f") if isinstance(w, Decimal) else str(w)


def resolve(title: str | None, text: str, level1: Iterable[str] = (), scope: str | None = None,
            rows: Iterable[tuple[str, object]] = (), fallback: bool = True) -> tuple[FormProfile | None, str]:
    """The form a report is printed on, and why: its title's words, the words its text holds, the level-1
    names and the rows of its indicator table; failing those (with ``fallback``), the default of its scope."""
    level1 = {"".join(x.split()) for x in level1 if x}
    row_keys = {f"{''.join(str(n).split())}:{_plain(w)}" for n, w in rows if n and w is not None}
    head = text[:20000]
    best: tuple[int, int, FormProfile] | None = None
    why = ""
    for f in all_forms():
        d = f.detect
        score, said = 0, []
        if d.title is not None and title and d.title.search(title):
            score += 4
            said.append("标题")
        if d.words and all(w in head for w in d.words):
            score += 2
            said.append("表头")
        hits = len(level1 & d.level1)
        if hits:
            score += min(hits, 3)
            said.append("一级指标 " + "/".join(sorted(level1 & d.level1)))
        if row_keys & d.rows:
            score += 1
            said.append("指标行 " + "/".join(sorted(row_keys & d.rows)))
        if score and (best is None or (score, d.priority) > best[:2]):
            best = (score, d.priority, f)
            why = f"按{'、'.join(said)}识别为 {f.id}（{f.title}）"
    if best is not None:
        return best[2], why
    if not fallback:
        return None, "未识别出表式"
    default = next((f for f in all_forms() if f.detect.default_for == (scope or "department")), None)
    if default is not None:
        return default, f"未识别出特定表式，{'项目' if scope == 'project' else '部门整体'}自评按 {default.id}（{default.title}）"
    return None, "未识别出表式"
