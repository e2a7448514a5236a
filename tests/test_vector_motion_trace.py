"""VectorMotionTraceObservation against the scalar wrapper, sub-env by sub-env, in every autoreset mode."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import gym_catchgames  # noqa: F401  (registers the envs)
from gym_catchgames.wrappers import MotionTraceObservation, VectorMotionTraceObservation
from tests.helpers import StepLimit


def catch_ball_rgb() -> gymnasium.Env:
    """Short CatchBall episodes in RGB: misses end some, the 12-step limit truncates the others."""
    return gymnasium.make("CatchBall-v0", obs_type="rgb", max_episode_steps=12)


def step_side_by_side(batched, oracle, mode: AutoresetMode, steps: int, seed: int) -> tuple[int, np.ndarray]:
    """Step both vector envs with the same random actions and assert the same observations, rewards, ends
    and final observations, resetting the ended sub-envs of a ``DISABLED`` pair; returns the episodes
    ended and the last observations."""
    rng = np.random.default_rng(seed)
    episodes_ended = 0
    for step in range(steps):
        actions = rng.integers(0, batched.single_action_space.n, batched.num_envs)
        obs, rewards, terminated, truncated, info = batched.step(actions)
        want, want_rewards, want_terminated, want_truncated, want_info = oracle.step(actions)
        np.testing.assert_array_equal(obs, want, err_msg=f"step {step}")
        np.testing.assert_array_equal(rewards, want_rewards)
        ended = terminated | truncated
        np.testing.assert_array_equal(ended, want_terminated | want_truncated)
        episodes_ended += int(ended.sum())
        if mode == AutoresetMode.SAME_STEP:
            for i in np.flatnonzero(ended):
                np.testing.assert_array_equal(info["final_obs"][i], want_info["final_obs"][i])
        if mode == AutoresetMode.DISABLED and ended.any():
            obs, _ = batched.reset(options={"reset_mask": ended.copy()})
            np.testing.assert_array_equal(obs, oracle.reset(options={"reset_mask": ended.copy()})[0])
    return episodes_ended, obs


@pytest.mark.parametrize("mode", list(AutoresetMode))
@pytest.mark.parametrize(
    ("size", "exact"),
    [
        ((8, 8), False),  # halving: the batch is resized as one tall image
        ((8, 8), True),
        ((12, 10), False),  # no whole factor: one resize per frame
        (None, False),
        ((20, 24), False),  # enlarging
    ],
)
def test_batched_traces_are_the_scalar_wrappers_in_every_autoreset_mode(mode, size, exact):
    num_envs = 4
    batched = VectorMotionTraceObservation(
        SyncVectorEnv([catch_ball_rgb] * num_envs, autoreset_mode=mode), size=size, exact=exact
    )
    oracle = SyncVectorEnv(
        [lambda: MotionTraceObservation(catch_ball_rgb(), size=size, exact=exact)] * num_envs,
        autoreset_mode=mode,
    )
    assert batched.single_observation_space == oracle.single_observation_space
    assert batched.observation_space == oracle.observation_space
    obs, _ = batched.reset(seed=5)
    np.testing.assert_array_equal(obs, oracle.reset(seed=5)[0])
    episodes_ended, obs = step_side_by_side(batched, oracle, mode, steps=80, seed=0)
    assert episodes_ended >= 10  # many traces were restarted, in the middle of the batch
    assert obs[..., 1].any()


def test_batched_traces_over_a_native_vector_env_with_a_partial_reset():
    num_envs = 5
    batched = VectorMotionTraceObservation(gymnasium.make_vec("Snake-v0", num_envs=num_envs))
    oracle = SyncVectorEnv([lambda: MotionTraceObservation(gymnasium.make("Snake-v0"))] * num_envs)
    np.testing.assert_array_equal(batched.reset(seed=9)[0], oracle.reset(seed=9)[0])
    rng = np.random.default_rng(1)
    autoresets = 0
    for step in range(60):
        if step == 30:  # sub-envs 1 and 3 start again; the others keep their traces
            mask = np.array([False, True, False, True, False])
            obs, _ = batched.reset(options={"reset_mask": mask.copy()})
            np.testing.assert_array_equal(obs, oracle.reset(options={"reset_mask": mask})[0])
            np.testing.assert_array_equal(obs[[1, 3], ..., 1], 0)
        actions = rng.integers(0, 5, num_envs)
        obs, _, terminated, truncated, _ = batched.step(actions)
        np.testing.assert_array_equal(obs, oracle.step(actions)[0], err_msg=f"step {step}")
        autoresets += int((terminated | truncated).sum())
    assert autoresets >= 5


def test_observations_are_fresh_arrays_and_scribbling_on_them_changes_nothing():
    def play(scribble: bool) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The observations of a fixed play and copies made as they came; ``scribble`` overwrites each."""
        env = VectorMotionTraceObservation(gymnasium.make_vec("CatchBall-v0", num_envs=3))
        returned, copies = [], []

        def keep(obs: np.ndarray) -> None:
            returned.append(obs)
            copies.append(obs.copy())
            if scribble:
                obs[:] = 7

        keep(env.reset(seed=2)[0])
        keep(env.reset(options={"reset_mask": np.array([True, False, False])})[0])
        for action in (0, 2, 2, 1, 0):
            keep(env.step(np.full(3, action))[0])
        return returned, copies

    returned, clean = play(scribble=False)
    for index, first in enumerate(returned):
        for second in returned[index + 1 :]:
            assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(play(scribble=True)[1], clean)
    assert clean[-1][..., 1].any()


def test_arguments_and_spaces_are_checked_as_by_the_scalar_wrapper():
    with pytest.raises(ValueError, match=r"decay must be in \[0, 1\)"):
        VectorMotionTraceObservation(gymnasium.make_vec("Catch-v0", num_envs=2), decay=1.0)
    with pytest.raises(TypeError, match="exact must be a bool"):
        VectorMotionTraceObservation(gymnasium.make_vec("Catch-v0", num_envs=2), exact="yes")
    envs = SyncVectorEnv([lambda: gymnasium.make("CartPole-v1")] * 2)
    with pytest.raises(ValueError, match=r"got the shape \(4,\)"):
        VectorMotionTraceObservation(envs)


def test_a_leading_frame_stack_axis_of_one_is_dropped():
    class StackOfOne(gymnasium.Env):
        observation_space = spaces.Box(0, 255, (1, 6, 4, 3), np.uint8)
        action_space = spaces.Discrete(1)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return np.zeros((1, 6, 4, 3), np.uint8), {}

        def step(self, action):
            return np.full((1, 6, 4, 3), 255, np.uint8), 0.0, False, False, {}

    env = VectorMotionTraceObservation(SyncVectorEnv([StackOfOne] * 2), size=(3, 2))
    assert env.single_observation_space == spaces.Box(0, 255, (3, 2, 2), np.uint8)
    env.reset(seed=0)
    obs = env.step(np.zeros(2, dtype=np.int64))[0]
    np.testing.assert_array_equal(obs, 255)  # white everywhere, and everything changed


@pytest.mark.parametrize("mode", list(AutoresetMode))
@pytest.mark.parametrize("env_id", ["CatchBall-v0", "Snake-v0"])
def test_batched_traces_over_native_vector_envs_in_every_autoreset_mode(mode, env_id):
    """The traces restart where the native env's episodes do, in each mode, as the scalar wrapper's in
    a SyncVectorEnv of the same mode (``final_obs`` traced too); short episodes, many restarts."""
    num_envs, limit = 4, 12

    def scalar() -> gymnasium.Env:
        return MotionTraceObservation(StepLimit(gymnasium.make(env_id, max_episode_steps=-1), limit))

    batched = VectorMotionTraceObservation(
        gymnasium.make_vec(env_id, num_envs=num_envs, max_episode_steps=limit, autoreset_mode=mode)
    )
    oracle = SyncVectorEnv([scalar] * num_envs, autoreset_mode=mode)
    np.testing.assert_array_equal(batched.reset(seed=3)[0], oracle.reset(seed=3)[0])
    episodes_ended, _ = step_side_by_side(batched, oracle, mode, steps=60, seed=2)
    assert episodes_ended >= 12
