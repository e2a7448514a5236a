"""benchmarks/harness.py: the ``--cpu`` option and pinning every timing script shares, and its timing."""

from __future__ import annotations

import argparse
import os

import pytest

from tests.helpers import load_benchmark

harness = load_benchmark("harness")


@pytest.fixture
def cores():
    """The cores this process may run on, given back after the test."""
    allowed = os.sched_getaffinity(0)
    yield sorted(allowed)
    os.sched_setaffinity(0, allowed)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench")
    harness.add_cpu_argument(parser)
    return parser


def test_by_default_a_script_pins_to_the_first_core_it_may_run_on(cores):
    assert harness.parse_and_pin(parser(), []).cpu is None
    assert os.sched_getaffinity(0) == {cores[0]}


def test_minus_one_leaves_the_cores_as_they_are(cores):
    harness.parse_and_pin(parser(), ["--cpu", "-1"])
    assert sorted(os.sched_getaffinity(0)) == cores


def test_a_core_this_process_may_not_run_on_is_a_usage_error(cores, capsys):
    with pytest.raises(SystemExit) as exit_status:
        harness.parse_and_pin(parser(), ["--cpu", str(max(cores) + 1)])
    assert exit_status.value.code == 2
    assert f"--cpu {max(cores) + 1}: this process may run on cores " in capsys.readouterr().err
    assert sorted(os.sched_getaffinity(0)) == cores


def test_best_of_rounds_interleaves_the_names_and_keeps_each_ones_fastest():
    calls = []
    seconds = iter([3.0, 5.0, 1.0, 6.0, 2.0, 4.0])

    def measure(name: str) -> float:
        calls.append(name)
        return next(seconds)

    best = harness.best_of_rounds(measure, ["a", "b"], 3, lambda result: result)
    assert calls == ["a", "b"] * 3
    assert best == {"a": 1.0, "b": 4.0}


def test_best_seconds_is_the_least_disturbed_run(monkeypatch):
    clock = iter([0.0, 2.0, 10.0, 11.0, 20.0, 23.0])  # runs of 2, 1 and 3 seconds of two calls
    monkeypatch.setattr(harness.time, "perf_counter", lambda: next(clock))
    assert harness.best_seconds(lambda: None, repeats=3, number=2) == 0.5
