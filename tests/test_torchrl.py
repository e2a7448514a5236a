"""TorchRL steps every game's native vector env: its specs check, and a rollout is the env's own episodes."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from torchrl.envs.utils import check_env_specs

import gym_catchgames
from gym_catchgames.torchrl_env import make_torchrl_env, wrap_vector_env

STEPS = 60
NUM_ENVS = 3


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_a_rollout_is_the_vector_envs_own_steps_and_partial_resets(env_id):
    env = make_torchrl_env(env_id, NUM_ENVS)
    check_env_specs(env, seed=0)
    env.set_seed(5)
    rollout = env.rollout(STEPS, break_when_any_done=False)
    assert rollout.batch_size == (NUM_ENVS, STEPS)
    # The same actions through the vector env itself, seeded as TorchRL seeds it (reset(seed=5), then the
    # rollout's own reset) and with finished sub-envs reset through reset_mask, as DISABLED asks.
    reference = gymnasium.make_vec(env_id, NUM_ENVS, autoreset_mode=AutoresetMode.DISABLED)
    reference.reset(seed=5)
    observation, _ = reference.reset()
    episodes_ended = 0
    for step in range(STEPS):
        np.testing.assert_array_equal(rollout["observation"][:, step].numpy(), observation)
        actions = rollout["action"][:, step].argmax(-1).numpy()  # TorchRL's one-hot actions
        observation, reward, terminated, truncated, _ = reference.step(actions)
        np.testing.assert_array_equal(rollout["next", "reward"][:, step, 0].numpy(), reward)
        np.testing.assert_array_equal(rollout["next", "terminated"][:, step, 0].numpy(), terminated)
        np.testing.assert_array_equal(rollout["next", "truncated"][:, step, 0].numpy(), truncated)
        done = terminated | truncated
        episodes_ended += int(done.sum())
        if done.any():
            observation, _ = reference.reset(options={"reset_mask": done})
    assert episodes_ended >= 1


def test_catch_rollouts_end_an_episode_every_nine_steps():
    """A fruit falls from row 0 to the basket row 9 of Catch's 10 x 10 grid: 9 steps, then a reward of +-1."""
    rollout = make_torchrl_env("Catch-v0", NUM_ENVS).rollout(STEPS, break_when_any_done=False)
    ends = rollout["next", "done"][..., 0].numpy()
    rewards = rollout["next", "reward"][..., 0].numpy()
    expected = np.zeros(STEPS, dtype=bool)
    expected[8::9] = True
    assert (ends == expected).all()
    assert set(np.abs(rewards[:, expected]).ravel()) == {1.0} and not rewards[:, ~expected].any()


def test_a_next_step_vector_env_is_refused_with_the_fix():
    with pytest.raises(
        ValueError, match=r"is NEXT_STEP: build it with gymnasium.make_vec\(.*AutoresetMode.DISABLED"
    ):
        wrap_vector_env(gymnasium.make_vec("Catch-v0", 2))


def test_same_step_is_taken_too():
    env = wrap_vector_env(gymnasium.make_vec("Snake-v0", 2, autoreset_mode=AutoresetMode.SAME_STEP))
    check_env_specs(env, seed=0)
