"""Ready-made Atari pipelines (ale-py) with the motion-trace observation of the Breakout tutorial."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
from gymnasium.vector import AutoresetMode

from gym_catchgames.dependencies import require
from gym_catchgames.wrappers import LifeLossInfo
from gym_catchgames.wrappers.motion_trace import MotionTraceObservation
from gym_catchgames.wrappers.vector_motion_trace import VectorMotionTraceObservation

ale_py = require("ale_py", "gym_catchgames.atari (Atari games)")

#: The tutorial's state size: half of the Atari screen (210 x 160) along both axes.
TUTORIAL_SIZE = (105, 80)


def make_atari(
    env_id: str,
    *,
    frameskip: int | tuple[int, int] = 4,
    repeat_action_probability: float = 0.25,
    size: Sequence[int] | None = TUTORIAL_SIZE,
    threshold: float = 20.0,
    decay: float = 0.75,
    **make_kwargs: Any,
) -> gym.Env:
    """An ale-py game with life-loss info and a motion-trace observation, ``uint8 (105, 80, 2)``.

    The defaults are ALE's v5 protocol (Machado et al., 2018): each action repeated for
    ``frameskip=4`` frames and, with ``repeat_action_probability=0.25``, the previous action repeated
    instead (sticky actions). The tutorial's old ``Breakout-v0`` drew the skip from {2, 3, 4} each step:
    pass ``frameskip=(2, 5)`` for that. ``info["lives"]`` and ``info["life_lost"]``
    (see :class:`LifeLossInfo`) come with every step; the episode ends only at game over.
    ``make_kwargs`` go to ``gymnasium.make`` (for instance ``render_mode`` or
    ``max_num_frames_per_episode``).
    """
    env = _ale_env(env_id, frameskip, repeat_action_probability, make_kwargs)
    return MotionTraceObservation(env, threshold=threshold, decay=decay, size=size)


def make_atari_vector(
    env_id: str,
    num_envs: int,
    *,
    frameskip: int | tuple[int, int] = 4,
    repeat_action_probability: float = 0.25,
    size: Sequence[int] | None = TUTORIAL_SIZE,
    threshold: float = 20.0,
    decay: float = 0.75,
    exact: bool = False,
    autoreset_mode: AutoresetMode = AutoresetMode.NEXT_STEP,
    **make_kwargs: Any,
) -> gym.vector.VectorEnv:
    """``num_envs`` of :func:`make_atari`'s games in a ``SyncVectorEnv``, traced all at once by
    :class:`~gym_catchgames.wrappers.VectorMotionTraceObservation`: sub-env ``i`` sees what
    ``make_atari`` would show it, ``uint8 (num_envs, 105, 80, 2)`` per step. Takes ``make_atari``'s
    arguments, plus ``exact`` (the wrapper's) and ``autoreset_mode`` (the ``SyncVectorEnv``'s).
    """
    envs = gym.vector.SyncVectorEnv(
        [lambda: _ale_env(env_id, frameskip, repeat_action_probability, make_kwargs)] * num_envs,
        autoreset_mode=autoreset_mode,
    )
    return VectorMotionTraceObservation(envs, threshold=threshold, decay=decay, size=size, exact=exact)


def _ale_env(
    env_id: str,
    frameskip: int | tuple[int, int],
    repeat_action_probability: float,
    make_kwargs: dict[str, Any],
) -> gym.Env:
    """The ale-py game with life-loss info, before the motion trace."""
    gym.register_envs(ale_py)
    env = gym.make(
        env_id, frameskip=frameskip, repeat_action_probability=repeat_action_probability, **make_kwargs
    )
    return LifeLossInfo(env)


def make_breakout(**kwargs: Any) -> gym.Env:
    """``ALE/Breakout-v5`` through :func:`make_atari`, as in the tutorial; takes the same arguments."""
    return make_atari("ALE/Breakout-v5", **kwargs)


def make_breakout_vector(num_envs: int, **kwargs: Any) -> gym.vector.VectorEnv:
    """``ALE/Breakout-v5`` through :func:`make_atari_vector`; takes the same arguments."""
    return make_atari_vector("ALE/Breakout-v5", num_envs, **kwargs)
