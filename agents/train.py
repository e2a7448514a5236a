"""Train an agent on a game: ``python -m agents.train --env Catch-v0 --algo sweep-dqn``.

Reads the tuned hyperparameters of ``agents/hyperparams/<algo>.yml`` (RL Zoo format), trains with
SB3's progress bar, TensorBoard logs, periodic evaluation and checkpoints, then evaluates the final
greedy policy against a random player and writes a GIF of it playing and the learning curve. Every run
gets a new numbered folder (``runs/<env>/<algo>/run-001`` ...), so nothing is overwritten. Every setting
is checked before the folder is made, the model and its env built once on a dry run (a bad one is a
one-line usage error, exit status 2). Ctrl-C (SIGINT) and SIGTERM (``timeout``, ``docker stop``, job
schedulers) save ``model_interrupted.zip`` before exiting with status 130 or 143; one during set-up
leaves no folder. Every model file (final, interrupted, checkpoints, best) and the evaluation log are
written beside their place and renamed into it, with signals held until the file is in place, so none
is ever half-written; a full disk is a one-line error naming the file (exit status 1), and every model
saved before it is kept.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium
import torch
import yaml
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CheckpointCallback, EvalCallback
from stable_baselines3.common.vec_env import VecTransposeImage, is_vecenv_wrapped

from agents import zoo
from agents.algorithms import ALGORITHMS, build_model, dry_run, tuned_config
from agents.commands import (
    MAX_SEED,
    STOP_SIGNALS,
    Stopped,
    UsageError,
    check_writable_folder,
    signals_held,
    stop_on_signal,
    write_atomically,
)
from agents.files import partial_path
from agents.run_report import report
from agents.runs import EVALUATION_SEED_OFFSET, RunConfig, make_env, new_run_dir, register_env_packages
from gym_catchgames.validation import int_at_least

#: Observation wrappers the command line can add (as the zoo's ``env_wrapper``); each checks that the
#: env has what it needs (the head-centred view needs a game with a ``head``, as Snake has).
WRAPPERS = {
    "motion-trace": "gym_catchgames.wrappers.MotionTraceObservation",
    "head-centred": "gym_catchgames.wrappers.HeadCentredObservation",
}


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
    be checked without training (see ``dry_run``); raise ``UsageError`` if wrong."""
    check_writable_folder("--runs-dir", args.runs_dir)
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
        dry_run(config)
    except zoo.HyperparameterError as error:
        raise UsageError(str(error)) from error
    except yaml.YAMLError as error:
        raise UsageError(f"--conf-file {args.conf_file} is not YAML: {error}".splitlines()[0]) from error
    return config


class SaveModel(BaseCallback):
    """Save the model to ``path`` through ``write_atomically`` on each call: EvalCallback's
    ``callback_on_new_best`` (SB3's own ``best_model_save_path`` writes the zip in place)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def _init_callback(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def _on_step(self) -> bool:
        write_atomically(self.path, self.model.save)
        return True


class Checkpoints(CheckpointCallback):
    """SB3's ``CheckpointCallback`` with each checkpoint written through ``write_atomically``."""

    def _on_step(self) -> bool:
        if self.n_calls % self.save_freq == 0:
            write_atomically(Path(self._checkpoint_path(extension="zip")), self.model.save)
        return True


class Evaluations(EvalCallback):
    """SB3's ``EvalCallback`` writing ``evaluations.npz`` through ``write_atomically`` (SB3's
    ``np.savez`` is pointed at the partial file) and its best model through :class:`SaveModel`."""

    def __init__(self, eval_env: Any, *, log_file: Path, best_model: Path, **kwargs: Any) -> None:
        super().__init__(
            eval_env, log_path=str(log_file.parent), callback_on_new_best=SaveModel(best_model), **kwargs
        )
        self.log_file = log_file
        self.log_path = str(partial_path(log_file))  # np.savez keeps a name that ends in .npz

    def _on_step(self) -> bool:
        if not (self.eval_freq > 0 and self.n_calls % self.eval_freq == 0):  # no evaluation: nothing to write
            return super()._on_step()
        continue_training = []

        def evaluate_and_log(partial: Path) -> None:  # SB3's np.savez writes the partial file
            continue_training.append(super(Evaluations, self)._on_step())

        write_atomically(self.log_file, evaluate_and_log, hold_signals=False)
        return continue_training[0]


def train(config: RunConfig, args: argparse.Namespace) -> Path:
    """Train, save and evaluate one run; return its folder."""
    run_dir, model, callbacks = set_up(config, args)
    start = time.perf_counter()
    try:  # from the first line on, a stop saves the model (a test waits for this line to stop a run)
        print(
            f"training {config.algo} on {config.env_id} for {config.timesteps:,} steps -> {run_dir}",
            flush=True,
        )
        model.learn(config.timesteps, callback=callbacks, progress_bar=not args.no_progress_bar)
        seconds = time.perf_counter() - start
        write_atomically(run_dir / "model.zip", model.save)  # a stop during the save acts once it is done
    except KeyboardInterrupt:
        path = run_dir / "model_interrupted.zip"
        write_atomically(path, model.save)
        print(f"\ninterrupted at step {model.num_timesteps:,}: model saved to {path}", flush=True)
        raise
    print(f"trained in {seconds:.0f} s; model saved to {run_dir / 'model.zip'}")
    report(run_dir, model=model, episodes=args.eval_episodes, gif_episodes=args.gif_episodes)
    return run_dir


def set_up(config: RunConfig, args: argparse.Namespace) -> tuple[Path, BaseAlgorithm, list[BaseCallback]]:
    """Make the run's folder, envs, model and callbacks; return them.

    A stop signal meanwhile is held until set-up is done, then removes the folder (nothing was trained)
    and stops the run; an error removes it too. Either way no folder is left holding only ``config.yml``.
    """
    with signals_held() as held:
        run_dir = new_run_dir(args.runs_dir, config.env_id, config.algo)
        try:
            config.save(run_dir)
            env = make_env(config, n_envs=config.n_envs, monitor_dir=run_dir / "monitor")
            model = build_model(config, env, tensorboard_log=_tensorboard_dir(run_dir))
            eval_env = make_env(config, n_envs=1, seed_offset=EVALUATION_SEED_OFFSET)
            if is_vecenv_wrapped(model.get_env(), VecTransposeImage):  # SB3 moved the image channels first
                eval_env = VecTransposeImage(eval_env)
            eval_freq = args.eval_freq or max(config.timesteps // (10 * config.n_envs), 1)
            evaluations = Evaluations(
                eval_env, n_eval_episodes=20, eval_freq=eval_freq, verbose=0,
                log_file=run_dir / "eval" / "evaluations.npz", best_model=run_dir / "best" / "best_model.zip",
            )  # fmt: skip
            checkpoint_freq = max(config.timesteps // (4 * config.n_envs), 1)
            callbacks = [evaluations, Checkpoints(checkpoint_freq, save_path=str(run_dir / "checkpoints"))]
        except BaseException:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        if held:
            shutil.rmtree(run_dir, ignore_errors=True)
            print(f"stopped by {signal.Signals(held[0]).name} during set-up: no run folder kept", flush=True)
    return run_dir, model, callbacks


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
    previous = {each: signal.signal(each, stop_on_signal) for each in STOP_SIGNALS}
    try:
        config = resolve_config(args)
        torch.set_num_threads(args.threads)
        train(config, args)
        return 0
    except UsageError as error:
        parser.error(str(error))
    except Stopped as stopped:
        # The model is saved (or no folder was left) and the command is ending: from here to the process's
        # exit (whose clean-up gives signals back their default action) a late Ctrl-C must not kill it
        # with status -2.
        previous = dict.fromkeys(STOP_SIGNALS, signal.SIG_IGN)
        return stopped.exit_status
    except KeyboardInterrupt:  # raised by other code than the handler (e.g. a test's callback)
        return 130
    except OSError as error:  # a full disk, a folder removed under the run: every model saved so far is kept
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


if __name__ == "__main__":
    sys.exit(main())
