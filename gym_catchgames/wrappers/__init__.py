"""Gymnasium wrappers: the motion trace (also batched for vector envs), the life-loss signal for Atari games
and Snake's head view."""

from gym_catchgames.wrappers.head_centred import HeadCentredObservation
from gym_catchgames.wrappers.life_loss import LifeLossInfo
from gym_catchgames.wrappers.motion_trace import MotionTraceObservation
from gym_catchgames.wrappers.vector_motion_trace import VectorMotionTraceObservation

__all__ = ["HeadCentredObservation", "LifeLossInfo", "MotionTraceObservation", "VectorMotionTraceObservation"]
