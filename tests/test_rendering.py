"""Rendering: rgb_array frames match the state, human mode works headless, rgb observations match grids."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest

import gym_catchgames
from gym_catchgames.rendering import STATUS_HEIGHT, cell_size_for
from tests.helpers import cells_of, colour, rollout


def cell_pixel(frame: np.ndarray, env: gymnasium.Env, row: int, column: int) -> np.ndarray:
    size = cell_size_for(env.unwrapped.height, env.unwrapped.width)
    return frame[row * size + size // 2, column * size + size // 2]


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_rgb_array_frame_shape_and_dtype(env_id):
    env = gymnasium.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    size = cell_size_for(env.unwrapped.height, env.unwrapped.width)
    assert frame.dtype == np.uint8
    assert frame.shape == (env.unwrapped.height * size + STATUS_HEIGHT, env.unwrapped.width * size, 3)


def test_catch_frame_shows_fruit_and_basket_where_the_state_says():
    env = gymnasium.make("Catch-v0", render_mode="rgb_array")
    obs, _ = env.reset(seed=3)
    obs, *_ = env.step(2)
    frame = env.render()
    fruit_row, fruit_column = cells_of(obs[:-1], 1.0)[0]
    basket = [column for row, column in cells_of(obs, 1.0) if row == 9]
    np.testing.assert_array_equal(cell_pixel(frame, env, fruit_row, fruit_column), colour("fruit"))
    for column in basket:
        np.testing.assert_array_equal(cell_pixel(frame, env, 9, column), colour("basket"))
    empty = [(r, c) for r in range(10) for c in range(10) if obs[r, c] == 0]
    assert len(empty) == 96
    for row, column in empty:
        np.testing.assert_array_equal(cell_pixel(frame, env, row, column), [0, 0, 0])


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_rgb_observation_is_the_grid_in_the_renderers_colours(env_id):
    """Each rgb pixel has the colour of an element whose grid value is that cell's value (black for 0)."""
    grid_env, rgb_env = gymnasium.make(env_id), gymnasium.make(env_id, obs_type="rgb")
    colours_of_value: dict[float, set[tuple[int, ...]]] = {0.0: {(0, 0, 0)}}
    for name, value in grid_env.unwrapped.GRID_VALUES.items():
        # Keyed by the float32 value the grid holds (0.4 is not exactly 0.4 in float32).
        colours_of_value.setdefault(float(np.float32(value)), set()).add(tuple(colour(name).tolist()))
    actions = [action % grid_env.action_space.n for action in [0, 2, 2, 1, 0, 3, 4] * 4]
    grid_steps, rgb_steps = rollout(grid_env, actions, seed=9), rollout(rgb_env, actions, seed=9)
    for (grid, *_), (rgb, *_) in zip(grid_steps, rgb_steps, strict=True):
        assert rgb.shape == (*grid.shape, 3)
        for (row, column), value in np.ndenumerate(grid):
            assert tuple(rgb[row, column].tolist()) in colours_of_value[float(value)]


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_render_frames_match_the_rgb_observation_cell_by_cell(env_id):
    env = gymnasium.make(env_id, obs_type="rgb", render_mode="rgb_array")
    obs, _ = env.reset(seed=1)
    obs, *_ = env.step(0)
    frame = env.render()
    for row in range(obs.shape[0]):
        for column in range(obs.shape[1]):
            np.testing.assert_array_equal(cell_pixel(frame, env, row, column), obs[row, column])


def test_human_mode_headless_draws_and_survives_the_window_being_closed():
    import pygame

    env = gymnasium.make("Catch-v0", render_mode="human")
    env.reset(seed=0)
    assert env.render() is None
    assert pygame.display.get_surface() is not None
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    with pytest.warns(UserWarning, match="window was closed"):
        env.step(1)
    assert pygame.display.get_surface() is None
    for _ in range(3):  # the game goes on without a window
        env.step(1)
    env.close()
    env.close()


def test_render_without_a_mode_warns_and_close_is_safe_twice():
    env = gymnasium.make("Catch-v0")
    env.reset(seed=0)
    with pytest.warns(UserWarning, match="without a render_mode"):
        assert env.unwrapped.render() is None
    env.close()
    env.close()


@pytest.mark.parametrize("env_id", gym_catchgames.ENV_IDS)
def test_an_env_that_has_rendered_copies_and_pickles_and_the_copy_renders_the_same(env_id):
    import copy
    import pickle

    env = gymnasium.make(env_id, render_mode="rgb_array")
    env.reset(seed=5)
    frame = env.render()  # the renderer now holds pygame (a module) and its surfaces
    for twin in (copy.deepcopy(env), pickle.loads(pickle.dumps(env))):
        np.testing.assert_array_equal(twin.render(), frame)
    vector_env = gymnasium.make_vec(env_id, num_envs=2, render_mode="rgb_array")
    vector_env.reset(seed=5)
    frames = vector_env.render()
    for twin in (copy.deepcopy(vector_env), pickle.loads(pickle.dumps(vector_env))):
        for own, copied in zip(frames, twin.render(), strict=True):
            np.testing.assert_array_equal(copied, own)


def test_closing_one_human_window_leaves_the_other_env_drawing():
    import pygame

    first = gymnasium.make("Catch-v0", render_mode="human")
    second = gymnasium.make("Snake-v0", render_mode="human")
    first.reset(seed=0)
    second.reset(seed=0)  # pygame has one display: the two share it
    first.close()
    second.step(0)  # drew into the display ("display Surface quit" before)
    size = cell_size_for(10, 10)
    assert pygame.display.get_surface().get_size() == (10 * size, 10 * size + STATUS_HEIGHT)
    first.reset(seed=1)  # a closed env draws again after a reset, taking the window back
    second.step(0)
    second.close()
    assert pygame.display.get_surface() is not None  # the first env still draws in it
    first.close()
    assert pygame.display.get_surface() is None  # the last one closed the display
