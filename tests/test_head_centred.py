"""HeadCentredObservation: Snake's grid shifted so that the head is in the middle, checked cell by cell."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest

import gym_catchgames  # noqa: F401  (registers the games)
from gym_catchgames.wrappers import HeadCentredObservation, VectorHeadCentredObservation
from tests.helpers import cells_of, check_sb3_env, check_wrapped_env_strict

HEAD = 0.75  # Snake's grid value for the head


def test_the_start_is_the_grid_moved_by_the_head_offset():
    env = HeadCentredObservation(gymnasium.make("Snake-v0"))
    view, _ = env.reset(seed=3)
    grid, _ = gymnasium.make("Snake-v0").reset(seed=3)  # the same board, not centred
    # A 10x10 grid gives a 19x19 view; the start's head is the centre cell (5, 5), so the grid lands
    # shifted by (9 - 5, 9 - 5) = (4, 4): the board fills rows and columns 4..13 of the view.
    assert view.shape == (19, 19) and env.observation_space.shape == (19, 19)
    assert env.unwrapped.head == (5, 5) and view[9, 9] == HEAD
    np.testing.assert_array_equal(view[4:14, 4:14], grid)
    board = np.zeros((19, 19), dtype=bool)
    board[4:14, 4:14] = True
    assert (view[~board] == 1.0).all()  # 19 * 19 - 100 = 261 cells outside the board read as wall


def test_the_head_stays_in_the_middle_and_every_cell_keeps_its_offset():
    env = HeadCentredObservation(gymnasium.make("Snake-v0"))
    plain = gymnasium.make("Snake-v0")  # the same episodes, not centred
    rng = np.random.default_rng(0)
    view, _ = env.reset(seed=7)
    grid, _ = plain.reset(seed=7)
    heads = set()
    for step in range(200):
        row, col = env.unwrapped.head
        heads.add((row, col))
        assert cells_of(grid, HEAD) == [(row, col)]  # the property names the cell the grid shows
        assert cells_of(view, HEAD) == [(9, 9)]
        for r, c in np.ndindex(grid.shape):  # each cell by its own offset, not by slicing
            assert view[r - row + 9, c - col + 9] == grid[r, c]
        action = int(rng.integers(5))
        view, _, terminated, truncated, _ = env.step(action)
        grid = plain.step(action)[0]
        if terminated or truncated:  # on death the head may be drawn under the body it ran into
            view, _ = env.reset(seed=step)
            grid, _ = plain.reset(seed=step)
    assert len(heads) >= 20  # the head went all over the board, and the view followed


def test_a_bigger_board_and_another_fill():
    env = HeadCentredObservation(gymnasium.make("Snake-v0", height=7, width=9), fill=0.0)
    view, _ = env.reset(seed=0)
    # Head at (7 // 2, 9 // 2) = (3, 4) lands on the view's centre (6, 8); outside the board is 0.
    assert view.shape == (13, 17) and env.unwrapped.head == (3, 4) and view[6, 8] == HEAD
    assert view[0].sum() == 0.0 and view[3, 4] == 1.0  # the view's (3, 4) is the board's corner (0, 0)


def test_it_passes_the_gymnasium_and_sb3_checkers():
    check_wrapped_env_strict(HeadCentredObservation(gymnasium.make("Snake-v0")))
    check_sb3_env(HeadCentredObservation(gymnasium.make("Snake-v0")))


def test_bad_uses_are_refused_with_what_is_needed():
    with pytest.raises(ValueError, match=r"2-D grid observation \(obs_type='grid'\)"):
        HeadCentredObservation(gymnasium.make("Snake-v0", obs_type="rgb"))
    with pytest.raises(ValueError, match="'head' \\(row, col\\) property, as Snake-v0 has"):
        HeadCentredObservation(gymnasium.make("Catch-v0"))
    with pytest.raises(
        ValueError,
        match=r"fill \(within the observation bounds\) must be finite and >= 0.0 and <= 1.0, got 2",
    ):
        HeadCentredObservation(gymnasium.make("Snake-v0"), fill=2)
    with pytest.raises(TypeError, match=r"fill \(within the observation bounds\) must be a number, got 'a'"):
        HeadCentredObservation(gymnasium.make("Snake-v0"), fill="a")


def test_a_second_head_centred_view_is_refused():
    """A second wrapper would shift the centred view by the head's position on the board, moving the
    head off the middle: refused, whether the first view is the outermost wrapper or further in."""
    message = (
        r"^{0} needs an env without a head-centred view, and .* has one \({0}\): centring it again would "
        r"move the head off centre; wrap once$"
    )
    once = HeadCentredObservation(gymnasium.make("Snake-v0"))
    for env in (once, gymnasium.wrappers.TimeLimit(once, 50)):
        with pytest.raises(ValueError, match=message.format("HeadCentredObservation")):
            HeadCentredObservation(env)
    vector_once = VectorHeadCentredObservation(gymnasium.make_vec("Snake-v0", num_envs=2))
    for env in (vector_once, gymnasium.wrappers.vector.RecordEpisodeStatistics(vector_once)):
        with pytest.raises(ValueError, match=message.format("VectorHeadCentredObservation")):
            VectorHeadCentredObservation(env)
    view, _ = once.reset(seed=1)  # the refused attempts left the first view as it was
    assert view.shape == (19, 19) and view[9, 9] == HEAD


@pytest.mark.parametrize("mode", ["NextStep", "Disabled"])
def test_the_vector_wrapper_gives_each_sub_env_the_scalar_wrappers_view(mode):
    n = 5
    vector = VectorHeadCentredObservation(gymnasium.make_vec("Snake-v0", num_envs=n, autoreset_mode=mode))
    scalars = [HeadCentredObservation(gymnasium.make("Snake-v0")) for _ in range(n)]
    views, _ = vector.reset(seed=11)
    expected = [env.reset(seed=11 + i)[0] for i, env in enumerate(scalars)]
    rng = np.random.default_rng(1)
    restart = np.zeros(n, dtype=bool)  # NEXT_STEP: the sub-envs whose next step is a reset
    episodes = 0
    for _ in range(400):
        np.testing.assert_array_equal(views, np.stack(expected))
        assert (views[:, 9, 9] == HEAD).all() or restart.any()  # the head in the middle of every view
        actions = rng.integers(5, size=n)
        views, _, terminated, truncated, _ = vector.step(actions)
        done = terminated | truncated
        for i, env in enumerate(scalars):
            if restart[i]:
                expected[i] = env.reset()[0]
            else:
                expected[i] = env.step(int(actions[i]))[0]
        if mode == "Disabled" and done.any():  # the caller resets the finished sub-envs
            np.testing.assert_array_equal(views, np.stack(expected))
            views, _ = vector.reset(options={"reset_mask": done})
            for i in np.flatnonzero(done):
                expected[i] = scalars[i].reset()[0]
            restart[:] = False
        else:
            restart = done
        episodes += int(done.sum())
    assert episodes >= 5


def test_the_vector_wrapper_refuses_what_it_cannot_centre():
    with pytest.raises(ValueError, match="autoreset_mode NEXT_STEP or DISABLED, got SAME_STEP"):
        VectorHeadCentredObservation(gymnasium.make_vec("Snake-v0", num_envs=2, autoreset_mode="SameStep"))
    with pytest.raises(ValueError, match=r"'heads' \(rows, cols arrays\), as gymnasium.make_vec\('Snake-v0'"):
        VectorHeadCentredObservation(gymnasium.make_vec("Catch-v0", num_envs=2))
    with pytest.raises(ValueError, match=r"2-D grid observation \(obs_type='grid'\)"):
        VectorHeadCentredObservation(gymnasium.make_vec("Snake-v0", num_envs=2, obs_type="rgb"))
