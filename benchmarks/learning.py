"""Learning results: each (env, algorithm) pair with its tuned settings, over several seeds.

For every pair and seed it trains for the tuned budget, checks the greedy policy's natural score every
``--check-every`` steps, and records the env steps and wall seconds (training only, checks excluded)
at which the game's target (``benchmarks/targets.yml``, in the game's natural score) was first
reached; then it scores the final greedy policy over ``--episodes`` episodes. It prints a Markdown
table and writes it, with the raw numbers and every check's score, to ``--out``; ``--save-models``
keeps the final models in ``<out>-models/``.

    python benchmarks/learning.py --envs Catch-v0 FruitFetch-v0 --algos sweep-dqn dqn --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from stable_baselines3.common.callbacks import BaseCallback

from agents.algorithms import tuned_model
from agents.evaluate import play_episodes, score_name
from agents.runs import RunConfig

#: Each id's target in its natural score: a number, or ``{times_random: k}`` (k x the random player's).
TARGETS_FILE = Path(__file__).with_name("targets.yml")


def load_targets(path: Path = TARGETS_FILE) -> dict[str, float | dict[str, float]]:
    """The targets file, checked: each value a number or ``{times_random: <number>}``."""
    targets = yaml.safe_load(path.read_text())
    for env_id, target in targets.items():
        number = target.get("times_random") if isinstance(target, dict) and len(target) == 1 else target
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError(f"{path}: {env_id}: a target is a number or {{times_random: k}}, got {target!r}")
    return targets


def target_score(target: float | dict[str, float], random_score: float) -> float:
    """The score to reach: the target itself, or ``times_random`` times the random player's score."""
    return target["times_random"] * random_score if isinstance(target, dict) else float(target)


class TargetCallback(BaseCallback):
    """Checks the greedy score every ``check_every`` steps; remembers when it first reached ``target``."""

    def __init__(self, config: RunConfig, target: float, check_every: int, episodes: int, stop: bool):
        super().__init__()
        self.config, self.target, self.check_every, self.episodes, self.stop = (
            config,
            target,
            check_every,
            episodes,
            stop,
        )
        self.reached_at: tuple[int, float] | None = None
        self.checks: list[tuple[int, float]] = []  # (env steps, greedy score) of every check
        self.check_seconds = 0.0
        self.start = time.perf_counter()
        self.next_check = check_every

    def _on_step(self) -> bool:
        if self.num_timesteps < self.next_check or self.reached_at is not None:
            return True
        self.next_check += self.check_every
        started = time.perf_counter()
        score = greedy_score(self.config, self.model, self.episodes)
        self.check_seconds += time.perf_counter() - started
        self.checks.append((self.num_timesteps, score))
        print(f"{self.config.env_id} {self.config.algo} seed {self.config.seed}: greedy score {score:.2f} "
              f"at {self.num_timesteps:,} steps", flush=True)  # fmt: skip
        if score >= self.target:
            self.reached_at = (self.num_timesteps, time.perf_counter() - self.start - self.check_seconds)
            return not self.stop
        return True


def greedy_score(config: RunConfig, model, episodes: int) -> float:
    act = lambda obs: model.predict(obs, deterministic=True)[0]  # noqa: E731
    return float(np.mean(play_episodes(config, act, episodes).natural))


def random_score(config: RunConfig, n_actions: int, episodes: int) -> float:
    rng = np.random.default_rng(config.seed)
    return float(
        np.mean(play_episodes(config, lambda obs: rng.integers(n_actions, size=len(obs)), episodes).natural)
    )


def run_pair(env_id: str, algo: str, seed: int, args: argparse.Namespace) -> dict:
    config, model = tuned_model(env_id, algo, seed)
    baseline = random_score(config, int(model.action_space.n), args.episodes)
    target = target_score(args.targets[env_id], baseline)
    callback = TargetCallback(config, target, args.check_every, args.check_episodes, stop=args.stop_at_target)
    start = time.perf_counter()
    model.learn(config.timesteps, callback=callback)
    seconds = time.perf_counter() - start - callback.check_seconds
    final = greedy_score(config, model, args.episodes)
    if args.save_models:
        model.save(models_dir(args.out) / f"{env_id.replace('/', '_')}-{algo}-seed{seed}.zip")
    steps, reached_seconds = callback.reached_at or (None, None)
    return {
        "env": env_id, "algo": algo, "seed": seed, "budget": config.timesteps, "steps": model.num_timesteps,
        "train_seconds": seconds, "target": target, "random_score": baseline, "final_score": final,
        "steps_to_target": steps, "seconds_to_target": reached_seconds, "checks": callback.checks,
    }  # fmt: skip


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=["Catch-v0", "FruitFetch-v0"])
    parser.add_argument("--algos", nargs="+", default=["sweep-dqn", "dqn"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--episodes", type=int, default=200, help="episodes of the final greedy score")
    parser.add_argument("--check-every", type=int, default=1000, help="steps between target checks")
    parser.add_argument("--check-episodes", type=int, default=100, help="episodes per target check")
    parser.add_argument("--stop-at-target", action="store_true", help="stop a run once it reaches the target")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/learning"))
    parser.add_argument("--cpu", type=int, default=-1, help="core to pin to (-1: no pinning)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing results at --out")
    parser.add_argument("--save-models", action="store_true", help="save each final model beside --out")
    args = parser.parse_args()
    args.targets = load_targets()
    missing = [env_id for env_id in args.envs if env_id not in args.targets]
    if missing:
        parser.error(f"no target for {', '.join(missing)} in {TARGETS_FILE}: add one there")
    for existing in (args.out.with_suffix(".md"), models_dir(args.out) if args.save_models else None):
        if existing is not None and existing.exists() and not args.overwrite:
            parser.error(f"{existing} exists; pass --overwrite to replace it or choose another --out")
    if args.cpu >= 0:
        os.sched_setaffinity(0, {args.cpu})
    torch.set_num_threads(1)

    rows = []
    for env_id in args.envs:
        for algo in args.algos:
            for seed in args.seeds:
                row = run_pair(env_id, algo, seed, args)
                rows.append(row)
                print(json.dumps(row), flush=True)
    table = summarise(rows)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1))
    args.out.with_suffix(".md").write_text(table + "\n")


if __name__ == "__main__":
    main()
