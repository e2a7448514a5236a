"""Cave-v0: the rules worked by hand, the drawing against a cell-by-cell reference, and bad arguments.

The tests look inside the game through ``CaveEnv.ship`` and ``CaveEnv.column``; some set a known
situation after ``reset()`` with ``place_ship`` or ``place_block`` instead of searching seeds for it
(each says what it sets), and the random walk is checked on hand-chosen draws through ``walk``.
"""

from __future__ import annotations

import functools
import math

import gymnasium
import numpy as np
import pytest

from gym_catchgames.envs.cave import CaveEnv, walk
from tests.helpers import cells_of, colour, rollout

RELEASE, HOLD = 0, 1


def make_cave(**kwargs) -> CaveEnv:
    env = CaveEnv(**kwargs)
    env.reset(seed=0)
    return env


def pilot(env: CaveEnv) -> int:
    """Hold when the ship is heading below the middle of the gap under it (keeps it off the walls)."""
    column = env.column(env.ship_column)
    y, vy = env.ship
    return HOLD if y + 4 * vy > (column.top + column.bottom) / 2 else RELEASE


# ----------------------------------------------------------------------------- physics
@pytest.mark.parametrize(
    ("actions", "velocities", "heights"),
    [
        # From y0 = 24, vy0 = 0, each frame vy += +-0.08, then y += vy.
        ([RELEASE] * 3, [0.08, 0.16, 0.24], [24.08, 24.24, 24.48]),
        ([HOLD] * 3, [-0.08, -0.16, -0.24], [23.92, 23.76, 23.52]),
        ([RELEASE, HOLD, HOLD], [0.08, 0.0, -0.08], [24.08, 24.08, 24.0]),
    ],
)
def test_gravity_and_lift_from_rest(actions, velocities, heights):
    env = make_cave()
    assert env.ship == (24.0, 0.0)
    for action, vy, y in zip(actions, velocities, heights, strict=True):
        _, reward, terminated, truncated, info = env.step(action)
        assert env.ship == pytest.approx((y, vy), abs=1e-12)
        assert (reward, terminated, truncated) == (0.0, False, False)
    assert info == {"frames_survived": 3}


@pytest.mark.parametrize("action", [RELEASE, HOLD])
def test_flying_straight_crashes_into_the_first_columns_on_frame_18(action):
    # The first 32 columns to pass under the ship are the start's: gap 0.55 * 48 = 26.4 around 24, so
    # top = 10.8 and bottom = 37.2. After n frames |y - 24| = 0.08 * n(n+1)/2 = 0.04 n(n+1):
    # n = 17 gives 12.24 (y = 11.76 or 36.24, alive), n = 18 gives 13.68 (y = 10.32 or 37.68, crash).
    env = make_cave()
    steps = rollout(env, [action] * 30, seed=0)
    assert len(steps) == 1 + 18
    _, reward, terminated, _, info = steps[-1]
    assert (reward, terminated, info) == (-1.0, True, {"frames_survived": 17})
    assert env.ship[0] == pytest.approx(24 + (13.68 if action == RELEASE else -13.68), abs=1e-9)
    assert all(not step[2] and step[1] == 0.0 for step in steps[:-1])


@pytest.mark.parametrize(
    ("start_y", "action", "crash_frame"),
    [
        (11.0, HOLD, 2),  # 10.92 > 10.8 flies; 10.76 <= 10.8 hits the ceiling
        (37.0, RELEASE, 2),  # 37.08 < 37.2 flies; 37.24 >= 37.2 hits the floor
        (10.9, RELEASE, None),  # 10.98, 11.14, 11.38: falls away from the ceiling
    ],
)
def test_wall_collision_at_the_gap_edges(start_y, action, crash_frame):
    env = make_cave()
    env.place_ship(start_y)  # state set by hand: the ship near a wall of the start's cave, at rest
    for frame in range(1, 4):
        _, reward, terminated, _, _ = env.step(action)
        assert terminated == (frame == crash_frame)
        assert reward == (-1.0 if terminated else 0.0)
        if terminated:
            break


@pytest.mark.parametrize(
    ("block_columns", "block_top", "crashes"),
    [
        # The cave scrolls one column before the check: what is now at column 16 comes under the ship
        # (column 15), which is then at y = 24.08.
        ((16, 17), 20, True),  # rows 20-25 hold 24.08
        ((15, 16), 19, True),  # rows 19-24 hold 24.08
        ((17, 18), 20, False),  # the block is still in front of the ship
        ((14, 15), 20, False),  # just passed (CAVE's 3-wide hit box hit it)
        ((16, 17), 18, False),  # rows 18-23: the ship is just below (CAVE's 7-row hit box hit it)
        ((16, 17), 25, False),  # rows 25-30: the ship is just above
    ],
)
def test_block_collision_is_exactly_the_drawn_cells(block_columns, block_top, crashes):
    env = make_cave()
    for column in block_columns:  # a block placed by hand
        env.place_block(column, block_top)
    _, reward, terminated, _, _ = env.step(RELEASE)
    assert (terminated, reward) == (crashes, -1.0 if crashes else 0.0)


# ----------------------------------------------------------------------------- the cave
def test_random_walk_steps_by_hand():
    # step = 0.1 * 48 = 4.8. (u, slope before) -> centre change, slope after:
    draws = [
        (0.9, 0, +1.44, 1),  # 0.9 > 0.6: up by (0.9 - 0.6) * 4.8
        (0.3, 1, -1.44, 1),  # 0.3 > 0.2 (sticky): "up" by (0.3 - 0.6) * 4.8, a small move back
        (0.1, 1, -1.44, -1),  # 0.1 < 0.4: down by (0.4 - 0.1) * 4.8
        (0.7, -1, +0.48, 1),  # 0.7 > 0.6: up by (0.7 - 0.6) * 4.8
        (0.5, 1, -0.48, 1),  # 0.5 > 0.2: by (0.5 - 0.6) * 4.8
        (0.5, 0, 0.0, 0),  # 0.4 <= 0.5 <= 0.6: no move
        (0.5, -1, +0.48, -1),  # 0.5 < 0.8 (sticky): "down" by (0.4 - 0.5) * 4.8, a small move back
    ]
    centre = 24.0
    for u, slope, change, new_slope in draws:
        assert walk(centre, slope, u, 4.8) == (pytest.approx(centre + change, abs=1e-12), new_slope)
        centre += change


def test_each_new_column_takes_the_gap_around_the_walks_centre():
    # The walk moves the centre by at most 0.4 * 4.8 = 1.92 a frame; the gap keeps 26.4 rows until frame 51.
    env = make_cave(block_interval=None)
    previous = env.column(env.width - 1)
    for _ in range(20):
        env.place_ship(env.column(env.ship_column + 1).top + 13.2)  # mid-gap of the next column: no crash
        env.step(RELEASE)
        newest = env.column(env.width - 1)
        assert newest.bottom - newest.top == pytest.approx(26.4, abs=1e-12)
        assert abs(newest.top - previous.top) <= 1.92 + 1e-12
        previous = newest


def test_the_gap_narrows_every_51_frames_to_its_minimum_and_no_further():
    env = make_cave(block_interval=None)
    gaps = []
    for _ in range(1400):
        next_under_ship = env.column(env.ship_column + 1)  # under the ship after the step's scroll
        env.place_ship((next_under_ship.top + next_under_ship.bottom) / 2)  # pinned mid-gap: no crash
        assert not env.step(RELEASE)[2]
        newest = env.column(env.width - 1)
        gaps.append(newest.bottom - newest.top)
        tightest = min(column.bottom - column.top for column in map(env.column, range(env.width)))
        assert tightest >= 0.30 * 48 - 1e-9
    # Frame n (1-based) has gap 26.4 - 0.48 * (n // 51), until 25 narrowings reach 14.4 at frame 1275.
    for frame in (1, 50, 51, 101, 102, 1274, 1275, 1400):
        assert gaps[frame - 1] == pytest.approx(max(26.4 - 0.48 * (frame // 51), 14.4), abs=1e-9)


def test_blocks_enter_every_21_frames_after_frame_50_inside_the_gap():
    env = CaveEnv()
    env.reset(seed=2)  # the pilot survives this cave for more than 130 frames
    spawned, block_top, block, newest_gaps, observations = [], None, CaveEnv.GRID_VALUES["block"], {}, {}
    for frame in range(1, 131):
        obs, _, terminated, _, _ = env.step(pilot(env))
        assert not terminated
        observations[frame], newest_gaps[frame] = obs, env.column(47)
        view_top = math.floor(env.ship[0]) - 24
        if env.column(47).block_top is not None and env.column(46).block_top is None:
            # A block's first column entered: it entered at column 48, just off the view, a frame ago.
            spawned.append(frame - 1)
            block_top, gap = env.column(47).block_top, newest_gaps[frame - 1]
            assert math.floor(gap.top) <= block_top < math.floor(gap.bottom - 6)
            assert not (observations[frame - 1][:, 46:] == block).any()
        if spawned and 1 <= frame - spawned[-1] <= 2:
            # One frame later it covers column 47, the frame after columns 46 and 47.
            columns = [47] if frame - spawned[-1] == 1 else [46, 47]
            rows = [row - view_top for row in range(block_top, block_top + 6) if 0 <= row - view_top < 48]
            assert cells_of(obs[:, 46:], block) == [(row, column - 46) for row in rows for column in columns]
    assert spawned == [63, 84, 105, 126]


def test_same_seed_same_cave_other_seed_another():
    def cave(seed):
        env = CaveEnv(block_interval=None)
        env.reset(seed=seed)
        tops = []
        for _ in range(40):
            env.step(RELEASE if env.ship[1] < 0 else HOLD)
            tops.append(env.column(env.width - 1).top)
        return tops

    assert cave(3) == cave(3)
    assert cave(3) != cave(4)


# ----------------------------------------------------------------------------- drawing
def reference_frame(env: CaveEnv, ship_rows: list[int], ink: dict) -> np.ndarray:
    """The view painted cell by cell from the cave's columns and the ship's recorded rows."""
    height, width, ship_column = env.height, env.width, env.ship_column
    colours = np.ndim(ink["wall"]) == 1
    frame = np.zeros((height, width, 3) if colours else (height, width), np.uint8 if colours else np.float32)
    view_top = math.floor(env.ship[0]) - height // 2
    columns = [env.column(column) for column in range(width)]
    for column, cave in enumerate(columns):
        for row in range(height):
            world_row = view_top + row
            if world_row < math.floor(cave.top) or world_row >= math.ceil(cave.bottom):
                frame[row, column] = ink["wall"]
    for column, cave in enumerate(columns):
        for row in range(height):
            if cave.block_top is not None and cave.block_top <= view_top + row < cave.block_top + 6:
                frame[row, column] = ink["block"]
    for age in range(1, ship_column + 1):
        row = ship_rows[-1 - age] - view_top if age < len(ship_rows) else ship_rows[0] - view_top
        if 0 <= row < height:
            frame[row, ship_column - age] = ink["trail"]
    frame[height // 2, ship_column] = ink["ship"]
    return frame


@pytest.mark.parametrize("obs_type", ["grid", "rgb"])
@pytest.mark.parametrize(
    ("seed", "kwargs", "min_frames"),
    [
        (1, {}, 100),  # through the blocks
        (2, {}, 100),
        # A long flight on which the gap's walk carries the view out of the painted band of rows.
        (5, {}, 200),
        # The ship on the newest column (blocks reach it as they enter), and a block every 2 frames.
        (4, {"ship_column": 47}, 60),
        (5, {"block_interval": 2, "block_delay": 0}, 30),
    ],
)
def test_observation_matches_a_cell_by_cell_reference(obs_type, seed, kwargs, min_frames):
    env = CaveEnv(obs_type=obs_type, render_mode="rgb_array", **kwargs)
    ink = CaveEnv.GRID_VALUES if obs_type == "grid" else {name: colour(name) for name in CaveEnv.GRID_VALUES}
    obs, _ = env.reset(seed=seed)
    ship_rows = [24]
    np.testing.assert_array_equal(obs, reference_frame(env, ship_rows, ink))
    terminated, frames, walls_and_blocks = False, 0, set()
    while not terminated and frames < 400:
        obs, _, terminated, _, _ = env.step(pilot(env))
        ship_rows.append(math.floor(env.ship[0]))
        frames += 1
        np.testing.assert_array_equal(obs, reference_frame(env, ship_rows, ink), err_msg=f"frame {frames}")
        walls_and_blocks |= {name for name in ("wall", "block") if (obs == ink[name]).any()}
    assert frames > min_frames
    assert walls_and_blocks == {"wall", "block"}
    for episode_seed in (seed + 10, seed + 11):  # new episodes paint the start (once, then from a copy)
        obs, _ = env.reset(seed=episode_seed)
        np.testing.assert_array_equal(obs, reference_frame(env, [24], ink))
        env.step(HOLD)
    rendered = env.render()
    size = env._renderer.cell_size
    colours = {name: colour(name) for name in CaveEnv.GRID_VALUES}
    cells = rendered[: 48 * size : size, : 48 * size : size]  # one pixel of each 10x10 cell
    np.testing.assert_array_equal(cells, reference_frame(env, [24, math.floor(env.ship[0])], colours))


def test_a_flying_ship_is_always_in_an_open_cell():
    # With the drawing rule checked above, a ship that has not crashed is never drawn on a wall.
    env = CaveEnv()
    for seed in range(5):
        env.reset(seed=seed)
        terminated = False
        while not terminated:
            column = env.column(env.ship_column)
            assert math.floor(column.top) <= math.floor(env.ship[0]) < math.ceil(column.bottom)
            terminated = env.step(pilot(env))[2]


def test_keyboard_play_holds_space_to_rise():
    import pygame

    from gym_catchgames import play

    # Space held for 10 frames, then released: the frame of the crash, found by stepping the env itself.
    actions = [HOLD] * 10 + [RELEASE] * 100
    crash_frame = len(rollout(CaveEnv(), actions, seed=0)) - 1
    assert 30 < crash_frame < 100  # (not the 18 frames of holding or releasing all the time)
    press = [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE)]
    release = [pygame.event.Event(pygame.KEYUP, key=pygame.K_SPACE)]
    events = [press] + [[]] * 9 + [release]
    for max_steps, returns in ((crash_frame - 1, []), (crash_frame, [-1.0])):
        scripted = functools.partial(next, iter(events), [])  # one list of events per frame
        result = play.play("Cave-v0", fps=1000, seed=0, max_steps=max_steps, get_events=scripted)
        assert (result.steps, result.episode_returns) == (max_steps, returns)


# ----------------------------------------------------------------------------- arguments
def test_survival_reward_and_crash_reward_are_arguments():
    env = gymnasium.make("Cave-v0", survival_reward=1.0, crash_reward=0.0)
    steps = rollout(env, [HOLD] * 30, seed=0)
    assert [step[1] for step in steps[1:]] == [1.0] * 17 + [0.0]
    assert sum(step[1] for step in steps) == steps[-1][4]["frames_survived"]


def test_step_limit_of_the_registered_id():
    assert gymnasium.spec("Cave-v0").max_episode_steps == 10_000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_gap": 0.0}, r"min_gap must be finite and > 0.0 and <= 1.0, got 0.0"),
        ({"min_gap": 1.5}, r"min_gap must be finite and > 0.0 and <= 1.0, got 1.5"),
        (
            {"initial_gap": 0.2},
            r"initial_gap \(at least min_gap\) must be finite and >= 0.3 and <= 1.0, got 0.2",
        ),
        (
            {"initial_gap": 5.0},
            r"initial_gap \(at least min_gap\) must be finite and >= 0.3 and <= 1.0, got 5.0",
        ),
        ({"survival_reward": 1e308}, r"survival_reward must be finite and >= -1000000.0 and <= 1000000.0"),
        ({"crash_reward": -1e7}, r"crash_reward must be finite and >= -1000000.0 and <= 1000000.0"),
        ({"gap_shrink": -0.01}, r"gap_shrink must be finite and >= 0.0"),
        ({"shrink_interval": 0}, r"shrink_interval must be in \[1, 4611686018427387904\], got 0"),
        ({"block_interval": 1}, r"block_interval \(or None for no blocks\) must be in \[2, 46\d+\], got 1"),
        ({"block_delay": -1}, r"block_delay must be in \[0, 4611686018427387904\], got -1"),
        ({"ship_column": -1}, r"ship_column must be >= 0, got -1"),
        (
            {"height": 23},
            r"height must be >= 24, got 23 \(a gap of min_gap=0.3 of it must hold a 6-row block\)",
        ),
        ({"height": 40, "min_gap": 0.15}, r"height must be >= 47, got 40 \(a gap of min_gap=0.15 of it"),
        ({"width": 15}, r"width must be >= 16, got 15 \(it must hold the ship's column, ship_column=15\)"),
        (
            {"width": 8, "ship_column": 8},
            r"width must be >= 9, got 8 \(it must hold the ship's column, ship_column=8\)",
        ),
        ({"survival_reward": float("nan")}, r"survival_reward must be finite"),
        ({"crash_reward": float("inf")}, r"crash_reward must be finite"),
    ],
)
def test_impossible_arguments_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        CaveEnv(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"height": 24},  # 0.3 * 24 = 7.2 cells: a 6-row block fits with a row to spare
        {"height": 3, "block_interval": None},  # without blocks any grid is allowed
        {"width": 3, "ship_column": 2},
    ],
)
def test_smallest_allowed_sizes_work(kwargs):
    env = CaveEnv(**kwargs)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (env.height, env.width)
    env.step(RELEASE)


def test_cave_v1_returns_the_frames_survived_and_plays_cave_v0s_game():
    """Cave-v1 is Cave-v0 with +1 a frame and 0 at the crash: same frames, a return that counts them."""
    for seed in range(3):
        v0, v1 = gymnasium.make("Cave-v0"), gymnasium.make("Cave-v1")
        observation_v0, _ = v0.reset(seed=seed)
        observation_v1, _ = v1.reset(seed=seed)
        actions = np.random.default_rng(seed).integers(0, 2, size=10_000)
        returns = [0.0, 0.0]
        for action in actions:
            observation_v0, reward_v0, terminated, truncated, info_v0 = v0.step(action)
            observation_v1, reward_v1, terminated_v1, truncated_v1, info_v1 = v1.step(action)
            np.testing.assert_array_equal(observation_v0, observation_v1)
            assert (terminated, truncated) == (terminated_v1, truncated_v1)
            returns[0] += reward_v0
            returns[1] += reward_v1
            if terminated or truncated:
                break
        assert terminated and returns[0] == -1.0
        assert returns[1] == info_v1["frames_survived"] == info_v0["frames_survived"] > 0


def test_cave_v1_vector_env_returns_the_frames_survived():
    envs = gymnasium.make_vec("Cave-v1", 4)
    envs.reset(seed=0)
    returns, finished = np.zeros(4), {}
    rng = np.random.default_rng(0)
    while len(finished) < 4:
        _, rewards, terminated, truncated, info = envs.step(rng.integers(0, 2, size=4))
        returns += rewards
        for index in np.flatnonzero(terminated | truncated):
            finished.setdefault(index, (returns[index], info["frames_survived"][index]))
            returns[index] = 0.0  # NEXT_STEP: the next step resets this sub-env with no reward
    assert all(episode_return == frames > 0 for episode_return, frames in finished.values())
