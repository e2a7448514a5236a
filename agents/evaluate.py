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
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from stable_baselines3.common.callbacks import BaseCallback

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
    config: RunConfig, model, path: Path, episodes: int, max_frames: int = 600, epsilon: float = 0.0
) -> None:
    """A GIF of the greedy (or ``epsilon``-greedy) agent playing ``episodes`` episodes (frames from the
    env's renderer)."""
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
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=int(1000 / fps), loop=0)


def plot_learning_curve(run_dir: Path, path: Path, env_id: str) -> None:
    """Training episode returns (rolling mean over 100) and periodic greedy evaluations against steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    steps, returns = training_episodes(run_dir / "monitor")
    if len(returns):  # a very short run may not have finished an episode
        window = min(100, len(returns))
        rolling = np.convolve(returns, np.ones(window) / window, mode="valid")
        axes.plot(steps[window - 1 :], rolling, label=f"training episodes (mean of {window}, exploring)")
    evaluations = run_dir / "eval" / "evaluations.npz"
    if evaluations.exists():
        data = np.load(evaluations)
        mean, low, high = evaluation_band(data["results"])
        axes.errorbar(
            data["timesteps"], mean, yerr=(mean - low, high - mean), marker="o", capsize=3,
            label="greedy evaluation (mean; bars: the middle half of its episodes)",
        )  # fmt: skip
    axes.set_xlabel("environment steps")
    axes.set_ylabel("episode return")
    axes.set_title(f"{env_id}: {run_dir.parent.name}, {run_dir.name}")
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:  # nothing to label before the first episode or evaluation
        axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def evaluation_band(results: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and band of each evaluation's episode returns (a row each): the band spans the first to the
    third quartile, widened to the mean where the mean lies outside. Quartiles, not mean ± sd, so that
    the band stays within the returns played (mean ± sd of a Catch evaluation with one miss in ten
    runs to 1.4, above the possible 1)."""
    mean = results.mean(axis=1)
    low, high = np.percentile(results, [25, 75], axis=1)
    return mean, np.minimum(low, mean), np.maximum(high, mean)


def training_episodes(monitor_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative env steps at the end of each training episode and its return, from Monitor's CSVs."""
    rows = []
    for path in sorted(monitor_dir.glob("*.monitor.csv")):
        with path.open() as file:
            file.readline()  # Monitor's JSON header line
            rows += [(float(row["t"]), float(row["r"]), int(row["l"])) for row in csv.DictReader(file)]
    rows.sort()
    lengths = np.array([length for _, _, length in rows], dtype=np.int64)
    return np.cumsum(lengths), np.array([episode_return for _, episode_return, _ in rows])


def report(run_dir: Path, *, model=None, episodes: int = 200, gif_episodes: int = 3) -> dict:
    """Evaluate a run and write its table, GIF and learning curve; return the results."""
    config = RunConfig.load(run_dir)
    model = model if model is not None else load_model(run_dir, config)
    results = evaluate_run(config, model, episodes)
    (run_dir / "evaluation.yml").write_text(yaml.safe_dump(results, sort_keys=False))
    print(format_table(config.env_id, results))
    written = [run_dir / "evaluation.yml"]
    if gif_episodes > 0:
        write_gif(config, model, run_dir / "agent.gif", gif_episodes)
        written.append(run_dir / "agent.gif")
    plot_learning_curve(run_dir, run_dir / "learning_curve.png", config.env_id)
    written.append(run_dir / "learning_curve.png")
    print("wrote " + ", ".join(str(path) for path in written))
    return results


#: The models a run folder can hold (``--model``): written by ``agents.train`` at the end of the run,
#: when it was stopped (Ctrl-C or SIGTERM), and by its periodic evaluation when a new best was scored.
MODEL_FILES = {"final": "model.zip", "interrupted": "model_interrupted.zip", "best": "best/best_model.zip"}


def load_model(run_dir: Path, config: RunConfig, which: str = "final"):
    """Load a run's saved model (``which``: a key of :data:`MODEL_FILES`) without unpickling anything
    from it (see ``agents.model_files``).

    A missing file (the message names the models the folder does hold), a corrupt or crafted zip, or a
    model of another algorithm or game than the run's ``config.yml`` raises ``ValueError``.
    """
    check_choice("model", which, tuple(MODEL_FILES))
    path = run_dir / MODEL_FILES[which]
    if not path.is_file():
        present = [name for name, file in MODEL_FILES.items() if (run_dir / file).is_file()]
        hint = f"this run has: --model {' or --model '.join(present)}" if present else "it holds no model"
        raise ValueError(f"no {which} model at {path}; {hint}")
    return load_run_model(path, config)


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--model`` option of evaluate and enjoy."""
    parser.add_argument(
        "--model",
        choices=list(MODEL_FILES),
        default="final",
        help="which saved model: " + ", ".join(f"{name} ({file})" for name, file in MODEL_FILES.items()),
    )


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
        report(args.run_dir, model=model, episodes=args.episodes, gif_episodes=args.gif_episodes)
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
