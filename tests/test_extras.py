"""Every third-party import of the package is declared by the install it comes with.

A module of ``agents`` comes with the ``agents`` extra, ``agents.tune`` and ``agents.ray_cluster`` with
``ray`` and ``agents.record_video`` with ``zoo``; the games with the core install. An import inside a
function, or through ``gym_catchgames.dependencies.require``, may instead belong to the extra that
``EXTRA_OF_MODULE`` names for it (``require`` tells the user to install that extra).
"""

from __future__ import annotations

import ast
import re
import sys
from functools import cache
from importlib.metadata import packages_distributions, requires
from pathlib import Path

import pytest

from gym_catchgames.dependencies import EXTRA_OF_MODULE

REPO = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"gym_catchgames", "agents"}
#: The extra each installed module comes with, by path prefix (the longest match wins); None: the core.
INSTALL_OF_PATH = {
    "gym_catchgames/": None,
    "gym_catchgames/sb3.py": "agents",
    "agents/": "agents",
    "agents/tune.py": "ray",
    "agents/ray_cluster.py": "ray",
    "agents/record_video.py": "zoo",
}


@cache
def installed_distributions() -> dict[str, list[str]]:
    return packages_distributions()


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def declared(extra: str | None) -> frozenset[str]:
    """The distributions the installed package's metadata declares for the core install plus ``extra``
    (and the extras it names)."""
    pattern = re.compile(r"([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?[^;]*(?:; extra == \"(.*)\")?")
    requirements = [pattern.match(line).groups() for line in requires("gym-catchgames")]
    names, pending, seen = set(), [None, extra], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, extras, of_extra in requirements:
            if of_extra != current:
                continue
            if normalized(name) == "gym-catchgames":
                pending += extras.split(",")
            else:
                names.add(normalized(name))
    return frozenset(names)


def imports(source: str) -> list[tuple[str, bool]]:
    """(top-level package, inside a function) of each import and ``require("...")`` call of ``source``;
    ``if TYPE_CHECKING:`` blocks are not imports at run time."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name.split(".")[0], in_function) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append((node.module.split(".")[0], in_function))
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "require"
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.args[0].value.split(".")[0], True))
        in_function = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.iter_child_nodes(node):
            visit(child, in_function)

    visit(ast.parse(source), False)
    return [(name, lazy) for name, lazy in found if name not in sys.stdlib_module_names | FIRST_PARTY]


def undeclared(path: str, source: str) -> list[str]:
    """The imports of the module at ``path`` that its install does not declare, as 'package (dist)'."""
    install = INSTALL_OF_PATH[max((prefix for prefix in INSTALL_OF_PATH if path.startswith(prefix)), key=len)]
    distributions = installed_distributions()
    missing = []
    for name, lazy in imports(source):
        allowed = set(declared(install))
        if lazy and name in EXTRA_OF_MODULE:
            allowed |= declared(EXTRA_OF_MODULE[name])
        dists = {normalized(dist) for dist in distributions.get(name, [name])}
        if not dists & allowed:
            missing.append(f"{name} ({', '.join(sorted(dists))})")
    return missing


MODULES = sorted(
    str(path.relative_to(REPO)) for package in FIRST_PARTY for path in (REPO / package).rglob("*.py")
)


@pytest.mark.parametrize("path", MODULES)
def test_each_import_is_declared_by_the_modules_install(path):
    assert undeclared(path, (REPO / path).read_text()) == []


def test_the_check_sees_imports_and_refuses_an_undeclared_one():
    tune_imports = dict(imports((REPO / "agents" / "tune.py").read_text()))
    assert {"optuna", "ray", "torch", "yaml"} <= tune_imports.keys()
    assert undeclared("gym_catchgames/core.py", "import torch\n") == ["torch (torch)"]
    assert undeclared("agents/tune.py", "import rl_zoo3\n") == ["rl_zoo3 (rl-zoo3)"]
    # require() points the user at the extra EXTRA_OF_MODULE names, so a lazy import of it is allowed.
    assert undeclared("gym_catchgames/core.py", "def f():\n    import cv2\n") == []
    assert undeclared("gym_catchgames/core.py", "import cv2\n") == ["cv2 (opencv-python-headless)"]


def test_each_extra_that_require_names_installs_the_module():
    distributions = installed_distributions()
    for module, extra in EXTRA_OF_MODULE.items():
        assert {normalized(dist) for dist in distributions[module]} & declared(extra), (module, extra)
