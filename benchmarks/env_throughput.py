"""Steps per second of every registered game through ``gymnasium.make``, next to CartPole-v1.

Random actions are drawn before timing so only the env (with the wrappers ``make`` adds) is timed;
episodes reset when they end. Each figure is the best of ``--repeats`` runs, all in the same process,
pinned to one core, and the ratio to CartPole-v1 measured in the same run is the number to compare
(machines are noisy; ratios are stable). The last lines check the targets: Catch-v0 >= 3.5x,
Snake-v0 >= 1.5x and Cave-v0 >= 1.2x CartPole-v1.

    python benchmarks/env_throughput.py [--steps 200000] [--repeats 3] [--cpu 0]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import harness  # the sibling script (this script's folder is on the path)

import gym_catchgames
from gym_catchgames.validation import int_at_least

#: The least ratio to CartPole-v1 of the scalar envs with a target.
TARGETS = {"Catch-v0": 3.5, "Snake-v0": 1.5, "Cave-v0": 1.2}


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
    for env_id, minimum in TARGETS.items():
        met = best[env_id] / reference >= minimum
        print(f"target {env_id} (>= {minimum}x {harness.REFERENCE}): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
