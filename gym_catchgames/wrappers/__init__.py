"""Gymnasium wrappers: the motion-trace observation and the life-loss signal for Atari games."""

from gym_catchgames.wrappers.life_loss import LifeLossInfo
from gym_catchgames.wrappers.motion_trace import MotionTraceObservation

__all__ = ["LifeLossInfo", "MotionTraceObservation"]
