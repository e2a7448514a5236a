"""Evaluate a trained run: ``python -m agents.evaluate runs/Catch-v0/sweep-dqn/run-001``.

Plays ``--episodes`` greedy episodes and as many with a uniformly random player on the same seeds,
prints mean return ± standard error and the game's natural score (catch rate, catches, frames survived,
fruit eaten) for both, and writes ``evaluation.yml``, a GIF of the agent playing (``agent.gif``) and the
learning curve (``learning_curve.png``) into the run folder. ``--model`` picks the saved model: the
final one (default), the one saved when the run was stopped (``interrupted``) or the best evaluation's
(``best``). ``python -m agents.enjoy RUN_DIR`` (``catchgames-enjoy``) shows the agent in a window.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import os
import sys
import time
import zipfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import yaml
from stable_baselines3.common.callbacks import BaseCallback

from agents import run_folder
from agents.commands import SaveError
from agents.model_files import load_run_model
from agents.runs import RunConfig, make_env, register_env_packages
from gym_catchgames.scoring import natural_score
from gym_catchgames.validation import check_choice, check_float, int_at_least


@dataclass
class Scores:
    """Per-episode returns and natural scores of one player."""

    returns: list[float]
    natural: list[float]

    def summary(self) -> dict[str, float]:
        return {
            "episodes": len(self.returns),
            "mean_return": float(np.mean(self.returns)),
            "stderr_return": _stderr(self.returns),
            "mean_score": float(np.mean(self.natural)),
            "stderr_score": _stderr(self.natural),
        }


def score_name(env_id: str) -> str:
    """What the natural score of a game measures (the game's own label; "episode return" by default)."""
    register_env_packages(env_id)
    return natural_score(env_id).label


def play_episodes(
    config: RunConfig, act: Callable[[np.ndarray], np.ndarray], episodes: int, seed_offset: int = 20_000
) -> Scores:
    """Play ``episodes`` episodes with ``act`` (batched observations -> actions) on a fresh env."""
    env = make_env(config, n_envs=1, seed_offset=seed_offset)
    score = natural_score(config.env_id)
    returns: list[float] = []
    natural: list[float] = []
    obs = env.reset()
    while len(returns) < episodes:
        obs, _, dones, infos = env.step(act(obs))
        if dones[0] and "episode" in infos[0]:  # Monitor's record: the whole game, not a lost life
            episode = infos[0]["episode"]
            returns.append(float(episode["r"]))
            natural.append(score.of_episode(episode["r"], episode))
    env.close()
    return Scores(returns, natural)


def epsilon_greedy(model, epsilon: float = 0.0, seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """``model``'s greedy action, replaced by a uniformly random one with probability ``epsilon``.

    ``epsilon=0.01`` is how the Hvass-Labs tutorial scored Breakout: a purely greedy player that has
    lost a life may never press FIRE again and wait for the time limit.
    """
    epsilon = check_float("epsilon", epsilon, minimum=0.0, maximum=1.0)
    rng = np.random.default_rng(seed)
    n_actions = int(model.action_space.n)

    def act(obs: np.ndarray) -> np.ndarray:
        actions = model.predict(obs, deterministic=True)[0]
        explore = rng.random(len(actions)) < epsilon
        return np.where(explore, rng.integers(n_actions, size=len(actions)), actions)

    return act


def greedy_score(config: RunConfig, model, episodes: int, epsilon: float = 0.0) -> float:
    """Mean natural score of ``model``'s greedy policy (``epsilon``-greedy if given) over ``episodes``
    fresh episodes."""
    act = epsilon_greedy(model, epsilon, config.seed)
    return float(np.mean(play_episodes(config, act, episodes).natural))


def random_score(config: RunConfig, n_actions: int, episodes: int) -> float:
    """Mean natural score of a uniformly random player on the episodes ``greedy_score`` plays."""
    rng = np.random.default_rng(config.seed)
    return float(
        np.mean(play_episodes(config, lambda obs: rng.integers(n_actions, size=len(obs)), episodes).natural)
    )


#: What ``GreedyChecks`` does once the target is reached.
AFTER_TARGET = ("keep checking", "stop checking", "stop training")


class GreedyChecks(BaseCallback):
    """Scores the greedy policy every ``check_every`` env steps; remembers when it first reached ``target``.

    ``checks`` holds ``(env steps, score)`` of every check and ``check_train_seconds`` the training seconds
    (checks excluded) at each, ``reached_at`` the env steps and training seconds of the first check at or
    above ``target``. Once there, it keeps checking,
    stops checking (cheaper) or stops training, as ``after_target`` says. ``on_check(checks)`` is called
    after each check, e.g. to report to Ray Tune. ``epsilon`` > 0 scores the epsilon-greedy policy.
    """

    def __init__(
        self,
        config: RunConfig,
        check_every: int,
        episodes: int,
        target: float | None = None,
        *,
        after_target: str = "keep checking",
        on_check: Callable[[GreedyChecks], None] | None = None,
        epsilon: float = 0.0,
    ) -> None:
        super().__init__()
        self.config, self.check_every, self.episodes, self.target = config, check_every, episodes, target
        self.epsilon = check_float("epsilon", epsilon, minimum=0.0, maximum=1.0)
        self.after_target = check_choice("after_target", after_target, AFTER_TARGET)
        self.on_check = on_check
        self.reached_at: tuple[int, float] | None = None
        self.checks: list[tuple[int, float]] = []
        self.check_train_seconds: list[float] = []
        self.check_seconds = 0.0
        self.next_check = check_every
        self.start = time.perf_counter()

    def _on_training_start(self) -> None:
        self.start = time.perf_counter()

    def train_seconds(self) -> float:
        """Wall seconds since training started, checks excluded."""
        return time.perf_counter() - self.start - self.check_seconds

    def _on_step(self) -> bool:
        done_checking = self.reached_at is not None and self.after_target == "stop checking"
        if self.num_timesteps < self.next_check or done_checking:
            return True
        self.next_check += self.check_every
        self.check_train_seconds.append(self.train_seconds())
        started = time.perf_counter()
        score = greedy_score(self.config, self.model, self.episodes, self.epsilon)
        self.check_seconds += time.perf_counter() - started
        self.checks.append((self.num_timesteps, score))
        reached = self.target is not None and score >= self.target
        if reached and self.reached_at is None:
            self.reached_at = (self.num_timesteps, self.train_seconds())
        if self.on_check is not None:
            self.on_check(self)
        return not (reached and self.after_target == "stop training")


def evaluate_run(
    config: RunConfig, model, episodes: int, epsilon: float = 0.0
) -> dict[str, dict[str, float]]:
    """Greedy agent (``epsilon``-greedy if given) and random player on the same episode seeds."""
    agent = play_episodes(config, epsilon_greedy(model, epsilon, config.seed), episodes)
    rng = np.random.default_rng(config.seed)
    n_actions = int(model.action_space.n)
    random = play_episodes(config, lambda obs: rng.integers(n_actions, size=len(obs)), episodes)
    return {"agent": agent.summary(), "random": random.summary()}


def format_table(env_id: str, results: dict[str, dict[str, float]]) -> str:
    name = score_name(env_id)
    lines = [f"{'player':<8} {'episodes':>8} {'mean return':>18} {name:>22}"]
    for player, row in results.items():
        lines.append(
            f"{player:<8} {row['episodes']:>8} {row['mean_return']:>+10.3f} ± {row['stderr_return']:<6.3f}"
            f" {row['mean_score']:>13.2f} ± {row['stderr_score']:<6.2f}"
        )
    return "\n".join(lines)


def write_gif(
    config: RunConfig, model, file: BinaryIO, episodes: int, max_frames: int = 600, epsilon: float = 0.0
) -> None:
    """Write into ``file`` a GIF of the greedy (or ``epsilon``-greedy) agent playing ``episodes``
    episodes (frames from the env's renderer)."""
    act = epsilon_greedy(model, epsilon, config.seed)
    from PIL import Image

    env = make_env(config, n_envs=1, seed_offset=30_000, render_mode="rgb_array")
    obs = env.reset()
    frames = [Image.fromarray(env.render())]
    finished = 0
    while finished < episodes and len(frames) < max_frames:
        obs, _, dones, infos = env.step(act(obs))
        frames.append(Image.fromarray(env.render()))
        finished += int(dones[0] and "episode" in infos[0])
    fps = env.get_attr("metadata")[0].get("render_fps", 10)
    env.close()
    frames[0].save(
        file, format="GIF", save_all=True, append_images=frames[1:], duration=int(1000 / fps), loop=0
    )


#: The most the Monitor CSVs of a run may hold together, and how many there may be (one per sub-env on
#: SB3's ``make_vec_env`` engine): 256 MiB holds some 15 million Catch episodes.
MAX_MONITOR_BYTES = 256 * 2**20
MAX_MONITOR_FILES = 4096
#: The largest ``eval/evaluations.npz`` read (SB3's ``EvalCallback`` writes a few KB).
MAX_EVALUATIONS_BYTES = 64 * 2**20
_EVALUATIONS = "an evaluations.npz of SB3's EvalCallback"


@dataclass
class LearningCurve:
    """What a run's learning curve shows: its training episodes (``training_episodes``) and periodic
    greedy evaluations (``read_evaluations``), read before anything is written."""

    title: str
    steps: np.ndarray
    returns: np.ndarray
    evaluations: tuple[np.ndarray, np.ndarray] | None


def read_learning_curve(run_dir: Path, env_id: str) -> LearningCurve:
    """The learning curve of the run folder ``run_dir``, its files read as untrusted input."""
    steps, returns = training_episodes(run_dir / "monitor", run_dir)
    title = f"{env_id}: {run_dir.parent.name}, {run_dir.name}"
    return LearningCurve(title, steps, returns, read_evaluations(run_dir))


def plot_learning_curve(curve: LearningCurve, file: BinaryIO) -> None:
    """Write into ``file`` (a PNG) the training episode returns (rolling mean over 100) and the periodic
    greedy evaluations against steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    steps, returns = curve.steps, curve.returns
    if len(returns):  # a very short run may not have finished an episode
        window = min(100, len(returns))
        rolling = np.convolve(returns, np.ones(window) / window, mode="valid")
        axes.plot(steps[window - 1 :], rolling, label=f"training episodes (mean of {window}, exploring)")
    if curve.evaluations is not None:
        timesteps, results = curve.evaluations
        mean, low, high = evaluation_band(results)
        axes.errorbar(
            timesteps, mean, yerr=(mean - low, high - mean), marker="o", capsize=3,
            label="greedy evaluation (mean; bars: the middle half of its episodes)",
        )  # fmt: skip
    axes.set_xlabel("environment steps")
    axes.set_ylabel("episode return")
    axes.set_title(curve.title)
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:  # nothing to label before the first episode or evaluation
        axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(file, format="png", dpi=100)
    plt.close(figure)


def read_evaluations(run_dir: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """``(timesteps, results)`` of the run's ``eval/evaluations.npz`` (one row of episode returns per
    evaluation), read without pickles and each array's entry capped before it is inflated; ``None``
    if the run has none, ``RunFolderError`` if it is anything else."""
    path = run_dir / "eval" / "evaluations.npz"
    try:
        with run_folder.open_zip(path, run_dir, MAX_EVALUATIONS_BYTES, _EVALUATIONS) as archive:
            timesteps, results = (_read_array(archive, name, path) for name in ("timesteps", "results"))
    except run_folder.MissingRunFile:
        return None
    numbers = all(
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
        for array in (timesteps, results)
    )
    if not (
        numbers
        and timesteps.ndim == 1
        and results.ndim == 2
        and results.shape[0] == len(timesteps)
        and results.shape[1] >= 1
        and np.isfinite(timesteps).all()
        and np.isfinite(results).all()
    ):
        raise run_folder.RunFolderError(
            f"{path} is not {_EVALUATIONS}: its timesteps must hold a number per evaluation and its results "
            "a row of finite returns per evaluation"
        )
    return timesteps, results


def _read_array(archive: zipfile.ZipFile, name: str, path: Path) -> np.ndarray:
    """The array ``name`` of an ``.npz`` zip, read with ``allow_pickle=False``."""
    content = run_folder.read_entry(archive, f"{name}.npy", MAX_EVALUATIONS_BYTES, path)
    try:
        return np.lib.format.read_array(io.BytesIO(content), allow_pickle=False)
    except (ValueError, EOFError, OSError, MemoryError) as error:
        raise run_folder.RunFolderError(
            f"{path} is not {_EVALUATIONS}: its {name} cannot be read: {' '.join(str(error).split())[:200]}"
        ) from None


def evaluation_band(results: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and band of each evaluation's episode returns (a row each): the band spans the first to the
    third quartile, widened to the mean where the mean lies outside. Quartiles, not mean ± sd, so that
    the band stays within the returns played (mean ± sd of a Catch evaluation with one miss in ten
    runs to 1.4, above the possible 1)."""
    mean = results.mean(axis=1)
    low, high = np.percentile(results, [25, 75], axis=1)
    return mean, np.minimum(low, mean), np.maximum(high, mean)


def training_episodes(monitor_dir: Path, root: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative env steps at the end of each training episode and its return, from Monitor's CSVs.

    The CSVs are read as files of the run folder ``root`` (default: ``monitor_dir`` itself): regular
    files reached through no link, :data:`MAX_MONITOR_BYTES` in all; a malformed one raises
    ``RunFolderError`` naming the file and line. No folder: no episodes.
    """
    root = root or monitor_dir
    times, returns, lengths = array("d"), array("d"), array("q")
    budget = MAX_MONITOR_BYTES
    for path in run_folder.list_folder(monitor_dir, root, ".monitor.csv", MAX_MONITOR_FILES):
        with run_folder.open_file(path, root, budget) as file:
            budget -= os.fstat(file.fileno()).st_size
            for row in _monitor_rows(io.TextIOWrapper(file, encoding="utf-8", newline=""), path):
                for column, value in zip((times, returns, lengths), row, strict=True):
                    column.append(value)
    order = np.lexsort((lengths, returns, times))  # by time, as the episodes ended
    return np.cumsum(np.asarray(lengths)[order]), np.asarray(returns)[order]


def _monitor_rows(file: io.TextIOWrapper, path: Path) -> Iterator[tuple[float, float, int]]:
    """``(t, r, l)`` of each row of a Monitor CSV: finite times and returns, lengths >= 1."""
    try:
        file.readline()  # Monitor's JSON header line
        reader = csv.DictReader(file)
        missing = {"r", "l", "t"} - set(reader.fieldnames or ("r", "l", "t"))
        if missing:
            raise run_folder.RunFolderError(
                f"{path} is not a Monitor CSV: it has no column {', '.join(sorted(missing))}"
            )
        for row in reader:
            try:
                t, r, length = float(row["t"]), float(row["r"]), int(row["l"])
            except (TypeError, ValueError):
                t = r = math.nan
                length = 0
            if not (math.isfinite(t) and math.isfinite(r) and 1 <= length <= 2**62):
                raise run_folder.RunFolderError(
                    f"{path}, line {reader.line_num + 1}: r and t must be finite numbers, l an integer >= 1"
                )
            yield t, r, length
    except (csv.Error, UnicodeDecodeError) as error:
        raise run_folder.RunFolderError(f"{path} is not a Monitor CSV: {error}") from None


def report(
    run_dir: Path,
    *,
    config: RunConfig | None = None,
    model=None,
    episodes: int = 200,
    gif_episodes: int = 3,
) -> dict:
    """Evaluate a run and write its table, GIF and learning curve into its folder; return the results.

    Everything is read before anything is written, so a malformed file leaves the folder as it was;
    each file is then replaced in one step (``run_folder.write_file``), never written through a link:
    ``SaveError`` naming it if it cannot be (a full disk), the previous one kept.
    """
    config = config or RunConfig.load(run_dir)
    model = model if model is not None else load_model(run_dir, config)
    curve = read_learning_curve(run_dir, config.env_id)
    results = evaluate_run(config, model, episodes)
    outputs: dict[str, Callable[[BinaryIO], object]] = {
        "evaluation.yml": lambda file: file.write(yaml.safe_dump(results, sort_keys=False).encode())
    }
    if gif_episodes > 0:
        outputs["agent.gif"] = lambda file: write_gif(config, model, file, gif_episodes)
    outputs["learning_curve.png"] = lambda file: plot_learning_curve(curve, file)
    print(format_table(config.env_id, results))
    for name, write in outputs.items():
        run_folder.write_file(run_dir / name, write)
    print("wrote " + ", ".join(str(run_dir / name) for name in outputs))
    return results


#: The models a run folder can hold (``--model``): written by ``agents.train`` at the end of the run,
#: when it was stopped (Ctrl-C or SIGTERM), and by its periodic evaluation when a new best was scored.
MODEL_FILES = {"final": "model.zip", "interrupted": "model_interrupted.zip", "best": "best/best_model.zip"}


def load_model(run_dir: Path, config: RunConfig, which: str = "final"):
    """Load a run's saved model (``which``: a key of :data:`MODEL_FILES`) without unpickling anything
    from it (see ``agents.model_files``).

    A missing file (the message names the models the folder does hold), a link, a corrupt or crafted
    zip, or a model of another algorithm or game than the run's ``config.yml`` raises ``ValueError``.
    """
    check_choice("model", which, tuple(MODEL_FILES))
    path = run_dir / MODEL_FILES[which]
    if not path.is_file():
        present = [name for name, file in MODEL_FILES.items() if (run_dir / file).is_file()]
        hint = f"this run has: --model {' or --model '.join(present)}" if present else "it holds no model"
        raise ValueError(f"no {which} model at {path}; {hint}")
    return load_run_model(path, config, run_dir)


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--model`` option of evaluate and enjoy."""
    parser.add_argument(
        "--model",
        choices=list(MODEL_FILES),
        default="final",
        help="which saved model: " + ", ".join(f"{name} ({file})" for name, file in MODEL_FILES.items()),
    )


#: The longest error message printed (a message quoting a run's settings is cut there).
MAX_MESSAGE = 1000


def check_run_dir(parser: argparse.ArgumentParser, run_dir: Path) -> None:
    """A usage error unless ``run_dir`` is a run folder."""
    if not (run_dir / "config.yml").is_file():
        parser.error(f"{run_dir} is not a run folder (it has no config.yml)")


def _stderr(values: Sequence[float]) -> float:
    return float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agents.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run folder made by python -m agents.train")
    parser.add_argument("--episodes", type=int_at_least(1), default=200)
    parser.add_argument("--gif-episodes", type=int_at_least(0), default=3)
    add_model_argument(parser)
    args = parser.parse_args(argv)
    check_run_dir(parser, args.run_dir)
    try:
        config = RunConfig.load(args.run_dir)
        model = load_model(args.run_dir, config, args.model)
        report(
            args.run_dir, config=config, model=model, episodes=args.episodes, gif_episodes=args.gif_episodes
        )
    except (ValueError, SaveError) as error:  # a run folder is untrusted input: what is wrong, in one line
        parser.error(" ".join(str(error).split())[:MAX_MESSAGE])
    except MemoryError:
        parser.error(f"{args.run_dir}: the run's settings need more memory than this process may take")
    return 0


if __name__ == "__main__":
    sys.exit(main())
