"""The direction of imports (DESIGN.md §2): the domain depends on nothing above it.

The rule is enforced by import-linter's contracts in ``pyproject.toml`` (CI runs
``.venv/bin/lint-imports --no-cache``): they refuse indirect chains too and see imports inside
functions. The suite runs the same linter, and checks that the contracts still say all of this.
"""

from __future__ import annotations

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
    for contract in config["contracts"]:
        assert contract["type"] == "forbidden" and not contract.get("allow_indirect_imports", False)
        for source in contract["source_modules"]:
            stated.setdefault(source, set()).update(contract["forbidden_modules"])
    assert stated == FORBIDDEN


def test_no_package_imports_what_it_must_not() -> None:
    linter = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run(
        [str(linter), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_architecture_page_names_every_domain_module() -> None:
    """docs/architecture.md says what each domain module owns: a new module must be placed there."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    unnamed = sorted(
        path.name
        for path in (ROOT / "loyalty").glob("*.py")
        if path.name != "__init__.py" and f"`{path.name}`" not in page
    )
    assert unnamed == []


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
