"""The counter-based random stream: scalar and batched (state) draws agree bit for bit, and are uniform."""

import gymnasium
import numpy as np

import gym_catchgames  # noqa: F401  (registers the envs)
from gym_catchgames import random_stream


def test_scalar_and_batched_draws_are_identical():
    keys = np.array([0, 1, 2**63, 2**64 - 1, 123456789], dtype=np.uint64)
    counters = np.array([0, 5, 17, 2**40, 3], dtype=np.int64)
    states = random_stream.states_at(keys, counters)
    for n in (1, 2, 3, 10, 48 * 48, 2**31):
        batch = random_stream.draw_int_states(random_stream.next_states(states, 1)[:, 0], n)
        scalar = [random_stream.draw_int(int(k), int(c), n) for k, c in zip(keys, counters, strict=True)]
        assert batch.tolist() == scalar
        assert all(0 <= value < n for value in scalar)
    units = random_stream.draw_unit_states(random_stream.next_states(states, 1)[:, 0])
    assert units.tolist() == [
        random_stream.draw_unit(int(k), int(c)) for k, c in zip(keys, counters, strict=True)
    ]


def test_next_states_are_the_following_counters_and_the_state_after_them():
    keys = np.array([5, 2**64 - 3], dtype=np.uint64)
    for count in (1, 3, 8, 11):  # 11: more than the precomputed steps
        following = random_stream.next_states(random_stream.states_at(keys, 4), count)
        bounds = np.full(count, 1000)
        expected = [[random_stream.draw_int(int(k), 4 + j, 1000) for j in range(count)] for k in keys]
        np.testing.assert_array_equal(following[:, -1], random_stream.states_at(keys, 4 + count))
        assert random_stream.draw_int_states(following, bounds).tolist() == expected


def test_draws_are_uniform():
    counters = np.arange(60_000)
    keys = np.full(counters.shape, 987654321, dtype=np.uint64)
    states = random_stream.next_states(random_stream.states_at(keys, counters), 1)[:, 0]
    counts = np.bincount(random_stream.draw_int_states(states.copy(), 6), minlength=6)
    expected = len(counters) / 6
    chi_square = float(((counts - expected) ** 2 / expected).sum())
    assert chi_square < 20.5  # the 99.9 % quantile of chi-square with 5 degrees of freedom
    units = random_stream.draw_unit_states(states)
    assert units.min() >= 0.0 and units.max() < 1.0
    assert abs(units.mean() - 0.5) < 0.005


def test_keys_for_seeds_match_what_a_seeded_env_draws():
    env = gymnasium.make("Catch-v0").unwrapped
    keys = random_stream.keys_for_seeds([3, 4])
    for seed, key in zip([3, 4], keys, strict=True):
        env.reset(seed=seed)
        assert env._stream_key == int(key)
