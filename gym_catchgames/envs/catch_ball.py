"""CatchBall: catch ball after ball with a paddle until the first miss (algolab's ALGO GEEKS / yukiB)."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

import numpy as np
from numba import njit

from gym_catchgames.core import ADVANCE, NEW_EPISODE, GameKernels, GridGameEnv, clear, paint_cell, paint_run
from gym_catchgames.random_stream import draw_int
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import MAX_STEP_COUNT, check_int
from gym_catchgames.vector import GridGameVectorEnv

#: The longest ``spawn_interval``: far beyond any board's height (a longer one leaves the board empty
#: between balls just the same).
MAX_SPAWN_INTERVAL = 100_000


class CatchBallRules(NamedTuple):
    """The numbers CatchBall's kernels need (from :class:`CatchBallEnv`'s arguments)."""

    height: int
    width: int
    paddle_width: int
    max_paddle_left: int
    spawn_interval: int
    min_spawn_distance: int
    max_spawn_distance: int
    #: The most balls on the board at once, ``ceil(height / spawn_interval)``: the balls a game tracks.
    slots: int
    #: The steps since the last spawn when a ball lands: the oldest tracked one, on row
    #: ``landing_phase + (slots - 1) * spawn_interval == height - 1``.
    landing_phase: int


class CatchBallState(NamedTuple):
    """The state of many CatchBall games, one entry (or row) a game.

    Every ball falls one row a step and one spawns every ``spawn_interval`` steps, so the ``j``-th
    newest ball is on row ``steps_since_spawn + j * spawn_interval``: a game holds its balls' columns,
    newest first (the newest is the previous spawn's column, even once it has left the board), and
    how many of them it tracks; a ball whose row is past the bottom one has left the board.
    """

    paddle_left: np.ndarray
    ball_columns: np.ndarray  # (games, slots)
    balls: np.ndarray
    steps_since_spawn: np.ndarray
    catches: np.ndarray


PADDLE, BALL = 0, 1  # the rows of the ink, in GRID_VALUES's order


@njit(cache=True)
def next_spawn_column(streams: np.ndarray, rules: CatchBallRules, i: int, previous: int) -> int:
    """Uniform over the columns ``min..max_spawn_distance`` away from ``previous``, left ones first."""
    left_first = max(0, previous - rules.max_spawn_distance)
    left_count = max(0, previous - rules.min_spawn_distance - left_first + 1)
    right_first = previous + max(rules.min_spawn_distance, 1)
    right_last = min(rules.width - 1, previous + rules.max_spawn_distance)
    right_count = max(0, right_last - right_first + 1)
    index = draw_int(streams, i, left_count + right_count)
    return left_first + index if index < left_count else right_first + index - left_count


@njit(cache=True, inline="always")
def new_episode(state: tuple, streams: np.ndarray, rules: tuple, i: int) -> None:
    """The paddle at a random place; one ball on the top row of a random column."""
    state, rules = CatchBallState(*state), CatchBallRules(*rules)
    state.paddle_left[i] = draw_int(streams, i, rules.max_paddle_left + 1)
    state.ball_columns[i, 0] = draw_int(streams, i, rules.width)
    state.balls[i] = 1
    state.steps_since_spawn[i] = 0
    state.catches[i] = 0


@njit(cache=True, inline="always")
def advance(state: tuple, streams: np.ndarray, rules: tuple, i: int, action: int) -> tuple[float, bool, bool]:
    """Move the paddle, drop every ball a row, spawn one every ``spawn_interval`` steps (the oldest
    tracked one, off the board by then, is forgotten); score the ball that reaches the bottom row."""
    state, rules = CatchBallState(*state), CatchBallRules(*rules)
    paddle_left = min(max(state.paddle_left[i] + action - 1, 0), rules.max_paddle_left)
    state.paddle_left[i] = paddle_left
    columns = state.ball_columns
    state.steps_since_spawn[i] += 1
    if state.steps_since_spawn[i] == rules.spawn_interval:
        state.steps_since_spawn[i] = 0
        spawned = next_spawn_column(streams, rules, i, columns[i, 0])
        for j in range(rules.slots - 1, 0, -1):
            columns[i, j] = columns[i, j - 1]
        columns[i, 0] = spawned
        state.balls[i] = min(state.balls[i] + 1, rules.slots)
    if state.steps_since_spawn[i] != rules.landing_phase or state.balls[i] < rules.slots:
        return 0.0, False, False  # no ball on the bottom row
    if paddle_left <= columns[i, rules.slots - 1] < paddle_left + rules.paddle_width:
        state.catches[i] += 1
        return 1.0, False, False
    return -1.0, True, False


@njit(cache=True, inline="always")
def paint(state: tuple, rules: tuple, i: int, canvases: np.ndarray, ink: np.ndarray) -> None:
    """The paddle on the bottom row and the balls over it."""
    state, rules = CatchBallState(*state), CatchBallRules(*rules)
    clear(canvases, i)
    paint_run(canvases, i, rules.height - 1, state.paddle_left[i], rules.paddle_width, ink, PADDLE)
    for j in range(state.balls[i]):
        row = state.steps_since_spawn[i] + j * rules.spawn_interval
        if row < rules.height:
            paint_cell(canvases, i, row, state.ball_columns[i, j], ink, BALL)


@njit(cache=True)
def step_batch(
    state: tuple, streams: np.ndarray, rules: tuple, actions: np.ndarray, modes: np.ndarray,
    canvases: np.ndarray, ink: np.ndarray, rewards: np.ndarray, terminated: np.ndarray, truncated: np.ndarray,
) -> None:  # fmt: skip
    """One vector step (see :class:`~gym_catchgames.core.GameKernels`)."""
    for i in range(modes.size):
        if modes[i] == ADVANCE:
            rewards[i], terminated[i], truncated[i] = advance(state, streams, rules, i, actions[i])
        elif modes[i] == NEW_EPISODE:
            new_episode(state, streams, rules, i)
        paint(state, rules, i, canvases, ink)


class CatchBallEnv(GridGameEnv):
    """
    ## Description

    The multi-ball catch game of yukiB's Keras DQN article (keras-dqn-test, after algolab's tf-dqn-simple):
    balls fall one row per step, a new one appears on the top row every ``spawn_interval`` steps, and a
    3-wide paddle on the bottom row must catch each of them. The game ends at the first miss, so a
    good player keeps catching until the step limit.

    ## Action Space

    ``Discrete(3)``: 0 = move left, 1 = stay, 2 = move right (the paddle stops at the edges).
    The no-op (``NOOP_ACTION``, keyboard play with no key held) is 1 = stay.

    ## Observation Space

    ``obs_type="grid"`` (default): ``Box(0, 1, (height, width), float32)`` with the paddle at 1.0 and
    balls at 0.5, as in yukiB's article. ``obs_type="rgb"``: ``Box(0, 255, (height, width, 3), uint8)``, one
    pixel per cell (paddle blue, balls yellow).
    ``obs_type="flat"``: the grid as one row-major vector, ``Box(0, 1, (height * width,), float32)``,
    on which SB3's ``check_env`` warns nothing (it calls the 2-D grid an unconventional shape).

    ## Rewards

    +1 each time a ball reaches the bottom row above the paddle, -1 for the first ball that misses it,
    0 on other steps.

    ## Starting State

    The paddle's left cell is uniformly random in ``0..width-paddle_width``; one ball is on row 0 in a
    uniformly random column.

    ## Episode End

    Terminated at the first miss. ``CatchBall-v0`` is truncated after 500 steps by the registry's
    ``TimeLimit`` (the article's training limit), which allows at most 98 catches on 16×16.
    ``info["catches"]`` counts the balls caught so far.

    ## Arguments

    ``gymnasium.make("CatchBall-v0", height=16, width=16, paddle_width=3, spawn_interval=5,
    min_spawn_distance=3, max_spawn_distance=6, obs_type="grid", render_mode=None)``. Each new ball's
    column is uniform over the columns ``min_spawn_distance..max_spawn_distance`` away from the
    previous ball's column (the article resampled until the column was valid, which gives the same
    distribution). The article's 8×8 variant is ``height=8, width=8, max_spawn_distance=7``.

    ## Version History

    * v0: the article's rules, with the package's action order (it used 0 = stay, 1 = left,
      2 = right) and the paddle's start uniform over every position (its ``randint(0, C-3)``
      never started it at the right edge).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 8}
    GAME_NAME = "CatchBall"
    ACTION_MEANINGS = ("left", "stay", "right")
    GRID_VALUES: ClassVar[dict[str, float]] = {"paddle": 1.0, "ball": 0.5}
    KEY_ACTIONS: ClassVar[dict[tuple[str, ...], int]] = {("LEFT",): 0, ("RIGHT",): 2}
    NOOP_ACTION = 1  # stay
    NATURAL_SCORE = NaturalScore("catches", info_key="catches")
    KERNELS = GameKernels(new_episode, advance, paint, step_batch)
    State = CatchBallState
    INFO_FIELDS = ("catches",)

    def __init__(
        self,
        height: int = 16,
        width: int = 16,
        paddle_width: int = 3,
        spawn_interval: int = 5,
        min_spawn_distance: int = 3,
        max_spawn_distance: int = 6,
        obs_type: str = "grid",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(height, width, obs_type, render_mode)
        self.paddle_width = check_int("paddle_width", paddle_width, minimum=1, maximum=self.width)
        self.spawn_interval = check_int(
            "spawn_interval", spawn_interval, minimum=1, maximum=MAX_SPAWN_INTERVAL
        )
        # Every column must have a column at least min_spawn_distance away for the next ball.
        farthest = min(max(column, self.width - 1 - column) for column in range(self.width))
        self.min_spawn_distance = check_int(
            f"min_spawn_distance (on a grid of width={self.width})",
            min_spawn_distance,
            minimum=0,
            maximum=farthest,
        )
        self.max_spawn_distance = check_int(
            "max_spawn_distance",
            max_spawn_distance,
            minimum=max(self.min_spawn_distance, 1),
            maximum=MAX_STEP_COUNT,
        )
        #: The largest column of the paddle's left cell (the paddle stays fully on the grid).
        self.max_paddle_left = self.width - self.paddle_width
        slots = -(-self.height // self.spawn_interval)
        self.rules = tuple(
            CatchBallRules(
                self.height,
                self.width,
                self.paddle_width,
                self.max_paddle_left,
                self.spawn_interval,
                self.min_spawn_distance,
                self.max_spawn_distance,
                slots,
                landing_phase=self.height - 1 - (slots - 1) * self.spawn_interval,
            )
        )

    def new_state(self, num_envs: int) -> tuple[np.ndarray, ...]:
        paddle_left, balls, steps_since_spawn, catches = np.zeros((4, num_envs), dtype=np.int64)
        ball_columns = np.zeros((num_envs, CatchBallRules(*self.rules).slots), dtype=np.int64)
        return tuple(CatchBallState(paddle_left, ball_columns, balls, steps_since_spawn, catches))


class CatchBallVectorEnv(GridGameVectorEnv, scalar_env=CatchBallEnv):
    """Natively batched CatchBall: ``gymnasium.make_vec("CatchBall-v0", num_envs=n)``.

    Arguments are the scalar env's plus ``num_envs``, ``max_episode_steps`` (500 from the registry;
    ``None``: no truncation) and ``autoreset_mode`` (Gymnasium's ``NEXT_STEP`` unless ``SAME_STEP`` or
    ``DISABLED``). Sub-env ``i`` after ``reset(seed=s)`` plays exactly the episodes of ``CatchBallEnv``
    after ``reset(seed=s + i)``: both run the same compiled rules. ``render()`` returns the frames of
    the first four sub-envs.
    """
