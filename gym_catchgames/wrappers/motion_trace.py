"""Motion-trace observation: the current grayscale frame plus a decaying image of where pixels moved.

A port of the ``MotionTracer`` of Hvass-Labs' TensorFlow tutorial #16 (Q-learning on Breakout), which
replaces frame stacking: one extra channel shows which way things move.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import cv2
import gymnasium as gym
import numpy as np
from gymnasium import spaces

from gym_catchgames.validation import check_float, check_int

#: The largest side ``size`` takes: Atari frames are 210x160; a 40000x40000 trace would need 12 GB per
#: frame and be killed for memory rather than refused.
MAX_SIZE = 4096


class MotionTraceObservation(
    gym.ObservationWrapper[np.ndarray, Any, np.ndarray], gym.utils.RecordConstructorArgs
):
    """Turns image observations into a 2-channel ``uint8`` image: the grayscale frame and its motion trace.

    ## Description

    Each observation is converted to grayscale (ITU-R 601 weights: 0.299 R + 0.587 G + 0.114 B, on the
    0-255 scale) and optionally resized. The frame is kept as ``float32`` between steps so the trace does
    not pick up rounding noise. A pixel whose gray value changed by more than ``threshold`` since the
    previous observation is set to 255 in the trace; every other trace pixel decays by ``decay``:

        trace = clip(255 * (abs(frame - previous_frame) > threshold) + decay * trace, 0, 255)

    The trace starts at zero on ``reset()``. With the defaults this is exactly the tutorial's
    ``MotionTracer`` (threshold 20, decay 0.75), apart from the resize filter (see ``size``).

    ## Observation Space

    ``Box(0, 255, (height, width, 2), uint8)``: channel 0 is the current gray frame, channel 1 the trace,
    both truncated to ``uint8`` as the tutorial does. Channels come last, so Stable-Baselines3 sees an
    image space and transposes it itself (its layout guess needs ``height`` and ``width`` above 2).
    Every call returns a fresh array.

    Accepted input observation spaces are ``Box`` images of shape ``(H, W)``, ``(H, W, 1)`` (gray) or
    ``(H, W, 3)`` (RGB) that are either ``uint8`` with bounds 0 and 255, or floating point within
    ``[0, 1]`` (this package's ``obs_type="grid"``), which is scaled to 0-255.

    ## Arguments

    * ``threshold``: change of gray value (0-255 scale) above which a pixel counts as moving; ``>= 0``.
    * ``decay``: factor by which the trace fades each step, in ``[0, 1)``; ``0`` keeps only the last move.
    * ``size``: ``(height, width)`` to resize the gray frame to (each at most 4096), or ``None`` to keep
      the input size.
      Resizing uses OpenCV on the float frame: area averaging when shrinking (each pixel of an exact
      2x reduction, as Breakout's 210x160 -> 105x80, is the mean of a 2x2 block, which is also what
      bilinear interpolation gives there) and bilinear interpolation when enlarging. The tutorial used
      Pillow's antialiased bilinear filter, which weighs 4 source pixels per axis at 2x; on float
      frames it costs over ten times as much, so OpenCV is used (see ``benchmarks/motion_trace.py``).

    ## Example

    >>> import gymnasium, gym_catchgames
    >>> from gym_catchgames.wrappers import MotionTraceObservation
    >>> env = MotionTraceObservation(gymnasium.make("Catch-v0", obs_type="rgb"))
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, obs.dtype, int(obs[..., 1].max())
    ((10, 10, 2), dtype('uint8'), 0)
    """

    def __init__(
        self,
        env: gym.Env,
        threshold: float = 20.0,
        decay: float = 0.75,
        size: Sequence[int] | None = None,
    ):
        """Wrap ``env``.

        Raises ``ValueError`` for arguments out of range and unsupported image spaces, ``TypeError``
        for non-numeric arguments and observation spaces that are not a ``Box``.
        """
        gym.utils.RecordConstructorArgs.__init__(self, threshold=threshold, decay=decay, size=size)
        gym.ObservationWrapper.__init__(self, env)
        self.threshold = check_float("threshold", threshold, minimum=0.0)
        self.decay = check_float("decay", decay)
        if not 0.0 <= self.decay < 1.0:
            raise ValueError(f"decay must be in [0, 1) (the share of the trace kept each step), got {decay}")

        input_height, input_width, self._is_rgb, self._scale = _image_layout(env.observation_space)
        height, width = (input_height, input_width) if size is None else _check_size(size)
        self._input_shape = (input_height, input_width)
        self._resize_to = None if (height, width) == self._input_shape else (width, height)
        shrinking = height <= input_height and width <= input_width
        self._interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        self.observation_space = spaces.Box(0, 255, (height, width, 2), np.uint8)

        self._frame: np.ndarray | None = None  # previous gray frame, float32 0-255; None before reset
        self._trace: np.ndarray | None = None  # motion trace, float32 0-255

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the environment and start a new trace from its first frame."""
        self._frame = None
        return super().reset(seed=seed, options=options)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        """Fold ``observation`` into the trace and return ``[frame, trace]`` as ``uint8 (h, w, 2)``."""
        frame = self._gray_frame(observation)
        if self._frame is None:
            self._trace = np.zeros_like(frame)
        else:
            moved = cv2.absdiff(frame, self._frame)
            cv2.threshold(moved, self.threshold, 255.0, cv2.THRESH_BINARY, dst=moved)
            # clip(moved + decay * trace, 0, 255) equals max(moved, decay * trace): moved is 0 or
            # 255 and decay * trace stays below 255.
            np.multiply(self._trace, self.decay, out=self._trace)
            np.maximum(self._trace, moved, out=self._trace)
        self._frame = frame
        return cv2.merge((frame.astype(np.uint8), self._trace.astype(np.uint8)))

    def _gray_frame(self, observation: np.ndarray) -> np.ndarray:
        """A new float32 (h, w) gray frame on the 0-255 scale, resized if asked for."""
        pixels = np.ascontiguousarray(observation, dtype=np.float32)
        if self._is_rgb:
            gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)  # float: exactly the ITU-R 601 weights
            if self._scale != 1.0:
                gray *= self._scale
        else:
            # Multiplying also copies, so the frame never shares memory with the env's observation.
            gray = np.multiply(pixels.reshape(self._input_shape), self._scale, dtype=np.float32)
        if self._resize_to is not None:
            gray = cv2.resize(gray, self._resize_to, interpolation=self._interpolation)
        return gray


def _image_layout(space: gym.Space) -> tuple[int, int, bool, float]:
    """Height, width, whether it is RGB, and the factor to the 0-255 scale of an image space."""
    allowed = (
        "a Box image of shape (H, W), (H, W, 1) or (H, W, 3), either uint8 with bounds 0 and 255 "
        "or floating point within [0, 1]"
    )
    if not isinstance(space, spaces.Box):
        raise TypeError(f"MotionTraceObservation needs {allowed}; got {space}")
    shape = space.shape
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (1, 3)):
        raise ValueError(f"MotionTraceObservation needs {allowed}; got the shape {shape}")
    if space.dtype == np.uint8:
        if not (np.all(space.low == 0) and np.all(space.high == 255)):
            raise ValueError(f"MotionTraceObservation needs {allowed}; got uint8 bounds other than 0-255")
        scale = 1.0
    elif np.issubdtype(space.dtype, np.floating):
        if not (np.all(space.low >= 0.0) and np.all(space.high <= 1.0)):
            raise ValueError(f"MotionTraceObservation needs {allowed}; got float bounds outside [0, 1]")
        scale = 255.0
    else:
        raise ValueError(f"MotionTraceObservation needs {allowed}; got the dtype {space.dtype}")
    return shape[0], shape[1], len(shape) == 3 and shape[2] == 3, scale


def _check_size(size: Sequence[int]) -> tuple[int, int]:
    """``size`` as a ``(height, width)`` pair of positive ints (a tuple, list or 1-D NumPy array)."""
    allowed = f"size must be None or a (height, width) pair of positive ints, got {size!r}"
    if isinstance(size, np.ndarray):
        size = size.tolist() if size.ndim == 1 else None
    if isinstance(size, str) or not isinstance(size, Sequence):
        raise TypeError(allowed)
    if len(size) != 2:
        raise ValueError(allowed)
    height, width = size
    return (
        check_int("size height", height, minimum=1, maximum=MAX_SIZE),
        check_int("size width", width, minimum=1, maximum=MAX_SIZE),
    )
