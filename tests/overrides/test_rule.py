"""The rule of ``convgen/overrides/`` holds: outside it, no module of convgen imports a library's private name."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "convgen"


def _private_imports(path: Path) -> list[str]:
    """Return what ``path`` imports from a library (not convgen, not the standard library) under a private name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported = [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            imported = [(alias.name, "") for alias in node.names]
        else:
            continue
        for module, name in imported:
            top = module.partition(".")[0]
            if top in ("convgen", "__future__") or top in sys.stdlib_module_names:
                continue
            if any(part.startswith("_") for part in module.split(".")) or name.startswith("_"):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {module} {name}".rstrip())
    return found


def test_only_the_overrides_import_private_names_of_libraries() -> None:
    found = [
        line
        for path in sorted(PACKAGE.rglob("*.py"))
        if "overrides" not in path.relative_to(PACKAGE).parts
        for line in _private_imports(path)
    ]
    assert not found, (
        "du code privé de bibliothèque importé hors de convgen/overrides/ : rangez-le dans le module de sa "
        "bibliothèque, avec son empreinte dans UPSTREAM (voir convgen/overrides/__init__.py) :\n" + "\n".join(found)
    )
