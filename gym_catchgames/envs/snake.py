"""Snake: eat food, grow, and never hit the wall or yourself (qlearning4k / bitwise-ben's Snake)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, NamedTuple

import numpy as np
from gymnasium.error import ResetNeeded
from numba import njit

from gym_catchgames.core import ADVANCE, NEW_EPISODE, GameKernels, GridGameEnv, paint_cell
from gym_catchgames.random_stream import draw_int
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import MAX_STEP_COUNT, check_choice, check_int
from gym_catchgames.vector import GridGameVectorEnv

#: The smallest grid side: the start (a 3-cell snake through the centre, any heading) fits inside
#: the wall ring.
MIN_SIDE = 7
START_LENGTH = 3
REWARD_MODES = ("food", "length")
UP, RIGHT, DOWN, LEFT, FORWARD = range(5)


class SnakeRules(NamedTuple):
    """The numbers Snake's kernels need (from :class:`SnakeEnv`'s arguments)."""

    height: int
    width: int
    interior_cells: int
    length_reward: bool
    max_steps_without_food: int


class SnakeState(NamedTuple):
    """The state of many Snake games, one entry (or row) a game; cells are ``(row, column)`` pairs.

    The body is a ring buffer of cells per game, from ``body[i, tail_slot[i]]`` on to the head at
    ``body[i, head_slot[i]]``, and ``blocked[i]`` marks the deadly cells of the board, the wall and the
    body, so that a step checks the cell ahead and moves the snake in constant time.
    """

    body: np.ndarray  # (games, interior cells, 2), int16: sides are at most 1024, and a step reads less
    blocked: np.ndarray  # (games, height, width), bool
    food: np.ndarray  # (games, 2); row -1 once the board is full
    tail_slot: np.ndarray
    head_slot: np.ndarray
    length: np.ndarray
    heading: np.ndarray  # UP, RIGHT, DOWN or LEFT
    steps_without_food: np.ndarray


WALL, SNAKE, SNAKE_HEAD, FOOD = 0, 1, 2, 3  # the rows of the ink, in GRID_VALUES's order
#: The change of row and of column of a step towards each heading (up, right, down, left).
ROW_STEPS, COLUMN_STEPS = (-1, 0, 1, 0), (0, 1, 0, -1)


@njit(cache=True, inline="always")
def next_slot(slot: int, rules: SnakeRules) -> int:
    """The slot after ``slot`` in a body's ring buffer."""
    return 0 if slot + 1 == rules.interior_cells else slot + 1


@njit(cache=True, inline="always")
def spawn_food(state: SnakeState, streams: np.ndarray, rules: SnakeRules, i: int) -> None:
    """The food on free interior cell ``randint(number of free cells)`` in row-major order (one draw)."""
    rank = draw_int(streams, i, rules.interior_cells - state.length[i])
    for row in range(1, rules.height - 1):
        for column in range(1, rules.width - 1):
            if not state.blocked[i, row, column]:
                if rank == 0:
                    state.food[i, 0], state.food[i, 1] = row, column
                    return
                rank -= 1


@njit(cache=True, inline="always")
def new_episode(state: tuple, streams: np.ndarray, rules: tuple, i: int) -> None:
    """A 3-cell straight snake with its head on the centre cell and a random heading; then the food."""
    state, rules = SnakeState(*state), SnakeRules(*rules)
    heading = draw_int(streams, i, 4)
    for row in range(rules.height):  # the wall ring is blocked, the interior free
        for column in range(rules.width):
            wall = row == 0 or row == rules.height - 1 or column == 0 or column == rules.width - 1
            state.blocked[i, row, column] = wall
    for slot in range(START_LENGTH):  # from the tail to the head
        back = START_LENGTH - 1 - slot
        row = rules.height // 2 - ROW_STEPS[heading] * back
        column = rules.width // 2 - COLUMN_STEPS[heading] * back
        state.body[i, slot, 0], state.body[i, slot, 1] = row, column
        state.blocked[i, row, column] = True
    state.tail_slot[i] = 0
    state.head_slot[i] = START_LENGTH - 1
    state.length[i] = START_LENGTH
    state.heading[i] = heading
    state.steps_without_food[i] = 0
    spawn_food(state, streams, rules, i)


@njit(cache=True, inline="always")
def advance(state: tuple, streams: np.ndarray, rules: tuple, i: int, action: int) -> tuple[float, bool, bool]:
    """One step, in the order of the class docstring: turn, look ahead, move the tail, move the head, eat."""
    state, rules = SnakeState(*state), SnakeRules(*rules)
    if action != FORWARD and action != (state.heading[i] + 2) % 4:
        state.heading[i] = action
    head_slot, tail_slot = state.head_slot[i], state.tail_slot[i]
    row = state.body[i, head_slot, 0] + ROW_STEPS[state.heading[i]]
    column = state.body[i, head_slot, 1] + COLUMN_STEPS[state.heading[i]]
    tail_row, tail_column = state.body[i, tail_slot, 0], state.body[i, tail_slot, 1]
    # Into the wall or the body is death. The tail's cell is free to enter: the tail leaves it in the
    # same step (a snake that eats keeps its tail, but its head is then on the food, never on it).
    if state.blocked[i, row, column] and not (row == tail_row and column == tail_column):
        return -1.0, True, False
    eats = row == state.food[i, 0] and column == state.food[i, 1]
    if not eats:
        state.blocked[i, tail_row, tail_column] = False
        state.tail_slot[i] = next_slot(tail_slot, rules)
    head_slot = state.head_slot[i] = next_slot(head_slot, rules)
    state.body[i, head_slot, 0], state.body[i, head_slot, 1] = row, column
    state.blocked[i, row, column] = True
    if not eats:
        state.steps_without_food[i] += 1
        return 0.0, False, state.steps_without_food[i] >= rules.max_steps_without_food
    state.length[i] += 1
    state.steps_without_food[i] = 0
    won = state.length[i] == rules.interior_cells
    if won:
        state.food[i, 0] = -1
    else:
        spawn_food(state, streams, rules, i)
    return (float(state.length[i]) if rules.length_reward else 1.0), won, False


@njit(cache=True, inline="always")
def paint(state: tuple, rules: tuple, i: int, canvases: np.ndarray, ink: np.ndarray) -> None:
    """The wall ring, the body from the tail, the head over it and the food."""
    state, rules = SnakeState(*state), SnakeRules(*rules)
    last_row, last_column = rules.height - 1, rules.width - 1
    for channel in range(ink.shape[1]):  # the wall ring and the empty interior, in one pass
        wall = ink[WALL, channel]
        empty = wall - wall
        for column in range(rules.width):
            canvases[i, 0, column, channel] = canvases[i, last_row, column, channel] = wall
        for row in range(1, last_row):
            canvases[i, row, 0, channel] = canvases[i, row, last_column, channel] = wall
            for column in range(1, last_column):
                canvases[i, row, column, channel] = empty
    slot, head_slot = state.tail_slot[i], state.head_slot[i]
    while slot != head_slot:
        paint_cell(canvases, i, state.body[i, slot, 0], state.body[i, slot, 1], ink, SNAKE)
        slot = next_slot(slot, rules)
    paint_cell(canvases, i, state.body[i, slot, 0], state.body[i, slot, 1], ink, SNAKE_HEAD)
    if state.food[i, 0] >= 0:
        paint_cell(canvases, i, state.food[i, 0], state.food[i, 1], ink, FOOD)


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


class SnakeEnv(GridGameEnv):
    """
    ## Description

    The Snake of qlearning4k's second example (after bitwise-ben's Snake): a snake moves one cell per
    step inside a ring of wall, grows by one cell each time it eats the food, and dies when its head
    hits the wall or its own body. A new food appears on a uniformly random free cell after each meal;
    the game is won when the snake fills the whole interior.

    ## Action Space

    ``Discrete(5)``: 0 = up, 1 = right, 2 = down, 3 = left, 4 = forward (keep the current heading).
    Turning back into the neck is impossible: that action is ignored and the snake goes forward (as
    qlearning4k; bitwise-ben's version let it kill itself). The snake never stands still, so the no-op
    (``NOOP_ACTION``, keyboard play with no key held) is 4 = forward: keep going.

    ## Observation Space

    ``obs_type="grid"`` (default): ``Box(0, 1, (height, width), float32)`` with qlearning4k's values, wall
    and body 1.0 (everything deadly), food 0.5, plus the head at 0.75 so that one frame shows which end
    leads. ``obs_type="rgb"``: ``Box(0, 255, (height, width, 3), uint8)``, one pixel per cell.
    ``obs_type="flat"``: the grid as one row-major vector, ``Box(0, 1, (height * width,), float32)``,
    on which SB3's ``check_env`` warns nothing (it calls the 2-D grid an unconventional shape).

    ## Rewards

    ``reward_mode="food"`` (default, the modern convention): +1 per food eaten, -1 on death, 0 otherwise.
    ``reward_mode="length"`` (qlearning4k's): on eating, the snake's new length (4 for the first food),
    -1 on death, 0 otherwise.

    ## Starting State

    A 3-cell straight snake with its head on the centre cell ``(height // 2, width // 2)`` and a heading
    drawn uniformly from the four directions (the body lies behind the head); the food on a uniformly
    random free interior cell.

    ## Episode End

    Terminated on death (the head moves into the wall or the body; the cell the tail leaves in the same
    step is free) and on a win (the snake fills the interior; the last meal's reward is the win's).
    Truncated after ``max_steps_without_food`` steps without eating, so a looping agent cannot stall an
    episode (default ``2 * (height - 2) * (width - 2)``, 128 on 10×10: twice the steps a tour of the whole
    interior takes). ``Snake-v0`` is also truncated after 5,000 steps by the registry's ``TimeLimit``,
    more than a snake that tours the interior needs to fill it (fewer than 64 steps per food on 10×10).
    ``info["length"]`` is the snake's length and ``info["fruit_eaten"]`` the food eaten so far (the
    game's score).

    ## Order of operations in a step

    1. The heading becomes the action's direction, unless the action is ``forward`` or the reverse of
       the heading.
    2. The head's next cell is computed. Into the wall: death. The snake eats if it is the food cell.
    3. Unless eating, the tail leaves its cell. Into the body (what is left of it): death.
    4. The head moves. On eating the snake grows by one and, unless the board is full (a win), the food
       respawns on free cell ``randint(number of free cells)`` in row-major order (one draw).

    ## Arguments

    ``gymnasium.make("Snake-v0", height=10, width=10, reward_mode="food", max_steps_without_food=None,
    obs_type="grid", render_mode=None)``. The sides include the wall ring and must be >= 7.

    ## Version History

    * v0: qlearning4k's rules (reversals ignored, growth at once, the tail's cell free to enter) with the
      head marked in the observation, a heading drawn from all four directions, the modern reward by
      default, a limit on steps without food and a win when the board is full (qlearning4k's food
      respawn looped forever there).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 8}
    GAME_NAME = "Snake"
    ACTION_MEANINGS = ("up", "right", "down", "left", "forward")
    GRID_VALUES: ClassVar[dict[str, float]] = {"wall": 1.0, "snake": 1.0, "snake_head": 0.75, "food": 0.5}
    KEY_ACTIONS: ClassVar[dict[tuple[str, ...], int]] = {
        ("UP",): UP,
        ("RIGHT",): RIGHT,
        ("DOWN",): DOWN,
        ("LEFT",): LEFT,
    }
    NOOP_ACTION = FORWARD  # keep the current heading
    NATURAL_SCORE = NaturalScore("fruit eaten", info_key="fruit_eaten")
    KERNELS = GameKernels(new_episode, advance, paint, step_batch)
    State = SnakeState

    def __init__(
        self,
        height: int = 10,
        width: int = 10,
        reward_mode: str = "food",
        max_steps_without_food: int | None = None,
        obs_type: str = "grid",
        render_mode: str | None = None,
    ) -> None:
        check_int("height", height, minimum=MIN_SIDE)
        check_int("width", width, minimum=MIN_SIDE)
        super().__init__(height, width, obs_type, render_mode)
        self.reward_mode = check_choice("reward_mode", reward_mode, REWARD_MODES)
        self.interior_cells = (self.height - 2) * (self.width - 2)
        if max_steps_without_food is None:
            max_steps_without_food = 2 * self.interior_cells
        self.max_steps_without_food = check_int(
            "max_steps_without_food", max_steps_without_food, minimum=1, maximum=MAX_STEP_COUNT
        )
        self.rules = tuple(
            SnakeRules(
                self.height,
                self.width,
                self.interior_cells,
                self.reward_mode == "length",
                self.max_steps_without_food,
            )
        )

    def new_state(self, num_envs: int) -> SnakeState:
        return SnakeState(
            np.zeros((num_envs, self.interior_cells, 2), dtype=np.int16),
            np.zeros((num_envs, self.height, self.width), dtype=np.bool_),
            np.zeros((num_envs, 2), dtype=np.int64),
            *np.zeros((5, num_envs), dtype=np.int64),
        )

    def info_arrays(self, state: tuple) -> dict[str, np.ndarray]:
        return {"length": state.length.copy(), "fruit_eaten": state.length - START_LENGTH}

    @property
    def head(self) -> tuple[int, int]:
        """The ``(row, col)`` of the snake's head on the grid (used by ``HeadCentredObservation``)."""
        if self._state is None:
            raise ResetNeeded(f"{self.GAME_NAME}: call reset() before reading the head")
        state = SnakeState(*self._state)
        row, column = state.body[0, state.head_slot[0]]
        return int(row), int(column)

    def set_state(
        self,
        *,
        snake: Sequence[tuple[int, int]] | None = None,
        heading: int | None = None,
        food: tuple[int, int] | None = None,
    ) -> None:
        """Set up a position by hand, for tests and debugging (after ``reset()``; ``None``: unchanged).

        ``snake``: its ``(row, column)`` cells from the tail to the head, on the interior; ``heading``:
        0-3 (up, right, down, left), the direction of the last move; ``food``: its ``(row, column)``. The
        count of steps without food goes on; the next observation shows the new position.
        """
        if self._state is None:
            raise ResetNeeded(f"{self.GAME_NAME}: call reset() before set_state()")
        state = SnakeState(*self._state)
        if snake is not None:
            cells = [self._interior_cell(cell) for cell in snake]
            if not 0 < len(cells) == len(set(cells)) < self.interior_cells:
                raise ValueError(f"snake must be distinct cells that leave one free, got {snake!r}")
            state.blocked[0, 1:-1, 1:-1] = False  # the wall stays
            state.blocked[0][tuple(np.transpose(cells))] = True
            state.body[0, : len(cells)] = cells
            state.tail_slot[0] = 0
            state.head_slot[0] = len(cells) - 1
            state.length[0] = len(cells)
        if heading is not None:
            state.heading[0] = check_int("heading", heading, minimum=UP, maximum=LEFT)
        if food is not None:
            state.food[0] = self._interior_cell(food)

    def _interior_cell(self, cell: tuple[int, int]) -> tuple[int, int]:
        """``cell`` as a ``(row, column)`` of ints; a ``ValueError`` if it is not on the interior."""
        row, column = (int(index) for index in cell)
        if not (0 < row < self.height - 1 and 0 < column < self.width - 1):
            raise ValueError(f"{cell!r} is not an interior cell of the {self.height}x{self.width} board")
        return row, column


class SnakeVectorEnv(GridGameVectorEnv, scalar_env=SnakeEnv):
    """Natively batched Snake: ``gymnasium.make_vec("Snake-v0", num_envs=n)``.

    Arguments are the scalar env's plus ``num_envs``, ``max_episode_steps`` (5,000 from the registry;
    ``None``: none) and ``autoreset_mode`` (Gymnasium's ``NEXT_STEP`` unless ``SAME_STEP`` or
    ``DISABLED``). Sub-env ``i`` after ``reset(seed=s)`` plays exactly the episodes of ``SnakeEnv`` after
    ``reset(seed=s + i)``: both run the same compiled rules. ``truncated`` is True after
    ``max_steps_without_food`` steps without a meal or after ``max_episode_steps`` steps. ``render()``
    returns the frames of the first four sub-envs.
    """

    @property
    def heads(self) -> tuple[np.ndarray, np.ndarray]:
        """Each sub-env's head as ``(rows, cols)`` arrays (used by ``VectorHeadCentredObservation``)."""
        state = SnakeState(*self._state)
        return tuple(state.body[np.arange(self.num_envs), state.head_slot].T.astype(np.int64))
