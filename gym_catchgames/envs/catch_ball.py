"""CatchBall: catch ball after ball with a paddle until the first miss (algolab's ALGO GEEKS / yukiB)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium.vector import AutoresetMode

from gym_catchgames.core import GridGameEnv
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import MAX_STEP_COUNT, check_int
from gym_catchgames.vector import GridGameVectorEnv, vector_metadata

#: The longest ``spawn_interval``: far beyond any board's height (a longer one leaves the board empty
#: between balls just the same).
MAX_SPAWN_INTERVAL = 100_000


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
        # The vector env keeps a table with an entry per step of the interval: 10**9 would take 8 GB.
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
        self._paddle_left = 0
        self._balls: list[list[int]] = []  # [row, column], oldest first
        self._last_spawn_column = 0
        self._steps_since_spawn = 0
        self._catches = 0

    def _new_episode(self) -> None:
        self._paddle_left = self._random_int(self.max_paddle_left + 1)
        self._last_spawn_column = self._random_int(self.width)
        self._balls = [[0, self._last_spawn_column]]
        self._steps_since_spawn = 0
        self._catches = 0

    def _advance(self, action: int) -> tuple[float, bool, bool]:
        self._paddle_left = min(max(self._paddle_left + action - 1, 0), self.max_paddle_left)
        for ball in self._balls:
            ball[0] += 1
        if self._balls and self._balls[0][0] >= self.height:  # caught last step: it leaves the board
            self._balls.pop(0)
        self._steps_since_spawn += 1
        if self._steps_since_spawn == self.spawn_interval:
            self._steps_since_spawn = 0
            self._last_spawn_column = self._next_spawn_column(self._last_spawn_column)
            self._balls.append([0, self._last_spawn_column])
        if not self._balls or self._balls[0][0] < self.height - 1:
            return 0.0, False, False
        column = self._balls[0][1]
        if self._paddle_left <= column < self._paddle_left + self.paddle_width:
            self._catches += 1
            return 1.0, False, False
        return -1.0, True, False

    def _next_spawn_column(self, previous: int) -> int:
        """Uniform over the columns ``min..max_spawn_distance`` away from ``previous``, left ones first."""
        left_first = max(0, previous - self.max_spawn_distance)
        left_count = max(0, previous - self.min_spawn_distance - left_first + 1)
        right_first = previous + max(self.min_spawn_distance, 1)
        right_count = max(0, min(self.width - 1, previous + self.max_spawn_distance) - right_first + 1)
        index = self._random_int(left_count + right_count)
        return left_first + index if index < left_count else right_first + index - left_count

    def _paint(self, canvas: np.ndarray, ink: dict[str, Any]) -> None:
        canvas[-1, self._paddle_left : self._paddle_left + self.paddle_width] = ink["paddle"]
        for row, column in self._balls:
            canvas[row, column] = ink["ball"]

    def _info(self) -> dict[str, Any]:
        return {"catches": self._catches}

    def _status(self) -> str:
        return f"{super()._status()}   catches {self._catches}"


def spawn_choices(previous: int, width: int, min_distance: int, max_distance: int) -> list[int]:
    """The columns a new ball may spawn in after one in ``previous``, left ones first: those
    ``min_distance..max_distance`` away (:meth:`CatchBallEnv._next_spawn_column` picks one of them)."""
    left_first = max(0, previous - max_distance)
    right_first = previous + max(min_distance, 1)
    right_end = min(width - 1, previous + max_distance) + 1
    return list(range(left_first, previous - min_distance + 1)) + list(range(right_first, right_end))


class CatchBallVectorEnv(GridGameVectorEnv):
    """Natively batched CatchBall: ``gymnasium.make_vec("CatchBall-v0", num_envs=n)``.

    Arguments are the scalar env's plus ``num_envs`` and ``max_episode_steps`` (500 from the registry;
    ``None``: no truncation). Sub-env ``i`` after ``reset(seed=s)`` plays exactly the episodes of
    ``CatchBallEnv`` after ``reset(seed=s + i)``; autoreset is Gymnasium's ``NEXT_STEP``
    unless ``autoreset_mode`` (``SAME_STEP``, ``DISABLED``) says otherwise.

    The balls batch cleanly because they all fall one row per step and one spawns every
    ``spawn_interval`` steps: the ``j``-th newest ball is on row ``phase + j * spawn_interval``, where
    ``phase`` counts the steps since the last spawn. So the state is the paddle, a key
    ``phase * (slots + 1) + balls`` (``balls``: the balls spawned, counted up to the ``slots`` the board
    can hold) and the balls' columns, newest first, with no list of balls to loop over. Which balls are
    on the board, on which row, and which one lands depend only on the key, and the next ball's column
    only on the previous one's and a draw, so they are looked up in small tables. A step is a fixed few
    dozen array operations over all sub-envs, plus the spawns of the sub-envs whose phase is up. The
    observation is painted in two writes: the balls above the bottom row (the others are sent to the
    bottom row) and then the whole bottom row, copied from a table of bottom rows by paddle position
    and landing ball. Arrays over sub-envs keep them on their last axis: NumPy's loops then run along
    thousands of elements, not a handful.
    """

    metadata: ClassVar[dict[str, Any]] = vector_metadata(CatchBallEnv)

    def __init__(
        self,
        num_envs: int = 1,
        height: int = 16,
        width: int = 16,
        paddle_width: int = 3,
        spawn_interval: int = 5,
        min_spawn_distance: int = 3,
        max_spawn_distance: int = 6,
        obs_type: str = "grid",
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    ) -> None:
        game = CatchBallEnv(
            height, width, paddle_width, spawn_interval, min_spawn_distance, max_spawn_distance, obs_type
        )
        super().__init__(
            num_envs,
            game,
            max_episode_steps=max_episode_steps,
            render_mode=render_mode,
            autoreset_mode=autoreset_mode,
        )
        self.paddle_width, self.spawn_interval = game.paddle_width, game.spawn_interval
        self.min_spawn_distance, self.max_spawn_distance = game.min_spawn_distance, game.max_spawn_distance
        self._max_left = game.max_paddle_left
        n, slots = self.num_envs, -(-self.height // self.spawn_interval)  # the most balls on the board
        self._slots = slots
        # The paddle's left cell after (left, action), at ``left * 3 + action``.
        moved = np.arange(self._max_left + 1)[:, None] + np.arange(3) - 1
        self._paddle_after = np.clip(moved, 0, self._max_left).ravel()
        # Tables by ``key = phase * (slots + 1) + balls`` (balls spawned and tracked, 1..slots), slot j
        # at ``key + j * keys``: the flat offset of its row (the bottom row's when it is not on the board
        # above it), the slot of the ball on the bottom row (``slots``, whose column is ``width``, when
        # none lands) and the key after a spawn. Phase ``spawn_interval`` is only reached by sub-envs
        # about to be reset.
        keys = (self.spawn_interval + 1) * (slots + 1)
        self._spawn_key = self.spawn_interval * (slots + 1)  # the keys from here on spawn
        phase, balls = np.divmod(np.arange(keys), slots + 1)
        rows = phase + np.arange(slots)[:, None] * self.spawn_interval  # (slots, keys)
        on_board = (np.arange(slots)[:, None] < balls) & (rows < self.height) & (phase < self.spawn_interval)
        landing = on_board & (rows == self.height - 1)
        self._slot_keys = np.arange(slots)[:, None] * keys
        self._ball_rows = (np.where(on_board & ~landing, rows, self.height - 1) * self.width).ravel()
        self._lands = landing.any(axis=0)
        self._landing_slot = np.where(self._lands, landing.argmax(axis=0), slots) * n
        self._key_after_spawn = np.minimum(balls + 1, slots)
        self._older_slots = np.arange(slots - 1)[:, None] * n  # flat offsets of slots 0..slots-2
        # The next ball's column: how many columns each previous column allows, and which.
        choices = [
            spawn_choices(previous, self.width, self.min_spawn_distance, self.max_spawn_distance)
            for previous in range(self.width)
        ]
        self._spawn_counts = np.array([len(columns) for columns in choices])
        self._choice_stride = int(self._spawn_counts.max())
        self._spawn_columns = np.zeros((self.width, self._choice_stride), dtype=np.int64)
        for previous, columns in enumerate(choices):
            self._spawn_columns[previous, : len(columns)] = columns
        self._spawn_columns = self._spawn_columns.ravel()
        self._bottom_rows = self._bottom_row_images(game.observation_ink)
        self._envs = np.arange(n)
        self._paddle_left = np.zeros(n, dtype=np.int64)
        self._key = np.zeros(n, dtype=np.int64)
        # Row j < slots: the j-th newest ball's column; row ``slots``: ``width``, the column of no ball.
        self._ball_columns = np.zeros((slots + 1, n), dtype=np.int64)
        self._ball_columns[-1] = self.width
        self._catches = np.zeros(n, dtype=np.int64)

    def _bottom_row_images(self, ink: dict[str, Any]) -> np.ndarray:
        """The bottom row for each paddle position ``left`` and column ``c`` of the ball on it (``width``
        for none), at ``left * (width + 1) + c``: the paddle, and the ball over it."""
        paddle = np.asarray(ink["paddle"])
        shape = (self._max_left + 1, self.width + 1, self.width + 1, *paddle.shape)
        rows = np.zeros(shape, dtype=paddle.dtype)
        for left in range(self._max_left + 1):
            rows[left, :, left : left + self.paddle_width] = ink["paddle"]
        columns = np.arange(self.width)
        rows[:, columns, columns] = ink["ball"]
        return rows[:, :, : self.width].reshape(-1, self.width, *paddle.shape)

    def _new_episodes(self, index: np.ndarray) -> None:
        draws = self._random_ints(index, (self._max_left + 1, self.width))
        self._paddle_left[index] = draws[:, 0]
        self._ball_columns[0, index] = draws[:, 1]
        self._key[index] = 1  # phase 0, one ball
        self._catches[index] = 0

    def _advance(self, actions: np.ndarray, stepping: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
        paddle = self._paddle_left * 3
        paddle += actions
        self._paddle_left = paddle = self._paddle_after[paddle]
        key = self._key
        key += self._slots + 1
        spawning = key >= self._spawn_key
        spawning &= stepping
        spawning = spawning.nonzero()[0]  # as np.flatnonzero, without its Python wrapper's cost
        if spawning.size:
            self._spawn_balls(spawning)
        # No ball lands where the landing slot is ``slots``: its column ``width`` is off every paddle.
        column = self._ball_columns.ravel()[self._landing_slot[key] + self._envs]
        caught = (column - paddle).view(np.uint64) < self.paddle_width
        missed = np.greater(self._lands[key], caught)
        self._catches += caught
        return np.subtract(caught, missed, dtype=np.float64), missed, None

    def _spawn_balls(self, index: np.ndarray) -> None:
        """A new ball on row 0 for the sub-envs in ``index``, at a column drawn from the previous ball's."""
        columns = self._ball_columns.ravel()
        previous = columns[index]
        choice = self._random_ints(index, self._spawn_counts[previous][:, None])[:, 0]
        older = self._older_slots + index  # the balls move one slot on, the oldest leaves
        columns[older + self.num_envs] = columns[older]
        columns[index] = self._spawn_columns[previous * self._choice_stride + choice]
        self._key[index] = self._key_after_spawn[self._key[index]]

    def _paint(self, cells: np.ndarray, ink: dict[str, Any]) -> None:
        key = self._key
        balls = self._ball_rows[key + self._slot_keys]
        balls += self._ball_columns[:-1]
        balls += self._env_offsets
        cells[balls] = ink["ball"]  # those not on the board above the bottom row are drawn on it ...
        bottom = self._ball_columns.ravel()[self._landing_slot[key] + self._envs]
        bottom += self._paddle_left * (self.width + 1)
        rows = self._bottom_rows if ink is self.game.observation_ink else self._bottom_row_images(ink)
        board_rows = cells.reshape(self.num_envs, self.height, self.width, *cells.shape[1:])
        board_rows[:, -1] = rows[bottom]  # ... and painted over with the whole bottom row

    def _info_arrays(self) -> dict[str, np.ndarray]:
        return {"catches": self._catches.copy()}

    def _status(self, i: int) -> str:
        return f"{super()._status(i)}   catches {self._catches[i]}"
