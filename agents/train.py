"""Train an agent on a game: ``python -m agents.train --env Catch-v0 --algo sweep-dqn``.

Reads the tuned hyperparameters of ``agents/hyperparams/<algo>.yml`` (RL Zoo format), trains with
SB3's progress bar, TensorBoard logs, periodic evaluation and checkpoints, then evaluates the final
greedy policy against a random player and writes a GIF of it playing and the learning curve. Every run
gets a new numbered folder (``runs/<env>/<algo>/run-001`` ...), so nothing is overwritten. Every setting
is checked before the folder is made (a bad one is a one-line usage error, exit status 2). Ctrl-C
(SIGINT) and SIGTERM (``timeout``, ``docker stop``, job schedulers) save ``model_interrupted.zip``
before exiting with status 130 or 143; further signals during the save are ignored, so the model is
never lost half-written.
"""

from __future__ import annotations

import argparse
import signal
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
from agents.algorithms import ALGORITHMS, build_model, check_config, tuned_config
from agents.runs import RunConfig, make_env, new_run_dir, register_env_packages
from gym_catchgames.validation import int_at_least

#: Observation wrappers the command line can add (as the zoo's ``env_wrapper``); each checks that the
#: env has what it needs (the head-centred view needs a game with a ``head``, as Snake has).
WRAPPERS = {
    "motion-trace": "gym_catchgames.wrappers.MotionTraceObservation",
    "head-centred": "gym_catchgames.wrappers.HeadCentredObservation",
}


#: The largest ``--seed``: SB3 seeds NumPy's global generator, which takes 32-bit seeds.
MAX_SEED = 2**32 - 1
#: The signals that stop a run the way Ctrl-C does: the model is saved, the exit status is 128 + signal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class UsageError(ValueError):
    """Bad command-line input: reported as a one-line message with exit status 2."""


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM during a run; a ``KeyboardInterrupt``, so every Ctrl-C path handles it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_status = 128 + signum


def stop_on_signal(signum: int, frame: object) -> None:
    """The handler of the stop signals: let the next ones pass (the model is being saved), then stop.

    Raises :class:`Stopped`; ``agents.train`` and ``benchmarks/learning.py`` install it for
    ``STOP_SIGNALS`` around training.
    """
    for each in STOP_SIGNALS:
        # A Python handler that does nothing, not SIG_IGN: Python raises "OSError: Signal 15 ignored due
        # to race condition" for a signal already pending when its handler becomes SIG_IGN.
        signal.signal(each, _already_stopping)
    raise Stopped(signum)


def _already_stopping(signum: int, frame: object) -> None:
    """A stop signal after the first: the run is already saving its model and stopping."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m agents.train", description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="Catch-v0", help="a registered env id (default: Catch-v0)")
    parser.add_argument("--algo", default="sweep-dqn", choices=list(ALGORITHMS), help="default: sweep-dqn")
    parser.add_argument(
        "--timesteps", type=int_at_least(1), default=None, help="env steps (default: the tuned n_timesteps)"
    )
    parser.add_argument("--seed", type=int_at_least(0, MAX_SEED), default=0)
    parser.add_argument(
        "--n-envs", type=int_at_least(1), default=None, help="parallel envs (default: the tuned n_envs or 1)"
    )
    parser.add_argument("--wrapper", choices=list(WRAPPERS), default=None, help="add an observation wrapper")
    parser.add_argument(
        "--conf-file",
        "-conf",
        type=Path,
        default=None,
        metavar="FILE",
        help="read the entry from FILE, in the format of agents/hyperparams/<algo>.yml (as rl_zoo3's -conf)",
    )
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
    """Check the command line against the registry and the tuned files, and every setting as far as it can
    be checked without training (see ``check_config``); raise ``UsageError`` if wrong."""
    _check_runs_dir(args.runs_dir)
    register_env_packages(args.env)
    if args.env not in gymnasium.registry:
        tuned = ", ".join(zoo.tuned_env_ids(args.algo))
        raise UsageError(f"unknown env id {args.env!r}; ids with tuned {args.algo} settings: {tuned}")
    if args.conf_file is not None and not args.conf_file.is_file():
        raise UsageError(f"--conf-file {args.conf_file}: no such file")
    overrides = {}
    try:
        overrides.update(zoo.parse_override(text) for text in args.hyperparams)
        if args.wrapper is not None:
            overrides["env_wrapper"] = WRAPPERS[args.wrapper]
        config = tuned_config(
            args.env, args.algo, args.seed, timesteps=args.timesteps, n_envs=args.n_envs, overrides=overrides,
            hyperparams=args.conf_file,
        )  # fmt: skip
        check_config(config)
    except zoo.HyperparameterError as error:
        raise UsageError(str(error)) from error
    except yaml.YAMLError as error:
        raise UsageError(f"--conf-file {args.conf_file} is not YAML: {error}".splitlines()[0]) from error
    return config


def _check_runs_dir(runs_dir: Path) -> None:
    """``--runs-dir`` must be a folder or a path a folder can be made at (not a file or under one)."""
    for path in (runs_dir, *runs_dir.parents):
        if path.exists():
            if not path.is_dir():
                raise UsageError(f"--runs-dir {runs_dir}: {path} is a file, not a folder")
            return


def train(config: RunConfig, args: argparse.Namespace) -> Path:
    """Train, save and evaluate one run; return its folder."""
    run_dir = new_run_dir(args.runs_dir, config.env_id, config.algo)
    config.save(run_dir)
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
    start = time.perf_counter()
    try:  # from the first line on, a stop saves the model (a test waits for this line to stop a run)
        print(
            f"training {config.algo} on {config.env_id} for {config.timesteps:,} steps -> {run_dir}",
            flush=True,
        )
        model.learn(config.timesteps, callback=callbacks, progress_bar=not args.no_progress_bar)
    except KeyboardInterrupt:
        path = run_dir / "model_interrupted.zip"
        model.save(path)
        print(f"\ninterrupted at step {model.num_timesteps:,}: model saved to {path}", flush=True)
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
    previous = {each: signal.signal(each, stop_on_signal) for each in STOP_SIGNALS}
    try:
        train(config, args)
    except Stopped as stopped:
        # The model is saved and the command is ending: from here to the process's exit (whose clean-up
        # gives signals back their default action) a late Ctrl-C must not kill it with status -2.
        for each in STOP_SIGNALS:
            signal.signal(each, signal.SIG_IGN)
        return stopped.exit_status
    except KeyboardInterrupt:  # raised by other code than the handler (e.g. a test's callback)
        status = 130
    else:
        status = 0
    for each, handler in previous.items():
        signal.signal(each, handler)
    return status


if __name__ == "__main__":
    sys.exit(main())
