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

from gym_catchgames.atari import make_breakout, make_breakout_vector
from gym_catchgames.wrappers import LifeLossInfo, MotionTraceObservation, VectorMotionTraceObservation
from tests.helpers import independent_motion_trace

NOOP, FIRE, RIGHT, LEFT = range(4)


def breakout_gray_halved(env: gymnasium.Env) -> np.ndarray:
    """ALE's current screen as float64 ITU-R 601 gray, halved by averaging 2x2 blocks: (105, 80)."""
    return screen_gray_halved(env.unwrapped.ale.getScreenRGB())


def screen_gray_halved(screen: np.ndarray) -> np.ndarray:
    """A 210x160 RGB screen as float64 ITU-R 601 gray, halved by averaging 2x2 blocks: (105, 80)."""
    gray = screen.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
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


def test_breakout_vector_pipeline_is_make_breakout_sub_env_by_sub_env():
    vector = make_breakout_vector(3)
    scalars = [make_breakout() for _ in range(3)]
    assert vector.single_observation_space == scalars[0].observation_space
    obs, info = vector.reset(seed=4)
    for i, scalar in enumerate(scalars):
        np.testing.assert_array_equal(obs[i], scalar.reset(seed=4 + i)[0])
    actions = np.random.default_rng(2).integers(4, size=(50, 3))
    for step, batch in enumerate(actions):
        obs, _, _, _, info = vector.step(batch)
        for i, scalar in enumerate(scalars):
            scalar_obs, *_, scalar_info = scalar.step(batch[i])
            np.testing.assert_array_equal(obs[i], scalar_obs, err_msg=f"sub-env {i}, step {step}")
            assert info["life_lost"][i] == scalar_info["life_lost"]
    assert obs[..., 1].any()


def test_ale_vector_env_rgb_frames_are_traced_by_the_formula():
    from ale_py.vector_env import AtariVectorEnv

    def make() -> AtariVectorEnv:
        return AtariVectorEnv(
            "breakout", 2, grayscale=False, img_height=210, img_width=160, stack_num=1, maxpool=False
        )

    raw, traced = make(), VectorMotionTraceObservation(make(), size=(105, 80))
    assert traced.single_observation_space == spaces.Box(0, 255, (105, 80, 2), np.uint8)
    frames, observations = [raw.reset(seed=1)[0]], [traced.reset(seed=1)[0]]
    for batch in np.random.default_rng(3).integers(4, size=(40, 2)):
        frames.append(raw.step(batch)[0])
        observations.append(traced.step(batch)[0])
    for i in range(2):
        gray = [screen_gray_halved(batch[i, 0]) for batch in frames]
        expected = independent_motion_trace(gray, threshold=20.0, decay=0.75)
        for step, want in enumerate(expected):
            np.testing.assert_array_equal(observations[step][i], want, err_msg=f"sub-env {i}, step {step}")
    assert observations[-1][..., 1].any()


def test_default_gray_is_within_half_a_level_of_the_exact_mode_on_breakout():
    env = make_breakout(frameskip=1)
    exact = MotionTraceObservation(env.env, size=(105, 80), exact=True)  # the same game, exact gray
    env.reset(seed=6)
    gaps = []
    for action in np.random.default_rng(4).integers(4, size=120):
        env.step(action)
        screen = env.unwrapped.ale.getScreenRGB()
        gaps.append(np.abs(env._gray_frame(screen) - exact._gray_frame(screen)).max())
    # Breakout's 2x2 blocks average to whole levels, so the two differ only by float32 rounding;
    # the documented bound for any uint8 input is 0.5.
    assert max(gaps) < 1e-4


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
