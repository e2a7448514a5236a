"""The Gymnasium contract, checked the same way for every registered id and observation type."""

from __future__ import annotations

import subprocess
import sys
import warnings

import gymnasium
import numpy as np
import pytest
from gymnasium.error import ResetNeeded
from hypothesis import given, settings
from hypothesis import strategies as st

import gym_catchgames
from tests.helpers import ID_OBS_PAIRS, assert_same_steps, check_env_strict, check_sb3_env, rollout


@pytest.mark.parametrize(("env_id", "obs_type"), ID_OBS_PAIRS)
def test_gymnasium_check_env_without_warnings(env_id, obs_type):
    check_env_strict(gymnasium.make(env_id, obs_type=obs_type).unwrapped)


@pytest.mark.parametrize(("env_id", "obs_type"), ID_OBS_PAIRS)
def test_sb3_check_env(env_id, obs_type):
    advice = check_sb3_env(gymnasium.make(env_id, obs_type=obs_type))
    assert len(advice) <= 1


@pytest.mark.parametrize(("env_id", "obs_type"), ID_OBS_PAIRS)
def test_spaces_and_python_types(env_id, obs_type):
    env = gymnasium.make(env_id, obs_type=obs_type)
    assert env.action_space == gymnasium.spaces.Discrete(3)
    shape = env.observation_space.shape
    assert shape[:2] == (env.unwrapped.height, env.unwrapped.width)
    assert (shape, env.observation_space.dtype) == (
        ((shape[0], shape[1]), np.float32) if obs_type == "grid" else ((shape[0], shape[1], 3), np.uint8)
    )
    obs, _ = env.reset(seed=0)
    previous = obs
    for _ in range(5):
        obs, reward, terminated, truncated, info = env.step(1)
        assert type(reward) is float and type(terminated) is bool and type(truncated) is bool
        assert isinstance(info, dict)
        assert not np.shares_memory(obs, previous)
        previous = obs
        if terminated:
            break


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_same_seed_same_episodes_and_other_seeds_differ(env_id):
    env_a, env_b = gymnasium.make(env_id), gymnasium.make(env_id)
    actions = [0, 2, 1, 2, 2, 0, 1] * 10
    # Several episodes in a row: a seedless reset continues the seeded stream identically.
    runs_a = [rollout(env_a, actions, seed=7)] + [rollout(env_a, actions) for _ in range(3)]
    runs_b = [rollout(env_b, actions, seed=7)] + [rollout(env_b, actions) for _ in range(3)]
    for run_a, run_b in zip(runs_a, runs_b, strict=True):
        assert_same_steps(run_a, run_b)
    first_frames = {rollout(env_a, [], seed=seed)[0][0].tobytes() for seed in range(20)}
    assert len(first_frames) > 5


@pytest.mark.parametrize(("env_id", "obs_type"), ID_OBS_PAIRS)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), actions=st.lists(st.integers(0, 2), min_size=1, max_size=40))
def test_random_actions_stay_in_space_and_episodes_end(env_id, obs_type, seed, actions):
    env = gymnasium.make(env_id, obs_type=obs_type)
    obs, _ = env.reset(seed=seed)
    assert env.observation_space.contains(obs)
    steps = 0
    for action in actions * 600:  # long enough to reach the end of any episode
        obs, _, terminated, truncated, _ = env.step(action)
        steps += 1
        assert env.observation_space.contains(obs)
        if terminated or truncated:
            break
    assert terminated or truncated
    assert steps <= (env.spec.max_episode_steps or env.unwrapped.height)


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
@pytest.mark.parametrize("action", [3, -1, 1.0, float("nan"), None, "left", np.array([1]), np.float32(1)])
def test_invalid_actions_name_the_action_space(env_id, action):
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    with pytest.raises((ValueError, TypeError), match=r"Discrete\(3\).*0 = left, 1 = stay, 2 = right"):
        env.step(action)


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_numpy_integer_actions_are_accepted(env_id):
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    for action in (np.int64(0), np.int32(2), np.array(1), np.uint8(1), True):
        env.step(action)


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_step_before_reset_and_after_the_end_raise(env_id):
    with pytest.raises(ResetNeeded):
        gymnasium.make(env_id).step(1)  # gymnasium's OrderEnforcing wrapper
    raw = gymnasium.make(env_id).unwrapped
    with pytest.raises(ResetNeeded, match="reset"):
        raw.step(1)
    raw.reset(seed=0)
    while not raw.step(0)[2]:
        pass
    with pytest.raises(ResetNeeded, match="reset"):
        raw.step(1)


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"height": 2}, ValueError, "height must be >= 3"),
        ({"width": 0}, ValueError, "width must be >= 3"),
        ({"height": 10.0}, TypeError, "height must be an integer"),
        ({"obs_type": "pixels"}, ValueError, "obs_type must be one of 'grid', 'rgb'"),
        ({"render_mode": "rgb"}, ValueError, "render_mode must be one of None, 'human', 'rgb_array'"),
        ({"max_episode_steps": -5}, ValueError, "positive"),
    ],
)
@pytest.mark.filterwarnings("ignore:.*not in the possible render_modes")  # gymnasium's own notice
def test_impossible_arguments_raise_at_construction(env_id, kwargs, error, message):
    with pytest.raises(error, match=message):
        gymnasium.make(env_id, **kwargs)


def test_registration_is_idempotent_and_works_from_the_module_prefix():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gym_catchgames.register_envs()
    code = (
        "import gymnasium; env = gymnasium.make('gym_catchgames:Catch-v0'); print(env.reset(seed=0)[0].shape)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "(10, 10)"


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_keys_to_action_cover_every_action(env_id):
    import pygame

    keys = gymnasium.make(env_id).unwrapped.get_keys_to_action()
    assert keys == {(pygame.K_LEFT,): 0, (pygame.K_RIGHT,): 2, (): 1}
    assert gymnasium.make(env_id).unwrapped.get_action_meanings() == ["left", "stay", "right"]
