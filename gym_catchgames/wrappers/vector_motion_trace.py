"""The motion trace for vector envs: every sub-env's observation traced at once, in batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
from gymnasium.vector.utils import batch_space

from gym_catchgames.wrappers.motion_trace import MotionTracer


class VectorMotionTraceObservation(VectorWrapper, gym.utils.RecordConstructorArgs):
    """:class:`~gym_catchgames.wrappers.MotionTraceObservation` for every sub-env of a vector env at once.

    Sub-env ``i`` gets exactly the observations that ``MotionTraceObservation`` would give it inside
    the same vector env, ``uint8 (height, width, 2)`` each, batched to ``(num_envs, height, width, 2)``;
    the arguments (``threshold``, ``decay``, ``size``, ``exact``) are the same. The gray frames and the
    traces of all sub-envs are computed together, as one tall image wherever that gives the same numbers,
    so a batch costs far fewer calls than one wrapper per sub-env.

    A sub-env's trace starts again wherever its episode does, in each of Gymnasium's autoreset modes
    (read from ``env.metadata["autoreset_mode"]``, ``NEXT_STEP`` if absent):

    * ``NEXT_STEP``: on the step after an episode ended, whose observation is the reset one;
    * ``SAME_STEP``: on the step an episode ends; ``info["final_obs"]`` is traced first, continuing the
      old trace, so it is the final observation the scalar wrapper would give;
    * ``DISABLED`` (and any mode): on ``reset(options={"reset_mask": mask})`` for the sub-envs in
      ``mask``; the others keep their traces and get their last observation again.

    Works over the package's native vector envs, ``SyncVectorEnv``/``AsyncVectorEnv`` over image envs,
    and ale-py's ``AtariVectorEnv`` with RGB or gray frames and ``stack_num=1`` (a leading frame-stack
    axis of length 1 is dropped). See :func:`gym_catchgames.atari.make_atari_vector` for Breakout.
    """

    def __init__(
        self,
        env: VectorEnv,
        threshold: float = 20.0,
        decay: float = 0.75,
        size: Sequence[int] | None = None,
        exact: bool = False,
    ) -> None:
        """Wrap ``env``; raises the scalar wrapper's errors for bad arguments and unsupported spaces."""
        gym.utils.RecordConstructorArgs.__init__(
            self, threshold=threshold, decay=decay, size=size, exact=exact
        )
        VectorWrapper.__init__(self, env)
        single = _without_stack_axis(env.single_observation_space)
        self._tracer = MotionTracer(single, env.num_envs, threshold, decay, size, exact)
        self.threshold, self.decay, self.exact = self._tracer.threshold, self._tracer.decay, exact
        self.single_observation_space = self._tracer.observation_space
        self.observation_space = batch_space(self.single_observation_space, env.num_envs)
        self._autoreset_mode = AutoresetMode(env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP))
        self._ended = np.zeros(env.num_envs, dtype=np.bool_)  # episodes that ended on the last step

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the sub-envs (all, or those of ``options["reset_mask"]``) and start their traces again."""
        mask = None if options is None else options.get("reset_mask")  # SyncVectorEnv pops it
        observations, infos = self.env.reset(seed=seed, options=options)
        if mask is None:
            self._tracer.restart()
            self._ended[:] = False
            return self._tracer.fold(observations), infos
        index = np.flatnonzero(mask)
        self._tracer.restart(index)
        self._ended[index] = False
        traced = self._tracer.current()
        traced[index] = self._tracer.fold(np.asarray(observations)[index], index)
        return traced, infos

    def step(self, actions: Any) -> tuple[np.ndarray, Any, Any, Any, dict[str, Any]]:
        """Step the sub-envs and fold their observations into the traces (see the class docstring)."""
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        ended = np.logical_or(terminations, truncations)
        if self._autoreset_mode == AutoresetMode.NEXT_STEP:
            if self._ended.any():
                self._tracer.restart(self._ended)  # their observations start new episodes
            self._ended = ended
        elif self._autoreset_mode == AutoresetMode.SAME_STEP and ended.any():
            infos = self._traced_final_observations(infos, np.flatnonzero(ended))
        return self._tracer.fold(observations), rewards, terminations, truncations, infos

    def _traced_final_observations(self, infos: dict[str, Any], index: np.ndarray) -> dict[str, Any]:
        """``infos`` with the final observations of the sub-envs in ``index`` traced, then their traces
        restarted for the reset observations that ``step`` returns (``SAME_STEP``)."""
        final = infos["final_obs"]
        traced = self._tracer.fold(np.stack([np.asarray(final[i]) for i in index]), index)
        self._tracer.restart(index)
        if final.dtype == object:  # SyncVectorEnv: one entry per sub-env, None where none ended
            replaced = final.copy()
            for row, i in enumerate(index):
                replaced[i] = traced[row]
        else:  # a batch with a mask in info["_final_obs"]
            replaced = np.zeros(self.observation_space.shape, dtype=np.uint8)
            replaced[index] = traced
        return {**infos, "final_obs": replaced}


def _without_stack_axis(space: gym.Space) -> gym.Space:
    """``space`` without a leading axis of length 1 (``AtariVectorEnv``'s frame stack of one frame)."""
    if not isinstance(space, spaces.Box):
        return space
    shape = space.shape
    stacked = (len(shape) == 4 and shape[0] == 1) or (len(shape) == 3 and shape[0] == 1 and shape[2] > 3)
    if not stacked:
        return space
    return spaces.Box(space.low[0], space.high[0], shape[1:], space.dtype)
