"""The counter-based random stream: SplitMix64 draws, checked against a plain-Python reference."""

import gymnasium
import numpy as np

import gym_catchgames  # noqa: F401  (registers the envs)
from gym_catchgames import random_stream

MASK64 = (1 << 64) - 1


def reference_mix(key: int, counter: int) -> int:
    """SplitMix64's output number ``counter`` for the seed ``key``, on Python ints (Vigna's reference)."""
    z = (key + (counter + 1) * 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def test_mix_is_splitmix64():
    assert random_stream.mix(np.uint64(0x9E3779B97F4A7C15)) == 0xE220A8397B1DCDAF  # SplitMix64(0), first
    for key in (1, 2**63, 2**64 - 1, 123456789):
        state = np.uint64((key + 0x9E3779B97F4A7C15) & MASK64)
        assert int(random_stream.mix(state)) == reference_mix(key, 0)


def test_draws_follow_the_stream_and_advance_it():
    keys = [0, 1, 2**63, 2**64 - 1, 123456789]
    for n in (1, 2, 3, 10, 48 * 48, 2**31):
        streams = np.array(keys, dtype=np.uint64)
        for counter in range(3):
            for i, key in enumerate(keys):
                expected = ((reference_mix(key, counter) >> 32) * n) >> 32  # multiply-shift, top 32 bits
                assert random_stream.draw_int(streams, i, n) == expected
    streams = np.array(keys, dtype=np.uint64)
    for counter in range(3):
        for i, key in enumerate(keys):
            assert random_stream.draw_unit(streams, i) == (reference_mix(key, counter) >> 11) / 2.0**53
    assert streams.tolist() == [(key + 3 * 0x9E3779B97F4A7C15) & MASK64 for key in keys]


def test_draws_are_uniform():
    streams = np.array([987654321], dtype=np.uint64)
    counts = np.bincount([random_stream.draw_int(streams, 0, 6) for _ in range(60_000)], minlength=6)
    expected = 60_000 / 6
    chi_square = float(((counts - expected) ** 2 / expected).sum())
    assert chi_square < 20.5  # the 99.9 % quantile of chi-square with 5 degrees of freedom
    units = np.array([random_stream.draw_unit(streams, 0) for _ in range(20_000)])
    assert units.min() >= 0.0 and units.max() < 1.0
    assert abs(units.mean() - 0.5) < 0.01


def test_keys_for_seeds_are_the_streams_a_seeded_env_draws_from():
    """Catch's first two draws place the fruit and the basket: both follow from the seed's key."""
    env = gymnasium.make("Catch-v0", height=6, width=7, basket_width=2)
    for seed, key in zip([3, 4], random_stream.keys_for_seeds([3, 4]), strict=True):
        observation, _ = env.reset(seed=seed)
        fruit_column = ((reference_mix(int(key), 0) >> 32) * 7) >> 32
        basket_left = ((reference_mix(int(key), 1) >> 32) * 6) >> 32
        assert observation[0].tolist() == [float(column == fruit_column) for column in range(7)]
        assert observation[-1].tolist() == [
            float(basket_left <= column < basket_left + 2) for column in range(7)
        ]
