"""Snake-v0: the rules worked by hand on boards set up by hand, and bad arguments.

Rule tests place the snake and the food with the env's ``set_state`` (its hook for tests and debugging)
after ``reset()``, to reach a known board in one step; each says what it sets. Random draws are those of
:mod:`gym_catchgames.random_stream` for the seed, computed here where a test depends on them. Cells are
written ``(row, column)``.
"""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.error import ResetNeeded

from gym_catchgames.envs.snake import SnakeEnv
from gym_catchgames.random_stream import draw_int, keys_for_seeds
from tests.helpers import cells_of, rollout

UP, RIGHT, DOWN, LEFT, FORWARD = range(5)
MOVES = {UP: (-1, 0), RIGHT: (0, 1), DOWN: (1, 0), LEFT: (0, -1)}


def board(env: SnakeEnv, snake: list[tuple[int, int]], heading: int, food: tuple[int, int]) -> None:
    """Set up a board by hand: ``snake`` from the tail to the head."""
    env.set_state(snake=snake, heading=heading, food=food)


def make_snake(**kwargs) -> SnakeEnv:
    env = SnakeEnv(**kwargs)
    env.reset(seed=0)
    return env


def body_cells(obs: np.ndarray) -> list[tuple[int, int]]:
    """Interior cells drawn as body (1.0); the wall ring is 1.0 too and is left out."""
    return [
        cell
        for cell in cells_of(obs, 1.0)
        if 0 < cell[0] < obs.shape[0] - 1 and 0 < cell[1] < obs.shape[1] - 1
    ]


def test_start_layout_with_the_draws_chosen_by_hand():
    seed = 134  # chosen for its draws: heading right, then free cell number 34 of 61
    stream = keys_for_seeds([seed])
    assert (draw_int(stream, 0, 4), draw_int(stream, 0, 61)) == (RIGHT, 34)
    obs, info = SnakeEnv().reset(seed=seed)
    # Head on the centre (5, 5), body behind it to the left. The free interior cells in row-major order:
    # rows 1-4 hold numbers 0-31, then (5, 1) = 32, (5, 2) = 33, and (5, 6) = 34 after the snake.
    assert body_cells(obs) == [(5, 3), (5, 4)]
    assert cells_of(obs, 0.75) == [(5, 5)]
    assert cells_of(obs, 0.5) == [(5, 6)]
    assert info == {"length": 3, "fruit_eaten": 0}
    # The wall ring.
    ring = np.ones((10, 10), bool)
    ring[1:-1, 1:-1] = False
    assert (obs[ring] == 1.0).all()
    assert obs.sum() == 36 * 1.0 + 2 * 1.0 + 0.75 + 0.5


def test_every_heading_starts_and_food_is_never_on_the_snake():
    env = SnakeEnv()
    headings_seen = set()
    for seed in range(40):
        obs, _ = env.reset(seed=seed)
        assert cells_of(obs, 0.75) == [(5, 5)]
        # The body lies straight behind the head, in the direction opposite to one heading.
        headings = [
            heading
            for heading, (d_row, d_column) in MOVES.items()
            if set(body_cells(obs)) == {(5 - d_row, 5 - d_column), (5 - 2 * d_row, 5 - 2 * d_column)}
        ]
        assert len(headings) == 1
        headings_seen.add(headings[0])
        assert len(cells_of(obs, 0.5)) == 1
    assert headings_seen == {UP, RIGHT, DOWN, LEFT}


@pytest.mark.parametrize(("reward_mode", "reward"), [("food", 1.0), ("length", 4.0)])
def test_eating_grows_the_snake_at_once(reward_mode, reward):
    env = make_snake(reward_mode=reward_mode)
    board(env, [(5, 3), (5, 4), (5, 5)], RIGHT, food=(5, 6))
    obs, got, terminated, truncated, info = env.step(FORWARD)
    assert (got, terminated, truncated, info) == (reward, False, False, {"length": 4, "fruit_eaten": 1})
    assert body_cells(obs) == [(5, 3), (5, 4), (5, 5)]
    assert cells_of(obs, 0.75) == [(5, 6)]
    (food,) = cells_of(obs, 0.5)
    assert food not in [(5, 3), (5, 4), (5, 5), (5, 6)]
    # Moving on without eating: the tail leaves (5, 3).
    env.set_state(food=(1, 1))  # food moved by hand to (1, 1), out of the way
    obs, got, *_ = env.step(DOWN)
    assert got == 0.0
    assert body_cells(obs) == [(5, 4), (5, 5), (5, 6)]
    assert cells_of(obs, 0.75) == [(6, 6)]


def test_wall_collision_ends_the_episode():
    env = make_snake()
    board(env, [(3, 5), (2, 5), (1, 5)], UP, food=(8, 8))
    obs, reward, terminated, truncated, info = env.step(UP)
    assert (reward, terminated, truncated, info) == (-1.0, True, False, {"length": 3, "fruit_eaten": 0})
    assert cells_of(obs, 0.75) == [(1, 5)]  # drawn as it was before the fatal move
    with pytest.raises(ResetNeeded):
        env.step(UP)


def test_self_collision_ends_the_episode():
    env = make_snake()
    # A hook: tail (2, 3) - (3, 3) - (3, 4) - (4, 4) - head (4, 3), heading left. Up is (3, 3): body.
    board(env, [(2, 3), (3, 3), (3, 4), (4, 4), (4, 3)], LEFT, food=(8, 8))
    obs, reward, terminated, _, _ = env.step(UP)
    assert (reward, terminated) == (-1.0, True)
    assert body_cells(obs) == [(2, 3), (3, 3), (3, 4), (4, 4)]  # unchanged


def test_moving_into_the_cell_the_tail_leaves_is_safe():
    env = make_snake()
    # A 2x2 square: tail (3, 3) - (3, 4) - (4, 4) - head (4, 3), heading left. Up is the tail's cell.
    board(env, [(3, 3), (3, 4), (4, 4), (4, 3)], LEFT, food=(8, 8))
    obs, reward, terminated, _, _ = env.step(UP)
    assert (reward, terminated) == (0.0, False)
    assert body_cells(obs) == [(3, 4), (4, 3), (4, 4)]
    assert cells_of(obs, 0.75) == [(3, 3)]


@pytest.mark.parametrize(("heading", "reverse"), [(RIGHT, LEFT), (LEFT, RIGHT), (UP, DOWN), (DOWN, UP)])
def test_reversing_into_the_neck_is_ignored(heading, reverse):
    env = make_snake()
    step = MOVES[heading]
    snake = [(5 - 2 * step[0] + i * step[0], 5 - 2 * step[1] + i * step[1]) for i in range(3)]
    board(env, snake, heading, food=(1, 1))
    obs, reward, terminated, _, _ = env.step(reverse)
    assert (reward, terminated) == (0.0, False)
    assert cells_of(obs, 0.75) == [(5 + step[0], 5 + step[1])]  # it went on forward
    obs, *_ = env.step(FORWARD)  # and the heading is still the same
    assert cells_of(obs, 0.75) == [(5 + 2 * step[0], 5 + 2 * step[1])]


def test_full_board_is_a_win_and_ends_the_episode():
    env = make_snake(height=7, width=7)  # a 5x5 interior: 25 cells
    # A serpentine over rows 1-5 from (1, 1) to (5, 4); (5, 5) is the only free cell and holds the food.
    serpentine = [(row, column if row % 2 else 6 - column) for row in range(1, 6) for column in range(1, 6)][
        :24
    ]
    assert serpentine[-1] == (5, 4)
    board(env, serpentine, RIGHT, food=(5, 5))
    obs, reward, terminated, truncated, info = env.step(FORWARD)
    assert (reward, terminated, truncated, info) == (1.0, True, False, {"length": 25, "fruit_eaten": 22})
    assert cells_of(obs, 0.5) == []  # no food left to draw
    assert len(body_cells(obs)) == 24 and cells_of(obs, 0.75) == [(5, 5)]


def test_full_board_win_in_length_mode_pays_the_length():
    env = make_snake(height=7, width=7, reward_mode="length")
    serpentine = [(row, column if row % 2 else 6 - column) for row in range(1, 6) for column in range(1, 6)]
    board(env, serpentine[:24], RIGHT, food=(5, 5))
    assert env.step(FORWARD)[1:3] == (25.0, True)


def test_steps_without_food_truncate_the_episode():
    env = make_snake(max_steps_without_food=6)
    board(env, [(4, 4), (4, 5), (5, 5)], DOWN, food=(1, 1))  # ... circling a 2x2 square never eats
    circle = [LEFT, UP, RIGHT, DOWN, LEFT, UP]
    for step, action in enumerate(circle, start=1):
        _, reward, terminated, truncated, _ = env.step(action)
        assert (reward, terminated, truncated) == (0.0, False, step == 6)
    with pytest.raises(ResetNeeded):
        env.step(LEFT)
    env.reset(seed=1)  # a new episode counts from zero again: the same circle is truncated on step 6
    board(env, [(4, 4), (4, 5), (5, 5)], DOWN, food=(1, 1))
    for step, action in enumerate(circle, start=1):
        assert env.step(action)[3] == (step == 6)


def test_eating_resets_the_hunger_count():
    env = make_snake(max_steps_without_food=3)
    board(env, [(5, 2), (5, 3), (5, 4)], RIGHT, food=(5, 6))
    assert env.step(FORWARD)[1:4] == (0.0, False, False)  # (5, 5): 1 step without food
    assert env.step(FORWARD)[1:4] == (1.0, False, False)  # (5, 6): eats
    env.set_state(food=(8, 1))  # food moved by hand to (8, 1)
    assert env.step(UP)[3] is False and env.step(LEFT)[3] is False
    assert env.step(LEFT)[3] is True  # 3 steps without food


def test_default_limits_of_the_registered_id():
    env = gymnasium.make("Snake-v0")
    assert env.spec.max_episode_steps == 5_000
    assert env.unwrapped.max_steps_without_food == 2 * 8 * 8
    assert env.action_space == gymnasium.spaces.Discrete(5)


def test_random_play_ends_by_death_and_rewards_are_food_or_death():
    env = gymnasium.make("Snake-v0")
    rng = np.random.default_rng(0)
    for seed in range(20):
        steps = rollout(env, lambda obs: int(rng.integers(5)), seed=seed)
        rewards = [step[1] for step in steps[1:]]
        assert set(rewards) <= {0.0, 1.0, -1.0}
        assert steps[-1][4]["length"] == 3 + rewards.count(1.0)
        assert steps[-1][2] == (rewards[-1] == -1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"height": 6}, ValueError, "height must be >= 7, got 6"),
        ({"width": 5}, ValueError, "width must be >= 7, got 5"),
        ({"reward_mode": "score"}, ValueError, "reward_mode must be one of 'food', 'length'; got 'score'"),
        (
            {"max_steps_without_food": 0},
            ValueError,
            r"max_steps_without_food must be in \[1, 4611686018427387904\], got 0",
        ),
        ({"max_steps_without_food": 2.5}, TypeError, "max_steps_without_food must be an integer"),
    ],
)
def test_impossible_arguments_raise(kwargs, error, message):
    with pytest.raises(error, match=message):
        SnakeEnv(**kwargs)


def test_long_play_matches_a_plain_list_model_of_the_rules():
    """Play many steps with a mostly safe, food-seeking random player and replay them on a list model.

    The model keeps the snake as a Python list (tail first) and makes the env's random draws itself, on
    a copy of the seed's stream: the heading, then the food, which must be the draw-th free cell in
    row-major order.
    """
    env = SnakeEnv(height=8, width=9)
    rng = np.random.default_rng(0)
    interior = [(r, c) for r in range(1, 7) for c in range(1, 8)]

    def spawn(snake):
        free = [cell for cell in interior if cell not in snake]
        return free[draw_int(stream, 0, len(free))]

    def drawn(snake, food):
        grid = np.zeros((8, 9), np.float32)
        grid[[0, -1], :] = grid[:, [0, -1]] = 1.0
        for cell in snake[:-1]:
            grid[cell] = 1.0
        grid[snake[-1]] = 0.75
        if food is not None:
            grid[food] = 0.5
        return grid

    steps = foods = 0
    for seed in range(30):
        stream = keys_for_seeds([seed])
        obs, _ = env.reset(seed=seed)
        heading = draw_int(stream, 0, 4)
        d_row, d_column = MOVES[heading]
        snake = [(4 - 2 * d_row, 4 - 2 * d_column), (4 - d_row, 4 - d_column), (4, 4)]
        food = spawn(snake)
        hungry, done = 0, False
        np.testing.assert_array_equal(obs, drawn(snake, food))
        while not done:
            targets = {a: (snake[-1][0] + dr, snake[-1][1] + dc) for a, (dr, dc) in MOVES.items()}
            safe = [a for a, cell in targets.items() if cell in interior and cell not in snake[1:]]
            if safe and food is not None and rng.random() < 0.7:  # towards the food
                action = min(safe, key=lambda a: abs(targets[a][0] - food[0]) + abs(targets[a][1] - food[1]))
            else:
                action = int(rng.choice(safe)) if safe and rng.random() < 0.9 else int(rng.integers(5))
            obs, reward, terminated, truncated, info = env.step(action)
            steps += 1
            if action != FORWARD and action != (heading + 2) % 4:
                heading = action
            head = (snake[-1][0] + MOVES[heading][0], snake[-1][1] + MOVES[heading][1])
            eats = head == food
            body = snake if eats else snake[1:]
            if head not in interior or head in body:
                expected = (-1.0, True, False)
            else:
                snake = [*body, head]
                hungry = 0 if eats else hungry + 1
                food = (None if len(snake) == len(interior) else spawn(snake)) if eats else food
                expected = (1.0 if eats else 0.0, eats and food is None, hungry >= env.max_steps_without_food)
                foods += eats
            assert (reward, terminated, truncated) == expected
            assert info == {"length": len(snake), "fruit_eaten": len(snake) - 3}
            np.testing.assert_array_equal(obs, drawn(snake, food))
            done = terminated or truncated
    assert steps > 1000 and foods > 100  # long episodes with plenty of growth


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_a_copy_of_snake_paints_its_own_body_from_the_next_step_on(how):
    # A stored reshape of the occupancy map became a separate, frozen array in a copy: the copy's
    # observations kept showing the body as it was when copied, though its rewards matched.
    import copy
    import pickle

    env = SnakeEnv()
    env.reset(seed=3)
    env.step(FORWARD)
    twin = copy.deepcopy(env) if how == "deepcopy" else pickle.loads(pickle.dumps(env))
    for action in (FORWARD, RIGHT, UP, UP, LEFT):
        obs, *_ = env.step(action)
        twin_obs, *_ = twin.step(action)
        np.testing.assert_array_equal(twin_obs, obs)
    obs, twin_obs = env.reset(seed=8)[0], twin.reset(seed=8)[0]
    np.testing.assert_array_equal(twin_obs, obs)
    interior = obs[1:-1, 1:-1]  # inside the wall ring (walls and body share the value 1.0)
    assert (interior == SnakeEnv.GRID_VALUES["snake"]).sum() == 2  # the new 3-cell snake: 2 + the head
