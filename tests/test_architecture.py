"""The direction of imports (DESIGN.md §2): the domain depends on nothing above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "loyalty": {"api", "admin", "notifications", "litestar", "firebase_admin", "piccolo_admin"},
    "notifications": {"api", "admin", "litestar", "piccolo_admin"},
    "admin": {"api"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_it_must_not(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if _imports(path) & FORBIDDEN[package]
    }
    assert offenders == {}


def test_architecture_page_names_every_domain_module() -> None:
    """docs/architecture.md says what each domain module owns: a new module must be placed there."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    unnamed = sorted(
        path.name
        for path in (ROOT / "loyalty").glob("*.py")
        if path.name != "__init__.py" and f"`{path.name}`" not in page
    )
    assert unnamed == []
