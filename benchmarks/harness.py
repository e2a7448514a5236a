"""What every timing script shares: the ``--cpu`` option and pinning to one core, best-of-repeats timing,
the CartPole-v1 reference, and the code version a result row records.

A timing script parses its options with :func:`parse_and_pin` (after :func:`add_cpu_argument`), so that
every script takes ``--cpu`` the same way: by default the first core this process may run on (the
machine's core 0, or the first core ``taskset`` or a job scheduler allows), ``-1`` for no pinning, and a
core this process may not run on is a usage error. It then times with :func:`best_seconds` (one piece of
work) or :func:`best_of_rounds` (several, interleaved), and compares an env's :func:`steps_per_second`
with :data:`REFERENCE`'s measured in the same run: on a shared machine the ratios hold, not the absolute
figures.

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    harness.add_cpu_argument(parser)
    args = harness.parse_and_pin(parser, argv)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import gymnasium
import numpy as np

from agents.commands import UsageError
from gym_catchgames.validation import int_at_least

T = TypeVar("T")

#: The env every steps-per-second figure is compared with: Gymnasium's own classic-control game.
REFERENCE = "CartPole-v1"
#: ``--cpu`` for no pinning.
NO_PINNING = -1
#: The repository whose commit a result row records.
REPO = Path(__file__).resolve().parents[1]


def add_cpu_argument(parser: argparse.ArgumentParser, *, what: str = "") -> None:
    """Add ``--cpu CORE``: the core to pin to, by default the first this process may run on."""
    parser.add_argument(
        "--cpu",
        type=int_at_least(NO_PINNING),
        default=None,
        help=f"core to pin to{what} (default: the first core this process may run on; -1: no pinning)",
    )


def pin(cpu: int | None) -> list[int]:
    """Pin this process to ``cpu`` (``None``: the first core it may run on; ``-1``: leave it as it is).

    Returns the cores the process may run on afterwards, as a result row records them. Raises
    :class:`~agents.commands.UsageError` for a core this process may not run on.
    """
    cores = sorted(os.sched_getaffinity(0))
    if cpu == NO_PINNING:
        return cores
    if cpu is None:
        cpu = cores[0]
    if cpu not in cores:
        raise UsageError(f"--cpu {cpu}: this process may run on cores {', '.join(map(str, cores))}")
    os.sched_setaffinity(0, {cpu})
    return [cpu]


def parse_and_pin(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line and pin to its ``--cpu`` (see :func:`pin`); a bad core is a usage error."""
    args = parser.parse_args(argv)
    try:
        pin(args.cpu)
    except UsageError as error:
        parser.error(str(error))
    return args


def best_seconds(call: Callable[[], object], repeats: int, number: int = 1) -> float:
    """Best mean wall seconds of ``call`` over ``repeats`` runs of ``number`` calls: the run least
    disturbed by other processes."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            call()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def best_of_rounds(
    measure: Callable[[str], T], names: Iterable[str], repeats: int, seconds: Callable[[T], float]
) -> dict[str, T]:
    """``repeats`` rounds of ``measure(name)`` over every name in turn, interleaved so that a slow spell
    of a shared machine hits every name alike; for each name the result that took the fewest
    ``seconds(result)``."""
    names = list(names)
    best: dict[str, T] = {}
    for _ in range(repeats):
        for name in names:
            result = measure(name)
            if name not in best or seconds(result) < seconds(best[name]):
                best[name] = result
    return best


def steps_per_second(env_id: str, steps: int, seed: int = 0) -> float:
    """Env steps per second of ``gymnasium.make(env_id)`` (with the wrappers ``make`` adds) on random
    actions drawn before the timing; episodes reset when they end."""
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


def code_version() -> dict[str, str | bool | None]:
    """The code a result was made with: ``commit`` (``git rev-parse HEAD``) and ``dirty`` (whether
    tracked files differ from it); both ``None`` outside a git checkout."""

    def git(*args: str) -> str | None:
        try:
            return subprocess.run(
                ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True, timeout=30
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"commit": commit, "dirty": None if status is None else bool(status)}
