"""make_breakout on real ALE runs, and LifeLossInfo on scripted lives."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces
from PIL import Image

from gym_catchgames.atari import make_breakout
from gym_catchgames.wrappers import LifeLossInfo
from tests.helpers import independent_motion_trace

NOOP, FIRE, RIGHT, LEFT = range(4)


def breakout_gray_halved(env: gymnasium.Env) -> np.ndarray:
    """ALE's current screen as float64 ITU-R 601 gray, halved by averaging 2x2 blocks: (105, 80)."""
    screen = env.unwrapped.ale.getScreenRGB().astype(np.float64)
    gray = screen @ np.array([0.299, 0.587, 0.114])
    return gray.reshape(105, 2, 80, 2).mean(axis=(1, 3))


def test_breakout_observations_follow_the_tutorial():
    env = make_breakout()
    assert env.observation_space == spaces.Box(0, 255, (105, 80, 2), np.uint8)
    obs, info = env.reset(seed=0)
    assert info["lives"] == 5
    assert info["life_lost"] is False
    gray_frames, observations = [breakout_gray_halved(env)], [obs]
    actions = np.random.default_rng(0).integers(4, size=60)
    for action in actions:
        obs, *_ = env.step(action)
        gray_frames.append(breakout_gray_halved(env))
        observations.append(obs)
    # The same frames through the tutorial's formula, from the screen read straight from ALE.
    expected = list(independent_motion_trace(gray_frames, threshold=20.0, decay=0.75))
    assert all(obs.dtype == np.uint8 and obs.shape == (105, 80, 2) for obs in observations)
    assert sum(obs[..., 1].any() for obs in observations) > 30, "too little moved to test the trace"
    for step, (obs, want) in enumerate(zip(observations, expected, strict=True)):
        np.testing.assert_array_equal(obs, want, err_msg=f"step {step}")


def test_breakout_reports_lost_lives_and_the_game_goes_on():
    env = make_breakout()
    _, info = env.reset(seed=1)
    lives = env.unwrapped.ale.lives()
    lost_at = []
    # Firing without moving the paddle: each ball is served and soon missed.
    for step in range(300):
        _, _, terminated, truncated, info = env.step(FIRE)
        now = env.unwrapped.ale.lives()
        assert info["lives"] == now
        assert info["life_lost"] is (now < lives)
        lives = now
        if info["life_lost"]:
            lost_at.append(step)
            assert not (terminated or truncated), "a lost life ended the episode"
        if len(lost_at) == 2:
            break
    assert len(lost_at) == 2
    assert lives == 3


@pytest.mark.parametrize("frameskip", [1, 4])
def test_breakout_fixed_frameskip(frameskip):
    env = make_breakout(frameskip=frameskip)
    env.reset(seed=0)
    for step in range(1, 6):
        _, _, _, _, info = env.step(NOOP)
        assert info["episode_frame_number"] == step * frameskip


def test_breakout_tutorial_random_frameskip_and_sticky_actions():
    env = make_breakout(frameskip=(2, 5), repeat_action_probability=0.0)
    assert env.unwrapped.ale.getFloat("repeat_action_probability") == 0.0
    _, info = env.reset(seed=0)
    frames = [info["episode_frame_number"]]
    for _ in range(40):
        frames.append(env.step(NOOP)[4]["episode_frame_number"])
    # Each step lasts 2, 3 or 4 frames, drawn at random: all three show up in 40 steps.
    assert set(np.diff(frames)) == {2, 3, 4}


def test_breakout_spec_rebuilds_the_pipeline():
    env = make_breakout(size=(84, 84), decay=0.5)
    rebuilt = gymnasium.make(env.spec)
    assert rebuilt.observation_space == spaces.Box(0, 255, (84, 84, 2), np.uint8)
    assert rebuilt.get_wrapper_attr("decay") == 0.5
    assert rebuilt.reset(seed=0)[1]["life_lost"] is False


class ScriptedLives(gymnasium.Env):
    """Reports ``lives[0]`` on reset and ``lives[i]`` on the i-th step in ``info["lives"]``."""

    observation_space = spaces.Discrete(1)
    action_space = spaces.Discrete(1)

    def __init__(self, lives: list[int | None]):
        self.lives = lives
        self._index = 0

    def _info(self) -> dict:
        lives = self.lives[self._index]
        return {} if lives is None else {"lives": lives}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._index = 0
        return 0, self._info()

    def step(self, action):
        self._index += 1
        return 0, 0.0, self._index == len(self.lives) - 1, False, self._info()


def test_life_lost_marks_each_drop_in_lives():
    # Lives 3 -> 3 -> 2 -> 2 -> 3 (a bonus life) -> 2 -> 0 (two at once, game over).
    env = LifeLossInfo(ScriptedLives([3, 3, 2, 2, 3, 2, 0]))
    _, info = env.reset()
    assert info == {"lives": 3, "life_lost": False}
    flags = [env.step(0)[4]["life_lost"] for _ in range(6)]
    assert flags == [False, True, False, False, True, True]
    # A new episode starts from its own count, not from the last one.
    env.reset()
    assert env.step(0)[4]["life_lost"] is False


def test_life_lost_needs_lives_in_info():
    with pytest.raises(ValueError, match=r"info\['lives'\]"):
        LifeLossInfo(ScriptedLives([None, None])).reset()
    env = LifeLossInfo(ScriptedLives([3, None]))
    env.reset()
    with pytest.raises(ValueError, match=r"info\['lives'\]"):
        env.step(0)


def test_breakout_example_saves_the_picture(tmp_path):
    out = tmp_path / "trace.png"
    result = subprocess.run(
        [sys.executable, "examples/breakout_motion_trace.py", "--steps", "5", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    assert f"saved {out}" in result.stdout
    # Three panels of the 210x160 screen at twice its size, with margins and a label band.
    assert Image.open(out).size == (3 * 320 + 4 * 12, 420 + 28 + 12)
