"""Property tests over every id: any input builds a working env or is refused clearly, scalar and vector
envs agree on what they accept, and a copy taken at any point has the same future as the original.

Bounded and derandomised (hypothesis ``derandomize=True``), so CI runs the same examples every time.
"""

from __future__ import annotations

import copy
import inspect
import pickle

import cloudpickle
import gymnasium
import numpy as np
import pytest
from gymnasium.envs.registration import load_env_creator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gym_catchgames
from tests.helpers import GAME_IDS

BOUNDED = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def env_classes(env_id: str) -> tuple[type, type]:
    spec = gymnasium.spec(env_id)
    return load_env_creator(spec.entry_point), load_env_creator(spec.vector_entry_point)


def default_envs(env_id: str, num_envs: int) -> tuple[gymnasium.Env, gymnasium.vector.VectorEnv]:
    """The unwrapped scalar env of ``env_id`` and its vector env, with the default arguments."""
    scalar_class, vector_class = env_classes(env_id)
    return scalar_class(), vector_class(num_envs=num_envs)


def game_parameters(env_id: str) -> list[str]:
    """The scalar env's constructor arguments but ``render_mode`` (vector envs take fewer modes)."""
    scalar_class, _ = env_classes(env_id)
    return [name for name in inspect.signature(scalar_class).parameters if name != "render_mode"]


#: Values of every kind a user might pass: in and out of range, of the wrong type, huge, non-finite.
ANY_VALUE = st.one_of(
    st.integers(-3, 60),
    st.sampled_from([0, 1, 2, 3, 7, 1024, 1025, 10**6, 2**63, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 0.3, 0.55, 1.0, 1.5, 5.0, 1e308, -1e308, 1e-300]),
    st.booleans(),
    st.none(),
    st.sampled_from(["grid", "rgb", "random", "centre", "food", "length", "", "a", "10"]),
    st.sampled_from([np.int64(10), np.int8(3), np.float64(0.5), np.bool_(True), np.array([4, 4])]),
    st.lists(st.integers(0, 5), max_size=3),
)


def arguments(env_id: str) -> st.SearchStrategy[dict]:
    names = game_parameters(env_id)
    return st.dictionaries(st.sampled_from(names), ANY_VALUE, max_size=3)


def outcome(build) -> tuple[str, object]:
    """``("ok", env)`` or ``(exception type name, message)``, with no exception escaping."""
    try:
        return "ok", build()
    except (ValueError, TypeError) as error:
        return type(error).__name__, str(error)


def assert_works(env, n_steps: int = 5) -> None:
    """The env resets and steps with valid actions, observations in its space."""
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    for _ in range(n_steps):
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs)
        if np.ndim(terminated) == 0 and (terminated or truncated):  # a scalar env's episode ended
            obs, _ = env.reset()


@pytest.mark.parametrize("env_id", GAME_IDS)
@BOUNDED
@given(data=st.data())
def test_any_constructor_input_builds_a_working_env_or_is_refused_naming_the_argument(env_id, data):
    scalar_class, vector_class = env_classes(env_id)
    kwargs = data.draw(arguments(env_id), label="kwargs")
    scalar = outcome(lambda: scalar_class(**kwargs))
    vector = outcome(lambda: vector_class(num_envs=2, **kwargs))
    # The vector env checks its arguments by building the scalar env: the same outcome, the same words.
    assert (scalar[0], vector[0]) in {("ok", "ok")} | {(kind, kind) for kind in ("ValueError", "TypeError")}
    if scalar[0] == "ok":
        assert_works(scalar[1])
        assert_works(vector[1])
        for name, value in kwargs.items():  # nothing silently clipped: the value is kept as given
            if hasattr(scalar[1], name) and value is not None and not isinstance(value, np.ndarray | list):
                assert getattr(scalar[1], name) == value, name
    else:
        assert scalar[1] == vector[1]
        assert any(name in scalar[1] for name in kwargs), scalar[1]


@pytest.mark.parametrize("env_id", GAME_IDS)
@BOUNDED
@given(
    render_mode=st.sampled_from([None, "rgb_array", "human", "ansi", "", 1]),
    num_envs=st.one_of(st.integers(-2, 8), st.sampled_from([2**24 + 1, 2**63, 10**20, 2.0, True, None, "2"])),
    max_episode_steps=ANY_VALUE,
)
def test_vector_only_arguments_are_checked_and_named(env_id, render_mode, num_envs, max_episode_steps):
    _, vector_class = env_classes(env_id)
    result = outcome(
        lambda: vector_class(num_envs=num_envs, render_mode=render_mode, max_episode_steps=max_episode_steps)
    )
    if result[0] == "ok":
        env = result[1]
        assert env.num_envs == num_envs and env.render_mode == render_mode
        assert env.max_episode_steps == (None if max_episode_steps == -1 else max_episode_steps)
        assert_works(env)
    else:
        assert any(name in result[1] for name in ("num_envs", "render_mode", "max_episode_steps")), result[1]


#: Actions of every kind: valid and invalid integers, NumPy scalars and arrays, floats, bools, text.
ANY_ACTION = st.one_of(
    st.integers(-3, 8),
    st.sampled_from([2**63, -(2**70), 2**70]),
    st.sampled_from([np.int8(1), np.uint8(0), np.int64(-1), np.uint64(2**64 - 1), np.int32(2)]),
    st.sampled_from([np.array(1), np.array([1]), np.array(1.0), np.array(True), np.array([[0]])]),
    st.booleans(),
    st.sampled_from([np.bool_(False), 1.0, 0.0, float("nan"), "1", None, [1], (0,)]),
)


def is_valid_action(action, n: int) -> bool:
    """An integer (Python, NumPy or a 0-d integer array), not a bool, in ``0..n-1``."""
    if isinstance(action, np.ndarray):
        return action.shape == () and action.dtype.kind in "iu" and 0 <= int(action) < n
    is_integer = isinstance(action, int | np.integer) and not isinstance(action, bool | np.bool_)
    return is_integer and 0 <= int(action) < n


@pytest.mark.parametrize("env_id", GAME_IDS)
@BOUNDED
@given(action=ANY_ACTION)
def test_scalar_and_vector_envs_take_and_refuse_the_same_actions(env_id, action):
    scalar, vector = default_envs(env_id, num_envs=1)
    scalar.reset(seed=1)
    vector.reset(seed=1)
    valid = is_valid_action(action, scalar.action_space.n)
    scalar_result = outcome(lambda: scalar.step(action))
    vector_result = outcome(lambda: vector.step([action]))
    assert (scalar_result[0] == "ok") == valid, scalar_result
    assert (vector_result[0] == "ok") == valid, vector_result
    if valid:  # the same step, as sub-env 0 of a vector env seeded alike is the scalar env
        np.testing.assert_array_equal(vector_result[1][0][0], scalar_result[1][0])
        assert vector_result[1][1][0] == scalar_result[1][1]
    else:
        assert "action" in scalar_result[1] and "action" in vector_result[1]


#: Seeds of every kind: valid integers (NumPy's too), negative, huge, bool, float, text.
ANY_SEED = st.one_of(
    st.none(),
    st.integers(-2, 2**70),
    st.sampled_from([np.int64(3), np.uint32(7), np.int8(-1), True, False, 1.0, "3", np.float64(2.0)]),
)


@pytest.mark.parametrize("env_id", GAME_IDS)
@BOUNDED
@given(seed=ANY_SEED)
def test_scalar_and_vector_envs_take_and_refuse_the_same_seeds(env_id, seed):
    scalar, vector = default_envs(env_id, num_envs=2)
    scalar_result = outcome(lambda: scalar.reset(seed=seed))
    vector_result = outcome(lambda: vector.reset(seed=seed))
    assert scalar_result[0] == vector_result[0], (scalar_result, vector_result)
    if scalar_result[0] == "ok" and seed is not None:  # sub-env 0 plays the scalar env's episode
        np.testing.assert_array_equal(vector_result[1][0][0], scalar_result[1][0])
    elif scalar_result[0] != "ok":
        assert "seed" in scalar_result[1] and "seed" in vector_result[1]


# ----------------------------------------------------------------------------- copies
COPIES = {
    "deepcopy": copy.deepcopy,
    "pickle": lambda env: pickle.loads(pickle.dumps(env)),
    "cloudpickle": lambda env: cloudpickle.loads(cloudpickle.dumps(env)),
}


def play(env, actions: list[int], vector: bool) -> list:
    """Every step's outcome (and a final frame) for ``actions``; a scalar env resets when its episode ends."""
    record = []
    for action in actions:
        step = env.step(np.full(env.num_envs, action) if vector else action)
        record.append(step)
        if not vector and (step[2] or step[3]):
            record.append(env.reset())
    record.append(env.render())
    return record


def assert_same(first, second) -> None:
    """Equal outcomes: arrays element by element, dicts key by key, in order."""
    if isinstance(first, dict):
        assert first.keys() == second.keys()
        for key in first:
            assert_same(first[key], second[key])
    elif isinstance(first, tuple | list):
        assert len(first) == len(second)
        for one, other in zip(first, second, strict=True):
            assert_same(one, other)
    else:
        np.testing.assert_array_equal(first, second)


#: Every id and observation type as a scalar env and a vector env, every image one through the motion
#: trace (scalar and vector), and Snake through the head-centred view.
COPY_CASES = [
    (env_id, obs_type, kind)
    for env_id in GAME_IDS
    for obs_type in gym_catchgames.OBS_TYPES
    for kind in ("scalar", "vector", "motion-trace", "vector-motion-trace")
    if obs_type in gym_catchgames.IMAGE_OBS_TYPES or kind in ("scalar", "vector")
] + [("Snake-v0", "grid", "head-centred")]


def env_of_kind(env_id: str, obs_type: str, kind: str):
    """The env a copy is taken of: rendering ``rgb_array`` frames, so that copies after render are tried."""
    from gym_catchgames.wrappers import (
        HeadCentredObservation,
        MotionTraceObservation,
        VectorMotionTraceObservation,
    )

    if kind.startswith("vector"):
        env = env_classes(env_id)[1](num_envs=3, obs_type=obs_type, render_mode="rgb_array")
        return VectorMotionTraceObservation(env) if kind == "vector-motion-trace" else env
    env = gymnasium.make(env_id, obs_type=obs_type, render_mode="rgb_array")
    wrappers = {"motion-trace": MotionTraceObservation, "head-centred": HeadCentredObservation}
    return wrappers[kind](env) if kind in wrappers else env


@pytest.mark.parametrize(("env_id", "obs_type", "kind"), COPY_CASES)
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    how=st.sampled_from(sorted(COPIES)),
    when=st.sampled_from(["before reset", "mid-episode", "after render", "after the end"]),
    steps=st.integers(0, 30),
    actions=st.lists(st.integers(0, 4), min_size=1, max_size=60),
)
def test_a_copy_has_the_same_future_as_the_original(env_id, obs_type, kind, how, when, steps, actions):
    env = env_of_kind(env_id, obs_type, kind)
    vector = kind.startswith("vector")
    n_actions = int(env.single_action_space.n if vector else env.action_space.n)
    actions = [action % n_actions for action in actions]
    if when != "before reset":
        env.reset(seed=steps)
        for action in actions[:steps]:
            outcome_ = env.step(np.full(3, action) if vector else action)
            if not vector and (outcome_[2] or outcome_[3]):
                env.reset()
        if when == "after render":
            env.render()
        if when == "after the end":  # a scalar env's episode over (step() now needs reset()), a vector
            terminated = truncated = False  # env with sub-envs due for their autoreset
            while not (np.any(terminated) or np.any(truncated)):
                _, _, terminated, truncated, _ = env.step(np.ones(3, dtype=int) if vector else 1)
    twin = COPIES[how](env)
    if when == "before reset":
        assert_same(env.reset(seed=steps), twin.reset(seed=steps))
    elif when == "after the end" and not vector:  # a seedless reset: both continue the same stream
        assert_same(env.reset(), twin.reset())
    assert_same(play(env, actions, vector), play(twin, actions, vector))


@BOUNDED
@given(threshold=ANY_VALUE, decay=ANY_VALUE, size=st.one_of(ANY_VALUE, st.tuples(ANY_VALUE, ANY_VALUE)))
def test_motion_trace_arguments_build_a_working_wrapper_or_are_refused_by_name(threshold, decay, size):
    from gym_catchgames.wrappers import MotionTraceObservation

    kwargs = {"threshold": threshold, "decay": decay, "size": size}
    result = outcome(lambda: MotionTraceObservation(gymnasium.make("Catch-v0", obs_type="rgb"), **kwargs))
    if result[0] == "ok":
        assert (result[1].threshold, result[1].decay) == (threshold, decay)
        assert_works(result[1])
    else:
        assert any(name in result[1] for name in kwargs), result[1]


@BOUNDED
@given(fill=ANY_VALUE)
def test_head_centred_fill_builds_a_working_wrapper_or_is_refused_by_name(fill):
    from gym_catchgames.wrappers import HeadCentredObservation

    result = outcome(lambda: HeadCentredObservation(gymnasium.make("Snake-v0"), fill=fill))
    if result[0] == "ok":
        assert result[1].fill == fill
        assert_works(result[1])
    else:
        assert "fill" in result[1], result[1]
