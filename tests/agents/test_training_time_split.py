"""benchmarks/training_time_split.py: a run's wall time split into env steps, forward passes and updates."""

from __future__ import annotations

import pytest

from tests.helpers import load_benchmark

split = load_benchmark("training_time_split")


@pytest.mark.parametrize("engine", ["native engine", "make_vec_env"])
def test_the_parts_add_up_to_the_run(engine):
    parts = split.split_one_run("Catch-v0", "ppo", engine, steps=2_048, seed=0)
    assert set(parts) == {"total", *split.PARTS}
    assert all(parts[part] > 0 for part in ("env stepping", "policy forward passes", "updates"))
    assert sum(parts[part] for part in split.PARTS) == pytest.approx(parts["total"])
    assert parts["other"] >= -1e-3 * parts["total"]  # what learn() does beside collecting and updating
