"""Learning results: each (env, algorithm) pair with its tuned settings, over several seeds.

For every pair and seed it trains for the tuned budget, checks the greedy policy's natural score every
``--check-every`` steps, and records the env steps and wall seconds (training only, checks excluded)
at which the game's target (``agents/targets.yml``, in the game's natural score) was first
reached; then it scores the final greedy policy over ``--episodes`` episodes. It prints a Markdown
table and writes it, with the raw numbers and every check's score, to ``--out``; ``--save-models``
keeps the final models in ``<out>-models/``. Ctrl-C or SIGTERM stops the run in progress, scores what
it has learned (its row's ``stopped_by`` names the signal) and writes the rows so far before exiting
with status 128 + the signal's number.

    python benchmarks/learning.py --envs Catch-v0 FruitFetch-v0 --algos sweep-dqn dqn --seeds 0 1 2

An algorithm may be a variant of its tuned entry (``sweep-dqn+keep_fraction=0.75``) or an entry of
another file (``dqn@benchmarks/protocols/dqn-breakout-tutorial-protocol.yml``); see ``parse_algo_spec``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agents import zoo
from agents.algorithms import ALGORITHMS, tuned_model
from agents.evaluate import GreedyChecks, greedy_score, random_score, score_name
from agents.targets import TARGETS_FILE, load_targets, target_score
from agents.train import STOP_SIGNALS, Stopped, stop_on_signal
from gym_catchgames.validation import int_at_least


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

    :raises ValueError: naming what is allowed, for an unknown algorithm, a missing file or an
        override that is not ``KEY=VALUE`` with a key of the algorithm.
    """
    algo, hyperparams, override_texts = split_algo_spec(spec)
    if algo not in ALGORITHMS:
        raise ValueError(f"--algos {spec!r}: the name must be one of {', '.join(ALGORITHMS)}")
    if hyperparams and not Path(hyperparams).is_file():
        raise ValueError(f"--algos {spec!r}: no file {hyperparams}")
    try:
        overrides = dict(zoo.parse_override(text) for text in override_texts)
        zoo.check_keys(overrides, ALGORITHMS[algo])
    except zoo.HyperparameterError as error:
        raise ValueError(f"--algos {spec!r}: {error}") from None
    return algo, Path(hyperparams) if hyperparams else None, overrides


def run_pair(env_id: str, algo_spec: str, seed: int, options: dict[str, Any]) -> dict[str, Any]:
    """Train and score one (env, algorithm, seed); the result depends on nothing else.

    ``algo_spec`` is read by :func:`parse_algo_spec`.
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
    final = greedy_score(config, model, options["episodes"], options["epsilon"])
    if options["models_dir"]:
        name = f"{env_id}-{algo_spec}-seed{seed}".replace("/", "_").replace("@", "-").replace("+", "-")
        model.save(Path(options["models_dir"]) / f"{name}.zip")
    steps, reached_seconds = checks.reached_at or (None, None)
    return {
        "env": env_id, "algo": algo_spec, "seed": seed, "budget": config.timesteps,
        "steps": model.num_timesteps, "train_seconds": seconds, "target": target, "random_score": baseline,
        "final_score": final,
        "steps_to_target": steps, "seconds_to_target": reached_seconds, "checks": checks.checks,
        "check_train_seconds": checks.check_train_seconds,
        "epsilon": options["epsilon"], "sweeps": getattr(model, "sweep_log", None), "stopped_by": stopped,
    }  # fmt: skip


def run_grid(grid: list[tuple[str, str, int]], options: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (env, algorithm, seed) of ``grid`` in turn, in this process, until one is stopped by a signal."""
    rows = []
    for env_id, algo_spec, seed in grid:
        rows.append(run_pair(env_id, algo_spec, seed, options))
        print(json.dumps(rows[-1]), flush=True)
        if rows[-1]["stopped_by"]:
            break
    return rows


def run_grid_on_ray(grid: list[tuple[str, str, int]], options: dict[str, Any], address: str | None):
    """Every (env, algorithm, seed) of ``grid`` as a Ray task of one CPU, on this machine or a cluster.

    Rows come back in grid order, each with the id of the Ray node that ran it (``ray_node``).
    """
    import ray  # only for --ray: Ray is an optional extra

    from agents.tune import start_ray

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
            print(json.dumps(rows[-1]), flush=True)
        return rows
    finally:
        ray.shutdown()


def models_dir(out: Path) -> Path:
    """Where ``--save-models`` puts the final models: ``<out>-models/`` beside the tables."""
    return out.parent / f"{out.name}-models"


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=["Catch-v0", "FruitFetch-v0"])
    parser.add_argument(
        "--algos",
        nargs="+",
        default=["sweep-dqn", "dqn"],
        help="names; NAME@FILE reads the entry from another file; +KEY=VALUE overrides a setting",
    )
    parser.add_argument("--seeds", nargs="+", type=int_at_least(0), default=[0, 1, 2])
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
    parser.add_argument("--cpu", type=int, default=-1, help="core to pin to (-1: no pinning; serial runs)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing results at --out")
    parser.add_argument("--save-models", action="store_true", help="save each final model beside --out")
    parser.add_argument("--ray", action="store_true", help="run the grid as Ray tasks, one CPU each")
    parser.add_argument("--address", default=None, help="with --ray: a cluster (auto, HOST:PORT, ray://...)")
    args = parser.parse_args(argv)
    targets = load_targets()
    missing = [env_id for env_id in args.envs if env_id not in targets]
    if missing:
        parser.error(f"no target for {', '.join(missing)} in {TARGETS_FILE}: add one there")
    if not 0.0 <= args.epsilon <= 1.0:
        parser.error(f"--epsilon must be in [0, 1], got {args.epsilon}")
    if args.address is not None and not args.ray:
        parser.error("--address needs --ray")
    for spec in args.algos:
        try:
            parse_algo_spec(spec)
        except ValueError as error:
            parser.error(str(error))
    for existing in (args.out.with_suffix(".md"), models_dir(args.out) if args.save_models else None):
        if existing is not None and existing.exists() and not args.overwrite:
            parser.error(f"{existing} exists; pass --overwrite to replace it or choose another --out")
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    options = {
        "timesteps": args.timesteps, "episodes": args.episodes, "check_every": args.check_every,
        "check_episodes": args.check_episodes, "stop_at_target": args.stop_at_target, "targets": targets,
        "after_target": "keep checking" if args.keep_checking else "stop checking", "epsilon": args.epsilon,
        "models_dir": str(models_dir(args.out).resolve()) if args.save_models else None,
    }  # fmt: skip
    if options["models_dir"]:
        Path(options["models_dir"]).mkdir(parents=True, exist_ok=True)
    grid = list(itertools.product(args.envs, args.algos, args.seeds))
    start = time.perf_counter()
    if args.ray:
        try:
            rows = run_grid_on_ray(grid, options, args.address)
        except ValueError as error:  # agents.tune.UsageError: an unreachable address
            parser.error(str(error))
    else:
        previous = {each: signal.signal(each, stop_on_signal) for each in STOP_SIGNALS}
        rows = run_grid(grid, options)
        for each, handler in previous.items():
            signal.signal(each, handler)
    mode = "as Ray tasks" if args.ray else "one after another"
    print(f"{len(rows)} of {len(grid)} runs in {time.perf_counter() - start:.0f} s wall-clock, {mode}")
    table = summarise(rows)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    args.out.with_suffix(".md").write_text(table + "\n")
    stopped_by = rows[-1]["stopped_by"] if rows else None
    return 128 + signal.Signals[stopped_by].value if stopped_by else 0


if __name__ == "__main__":
    sys.exit(main())
