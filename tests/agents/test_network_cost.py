"""benchmarks/network_cost.py's counts of the network's work in a run, against hand-worked rows."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.helpers import load_benchmark

network_cost = load_benchmark("network_cost")


def test_gradient_steps_are_each_fits_epochs_times_its_new_rows_in_batches():
    row = {"sweeps": [{"steps": 100, "epochs": 2.0}, {"steps": 300, "epochs": 1.5}]}
    # 2 epochs of 100 rows in batches of 50, then 1.5 epochs of the 200 rows added since: 4 + 6.
    assert network_cost.fitted_batches(row, batch_size=50) == pytest.approx(10.0)


def test_greedy_steps_sum_one_minus_epsilon_per_thousand_steps():
    # Epsilon equal to the progress remaining: 1 at step 0 (no greedy step), 0.5 at step 1,000.
    model = SimpleNamespace(exploration_schedule=lambda remaining: remaining, schedule_horizon=None)
    assert network_cost.greedy_steps(model, 2000) == pytest.approx(500.0)
    # On an absolute clock of 4,000 steps: epsilon 1 and 0.75 over the first 2,000 steps.
    model.schedule_horizon = 4000
    assert network_cost.greedy_steps(model, 2000) == pytest.approx(250.0)
