"""Steps per second of every registered game through ``gymnasium.make``, next to CartPole-v1.

Random actions are drawn before timing so only the env (with the wrappers ``make`` adds) is timed;
episodes reset when they end. Each figure is the best of ``--repeats`` runs, all in the same process,
pinned to one core, and the ratio to CartPole-v1 measured in the same run is the number to compare
(machines are noisy; ratios are stable).

    python benchmarks/env_throughput.py [--steps 200000] [--repeats 3] [--cpu 0]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import harness  # the sibling script (this script's folder is on the path)

import gym_catchgames
from gym_catchgames.validation import int_at_least


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int_at_least(1), default=200_000)
    parser.add_argument("--repeats", type=int_at_least(1), default=3)
    harness.add_cpu_argument(parser)
    args = harness.parse_and_pin(parser, argv)

    ids = [harness.REFERENCE, *gym_catchgames.ENV_IDS]
    best = harness.best_of_rounds(
        lambda env_id: harness.steps_per_second(env_id, args.steps), ids, args.repeats, lambda rate: 1 / rate
    )
    reference = best[harness.REFERENCE]
    print(f"{'env id':<16} {'steps/s':>12} {'vs ' + harness.REFERENCE:>16}")
    for env_id in ids:
        print(f"{env_id:<16} {best[env_id]:>12,.0f} {best[env_id] / reference:>15.2f}x")


if __name__ == "__main__":
    main()
