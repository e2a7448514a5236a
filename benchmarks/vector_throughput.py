"""Env-steps per second of the native vector envs, next to CartPoleVectorEnv and SyncVectorEnv.

For every number of sub-envs and every id, three ways to step ``num_envs`` games are timed in the same
process, pinned to one core: the package's native vector env (``gymnasium.make_vec(id, num_envs=n)``),
``SyncVectorEnv`` over the scalar env (``make_vec(..., vectorization_mode="sync")``) and, as the
reference, Gymnasium's own NumPy ``CartPoleVectorEnv``. Batches of random actions are drawn before
timing; autoresets happen inside ``step`` as users see them. Each figure is the best of ``--repeats``
rounds, interleaved so a slow spell of a shared machine hits every entry alike; compare the ratios.
``obs GB/s`` is the observation bytes the native env writes per second (a fresh batch every step).
The last lines check the throughput targets at 1,024 sub-envs, as ratios to CartPoleVectorEnv: Catch-v0
>= 2.0x, FruitFetch-v0 >= 1.7x, CatchBall-v0 >= 1.0x, Snake-v0 >= 1.5x and Cave-v0 >= 0.12x (about
1.5M env-steps/s on the development machine's core: its 9,216-byte observations written once a step).

    python benchmarks/vector_throughput.py [--sizes 1 64 1024 4096] [--seconds 0.3] [--repeats 3] [--cpu 0]
"""

from __future__ import annotations

import argparse
import time

import gymnasium
import harness  # the sibling script (this script's folder is on the path)
import numpy as np
from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

import gym_catchgames

REFERENCE = "CartPoleVectorEnv"
ACTION_BATCHES = 16  # random action batches, cycled through while timing
#: The ids with a native vector env (the others would silently fall back to SyncVectorEnv).
BATCHED_IDS = [env_id for env_id in gym_catchgames.ENV_IDS if gymnasium.spec(env_id).vector_entry_point]
#: The throughput targets at 1,024 sub-envs: the least ratio to CartPoleVectorEnv.
TARGETS = {
    "Catch-v0 native": 2.0,
    "FruitFetch-v0 native": 1.7,
    "CatchBall-v0 native": 1.0,
    "Snake-v0 native": 1.5,
    "Cave-v0 native": 0.12,
}


def env_steps_per_second(make_env, seconds: float, seed: int = 0) -> float:
    """Sub-env steps per second of ``make_env()`` stepped for about ``seconds``."""
    env = make_env()
    actions = np.random.default_rng(seed).integers(
        0, env.single_action_space.n, size=(ACTION_BATCHES, env.num_envs)
    )
    env.reset(seed=seed)
    env.step(actions[0])  # warm-up: lazy imports, first allocations
    step, steps = env.step, 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for batch in actions:
            step(batch)
        steps += ACTION_BATCHES
    env.close()
    return steps * env.num_envs / elapsed


def candidates(num_envs: int) -> dict[str, object]:
    """What is timed for ``num_envs`` sub-envs: a name and a function building the vector env."""
    envs: dict[str, object] = {REFERENCE: lambda: CartPoleVectorEnv(num_envs=num_envs)}
    for env_id in BATCHED_IDS:
        envs[f"{env_id} native"] = lambda env_id=env_id: gymnasium.make_vec(env_id, num_envs=num_envs)
        envs[f"{env_id} sync"] = lambda env_id=env_id: gymnasium.make_vec(
            env_id, num_envs=num_envs, vectorization_mode="sync"
        )
    return envs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 64, 1024, 4096])
    parser.add_argument("--seconds", type=float, default=0.3, help="timing per entry and round")
    parser.add_argument("--repeats", type=int, default=3)
    harness.add_cpu_argument(parser)
    args = harness.parse_and_pin(parser)

    header = f"{'num_envs':>8}  {'vector env':<22} {'env-steps/s':>13} {'vs ' + REFERENCE:>21} {'vs sync':>9}"
    print(f"{header} {'obs bytes':>10} {'obs GB/s':>9}")
    targets = []
    for num_envs in args.sizes:
        envs = candidates(num_envs)
        best = dict.fromkeys(envs, 0.0)
        for _ in range(args.repeats):
            for name, make_env in envs.items():
                best[name] = max(best[name], env_steps_per_second(make_env, args.seconds))
        for name, rate in best.items():
            versus_sync = observation = ""
            if name.endswith(" native"):
                env_id = name.removesuffix(" native")
                versus_sync = f"{rate / best[env_id + ' sync']:.1f}x"
                size = gymnasium.make_vec(env_id, num_envs=1).single_observation_space
                nbytes = int(np.prod(size.shape)) * size.dtype.itemsize
                observation = f"{nbytes:>10,} {rate * nbytes / 1e9:>9.1f}"
            ratio = rate / best[REFERENCE]
            print(f"{num_envs:>8}  {name:<22} {rate:>13,.0f} {ratio:>20.2f}x {versus_sync:>9} {observation}")
            if num_envs == 1024 and name in TARGETS:
                targets.append((name, ratio))
    for name, ratio in targets:
        print(
            f"target {name} at 1,024 (>= {TARGETS[name]}x): {'met' if ratio >= TARGETS[name] else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
