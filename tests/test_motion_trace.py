"""MotionTraceObservation: traces worked out by hand, input formats, errors, every game, composition."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.wrappers import FrameStackObservation
from stable_baselines3.common.preprocessing import is_image_space, is_image_space_channels_first
from stable_baselines3.common.vec_env import DummyVecEnv, VecFrameStack

from gym_catchgames.wrappers import MotionTraceObservation
from tests.helpers import IMAGE_OBS_PAIRS, check_sb3_env, check_wrapped_env_strict, independent_motion_trace


class ScriptedFrames(gymnasium.Env):
    """Plays back fixed frames: ``reset()`` returns ``frames[0]``, the i-th ``step()`` ``frames[i]``.

    The observation space spans 0-255 for integer frames and [0, 1] for float ones.
    """

    metadata = {"render_modes": []}  # noqa: RUF012

    def __init__(self, frames: list[np.ndarray]):
        self.frames = [np.asarray(frame) for frame in frames]
        first = self.frames[0]
        high = 1.0 if np.issubdtype(first.dtype, np.floating) else 255
        self.observation_space = spaces.Box(0, high, first.shape, first.dtype)
        self.action_space = spaces.Discrete(1)
        self._index = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._index = 0
        return self.frames[0].copy(), {}

    def step(self, action):
        self._index += 1
        terminated = self._index == len(self.frames) - 1
        return self.frames[self._index].copy(), 0.0, terminated, False, {}


def play(frames: list[np.ndarray], **wrapper_kwargs) -> list[np.ndarray]:
    """The wrapper's observations for ``frames``: the reset one, then one per step."""
    env = MotionTraceObservation(ScriptedFrames(frames), **wrapper_kwargs)
    observations = [env.reset(seed=0)[0]]
    observations += [env.step(0)[0] for _ in frames[1:]]
    return observations


def moving_dot(steps: int, height: int = 5, width: int = 7, row: int = 2) -> list[np.ndarray]:
    """Blank uint8 gray frames with one 255 pixel moving right by one column per frame from column 1."""
    frames = []
    for column in range(1, steps + 2):
        frame = np.zeros((height, width), np.uint8)
        frame[row, column] = 255
        frames.append(frame)
    return frames


def test_moving_dot_trace_by_hand():
    observations = play(moving_dot(steps=3))
    # Only row 2 ever changes; the rest of the trace stays 0.
    # reset: no previous frame, so the trace is empty.
    # step 1: the dot left column 1 and entered column 2, both changed by 255 > 20, so both are 255.
    # step 2: columns 2 and 3 changed (255); column 1 did not, it decays to 0.75 * 255 = 191.25 -> 191.
    #   Column 2 also had 255 in the trace: clip(255 + 0.75 * 255) = 255.
    # step 3: columns 3 and 4 changed (255); column 2 decays to 191.25 -> 191; column 1 to
    #   0.75 * 191.25 = 143.4375 -> 143.
    expected_rows = [
        [0, 0, 0, 0, 0, 0, 0],
        [0, 255, 255, 0, 0, 0, 0],
        [0, 191, 255, 255, 0, 0, 0],
        [0, 143, 191, 255, 255, 0, 0],
    ]
    for step, (obs, expected_row) in enumerate(zip(observations, expected_rows, strict=True)):
        expected_trace = np.zeros((5, 7), np.uint8)
        expected_trace[2] = expected_row
        np.testing.assert_array_equal(obs[..., 1], expected_trace, err_msg=f"step {step}")
        # Channel 0 is the frame itself: a gray uint8 frame needs no conversion.
        expected_frame = np.zeros((5, 7), np.uint8)
        expected_frame[2, step + 1] = 255
        np.testing.assert_array_equal(obs[..., 0], expected_frame, err_msg=f"step {step}")


def test_change_must_exceed_the_threshold():
    before = np.full((3, 3), 100, np.uint8)
    after = before.copy()
    after[0, 0] = 120  # a change of exactly 20: not above the threshold, no trace
    after[1, 1] = 121  # 21: above it
    after[2, 2] = 80  # -20: the size of the change counts, still not above
    after[2, 0] = 79  # -21
    trace = play([before, after])[1][..., 1]
    np.testing.assert_array_equal(trace, [[0, 0, 0], [0, 255, 0], [255, 0, 0]])
    # With threshold 0 every change of at least one gray level leaves a trace.
    trace = play([before, after], threshold=0)[1][..., 1]
    np.testing.assert_array_equal(trace, [[255, 0, 0], [0, 255, 0], [255, 0, 255]])


def test_trace_decays_in_float_without_compounding_truncation():
    # A pixel lights up once and stays lit: the trace is 255 * 0.75**k, truncated only on output.
    # 0.75**k * 255 for k = 1..7: 191.25, 143.4375, 107.578125, 80.68359375, 60.5126953125,
    # 45.384521484375, 34.03839111328125. Truncating the trace at every step would give 33 at
    # k = 7 (floor(0.75 * 45) = 33).
    dark, lit = np.zeros((1, 1), np.uint8), np.full((1, 1), 255, np.uint8)
    traces = [int(obs[0, 0, 1]) for obs in play([dark, lit] + [lit] * 7)]
    assert traces == [0, 255, 191, 143, 107, 80, 60, 45, 34]
    # decay 0.5: 255, 127.5, 63.75, 31.875; decay 0 keeps only the latest change.
    assert [int(obs[0, 0, 1]) for obs in play([dark, lit, lit, lit, lit], decay=0.5)] == [
        0,
        255,
        127,
        63,
        31,
    ]
    assert [int(obs[0, 0, 1]) for obs in play([dark, lit, lit], decay=0.0)] == [0, 255, 0]


def test_rgb_uses_itu_r_601_weights():
    # 0.299 * 255 = 76.245, 0.587 * 255 = 149.685, 0.114 * 255 = 29.07, and white sums to 255.
    frame = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], np.uint8)
    np.testing.assert_array_equal(play([frame])[0][..., 0], [[76, 149, 29, 255]])


def test_float_grid_in_unit_range_is_scaled_to_255():
    # 0.25 * 255 = 63.75 -> 63, 0.5 * 255 = 127.5 -> 127, 1.0 -> 255.
    grid = np.array([[0.0, 0.25], [0.5, 1.0]], np.float32)
    frames = play([grid, grid[::-1].copy()])
    np.testing.assert_array_equal(frames[0][..., 0], [[0, 63], [127, 255]])
    # Every cell changed by at least 0.25 * 255 = 63.75 > 20.
    np.testing.assert_array_equal(frames[1][..., 1], np.full((2, 2), 255))


def test_single_channel_image_is_read_as_gray():
    frame = np.array([[[10], [200]]], np.uint8)
    np.testing.assert_array_equal(play([frame])[0][..., 0], [[10, 200]])


def test_exact_halving_averages_2x2_blocks():
    # Means of the 2x2 blocks: (0+4+16+20)/4 = 10, (8+12+24+28)/4 = 18, 40, (200*3+100)/4 = 175.
    frame = np.array([[0, 4, 8, 12], [16, 20, 24, 28], [40, 40, 200, 200], [40, 40, 200, 100]], np.uint8)
    obs = play([frame], size=(2, 2))[0]
    assert obs.shape == (2, 2, 2)
    np.testing.assert_array_equal(obs[..., 0], [[10, 18], [40, 175]])


def test_shrinking_first_rounds_each_average_and_exact_mode_does_not():
    # The 2x2 block [[1, 1], [1, 0]] averages to 0.75. The default averages the uint8 frame first and
    # rounds to 1; exact mode averages the float gray frame, 0.75, and truncates it to 0. Half a level
    # is the most rounding can move the gray value.
    frame = np.array([[1, 1], [1, 0]], np.uint8)
    assert play([frame], size=(1, 1))[0][0, 0, 0] == 1
    assert play([frame], size=(1, 1), exact=True)[0][0, 0, 0] == 0
    # The trace follows the gray value: 0.75 -> 21.25 is a change of 20.5 (> 20) in exact mode, while
    # the rounded 1 -> 21 changes by exactly 20 (not above the threshold).
    brighter = np.array([[21, 22], [21, 21]], np.uint8)  # averages 21.25, rounded to 21
    assert play([frame, brighter], size=(1, 1))[1][0, 0, 1] == 0
    assert play([frame, brighter], size=(1, 1), exact=True)[1][0, 0, 1] == 255


def test_enlarging_is_bilinear():
    # Width 2 -> 4: output pixel centres fall at source x = -0.25, 0.25, 0.75, 1.25, clamped at the
    # edges, so a row [0, 255] becomes [0, 0.25 * 255, 0.75 * 255, 255] = [0, 63.75, 191.25, 255].
    frame = np.array([[0, 255], [0, 255]], np.uint8)
    obs = play([frame], size=(2, 4))[0]
    np.testing.assert_array_equal(obs[..., 0], [[0, 63, 191, 255], [0, 63, 191, 255]])


def test_reset_clears_the_trace():
    frames = moving_dot(steps=3)
    env = MotionTraceObservation(ScriptedFrames(frames))
    env.reset()
    for _ in range(3):
        env.step(0)
    obs, _ = env.reset()
    np.testing.assert_array_equal(obs[..., 1], 0)
    np.testing.assert_array_equal(obs[..., 0], frames[0])
    # The first step after the reset compares with the reset frame, not the last one before it.
    np.testing.assert_array_equal(env.step(0)[0], play(frames[:2])[1])


def test_every_observation_is_a_fresh_array():
    frames = moving_dot(steps=3)
    env = MotionTraceObservation(ScriptedFrames(frames))
    observations = [env.reset()[0]] + [env.step(0)[0] for _ in range(3)]
    for index, first in enumerate(observations):
        for second in observations[index + 1 :]:
            assert not np.shares_memory(first, second)
    # Scribbling over a returned observation does not change what comes next.
    env.reset()
    for obs, expected in zip([env.step(0)[0] for _ in range(3)], observations[1:], strict=True):
        np.testing.assert_array_equal(obs, expected)
        obs[:] = 7


def test_observation_space_is_an_sb3_channels_last_image():
    env = MotionTraceObservation(ScriptedFrames([np.zeros((210, 160, 3), np.uint8)]), size=(105, 80))
    assert env.observation_space == spaces.Box(0, 255, (105, 80, 2), np.uint8)
    assert is_image_space(env.observation_space)
    assert not is_image_space_channels_first(env.observation_space)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": -1}, "threshold must be finite and >= 0.0"),
        ({"threshold": float("nan")}, "threshold must be finite"),
        ({"decay": -0.1}, r"decay must be in \[0, 1\)"),
        ({"decay": 1.0}, r"decay must be in \[0, 1\)"),
        ({"decay": float("inf")}, "decay must be finite, got inf"),  # not "finite and finite"
        ({"size": (0, 4)}, r"size height must be in \[1, 4096\], got 0"),
        ({"size": (4, -2)}, r"size width must be in \[1, 4096\], got -2"),
        ({"size": (40_000, 40_000)}, r"size height must be in \[1, 4096\], got 40000"),
        ({"size": (4,)}, r"size must be None or a \(height, width\) pair"),
        ({"size": np.array([4, 4, 4])}, r"size must be None or a \(height, width\) pair"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MotionTraceObservation(ScriptedFrames([np.zeros((4, 4), np.uint8)]), **kwargs)


def test_non_numeric_arguments_raise_type_error():
    env = ScriptedFrames([np.zeros((4, 4), np.uint8)])
    with pytest.raises(TypeError, match="threshold must be a number"):
        MotionTraceObservation(env, threshold="20")
    with pytest.raises(TypeError, match="size height must be an integer"):
        MotionTraceObservation(env, size=(2.5, 4))
    for size in ("44", 44, {4, 5}, np.array([[4, 4]])):
        with pytest.raises(TypeError, match=r"size must be None or a \(height, width\) pair"):
            MotionTraceObservation(env, size=size)


def test_a_numpy_size_is_a_size():
    frames = ScriptedFrames([np.zeros((4, 4), np.uint8)])
    env = MotionTraceObservation(frames, size=np.array([2, 2]))
    assert env.observation_space.shape == (2, 2, 2)
    assert env.reset()[0].shape == (2, 2, 2)


@pytest.mark.parametrize(
    ("space", "message"),
    [
        (spaces.Box(0, 255, (4, 4, 2), np.uint8), r"got the shape \(4, 4, 2\)"),
        (spaces.Box(0, 255, (8,), np.uint8), r"got the shape \(8,\)"),
        (spaces.Box(0, 255, (2, 4, 4, 3), np.uint8), r"got the shape \(2, 4, 4, 3\)"),
        (spaces.Box(0, 255, (4, 4), np.int64), "got the dtype int64"),
        (spaces.Box(0, 1, (4, 4), np.uint8), "got uint8 bounds other than 0-255"),
        (spaces.Box(0.0, 2.0, (4, 4), np.float32), r"got float bounds outside \[0, 1\]"),
        (spaces.Box(-1.0, 1.0, (4, 4), np.float32), r"got float bounds outside \[0, 1\]"),
    ],
)
def test_unsupported_box_spaces_raise_value_error(space, message):
    env = ScriptedFrames([space.low])
    env.observation_space = space
    with pytest.raises(ValueError, match=message):
        MotionTraceObservation(env)


@pytest.mark.parametrize(
    "space", [spaces.Discrete(4), spaces.Dict({"image": spaces.Box(0, 255, (4, 4), np.uint8)})]
)
def test_non_box_spaces_raise_type_error(space):
    env = ScriptedFrames([np.zeros((4, 4), np.uint8)])
    env.observation_space = space
    with pytest.raises(TypeError, match="MotionTraceObservation needs a Box image"):
        MotionTraceObservation(env)


def gray_0_255(obs: np.ndarray) -> np.ndarray:
    """A game observation as float64 gray 0-255: ITU-R 601 for RGB, times 255 for grids."""
    if obs.ndim == 3:
        return obs.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return obs.astype(np.float64) * 255.0


@pytest.mark.parametrize(("env_id", "obs_type"), IMAGE_OBS_PAIRS)
def test_every_game_matches_the_formula(env_id, obs_type):
    raw = gymnasium.make(env_id, obs_type=obs_type)
    traced = MotionTraceObservation(gymnasium.make(env_id, obs_type=obs_type))
    actions = np.random.default_rng(5).integers(raw.action_space.n, size=40)
    raw_frames = [gray_0_255(raw.reset(seed=3)[0])]
    observations = [traced.reset(seed=3)[0]]
    for action in actions:
        raw_obs, _, terminated, truncated, _ = raw.step(action)
        raw_frames.append(gray_0_255(raw_obs))
        observations.append(traced.step(action)[0])
        if terminated or truncated:
            break
    expected = list(independent_motion_trace(raw_frames, threshold=20.0, decay=0.75))
    assert any(obs[..., 1].any() for obs in observations), "the game never moved"
    for step, (obs, want) in enumerate(zip(observations, expected, strict=True)):
        np.testing.assert_array_equal(obs, want, err_msg=f"{env_id} {obs_type} step {step}")


@pytest.mark.parametrize(("env_id", "obs_type"), IMAGE_OBS_PAIRS)
def test_every_game_passes_the_env_checkers(env_id, obs_type):
    check_wrapped_env_strict(MotionTraceObservation(gymnasium.make(env_id, obs_type=obs_type)))
    check_sb3_env(MotionTraceObservation(gymnasium.make(env_id, obs_type=obs_type)))
    # At 84x84 the observation is a full-size SB3 image: not even advice.
    resized = MotionTraceObservation(gymnasium.make(env_id, obs_type=obs_type), size=(84, 84))
    assert check_sb3_env(resized) == []


def test_frame_stack_observation_composes():
    frames = moving_dot(steps=3)
    expected = play(frames)
    env = FrameStackObservation(MotionTraceObservation(ScriptedFrames(frames)), stack_size=2)
    assert env.observation_space.shape == (2, 5, 7, 2)
    stacked = [env.reset()[0]] + [env.step(0)[0] for _ in range(3)]
    for step in range(1, 4):
        np.testing.assert_array_equal(stacked[step][0], expected[step - 1])
        np.testing.assert_array_equal(stacked[step][1], expected[step])


def test_sb3_vec_frame_stack_composes():
    frames = moving_dot(steps=3, height=36, width=36)
    expected = play(frames)
    venv = VecFrameStack(DummyVecEnv([lambda: MotionTraceObservation(ScriptedFrames(frames))]), n_stack=2)
    # Channels last stay last: SB3 stacks the two channels of each frame side by side.
    assert venv.observation_space.shape == (36, 36, 4)
    assert is_image_space(venv.observation_space)
    assert not is_image_space_channels_first(venv.observation_space)
    venv.reset()
    obs = venv.step(np.array([0]))[0][0]
    np.testing.assert_array_equal(obs[..., :2], expected[0])
    np.testing.assert_array_equal(obs[..., 2:], expected[1])
