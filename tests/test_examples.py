"""The examples: every one takes a budget, and none writes into the repository's docs/ unless asked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TRAINING = sorted(path.name for path in (REPO / "examples").glob("train_*.py"))


def run_example(name: str, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO / "examples" / name), *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.mark.parametrize("name", TRAINING)
def test_every_training_example_takes_a_timesteps_budget(name):
    usage = run_example(name, "--help")
    assert usage.returncode == 0, usage.stderr
    assert "--timesteps TIMESTEPS" in usage.stdout


@pytest.mark.parametrize("algo", ["dqn", "sweep-dqn"])
def test_a_training_example_runs_a_small_budget_with_progress(tmp_path, algo):
    result = run_example(
        "train_cave.py", "--algo", algo, "--timesteps", "300", "--episodes", "2", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "300/300" in result.stdout  # the progress bar (rich, on stdout) reached the whole budget
    assert f"{algo} on Cave-v0" in result.stdout
    assert list(tmp_path.iterdir()) == []  # it wrote nothing


@pytest.mark.parametrize(
    ("name", "args", "written"),
    [
        ("gallery.py", ["--episodes", "1", "--max-frames", "3"], "catch.gif"),
        ("cave_and_snake_pictures.py", [], "cave.png"),
    ],
)
def test_picture_examples_write_into_the_users_folder_and_never_overwrite(tmp_path, name, args, written):
    first = run_example(name, *args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    (folder,) = tmp_path.iterdir()
    assert folder.name != "docs" and (folder / written).is_file()
    before = (folder / written).read_bytes()
    (folder / written).write_bytes(b"the user's own file")
    again = run_example(name, *args, cwd=tmp_path)
    assert again.returncode == 2 and "pass --overwrite" in again.stderr
    assert (folder / written).read_bytes() == b"the user's own file"
    replaced = run_example(name, *args, "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0 and (folder / written).read_bytes()[:3] == before[:3]
