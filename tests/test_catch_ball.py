"""Hand-worked rules of CatchBall-v0: spawn cadence, spacing, catches and the end at the first miss."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest

import gym_catchgames  # noqa: F401  (registers the envs)
from tests.helpers import cells_of, rollout

LEFT, STAY, RIGHT = 0, 1, 2
BALL, PADDLE = 0.5, 1.0


def paddle_columns(obs: np.ndarray) -> list[int]:
    return [int(column) for column in np.flatnonzero(obs[-1] == PADDLE)]


def lowest_ball(obs: np.ndarray) -> tuple[int, int]:
    """The lowest ball still falling (a ball on the bottom row has already been decided)."""
    return max(cells_of(obs[:-1], BALL))


def track_lowest_ball(obs: np.ndarray) -> int:
    middle = int(np.flatnonzero(obs[-1])[1])  # a caught ball sits inside the paddle's 3 cells
    column = lowest_ball(obs)[1]
    return STAY if column == middle else (LEFT if column < middle else RIGHT)


def test_a_new_ball_every_five_steps_and_all_fall_one_row_per_step():
    steps = rollout(gymnasium.make("CatchBall-v0"), [STAY] * 14, seed=0)
    # Ball k appears on row 0 after step 5k, so after step t the rows are t, t - 5, t - 10, ... >= 0.
    for t, (obs, *_) in enumerate(steps):
        rows = sorted((row for row, _ in cells_of(obs, BALL)), reverse=True)
        assert rows == [t - 5 * k for k in range(t // 5 + 1)]


def test_each_new_ball_is_three_to_six_columns_from_the_previous_one():
    env = gymnasium.make("CatchBall-v0", height=200)  # tall: 39 spawns before the first ball lands
    steps = rollout(env, [STAY] * 195, seed=1)
    spawn_columns = [cells_of(obs[:1], BALL)[0][1] for t, (obs, *_) in enumerate(steps) if t % 5 == 0]
    distances = np.abs(np.diff(spawn_columns))
    assert len(distances) == 39
    assert distances.min() >= 3 and distances.max() <= 6
    assert set(distances.tolist()) == {3, 4, 5, 6}


def test_first_ball_lands_after_fifteen_steps_and_a_miss_ends_the_episode():
    env = gymnasium.make("CatchBall-v0")
    obs, _ = env.reset(seed=4)
    ball_column = lowest_ball(obs)[1]
    away = RIGHT if ball_column < 8 else LEFT
    steps = rollout(env, [away] * 20, seed=4)
    assert len(steps) - 1 == 15
    assert [reward for _, reward, *_ in steps[1:]] == [0.0] * 14 + [-1.0]
    assert steps[-1][2] is True and steps[-1][4] == {"catches": 0}


def test_a_tracking_player_catches_every_ball_until_the_500_step_limit():
    steps = rollout(gymnasium.make("CatchBall-v0"), track_lowest_ball, seed=5)
    # Balls land on steps 15, 20, ..., 500: (500 - 15) / 5 + 1 = 98 catches, then the TimeLimit cuts.
    rewards = [reward for _, reward, *_ in steps[1:]]
    assert len(rewards) == 500
    assert [t for t, reward in enumerate(rewards, start=1) if reward] == list(range(15, 501, 5))
    assert set(rewards) == {0.0, 1.0}
    assert steps[-1][2:4] == (False, True)
    assert steps[-1][4] == {"catches": 98}


def test_catching_then_missing_counts_catches_and_stops():
    env = gymnasium.make("CatchBall-v0")
    policy_steps = []

    def catch_two_then_miss(obs: np.ndarray) -> int:
        policy_steps.append(obs)
        if len(policy_steps) <= 20:
            return track_lowest_ball(obs)
        return LEFT if lowest_ball(obs)[1] >= 8 else RIGHT  # run from the third ball

    steps = rollout(env, catch_two_then_miss, seed=6)
    rewards = [reward for _, reward, *_ in steps[1:]]
    assert len(rewards) == 25 and rewards[14] == rewards[19] == 1.0 and rewards[24] == -1.0
    assert sum(rewards) == 1.0 and steps[-1][4] == {"catches": 2}


def test_the_caught_ball_is_drawn_over_the_paddle():
    steps = rollout(gymnasium.make("CatchBall-v0"), track_lowest_ball, seed=5)
    catch_frame = steps[15][0]
    assert steps[15][1] == 1.0
    assert (15, lowest_ball(steps[14][0])[1]) in cells_of(catch_frame, BALL)
    assert len(paddle_columns(catch_frame)) == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"paddle_width": 17}, r"paddle_width must be in \[1, 16\]"),
        ({"spawn_interval": 0}, r"spawn_interval must be in \[1, 100000\], got 0"),
        ({"min_spawn_distance": 9}, r"min_spawn_distance \(on a grid of width=16\) must be in \[0, 8\]"),
        ({"width": 3}, r"min_spawn_distance \(on a grid of width=3\) must be in \[0, 1\], got 3"),
        (
            {"min_spawn_distance": 4, "max_spawn_distance": 3},
            r"max_spawn_distance must be in \[4, 4611686018427387904\], got 3",
        ),
    ],
)
def test_impossible_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gymnasium.make("CatchBall-v0", **kwargs)


def test_the_seeds_8x8_variant():
    env = gymnasium.make("CatchBall-v0", height=8, width=8, max_spawn_distance=7)
    steps = rollout(env, track_lowest_ball, seed=0)
    # On 8 rows balls land on steps 7, 12, ..., 497: (497 - 7) / 5 + 1 = 99 catches.
    assert steps[-1][4] == {"catches": 99} and len(steps) - 1 == 500
