"""Watching and re-evaluating a run: its own usage, Esc and window close, and the choice of model."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from agents import enjoy, evaluate
from agents.algorithms import tuned_model
from agents.runs import RunConfig

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A run folder holding only a model saved at a stop (as Ctrl-C leaves it) and a best model."""
    folder = tmp_path_factory.mktemp("run")
    config, model = tuned_model("Catch-v0", "dqn", timesteps=200, overrides={"learning_starts": 50})
    model.learn(200)
    config.save(folder)
    model.save(folder / "model_interrupted.zip")
    (folder / "best").mkdir()
    shutil.copy(folder / "model_interrupted.zip", folder / "best" / "best_model.zip")
    return folder


def test_enjoy_has_its_own_usage():
    result = subprocess.run(
        [sys.executable, "-m", "agents.enjoy", "--help"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m agents.enjoy")
    assert "Watch a trained agent play" in result.stdout and "--gif-episodes" not in result.stdout


def test_a_stopped_run_is_evaluated_with_model_interrupted_and_the_error_names_it(run_dir, capsys):
    with pytest.raises(
        ValueError, match=r"no final model at .*model.zip; this run has: --model interrupted or --model best"
    ):
        evaluate.load_model(run_dir, RunConfig.load(run_dir))
    for which in ("interrupted", "best"):
        assert evaluate.load_model(run_dir, RunConfig.load(run_dir), which).num_timesteps == 200
    assert (
        evaluate.main([str(run_dir), "--model", "interrupted", "--episodes", "3", "--gif-episodes", "0"]) == 0
    )
    assert "random" in capsys.readouterr().out


def _post_key_after_first_frame(monkeypatch, post) -> list[int]:
    """Make the window receive ``post()`` once the first frame is shown; count the frames drawn."""
    frames = []
    flip = pygame.display.flip

    def counting_flip() -> None:
        frames.append(1)
        flip()
        if len(frames) == 1:
            post()

    monkeypatch.setattr(pygame.display, "flip", counting_flip)
    return frames


@pytest.mark.parametrize("event", ["escape", "close"])
def test_enjoy_stops_on_escape_or_window_close(run_dir, monkeypatch, event):
    def press_escape() -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))

    def close_window() -> None:
        pygame.event.post(pygame.event.Event(pygame.QUIT))

    frames = _post_key_after_first_frame(monkeypatch, press_escape if event == "escape" else close_window)
    finished = enjoy.watch(run_dir, episodes=1000, which="interrupted")  # 1000 games would take minutes
    assert finished == 0 and 1 <= len(frames) <= 3


def test_other_keys_do_not_stop_enjoy(run_dir, monkeypatch):
    def press_space() -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE))

    frames = _post_key_after_first_frame(monkeypatch, press_space)
    assert enjoy.watch(run_dir, episodes=2, which="best") == 2
    assert len(frames) >= 2 * 9  # two whole 9-step games of Catch
