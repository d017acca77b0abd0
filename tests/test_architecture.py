"""The direction of imports (DESIGN.md §2): the domain depends on nothing above it.

The rule is enforced by import-linter's contracts in ``pyproject.toml`` (CI runs
``.venv/bin/lint-imports --no-cache``): they refuse indirect chains too and see imports inside
functions. The suite runs the same linter, and checks that the contracts still say all of this.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "loyalty": {"api", "admin", "notifications", "litestar", "firebase_admin", "piccolo_admin"},
    "notifications": {"api", "admin", "litestar", "piccolo_admin"},
    "admin": {"api"},
}


def test_the_import_contracts_state_the_rule() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert set(config["root_packages"]) == {"loyalty", "notifications", "admin", "api"}
    assert config["include_external_packages"] is True  # else litestar & co. are not seen
    stated: dict[str, set[str]] = {}
    forbidden = [c for c in config["contracts"] if c["type"] == "forbidden"]
    layered = [c for c in config["contracts"] if c["type"] == "layers"]
    assert len(forbidden) + len(layered) == len(config["contracts"])
    assert [c["containers"] for c in layered] == [["loyalty"]] and layered[0]["exhaustive"] is True
    for contract in forbidden:
        assert not contract.get("allow_indirect_imports", False)
        for source in contract["source_modules"]:
            stated.setdefault(source, set()).update(contract["forbidden_modules"])
    assert stated == FORBIDDEN


def test_no_package_imports_what_it_must_not() -> None:
    linter = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(linter), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def domain_packages() -> list[Path]:
    return sorted(
        p for p in (ROOT / "loyalty").iterdir() if (p / "__init__.py").exists() and p.name != "piccolo_migrations"
    )


def test_architecture_page_names_every_domain_package_and_module() -> None:
    """docs/architecture.md says what each package and module owns: a new one must be placed there."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = [p.name for p in (ROOT / "loyalty").glob("*.py") if p.name != "__init__.py"]
    modules += [f"{package.name}/{p.name}" for package in domain_packages() for p in package.glob("*.py")]
    unnamed = sorted(name for name in modules if not name.endswith("__init__.py") and f"`{name}`" not in page)
    assert unnamed == []


def test_each_package_introduces_itself_and_says_what_it_offers() -> None:
    """Every domain package opens with its rules and invariants and lists its public names."""
    for package in domain_packages():
        tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
        overview = ast.get_docstring(tree) or ""
        assert len(overview.splitlines()) >= 5 and "Rules" in overview, package.name
        exported = [
            node
            for node in tree.body
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets)
        ]
        assert exported, f"{package.name} has no __all__"


def imports_of(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def test_callers_import_a_package_never_its_insides() -> None:
    """Outside a domain package (the API, the admin, notifications and the other packages) code
    imports ``loyalty.<package>``; only the package's own modules (and tests, benchmarks) reach in."""
    packages = {p.name for p in domain_packages()}
    reaching_in = []
    for top in ("api", "admin", "notifications", "loyalty"):
        for path in (ROOT / top).rglob("*.py"):
            if "piccolo_migrations" in path.parts:
                continue
            own = path.relative_to(ROOT).parts[1] if top == "loyalty" and path.parent != ROOT / "loyalty" else None
            for name in imports_of(path):
                parts = name.split(".")
                inside = len(parts) >= 3 and parts[0] == "loyalty" and parts[1] in packages and parts[1] != own
                if inside and (ROOT / "loyalty" / parts[1] / f"{parts[2]}.py").exists():
                    reaching_in.append(f"{path.relative_to(ROOT)}: {name}")
    assert reaching_in == []


def test_only_the_settings_module_reads_the_environment() -> None:
    """One settings object: ``loyalty/settings.py`` reads ``os.environ`` once; every section is
    built from what it read."""
    readers = sorted(
        str(path.relative_to(ROOT))
        for package in ("api", "admin", "loyalty", "notifications")
        for path in (ROOT / package).rglob("*.py")
        if "piccolo_migrations" not in path.parts
        and ("os.environ" in path.read_text(encoding="utf-8") or "getenv(" in path.read_text(encoding="utf-8"))
    )
    assert readers == ["loyalty/settings.py"]
    assert "os.environ" not in (ROOT / "piccolo_conf.py").read_text(encoding="utf-8")
