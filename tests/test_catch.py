"""Hand-worked rules of Catch-v0 and FruitFetch-v0, read back from the observations."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest

import gym_catchgames  # noqa: F401  (registers the envs)
from tests.helpers import cells_of, rollout

LEFT, STAY, RIGHT = 0, 1, 2


def basket_columns(obs: np.ndarray) -> list[int]:
    return [int(column) for column in np.flatnonzero(obs[-1])]


def fruit_cell(obs: np.ndarray) -> tuple[int, int]:
    above_bottom = cells_of(obs[:-1], 1.0)
    return above_bottom[0] if above_bottom else (obs.shape[0] - 1, -1)


def follow_fruit(obs: np.ndarray) -> int:
    """Move the basket's middle cell under the fruit."""
    middle = basket_columns(obs)[1]
    fruit_column = fruit_cell(obs)[1]
    return STAY if fruit_column == middle else (LEFT if fruit_column < middle else RIGHT)


def avoid_fruit(obs: np.ndarray) -> int:
    return RIGHT if fruit_cell(obs)[1] < 5 else LEFT


@pytest.mark.parametrize(
    ("action", "expected_lefts"),
    # Centred start on 10 columns with a 3-wide basket: left cell (10 - 3) // 2 = 3. The left cell can go
    # from 0 to 10 - 3 = 7, so five moves stop at the edges: 2, 1, 0, 0, 0 and 4, 5, 6, 7, 7.
    [(LEFT, [3, 2, 1, 0, 0, 0]), (RIGHT, [3, 4, 5, 6, 7, 7])],
)
def test_basket_stops_fully_on_the_grid_at_both_edges(action, expected_lefts):
    steps = rollout(gymnasium.make("Catch-v0", basket_start="center"), [action] * 5, seed=0)
    assert [basket_columns(obs) for obs, *_ in steps] == [
        [left, left + 1, left + 2] for left in expected_lefts
    ]


@pytest.mark.parametrize(
    ("env_id", "height", "length"), [("Catch-v0", 10, 9), ("Catch-v0", 5, 4), ("FruitFetch-v0", 15, 13)]
)
def test_episode_length(env_id, height, length):
    steps = rollout(gymnasium.make(env_id, height=height), lambda obs: STAY, seed=3)
    assert len(steps) - 1 == length
    assert [terminated for _, _, terminated, _, _ in steps[1:]] == [False] * (length - 1) + [True]


@pytest.mark.parametrize("env_id", ["Catch-v0", "FruitFetch-v0"])
@pytest.mark.parametrize("seed", range(5))
def test_plus_one_for_a_catch_minus_one_for_a_miss(env_id, seed):
    env = gymnasium.make(env_id)
    caught = rollout(env, follow_fruit, seed=seed)
    assert [reward for _, reward, *_ in caught[1:]] == [0.0] * (len(caught) - 2) + [1.0]
    missed = rollout(env, avoid_fruit, seed=seed)
    assert [reward for _, reward, *_ in missed[1:]] == [0.0] * (len(missed) - 2) + [-1.0]


def test_the_fruit_falls_one_row_per_step_and_lands_on_the_basket_row():
    steps = rollout(gymnasium.make("Catch-v0"), follow_fruit, seed=11)
    start_column = fruit_cell(steps[0][0])[1]
    assert [fruit_cell(obs) for obs, *_ in steps[:-1]] == [(row, start_column) for row in range(9)]
    final = steps[-1][0]  # the caught fruit overlaps the basket: still 3 cells of value 1 on the last row
    assert final.sum() == 3.0 and start_column in basket_columns(final)


def test_fruit_fetch_is_decided_on_the_penultimate_row():
    steps = rollout(gymnasium.make("FruitFetch-v0"), follow_fruit, seed=2)
    final = steps[-1][0]
    assert final.shape == (15, 15)
    assert cells_of(final[:-1], 1.0)[0][0] == 13  # row 13 of 0..14: one row above the basket
    assert final.sum() == 4.0  # fruit and basket apart


def test_every_fruit_column_and_basket_position_occurs():
    """The original never dropped fruit in the last column nor started the basket at the right edge."""
    env = gymnasium.make("Catch-v0")
    starts = [env.reset(seed=seed)[0] for seed in range(400)]
    assert {fruit_cell(obs)[1] for obs in starts} == set(range(10))
    assert {basket_columns(obs)[0] for obs in starts} == set(range(8))


def test_bsuite_catch_is_one_set_of_kwargs_away():
    env = gymnasium.make("Catch-v0", height=10, width=5, basket_width=1, basket_start="center")
    steps = rollout(env, lambda obs: STAY, seed=0)
    assert steps[0][0].shape == (10, 5)
    assert basket_columns(steps[0][0]) == [2]  # bsuite's paddle starts at columns // 2
    assert len(steps) - 1 == 9
    assert steps[-1][1] == (1.0 if fruit_cell(steps[0][0])[1] == 2 else -1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"basket_width": 11}, r"basket_width must be in \[1, 10\]"),
        ({"basket_width": 0}, r"basket_width must be in \[1, 10\]"),
        ({"basket_start": "left"}, "basket_start must be one of 'random', 'center'"),
    ],
)
def test_impossible_basket_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gymnasium.make("Catch-v0", **kwargs)


def test_fruit_fetch_is_catch_with_other_defaults_only():
    """FruitFetch-v0 plays exactly the episodes of Catch-v0 on 15x15 decided above the basket."""
    catch = gymnasium.make("Catch-v0", height=15, width=15, decide_above_basket=True)
    for seed in range(5):
        fruit_fetch_steps = rollout(gymnasium.make("FruitFetch-v0"), follow_fruit, seed=seed)
        catch_steps = rollout(catch, follow_fruit, seed=seed)
        assert len(fruit_fetch_steps) == len(catch_steps) == 14  # reset + 13 steps
        for ours, theirs in zip(fruit_fetch_steps, catch_steps, strict=True):
            np.testing.assert_array_equal(ours[0], theirs[0])
            assert ours[1:] == theirs[1:]


def test_fruit_fetch_keeps_its_class_signature_and_positional_arguments():
    import inspect

    from gym_catchgames.envs.fruit_fetch import FruitFetchEnv, FruitFetchVectorEnv

    parameters = inspect.signature(FruitFetchEnv).parameters
    assert [parameters[name].default for name in ("height", "width", "decide_above_basket")] == [15, 15, True]
    assert inspect.signature(FruitFetchVectorEnv).parameters["height"].default == 15
    env = FruitFetchEnv(12, 8)  # positional, as Catch's constructor
    assert (env.height, env.width, env.decision_row, env.GAME_NAME) == (12, 8, 10, "FruitFetch")
    assert type(gymnasium.make("FruitFetch-v0").unwrapped) is FruitFetchEnv
    assert gymnasium.make_vec("FruitFetch-v0", 2).game.decision_row == 13


@pytest.mark.parametrize("value", [1, 0, "yes", None])
def test_decide_above_basket_takes_only_a_bool(value):
    with pytest.raises(TypeError, match=r"decide_above_basket must be True or False, got"):
        gymnasium.make("Catch-v0", decide_above_basket=value)
