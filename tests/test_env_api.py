"""The Gymnasium contract, checked the same way for every registered id and observation type."""

from __future__ import annotations

import re
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

#: What each game's actions do, the keys that play them (pygame key names) and the no-op (the action
#: while no key is held), written out here so that a change to any is a deliberate one.
ACTIONS_AND_KEYS = {
    "Catch-v0": (["left", "stay", "right"], {("LEFT",): 0, ("RIGHT",): 2}, 1),
    "FruitFetch-v0": (["left", "stay", "right"], {("LEFT",): 0, ("RIGHT",): 2}, 1),
    "CatchBall-v0": (["left", "stay", "right"], {("LEFT",): 0, ("RIGHT",): 2}, 1),
    "Cave-v0": (["release", "hold"], {("SPACE",): 1}, 0),
    "Cave-v1": (["release", "hold"], {("SPACE",): 1}, 0),
    "Snake-v0": (
        ["up", "right", "down", "left", "forward"],
        {("UP",): 0, ("RIGHT",): 1, ("DOWN",): 2, ("LEFT",): 3},
        4,
    ),
}


@pytest.mark.parametrize(("env_id", "obs_type"), ID_OBS_PAIRS)
def test_gymnasium_check_env_without_warnings(env_id, obs_type):
    check_env_strict(gymnasium.make(env_id, obs_type=obs_type).unwrapped)


@pytest.mark.parametrize(("env_id", "obs_type"), ID_OBS_PAIRS)
def test_sb3_check_env(env_id, obs_type):
    """What the README says: one warning on the 2-D grid, at most the 36 x 36 note on images."""
    advice = check_sb3_env(gymnasium.make(env_id, obs_type=obs_type))
    if obs_type == "grid":
        assert len(advice) == 1 and "unconventional shape" in advice[0]
    else:
        assert len(advice) <= 1 and all("minimal resolution for an image is 36x36" in text for text in advice)


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_sb3_check_env_gives_no_warning_at_all_on_flat_observations(env_id):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gymnasium.make(env_id, obs_type="flat")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_check_env(env, warn=True)
    assert 'obs_type="flat"' in type(env.unwrapped).__doc__  # the docstring names the option


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_flat_observations_are_the_grid_in_row_major_order(env_id):
    grid, flat = gymnasium.make(env_id), gymnasium.make(env_id, obs_type="flat")
    np.testing.assert_array_equal(flat.reset(seed=2)[0], grid.reset(seed=2)[0].ravel())
    for action in (0, 1, 0):
        np.testing.assert_array_equal(flat.step(action)[0], grid.step(action)[0].ravel())


@pytest.mark.parametrize(("env_id", "obs_type"), ID_OBS_PAIRS)
def test_spaces_and_python_types(env_id, obs_type):
    env = gymnasium.make(env_id, obs_type=obs_type)
    assert env.action_space == gymnasium.spaces.Discrete(len(ACTIONS_AND_KEYS[env_id][0]))
    height, width = env.unwrapped.height, env.unwrapped.width
    assert (env.observation_space.shape, env.observation_space.dtype) == {
        "grid": ((height, width), np.float32),
        "rgb": ((height, width, 3), np.uint8),
        "flat": ((height * width,), np.float32),
    }[obs_type]
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
    actions = [action % env_a.action_space.n for action in [0, 2, 1, 2, 2, 0, 1, 3, 4, 1] * 10]
    # Several episodes in a row: a seedless reset continues the seeded stream identically.
    runs_a = [rollout(env_a, actions, seed=7)] + [rollout(env_a, actions) for _ in range(3)]
    runs_b = [rollout(env_b, actions, seed=7)] + [rollout(env_b, actions) for _ in range(3)]
    for run_a, run_b in zip(runs_a, runs_b, strict=True):
        assert_same_steps(run_a, run_b)
    # Other seeds, other episodes (Cave starts every episode in the same straight cave, so compare the
    # observations of the first ten steps rather than the first frame only).
    episodes = {
        b"".join(step[0].tobytes() for step in rollout(env_a, actions[:10], seed=seed)) for seed in range(20)
    }
    assert len(episodes) > 5


@pytest.mark.parametrize(("env_id", "obs_type"), ID_OBS_PAIRS)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), data=st.data())
def test_random_actions_stay_in_space_and_episodes_end(env_id, obs_type, seed, data):
    env = gymnasium.make(env_id, obs_type=obs_type)
    actions = data.draw(st.lists(st.integers(0, env.action_space.n - 1), min_size=1, max_size=40))
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


ONE_PAST_THE_LAST = object()  # stands for the action ``action_space.n`` of the env under test


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
@pytest.mark.parametrize(
    "action", [ONE_PAST_THE_LAST, -1, 1.0, float("nan"), None, "left", np.array([1]), np.float32(1)]
)
def test_invalid_actions_name_the_action_space(env_id, action):
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    n = env.action_space.n
    action = n if action is ONE_PAST_THE_LAST else action
    meanings = ", ".join(f"{index} = {meaning}" for index, meaning in enumerate(ACTIONS_AND_KEYS[env_id][0]))
    with pytest.raises(
        (ValueError, TypeError), match=re.escape(f"Discrete({n}) (an integer in 0..{n - 1}: {meanings})")
    ):
        env.step(action)


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_numpy_integer_actions_are_accepted(env_id):
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    last = env.action_space.n - 1
    for action in (np.int64(0), np.int32(last), np.array(1), np.uint8(1)):
        assert not env.step(action)[2]  # (no episode ends this early with these actions)


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_bool_actions_are_refused_by_scalar_and_vector_envs_alike(env_id):
    # True is an int to Python (and to Gymnasium's Discrete.contains), but no action index.
    env = gymnasium.make(env_id)
    env.reset(seed=0)
    vector_env = gymnasium.make_vec(env_id, num_envs=2)
    vector_env.reset(seed=0)
    for action in (True, np.bool_(False), np.array(True)):
        with pytest.raises(TypeError, match=r"invalid action .*\(bool|ndarray\)"):
            env.step(action)
    with pytest.raises(TypeError, match="got dtype bool"):
        vector_env.step(np.array([True, False]))


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


#: Arguments that let a game run on its smallest grid where another default needs a larger one.
SMALLEST_GRID_KWARGS = {"CatchBall-v0": {"min_spawn_distance": 1}}  # default 3 needs width >= 7


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
@pytest.mark.parametrize("side", ["height", "width"])
def test_grid_sides_below_the_stated_minimum_raise_and_the_minimum_works(env_id, side):
    # Each game states its own minimum (the grid must hold its pieces); it must be exact.
    with pytest.raises(ValueError, match=rf"^{side} must be >= \d+, got 0\b") as error:
        gymnasium.make(env_id, **{side: 0})
    minimum = int(re.search(r">= (\d+)", str(error.value)).group(1))
    assert minimum >= 3
    with pytest.raises(ValueError, match=rf"^{side} must be >= {minimum}, got {minimum - 1}\b"):
        gymnasium.make(env_id, **{side: minimum - 1})
    env = gymnasium.make(env_id, **{side: minimum}, **SMALLEST_GRID_KWARGS.get(env_id, {}))
    obs, _ = env.reset(seed=0)
    assert obs.shape[("height", "width").index(side)] == minimum
    env.step(0)


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

    env = gymnasium.make(env_id).unwrapped
    meanings, key_names, noop = ACTIONS_AND_KEYS[env_id]
    keys = env.get_keys_to_action()
    assert keys == {
        tuple(getattr(pygame, f"K_{name}") for name in names): a for names, a in key_names.items()
    }
    assert () not in keys  # gymnasium.utils.play.play refuses an empty key combination
    assert noop == env.NOOP_ACTION and noop not in keys.values()
    assert set(keys.values()) | {noop} == set(range(env.action_space.n))
    assert env.get_action_meanings() == meanings
    assert meanings[noop] in ("stay", "release", "forward")


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_gymnasium_play_runs_with_the_env_key_map_and_noop(env_id, monkeypatch):
    """``gymnasium.utils.play.play`` with the env's own key map and no-op, headless: no key for three
    frames (the no-op is taken), then the first mapped key held (its action is taken), then QUIT."""
    import pygame
    from gymnasium.utils import play as gymnasium_play

    env = gymnasium.make(env_id, render_mode="rgb_array")
    keys_to_action = env.unwrapped.get_keys_to_action()
    (first_keys, first_action), *_ = keys_to_action.items()
    frames = [[]] * 3 + [[pygame.event.Event(pygame.KEYDOWN, key=first_keys[0])], []]
    script = iter(frames)
    monkeypatch.setattr(pygame.event, "get", lambda: next(script, [pygame.event.Event(pygame.QUIT)]))
    actions = []
    gymnasium_play.play(
        env,
        keys_to_action=keys_to_action,
        noop=env.unwrapped.NOOP_ACTION,
        fps=1000,
        seed=0,
        callback=lambda *transition: actions.append(transition[2]),
    )
    # The first frame resets; each later one steps with the keys of the events read a frame earlier.
    assert actions == [env.unwrapped.NOOP_ACTION] * 3 + [first_action] * 2


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_gymnasium_pickle_check_passes(env_id):
    # Gymnasium's own env test (tests/envs/test_envs.py, test_pickle_env): a pickled env steps alike.
    import pickle

    from gymnasium.utils.env_checker import data_equivalence

    env = gymnasium.make(env_id)
    pickled = pickle.loads(pickle.dumps(env))
    assert data_equivalence(env.reset(seed=0), pickled.reset(seed=0))
    last = int(env.action_space.n) - 1  # right, hold or forward: no game ends in three such steps
    for _ in range(3):
        assert data_equivalence(env.step(last), pickled.step(last))


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_seeds_scalar_and_vector_envs_take_and_refuse_alike(env_id):
    env = gymnasium.make(env_id)
    vector_env = gymnasium.make_vec(env_id, num_envs=2)
    obs, _ = env.reset(seed=np.int64(3))  # Gymnasium's Env.reset refuses NumPy integers
    np.testing.assert_array_equal(vector_env.reset(seed=np.int64(3))[0][0], obs)
    np.testing.assert_array_equal(env.reset(seed=3)[0], obs)
    for reset in (env.reset, vector_env.reset):
        with pytest.raises(TypeError, match=r"seed must be an integer, got True \(bool\)"):
            reset(seed=True)  # Gymnasium's would play seed 1
        with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
            reset(seed=-1)


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_max_episode_steps_minus_one_means_no_limit_for_make_and_make_vec(env_id):
    # gymnasium.make drops the registered TimeLimit for -1; the vector env reads it the same way.
    assert gymnasium.make(env_id, max_episode_steps=-1).spec.max_episode_steps in (None, -1)
    assert gymnasium.make_vec(env_id, num_envs=2, max_episode_steps=-1).unwrapped.max_episode_steps is None
    with pytest.raises(
        ValueError,
        match=r"max_episode_steps must be in \[1, 46\d+\], got 0 \(or -1 or None for no limit\)",
    ):
        gymnasium.make_vec(env_id, num_envs=2, max_episode_steps=0)
    with pytest.raises(ValueError, match=r"max_episode_steps must be in \[1, 4611686018427387904\], got -2"):
        gymnasium.make_vec(env_id, num_envs=2, max_episode_steps=-2)


@pytest.mark.parametrize(
    ("env_id", "kwargs", "message"),
    [
        ("Cave-v0", {"shrink_interval": 2**63}, r"shrink_interval must be in \[1, 4611686018427387904\]"),
        (
            "Cave-v0",
            {"block_interval": 2**63},
            r"block_interval \(or None for no blocks\) must be in \[2, 46",
        ),
        ("Cave-v0", {"block_delay": 2**63}, r"block_delay must be in \[0, 4611686018427387904\]"),
        ("Snake-v0", {"max_steps_without_food": 2**63}, r"max_steps_without_food must be in \[1, 46"),
        (
            "CatchBall-v0",
            {"spawn_interval": 10**9},
            r"spawn_interval must be in \[1, 100000\], got 1000000000",
        ),
        ("CatchBall-v0", {"max_spawn_distance": 2**63}, r"max_spawn_distance must be in \[3, 46"),
        (
            "Catch-v0",
            {"max_episode_steps": 2**63},
            r"max_episode_steps must be in \[1, 4611686018427387904\]",
        ),
        ("Catch-v0", {"height": 10**6}, r"height must be <= 1024, got 1000000"),
    ],
)
def test_counts_beyond_what_the_envs_can_hold_are_refused_by_name(env_id, kwargs, message):
    # The vector envs count in int64 (2**63 raised OverflowError), CatchBall's spawn_interval is capped
    # far beyond any board's height and a 10**6-cell side does not fit.
    with pytest.raises(ValueError, match=message):
        gymnasium.make_vec(env_id, num_envs=2, **kwargs)
