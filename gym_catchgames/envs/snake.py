"""Snake: eat food, grow, and never hit the wall or yourself (qlearning4k / bitwise-ben's Snake)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from gym_catchgames.core import GridGameEnv
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import check_choice, check_int
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
    qlearning4k; bitwise-ben's version let it kill itself).

    ## Observation Space

    ``obs_type="grid"`` (default): ``Box(0, 1, (height, width), float32)`` with qlearning4k's values, wall
    and body 1.0 (everything deadly), food 0.5, plus the head at 0.75 so that one frame shows which end
    leads. ``obs_type="rgb"``: ``Box(0, 255, (height, width, 3), uint8)``, one pixel per cell.

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
        (): FORWARD,
    }
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
        self.max_steps_without_food = check_int("max_steps_without_food", max_steps_without_food, minimum=1)
        #: Cells are flat indices ``row * width + column``; the offset of a move up, right, down, left.
        self.moves = (-self.width, 1, self.width, -1)
        wall = np.ones((self.height, self.width), dtype=bool)
        wall[1:-1, 1:-1] = False
        #: ``wall_mask[cell]``: whether a flat cell index is part of the wall ring.
        self._wall_grid, self.wall_mask = wall, wall.ravel()
        # The body as a ring buffer of cells, head at _head_slot, and as an occupancy map.
        self._body = np.zeros(self.interior_cells, dtype=np.int64)
        self._occupied = np.zeros(self.height * self.width, dtype=bool)
        self._occupied_grid = self._occupied.reshape(self.height, self.width)  # a view of the same map
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
        canvas[self._occupied_grid] = ink["snake"]
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
    after ``reset(seed=s + i)``; autoreset is Gymnasium's ``NEXT_STEP``. ``truncated`` is True after
    ``max_steps_without_food`` steps without a meal or after ``max_episode_steps`` steps.

    The snake batches cleanly with the scalar env's own representation, one row per sub-env: the body
    as a ring buffer of cells and an occupancy map. A step moves each head and tail with one indexed
    write per array, and the food respawns on the ``k``-th free cell found with a cumulative sum over the
    boards of the sub-envs that ate.
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
    ) -> None:
        game = SnakeEnv(height, width, reward_mode, max_steps_without_food, obs_type)
        super().__init__(num_envs, game, max_episode_steps=max_episode_steps, render_mode=render_mode)
        self.reward_mode, self.max_steps_without_food = game.reward_mode, game.max_steps_without_food
        self.interior_cells = game.interior_cells
        self._moves = np.array(game.moves)
        self._wall = game.wall_mask
        self._wall_cells = self._env_offsets + np.flatnonzero(game.wall_mask)[:, None]  # (wall cells, N)
        centre = (self.height // 2) * self.width + self.width // 2
        # The start body of each heading, tail to head.
        self._start_bodies = centre - self._moves[:, None] * np.arange(START_LENGTH - 1, -1, -1)
        self._envs = np.arange(self.num_envs)
        self._body = np.zeros((self.num_envs, self.interior_cells), dtype=np.int64)  # ring of cells
        self._occupied = np.zeros((self.num_envs, self.height * self.width), dtype=np.bool_)
        self._head_slot = np.zeros(self.num_envs, dtype=np.int64)
        self._length = np.zeros(self.num_envs, dtype=np.int64)
        self._heading = np.zeros(self.num_envs, dtype=np.int64)
        self._food = np.zeros(self.num_envs, dtype=np.int64)  # -1 once the board is full
        self._steps_without_food = np.zeros(self.num_envs, dtype=np.int64)

    def _new_episodes(self, index: np.ndarray) -> None:
        draws = self._random_ints(index, (4, self.interior_cells - START_LENGTH))
        bodies = self._start_bodies[draws[:, 0]]
        self._occupied[index] = False
        self._occupied[index[:, None], bodies] = True
        self._body[index, :START_LENGTH] = bodies
        self._head_slot[index] = START_LENGTH - 1
        self._length[index] = START_LENGTH
        self._heading[index] = draws[:, 0]
        self._steps_without_food[index] = 0
        self._food[index] = self._free_cell(index, draws[:, 1])

    def _free_cell(self, index: np.ndarray, rank: np.ndarray) -> np.ndarray:
        """The ``rank``-th free interior cell (row-major) of each sub-env in ``index``."""
        free = ~(self._occupied[index] | self._wall)
        return np.argmax(np.cumsum(free, axis=1) > rank[:, None], axis=1)

    def _advance(
        self, actions: np.ndarray, stepping: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        envs, occupied = self._envs, self._occupied
        turning = (actions != FORWARD) & (actions != (self._heading + 2) % 4)
        self._heading = np.where(turning, actions, self._heading)
        head = self._body[envs, self._head_slot] + self._moves[self._heading]
        tail = self._body[envs, (self._head_slot - self._length + 1) % self.interior_cells]
        # Into the wall or the body is death; the tail's cell is free to enter (it leaves it).
        dead = stepping & (self._wall[head] | (occupied[envs, head] & (head != tail)))
        moving = stepping & ~dead
        eats = moving & (head == self._food)
        leaving = moving & ~eats
        occupied[envs[leaving], tail[leaving]] = False
        alive = np.flatnonzero(moving)
        self._head_slot[alive] = (self._head_slot[alive] + 1) % self.interior_cells
        self._body[alive, self._head_slot[alive]] = head[alive]
        occupied[alive, head[alive]] = True
        self._length += eats
        self._steps_without_food += leaving
        self._steps_without_food[eats] = 0
        won = eats & (self._length == self.interior_cells)
        self._food[won] = -1
        eaters = np.flatnonzero(eats & ~won)
        if eaters.size:
            rank = self._random_ints(eaters, (self.interior_cells - self._length[eaters])[:, None])[:, 0]
            self._food[eaters] = self._free_cell(eaters, rank)
        meal = 1.0 if self.reward_mode == "food" else self._length
        reward = np.where(eats, meal, 0.0)
        reward[dead] = -1.0
        truncated = leaving & (self._steps_without_food >= self.max_steps_without_food)
        return reward, dead | won, truncated

    def _paint(self, cells: np.ndarray, ink: dict[str, Any]) -> None:
        cells[self._wall_cells] = ink["wall"]
        cells[self._occupied.ravel()] = ink["snake"]
        cells[self._env_offsets + self._body[self._envs, self._head_slot]] = ink["snake_head"]
        has_food = self._food >= 0
        cells[(self._env_offsets + self._food)[has_food]] = ink["food"]

    def _info_arrays(self) -> dict[str, np.ndarray]:
        return {"length": self._length.copy(), "fruit_eaten": self._length - START_LENGTH}

    def _status(self, i: int) -> str:
        return f"{super()._status(i)}   length {self._length[i]}"
