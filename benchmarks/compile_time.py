"""Seconds a user waits for the games' compiled kernels: the first use in a fresh install, then a later one.

Each figure is one fresh Python process (after its imports) that builds an env and takes a step. The
first process of each game compiles its kernels (numba, ``cache=True``) into an empty cache folder
(``NUMBA_CACHE_DIR``); the second loads them from that cache. ``--scalar`` times
``gymnasium.make`` instead of ``gymnasium.make_vec``: a scalar env compiles only the three functions it
calls, not the vector env's loop.

    python benchmarks/compile_time.py [--ids Catch-v0 ...] [--scalar] [--cpu 0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import gym_catchgames

#: What each timed process runs: imports first (not timed), then the first env's reset and step.
PROBE = """
import time, warnings
import gymnasium, numpy as np
import gym_catchgames
warnings.simplefilter("ignore")
start = time.perf_counter()
if {scalar}:
    env = gymnasium.make({env_id!r})
    env.reset(seed=0)
    env.step(0)
else:
    env = gymnasium.make_vec({env_id!r}, num_envs=8, vectorization_mode="vector_entry_point")
    env.reset(seed=0)
    env.step(np.zeros(8, dtype=np.int64))
print(time.perf_counter() - start)
"""


def seconds(env_id: str, scalar: bool, cache: str, cpu: int) -> float:
    """One fresh process's seconds to build ``env_id`` and step it, with ``cache`` as numba's cache."""
    command = [sys.executable, "-c", PROBE.format(env_id=env_id, scalar=scalar)]
    if cpu >= 0:
        command = ["taskset", "-c", str(cpu), *command]
    output = subprocess.run(
        command, env={**os.environ, "NUMBA_CACHE_DIR": cache}, check=True, capture_output=True, text=True
    ).stdout
    return float(output.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ids = gym_catchgames.ENV_IDS
    parser.add_argument("--ids", nargs="+", default=list(ids), choices=ids)
    parser.add_argument("--scalar", action="store_true", help="time gymnasium.make instead of make_vec")
    parser.add_argument("--cpu", type=int, default=0, help="core to pin to (-1: no pinning)")
    args = parser.parse_args()
    print(f"{'env id':<16} {'first use (compile) s':>22} {'second process (cache) s':>25}")
    for env_id in args.ids:
        with tempfile.TemporaryDirectory() as cache:
            first = seconds(env_id, args.scalar, cache, args.cpu)
            second = seconds(env_id, args.scalar, cache, args.cpu)
        print(f"{env_id:<16} {first:>22.2f} {second:>25.3f}")


if __name__ == "__main__":
    main()
