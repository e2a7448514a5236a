"""The README stays a front page, and the guide pages and their links hold together."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GUIDES = sorted((REPO / "docs" / "guide").glob("*.md"))
#: What users read: the front pages, every docs page (the generated env pages too) and the examples.
USER_TEXT = sorted(
    [REPO / "README.md", REPO / "CHANGELOG.md", REPO / "CONTRIBUTING.md", *(REPO / "examples").glob("*.py")]
    + [page for page in (REPO / "docs").rglob("*.md") if "_build" not in page.parts]
)
#: A Markdown link or image target, e.g. ``](../images/catch.gif)``.
LINK = re.compile(r"\]\(([^)\s]+)\)")
#: A reference into an issue tracker: "issue 17", "issue #17", "PR #3" or a bare "#17".
TRACKER_REFERENCE = re.compile(r"\b(?:issues?|tickets?|PR)\s*#?\d+|(?<![\w/&])#\d+\b", re.IGNORECASE)
#: What is not one: an address (it names its project) and a numbered work, Hvass-Labs' Tutorial #16.
NOT_A_TRACKER_REFERENCE = re.compile(r"https?://\S+|\btutorials? #\d+", re.IGNORECASE)


def prose(text: str) -> str:
    """``text`` without its fenced code blocks."""
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def local_links(page: Path) -> list[Path]:
    """The files that the Markdown links and images of ``page`` (outside code blocks) point to."""
    return [
        page.parent / target.split("#")[0]
        for target in LINK.findall(prose(page.read_text()))
        if not re.match(r"^[a-z]+:", target) and not target.startswith("#")
    ]


def tracker_references(text: str) -> list[str]:
    """The issue-tracker references in ``text``."""
    return TRACKER_REFERENCE.findall(NOT_A_TRACKER_REFERENCE.sub("", text))


def test_readme_is_a_front_page():
    assert len((REPO / "README.md").read_text().split()) <= 2000


@pytest.mark.parametrize("page", [REPO / "README.md", *GUIDES], ids=lambda p: p.relative_to(REPO).as_posix())
def test_local_links_resolve(page: Path):
    for target in local_links(page):
        assert target.exists(), f"{page.name}: broken link {target.relative_to(page.parent)}"


def test_readme_links_are_files_of_a_fresh_clone():
    """Every file the README links or shows is in the repository: present and not git-ignored (a
    build output such as ``docs/_build/`` would be missing from a fresh clone)."""
    targets = [target.resolve().relative_to(REPO).as_posix() for target in local_links(REPO / "README.md")]
    assert "docs/environments/Catch-v0.md" in targets and "docs/images/catch.gif" in targets
    missing = [target for target in targets if not (REPO / target).is_file()]
    assert not missing, f"README.md links files that do not exist: {missing}"
    ignored = subprocess.run(
        ["git", "check-ignore", "--stdin"], input="\n".join(targets), capture_output=True, text=True, cwd=REPO
    )
    assert ignored.returncode in (0, 1), ignored.stderr  # 1: none of them is ignored
    assert not ignored.stdout.split(), f"README.md links git-ignored files: {ignored.stdout.split()}"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("the targets of issue #17 are not met", ["issue #17"]),
        ("see issue 17", ["issue 17"]),
        ("fixed in #17.", ["#17"]),
        ("Hvass-Labs TensorFlow Tutorial #16 (TensorFlow-Tutorials #16)", []),
        ("as https://github.com/DLR-RM/stable-baselines3/issues/1 says; seeds 0-2 on 2 cores", []),
    ],
)
def test_tracker_references_are_found(text: str, found: list[str]):
    assert tracker_references(text) == found


@pytest.mark.parametrize("page", USER_TEXT, ids=lambda p: p.relative_to(REPO).as_posix())
def test_user_text_names_no_tracker_numbers(page: Path):
    """Readers cannot follow this project's internal issue numbers: the text says what it means."""
    assert not tracker_references(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("page", GUIDES, ids=lambda p: p.name)
def test_guide_pages_have_one_title(page: Path):
    text = prose(page.read_text())
    assert text.startswith("# ")
    assert len(re.findall(r"^# ", text, flags=re.MULTILINE)) == 1


def test_typing_markers_exist():
    assert (REPO / "gym_catchgames" / "py.typed").exists()
    assert (REPO / "agents" / "py.typed").exists()


def test_the_guides_lead_with_the_quick_start_and_follow_the_reading_order():
    """The site's sidebar order: start, the envs, the agents, the results, then running it at scale."""
    index = (REPO / "docs" / "index.md").read_text()
    guides = re.search(r":caption: Guides\n\n(.*?)```", index, re.DOTALL).group(1).split()
    reading_order = ["quickstart", "environments", "vector-envs", "agents", "learning-results",
                     "performance", "ray", "security", "development"]  # fmt: skip
    listed = [name.removeprefix("guide/") for name in guides]
    assert [name for name in listed if name in reading_order] == reading_order
    assert listed[0] == "quickstart"
    # Every guide page is in the toctree, so none is only reachable by search.
    assert {page.stem for page in GUIDES} <= set(listed)
