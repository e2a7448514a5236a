"""FruitFetch: bitwise-ben's Fruit game, Catch on a 15×15 grid decided one row above the basket."""

from __future__ import annotations

from gym_catchgames.core import with_defaults
from gym_catchgames.envs.catch import CatchEnv
from gym_catchgames.vector import GridGameVectorEnv

#: Where FruitFetch differs from Catch: only in these defaults of Catch's arguments.
FRUIT_FETCH_DEFAULTS = {"height": 15, "width": 15, "decide_above_basket": True}


class FruitFetchEnv(CatchEnv):
    """
    ## Description

    bitwise-ben's "Fruit" game, from the 2-D fruit fetch deep Q-learning tutorial: a fruit falls from a
    random column of the top row and a 3-wide basket on the bottom row must be under it. Unlike
    :class:`~gym_catchgames.envs.catch.CatchEnv`, the catch is decided as soon as the fruit reaches the
    **penultimate** row, one row above the basket.

    ## Action Space

    ``Discrete(3)``: 0 = move left, 1 = stay, 2 = move right (the tutorial's -1 / 0 / +1 shifted by one).
    The no-op (``NOOP_ACTION``, keyboard play with no key held) is 1 = stay.

    ## Observation Space

    ``obs_type="grid"`` (default): ``Box(0, 1, (height, width), float32)``, 1 at the fruit and the basket
    cells. ``obs_type="rgb"``: ``Box(0, 255, (height, width, 3), uint8)``, one pixel per cell.
    ``obs_type="flat"``: the grid as one row-major vector, ``Box(0, 1, (height * width,), float32)``,
    on which SB3's ``check_env`` warns nothing (it calls the 2-D grid an unconventional shape).

    ## Rewards

    0 while the fruit falls; when it reaches the penultimate row, +1 if its column is one of the
    basket's, else -1.

    ## Starting State

    The fruit is on row 0 in a uniformly random column (``0..width-1``, as the tutorial); the basket's
    left cell is uniformly random in ``0..width-basket_width`` (the tutorial's centre ``1..G-2``).

    ## Episode End

    Terminated when the fruit reaches row ``height - 2``: every episode lasts ``height - 2`` steps
    (13 on the default 15×15 grid). There is no truncation.

    ## Arguments

    Catch-v0's, with defaults ``height=15, width=15, decide_above_basket=True``:
    ``gymnasium.make("FruitFetch-v0", height=15, width=15, basket_width=3, basket_start="random",
    decide_above_basket=True, obs_type="grid", render_mode=None)``. The tutorial's smaller variant is
    ``height=10, width=10``.

    ## Version History

    * v0: the tutorial's rules (15×15 as in its text; its code also ran 10×10). The basket's clipping
      (always fully on the grid) and the fruit's columns are the tutorial's own, so nothing was fixed.
    """

    GAME_NAME = "FruitFetch"
    __init__ = with_defaults(CatchEnv.__init__, **FRUIT_FETCH_DEFAULTS)


class FruitFetchVectorEnv(GridGameVectorEnv, scalar_env=FruitFetchEnv):
    """Natively batched FruitFetch: ``gymnasium.make_vec("FruitFetch-v0", num_envs=n)``.

    As :class:`~gym_catchgames.envs.catch.CatchVectorEnv` (same seeding rule and autoreset), with the
    scalar :class:`FruitFetchEnv`'s rules and defaults.
    """
