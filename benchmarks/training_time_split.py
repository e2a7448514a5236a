"""Where the time of a PPO (or A2C) training run goes: the native vector engine against ``make_vec_env``.

For each id, the tuned entry of ``agents/hyperparams/<algo>.yml`` at its own ``n_envs`` is trained twice
in the same process, pinned to one core: on the package's engine (``agents.runs.make_env(...,
engine="native")``: the game's own vector env through ``SB3VecEnvAdapter``) and on SB3's ``make_vec_env``
over scalar envs (``engine="make_vec_env"``: a ``DummyVecEnv``). Each is warmed up for one rollout,
then trained for ``--steps`` env steps, and its wall time is split into

* env stepping: the VecEnv's ``reset`` and ``step`` (monitor included),
* policy forward passes: the rest of ``collect_rollouts`` (acting, values, the rollout buffer),
* updates: ``train()`` (the gradient steps),
* other: logging and callbacks, what is left of ``learn()``.

Rounds alternate between the engines and the best of ``--repeats`` is kept, so a slow spell of a shared
machine hits both alike: compare the ratios, not the absolute figures across machines.

    python benchmarks/training_time_split.py [--envs Catch-v0 Cave-v0] [--algo ppo] [--steps 40000] [--cpu 0]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import harness  # the sibling script (this script's folder is on the path)
import torch
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper

from agents.algorithms import build_model, tuned_config
from agents.runs import make_env
from gym_catchgames.validation import int_at_least

#: The engines compared, by their names in the table and as ``agents.runs.make_env`` takes them.
ENGINES = {"native engine": "native", "make_vec_env": "make_vec_env"}
PARTS = ("env stepping", "policy forward passes", "updates", "other")


class StepTimer(VecEnvWrapper):
    """Adds the wall seconds of every ``reset`` and ``step`` of the wrapped VecEnv to ``seconds``."""

    def __init__(self, venv: VecEnv) -> None:
        super().__init__(venv)
        self.seconds = 0.0

    def reset(self):
        start = time.perf_counter()
        obs = self.venv.reset()
        self.seconds += time.perf_counter() - start
        return obs

    def step_wait(self):
        start = time.perf_counter()
        result = self.venv.step_wait()
        self.seconds += time.perf_counter() - start
        return result


def timed(method: Callable[..., Any], totals: dict[str, float], name: str) -> Callable[..., Any]:
    """``method`` adding its wall seconds to ``totals[name]``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - start

    return call


def split_one_run(env_id: str, algo: str, engine: str, steps: int, seed: int) -> dict[str, float]:
    """Seconds of each part of ``steps`` env steps of training (after a one-rollout warm-up)."""
    config = tuned_config(env_id, algo, seed)
    env = StepTimer(make_env(config, n_envs=config.n_envs, engine=ENGINES[engine]))
    model = build_model(config, env)
    model.learn(model.n_steps * config.n_envs)  # warm-up: the first rollout and update
    totals: dict[str, float] = defaultdict(float)
    model.collect_rollouts = timed(model.collect_rollouts, totals, "collect")
    model.train = timed(model.train, totals, "train")
    env.seconds = 0.0
    start = time.perf_counter()
    model.learn(steps, reset_num_timesteps=False)
    total = time.perf_counter() - start
    env.close()
    return {
        "total": total,
        "env stepping": env.seconds,
        "policy forward passes": totals["collect"] - env.seconds,
        "updates": totals["train"],
        "other": total - totals["collect"] - totals["train"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=["Catch-v0", "Cave-v0"])
    parser.add_argument("--algo", default="ppo", choices=["ppo", "a2c"])
    parser.add_argument("--steps", type=int_at_least(1), default=40_000, help="timed env steps per run")
    parser.add_argument("--repeats", type=int_at_least(1), default=3)
    parser.add_argument("--seed", type=int_at_least(0), default=0)
    harness.add_cpu_argument(parser)
    args = harness.parse_and_pin(parser, argv)
    torch.set_num_threads(1)
    print(f"{args.algo} tuned entries, {args.steps:,} env steps a run, best of {args.repeats}")
    print("| id | n_envs | engine | env steps/s | " + " | ".join(PARTS) + " |")
    print("|---|---:|---|---:|" + "---:|" * len(PARTS))
    ratios = []
    for env_id in args.envs:
        best = harness.best_of_rounds(
            lambda engine, env_id=env_id: split_one_run(env_id, args.algo, engine, args.steps, args.seed),
            ENGINES, args.repeats, lambda split: split["total"],
        )  # fmt: skip
        n_envs = tuned_config(env_id, args.algo).n_envs
        for engine, split in best.items():
            shares = " | ".join(f"{100 * split[part] / split['total']:.0f} %" for part in PARTS)
            print(f"| {env_id} | {n_envs} | {engine} | {args.steps / split['total']:,.0f} | {shares} |")
        ratio = best["make_vec_env"]["total"] / best["native engine"]["total"]
        ratios.append(f"{env_id}: the native engine trains {ratio:.2f}x as fast as make_vec_env")
    print("\n".join(ratios))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
