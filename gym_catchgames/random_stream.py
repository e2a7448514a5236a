"""Counter-based random draws shared by the scalar games and their NumPy vector versions.

Every game draws its randomness as ``draw(key, counter)``: the SplitMix64 finaliser of
``key + (counter + 1) * golden_ratio``. The 64-bit ``key`` comes from the env's
``self.np_random`` when it is seeded, and ``counter`` counts the draws made since. Because a draw is
a pure function of ``(key, counter)``, a vector env can make the draws of thousands of sub-envs in one
NumPy expression and still reproduce each scalar env exactly, with no per-env generator to loop over.

The scalar functions work on Python ints; the ``*_batch`` functions on ``uint64`` arrays. Both give
bit-identical results (checked in the tests).
"""

from __future__ import annotations

import numpy as np

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_UNIT = 1.0 / (1 << 53)


def new_key(np_random: np.random.Generator) -> int:
    """Draw a fresh 64-bit stream key from a seeded NumPy generator."""
    return int(np_random.integers(0, 1 << 64, dtype=np.uint64))


def _mix(key: int, counter: int) -> int:
    z = (key + (counter + 1) * _GOLDEN) & _MASK64
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK64
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK64
    return z ^ (z >> 31)


def draw_int(key: int, counter: int, n: int) -> int:
    """A uniform integer in ``[0, n)`` for ``n < 2**32`` (multiply-shift on the top 32 bits)."""
    return ((_mix(key, counter) >> 32) * n) >> 32


def draw_unit(key: int, counter: int) -> float:
    """A uniform float in ``[0, 1)`` with 53 random bits."""
    return (_mix(key, counter) >> 11) * _UNIT


# The constants as NumPy scalars, made once: the batched draws run in every vector env step.
_GOLDEN_U64, _MIX1_U64, _MIX2_U64 = np.uint64(_GOLDEN), np.uint64(_MIX1), np.uint64(_MIX2)
_ONE, _SHIFT27, _SHIFT30, _SHIFT31, _SHIFT32 = (np.uint64(k) for k in (1, 27, 30, 31, 32))


def _mix_batch(keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    z = keys + (np.asarray(counters, dtype=np.uint64) + _ONE) * _GOLDEN_U64  # new: in place from here
    z ^= z >> _SHIFT30
    z *= _MIX1_U64
    z ^= z >> _SHIFT27
    z *= _MIX2_U64
    z ^= z >> _SHIFT31
    return z


def draw_int_batch(keys: np.ndarray, counters: np.ndarray, n: int | np.ndarray) -> np.ndarray:
    """Batched :func:`draw_int`: one draw per (key, counter) pair, as ``int64``."""
    top = _mix_batch(keys, counters) >> _SHIFT32
    top *= np.asarray(n, dtype=np.uint64)
    top >>= _SHIFT32
    return top.astype(np.int64)


def draw_unit_batch(keys: np.ndarray, counters: np.ndarray) -> np.ndarray:
    """Batched :func:`draw_unit`, as ``float64``."""
    return (_mix_batch(keys, counters) >> np.uint64(11)).astype(np.float64) * _UNIT


def keys_for_seeds(seeds: np.ndarray | list[int]) -> np.ndarray:
    """The stream key a scalar env gets from ``reset(seed=s)``, for each ``s``, as ``uint64``."""
    from gymnasium.utils import seeding

    return np.array([new_key(seeding.np_random(int(s))[0]) for s in seeds], dtype=np.uint64)
