"""The dependency direction in DESIGN.md §2 holds."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "daservice"
KERNEL = {"security", "audit", "pdf", "notify"}
FEATURES = {
    "accounts",
    "directory",
    "referrals",
    "perpetrators",
    "training",
    "feedback",
    "reports",
    "api",
    "main",
    "dpo",
}


def _imports(path: Path) -> set[str]:
    """Absolute module names imported by a file of the daservice package."""
    tree = ast.parse(path.read_text())
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                module = ".".join(base + ([node.module] if node.module else []))
                names = [module] + [f"{module}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            found.update(names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {n for n in found if n.startswith("daservice")}


def _package_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE).parts
    return rel[0] if len(rel) > 1 else ""


def test_kernel_imports_no_feature():
    for path in PACKAGE.rglob("*.py"):
        if _package_of(path) in KERNEL:
            for name in _imports(path):
                top = name.split(".")[1] if name.count(".") else ""
                assert top not in FEATURES, f"{path.relative_to(PACKAGE)} imports {name}"


def test_no_feature_imports_another_features_views():
    for path in PACKAGE.rglob("*.py"):
        own = _package_of(path)
        for name in _imports(path):
            parts = name.split(".")
            if (
                len(parts) >= 3
                and parts[1] in FEATURES
                and parts[1] != own
                and parts[2] in {"views", "admin_views"}
            ):
                assert path.name == "__init__.py" and own == "", (
                    f"{path.relative_to(PACKAGE)} imports {name}"
                )


def test_models_never_commit():
    for path in PACKAGE.rglob("models.py"):
        assert ".commit(" not in path.read_text(), path


def test_no_legacy_query_api():
    for path in PACKAGE.rglob("*.py"):
        assert ".query." not in path.read_text(), path
