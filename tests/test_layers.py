"""The layering rule (ARCHITECTURE.md, "Layers and the dependency rule") on every import.

    cli, api, web, sim  ->  app  ->  domain, engines
                            app  ->  store

An import the other way is printed as file:line and fails the test. The scan reads the source
(AST), so an import inside a function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

ENGINES = ("geo", "picture", "dispatch", "people", "alerts", "interop", "standards")
TOP = ("api", "web", "cli", "sim")  # the layers nothing below may know

# What each layer may not import (a top-level part of `magen`; `magen.clock`, `magen.config`
# and `magen.town_clock` are below every layer unless a rule names them).
FORBIDDEN: dict[str, frozenset[str]] = {
    # Pure: no I/O, no clock reads, no settings; only other domain modules and the engines.
    "domain": frozenset({"app", "store", "report", "clock", "config", "town_clock", "demo", *TOP}),
    "app": frozenset({"report", "demo", *TOP}),
    # The event log knows bytes and positions, not what the events mean.
    "store": frozenset({"app", "domain", "report", "demo", *ENGINES, *TOP}),
    # The report reads a log like the app does; nothing on a page or the command line.
    "report": frozenset({"api", "web", "cli", "demo"}),
    **{
        engine: frozenset({"app", "store", "report", "clock", "config", "demo", *TOP})
        for engine in ENGINES
    },
}

# Imports that break the rule, known and kept for the reason given: (file, imported part) ->
# why. Empty: nothing breaks it today. An entry no import needs any more fails the test.
ALLOWED: dict[tuple[str, str], str] = {}


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.Import | ast.ImportFrom, path: Path, src: Path) -> list[str]:
    """The modules an import statement names, with relative imports resolved."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        base = node.module or ""
    else:
        package = _module_name(path, src).split(".")
        if path.name != "__init__.py":
            package.pop()
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, node.module] if node.module else package)
    if base == "magen":  # `from magen import cli`: each name is a part
        return [f"magen.{alias.name}" for alias in node.names]
    return [base]


def violations(src: Path = SRC, used: set[tuple[str, str]] | None = None) -> list[str]:
    """Every import under `src`/magen that its layer may not make, as `file:line: what`.

    The ALLOWED exceptions met on the way are added to `used`.
    """
    package = src / "magen"
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        layer = path.relative_to(package).parts[0].removesuffix(".py")
        forbidden = FORBIDDEN.get(layer)
        if forbidden is None:
            continue
        where = path.relative_to(src.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for module in _imported(node, path, src):
                parts = module.split(".")
                if parts[0] != "magen" or len(parts) < 2 or parts[1] not in forbidden:
                    continue
                if (where, parts[1]) in ALLOWED:
                    if used is not None:
                        used.add((where, parts[1]))
                    continue
                found.append(f"{where}:{node.lineno}: {layer} imports {module}")
    return found


def test_no_layer_imports_one_above_it() -> None:
    used: set[tuple[str, str]] = set()
    found = violations(used=used)
    found += [
        f"{where}: no longer imports magen.{part}; drop it from ALLOWED"
        for where, part in ALLOWED.keys() - used
    ]
    for line in found:
        print(line)
    assert not found, "imports against the layering rule:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("layer", "source", "caught"),
    [
        ("store", "from magen.api.app import build_service\n", "store imports magen.api.app"),
        ("store", "from magen.domain.base import Recorded\n", "store imports magen.domain.base"),
        ("domain", "def f():\n    import magen.app.service\n", "domain imports magen.app.service"),
        ("domain", "from magen.clock import SystemClock\n", "domain imports magen.clock"),
        ("geo", "from magen import json, cli\n", "geo imports magen.cli"),
        ("app", "from ..web import times\n", "app imports magen.web"),
        ("app", "from .. import sim\n", "app imports magen.sim"),
        ("report", "from magen.web.times import town_zone\n", "report imports magen.web.times"),
    ],
)
def test_the_scan_catches_an_import_the_wrong_way(
    tmp_path: Path, layer: str, source: str, caught: str
) -> None:
    folder = tmp_path / "src" / "magen" / layer
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "bad.py").write_text(source)
    # What every layer may import: its own package (by name or relatively), the standard library.
    (folder / "fine.py").write_text(
        f"import json\nfrom magen.{layer} import bad\nfrom . import bad as again\n"
    )
    assert violations(tmp_path / "src") == [
        f"src/magen/{layer}/bad.py:{source.count(chr(10))}: {caught}"
    ]
