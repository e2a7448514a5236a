"""Snake: eat food, grow, and never hit the wall or yourself (qlearning4k / bitwise-ben's Snake)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from gymnasium.vector import AutoresetMode

from gym_catchgames.core import GridGameEnv
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import MAX_STEP_COUNT, check_choice, check_int
from gym_catchgames.vector import GridGameVectorEnv, vector_metadata

#: The smallest grid side: the start (a 3-cell snake through the centre, any heading) fits inside
#: the wall ring.
MIN_SIDE = 7
START_LENGTH = 3
REWARD_MODES = ("food", "length")
FORWARD = 4


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
        ("UP",): 0,
        ("RIGHT",): 1,
        ("DOWN",): 2,
        ("LEFT",): 3,
    }
    NOOP_ACTION = FORWARD  # keep the current heading
    NATURAL_SCORE = NaturalScore("fruit eaten", info_key="fruit_eaten")
    PAINTS_EVERY_CELL: ClassVar[bool] = True  # the wall ring image is copied over the whole canvas

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
        #: Cells are flat indices ``row * width + column``; the offset of a move up, right, down, left.
        self.moves = (-self.width, 1, self.width, -1)
        wall = np.ones((self.height, self.width), dtype=bool)
        wall[1:-1, 1:-1] = False
        #: ``wall_mask[cell]``: whether a flat cell index is part of the wall ring.
        self._wall_grid, self.wall_mask = wall, wall.ravel()
        # The body as a ring buffer of cells, head at _head_slot, and as an occupancy map.
        self._body = np.zeros(self.interior_cells, dtype=np.int64)
        self._occupied = np.zeros(self.height * self.width, dtype=bool)
        self._wall_images: dict[int, np.ndarray] = {}
        self._head_slot = 0
        self._length = 0
        self._heading = 0
        self._food = -1  # -1 once the board is full
        self._steps_without_food = 0

    # ----------------------------------------------------------------- rules
    def _new_episode(self) -> None:
        heading = self._random_int(4)
        head = (self.height // 2) * self.width + self.width // 2
        behind = -self.moves[heading]
        self._place_snake([head + behind * (START_LENGTH - 1 - i) for i in range(START_LENGTH)], heading)
        self._spawn_food()

    def _place_snake(self, cells: Sequence[int], heading: int) -> None:
        """Put a snake on the board: ``cells`` are flat indices from the tail to the head."""
        self._occupied[:] = False
        self._occupied[list(cells)] = True
        self._body[: len(cells)] = cells
        self._head_slot = len(cells) - 1
        self._length = len(cells)
        self._heading = heading
        self._steps_without_food = 0

    def _spawn_food(self) -> None:
        """The food on a uniformly random free interior cell (one draw), or nowhere if none is free."""
        free = np.flatnonzero(~(self._occupied | self.wall_mask))
        self._food = int(free[self._random_int(len(free))]) if len(free) else -1

    def _advance(self, action: int) -> tuple[float, bool, bool]:
        if action != FORWARD and action != (self._heading + 2) % 4:
            self._heading = action
        head = int(self._body[self._head_slot]) + self.moves[self._heading]
        tail = int(self._body[(self._head_slot - self._length + 1) % self.interior_cells])
        # Into the wall or the body is death. The tail's cell is free to enter: the tail leaves it in
        # the same step (a snake that eats keeps its tail, but its head is then on the food, never on it).
        if self.wall_mask[head] or (self._occupied[head] and head != tail):
            return -1.0, True, False
        eats = head == self._food
        if not eats:
            self._occupied[tail] = False
            self._length -= 1
        self._head_slot = (self._head_slot + 1) % self.interior_cells
        self._body[self._head_slot] = head
        self._occupied[head] = True
        self._length += 1
        if not eats:
            self._steps_without_food += 1
            return 0.0, False, self._steps_without_food >= self.max_steps_without_food
        self._steps_without_food = 0
        won = self._length == self.interior_cells
        if won:
            self._food = -1
        else:
            self._spawn_food()
        return (1.0 if self.reward_mode == "food" else float(self._length)), won, False

    # ----------------------------------------------------------------- drawing
    def _paint(self, canvas: np.ndarray, ink: dict[str, Any]) -> None:
        walls = self._wall_images.get(canvas.ndim)
        if walls is None:  # the wall ring in this ink, painted once
            walls = self._wall_images[canvas.ndim] = np.zeros_like(canvas)
            walls[self._wall_grid] = ink["wall"]
        canvas[...] = walls
        # A fresh view each time: a stored view would become a separate array in a copy of the env.
        canvas[self._occupied.reshape(self.height, self.width)] = ink["snake"]
        canvas[self.head] = ink["snake_head"]
        if self._food >= 0:
            canvas[divmod(self._food, self.width)] = ink["food"]

    @property
    def head(self) -> tuple[int, int]:
        """The ``(row, col)`` of the snake's head on the grid (used by ``HeadCentredObservation``)."""
        return divmod(int(self._body[self._head_slot]), self.width)

    def _info(self) -> dict[str, Any]:
        return {"length": self._length, "fruit_eaten": self._length - START_LENGTH}

    def _status(self) -> str:
        return f"{super()._status()}   length {self._length}"


class SnakeVectorEnv(GridGameVectorEnv):
    """Natively batched Snake: ``gymnasium.make_vec("Snake-v0", num_envs=n)``.

    Arguments are the scalar env's plus ``num_envs`` and ``max_episode_steps`` (5,000 from the registry;
    ``None``: none). Sub-env ``i`` after ``reset(seed=s)`` plays exactly the episodes of ``SnakeEnv``
    after ``reset(seed=s + i)``; autoreset is Gymnasium's ``NEXT_STEP``
    unless ``autoreset_mode`` (``SAME_STEP``, ``DISABLED``) says otherwise. ``truncated`` is True after
    ``max_steps_without_food`` steps without a meal or after ``max_episode_steps`` steps.

    One row per sub-env holds its board: a map of the deadly cells (wall and body), the painted
    observation, and for each body cell the cell after it towards the head, so the tail follows the body
    with one lookup. Head, tail and food are indices into these rows of all sub-envs together (the
    sub-env's offset included), so a step does no index arithmetic. A step changes at most four cells
    of a board (tail, old head, new head, food), so the painted boards are kept from step to step, only
    those cells are written, and the observation is a copy of them. Each update is one indexed write
    over all sub-envs: the sub-envs whose tail stays send its write to a scratch cell past the boards,
    those that do not move write back what their head's cells hold, so a step costs a fixed few dozen
    array operations. Meals are handled for the sub-envs that ate only: a win when the board is full,
    else the food respawns on the ``k``-th free cell of their boards. A new episode copies its board
    from the four start boards (one per heading) and takes its food from their free cells.
    """

    metadata: ClassVar[dict[str, Any]] = vector_metadata(SnakeEnv)

    def __init__(
        self,
        num_envs: int = 1,
        height: int = 10,
        width: int = 10,
        reward_mode: str = "food",
        max_steps_without_food: int | None = None,
        obs_type: str = "grid",
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    ) -> None:
        game = SnakeEnv(height, width, reward_mode, max_steps_without_food, obs_type)
        super().__init__(
            num_envs,
            game,
            max_episode_steps=max_episode_steps,
            render_mode=render_mode,
            autoreset_mode=autoreset_mode,
        )
        self.reward_mode, self.max_steps_without_food = game.reward_mode, game.max_steps_without_food
        self.interior_cells = game.interior_cells
        n, cells, channels = self.num_envs, self.height * self.width, game.observation_space.shape[2:]
        dtype = game.observation_space.dtype
        moves = np.array(game.moves)
        # By key ``heading * 5 + action``: the new heading's key row (the action's heading, unless the
        # action is forward or a reversal, times 5) and its cell offset.
        turns = [[h if a in (FORWARD, (h + 2) % 4) else a for a in range(5)] for h in range(4)]
        turns = np.array(turns).ravel()
        self._turn_rows, self._turn_moves = turns * 5, moves[turns]
        self._wall_flat = np.flatnonzero(game.wall_mask)
        # The start body of each heading, tail to head, and the start boards a new episode copies.
        centre = (self.height // 2) * self.width + self.width // 2
        self._start_bodies = centre - moves[:, None] * np.arange(START_LENGTH - 1, -1, -1)
        self._start_blocked = np.tile(game.wall_mask, (4, 1))
        self._start_blocked[np.arange(4)[:, None], self._start_bodies] = True
        self._start_free = np.array([np.flatnonzero(~blocked) for blocked in self._start_blocked])
        self._start_boards = np.zeros((4, cells, *channels), dtype=dtype)
        start_cells = self._start_boards.reshape(-1, *channels)
        self._paint_boards(start_cells, game.observation_ink, self._start_blocked, self._start_bodies[:, -1])
        ink = {name: np.asarray(value, dtype=dtype) for name, value in game.observation_ink.items()}
        self._snake_ink, self._head_ink, self._food_ink = ink["snake"], ink["snake_head"], ink["food"]
        # Cells are indices into the flat boards of all sub-envs: ``env_offset + row * width + column``;
        # the maps have one more cell, ``_scratch``, where the sub-envs that change nothing write.
        self._scratch = n * cells
        self._blocked = np.zeros(n * cells + 1, dtype=np.bool_)  # wall and body: the deadly cells
        self._next_cell = np.zeros(n * cells, dtype=np.int64)  # of a body cell: the next towards the head
        self._boards = np.zeros((n * cells + 1, *channels), dtype=dtype)  # the painted observations
        self._head = np.zeros(n, dtype=np.int64)
        self._tail = np.zeros(n, dtype=np.int64)
        self._food = np.zeros(n, dtype=np.int64)  # -1 once the board is full
        self._heading_row = np.zeros(n, dtype=np.int64)  # heading * 5: the row of the turn tables
        self._length = np.zeros(n, dtype=np.int64)
        self._steps_without_food = np.zeros(n, dtype=np.int64)

    def _paint_boards(
        self, cells: np.ndarray, ink: dict[str, Any], blocked: np.ndarray, heads: np.ndarray
    ) -> None:
        """Paint boards from their maps of deadly cells ``blocked`` and their ``heads``, without food."""
        offsets = np.arange(len(heads)) * (self.height * self.width)
        cells[blocked.ravel()] = ink["snake"]
        cells[(offsets[:, None] + self._wall_flat).ravel()] = ink["wall"]
        cells[offsets + heads] = ink["snake_head"]

    def _new_episodes(self, index: np.ndarray) -> None:
        draws = self._random_ints(index, (4, self.interior_cells - START_LENGTH))
        heading = draws[:, 0]
        offsets = self._env_offsets[index]
        bodies = self._start_bodies[heading]
        bodies += offsets[:, None]
        rows = (slice(None) if len(index) == self.num_envs else index, slice(None))
        self._blocked[:-1].reshape(self.num_envs, -1)[rows] = self._start_blocked[heading]
        boards = self._boards[:-1].reshape(self.num_envs, -1, *self._boards.shape[1:])
        boards[rows] = self._start_boards[heading]
        self._next_cell[bodies[:, :-1]] = bodies[:, 1:]
        self._tail[index], self._head[index] = bodies[:, 0], bodies[:, -1]
        self._heading_row[index] = heading * 5
        self._length[index] = START_LENGTH
        self._steps_without_food[index] = 0
        self._food[index] = food = self._start_free[heading, draws[:, 1]] + offsets
        self._boards[food] = self._food_ink

    def _advance(
        self, actions: np.ndarray, stepping: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # The sub-envs not stepping are reset right after: whatever this writes to them is overwritten.
        blocked, boards = self._blocked, self._boards
        key = self._heading_row + actions
        self._heading_row = self._turn_rows[key]
        old_head, tail = self._head, self._tail
        head = old_head + self._turn_moves[key]
        # Into the wall or the body is death; the tail's cell is free to enter (it leaves it).
        dead = blocked[head]
        dead &= head != tail
        moving = np.greater(stepping, dead)  # stepping and not dead
        eats = head == self._food
        eats &= moving
        leaving = moving ^ eats
        # The tail leaves its cell (the others clear the scratch cell), then the head moves (the others
        # write back what their cells hold).
        vacated = np.where(leaving, tail, self._scratch)
        blocked[vacated] = False
        boards[vacated] = 0
        self._tail = np.where(leaving, self._next_cell[tail], tail)
        self._head = head = np.where(moving, head, old_head)
        boards[old_head] = self._snake_ink
        self._next_cell[old_head] = head
        boards[head] = self._head_ink
        blocked[head] = True
        self._length += eats
        self._steps_without_food += leaving
        reward = np.subtract(eats, dead, dtype=np.float64)
        eaters = eats.nonzero()[0]  # as np.flatnonzero, without its Python wrapper's cost
        if eaters.size:
            self._eat(eaters, reward, dead)
        # Only a leaving snake's count grows, and it starts each step below the limit.
        return reward, dead, self._steps_without_food >= self.max_steps_without_food

    def _eat(self, eaters: np.ndarray, reward: np.ndarray, terminated: np.ndarray) -> None:
        """Step 4 for the sub-envs in ``eaters``: a win if the board is full, else the food respawns on
        free cell ``randint(free cells)``."""
        self._steps_without_food[eaters] = 0
        lengths = self._length[eaters]
        if self.reward_mode == "length":
            reward[eaters] = lengths
        if lengths.max() == self.interior_cells:  # rare: someone won, and draws no new food
            won = lengths == self.interior_cells
            terminated[eaters[won]] = True
            self._food[eaters[won]] = -1
            eaters, lengths = eaters[~won], lengths[~won]
            if not eaters.size:
                return
        free_cells = self.interior_cells - lengths
        rank = self._random_ints(eaters, free_cells[:, None])[:, 0]
        free = (~self._blocked[:-1].reshape(self.num_envs, -1)[eaters]).ravel().nonzero()[0]
        # The free cells of eater ``j`` start at position ``sum(free_cells[:j])`` of ``free``, which
        # counts the cells of the boards of ``eaters`` only: shift them to those sub-envs' boards.
        rank += free_cells.cumsum()
        rank -= free_cells
        food = free[rank]
        food += self._env_offsets[eaters]
        food -= self._env_offsets[: len(eaters)]
        self._food[eaters] = food
        self._boards[food] = self._food_ink

    def _observation(self) -> np.ndarray:
        return self._boards[:-1].reshape(self.observation_space.shape).copy()

    def _paint(self, cells: np.ndarray, ink: dict[str, Any]) -> None:
        self._paint_boards(cells, ink, self._blocked[:-1], self._head - self._env_offsets)
        cells[self._food[self._food >= 0]] = ink["food"]

    @property
    def heads(self) -> tuple[np.ndarray, np.ndarray]:
        """Each sub-env's head as ``(rows, cols)`` arrays (used by ``VectorHeadCentredObservation``)."""
        return np.divmod(self._head - self._env_offsets, self.width)

    def _info_arrays(self) -> dict[str, np.ndarray]:
        return {"length": self._length.copy(), "fruit_eaten": self._length - START_LENGTH}

    def _status(self, i: int) -> str:
        return f"{super()._status(i)}   length {self._length[i]}"
