"""Motion-trace observation: the current grayscale frame plus a decaying image of where pixels moved.

A port of the ``MotionTracer`` of Hvass-Labs' TensorFlow tutorial #16 (Q-learning on Breakout), which
replaces frame stacking: one extra channel shows which way things move.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from gym_catchgames.dependencies import require
from gym_catchgames.validation import check_float, check_int

cv2 = require("cv2", "The motion trace (gym_catchgames.wrappers.MotionTraceObservation)")

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
      Resizing uses OpenCV: area averaging when shrinking (each pixel of an exact 2x reduction, as
      Breakout's 210x160 -> 105x80, is the mean of a 2x2 block, which is also what bilinear
      interpolation gives there) and bilinear interpolation of the float gray frame when enlarging.
      The tutorial used Pillow's antialiased bilinear filter, which weighs 4 source pixels per axis at
      2x; on float frames it costs over ten times as much, so OpenCV is used (see
      ``benchmarks/motion_trace.py``).
    * ``exact``: when shrinking, ``False`` (default) averages the input image first, in its own dtype,
      and computes the float gray frame from the small image, which then costs about as much as a
      plain ``uint8`` grayscale + resize (1.2x on Breakout). Averaging is linear, so this is the same gray
      frame up to rounding: a ``uint8`` input's averages are rounded to whole levels per channel, so
      the gray value is within 0.5 of the exact one (channel 0 within 1 level after truncation, and
      the trace differs only where a change is within 0.5 of ``threshold``); float inputs differ by
      float32 rounding. On Breakout, whose 2x2 blocks average to whole levels, the two agree to
      ``1e-4`` gray levels. ``True`` converts the whole input to a float32 gray frame before resizing
      (the previous default, whose conversion alone costs more than a plain ``uint8`` grayscale +
      resize of a Breakout frame). Without shrinking both are the same computation.

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
        exact: bool = False,
    ):
        """Wrap ``env``.

        Raises ``ValueError`` for arguments out of range and unsupported image spaces, ``TypeError``
        for non-numeric arguments and observation spaces that are not a ``Box``.
        """
        gym.utils.RecordConstructorArgs.__init__(
            self, threshold=threshold, decay=decay, size=size, exact=exact
        )
        gym.ObservationWrapper.__init__(self, env)
        self._tracer = MotionTracer(env.observation_space, 1, threshold, decay, size, exact)
        self.threshold, self.decay, self.exact = self._tracer.threshold, self._tracer.decay, exact
        self.observation_space = self._tracer.observation_space

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the environment and start a new trace from its first frame."""
        self._tracer.restart()
        return super().reset(seed=seed, options=options)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        """Fold ``observation`` into the trace and return ``[frame, trace]`` as ``uint8 (h, w, 2)``."""
        return self._tracer.fold(observation[None])[0]

    def _gray_frame(self, observation: np.ndarray) -> np.ndarray:
        """A new float32 (h, w) gray frame on the 0-255 scale, resized if asked for (stage 1 alone)."""
        return self._tracer.gray_frames(observation[None])[0]


#: Every this many folds a trace forgets values below one gray level: they show as 0 and only decay,
#: and left alone they would sink into float32's subnormal range (about 300 frames after the move at
#: decay 0.75), where arithmetic is many times slower. The outputs do not change.
FORGET_EVERY = 128


class MotionTracer:
    """The motion traces of ``streams`` streams of image observations, folded in batches.

    The state and arithmetic of :class:`MotionTraceObservation` (one stream; its docstring documents
    the arguments) and of :class:`VectorMotionTraceObservation` (one stream per sub-env). ``space`` is
    one stream's image space. Batches are worked on as one tall image (the batch's images stacked
    along the rows) where that gives the same numbers: colour conversion and the trace always, an
    area resize when it shrinks by whole factors (each output pixel then averages a block inside one
    image). The state is kept tall too, so a fold reshapes nothing: per-call overhead is most of the
    cost on a 105x80 frame.
    """

    def __init__(
        self,
        space: gym.Space,
        streams: int = 1,
        threshold: float = 20.0,
        decay: float = 0.75,
        size: Sequence[int] | None = None,
        exact: bool = False,
    ) -> None:
        self.threshold = check_float("threshold", threshold, minimum=0.0)
        self.decay = check_float("decay", decay)
        if not 0.0 <= self.decay < 1.0:
            raise ValueError(f"decay must be in [0, 1) (the share of the trace kept each step), got {decay}")
        if not isinstance(exact, bool):
            raise TypeError(f"exact must be a bool, got {exact!r}")
        input_height, input_width, self._is_rgb, self._scale = _image_layout(space)
        height, width = (input_height, input_width) if size is None else _check_size(size)
        self._input_height = input_height
        self._tall_input = (-1, input_width, 3) if self._is_rgb else (-1, input_width)
        self._size = (height, width)
        self._resize_to = None if (height, width) == (input_height, input_width) else (width, height)
        shrinking = height <= input_height and width <= input_width
        self._interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        self._shrink_first = self._resize_to is not None and shrinking and not exact
        # Whole factors: an area resize of the stacked images averages blocks inside single images.
        self._stackable = shrinking and input_height % height == 0 and input_width % width == 0
        self.observation_space = spaces.Box(0, 255, (height, width, 2), np.uint8)
        # Tall (streams * height, width) float32 arrays on the 0-255 scale.
        self._frames = np.zeros((streams * height, width), dtype=np.float32)  # previous gray frames
        self._traces = np.zeros((streams * height, width), dtype=np.float32)  # the traces
        self._started = np.zeros(streams, dtype=np.bool_)  # False: the next frame starts a new trace
        self._restarting = True  # whether any stream is not started (saves a test per fold)
        self._folds = 0  # folds since the traces last forgot their faint values

    def restart(self, streams: np.ndarray | slice = slice(None)) -> None:
        """Start new traces for ``streams`` (an index or a bool mask) from their next frame."""
        self._started[streams] = False
        self._restarting = True

    def fold(self, observations: np.ndarray, streams: np.ndarray | None = None) -> np.ndarray:
        """Fold a batch of observations (one per stream, or one per index in ``streams``) into the
        traces and return ``[frame, trace]`` for each, as a new ``uint8 (batch, h, w, 2)`` array."""
        frames = self._tall_gray_frames(observations)
        if streams is None:
            previous, traces = self._frames, self._traces
        else:
            previous = self._per_stream(self._frames)[streams].reshape(frames.shape)
            traces = self._per_stream(self._traces)[streams].reshape(frames.shape)
        moved = cv2.absdiff(frames, previous)
        cv2.threshold(moved, self.threshold, 255.0, cv2.THRESH_BINARY, dst=moved)
        # clip(moved + decay * trace, 0, 255) equals max(moved, decay * trace): moved is 0 or 255
        # and decay * trace stays below 255.
        np.multiply(traces, self.decay, out=traces)
        np.maximum(traces, moved, out=traces)
        if self._restarting:
            started = self._started if streams is None else self._started[streams]
            self._per_stream(traces)[~started] = 0.0
            self._started[slice(None) if streams is None else streams] = True
            self._restarting = not self._started.all()
        self._folds += 1
        if self._folds == FORGET_EVERY:
            self._folds = 0
            cv2.threshold(traces, 1.0 - 2.0**-10, 0.0, cv2.THRESH_TOZERO, dst=traces)
        if streams is None:
            self._frames = frames
        else:
            self._per_stream(self._frames)[streams] = self._per_stream(frames)
            self._per_stream(self._traces)[streams] = self._per_stream(traces)
        return _traced(frames, traces, self._size)

    def current(self) -> np.ndarray:
        """What the last folds returned for every stream: ``[frame, trace]``, a new ``uint8`` array."""
        return _traced(self._frames, self._traces, self._size)

    def gray_frames(self, observations: np.ndarray) -> np.ndarray:
        """New float32 ``(batch, h, w)`` gray frames on the 0-255 scale, resized if asked for."""
        return self._per_stream(self._tall_gray_frames(observations))

    def _per_stream(self, tall: np.ndarray) -> np.ndarray:
        """A tall ``(batch * h, w)`` array seen as ``(batch, h, w)`` (a view)."""
        return tall.reshape(-1, *self._size)

    def _tall_gray_frames(self, observations: np.ndarray) -> np.ndarray:
        """The gray frames of a batch as one new tall float32 ``(batch * h, w)`` image."""
        pixels = np.ascontiguousarray(observations).reshape(self._tall_input)
        if self._shrink_first:  # average the input first: the float work is on the small images
            pixels = self._resized(pixels)
        pixels = np.asarray(pixels, dtype=np.float32)
        if self._is_rgb:
            gray = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)  # float: exactly the ITU-R 601 weights
            if self._scale != 1.0:
                gray *= self._scale
        else:
            # Multiplying also copies, so the frames never share memory with the env's observations.
            gray = np.multiply(pixels, self._scale, dtype=np.float32)
        if self._resize_to is not None and not self._shrink_first:
            gray = self._resized(gray)
        return gray

    def _resized(self, tall: np.ndarray) -> np.ndarray:
        """A tall batch of images (gray or RGB) resized to the output size, still tall."""
        batch = tall.shape[0] // self._input_height
        height, width = self._size
        if self._stackable:
            return cv2.resize(tall, (width, batch * height), interpolation=cv2.INTER_AREA)
        images = tall.reshape(batch, self._input_height, *tall.shape[1:])
        return np.concatenate(
            [cv2.resize(image, self._resize_to, interpolation=self._interpolation) for image in images]
        )


def _traced(frames: np.ndarray, traces: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Tall gray frames and traces ``(batch * h, w)`` as the observations ``uint8 (batch, h, w, 2)``,
    truncated."""
    return cv2.merge((frames.astype(np.uint8), traces.astype(np.uint8))).reshape(-1, *size, 2)


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
