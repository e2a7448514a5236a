"""Frames per second of MotionTraceObservation on Breakout frames, next to a plain grayscale + resize.

Breakout frames (210x160 RGB) are recorded first, so the emulator is not timed. These pipelines then
turn every frame into a 105x80 observation, all pinned to one core in the same process (OpenCV on one
thread):

* reference: gymnasium ``AtariPreprocessing``-style grayscale + resize (OpenCV, ``uint8``,
  ``INTER_AREA``), without a trace;
* wrapper: ``MotionTraceObservation.observation`` (resize, float gray, trace, 2-channel output);
* stage 1: the wrapper's resize + float gray alone, to split its cost from the trace's;
* exact: the wrapper with ``exact=True`` (float gray of the whole frame, then resize);
* pillow: the tutorial's own ``MotionTracer`` (float64 gray, Pillow bilinear on a float image),
  to show why the wrapper resizes with OpenCV.

Then the batched trace of ``VectorMotionTraceObservation`` (its ``MotionTracer`` folding one frame per
sub-env per call) against one scalar wrapper per sub-env, for 1, 8 and 32 sub-envs, in frames/s.

Each figure is the best of ``--repeats`` interleaved runs. Targets: the wrapper at >= 10,000 frames/s
and at most 1.5x the reference's time per frame. The last lines compare the wrapper's output with the
exact mode's and the Pillow pipeline's on the same frames.

    python benchmarks/motion_trace.py [--frames 2000] [--repeats 5] [--batches 1 8 32] [--cpu 0]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import ale_py
import cv2
import gymnasium
import harness  # the sibling script (this script's folder is on the path)
import numpy as np
from PIL import Image

from gym_catchgames.wrappers import MotionTraceObservation
from gym_catchgames.wrappers.motion_trace import MotionTracer

SIZE = (105, 80)  # (height, width)


def record_breakout(frames: int, seed: int = 0) -> list[np.ndarray]:
    """RGB frames of Breakout under random play (FIRE often, so balls are in play)."""
    gymnasium.register_envs(ale_py)
    env = gymnasium.make("ALE/Breakout-v5")
    rng = np.random.default_rng(seed)
    recorded = [env.reset(seed=seed)[0]]
    while len(recorded) < frames:
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(4)))
        recorded.append(env.reset()[0] if terminated or truncated else obs)
    env.close()
    return recorded


def gray_resize(frame: np.ndarray) -> np.ndarray:
    """The reference: what AtariPreprocessing does to a frame, without frame skip or max-pooling."""
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.resize(gray, SIZE[::-1], interpolation=cv2.INTER_AREA)


class PillowMotionTracer:
    """The tutorial's MotionTracer as it stands: float64 gray, Pillow bilinear resize of a float image."""

    def __init__(self, threshold: float = 20.0, decay: float = 0.75):
        self.threshold, self.decay = threshold, decay
        self.previous: np.ndarray | None = None
        self.trace: np.ndarray | None = None

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        gray = frame @ np.array([0.299, 0.587, 0.114])
        image = Image.fromarray(gray.astype(np.float32))  # a float ('F') image
        current = np.asarray(image.resize(SIZE[::-1], Image.Resampling.BILINEAR))
        if self.previous is None:
            self.trace = np.zeros_like(current)
        else:
            moved = np.where(np.abs(current - self.previous) > self.threshold, 255.0, 0.0)
            self.trace = np.clip(moved + self.decay * self.trace, 0.0, 255.0)
        self.previous = current
        return np.dstack([current, self.trace]).astype(np.uint8)


def make_wrapper(first_frame: np.ndarray, exact: bool = False) -> MotionTraceObservation:
    """The wrapper on Breakout's observation space, its trace started from ``first_frame``."""
    wrapper = MotionTraceObservation(gymnasium.make("ALE/Breakout-v5"), size=SIZE, exact=exact)
    wrapper.observation(first_frame)  # start the trace, as reset() would
    return wrapper


def batched_frames_per_second(frames: list[np.ndarray], streams: int, repeats: int) -> tuple[float, float]:
    """Frames/s of ``streams`` scalar wrappers (one frame each per round) and of one ``MotionTracer``
    folding the ``streams`` frames as a batch, best of ``repeats`` interleaved runs."""
    batches = [np.stack(frames[i : i + streams]) for i in range(0, len(frames) - streams + 1, streams)]
    best_scalar = best_batched = 0.0
    for _ in range(repeats):
        wrappers = [make_wrapper(frames[0]) for _ in range(streams)]
        tracer = MotionTracer(gymnasium.spaces.Box(0, 255, frames[0].shape, np.uint8), streams, size=SIZE)
        start = time.perf_counter()
        for batch in batches:
            for wrapper, frame in zip(wrappers, batch, strict=True):
                wrapper.observation(frame)
        best_scalar = max(best_scalar, len(batches) * streams / (time.perf_counter() - start))
        start = time.perf_counter()
        for batch in batches:
            tracer.fold(batch)
        best_batched = max(best_batched, len(batches) * streams / (time.perf_counter() - start))
    return best_scalar, best_batched


def frames_per_second(process: Callable[[np.ndarray], np.ndarray], frames: list[np.ndarray]) -> float:
    start = time.perf_counter()
    for frame in frames:
        process(frame)
    return len(frames) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32], help="sub-envs per batch")
    harness.add_cpu_argument(parser)
    args = harness.parse_and_pin(parser)
    if args.cpu != harness.NO_PINNING:
        cv2.setNumThreads(1)  # OpenCV's pool would otherwise split each call into stripes on the one core

    frames = record_breakout(args.frames)
    best = {"reference": 0.0, "wrapper": 0.0, "stage 1": 0.0, "exact": 0.0, "pillow": 0.0}
    for _ in range(args.repeats):  # interleaved, so a slow spell hits every pipeline alike
        wrapper = make_wrapper(frames[0])
        pipelines = {
            "reference": gray_resize,
            "wrapper": wrapper.observation,
            "stage 1": wrapper._gray_frame,
            "exact": make_wrapper(frames[0], exact=True).observation,
            "pillow": PillowMotionTracer(),
        }
        for name, process in pipelines.items():
            best[name] = max(best[name], frames_per_second(process, frames))

    print(f"{len(frames)} Breakout frames 210x160 RGB -> 105x80, best of {args.repeats}, one core")
    print(f"{'pipeline':<10} {'frames/s':>10} {'us/frame':>9} {'time vs reference':>18}")
    for name, fps in best.items():
        print(f"{name:<10} {fps:>10,.0f} {1e6 / fps:>9.1f} {best['reference'] / fps:>17.2f}x")
    cost = best["reference"] / best["wrapper"]
    print(f"wrapper >= 10,000 frames/s: {best['wrapper'] >= 10_000}; <= 1.5x reference: {cost <= 1.5}")

    print(f"batched trace ({SIZE[0]}x{SIZE[1]}), frames/s:")
    print(f"{'sub-envs':>8} {'scalar wrappers':>16} {'batched':>10} {'speed-up':>9}")
    for streams in args.batches:
        scalar, batched = batched_frames_per_second(frames, streams, args.repeats)
        print(f"{streams:>8} {scalar:>16,.0f} {batched:>10,.0f} {batched / scalar:>8.2f}x")

    exact = make_wrapper(frames[0], exact=True).observation
    ours = make_wrapper(frames[0]).observation
    pairs = [(ours(frame), exact(frame)) for frame in frames]
    gray_gap = max(int(np.abs(a[..., 0].astype(int) - b[..., 0]).max()) for a, b in pairs)
    trace_gap = sum(int((a[..., 1] != b[..., 1]).sum()) for a, b in pairs)
    print(f"wrapper vs exact: max |gray difference| {gray_gap} of 255; trace pixels that differ: {trace_gap}")

    ours, tutorials = make_wrapper(frames[0]).observation, PillowMotionTracer()
    pairs = [(ours(frame), tutorials(frame)) for frame in frames]
    gray_gap = np.mean([np.abs(a[..., 0].astype(int) - b[..., 0]).mean() for a, b in pairs])
    disagree = sum(int(((a[..., 1] > 0) != (b[..., 1] > 0)).sum()) for a, b in pairs)
    pixels = sum(a[..., 1].size for a, _ in pairs)
    print(f"wrapper vs pillow: mean |gray difference| {gray_gap:.2f} of 255; pixels where only one")
    print(f"  trace marks motion (trace > 0): {disagree:,} of {pixels:,}")


if __name__ == "__main__":
    main()
