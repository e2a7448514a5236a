"""Counter-based random draws, one stream per game (scalar env or sub-env), used inside the compiled games.

A stream is one ``uint64`` state: the 64-bit key it was started with plus ``counter * golden_ratio``
after ``counter`` draws. A draw adds the golden ratio and returns the SplitMix64 finaliser of the sum,
so draw ``counter`` of the stream with key ``key`` is a pure function of ``(key, counter)``. That is
what lets a vector env keep thousands of streams in one array and still give each sub-env exactly the
draws of a scalar env with the same seed: both call these functions, inside the games' kernels.

The key comes from the env's seeded ``np_random`` (:func:`new_key`), so ``reset(seed=s)`` gives the
same episodes on every machine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: The stream step (the golden ratio as a 64-bit fraction) and SplitMix64's two multipliers.
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_UNIT = 1.0 / (1 << 53)


@njit(cache=True, inline="always")
def mix(z: np.uint64) -> np.uint64:
    """The SplitMix64 finaliser: a bijection of 64-bit integers that scrambles every bit."""
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def draw_int(streams: np.ndarray, i: int, n: int) -> int:
    """The next draw of stream ``i`` of ``streams`` (``uint64``), uniform in ``[0, n)`` for ``n < 2**32``:
    multiply-shift on the top 32 bits of the mixed state. Advances the stream."""
    streams[i] += GOLDEN
    return np.int64(((mix(streams[i]) >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))


@njit(cache=True, inline="always")
def draw_unit(streams: np.ndarray, i: int) -> float:
    """The next draw of stream ``i`` of ``streams``, uniform in ``[0, 1)`` with 53 random bits. Advances
    the stream."""
    streams[i] += GOLDEN
    return np.float64(mix(streams[i]) >> np.uint64(11)) * _UNIT


def new_key(np_random: np.random.Generator) -> np.uint64:
    """Draw a fresh 64-bit stream key from a seeded NumPy generator."""
    return np_random.integers(0, 1 << 64, dtype=np.uint64)


def keys_for_seeds(seeds: list[int]) -> np.ndarray:
    """The stream key a scalar env gets from ``reset(seed=s)``, for each ``s``, as ``uint64``."""
    from gymnasium.utils import seeding

    return np.array([new_key(seeding.np_random(int(s))[0]) for s in seeds], dtype=np.uint64)
