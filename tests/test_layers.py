"""Imports flow one way: `tracker` (the shared core) knows no app, `committees` does not know
`meetings`, and only the project's wiring (`config/` and manage.py) knows `config`."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

NOT_IMPORTED = {
    "tracker": ("config", "committees", "meetings"),
    "committees": ("config", "meetings"),
    "meetings": ("config",),
}


def imported_modules(source: str, module: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in `source`, the module named by the parts `module`
    (`("tracker", "health")`, or `("tracker", "__init__")` for a package); relative imports
    resolved, imports inside functions included."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            package = list(module[: len(module) - node.level]) if node.level else []
            found.append((node.lineno, ".".join([*package, *([node.module] if node.module else [])])))
    return found


def offending_imports(app: str) -> list[str]:
    offending = []
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT)
        for line, name in imported_modules(path.read_text(encoding="utf-8"), relative.with_suffix("").parts):
            if name.split(".")[0] in NOT_IMPORTED[app]:
                offending.append(f"{relative}:{line} imports {name}")
    return offending


@pytest.mark.parametrize("app", sorted(NOT_IMPORTED))
def test_app_imports_only_the_layers_below_it(app):
    offending = offending_imports(app)
    assert offending == [], f"{app} may not import {', '.join(NOT_IMPORTED[app])}:\n" + "\n".join(offending)


def test_every_kind_of_import_is_seen():
    source = (
        "import config\n"
        "import meetings.models as m\n"
        "from config.celery import app\n"
        "from .. import pages\n"
        "from .models import Session\n"
        "def later():\n"
        "    from committees import access\n"
    )
    assert imported_modules(source, ("meetings", "api", "views")) == [
        (1, "config"),
        (2, "meetings.models"),
        (3, "config.celery"),
        (4, "meetings"),
        (5, "meetings.api.models"),
        (7, "committees"),
    ]
    assert imported_modules("from . import models\n", ("tracker", "__init__")) == [(1, "tracker")]
