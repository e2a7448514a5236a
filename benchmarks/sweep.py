"""Benchmark of SweepDQN: the backward sweep's speed, and where a Catch training run spends its time.

It pins itself to one core (the sweep target is for one core; ``--cpu``, as every timing script)::

    python benchmarks/sweep.py [--rows 200000] [--steps 20000] [--cpu 1]

Part 1 times :func:`agents.sweep_memory.backward_sweep` over a memory of ``--rows`` rows, as one
column and as 16 columns, with Catch-like episode ends (every 9 steps) and with no end at all
(one unbroken chain: the worst case for the scan). Target: at most 50 ms. As a reference from the
same run it also times the tutorial's one-row-at-a-time loop on a slice and scales it up.

Part 2 trains SweepDQN on ``Catch-v0`` and splits the run into acting (env steps, the network's
forward passes, the rest of SB3's loop), storing steps in the memory, the sweep (Q-values of the
memory, the backward sweep) and fitting (the network's forward, backward and optimiser step, and
the rest: sampling and batching). Target: everything SweepDQN adds except the network's own
compute under 10% of the run.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable, Sequence

import harness  # the sibling script (this script's folder is on the path)
import numpy as np
import torch as th
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv

import gym_catchgames  # noqa: F401  (registers Catch-v0)
from agents import SweepDQN
from agents.sweep_memory import SweepMemory, backward_sweep
from gym_catchgames.validation import int_at_least

SWEEP_BUDGET_S = 0.050
OVERHEAD_BUDGET = 0.10


def sweep_inputs(rows: int, columns: int, episode_length: int | None, n_actions: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    shape = (rows // columns, columns)
    terminated = np.zeros(shape, dtype=bool)
    if episode_length is not None:
        terminated[episode_length - 1 :: episode_length] = True
    no = np.zeros(shape, dtype=bool)
    return (
        rng.normal(size=(*shape, n_actions)).astype(np.float32),
        rng.integers(0, n_actions, shape),
        rng.choice(np.float32([-1, 0, 1]), shape, p=[0.05, 0.9, 0.05]),
        terminated,
        no,
        no,
        np.zeros(shape, dtype=np.float32),
        no,
        0.97,
    )


def tutorial_loop(q_values, actions, rewards, terminated, truncated, life_lost, _values, _missing, gamma):
    """The tutorial's ``update_all_q_values``, one row at a time (reference speed)."""
    q = q_values.copy()
    for column in range(q.shape[1]):
        for k in range(q.shape[0] - 2, -1, -1):
            if terminated[k, column] or life_lost[k, column]:
                target = rewards[k, column]
            else:
                target = rewards[k, column] + gamma * np.max(q[k + 1, column])
            q[k, column, actions[k, column]] = target
    return q


def benchmark_sweep(rows: int) -> bool:
    print(f"Part 1: backward sweep over {rows:,} rows, 4 actions (best of 7 runs)")
    reference_rows = 20_000
    inputs = sweep_inputs(reference_rows, 1, 9)
    loop_seconds = harness.best_seconds(lambda: tutorial_loop(*inputs), 1) * (rows / reference_rows)
    print(f"  reference: the tutorial's row loop (scaled from {reference_rows:,} rows): {loop_seconds:.2f} s")
    ok = True
    for columns in (1, 16):
        for episode_length, label in ((9, "ends every 9 steps"), (None, "no episode end")):
            inputs = sweep_inputs(rows, columns, episode_length)
            seconds = harness.best_seconds(lambda inputs=inputs: backward_sweep(*inputs), 7)
            passed = seconds <= SWEEP_BUDGET_S
            ok &= passed
            print(
                f"  {columns:2d} column(s), {label:18s}: {seconds * 1e3:6.1f} ms "
                f"({loop_seconds / seconds:6.0f}x faster than the loop)  "
                f"{'ok' if passed else 'OVER'} (budget {SWEEP_BUDGET_S * 1e3:.0f} ms)"
            )
    return ok


class Timers:
    """Accumulates wall time per label; ``phase`` names what the network's forward passes are for."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.phase = "acting"

    def wrap(self, function: Callable, label: str, phase: str | None = None) -> Callable:
        """``function`` timed under ``label``; with ``phase``, forward passes inside it count there."""

        def timed(*args, **kwargs):
            outer = self.phase
            self.phase = phase or outer
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self.phase = outer

        return timed

    def wrap_forward(self, function: Callable) -> Callable:
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[f"forward {self.phase}"] += time.perf_counter() - start

        return timed


def profile_training(steps: int, seed: int) -> bool:
    print(f"\nPart 2: SweepDQN on Catch-v0, {steps:,} steps, buffer_size=1000, 4 envs, seed {seed}")
    timers = Timers()
    env = make_vec_env("Catch-v0", n_envs=4, seed=seed)
    model = SweepDQN("MlpPolicy", env, buffer_size=1000, seed=seed)

    model.q_net.forward = timers.wrap_forward(model.q_net.forward)
    model._gradient_step = timers.wrap(model._gradient_step, "gradient steps", phase="gradient")
    original_step_wait = DummyVecEnv.step_wait
    DummyVecEnv.step_wait = timers.wrap(original_step_wait, "env")
    model._store_transition = timers.wrap(model._store_transition, "store", phase="store")
    model._q_values = timers.wrap(model._q_values, "q inference", phase="sweep")
    model.train = timers.wrap(model.train, "train", phase="fit")
    original_sweep = SweepMemory.sweep
    SweepMemory.sweep = timers.wrap(original_sweep, "sweep")
    try:
        start = time.perf_counter()
        model.learn(steps)
        total = time.perf_counter() - start
    finally:
        DummyVecEnv.step_wait, SweepMemory.sweep = original_step_wait, original_sweep

    t = defaultdict(float, timers.seconds)
    fit_network = t["gradient steps"]
    own = {
        "SweepDQN: storing steps and end flags": t["store"] - t["forward store"],
        "SweepDQN: backward sweep": t["sweep"],
        "SweepDQN: sampling, batching, bookkeeping": t["train"] - t["q inference"] - t["sweep"] - fit_network,
    }
    rows = [
        ("acting: env steps", t["env"]),
        ("acting: network forward", t["forward acting"]),
        (
            "acting: rest of SB3's loop (predict, callbacks, logs)",
            total - t["env"] - t["forward acting"] - t["store"] - t["train"],
        ),
        ("sweep: network forward over the memory", t["q inference"]),
        ("fit: gradient steps (forward, loss, backward, clip, step)", fit_network),
        *own.items(),
    ]
    print(f"  total {total:.2f} s, {model._n_sweeps} sweeps, {model._n_updates} gradient steps")
    for label, value in rows:
        print(f"  {label:58s} {value:7.2f} s {100 * value / total:5.1f}%")
    overhead = sum(own.values()) / total
    passed = overhead < OVERHEAD_BUDGET
    print(
        f"  SweepDQN's own work except network compute: {100 * overhead:.1f}% of the run "
        f"{'ok' if passed else 'OVER'} (budget {100 * OVERHEAD_BUDGET:.0f}%)"
    )
    return passed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int_at_least(1), default=200_000)
    parser.add_argument("--steps", type=int_at_least(1), default=20_000)
    parser.add_argument("--seed", type=int_at_least(0), default=0)
    harness.add_cpu_argument(parser)
    args = harness.parse_and_pin(parser, argv)
    th.set_num_threads(1)
    ok = benchmark_sweep(args.rows)
    ok &= profile_training(args.steps, args.seed)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
