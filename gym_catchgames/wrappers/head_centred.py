"""Snake's grid seen from its head: the same board, shifted so that the head is always in the middle.

:class:`HeadCentredObservation` wraps one env, :class:`VectorHeadCentredObservation` a vector env of the
game (``gymnasium.make_vec("Snake-v0", n)``) with the same view for every sub-env. Each refuses an env
that already has a head-centred view: it would shift that view by the head's position on the board, which
moves the head off the view's centre.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv, VectorObservationWrapper, VectorWrapper
from gymnasium.vector.utils import batch_space

from gym_catchgames.validation import check_float


def centred_space(space: gym.Space, fill: float) -> tuple[spaces.Box, float]:
    """The ``(2H-1, 2W-1)`` view's space of an ``(H, W)`` grid space, and ``fill`` checked against it."""
    if not isinstance(space, spaces.Box) or len(space.shape) != 2:
        raise ValueError(
            f"HeadCentredObservation needs a 2-D grid observation (obs_type='grid'), got {space}"
        )
    low, high = float(space.low.min()), float(space.high.max())
    fill = check_float("fill (within the observation bounds)", fill, minimum=low, maximum=high)
    height, width = space.shape
    return spaces.Box(low, high, (2 * height - 1, 2 * width - 1), space.dtype), fill


def refuse_centred_twice(env: gym.Env | VectorEnv, name: str) -> None:
    """Raise ``ValueError`` if a head-centred wrapper is already in ``env``'s chain of wrappers.

    Centring again is refused rather than composed: a second wrapper would shift the centred view by the
    head's position on the board, putting the head off centre, and the only correct composition (leave
    the view as it is, padded to ``(4H-3, 4W-3)``) gives the agent nothing new at four times the size.
    """
    inner = env
    while isinstance(inner, gym.Wrapper | VectorWrapper):
        if isinstance(inner, HeadCentredObservation | VectorHeadCentredObservation):
            raise ValueError(
                f"{name} needs an env without a head-centred view, and {env} has one "
                f"({type(inner).__name__}): centring it again would move the head off centre; wrap once"
            )
        inner = inner.env


def centre_on_heads(grids: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill: float) -> np.ndarray:
    """New views of a batch of ``(H, W)`` grids: grid ``i``'s cell ``(r, c)`` lands at
    ``(r - rows[i] + H - 1, c - cols[i] + W - 1)`` of a ``(2H-1, 2W-1)`` view filled with ``fill``."""
    n, height, width = grids.shape
    views = np.full((n, 2 * height - 1, 2 * width - 1), fill, dtype=grids.dtype)
    view_rows = np.arange(height) - rows[:, None] + height - 1  # (n, H)
    view_cols = np.arange(width) - cols[:, None] + width - 1  # (n, W)
    views[np.arange(n)[:, None, None], view_rows[:, :, None], view_cols[:, None, :]] = grids
    return views


class HeadCentredObservation(
    gym.ObservationWrapper[np.ndarray, Any, np.ndarray], gym.utils.RecordConstructorArgs
):
    """Shifts each ``(H, W)`` grid so that the snake's head sits at the centre of a ``(2H-1, 2W-1)`` view.

    The game is unchanged; only what the agent sees moves. In the plain grid "the cell above the head is
    deadly" or "the food is to the left" is a different pattern for each of the head's cells, so a
    Q-network has to learn it once per cell; in the centred view it is one pattern wherever the snake
    is. This is what lets DQN reach 10 fruit per Snake game in a few hundred thousand steps on a CPU
    (``agents/hyperparams/dqn.yml``). Cells of the view outside the board read ``fill`` (default 1.0,
    the wall's value in Snake's grid: everything outside is as deadly as the wall).

    Needs a 2-D grid observation (``obs_type="grid"``) and an environment whose ``unwrapped.head``
    gives the head's ``(row, col)``, as :class:`gym_catchgames.envs.snake.SnakeEnv` does.
    """

    def __init__(self, env: gym.Env, fill: float = 1.0):
        """Wrap ``env`` (a grid observation with a ``head``, not yet head-centred); ``fill`` must lie
        within its bounds."""
        refuse_centred_twice(env, "HeadCentredObservation")
        if not hasattr(type(env.unwrapped), "head"):  # the class: the head is read after reset()
            raise ValueError(
                "HeadCentredObservation needs an environment with a 'head' (row, col) property, as "
                f"Snake-v0 has; {env.unwrapped} has none"
            )
        space, fill = centred_space(env.observation_space, fill)
        gym.utils.RecordConstructorArgs.__init__(self, fill=fill)
        gym.ObservationWrapper.__init__(self, env)
        self.fill = fill
        self.observation_space = space

    def observation(self, observation: np.ndarray) -> np.ndarray:
        """A new view: the grid's cell ``(r, c)`` lands at ``(r - row + H - 1, c - col + W - 1)``."""
        row, col = self.env.unwrapped.head
        return centre_on_heads(observation[None], np.array([row]), np.array([col]), self.fill)[0]


class VectorHeadCentredObservation(VectorObservationWrapper, gym.utils.RecordConstructorArgs):
    """:class:`HeadCentredObservation` for every sub-env of a vector env at once: sub-env ``i`` gets the
    view the scalar wrapper gives the same episode.

    Needs a vector env whose ``unwrapped.heads`` gives each sub-env's head as ``(rows, cols)`` arrays, as
    :class:`gym_catchgames.envs.snake.SnakeVectorEnv` does, in autoreset mode ``NEXT_STEP`` or
    ``DISABLED`` (in ``SAME_STEP`` a finished episode's head is gone before its final view is made).
    """

    def __init__(self, env: VectorEnv, fill: float = 1.0):
        """Wrap ``env`` (a vector env of 2-D grids with ``heads``, not yet head-centred); ``fill`` as for
        the scalar wrapper."""
        refuse_centred_twice(env, "VectorHeadCentredObservation")
        if not hasattr(type(env.unwrapped), "heads"):
            raise ValueError(
                "VectorHeadCentredObservation needs a vector env with 'heads' (rows, cols arrays), as "
                f"gymnasium.make_vec('Snake-v0', n) has; {env.unwrapped} has none"
            )
        mode = AutoresetMode(env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP))
        if mode is AutoresetMode.SAME_STEP:
            raise ValueError(
                "VectorHeadCentredObservation needs autoreset_mode NEXT_STEP or DISABLED, got SAME_STEP "
                "(the final observation's head is gone when the sub-env has already been reset)"
            )
        space, fill = centred_space(env.single_observation_space, fill)
        gym.utils.RecordConstructorArgs.__init__(self, fill=fill)
        VectorObservationWrapper.__init__(self, env)
        self.fill = fill
        self.single_observation_space = space
        self.observation_space = batch_space(space, env.num_envs)

    def observations(self, observations: np.ndarray) -> np.ndarray:
        rows, cols = self.env.unwrapped.heads
        return centre_on_heads(observations, rows, cols, self.fill)
