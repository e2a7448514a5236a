"""The sweep memory, backward sweep, error-balanced sampler and loss-limit rule of SweepDQN (NumPy only)."""

from __future__ import annotations

import numpy as np
import pytest

from agents.sweep_memory import ErrorBalancedSampler, SweepMemory, backward_sweep, fit_until_loss_limit

GAMMA = 0.5

# Two env columns, six steps each; values are binary fractions, so every result is exact.
# Column 0: a chain into a terminal reward, a truncated step, then a newest row that did not end.
# Column 1: a lost life, then a reward of 2 (clipped to 1) propagating back three steps.
# Each step: (action, reward, terminated, truncated, life_lost, truncation_value, Q(s, .))
COLUMN_0 = [
    (0, 0.0, False, False, False, 0.0, [0.25, 0.5, 0.0]),
    (1, 0.0, False, False, False, 0.0, [0.0, 0.25, 0.75]),
    (2, 1.0, True, False, False, 0.0, [0.5, 0.5, 0.5]),
    (0, 0.0, False, False, False, 0.0, [0.25, 0.0, 0.0]),
    (1, 0.5, False, True, False, 0.75, [0.0, 0.25, 0.125]),
    (0, 0.0, False, False, False, 0.0, [0.875, 0.0, 0.0]),
]
COLUMN_1 = [
    (2, 0.0, False, False, False, 0.0, [0.0, 0.0, 0.25]),
    (0, -1.0, False, False, True, 0.0, [0.5, 0.0, 0.0]),
    (1, 0.0, False, False, False, 0.0, [0.0, 0.5, 0.0]),
    (1, 0.0, False, False, False, 0.0, [0.0, 0.25, 0.0]),
    (0, 0.0, False, False, False, 0.0, [0.25, 0.0, 0.0]),
    (2, 2.0, True, False, False, 0.0, [0.0, 0.0, 0.5]),
]
# Worked by hand, newest to oldest (gamma 0.5):
# column 0: row 5 newest, not ended: no target, left out. row 4 truncated: 0.5 + 0.5*0.75 = 0.875
# (not from row 5, the next episode's first state). row 3: 0.5*max(0, 0.875, 0.125) = 0.4375.
# row 2 terminated: 1. row 1: 0.5*max(0.5, 0.5, 1) = 0.5. row 0: 0.5*max(0, 0.5, 0.75) = 0.375,
# where the next row's untaken action (0.75) beats its swept target (0.5).
# column 1: row 5 terminated: clip(2) = 1. row 4: 0.5. row 3: 0.25. row 2: 0.125.
# row 1 life lost: -1 (no bootstrap). row 0: 0.5*max(-1, 0, 0) = 0.
EXPECTED_TAKEN_TARGETS = [
    [0.375, 0.0],
    [0.5, -1.0],
    [1.0, 0.125],
    [0.4375, 0.25],
    [0.875, 0.5],
    [0.875, 1.0],  # column 0: left out, keeps its estimate Q(s, a=0)
]
EXPECTED_ERRORS = [
    [0.125, 0.25],
    [0.25, 1.5],
    [0.5, 0.375],
    [0.1875, 0.0],
    [0.625, 0.25],
    [0.0, 0.5],
]


def hand_worked_memory() -> SweepMemory:
    memory = SweepMemory(size=2 * 6, n_columns=2, observation_shape=(1,))
    for row, (step_0, step_1) in enumerate(zip(COLUMN_0, COLUMN_1, strict=True)):
        steps = (step_0, step_1)
        memory.add(
            observations=np.full((2, 1), row, dtype=np.float32),
            actions=np.array([s[0] for s in steps]),
            rewards=np.array([s[1] for s in steps]),
            terminated=np.array([s[2] for s in steps]),
            truncated=np.array([s[3] for s in steps]),
            life_lost=np.array([s[4] for s in steps]),
            truncation_values=np.array([s[5] for s in steps]),
        )
    return memory


def hand_worked_q_values() -> np.ndarray:
    return np.array([[s0[6], s1[6]] for s0, s1 in zip(COLUMN_0, COLUMN_1, strict=True)], dtype=np.float32)


def test_hand_worked_sweep_over_two_columns():
    memory = hand_worked_memory()
    assert memory.is_full and memory.used_fraction == 1.0 and memory.n_transitions == 12
    q_values = hand_worked_q_values()
    result = memory.sweep(q_values, GAMMA)

    taken = np.take_along_axis(result.targets, memory.actions[..., None], axis=-1)[..., 0]
    np.testing.assert_array_equal(taken, np.array(EXPECTED_TAKEN_TARGETS))
    np.testing.assert_array_equal(result.errors, np.array(EXPECTED_ERRORS))
    assert result.trainable.tolist() == [[True, True]] * 5 + [[False, True]]

    # Only the taken action's slot changes; the other actions keep the network's estimates.
    untaken = np.ones_like(q_values, dtype=bool)
    np.put_along_axis(untaken, memory.actions[..., None], False, axis=-1)
    np.testing.assert_array_equal(result.targets[untaken], q_values[untaken])
    assert memory.rewards[5, 1] == 2.0 and memory.stored_rewards()[5, 1] == 1.0  # clipped when swept


def taken_targets(result, actions: np.ndarray) -> np.ndarray:
    """The swept target of each row's taken action (rows, columns), read from ``result.targets``."""
    return np.take_along_axis(result.targets, actions[..., None], axis=-1)[..., 0]


def test_sweep_with_raw_rewards_and_gamma_one():
    memory = SweepMemory(size=3, n_columns=1, observation_shape=(1,), reward_clip=None)
    for reward, terminated in ((1.0, False), (0.0, False), (5.0, True)):
        memory.add(np.zeros((1, 1)), [0], [reward], [terminated], [False], [False])
    result = memory.sweep(np.zeros((3, 1, 2), dtype=np.float32), gamma=1.0)
    # Undiscounted returns of the stored trajectory: 6, 5, 5.
    assert taken_targets(result, memory.actions)[:, 0].tolist() == [6.0, 5.0, 5.0]


def sequential_sweep(q_values, actions, rewards, terminated, truncated, life_lost, truncation_values, gamma):
    """The tutorial's loop (newest to oldest, one row at a time), with the newest row left out."""
    q = q_values.astype(np.float64)
    rows, columns, _ = q.shape
    errors = np.zeros((rows, columns))
    trainable = np.ones((rows, columns), dtype=bool)
    for column in range(columns):
        for k in range(rows - 1, -1, -1):
            if terminated[k, column] or life_lost[k, column]:
                target = rewards[k, column]
            elif truncated[k, column]:
                target = rewards[k, column] + gamma * truncation_values[k, column]
            elif k == rows - 1:
                trainable[k, column] = False
                continue
            else:
                target = rewards[k, column] + gamma * q[k + 1, column].max()
            errors[k, column] = abs(target - q[k, column, actions[k, column]])
            q[k, column, actions[k, column]] = target
    return q, errors, trainable


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_sweep_equals_the_sequential_loop(seed):
    rng = np.random.default_rng(seed)
    rows, columns, n_actions = int(rng.integers(1, 400)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
    gamma = float(rng.choice([0.0, 0.5, 0.97, 1.0]))
    q = rng.normal(size=(rows, columns, n_actions)).astype(np.float32)
    actions = rng.integers(0, n_actions, (rows, columns))
    rewards = rng.normal(size=(rows, columns)).astype(np.float32)
    terminated, truncated, life_lost = (rng.random((rows, columns)) < p for p in rng.uniform(0, 0.05, 3))
    truncation_values = rng.normal(size=(rows, columns)).astype(np.float32)
    none = np.zeros((rows, columns), dtype=bool)

    result = backward_sweep(
        q, actions, rewards, terminated, truncated, life_lost, truncation_values, none, gamma
    )
    expected_q, expected_errors, expected_trainable = sequential_sweep(
        q, actions, rewards, terminated, truncated, life_lost, truncation_values, gamma
    )
    np.testing.assert_array_equal(result.trainable, expected_trainable)
    np.testing.assert_allclose(result.targets, expected_q, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(result.errors, expected_errors, rtol=1e-6, atol=1e-6)


def test_successor_missing_cuts_a_chain_like_the_newest_row():
    memory = SweepMemory(size=4, n_columns=1, observation_shape=(1,))
    for _ in range(2):
        memory.add(np.zeros((1, 1)), [0], [1.0], [False], [False], [False])
    memory.mark_successor_missing()  # e.g. the envs were reset by a new learn() call
    for _ in range(2):
        memory.add(np.zeros((1, 1)), [0], [1.0], [False], [False], [False])
    q = np.full((4, 1, 2), 0.5, dtype=np.float32)
    result = memory.sweep(q, GAMMA)
    assert result.trainable[:, 0].tolist() == [True, False, True, False]
    # Row 0 bootstraps from row 1's raw estimate (row 1 itself has no target): 1 + 0.5 * 0.5.
    assert taken_targets(result, memory.actions)[:, 0].tolist() == [1.25, 0.5, 1.25, 0.5]


def test_memory_fill_empty_and_full_error():
    memory = SweepMemory(size=7, n_columns=2, observation_shape=(2, 2), observation_dtype=np.uint8)
    assert memory.rows == 3  # 7 // 2 rows of 2 columns: 6 transitions when full
    for row in range(3):
        assert memory.used_fraction == row / 3
        memory.add(np.full((2, 2, 2), row), [0, 1], [0.5, -3.0], [False] * 2, [False] * 2, [False] * 2)
    assert memory.is_full and memory.n_transitions == 6
    assert memory.stored_rewards()[0].tolist() == [0.5, -1.0]
    assert memory.stored_observations().dtype == np.uint8
    with pytest.raises(RuntimeError, match="full"):
        memory.add(np.zeros((2, 2, 2)), [0, 0], [0, 0], [False] * 2, [False] * 2, [False] * 2)
    memory.keep_newest(0)
    assert memory.n_rows == 0 and memory.used_fraction == 0.0
    with pytest.raises(RuntimeError, match="empty"):
        memory.sweep(np.zeros((0, 2, 2), dtype=np.float32), GAMMA)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 4, "n_columns": 0}, "n_columns must be >= 1"),
        ({"size": 1, "n_columns": 2}, "size must be >= n_columns"),
        ({"size": 4, "n_columns": 1, "reward_clip": (1.0, -1.0)}, "low < high"),
    ],
)
def test_memory_rejects_impossible_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SweepMemory(observation_shape=(1,), **kwargs)


def draw(errors, batch_size=128, threshold=0.1, batches=50, seed=0):
    sampler = ErrorBalancedSampler(
        np.asarray(errors, dtype=np.float32), batch_size, threshold, np.random.default_rng(seed)
    )
    return sampler, [sampler.sample() for _ in range(batches)]


def test_sampler_gives_high_error_rows_half_of_each_batch():
    errors = np.r_[np.full(100, 0.5), np.full(900, 0.01)]
    sampler, batches = draw(errors)
    assert (sampler.n_high, sampler.n_low, sampler.high_fraction) == (64, 64, 0.1)
    for batch in batches:
        assert len(batch) == 128 and len(set(batch.tolist())) == 128  # no repeats within a batch
        assert (errors[batch] >= 0.1).sum() == 64


def test_sampler_mirrors_the_memory_when_most_rows_are_high_error():
    errors = np.r_[np.full(800, 0.1), np.full(200, 0.0999)]  # 0.1 itself counts as high
    sampler, batches = draw(errors)
    assert (sampler.n_high, sampler.n_low) == (int(0.8 * 128), 128 - int(0.8 * 128)) == (102, 26)
    assert all((errors[batch] >= 0.1).sum() == 102 for batch in batches)


def test_sampler_small_group_falls_back_to_the_other_group():
    errors = np.r_[np.full(10, 1.0), np.zeros(990)]
    sampler, batches = draw(errors)
    assert (sampler.n_high, sampler.n_low) == (10, 118)
    for batch in batches:
        assert sorted(batch[:10].tolist()) == list(range(10))  # every high-error row, every batch
        assert len(set(batch.tolist())) == 128

    sampler, batches = draw(np.ones(300))  # no low-error rows at all
    assert (sampler.n_high, sampler.n_low) == (128, 0)
    sampler, batches = draw(np.r_[np.ones(50), np.zeros(10)])  # batch larger than the memory
    assert (sampler.batch_size, sampler.n_high, sampler.n_low) == (60, 50, 10)
    assert all(sorted(batch.tolist()) == list(range(60)) for batch in batches)


def test_sampler_draws_every_row_over_many_batches():
    errors = np.r_[np.full(20, 1.0), np.zeros(980)]
    _, batches = draw(errors, batch_size=40, batches=500)
    counts = np.bincount(np.concatenate(batches), minlength=1000)
    assert (counts[:20] == 500).all()  # 20 high rows fill their 20 places every time
    # 20 low places per batch over 980 low rows: about 10.2 draws each.
    assert counts[20:].min() >= 1 and abs(counts[20:].mean() - 500 * 20 / 980) < 1e-9


class ScriptedLosses:
    """Stands in for a gradient step: returns the next loss of a script and counts calls."""

    def __init__(self, losses):
        self.losses = list(losses)
        self.calls = 0

    def __call__(self) -> float:
        loss = self.losses[min(self.calls, len(self.losses) - 1)]
        self.calls += 1
        return loss


def test_fit_stops_at_the_first_allowed_batch_below_the_limit():
    # 1000 rows / batch 100 = 10 batches per epoch; min 1 epoch (10), max 3 epochs (30).
    losses = ScriptedLosses([1.0] * 12 + [0.0] * 100)
    result = fit_until_loss_limit(losses, 1000, 100, 1.0, 3.0, loss_limit=0.5)
    # Mean of the losses so far is 12 / n, first below 0.5 at n = 25.
    assert (losses.calls, result.stopped_by_loss_limit) == (25, True)
    assert result.epochs == 2.5 and result.mean_loss == 12 / 25 and result.last_window_loss == 12 / 25


def test_fit_never_stops_before_min_epochs():
    losses = ScriptedLosses([0.0])
    result = fit_until_loss_limit(losses, 1000, 100, 1.5, 3.0, loss_limit=0.5)
    assert (losses.calls, result.epochs, result.stopped_by_loss_limit) == (15, 1.5, True)


def test_fit_caps_at_max_epochs():
    losses = ScriptedLosses([1.0])
    result = fit_until_loss_limit(losses, 1000, 100, 1.0, 3.0, loss_limit=0.5)
    assert (losses.calls, result.epochs, result.stopped_by_loss_limit, result.mean_loss) == (
        30,
        3.0,
        False,
        1.0,
    )


def test_fit_averages_only_the_last_window_losses():
    losses = ScriptedLosses([1.0] * 20 + [0.0] * 100)
    result = fit_until_loss_limit(losses, 1000, 100, 1.0, 10.0, loss_limit=0.5, window=4)
    # Windows after batches 21, 22, 23: 0.75, 0.5 (not below), 0.25.
    assert losses.calls == 23 and result.last_window_loss == 0.25


def test_fit_with_fewer_rows_than_a_batch_runs_at_least_one_batch():
    losses = ScriptedLosses([0.0])
    result = fit_until_loss_limit(losses, 50, 128, 1.0, 5.0, loss_limit=0.1)
    assert losses.calls == 1  # int(50/128 * 1) = 0 raised to 1; int(50/128 * 5) = 1
    assert result.epochs == 128 / 50


def test_keep_newest_moves_the_newest_rows_to_the_front_with_their_flags():
    memory = SweepMemory(size=10, n_columns=2, observation_shape=(1,))
    for row in range(5):
        memory.add(
            np.full((2, 1), row), [row % 3, 1], [row, -row], [row == 3, False], [False, row == 4],
            [False, row == 2], [0.0, 0.5 * row],
        )  # fmt: skip
    memory.mark_successor_missing()
    memory.keep_newest(2)
    assert (memory.n_rows, memory.n_fresh_rows) == (2, 0)
    assert memory.observations[:2, 0, 0].tolist() == [3, 4]
    assert memory.actions[:2, 0].tolist() == [0, 1]
    assert memory.rewards[:2, 1].tolist() == [-3, -4]
    assert memory.terminated[:2, 0].tolist() == [True, False]
    assert memory.truncated[:2, 1].tolist() == [False, True]
    assert memory.life_lost[:2].tolist() == [[False, False], [False, False]]  # row 2's is dropped
    assert memory.truncation_values[:2, 1].tolist() == [1.5, 2.0]
    assert memory.successor_missing[:2, 0].tolist() == [False, True]
    memory.add(np.full((2, 1), 5), [0, 0], [0, 0], [False] * 2, [False] * 2, [False] * 2)
    assert (memory.n_rows, memory.n_fresh_rows, memory.successor_missing[2, 0]) == (3, 1, False)
    with pytest.raises(ValueError, match=r"rows to keep must be in \[0, 3\] \(the stored rows\), got 4"):
        memory.keep_newest(4)


def test_a_kept_newest_row_is_chained_to_the_next_row_added():
    memory = SweepMemory(size=4, n_columns=1, observation_shape=(1,))
    memory.add(np.zeros((1, 1)), [0], [0.0], [False], [False], [False])
    memory.add(np.ones((1, 1)), [1], [0.0], [False], [False], [False])
    memory.keep_newest(1)  # the row acted on obs 1, whose successor is not stored yet
    memory.add(np.full((1, 1), 2), [0], [1.0], [True], [False], [False])
    q_values = np.array([[[0.25, 0.0]], [[0.5, 0.125]]], dtype=np.float32)
    result = memory.sweep(q_values, GAMMA)
    # Row 1 terminated with reward 1 (its target 1, so its swept Q is [1, 0.125]); row 0 took action
    # 1 with reward 0: 0 + 0.5 * max(1, 0.125) = 0.5.
    assert taken_targets(result, memory.actions[:2])[:, 0].tolist() == [0.5, 1.0]
    assert result.trainable[:, 0].tolist() == [True, True]
