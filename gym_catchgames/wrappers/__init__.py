"""Gymnasium wrappers: the motion trace and Snake's head view (each also batched for vector envs) and the
life-loss signal for Atari games.

The motion trace needs OpenCV (``pip install "gym-catchgames[atari]"``); it is imported when first used,
so the other wrappers work without it.
"""

from __future__ import annotations

import importlib
from typing import Any

from gym_catchgames.wrappers.head_centred import HeadCentredObservation, VectorHeadCentredObservation
from gym_catchgames.wrappers.life_loss import LifeLossInfo

#: Wrappers imported on first use, and their modules.
_NEEDS_OPENCV = {
    "MotionTraceObservation": "gym_catchgames.wrappers.motion_trace",
    "VectorMotionTraceObservation": "gym_catchgames.wrappers.vector_motion_trace",
}

__all__ = [
    "HeadCentredObservation",
    "LifeLossInfo",
    "MotionTraceObservation",
    "VectorHeadCentredObservation",
    "VectorMotionTraceObservation",
]


def __getattr__(name: str) -> Any:
    if name in _NEEDS_OPENCV:
        return getattr(importlib.import_module(_NEEDS_OPENCV[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
