"""Steps per second of every registered game through ``gymnasium.make``, next to CartPole-v1.

Random actions are drawn before timing so only the env (with the wrappers ``make`` adds) is timed;
episodes reset when they end. Each figure is the best of ``--repeats`` runs, all in the same process,
pinned to one core, and the ratio to CartPole-v1 measured in the same run is the number to compare
(machines are noisy; ratios are stable).

    python benchmarks/env_throughput.py [--steps 200000] [--repeats 3] [--cpu 0]
"""

from __future__ import annotations

import argparse
import os
import time

import gymnasium
import numpy as np

import gym_catchgames

REFERENCE = "CartPole-v1"


def steps_per_second(env_id: str, steps: int, seed: int = 0) -> float:
    env = gymnasium.make(env_id)
    actions = np.random.default_rng(seed).integers(0, env.action_space.n, size=steps).tolist()
    env.reset(seed=seed)
    step, reset = env.step, env.reset
    start = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = step(action)
        if terminated or truncated:
            reset()
    elapsed = time.perf_counter() - start
    env.close()
    return steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=0, help="core to pin to (-1: no pinning)")
    args = parser.parse_args()
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})

    ids = [REFERENCE, *gym_catchgames.ENV_IDS]
    best = {env_id: 0.0 for env_id in ids}
    for _ in range(args.repeats):  # interleaved, so a slow spell hits every id alike
        for env_id in ids:
            best[env_id] = max(best[env_id], steps_per_second(env_id, args.steps))

    print(f"{'env id':<16} {'steps/s':>12} {'vs ' + REFERENCE:>16}")
    for env_id in ids:
        print(f"{env_id:<16} {best[env_id]:>12,.0f} {best[env_id] / best[REFERENCE]:>15.2f}x")


if __name__ == "__main__":
    main()
