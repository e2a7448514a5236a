"""Catch: move a basket to catch one falling fruit (the "Keras plays catch" game)."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

import numpy as np
from numba import njit

from gym_catchgames.core import ADVANCE, NEW_EPISODE, GameKernels, GridGameEnv, clear, paint_cell, paint_run
from gym_catchgames.random_stream import draw_int
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import check_bool, check_choice, check_int
from gym_catchgames.vector import GridGameVectorEnv

BASKET_STARTS = ("random", "center")


class CatchRules(NamedTuple):
    """The numbers Catch's kernels need (from :class:`CatchEnv`'s arguments)."""

    width: int
    basket_width: int
    random_basket_start: bool
    decision_row: int
    max_basket_left: int


class CatchState(NamedTuple):
    """The state of many Catch games, one entry a game."""

    fruit_row: np.ndarray
    fruit_column: np.ndarray
    basket_left: np.ndarray


BASKET, FRUIT = 0, 1  # the rows of the ink, in GRID_VALUES's order


@njit(cache=True, inline="always")
def new_episode(state: tuple, streams: np.ndarray, rules: tuple, i: int) -> None:
    """The fruit on the top row of a random column; the basket at a random or the central place."""
    state, rules = CatchState(*state), CatchRules(*rules)
    state.fruit_row[i] = 0
    state.fruit_column[i] = draw_int(streams, i, rules.width)
    if rules.random_basket_start:
        state.basket_left[i] = draw_int(streams, i, rules.max_basket_left + 1)
    else:
        state.basket_left[i] = rules.max_basket_left // 2


@njit(cache=True, inline="always")
def advance(state: tuple, streams: np.ndarray, rules: tuple, i: int, action: int) -> tuple[float, bool, bool]:
    """Move the basket (it stays on the grid), drop the fruit a row; on the decision row, score it."""
    state, rules = CatchState(*state), CatchRules(*rules)
    left = min(max(state.basket_left[i] + action - 1, 0), rules.max_basket_left)
    state.basket_left[i] = left
    state.fruit_row[i] += 1
    if state.fruit_row[i] < rules.decision_row:
        return 0.0, False, False
    caught = left <= state.fruit_column[i] < left + rules.basket_width
    return (1.0 if caught else -1.0), True, False


@njit(cache=True, inline="always")
def paint(state: tuple, rules: tuple, i: int, canvases: np.ndarray, ink: np.ndarray) -> None:
    """The basket on the bottom row and the fruit over everything."""
    state, rules = CatchState(*state), CatchRules(*rules)
    clear(canvases, i)
    bottom_row = canvases.shape[1] - 1
    paint_run(canvases, i, bottom_row, state.basket_left[i], rules.basket_width, ink, BASKET)
    paint_cell(canvases, i, state.fruit_row[i], state.fruit_column[i], ink, FRUIT)


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
    KERNELS = GameKernels(new_episode, advance, paint, step_batch)
    State = CatchState

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
        self.rules = tuple(
            CatchRules(
                self.width,
                self.basket_width,
                self.basket_start == "random",
                self.decision_row,
                self.max_basket_left,
            )
        )

    def new_state(self, num_envs: int) -> tuple[np.ndarray, ...]:
        return tuple(np.zeros((len(CatchState._fields), num_envs), dtype=np.int64))


class CatchVectorEnv(GridGameVectorEnv, scalar_env=CatchEnv):
    """Natively batched Catch: ``gymnasium.make_vec("Catch-v0", num_envs=n)``.

    Arguments are the scalar env's plus ``num_envs``, ``max_episode_steps`` (truncation; ``None``: none)
    and ``autoreset_mode`` (Gymnasium's ``NEXT_STEP`` unless ``SAME_STEP`` or ``DISABLED``). Sub-env ``i``
    after ``reset(seed=s)`` plays exactly the episodes of ``CatchEnv`` after ``reset(seed=s + i)``: both
    run the same compiled rules. ``render()`` returns the frames of the first four sub-envs.
    """
