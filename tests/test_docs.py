"""The README stays a front page, and the guide pages and their links hold together."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GUIDES = sorted((REPO / "docs" / "guide").glob("*.md"))
#: A Markdown link or image target, e.g. ``](../images/catch.gif)``.
LINK = re.compile(r"\]\(([^)\s]+)\)")


def prose(text: str) -> str:
    """``text`` without its fenced code blocks."""
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def test_readme_is_a_front_page():
    assert len((REPO / "README.md").read_text().split()) <= 2000


@pytest.mark.parametrize("page", [REPO / "README.md", *GUIDES], ids=lambda p: p.relative_to(REPO).as_posix())
def test_local_links_resolve(page: Path):
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        assert (page.parent / target.split("#")[0]).exists(), f"{page.name}: broken link {target}"


@pytest.mark.parametrize("page", GUIDES, ids=lambda p: p.name)
def test_guide_pages_have_one_title(page: Path):
    text = prose(page.read_text())
    assert text.startswith("# ")
    assert len(re.findall(r"^# ", text, flags=re.MULTILINE)) == 1


def test_typing_markers_exist():
    assert (REPO / "gym_catchgames" / "py.typed").exists()
    assert (REPO / "agents" / "py.typed").exists()
