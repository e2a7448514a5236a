"""Seconds a user waits for the games' compiled kernels: the first use in a fresh install, then a later one.

Each figure is one fresh Python process (after its imports) that builds an env and takes a step. The
first process of each game compiles its kernels (numba, ``cache=True``) into an empty cache folder
(``NUMBA_CACHE_DIR``); the second loads them from that cache. ``--scalar`` times
``gymnasium.make`` instead of ``gymnasium.make_vec``: a scalar env compiles only the three functions it
calls, not the vector env's loop. The first line times numba alone, a one-line function compiled and
then loaded the same way: the part of every figure that is numba starting its compiler in a process.

    python benchmarks/compile_time.py [--ids Catch-v0 ...] [--scalar] [--cpu 0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import harness  # the sibling script (this script's folder is on the path)

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


#: The same for numba alone: a one-line function in a module of its own (so that numba can cache it).
ONE_LINE_MODULE = "from numba import njit\n\n@njit(cache=True)\ndef one_line(x):\n    return x + 1\n"
NUMBA_PROBE = """
import sys, time
sys.path.insert(0, {folder!r})
import numba
import one_line
start = time.perf_counter()
one_line.one_line(1)
print(time.perf_counter() - start)
"""


def seconds(code: str, cache: str) -> float:
    """One fresh process's seconds for the timed part of ``code``, with ``cache`` as numba's cache."""
    command = [sys.executable, "-c", code]
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
    harness.add_cpu_argument(parser, what=" (the timed processes inherit it)")
    args = harness.parse_and_pin(parser)
    print(f"{'env id':<16} {'first use (compile) s':>22} {'second process (cache) s':>25}")
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "one_line.py").write_text(ONE_LINE_MODULE)
        probes = {"numba alone": NUMBA_PROBE.format(folder=folder)}
        probes.update({env_id: PROBE.format(env_id=env_id, scalar=args.scalar) for env_id in args.ids})
        for name, code in probes.items():
            with tempfile.TemporaryDirectory() as cache:
                first, second = (seconds(code, cache) for _ in range(2))
            print(f"{name:<16} {first:>22.2f} {second:>25.3f}")


if __name__ == "__main__":
    main()
