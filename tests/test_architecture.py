"""The package structure in DESIGN.md §2 holds: layers depend one way, with no cycles; views stay
thin; only ``security/fields.py`` knows the columns that store protected fields; tests mirror the
package."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "daservice"
TESTS = Path(__file__).resolve().parent

# Bottom to top. A unit (a subpackage, or a module at the top of daservice) may import only units
# in lower layers: never one beside it, never one above. A new unit must be placed here.
LAYERS: list[set[str]] = [
    {"rates", "uk_time", "exceptions", "events", "instance_path"},
    {"config"},
    {"extensions"},
    {"security"},
    {"writer_slot", "inserts", "logs"},
    {"audit"},
    {"jobs"},
    {"notify", "pdf"},
    {"errors"},  # maps domain exceptions to responses
    # Features, in the one order they depend in.
    {"accounts"},
    {"directory"},
    {"people"},
    {"referrals"},
    {"perpetrators", "training", "feedback"},
    {"reports"},
    {"api"},
    {"dpo", "main"},
    # The application: what assembles the features.
    {"navigation"},
    {"demo", "bootstrap"},
    {"__init__"},
]
LAYER = {unit: n for n, units in enumerate(LAYERS) for unit in units}
KERNEL = set().union(*LAYERS[: LAYERS.index({"accounts"})])


def _unit(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _imported_units(path: Path) -> set[str]:
    """The daservice units a file imports (its own excluded)."""
    tree = ast.parse(path.read_text())
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                if node.module:
                    names.add(f"{base}.{node.module}")
                else:  # `from .. import audit, notify`
                    names.update(f"{base}.{alias.name}" for alias in node.names)
            elif node.module == "daservice":  # `from daservice import referrals`
                names.update(f"daservice.{alias.name}" for alias in node.names)
            elif node.module:
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif (  # importlib.import_module("daservice.api") and the like
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value.startswith("daservice.")
        ):
            names.add(node.args[0].value)
    units = {name.split(".")[1] for name in names if name.startswith("daservice.")}
    return units - {_unit(path)}


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        graph.setdefault(_unit(path), set()).update(_imported_units(path))
    return graph


def test_every_unit_has_a_place_in_the_layers():
    assert set(_graph()) - set(LAYER) == set(), "place new packages in LAYERS"


def test_layers_depend_one_way():
    wrong = [
        f"{unit} imports {other}"
        for unit, others in _graph().items()
        for other in others
        if LAYER[other] >= LAYER[unit]
    ]
    assert wrong == []


def test_there_are_no_cycles_between_packages():
    graph = _graph()
    done: set[str] = set()

    def visit(unit: str, path: list[str]) -> None:
        assert unit not in path, " -> ".join([*path, unit])
        if unit in done:
            return
        for other in graph.get(unit, ()):
            visit(other, [*path, unit])
        done.add(unit)

    for unit in graph:
        visit(unit, [])


def test_the_kernel_imports_no_feature():
    for unit in KERNEL:
        assert all(LAYER[other] < LAYER["accounts"] for other in _graph().get(unit, ()))


def _view_modules() -> list[Path]:
    """Modules that define a blueprint's routes."""
    return [
        path
        for path in PACKAGE.rglob("*.py")
        if "Blueprint(" in path.read_text() and path.name != "__init__.py"
    ]


def test_views_call_services_and_never_touch_the_session():
    """Views parse, call one service and render: none imports the session or SQL at all."""
    assert len(_view_modules()) >= 8
    for path in _view_modules():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                imported = {alias.name for alias in node.names}
                assert not (node.module or "").endswith("extensions") or "db" not in imported, (
                    f"{path.relative_to(PACKAGE)} imports db"
                )
                assert node.module not in {"sqlalchemy", "sqlalchemy.orm"}, path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("sqlalchemy") for a in node.names), path
            if isinstance(node, ast.Attribute) and node.attr == "session":
                raise AssertionError(f"{path.relative_to(PACKAGE)}:{node.lineno} uses a session")


def test_the_import_reader_sees_every_form_of_import(tmp_path):
    sample = PACKAGE / "security" / "_architecture_probe.py"
    sample.write_text(
        "import importlib\n"
        "from daservice import referrals\n"
        "def later():\n"
        "    from ..api import views\n"
        "    importlib.import_module('daservice.reports')\n"
    )
    try:
        assert _imported_units(sample) >= {"referrals", "api", "reports"}
    finally:
        sample.unlink()


def test_only_the_field_declaration_knows_the_stored_columns():
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).as_posix() == "security/fields.py":
            continue
        assert "_ciphertext" not in path.read_text(), path.relative_to(PACKAGE)


def test_models_never_commit():
    for path in PACKAGE.rglob("models.py"):
        assert ".commit(" not in path.read_text(), path


def test_no_legacy_query_api():
    for path in PACKAGE.rglob("*.py"):
        assert ".query." not in path.read_text(), path


def test_tests_mirror_the_package():
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and not p.name.startswith("__")}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders - {"e2e"} <= packages, "tests/<folder> names a daservice package (or e2e/)"
