"""The package's layers: each imports only from the layers below it; only the CLI uses click.

Every module of ``procurement/`` is parsed with :mod:`ast` (nothing is imported): ``import``
and ``from … import`` statements anywhere in the module (inside functions and
``if TYPE_CHECKING:`` blocks too; relative imports resolved) and ``importlib.import_module``
calls with a literal name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "procurement"

# Each layer and the layers it may import from (itself included).
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "storage": {"core", "storage"},
    "cases": {"core", "storage", "cases"},
    "analysis": {"core", "storage", "cases", "analysis"},
    "exchange": {"core", "storage", "cases", "analysis", "exchange"},
    "reporting": {"core", "storage", "cases", "analysis", "reporting"},
    "publishing": {"core", "storage", "cases", "analysis", "exchange", "reporting", "publishing"},
    "demo": {"core", "storage", "cases", "analysis", "exchange", "reporting", "publishing", "demo"},
    "cli": {
        "core",
        "storage",
        "cases",
        "analysis",
        "exchange",
        "reporting",
        "publishing",
        "demo",
        "cli",
    },
}
LAYERS = list(ALLOWED)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_names(source: str, module: str, is_package: bool) -> Iterator[str]:
    """Absolute names of what ``module`` imports (``from a import b`` gives ``a.b``)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                yield base if alias.name == "*" else f"{base}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            yield node.args[0].value


def modules() -> list[tuple[Path, str]]:
    return [(path, module_name(path)) for path in sorted(PACKAGE.rglob("*.py"))]


def layer_of(name: str) -> str | None:
    """``procurement.cases.store.create`` -> ``cases``; None outside any layer."""
    parts = name.split(".")
    if parts[0] != "procurement" or len(parts) < 2:
        return None
    return parts[1]


def imports_by_module() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, name in modules():
        source = path.read_text("utf-8")
        found[name] = sorted(set(imported_names(source, name, path.name == "__init__.py")))
    return found


IMPORTS = imports_by_module()


def test_the_import_parser_sees_every_kind_of_import() -> None:
    source = """
from __future__ import annotations
import importlib
from typing import TYPE_CHECKING
import click.testing
from . import values
from .. import exchange
from ..storage.models import Case
from .store import create as c
if TYPE_CHECKING:
    from procurement.reporting.model import Report
def f():
    import procurement.demo.run
    from ..cli import cli
    importlib.import_module("procurement.exchange.ocds.exporter")
"""
    names = set(imported_names(source, "procurement.cases.query", is_package=False))
    assert {
        "click.testing",
        "procurement.cases.values",
        "procurement.exchange",
        "procurement.storage.models.Case",
        "procurement.cases.store.create",
        "procurement.reporting.model.Report",
        "procurement.demo.run",
        "procurement.cli.cli",
        "procurement.exchange.ocds.exporter",
    } <= names
    package = set(imported_names("from . import x\nfrom .y import z\n", "procurement.cases", True))
    assert package == {"procurement.cases.x", "procurement.cases.y.z"}


def test_every_module_is_in_a_layer() -> None:
    outside = [
        str(path.relative_to(PACKAGE.parent))
        for path, name in modules()
        if name != "procurement" and layer_of(name) not in ALLOWED
    ]
    assert not outside, f"modules outside the layer folders {LAYERS}: {outside}"
    for layer in LAYERS:
        assert (PACKAGE / layer / "__init__.py").is_file(), f"procurement/{layer}/ is missing"


def test_the_top_level_package_imports_no_layer() -> None:
    offending = [n for n in IMPORTS["procurement"] if n.startswith("procurement.")]
    assert not offending, f"procurement/__init__.py imports {offending}"


@pytest.mark.parametrize("layer", [layer for layer in LAYERS if layer != "cli"])
def test_layer_imports_only_the_layers_below(layer: str) -> None:
    allowed = ALLOWED[layer]
    offending = [
        (module, name)
        for module, names in IMPORTS.items()
        if layer_of(module) == layer
        for name in names
        if layer_of(name) is not None and layer_of(name) not in allowed
    ]
    assert not offending, (
        f"procurement/{layer}/ may import only from {sorted(allowed)}; "
        "offending (module, imported name):\n"
        + "\n".join(f"  ({module}, {name})" for module, name in offending)
    )


def test_only_the_cli_imports_click() -> None:
    offending = [
        (module, name)
        for module, names in IMPORTS.items()
        if layer_of(module) != "cli"
        for name in names
        if name == "click" or name.startswith("click.")
    ]
    assert not offending, (
        "click is imported outside procurement/cli/; offending (module, imported name):\n"
        + "\n".join(f"  ({module}, {name})" for module, name in offending)
    )
