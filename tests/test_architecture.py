"""The shape of the code: games own their knowledge, agents/ imports without cycles, layers point down."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: A Gymnasium env id such as "Catch-v0" or "ALE/Breakout-v5".
ENV_ID = re.compile(r"^(?:[A-Za-z0-9_]+/)?[A-Za-z0-9_]+-v\d+$")


def modules(package: str) -> dict[str, ast.Module]:
    """Every module of ``package`` by dotted name (``agents`` for its ``__init__``), parsed."""
    parsed = {}
    for path in sorted((REPO / package).rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        parsed[name] = ast.parse(path.read_text(), filename=str(path))
    return parsed


def imported_modules(tree: ast.Module, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``tree`` imports anywhere: at the top, inside functions, or by name
    through ``importlib.import_module("...")``."""
    found = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names = [str(node.args[0].value)]
        found |= {name for name in names if name in known}
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of ``graph`` as a path that ends where it starts, or ``None``."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for child in sorted(graph[node]):
            if state.get(child) == "open":
                return [*path[path.index(child) :], child] if child in path else [node, child]
            if child not in state and (cycle := visit(child, [*path, child])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_the_agents_import_graph_has_no_cycle_counting_imports_inside_functions():
    parsed = modules("agents")
    graph = {name: imported_modules(tree, set(parsed)) - {name} for name, tree in parsed.items()}
    assert graph["agents.train"] >= {"agents.algorithms", "agents.run_report"}  # the checker sees imports
    assert find_cycle(graph) is None, find_cycle(graph)


def command_line_modules(parsed: dict[str, ast.Module]) -> set[str]:
    """The modules of ``parsed`` that are commands: those with an ``if __name__ == "__main__":`` block."""
    return {
        name
        for name, tree in parsed.items()
        if any(isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in tree.body)
    }


def test_no_library_module_benchmark_or_example_imports_a_command():
    """What a command and a library both need lives in a library module: the commands (``agents.train``,
    ``agents.evaluate``, ...) only parse, call and print, and nothing builds on them."""
    agents = modules("agents")
    commands = command_line_modules(agents)
    assert {"agents.train", "agents.evaluate", "agents.enjoy", "agents.tune"} <= commands
    offenders = []
    for package in ("agents", "benchmarks", "examples"):
        for name, tree in modules(package).items():
            offenders += [f"{name} imports {command}" for command in imported_modules(tree, commands)]
    assert offenders == []


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_games_never_import_the_agents():
    parsed = modules("gym_catchgames")
    agents = set(modules("agents"))
    for name, tree in parsed.items():
        assert not imported_modules(tree, agents), f"{name} imports {imported_modules(tree, agents)}"


def test_no_table_in_agents_is_keyed_by_env_id():
    """Game knowledge lives in the games (NATURAL_SCORE) and in data files, not in id tables."""
    offenders = []
    for name, tree in modules("agents").items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                items = [key for key in node.keys if key is not None]
            elif isinstance(node, ast.List | ast.Tuple | ast.Set):
                items = node.elts
            else:
                continue
            offenders += [
                f"{name}:{item.lineno} {item.value!r}"
                for item in items
                if isinstance(item, ast.Constant) and isinstance(item.value, str) and ENV_ID.match(item.value)
            ]
    assert offenders == []


def test_the_id_pattern_matches_ids_and_nothing_else():
    assert all(ENV_ID.match(text) for text in ("Catch-v0", "ALE/Breakout-v5", "Taxi-v4"))
    assert not any(ENV_ID.match(text) for text in ("sweep-dqn", "lin_1e-3", "catch rate %"))


def test_vector_envs_read_their_scalar_game_only_through_public_attributes():
    """``game._x`` / ``self.game._x`` would tie a vector env to its scalar game's internals."""
    offenders = []
    for name, tree in modules("gym_catchgames").items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and node.attr.startswith("_")):
                continue
            owner = node.value
            is_game = (isinstance(owner, ast.Name) and owner.id == "game") or (
                isinstance(owner, ast.Attribute) and owner.attr == "game"
            )
            if is_game:
                offenders.append(f"{name}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []
