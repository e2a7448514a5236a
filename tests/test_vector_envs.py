"""The native vector envs: step-for-step equivalence with the scalar envs, the VectorEnv API, bad input."""

from __future__ import annotations

import functools
from typing import Any

import gymnasium
import numpy as np
import pytest
from gymnasium.error import ResetNeeded
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import gym_catchgames
from gym_catchgames.envs.catch import CatchVectorEnv
from gym_catchgames.envs.catch_ball import CatchBallVectorEnv
from gym_catchgames.envs.cave import CaveVectorEnv
from gym_catchgames.envs.fruit_fetch import FruitFetchVectorEnv
from gym_catchgames.envs.snake import SnakeVectorEnv
from gym_catchgames.vector import RENDERED_ENVS
from tests.helpers import StepLimit

VECTOR_CLASSES = {
    "Catch-v0": CatchVectorEnv,
    "FruitFetch-v0": FruitFetchVectorEnv,
    "CatchBall-v0": CatchBallVectorEnv,
    "Snake-v0": SnakeVectorEnv,
    "Cave-v0": CaveVectorEnv,
}


def lowest_ball_policy(obs: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Move each paddle under the lowest ball of a CatchBall grid; a random action with prob ``noise``."""
    actions = rng.integers(0, 3, len(obs))
    for i, grid in enumerate(obs):
        if rng.random() < noise:
            continue
        paddle = np.flatnonzero(grid[-1] == 1.0)
        balls = np.argwhere(grid == 0.5)
        if len(balls) and len(paddle):
            target = balls[np.argmax(balls[:, 0]), 1]
            actions[i] = 1 + np.sign(target - paddle[len(paddle) // 2])
    return actions


def scalar_env(env_id: str, limit: int | None, kwargs: dict[str, Any]) -> gymnasium.Env:
    """The scalar env the reference ``SyncVectorEnv`` runs, with the step limit of :class:`StepLimit`."""
    env = gymnasium.make(env_id, max_episode_steps=-1, disable_env_checker=True, **kwargs)
    return env if limit is None else StepLimit(env, limit)


def assert_same_info(info: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    """``info`` holds what ``expected`` (a ``SyncVectorEnv``'s) holds wherever its masks are True; the
    native env's ``final_obs`` is a batch where Gymnasium's is an object array of sub-env observations."""
    assert info.keys() == expected.keys(), where
    for key, value in expected.items():
        if isinstance(value, dict):
            assert_same_info(info[key], value, f"{where}, {key}")
        elif key.startswith("_"):
            np.testing.assert_array_equal(info[key], value, err_msg=f"{where}, {key}")
        else:
            for i in np.flatnonzero(expected[f"_{key}"]):
                np.testing.assert_array_equal(info[key][i], value[i], err_msg=f"{where}, {key}[{i}]")


def assert_same_results(results: tuple, expected: tuple, where: str) -> None:
    """Exactly the same observations, rewards and flags, and the same ``info`` (:func:`assert_same_info`)."""
    for value, wanted in zip(results[:-1], expected[:-1], strict=True):
        np.testing.assert_array_equal(value, wanted, err_msg=where)
    assert_same_info(results[-1], expected[-1], where)


def run_side_by_side(
    env_id: str,
    num_envs: int,
    steps: int,
    *,
    seed: int,
    autoreset_mode: AutoresetMode = AutoresetMode.NEXT_STEP,
    max_episode_steps: int | None = None,
    catching_noise: float | None = None,
    reset_every: int | None = None,
    **kwargs: Any,
) -> dict[str, int]:
    """Drive ``make_vec(env_id)`` and Gymnasium's ``SyncVectorEnv`` over ``num_envs`` scalar envs, both in
    ``autoreset_mode``, with the same seeds and actions, and compare everything they return.

    ``SyncVectorEnv.reset(seed=s)`` resets scalar env ``i`` with ``s + i``, the native env's seeding rule.
    With ``DISABLED``, the ended sub-envs of both are reset with ``options["reset_mask"]`` before the next
    step. Every ``reset_every`` steps both do a seedless ``reset()``, which continues the random streams.
    The step limit is ``max_episode_steps``, else the registry's (see :class:`StepLimit`).
    Returns how many terminations, truncations and autoresets (resets after an episode's end) were compared.
    """
    limit = max_episode_steps or gymnasium.spec(env_id).max_episode_steps
    vector_env = gymnasium.make_vec(
        env_id, num_envs=num_envs, max_episode_steps=limit, autoreset_mode=autoreset_mode, **kwargs
    )
    assert type(vector_env) is VECTOR_CLASSES[env_id]
    assert vector_env.metadata["autoreset_mode"] is autoreset_mode
    reference = SyncVectorEnv(
        [functools.partial(scalar_env, env_id, limit, kwargs)] * num_envs, autoreset_mode=autoreset_mode
    )
    rng = np.random.default_rng(seed)
    counts = {"terminated": 0, "truncated": 0, "autoresets": 0}

    obs, info = vector_env.reset(seed=seed)
    assert_same_results((obs, info), reference.reset(seed=seed), "first reset")
    done = np.zeros(num_envs, dtype=bool)
    for step in range(1, steps + 1):
        if reset_every and step % reset_every == 0:
            obs, info = vector_env.reset()
            assert_same_results((obs, info), reference.reset(), f"reset at step {step}")
            done[:] = False
            continue
        if autoreset_mode is AutoresetMode.DISABLED and done.any():
            obs, info = vector_env.reset(options={"reset_mask": done.copy()})
            expected = reference.reset(options={"reset_mask": done.copy()})
            assert_same_results((obs, info), expected, f"masked reset before step {step}")
            counts["autoresets"] += int(done.sum())
        if catching_noise is None:
            actions = rng.integers(0, vector_env.single_action_space.n, num_envs)
        else:
            actions = lowest_ball_policy(obs, rng, catching_noise)
        results = vector_env.step(actions)
        assert_same_results(results, reference.step(actions), f"step {step}")
        obs, _, terminated, truncated, info = results
        if autoreset_mode is AutoresetMode.NEXT_STEP:
            counts["autoresets"] += int(done.sum())
        elif autoreset_mode is AutoresetMode.SAME_STEP:
            counts["autoresets"] += int((terminated | truncated).sum())
        counts["terminated"] += int(terminated.sum())
        counts["truncated"] += int(truncated.sum())
        done = terminated | truncated
    vector_env.close()
    return counts


@pytest.mark.parametrize("autoreset_mode", list(AutoresetMode))
@pytest.mark.parametrize("obs_type", gym_catchgames.OBS_TYPES)
@pytest.mark.parametrize(
    ("env_id", "num_envs", "kwargs"),
    [
        ("Catch-v0", 5, {}),
        ("Catch-v0", 3, {"height": 5, "width": 4, "basket_width": 1, "basket_start": "center"}),
        ("FruitFetch-v0", 4, {}),
        ("FruitFetch-v0", 1, {"height": 6, "width": 7, "basket_width": 2}),
        ("CatchBall-v0", 4, {}),
        ("CatchBall-v0", 3, {"height": 8, "width": 8, "spawn_interval": 1, "max_spawn_distance": 7}),
        ("CatchBall-v0", 2, {"height": 5, "width": 9, "spawn_interval": 7, "min_spawn_distance": 0}),
        ("Snake-v0", 6, {}),
        ("Cave-v0", 4, {}),
        (
            "Cave-v0",
            3,
            {
                "height": 12,
                "width": 9,
                "ship_column": 8,
                "min_gap": 0.6,
                "initial_gap": 0.9,
                "block_interval": 3,
                "block_delay": 2,
                "shrink_interval": 4,
            },
        ),
        ("Snake-v0", 3, {"height": 7, "width": 8, "reward_mode": "length", "max_steps_without_food": 9}),
    ],
)
def test_vector_env_matches_scalar_envs_step_for_step(
    env_id: str, num_envs: int, kwargs: dict[str, Any], obs_type: str, autoreset_mode: AutoresetMode
) -> None:
    counts = run_side_by_side(
        env_id,
        num_envs,
        600,
        seed=17,
        autoreset_mode=autoreset_mode,
        reset_every=250,
        obs_type=obs_type,
        **kwargs,
    )
    assert counts["terminated"] >= 5 * num_envs  # many episodes, hence many autoresets, were compared
    assert counts["autoresets"] >= 5 * num_envs


@pytest.mark.parametrize("autoreset_mode", list(AutoresetMode))
@pytest.mark.parametrize("max_episode_steps", [15, 40])
def test_catch_ball_truncation_matches_time_limit(
    max_episode_steps: int, autoreset_mode: AutoresetMode
) -> None:
    """A catching policy survives to ``max_episode_steps``: truncation (with the same step counting as
    Gymnasium's TimeLimit, also on the step where the first miss happens) and autoreset after it."""
    counts = run_side_by_side(
        "CatchBall-v0",
        6,
        1000,
        seed=3,
        autoreset_mode=autoreset_mode,
        max_episode_steps=max_episode_steps,
        catching_noise=0.1,
    )
    assert counts["truncated"] >= 30
    assert counts["terminated"] >= 3


@pytest.mark.parametrize(
    ("autoreset_mode", "episodes", "autoresets"),
    [
        (AutoresetMode.NEXT_STEP, 60, 60),  # 4 steps (before the fruit lands) and the autoreset step
        (AutoresetMode.SAME_STEP, 75, 75),  # 4 steps, the last one resets
        (AutoresetMode.DISABLED, 75, 74),  # 4 steps, then a reset with reset_mask (none after the last)
    ],
)
def test_catch_is_truncated_by_max_episode_steps(
    autoreset_mode: AutoresetMode, episodes: int, autoresets: int
) -> None:
    """Episodes cut at 4 steps by ``max_episode_steps`` in 300 steps, in each autoreset mode."""
    counts = run_side_by_side("Catch-v0", 3, 300, seed=5, autoreset_mode=autoreset_mode, max_episode_steps=4)
    assert counts == {"terminated": 0, "truncated": 3 * episodes, "autoresets": 3 * autoresets}


def test_seed_list_and_reset_mask_reset_only_the_chosen_sub_envs() -> None:
    env = CatchVectorEnv(num_envs=4, obs_type="grid")
    scalar = gymnasium.make("Catch-v0")
    first, _ = env.reset(seed=[7, None, 9, 100])
    np.testing.assert_array_equal(first[0], scalar.reset(seed=7)[0])
    np.testing.assert_array_equal(first[3], scalar.reset(seed=100)[0])
    env.step(np.ones(4, dtype=np.int64))
    stepped, *_ = env.step(np.ones(4, dtype=np.int64))
    obs, info = env.reset(seed=[None, None, 11, None], options={"reset_mask": np.array([0, 0, 1, 1], bool)})
    assert info == {}
    np.testing.assert_array_equal(obs[:2], stepped[:2])  # not reset
    np.testing.assert_array_equal(obs[2], scalar.reset(seed=11)[0])
    assert obs[3, 0].sum() == 1  # sub-env 3 restarted: the fruit is back on the top row
    scalar.reset(seed=100)  # then the seedless reset continues the stream, as the masked reset did
    np.testing.assert_array_equal(obs[3], scalar.reset()[0])


def test_reset_info_of_a_masked_reset_is_masked() -> None:
    env = CatchBallVectorEnv(num_envs=3)
    env.reset(seed=0)
    _, info = env.reset(options={"reset_mask": np.array([True, False, True])})
    np.testing.assert_array_equal(info["_catches"], [True, False, True])


def test_make_vec_returns_the_native_env_with_the_registry_step_limit() -> None:
    env = gymnasium.make_vec("Catch-v0", num_envs=1024)
    assert isinstance(env, CatchVectorEnv) and env.num_envs == 1024
    assert env.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
    assert env.observation_space.shape == (1024, 10, 10)
    assert env.action_space == gymnasium.spaces.MultiDiscrete([3] * 1024)
    ball = gymnasium.make_vec("CatchBall-v0", num_envs=2, obs_type="rgb", height=9)
    assert ball.max_episode_steps == 500
    assert ball.single_observation_space == gymnasium.spaces.Box(0, 255, (9, 16, 3), np.uint8)


def test_observations_and_infos_are_fresh_arrays() -> None:
    env = CatchBallVectorEnv(num_envs=3)
    obs, info = env.reset(seed=1)
    for _ in range(5):
        new_obs, rewards, terminated, truncated, new_info = env.step(np.array([0, 1, 2]))
        assert not np.shares_memory(obs, new_obs)
        assert not np.shares_memory(info["catches"], new_info["catches"])
        assert rewards.dtype == np.float64 and terminated.dtype == truncated.dtype == np.bool_
        obs, info = new_obs, new_info
    assert env.observation_space.contains(obs)


@pytest.mark.parametrize("env_id", list(VECTOR_CLASSES))
def test_render_returns_the_scalar_frames_of_the_first_sub_envs(env_id: str) -> None:
    env = gymnasium.make_vec(env_id, num_envs=6, render_mode="rgb_array")
    scalar_envs = [gymnasium.make(env_id, render_mode="rgb_array") for _ in range(RENDERED_ENVS)]
    env.reset(seed=40)
    for i, scalar in enumerate(scalar_envs):
        scalar.reset(seed=40 + i)
    for action in (0, 1, 1):
        env.step(np.full(6, action))
        for scalar in scalar_envs:
            scalar.step(action)
    frames = env.render()
    assert len(frames) == RENDERED_ENVS
    for frame, scalar in zip(frames, scalar_envs, strict=True):
        np.testing.assert_array_equal(frame, scalar.render())
    env.close()
    env.close()


def test_render_without_render_mode_warns_and_returns_none() -> None:
    env = CatchVectorEnv(num_envs=2)
    env.reset(seed=0)
    with pytest.warns(UserWarning, match="render_mode"):
        assert env.render() is None


@pytest.mark.parametrize(
    ("actions", "error", "message"),
    [
        (np.array([1, 1]), ValueError, r"shape \(3,\).*got shape \(2,\)"),
        (np.ones((3, 1), dtype=np.int64), ValueError, r"got shape \(3, 1\)"),
        (np.array([1.0, 0.0, 2.0]), TypeError, "got dtype float64"),
        (np.array([True, False, True]), TypeError, "got dtype bool"),
        (np.array([0, 3, 1]), ValueError, r"0 = left, 1 = stay, 2 = right.*got 3 for sub-env 1"),
        (np.array([0, 1, -1], dtype=np.int8), ValueError, "got -1 for sub-env 2"),
        ([2, 2, 7], ValueError, "got 7 for sub-env 2"),
        (1, ValueError, r"got shape \(\)"),
    ],
)
def test_bad_action_batches_raise_clear_errors(actions: Any, error: type, message: str) -> None:
    env = CatchVectorEnv(num_envs=3)
    env.reset(seed=0)
    with pytest.raises(error, match=message):
        env.step(actions)


def test_valid_action_batches_of_other_integer_dtypes_are_accepted() -> None:
    env = CatchVectorEnv(num_envs=3, basket_start="center")
    env.reset(seed=0)
    obs, *_ = env.step(np.array([0, 1, 2], dtype=np.uint8))
    np.testing.assert_array_equal(np.flatnonzero(obs[:, -1].sum(axis=0)), [2, 3, 4, 5, 6])
    np.testing.assert_array_equal(obs[:, -1].argmax(axis=1), [2, 3, 4])


@pytest.mark.parametrize("num_envs", [0, -3, 2**24 + 1, 2**63])
def test_num_envs_outside_one_to_2_to_the_24_is_a_value_error(num_envs: int) -> None:
    # 2**63 raised NumPy's OverflowError before, from deep inside the array set-up.
    with pytest.raises(ValueError, match=rf"num_envs must be in \[1, 16777216\], got {num_envs}"):
        gymnasium.make_vec("Catch-v0", num_envs=num_envs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_episode_steps": 0}, r"max_episode_steps must be in \[1, 4611686018427387904\], got 0"),
        ({"basket_width": 11}, r"basket_width must be in \[1, 10\]"),
        ({"render_mode": "human"}, "render_mode must be one of"),
        ({"obs_type": "ram"}, "obs_type must be one of"),
    ],
)
def test_bad_arguments_raise_value_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CatchVectorEnv(num_envs=2, **kwargs)


def test_step_before_reset_and_bad_resets_raise() -> None:
    env = CatchVectorEnv(num_envs=2)
    with pytest.raises(ResetNeeded, match="reset"):
        env.step(np.array([1, 1]))
    with pytest.raises(ValueError, match="first reset"):
        env.reset(options={"reset_mask": np.array([True, False])})
    with pytest.raises(ValueError, match="list of 2 ints"):
        env.reset(seed=[1, 2, 3])
    with pytest.raises(ValueError, match="seed must be >= 0"):
        env.reset(seed=-1)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="at least one sub-env"):
        env.reset(options={"reset_mask": np.zeros(2, dtype=bool)})
    with pytest.raises(ValueError, match=r"bool NumPy array of shape \(2,\)"):
        env.reset(options={"reset_mask": [True, False]})


def test_snake_boards_filled_by_a_cycling_policy_are_won_as_in_the_scalar_env() -> None:
    """Snakes that follow a cycle through the 6x5 interior of an 8x7 board never die and fill it: the
    full-board win (last meal, no food left to draw, autoreset after it) step for step against the
    scalar envs. Each snake goes round the cycle in the direction whose next cell is not its neck."""
    height, width, num_envs = 8, 7, 3
    cycle = [(1, column) for column in range(1, 6)]
    for row in range(2, 7):  # rows 2-6 over columns 2-5, right to left first
        columns = range(5, 1, -1) if row % 2 == 0 else range(2, 6)
        cycle += [(row, column) for column in columns]
    cycle += [(row, 1) for row in range(6, 1, -1)]
    assert len(set(cycle)) == 30
    following = {cell: cycle[(i + 1) % 30] for i, cell in enumerate(cycle)}
    preceding = {cell: cycle[i - 1] for i, cell in enumerate(cycle)}
    moves = {(-1, 0): 0, (0, 1): 1, (1, 0): 2, (0, -1): 3}

    vector_env = SnakeVectorEnv(num_envs=num_envs, height=height, width=width)
    scalar_envs = [gymnasium.make("Snake-v0", height=height, width=width) for _ in range(num_envs)]
    obs, _ = vector_env.reset(seed=21)
    for i, env in enumerate(scalar_envs):
        np.testing.assert_array_equal(obs[i], env.reset(seed=21 + i)[0])
    done = np.zeros(num_envs, dtype=bool)
    restarted = np.ones(num_envs, dtype=bool)  # obs is the first of an episode: choose its direction
    routes: list[dict] = [following] * num_envs
    wins = 0
    for step in range(2500):
        actions = np.zeros(num_envs, dtype=np.int64)
        for i in range(num_envs):
            head = tuple(np.argwhere(obs[i] == 0.75)[0])
            if restarted[i]:
                routes[i] = preceding if obs[i][following[head]] == 1.0 else following
            target = routes[i][head]
            actions[i] = moves[(target[0] - head[0], target[1] - head[1])]
        obs, rewards, terminated, truncated, info = vector_env.step(actions)
        for i, env in enumerate(scalar_envs):
            expected = (env.reset()[0], 0.0, False, False) if done[i] else env.step(int(actions[i]))[:4]
            np.testing.assert_array_equal(obs[i], expected[0], err_msg=f"sub-env {i}, step {step}")
            assert (rewards[i], terminated[i], truncated[i]) == expected[1:], f"sub-env {i}, step {step}"
        won = terminated & (info["length"] == 30)
        wins += int(won.sum())
        for i in np.flatnonzero(won):
            assert rewards[i] == 1.0 and not (obs[i] == 0.5).any()  # the last meal; no food to draw
        restarted, done = done, terminated | truncated
    assert wins >= 3


@pytest.mark.parametrize("env_id", list(VECTOR_CLASSES))
@pytest.mark.parametrize("autoreset_mode", [*AutoresetMode, "SameStep", "Disabled"])
def test_metadata_says_the_autoreset_mode_it_was_built_with(env_id: str, autoreset_mode: Any) -> None:
    env = gymnasium.make_vec(env_id, num_envs=2, autoreset_mode=autoreset_mode)
    assert env.metadata["autoreset_mode"] is AutoresetMode(autoreset_mode) is env.autoreset_mode
    assert VECTOR_CLASSES[env_id].metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP  # class default
    assert env.metadata["render_fps"] == VECTOR_CLASSES[env_id].metadata["render_fps"]
    default = gymnasium.make_vec(env_id, num_envs=2)
    assert default.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP


@pytest.mark.parametrize("autoreset_mode", ["same_step", 1, None])
def test_unknown_autoreset_modes_are_refused_naming_the_allowed_ones(autoreset_mode: Any) -> None:
    with pytest.raises(
        ValueError, match=r"autoreset_mode must be one of AutoresetMode.NEXT_STEP \('NextStep'\), "
    ):
        CatchVectorEnv(num_envs=2, autoreset_mode=autoreset_mode)


def test_make_vec_passes_autoreset_mode_as_an_env_kwarg_not_through_vector_kwargs() -> None:
    """Gymnasium 1.x's ``make_vec`` refuses ``vector_kwargs`` for a vector entry point ("Custom vector
    environment can be passed arguments only through kwargs"): the mode is an argument of the env."""
    env = gymnasium.make_vec(
        "Catch-v0",
        num_envs=4,
        vectorization_mode="vector_entry_point",
        autoreset_mode=AutoresetMode.SAME_STEP,
    )
    assert isinstance(env, CatchVectorEnv) and env.metadata["autoreset_mode"] is AutoresetMode.SAME_STEP
    with pytest.raises(gymnasium.error.Error, match="only through kwargs"):
        gymnasium.make_vec(
            "Catch-v0",
            num_envs=4,
            vectorization_mode="vector_entry_point",
            vector_kwargs={"autoreset_mode": AutoresetMode.SAME_STEP},
        )


def test_disabled_autoreset_refuses_to_step_an_ended_episode_until_it_is_reset() -> None:
    env = CatchVectorEnv(num_envs=2, height=4, autoreset_mode=AutoresetMode.DISABLED)
    env.reset(seed=0)
    for _ in range(3):
        _, _, terminated, _, _ = env.step(np.ones(2, dtype=np.int64))
    assert terminated.all()
    with pytest.raises(ResetNeeded, match=r"sub-envs \[0, 1\] ended.*reset_mask"):
        env.step(np.ones(2, dtype=np.int64))
    env.reset(options={"reset_mask": np.array([True, False])})
    with pytest.raises(ResetNeeded, match=r"sub-envs \[1\] ended"):
        env.step(np.ones(2, dtype=np.int64))
    env.reset(options={"reset_mask": np.array([False, True])})
    env.step(np.ones(2, dtype=np.int64))


def finished_episodes(envs: Any, episodes: int) -> list[list[tuple[bytes, float]]]:
    """A Gymnasium 1.x consumer that reads ``envs.metadata["autoreset_mode"]`` (as torchrl's and other
    libraries' vector-env collectors do) and collects each sub-env's first ``episodes`` episodes, as
    (final observation, return), handling each mode its own way. The policy depends only on the
    observation, so the episodes do not depend on the mode."""
    mode = envs.metadata["autoreset_mode"]
    assert isinstance(mode, AutoresetMode)
    obs, _ = envs.reset(seed=4)
    finished: list[list[tuple[bytes, float]]] = [[] for _ in range(envs.num_envs)]
    returns = np.zeros(envs.num_envs)
    skip = np.zeros(envs.num_envs, dtype=bool)  # NEXT_STEP: the step that resets, not a transition
    while min(map(len, finished)) < episodes:
        actions = obs.reshape(envs.num_envs, -1).argmax(axis=1) % envs.single_action_space.n
        next_obs, rewards, terminated, truncated, info = envs.step(actions)
        returns += np.where(skip, 0.0, rewards)
        ended = (terminated | truncated) & ~skip
        if mode == AutoresetMode.SAME_STEP:
            np.testing.assert_array_equal(info.get("_final_obs", np.zeros_like(ended)), ended)
            final = info.get("final_obs")
        else:
            final = next_obs
        for i in np.flatnonzero(ended):
            finished[i].append((final[i].tobytes(), float(returns[i])))
            returns[i] = 0.0
        if mode == AutoresetMode.NEXT_STEP:
            skip = ended
        elif mode == AutoresetMode.DISABLED and ended.any():
            next_obs, _ = envs.reset(options={"reset_mask": ended})
        obs = next_obs
    return [episodes_of_env[:episodes] for episodes_of_env in finished]


@pytest.mark.parametrize("env_id", list(VECTOR_CLASSES))
def test_a_consumer_reading_metadata_autoreset_mode_sees_the_same_episodes_in_every_mode(env_id: str) -> None:
    expected = finished_episodes(gymnasium.make_vec(env_id, num_envs=3, max_episode_steps=30), 4)
    for mode in (AutoresetMode.SAME_STEP, AutoresetMode.DISABLED):
        envs = gymnasium.make_vec(env_id, num_envs=3, max_episode_steps=30, autoreset_mode=mode)
        assert finished_episodes(envs, 4) == expected, mode
