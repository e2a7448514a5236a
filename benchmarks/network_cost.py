"""Seconds of a Breakout SweepDQN run with bigger networks than SmallAtariCNN's, on one core.

A SweepDQN run spends the network's share of its time in three places: a forward pass of one state
per greedy env step (an exploring step draws its action without one), a forward pass per stored state
at each sweep, and a gradient step per batch of each fit. This script builds the tuned
``ALE/Breakout-v5`` entry's model with ``SmallAtariCNN`` (the entry's first network), with its own
``NatureCNN`` (the 2015 DQN network, CnnPolicy's default) and with the tutorial's network
(``agents.TutorialCNN`` + four dense layers of 1,024, ``net_arch=[1024] * 4``), times the three on one
core (best of ``--repeats``), and counts them in a finished run's row (its budget, its epsilon
schedule and its sweep log: rows and epochs per fit). It prints each network's seconds for that run
and, for a run made with ``SmallAtariCNN``, what it would have taken with each bigger network: its
measured ``train_seconds`` plus the difference.

    python benchmarks/network_cost.py --row benchmarks/results/breakout/sweep-dqn-small-cnn/seed0.json --cpu 0
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import harness  # the sibling scripts (this script's folder is on the path)
import numpy as np
import torch as th
from learning import split_algo_spec

from agents.algorithms import tuned_model
from gym_catchgames.validation import int_at_least

NETWORKS = {
    "SmallAtariCNN (the entry's first)": "dict(features_extractor_class=__import__('agents').SmallAtariCNN, "
    "net_arch=[])",
    "NatureCNN (tuned entry)": None,
    "tutorial: TutorialCNN + 4x1024": "dict(features_extractor_class=__import__('agents').TutorialCNN, "
    "net_arch=[1024, 1024, 1024, 1024])",
}
SWEEP_CHUNK = 1024  # states per timed sweep pass (the sweep's own batches are larger; cost is per state)


def greedy_steps(model, steps: int) -> float:
    """Expected env steps that act through the network: ``1 - epsilon`` summed over the run."""
    clock = np.arange(0, steps, 1000)
    horizon = getattr(model, "schedule_horizon", None) or steps
    remaining = 1.0 - np.minimum(clock / horizon, 1.0)
    return float(sum(1.0 - model.exploration_schedule(p) for p in remaining) * 1000)


def fitted_batches(row: dict, batch_size: int) -> float:
    """Gradient steps of the run: per sweep, its epochs times the batches in the rows added since the last."""
    sweeps = row["sweeps"]
    previous = [0] + [sweep["steps"] for sweep in sweeps[:-1]]
    return sum(s["epochs"] * (s["steps"] - p) / batch_size for s, p in zip(sweeps, previous, strict=True))


def network_seconds(policy_kwargs: str | None, row: dict, repeats: int) -> dict[str, float]:
    """Per-call seconds of acting, sweeping and fitting with one network, and their totals over ``row``."""
    overrides = {"policy_kwargs": policy_kwargs} if policy_kwargs else None
    _, model = tuned_model(row["env"], "sweep-dqn", seed=0, overrides=overrides)
    shape = model.observation_space.shape
    rng = np.random.default_rng(0)
    one = rng.integers(0, 256, (1, *shape), dtype=np.uint8)
    states = rng.integers(0, 256, (SWEEP_CHUNK, *shape), dtype=np.uint8)
    batch = th.as_tensor(states[: model.batch_size])
    targets = th.as_tensor(rng.random((model.batch_size, model.action_space.n), dtype=np.float32))
    actions = th.as_tensor(rng.integers(0, model.action_space.n, model.batch_size))
    model.policy.set_training_mode(False)
    act = harness.best_seconds(lambda: model.policy.predict(one, deterministic=True), repeats, 200)
    sweep = harness.best_seconds(lambda: model._q_values(states), repeats, 3) / SWEEP_CHUNK
    model.policy.set_training_mode(True)
    fit = harness.best_seconds(lambda: model._gradient_step(batch, targets, actions), repeats, 5)
    counts = {
        "act": greedy_steps(model, row["steps"]),
        "sweep": row["steps"],
        "fit": fitted_batches(row, model.batch_size),
    }
    seconds = {"act": act, "sweep": sweep, "fit": fit}
    return {
        "weights": sum(p.numel() for p in model.q_net.parameters()),
        **seconds,
        **{f"n_{part}": count for part, count in counts.items()},
        "total": sum(seconds[part] * counts[part] for part in counts),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--row", type=Path, required=True, help="a SweepDQN Breakout row of learning.py")
    parser.add_argument("--repeats", type=int_at_least(1), default=3)
    harness.add_cpu_argument(parser)
    args = harness.parse_and_pin(parser, argv)
    th.set_num_threads(1)
    rows = json.loads(args.row.read_text())
    row = rows[0] if isinstance(rows, list) else rows
    if split_algo_spec(row["algo"])[0] != "sweep-dqn" or not row.get("sweeps"):
        raise SystemExit(f"{args.row}: needs a sweep-dqn row with its sweep log, got algo {row['algo']!r}")

    results = {name: network_seconds(kwargs, row, args.repeats) for name, kwargs in NETWORKS.items()}
    small = next(iter(results.values()))
    print(f"{row['env']}, {row['steps']:,} steps (row {args.row}: {row['train_seconds']:,.0f} train seconds)")
    print(
        f"  {small['n_act']:,.0f} greedy steps, {small['n_sweep']:,} swept states, "
        f"{small['n_fit']:,.0f} gradient steps"
    )
    header = f"{'weights':>11} {'act ms':>7} {'sweep ms/state':>15} {'fit ms/batch':>13} {'run s':>8}"
    print(f"{'network':<32} {header}")
    for name, r in results.items():
        print(
            f"{name:<32} {r['weights']:>11,} {r['act'] * 1e3:>7.2f} {r['sweep'] * 1e3:>15.3f} "
            f"{r['fit'] * 1e3:>13.1f} {r['total']:>8,.0f}"
        )
    first = next(iter(results))
    print(f"if the row's run was made with {first}:")
    for name, r in list(results.items())[1:]:
        estimate = row["train_seconds"] + r["total"] - small["total"]
        print(
            f"  the run with {name}: about {estimate:,.0f} s ({estimate / 3600:.1f} h), "
            f"{estimate / row['train_seconds']:.1f}x the measured run"
        )


if __name__ == "__main__":
    main()
