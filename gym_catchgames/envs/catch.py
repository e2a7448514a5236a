"""Catch: move a basket to catch one falling fruit (the "Keras plays catch" game)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium.vector import AutoresetMode

from gym_catchgames.core import GridGameEnv
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import check_bool, check_choice, check_int
from gym_catchgames.vector import GridGameVectorEnv, vector_metadata

BASKET_STARTS = ("random", "center")


class CatchEnv(GridGameEnv):
    """
    ## Description

    A fruit falls from a random column of the top row, one row per step, and the player moves a basket
    along the bottom row to catch it. This is the game of Eder Santana's "Keras plays catch" and of
    qlearning4k, with the original's asymmetries fixed (see Version History). With
    ``height=10, width=5, basket_width=1, basket_start="center"`` it is bsuite's Catch; with
    ``decide_above_basket=True`` it is bitwise-ben's Fruit (``FruitFetch-v0``).

    ## Action Space

    ``Discrete(3)``: 0 = move left, 1 = stay, 2 = move right (one column; the basket stops at the
    edges of the grid). The no-op (``NOOP_ACTION``, keyboard play with no key held) is 1 = stay.

    ## Observation Space

    ``obs_type="grid"`` (default): ``Box(0, 1, (height, width), float32)`` with 1 at the fruit and at
    the basket cells, 0 elsewhere, as in qlearning4k. ``obs_type="rgb"``: ``Box(0, 255, (height, width, 3),
    uint8)``, one pixel per cell in the renderer's colours (fruit red, basket blue, background black).
    ``obs_type="flat"``: the grid as one row-major vector, ``Box(0, 1, (height * width,), float32)``,
    on which SB3's ``check_env`` warns nothing (it calls the 2-D grid an unconventional shape).

    ## Rewards

    0 while the fruit falls; on the last step +1 if the fruit lands on the basket, else -1. The natural
    score is the catch rate: the share of episodes (in percent) whose return is +1.

    ## Starting State

    The fruit is on row 0 in a uniformly random column (``0..width-1``); the basket's left cell is
    uniformly random in ``0..width-basket_width`` (``basket_start="random"``) or centred at
    ``(width - basket_width) // 2`` (``basket_start="center"``).

    ## Episode End

    Terminated when the fruit reaches the bottom row, so every episode lasts exactly ``height - 1``
    steps (with ``decide_above_basket=True``: the row above it, ``height - 2`` steps). There is no
    truncation.

    ## Arguments

    ``gymnasium.make("Catch-v0", height=10, width=10, basket_width=3, basket_start="random",
    decide_above_basket=False, obs_type="grid", render_mode=None)``; the grid sides must be >= 3 and the
    basket must fit on it. ``decide_above_basket=True`` decides the catch when the fruit reaches the row
    above the basket (bitwise-ben's rule) rather than the basket's row.

    ## Version History

    * v0: the original rules with two fixes. The original fruit never fell in the last column
      (``randint(0, N-1)``) and the basket could poke one cell off the right edge (its centre was
      clipped to ``[1, N-1]``) but not off the left one; here the fruit may fall in every column and the
      basket always stays fully on the grid. Grid size, basket width and start, and the row at which
      the catch is decided, are arguments.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 5}
    GAME_NAME = "Catch"
    ACTION_MEANINGS = ("left", "stay", "right")
    GRID_VALUES: ClassVar[dict[str, float]] = {"basket": 1.0, "fruit": 1.0}
    KEY_ACTIONS: ClassVar[dict[tuple[str, ...], int]] = {("LEFT",): 0, ("RIGHT",): 2}
    NOOP_ACTION = 1  # stay
    NATURAL_SCORE = NaturalScore("catch rate %", percent_won=True)

    def __init__(
        self,
        height: int = 10,
        width: int = 10,
        basket_width: int = 3,
        basket_start: str = "random",
        decide_above_basket: bool = False,
        obs_type: str = "grid",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(height, width, obs_type, render_mode)
        self.basket_width = check_int("basket_width", basket_width, minimum=1, maximum=self.width)
        self.basket_start = check_choice("basket_start", basket_start, BASKET_STARTS)
        self.decide_above_basket = check_bool("decide_above_basket", decide_above_basket)
        #: The row whose arrival decides the catch (and ends the episode).
        self.decision_row = self.height - 1 - int(self.decide_above_basket)
        #: The largest column of the basket's left cell (the basket stays fully on the grid).
        self.max_basket_left = self.width - self.basket_width
        self._fruit_row = self._fruit_col = self._basket_left = 0

    def _new_episode(self) -> None:
        self._fruit_row = 0
        self._fruit_col = self._random_int(self.width)
        if self.basket_start == "random":
            self._basket_left = self._random_int(self.max_basket_left + 1)
        else:
            self._basket_left = self.max_basket_left // 2

    def _advance(self, action: int) -> tuple[float, bool, bool]:
        self._basket_left = min(max(self._basket_left + action - 1, 0), self.max_basket_left)
        self._fruit_row += 1
        if self._fruit_row < self.decision_row:
            return 0.0, False, False
        caught = self._basket_left <= self._fruit_col < self._basket_left + self.basket_width
        return (1.0 if caught else -1.0), True, False

    def _paint(self, canvas: np.ndarray, ink: dict[str, Any]) -> None:
        left = self._basket_left
        canvas[-1, left : left + self.basket_width] = ink["basket"]
        canvas[self._fruit_row, self._fruit_col] = ink["fruit"]


class CatchVectorEnv(GridGameVectorEnv):
    """Natively batched Catch: ``gymnasium.make_vec("Catch-v0", num_envs=n)``.

    The state of all ``num_envs`` games lives in three integer arrays, so a step costs a few NumPy
    operations whatever ``num_envs`` is. Arguments are the scalar env's plus ``num_envs`` and
    ``max_episode_steps`` (truncation; ``None``: none). Sub-env ``i`` after ``reset(seed=s)`` plays exactly
    the episodes of ``CatchEnv`` after ``reset(seed=s + i)``; autoreset is Gymnasium's ``NEXT_STEP``
    unless ``autoreset_mode`` (``SAME_STEP``, ``DISABLED``) says otherwise.
    ``render()`` returns the frames of the first four sub-envs.
    """

    metadata: ClassVar[dict[str, Any]] = vector_metadata(CatchEnv)
    SCALAR_ENV: ClassVar[type[CatchEnv]] = CatchEnv

    def __init__(
        self,
        num_envs: int = 1,
        height: int = 10,
        width: int = 10,
        basket_width: int = 3,
        basket_start: str = "random",
        decide_above_basket: bool = False,
        obs_type: str = "grid",
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    ) -> None:
        game = self.SCALAR_ENV(height, width, basket_width, basket_start, decide_above_basket, obs_type)
        super().__init__(
            num_envs,
            game,
            max_episode_steps=max_episode_steps,
            render_mode=render_mode,
            autoreset_mode=autoreset_mode,
        )
        self.basket_width, self.basket_start = game.basket_width, game.basket_start
        self.decide_above_basket = game.decide_above_basket
        #: Bounds of a new episode's draws, in the scalar env's order: fruit column, then basket.
        self._episode_draw_bounds = (self.width, game.max_basket_left + 1)[
            : 2 if self.basket_start == "random" else 1
        ]
        # The fruit as its flat cell index in the batched observation (row and column in one number).
        self._fruit_cell = np.zeros(self.num_envs, dtype=np.int64)
        self._fruit_col = np.zeros(self.num_envs, dtype=np.int64)
        self._basket_left = np.zeros(self.num_envs, dtype=np.int64)
        self._bottom_row_cells = self._cell_index(self.height - 1, 0)
        self._decision_row_cells = self._cell_index(game.decision_row, 0)

    def _new_episodes(self, index: np.ndarray) -> None:
        draws = self._random_ints(index, self._episode_draw_bounds)
        self._fruit_col[index] = draws[:, 0]
        self._fruit_cell[index] = self._env_offsets[index] + draws[:, 0]
        self._basket_left[index] = (
            draws[:, 1] if self.basket_start == "random" else self.game.max_basket_left // 2
        )

    def _advance(self, actions: np.ndarray, stepping: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
        basket = self._basket_left + actions
        basket -= 1
        np.maximum(basket, 0, out=basket)
        self._basket_left = np.minimum(basket, self.game.max_basket_left, out=basket)
        self._fruit_cell += self.width
        terminated = self._fruit_cell >= self._decision_row_cells
        # basket <= fruit column < basket + basket_width, in one unsigned comparison
        caught = (self._fruit_col - basket).view(np.uint64) < self.basket_width
        caught &= terminated
        return np.subtract(caught, terminated ^ caught, dtype=np.float64), terminated, None

    def _paint(self, cells: np.ndarray, ink: dict[str, Any]) -> None:
        self._paint_runs(cells, self._bottom_row_cells + self._basket_left, self.basket_width, ink["basket"])
        cells[self._fruit_cell] = ink["fruit"]
