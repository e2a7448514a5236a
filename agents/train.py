"""Train an agent on a game: ``python -m agents.train --env Catch-v0 --algo sweep-dqn``.

Reads the tuned hyperparameters of ``agents/hyperparams/<algo>.yml`` (RL Zoo format), trains with
SB3's progress bar, TensorBoard logs, periodic evaluation and checkpoints, then evaluates the final
greedy policy against a random player and writes a GIF of it playing and the learning curve. Every run
gets a new numbered folder (``runs/<env>/<algo>/run-001`` ...), so nothing is overwritten; Ctrl-C saves
the model before exiting.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import gymnasium
import torch
import yaml
from stable_baselines3.common.callbacks import CheckpointCallback, EvalCallback
from stable_baselines3.common.vec_env import VecTransposeImage, is_vecenv_wrapped

from agents import evaluate, zoo
from agents.algorithms import ALGORITHMS, build_model, tuned_config
from agents.runs import RunConfig, make_env, new_run_dir, register_env_packages
from gym_catchgames.validation import int_at_least

#: Observation wrappers the command line can add (as the zoo's ``env_wrapper``); each checks that the
#: env has what it needs (the head-centred view needs a game with a ``head``, as Snake has).
WRAPPERS = {
    "motion-trace": "gym_catchgames.wrappers.MotionTraceObservation",
    "head-centred": "gym_catchgames.wrappers.HeadCentredObservation",
}


class UsageError(ValueError):
    """Bad command-line input: reported as a one-line message with exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m agents.train", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="Catch-v0", help="a registered env id (default: Catch-v0)")
    parser.add_argument("--algo", default="sweep-dqn", choices=list(ALGORITHMS), help="default: sweep-dqn")
    parser.add_argument(
        "--timesteps", type=int_at_least(1), default=None, help="env steps (default: the tuned n_timesteps)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--n-envs", type=int_at_least(1), default=None, help="parallel envs (default: the tuned n_envs or 1)"
    )
    parser.add_argument("--wrapper", choices=list(WRAPPERS), default=None, help="add an observation wrapper")
    parser.add_argument(
        "--hyperparams", "-params", nargs="+", default=[], metavar="KEY=VALUE", help="override tuned settings"
    )
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"), help="parent folder of numbered runs")
    parser.add_argument(
        "--eval-episodes", type=int_at_least(1), default=200, help="greedy episodes of the final evaluation"
    )
    parser.add_argument(
        "--eval-freq", type=int_at_least(1), default=None, help="steps between evaluations (default: 10/run)"
    )
    parser.add_argument("--no-progress-bar", action="store_true", help="hide SB3's progress bar")
    parser.add_argument(
        "--gif-episodes", type=int_at_least(0), default=3, help="episodes in the GIF (0: no GIF)"
    )
    parser.add_argument(
        "--threads", type=int_at_least(1), default=1, help="torch CPU threads (small nets run best on 1)"
    )
    return parser


def resolve_config(args: argparse.Namespace) -> RunConfig:
    """Check the command line against the registry and the tuned files; raise ``UsageError`` if wrong."""
    register_env_packages(args.env)
    if args.env not in gymnasium.registry:
        tuned = ", ".join(zoo.tuned_env_ids(args.algo))
        raise UsageError(f"unknown env id {args.env!r}; ids with tuned {args.algo} settings: {tuned}")
    overrides = {}
    try:
        overrides.update(zoo.parse_override(text) for text in args.hyperparams)
        if args.wrapper is not None:
            overrides["env_wrapper"] = WRAPPERS[args.wrapper]
        return tuned_config(
            args.env, args.algo, args.seed, timesteps=args.timesteps, n_envs=args.n_envs, overrides=overrides
        )
    except zoo.HyperparameterError as error:
        raise UsageError(str(error)) from error


def train(config: RunConfig, args: argparse.Namespace) -> Path:
    """Train, save and evaluate one run; return its folder."""
    run_dir = new_run_dir(args.runs_dir, config.env_id, config.algo)
    (run_dir / "config.yml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
    env = make_env(config, n_envs=config.n_envs, monitor_dir=run_dir / "monitor")
    model = build_model(config, env, tensorboard_log=_tensorboard_dir(run_dir))
    eval_env = make_env(config, n_envs=1, seed_offset=10_000)
    if is_vecenv_wrapped(model.get_env(), VecTransposeImage):  # SB3 moved the image channels first
        eval_env = VecTransposeImage(eval_env)
    eval_freq = (
        args.eval_freq if args.eval_freq is not None else max(config.timesteps // (10 * config.n_envs), 1)
    )
    callbacks = [
        EvalCallback(
            eval_env,
            n_eval_episodes=20,
            eval_freq=eval_freq,
            log_path=str(run_dir / "eval"),
            best_model_save_path=str(run_dir / "best"),
            verbose=0,
        ),
        CheckpointCallback(
            save_freq=max(config.timesteps // (4 * config.n_envs), 1), save_path=str(run_dir / "checkpoints")
        ),
    ]
    print(f"training {config.algo} on {config.env_id} for {config.timesteps:,} steps -> {run_dir}")
    start = time.perf_counter()
    try:
        model.learn(config.timesteps, callback=callbacks, progress_bar=not args.no_progress_bar)
    except KeyboardInterrupt:
        path = run_dir / "model_interrupted.zip"
        model.save(path)
        print(f"\ninterrupted at step {model.num_timesteps:,}: model saved to {path}")
        raise
    seconds = time.perf_counter() - start
    model.save(run_dir / "model.zip")
    print(f"trained in {seconds:.0f} s; model saved to {run_dir / 'model.zip'}")
    evaluate.report(run_dir, model=model, episodes=args.eval_episodes, gif_episodes=args.gif_episodes)
    return run_dir


def _tensorboard_dir(run_dir: Path) -> str | None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        print("tensorboard is not installed: no TensorBoard logs (pip install tensorboard)")
        return None
    return str(run_dir / "tensorboard")


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``python -m agents.train`` and ``catchgames-train``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = resolve_config(args)
    except UsageError as error:
        parser.error(str(error))
    torch.set_num_threads(args.threads)
    try:
        train(config, args)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
