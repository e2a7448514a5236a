"""Learning results: each (env, algorithm) pair with its tuned settings, over several seeds.

For every pair and seed it trains for the tuned budget, checks the greedy policy's natural score every
``--check-every`` steps, and records the env steps and wall seconds (training only, checks excluded)
at which the game's target (``agents/targets.yml``, in the game's natural score) was first
reached; then it scores the final greedy policy over ``--episodes`` episodes. It prints a Markdown
table and writes it, with the raw numbers and every check's score, to ``--out``; ``--save-models``
keeps the final models in ``<out>-models/``. Ctrl-C or SIGTERM stops the run in progress, scores what
it has learned (its row's ``stopped_by`` names the signal) and writes the rows so far before exiting
with status 128 + the signal's number.

Every argument is checked before the first pair trains: each ``--algos`` spec is built once on each env
(``agents.algorithms.dry_run``), ``--out`` must be writable and not in use by another run (a lock file
beside it), no earlier result (``.json``, ``.md``, ``-models/``) is replaced without ``--overwrite``,
``--cpu`` must be a core this process may run on, and seeds must be in range and distinct. Each row is
written to disk (``.json`` and ``.md``, each in one rename) as its run finishes, so a stopped or failed
grid keeps every finished row.

A grid runs pinned to one core (``--cpu``, by default the first this process may run on; ``--ray``
leaves its tasks unpinned, one CPU each) with one torch thread, so that a rerun on the same machine
repeats each run step for step. Each row records what its rerun needs beyond the command: the code
(``commit``, and ``dirty`` if tracked files differed from it), ``torch_threads``, the cores it ran on
(``cpu_affinity``) and the CPU: torch picks its vectorised kernels by the instruction set
(``torch_cpu_capability``), so a run repeats bit for bit only on a CPU with the same capability.
Rows written before these fields existed have none of them.

    python benchmarks/learning.py --envs Catch-v0 FruitFetch-v0 --algos sweep-dqn dqn --seeds 0 1 2

An algorithm may be a variant of its tuned entry (``sweep-dqn+keep_fraction=0.75``) or an entry of
another file (``dqn@benchmarks/protocols/dqn-breakout-tutorial-protocol.yml``); see ``parse_algo_spec``.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import harness  # the sibling script (this script's folder is on the path)
import numpy as np
import torch
import yaml

from agents import zoo
from agents.algorithms import ALGORITHMS, dry_run, tuned_config, tuned_model
from agents.commands import (
    MAX_SEED,
    STOP_SIGNALS,
    Stopped,
    UsageError,
    check_writable_folder,
    output_lock,
    signals_held,
    stop_on_signal,
    write_atomically,
    write_text,
)
from agents.runs import machine
from agents.scoring import GreedyChecks, greedy_score, random_score, score_name
from agents.targets import TARGETS_FILE, load_targets, target_score
from gym_catchgames.validation import int_at_least

#: What a finished row of the grid is handed to: writes the rows so far.
Record = Callable[[list[dict[str, Any]]], None]


def split_algo_spec(spec: str) -> tuple[str, str, list[str]]:
    """``NAME[@FILE][+KEY=VALUE...]`` -> (name, file or ``""``, the ``KEY=VALUE`` texts), unchecked:
    also for the specs of old rows, whose entry file may be gone."""
    head, *override_texts = spec.split("+")
    algo, _, hyperparams = head.partition("@")
    return algo, hyperparams, override_texts


def parse_algo_spec(spec: str) -> tuple[str, Path | None, dict[str, Any]]:
    """``NAME[@FILE][+KEY=VALUE...]`` -> (algorithm, entry file or None, overrides).

    ``@FILE`` reads the entry from another file in the tuned files' format (such as the ``best.yml``
    of ``agents.tune``); each ``+KEY=VALUE`` overrides one setting (the value read as YAML), e.g.
    ``sweep-dqn+keep_fraction=0.75`` for a variant beside the tuned entry in the same table.

    :raises UsageError: naming what is allowed, for an unknown algorithm, a missing file or an
        override that is not ``KEY=VALUE`` with a key of the algorithm.
    """
    algo, hyperparams, override_texts = split_algo_spec(spec)
    if algo not in ALGORITHMS:
        raise UsageError(f"--algos {spec!r}: the name must be one of {', '.join(ALGORITHMS)}")
    if hyperparams and not Path(hyperparams).is_file():
        raise UsageError(f"--algos {spec!r}: no file {hyperparams}")
    try:
        overrides = dict(zoo.parse_override(text) for text in override_texts)
        zoo.check_keys(overrides, ALGORITHMS[algo])
    except zoo.HyperparameterError as error:
        raise UsageError(f"--algos {spec!r}: {error}") from None
    return algo, Path(hyperparams) if hyperparams else None, overrides


def check_pair(env_id: str, algo_spec: str, seed: int, timesteps: int | None) -> None:
    """Build the run of one (env, algorithm spec) once (``dry_run``): a spec whose entry file, overrides
    or network fail on this env is a ``UsageError`` before any pair trains."""
    algo, hyperparams, overrides = parse_algo_spec(algo_spec)
    try:
        dry_run(
            tuned_config(
                env_id, algo, seed, timesteps=timesteps, overrides=overrides, hyperparams=hyperparams
            )
        )
    except (OSError, yaml.YAMLError, zoo.HyperparameterError) as error:
        raise UsageError(f"--algos {algo_spec!r} on {env_id}: {' '.join(str(error).split())}") from None


def run_pair(env_id: str, algo_spec: str, seed: int, options: dict[str, Any]) -> dict[str, Any]:
    """Train and score one (env, algorithm, seed); the result depends on nothing else.

    ``algo_spec`` is read by :func:`parse_algo_spec`. A stop signal while it trains, is scored or its
    model saved ends it with its row (``stopped_by``); one while it is set up raises :class:`Stopped`.
    """
    algo, hyperparams, overrides = parse_algo_spec(algo_spec)
    torch.set_num_threads(1)
    config, model = tuned_model(
        env_id, algo, seed, timesteps=options["timesteps"], overrides=overrides, hyperparams=hyperparams
    )
    baseline = random_score(config, int(model.action_space.n), options["episodes"])
    target = target_score(options["targets"][env_id], baseline)

    def progress(checks: GreedyChecks) -> None:
        steps, score = checks.checks[-1]
        print(f"{env_id} {algo_spec} seed {seed}: greedy score {score:.2f} at {steps:,} steps", flush=True)

    after_target = "stop training" if options["stop_at_target"] else options["after_target"]
    checks = GreedyChecks(
        config, options["check_every"], options["check_episodes"], target, after_target=after_target,
        on_check=progress, epsilon=options["epsilon"],
    )  # fmt: skip
    stopped = None
    try:
        model.learn(config.timesteps, callback=checks)
    except Stopped as signal_name:  # Ctrl-C or SIGTERM: score and keep what was trained so far
        stopped = str(signal_name)
        print(
            f"{env_id} {algo_spec} seed {seed}: {stopped} at {model.num_timesteps:,} steps; scoring it",
            flush=True,
        )
    seconds = checks.train_seconds()
    try:
        with signals_held():  # scoring and saving finish; a stop meanwhile ends the grid after this row
            final = greedy_score(config, model, options["episodes"], options["epsilon"])
            if options["models_dir"]:
                save_model(model, Path(options["models_dir"]), f"{env_id}-{algo_spec}-seed{seed}")
    except Stopped as signal_name:
        stopped = stopped or str(signal_name)
    steps, reached_seconds = checks.reached_at or (None, None)
    return {
        "env": env_id, "algo": algo_spec, "seed": seed, "budget": config.timesteps,
        "steps": model.num_timesteps, "train_seconds": seconds, "target": target, "random_score": baseline,
        "final_score": final,
        "steps_to_target": steps, "seconds_to_target": reached_seconds, "checks": checks.checks,
        "check_train_seconds": checks.check_train_seconds,
        "epsilon": options["epsilon"], "sweeps": getattr(model, "sweep_log", None), "stopped_by": stopped,
        **options["code"], "torch_threads": torch.get_num_threads(),
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        **machine(),
    }  # fmt: skip


def save_model(model: Any, folder: Path, name: str) -> None:
    """``--save-models``: the final model as ``folder/<name>.zip`` (the folder made with the first one)."""
    folder.mkdir(parents=True, exist_ok=True)
    file_name = name.replace("/", "_").replace("@", "-").replace("+", "-")
    write_atomically(folder / f"{file_name}.zip", model.save)


def run_grid(
    grid: list[tuple[str, str, int]], options: dict[str, Any], record: Record
) -> tuple[list[dict[str, Any]], str | None]:
    """Every (env, algorithm, seed) of ``grid`` in turn, in this process, each row recorded as it
    finishes, until a stop signal; return the rows and the name of the signal that stopped the grid."""
    rows: list[dict[str, Any]] = []
    try:
        for env_id, algo_spec, seed in grid:
            rows.append(run_pair(env_id, algo_spec, seed, options))
            record(rows)
            print(json.dumps(rows[-1]), flush=True)
            if rows[-1]["stopped_by"]:
                return rows, rows[-1]["stopped_by"]
    except Stopped as stopped:  # while a pair was set up (nothing of it trained) or its row written
        return rows, str(stopped)
    return rows, None


def run_grid_on_ray(
    grid: list[tuple[str, str, int]], options: dict[str, Any], address: str | None, record: Record
) -> list[dict[str, Any]]:
    """Every (env, algorithm, seed) of ``grid`` as a Ray task of one CPU, on this machine or a cluster.

    Rows come back in grid order, each with the id of the Ray node that ran it (``ray_node``), and are
    recorded as they come.
    """
    import ray  # only for --ray: Ray is an optional extra

    from agents.ray_cluster import start_ray

    @ray.remote(num_cpus=1)
    def run_pair_on_a_node(env_id: str, algo_spec: str, seed: int) -> dict[str, Any]:
        row = run_pair(env_id, algo_spec, seed, options)
        return {**row, "ray_node": ray.get_runtime_context().get_node_id()}

    start_ray(address)
    try:
        futures = [run_pair_on_a_node.remote(*pair) for pair in grid]
        rows = []
        for future in futures:
            rows.append(ray.get(future))
            record(rows)
            print(json.dumps(rows[-1]), flush=True)
        return rows
    finally:
        ray.shutdown()


def models_dir(out: Path) -> Path:
    """Where ``--save-models`` puts the final models: ``<out>-models/`` beside the tables."""
    return out.parent / f"{out.name}-models"


def result_files(out: Path, save_models: bool) -> list[Path]:
    """What a grid writes at ``--out``: the rows, their table and (``--save-models``) the models folder."""
    return [out.with_suffix(".json"), out.with_suffix(".md"), *([models_dir(out)] if save_models else [])]


def write_results(out: Path, rows: list[dict[str, Any]]) -> None:
    """Write the rows so far and their table, each file in one rename."""
    write_text(out.with_suffix(".json"), json.dumps(rows, indent=1))
    write_text(out.with_suffix(".md"), summarise(rows) + "\n")


def summarise(rows: list[dict]) -> str:
    lines = [
        "| env | algo | score | final greedy score (mean ± se) | random | target | seeds at target "
        "| env steps to target (median) | seconds to target (median) | budget |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for env_id, algo in dict.fromkeys((row["env"], row["algo"]) for row in rows):
        group = [row for row in rows if (row["env"], row["algo"]) == (env_id, algo)]
        finals = np.array([row["final_score"] for row in group])
        se = finals.std(ddof=1) / np.sqrt(len(finals)) if len(finals) > 1 else 0.0
        reached = [row for row in group if row["steps_to_target"] is not None]
        steps = f"{np.median([row['steps_to_target'] for row in reached]):,.0f}" if reached else "not reached"
        seconds = f"{np.median([row['seconds_to_target'] for row in reached]):.1f}" if reached else "-"
        lines.append(
            f"| {env_id} | {algo} | {score_name(env_id)} | {finals.mean():.2f} ± {se:.2f} "
            f"| {np.mean([row['random_score'] for row in group]):.2f} | {group[0]['target']:.2f} "
            f"| {len(reached)}/{len(group)} | {steps} | {seconds} | {group[0]['budget']:,} |"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=["Catch-v0", "FruitFetch-v0"])
    parser.add_argument(
        "--algos",
        nargs="+",
        default=["sweep-dqn", "dqn"],
        help="names; NAME@FILE reads the entry from another file; +KEY=VALUE overrides a setting",
    )
    parser.add_argument("--seeds", nargs="+", type=int_at_least(0, MAX_SEED), default=[0, 1, 2])
    parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: each tuned budget")
    parser.add_argument("--episodes", type=int_at_least(1), default=200, help="episodes of the final score")
    parser.add_argument("--check-every", type=int_at_least(1), default=1000, help="steps between checks")
    parser.add_argument("--check-episodes", type=int_at_least(1), default=100, help="episodes per check")
    parser.add_argument("--stop-at-target", action="store_true", help="stop a run once it reaches the target")
    parser.add_argument(
        "--keep-checking", action="store_true", help="check every --check-every steps after the target too"
    )
    parser.add_argument(
        "--epsilon", type=float, default=0.0, help="random-move probability of the scored player (default 0)"
    )
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/learning"))
    harness.add_cpu_argument(parser, what=" (without --ray, whose tasks are not pinned)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing results at --out")
    parser.add_argument("--save-models", action="store_true", help="save each final model beside --out")
    parser.add_argument("--ray", action="store_true", help="run the grid as Ray tasks, one CPU each")
    parser.add_argument("--address", default=None, help="with --ray: a cluster (auto, HOST:PORT, ray://...)")
    return parser


def check_arguments(args: argparse.Namespace, targets: dict[str, Any]) -> None:
    """Check everything of the command line that could fail once the grid runs (``--out``'s earlier
    results excepted: they are checked under its lock); pin to ``--cpu``, so that the dry runs of the
    pairs already run there. Raises ``UsageError``."""
    missing = [env_id for env_id in args.envs if env_id not in targets]
    if missing:
        raise UsageError(f"no target for {', '.join(missing)} in {TARGETS_FILE}: add one there")
    if not 0.0 <= args.epsilon <= 1.0:
        raise UsageError(f"--epsilon must be in [0, 1], got {args.epsilon}")
    if args.address is not None and not args.ray:
        raise UsageError("--address needs --ray")
    for flag, values in (("--envs", args.envs), ("--algos", args.algos), ("--seeds", args.seeds)):
        repeated = list(dict.fromkeys(value for value in values if values.count(value) > 1))
        if repeated:
            raise UsageError(f"{flag} repeats {', '.join(map(str, repeated))}: give each once")
    if args.ray and args.cpu not in (None, harness.NO_PINNING):
        raise UsageError("--cpu pins a grid run one pair after another; --ray runs each pair as a task")
    harness.pin(harness.NO_PINNING if args.ray else args.cpu)
    check_writable_folder("--out", args.out.parent)
    for env_id, algo_spec in itertools.product(args.envs, args.algos):
        check_pair(env_id, algo_spec, args.seeds[0], args.timesteps)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    targets = load_targets()
    try:
        check_arguments(args, targets)
        with output_lock("--out", args.out):
            for existing in result_files(args.out, args.save_models):
                if existing.exists() and not args.overwrite:
                    raise UsageError(
                        f"{existing} exists; pass --overwrite to replace it or choose another --out"
                    )
            return run(args, targets)
    except UsageError as error:
        parser.error(str(error))
    except OSError as error:  # a full disk: every row written so far is kept
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1


def run(args: argparse.Namespace, targets: dict[str, Any]) -> int:
    """Run the checked grid, recording each row as it finishes; return the exit status."""
    options = {
        "timesteps": args.timesteps, "episodes": args.episodes, "check_every": args.check_every,
        "check_episodes": args.check_episodes, "stop_at_target": args.stop_at_target, "targets": targets,
        "after_target": "keep checking" if args.keep_checking else "stop checking", "epsilon": args.epsilon,
        "models_dir": str(models_dir(args.out).resolve()) if args.save_models else None,
        "code": harness.code_version(),
    }  # fmt: skip
    grid = list(itertools.product(args.envs, args.algos, args.seeds))
    record = functools.partial(write_results, args.out)
    start = time.perf_counter()
    stopped_by = None
    if args.ray:
        rows = run_grid_on_ray(grid, options, args.address, record)
    else:
        previous = {each: signal.signal(each, stop_on_signal) for each in STOP_SIGNALS}
        try:
            rows, stopped_by = run_grid(grid, options, record)
        finally:
            for each, handler in previous.items():
                signal.signal(each, handler)
    mode = "as Ray tasks" if args.ray else "one after another"
    print(f"{len(rows)} of {len(grid)} runs in {time.perf_counter() - start:.0f} s wall-clock, {mode}")
    print(summarise(rows))
    return 128 + signal.Signals[stopped_by].value if stopped_by else 0


if __name__ == "__main__":
    sys.exit(main())
