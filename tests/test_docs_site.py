"""The documentation site: a generated page for every registered game, and a build without warnings."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import gymnasium

import gym_catchgames

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _load_extension():
    spec = importlib.util.spec_from_file_location("catchgames_envs", DOCS / "_ext" / "catchgames_envs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _registered_ids() -> list[str]:
    return [
        env_id
        for env_id, spec in gymnasium.envs.registry.items()
        if isinstance(spec.entry_point, str) and spec.entry_point.startswith("gym_catchgames")
    ]


def test_every_registered_game_gets_a_page(tmp_path):
    extension = _load_extension()
    ids = _registered_ids()
    assert set(gym_catchgames.ENV_IDS) <= set(ids)
    assert extension.env_ids() == ids
    pages = extension.write_env_pages(tmp_path, DOCS / "images")
    assert sorted(page.name for page in pages) == sorted(f"{env_id}.md" for env_id in ids)
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    for env_id in ids:
        text = (tmp_path / f"{env_id}.md").read_text(encoding="utf-8")
        assert text.startswith(f"# {env_id}\n")
        assert "## Action Space" in text
        assert "## Observation Space" in text
        assert str(gymnasium.make(env_id).action_space) in text
        assert env_id in index


def test_a_game_registered_later_gets_a_page_too(tmp_path):
    extension = _load_extension()
    gymnasium.register(id="CatchDocsProbe-v0", entry_point="gym_catchgames.envs.catch:CatchEnv")
    try:
        extension.write_env_pages(tmp_path, DOCS / "images")
        assert "# CatchDocsProbe-v0" in (tmp_path / "CatchDocsProbe-v0.md").read_text(encoding="utf-8")
    finally:
        del gymnasium.registry["CatchDocsProbe-v0"]


def test_committed_env_pages_are_what_the_generator_writes(tmp_path):
    """The pages in docs/environments/ are committed (GitHub shows them, the README links them): they
    must not go stale when a game, its docstring or its picture changes. ``make docs`` rewrites them."""
    extension = _load_extension()
    extension.write_env_pages(tmp_path, DOCS / "images")
    written = {page.name: page.read_text(encoding="utf-8") for page in tmp_path.glob("*.md")}
    committed = {page.name: page.read_text(encoding="utf-8") for page in (DOCS / "environments").glob("*.md")}
    assert committed.keys() == written.keys(), "run make docs and commit docs/environments/"
    stale = sorted(name for name in written if committed[name] != written[name])
    assert not stale, f"docs/environments/: {stale} are stale; run make docs and commit them"


def test_env_index_shows_every_game_with_its_picture(tmp_path):
    extension = _load_extension()
    extension.write_env_pages(tmp_path, DOCS / "images")
    index = (tmp_path / "index.md").read_text(encoding="utf-8")
    for env_id in _registered_ids():
        row = next(line for line in index.splitlines() if f"[{env_id}]({env_id}.md)" in line)
        (picture,) = re.findall(r'<img src="\.\./images/([^"]+)"', row)
        assert (DOCS / "images" / picture).is_file()
        assert picture.endswith(".gif"), f"{env_id}: a still picture on the index"
        assert extension.summary(extension.env_class(env_id)) in row


def test_arguments_table_lists_the_constructor_defaults():
    extension = _load_extension()
    table = extension.arguments_table(extension.env_class("FruitFetch-v0"))
    assert "| `height` | `15` |" in table
    assert "| `decide_above_basket` | `True` |" in table
    assert "self" not in table


def test_docs_build_without_warnings(tmp_path):
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-b", "html"]
    result = subprocess.run(
        [*command, "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for env_id in _registered_ids():
        page = (tmp_path / "html" / "environments" / f"{env_id}.html").read_text(encoding="utf-8")
        # A docstring line that Markdown reads differently from reStructuredText (a code span broken
        # before "* x" starts a list) leaves its double backticks on the page.
        assert "``" not in page, env_id
    assert (tmp_path / "html" / "algorithms" / "sweep-dqn.html").is_file()
