"""Training seconds per env step of a tuned entry, timed after a warm-up, on one core.

For comparing algorithms at equal wall-clock time when their long runs could not share the same
quiet machine: an algorithm whose cost per step is steady once it trains (SB3's DQN after
``learning_starts``: one gradient step every ``train_freq`` steps) is timed over ``--steps`` steps after
``--warmup`` steps; its step budget for ``S`` seconds is then ``S / seconds_per_step``. SweepDQN's cost
comes in bursts (one fit per fill), so read its seconds from a whole run's ``train_seconds`` instead.

    python benchmarks/seconds_per_step.py --env ALE/Breakout-v5 --cpu 1 \\
        --algo dqn@benchmarks/protocols/dqn-breakout-tutorial-protocol.yml --warmup 12000 --steps 20000
"""

from __future__ import annotations

import argparse
import time

import harness  # the sibling scripts (this script's folder is on the path)
import torch
from learning import parse_algo_spec

from agents.algorithms import tuned_model
from agents.commands import UsageError
from gym_catchgames.validation import int_at_least


def seconds_per_step(env_id: str, algo_spec: str, warmup: int, steps: int, seed: int = 0) -> float:
    """Wall seconds per env step of ``model.learn`` over ``steps`` steps after ``warmup`` steps."""
    algo, hyperparams, overrides = parse_algo_spec(algo_spec)
    torch.set_num_threads(1)
    _, model = tuned_model(env_id, algo, seed, overrides=overrides, hyperparams=hyperparams)
    model.learn(warmup)
    start = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    return (time.perf_counter() - start) / steps


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True)
    parser.add_argument(
        "--algo", required=True, help="as benchmarks/learning.py --algos: NAME[@FILE][+KEY=VALUE]"
    )
    parser.add_argument("--warmup", type=int_at_least(0), default=12_000, help="steps before the timing")
    parser.add_argument("--steps", type=int_at_least(1), default=20_000, help="steps timed")
    harness.add_cpu_argument(parser)
    args = harness.parse_and_pin(parser, argv)
    try:
        parse_algo_spec(args.algo)
    except UsageError as error:
        parser.error(str(error))
    cost = seconds_per_step(args.env, args.algo, args.warmup, args.steps)
    print(f"{args.env} {args.algo}: {cost * 1e3:.2f} ms per env step ({1 / cost:,.0f} steps/s) "
          f"over {args.steps:,} steps after {args.warmup:,}")  # fmt: skip


if __name__ == "__main__":
    main()
