"""Watching and re-evaluating a run: its own usage, Esc and window close, the choice of model, the
scores it prints, headless play and Ctrl-C."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import gymnasium
import numpy as np
import pygame
import pytest

from agents import enjoy, evaluate
from agents.algorithms import tuned_model
from agents.model_files import load_model
from agents.runs import ENJOY_SEED_OFFSET, RunConfig
from tests.helpers import REPO, interrupt_after_first_line


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


def _config_and_model(run_dir: Path, which: str = "interrupted"):
    """The run's config and its saved model (``which``)."""
    config = RunConfig.load(run_dir)
    return config, load_model(run_dir, config, which)


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
        load_model(run_dir, RunConfig.load(run_dir))
    for which in ("interrupted", "best"):
        assert load_model(run_dir, RunConfig.load(run_dir), which).num_timesteps == 200
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
    games = enjoy.play_games(*_config_and_model(run_dir), episodes=1000)  # 1000 games would take minutes
    assert list(games) == [] and 1 <= len(frames) <= 3


def test_other_keys_do_not_stop_enjoy_and_the_window_shows_the_headless_games(run_dir, monkeypatch):
    def press_space() -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE))

    frames = _post_key_after_first_frame(monkeypatch, press_space)
    config, model = _config_and_model(run_dir, "best")
    shown = list(enjoy.play_games(config, model, episodes=2))
    drawn = len(frames)
    assert drawn >= 2 * 9  # two whole 9-step games of Catch
    assert shown == list(enjoy.play_games(config, model, episodes=2, render=False))
    assert len(frames) == drawn  # no window for those


def greedy_catch_games(run_dir: Path, episodes: int) -> list[tuple[float, float]]:
    """(return, catch rate %) of the games enjoy shows, played through ``gymnasium.make`` directly.

    The score comes from the last frame, not the reward: the fruit has reached the basket's row, which
    then holds ``basket_width`` ones if the fruit fell in the basket and one more if it did not.
    """
    config, model = _config_and_model(run_dir)
    env = gymnasium.make(config.env_id, **config.env_kwargs)
    obs, _ = env.reset(seed=config.seed + ENJOY_SEED_OFFSET)
    games = []
    for _ in range(episodes):
        episode_return, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(int(model.predict(obs, deterministic=True)[0]))
            episode_return, done = episode_return + reward, terminated or truncated
        caught = obs[-1].sum() == env.unwrapped.basket_width
        games.append((episode_return, 100.0 if caught else 0.0))
        obs, _ = env.reset()
    return games


GAME_LINE = re.compile(r"game (\d+): return ([-+]\d+), catch rate % (\d+)")
MEAN_LINE = re.compile(
    r"mean of (\d+) games: return ([-+][\d.]+) ± ([\d.]+), catch rate % ([\d.]+) ± ([\d.]+)"
)


def check_printed_games(out: str, games: list[tuple[float, float]]) -> None:
    """``out`` is one line per game of ``games``, in order, then the means of those games."""
    *lines, last = out.splitlines()
    printed = [GAME_LINE.fullmatch(line).groups() for line in lines]
    assert printed == [(str(n), f"{r:+g}", f"{s:g}") for n, (r, s) in enumerate(games, start=1)]
    returns, scores = np.array(games).T
    assert (returns == np.where(scores == 100, 1, -1)).all()  # Catch: +1 per catch, -1 per miss
    count, mean_return, _, mean_score, _ = MEAN_LINE.fullmatch(last).groups()
    assert int(count) == len(games)
    assert float(mean_return) == pytest.approx(returns.mean(), abs=5e-4)
    assert float(mean_score) == pytest.approx(scores.mean(), abs=5e-3)


def test_enjoy_without_a_window_prints_each_game_and_the_means(run_dir, monkeypatch, capsys):
    games = greedy_catch_games(run_dir, 12)
    assert {score for _, score in games} == {0.0, 100.0}  # catches and misses both to check

    def no_display() -> None:
        raise AssertionError("--no-render opened pygame's display")

    monkeypatch.setattr(pygame.display, "init", no_display)
    assert enjoy.main([str(run_dir), "--model", "interrupted", "--episodes", "12", "--no-render"]) == 0
    check_printed_games(capsys.readouterr().out, games)


def test_ctrl_c_stops_enjoy_cleanly_with_the_games_played_summed_up(run_dir):
    # In a window (SDL's dummy driver) at Catch's 5 frames a second, 1000 games would take hours:
    # SIGINT once the first game is printed.
    status, out, err = interrupt_after_first_line(
        ["-m", "agents.enjoy", str(run_dir), "--model", "interrupted", "--episodes", "1000"],
        {**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    assert status == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    played = len(out.splitlines()) - 1
    assert played >= 1
    check_printed_games(out, greedy_catch_games(run_dir, played))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="macOS and Windows always have a screen")
def test_without_a_display_enjoy_says_to_add_no_render(run_dir, monkeypatch, capfd):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER"):
        monkeypatch.delenv(name, raising=False)
    assert enjoy.main([str(run_dir), "--model", "interrupted"]) == 1
    out, err = capfd.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "error: no display (DISPLAY is not set; SDL fell back to its offscreen driver): "
        "the agent plays in a window; add --no-render"
    ]
