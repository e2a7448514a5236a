"""Counter-based random draws shared by the scalar games and their NumPy vector versions.

Every game draws its randomness as ``draw(key, counter)``: the SplitMix64 finaliser of
``key + (counter + 1) * golden_ratio``. The 64-bit ``key`` comes from the env's
``self.np_random`` when it is seeded, and ``counter`` counts the draws made since. Because a draw is
a pure function of ``(key, counter)``, a vector env can make the draws of thousands of sub-envs in one
NumPy expression and still reproduce each scalar env exactly, with no per-env generator to loop over.

The scalar functions work on Python ints; the ``*_states`` functions on ``uint64`` arrays of stream
states. Both give bit-identical results (checked in the tests).
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


def _mix_in_place(z: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser of the sums ``z`` (``uint64``), computed in ``z``."""
    z ^= z >> _SHIFT30
    z *= _MIX1_U64
    z ^= z >> _SHIFT27
    z *= _MIX2_U64
    z ^= z >> _SHIFT31
    return z


# Batched draws work on stream states: ``key + counter * golden_ratio`` after ``counter`` draws, so the
# next draw mixes ``state + golden_ratio``. A vector env keeps one state per sub-env, which saves
# gathering a key and a counter and multiplying for every draw.
def states_at(keys: np.ndarray, counters: np.ndarray | int) -> np.ndarray:
    """The states of the streams ``keys`` (``uint64``) after ``counters`` draws."""
    return keys + np.asarray(counters, dtype=np.uint64) * _GOLDEN_U64


def next_states(states: np.ndarray, count: int) -> np.ndarray:
    """The states of the next ``count`` draws of each stream in ``states``: shape ``(len, count)``; the
    last column is each stream's state after them."""
    steps = _GOLDEN_STEPS[:count] if count <= len(_GOLDEN_STEPS) else _golden_steps(count)
    return states[:, None] + steps


def _golden_steps(count: int) -> np.ndarray:
    """``k * golden_ratio`` for ``k = 1..count``, as ``uint64``: the state steps of ``count`` draws."""
    return _GOLDEN_U64 * np.arange(1, count + 1, dtype=np.uint64)


_GOLDEN_STEPS = _golden_steps(8)  # enough for a step's draws in every game


def draw_int_states(states: np.ndarray, n: int | np.ndarray) -> np.ndarray:
    """Batched :func:`draw_int` of the draws at ``states`` (from :func:`next_states`), as ``int64``;
    ``states`` is overwritten."""
    mixed = _mix_in_place(states)
    mixed >>= _SHIFT32
    mixed *= np.asarray(n, dtype=np.uint64)
    mixed >>= _SHIFT32
    return mixed.view(np.int64)  # below 2**32: the same numbers


def draw_unit_states(states: np.ndarray) -> np.ndarray:
    """Batched :func:`draw_unit` of the draws at ``states``, as ``float64``; ``states`` is overwritten."""
    return (_mix_in_place(states) >> np.uint64(11)).astype(np.float64) * _UNIT


def keys_for_seeds(seeds: np.ndarray | list[int]) -> np.ndarray:
    """The stream key a scalar env gets from ``reset(seed=s)``, for each ``s``, as ``uint64``."""
    from gymnasium.utils import seeding

    return np.array([new_key(seeding.np_random(int(s))[0]) for s in seeds], dtype=np.uint64)
