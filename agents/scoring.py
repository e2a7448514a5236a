"""Scoring a policy on fresh games: the greedy (or epsilon-greedy) agent and a uniformly random player.

What ``agents.evaluate``, ``agents.tune``, the examples and ``benchmarks/learning.py`` score with: the
mean natural score (catch rate, catches, frames survived, fruit eaten) over episodes of the run's env
seeded with ``config.seed + SCORING_SEED_OFFSET``, and :class:`GreedyChecks`, the callback that scores
the greedy policy while a model trains.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback

from agents.runs import SCORING_SEED_OFFSET, RunConfig, make_env, register_env_packages
from gym_catchgames.scoring import natural_score
from gym_catchgames.validation import check_choice, check_float

#: A player: batched observations -> one action each.
Player = Callable[[np.ndarray], np.ndarray]


@dataclass
class Scores:
    """Per-episode returns and natural scores of one player."""

    returns: list[float]
    natural: list[float]

    def summary(self) -> dict[str, float]:
        """Episodes, and the mean and standard error of the returns and of the natural scores."""
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
    config: RunConfig, act: Player, episodes: int, seed_offset: int = SCORING_SEED_OFFSET
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


def epsilon_greedy(model: BaseAlgorithm, epsilon: float = 0.0, seed: int = 0) -> Player:
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


def random_player(n_actions: int, seed: int) -> Player:
    """A player of uniformly random actions out of ``n_actions``, drawn from a generator seeded ``seed``."""
    rng = np.random.default_rng(seed)
    return lambda obs: rng.integers(n_actions, size=len(obs))


def greedy_score(config: RunConfig, model: BaseAlgorithm, episodes: int, epsilon: float = 0.0) -> float:
    """Mean natural score of ``model``'s greedy policy (``epsilon``-greedy if given) over ``episodes``
    fresh episodes."""
    act = epsilon_greedy(model, epsilon, config.seed)
    return float(np.mean(play_episodes(config, act, episodes).natural))


def random_score(config: RunConfig, n_actions: int, episodes: int) -> float:
    """Mean natural score of a uniformly random player on the episodes ``greedy_score`` plays."""
    return float(np.mean(play_episodes(config, random_player(n_actions, config.seed), episodes).natural))


def evaluate_run(
    config: RunConfig, model: BaseAlgorithm, episodes: int, epsilon: float = 0.0
) -> dict[str, dict[str, float]]:
    """Greedy agent (``epsilon``-greedy if given) and random player on the same episode seeds."""
    agent = play_episodes(config, epsilon_greedy(model, epsilon, config.seed), episodes)
    random = play_episodes(config, random_player(int(model.action_space.n), config.seed), episodes)
    return {"agent": agent.summary(), "random": random.summary()}


def format_table(env_id: str, results: dict[str, dict[str, float]]) -> str:
    """The results of :func:`evaluate_run` as a table: a player a line, mean ± standard error."""
    name = score_name(env_id)
    lines = [f"{'player':<8} {'episodes':>8} {'mean return':>18} {name:>22}"]
    for player, row in results.items():
        lines.append(
            f"{player:<8} {row['episodes']:>8} {row['mean_return']:>+10.3f} ± {row['stderr_return']:<6.3f}"
            f" {row['mean_score']:>13.2f} ± {row['stderr_score']:<6.2f}"
        )
    return "\n".join(lines)


#: What ``GreedyChecks`` does once the target is reached.
AFTER_TARGET = ("keep checking", "stop checking", "stop training")


class GreedyChecks(BaseCallback):
    """Scores the greedy policy every ``check_every`` env steps; remembers when it first reached ``target``.

    ``checks`` holds ``(env steps, score)`` of every check and ``check_train_seconds`` the training seconds
    (checks excluded) at each, ``reached_at`` the env steps and training seconds of the first check at or
    above ``target``. Once there, it keeps checking, stops checking (cheaper) or stops training, as
    ``after_target`` says. ``on_check(checks)`` is called after each check, e.g. to report to Ray Tune.
    ``epsilon`` > 0 scores the epsilon-greedy policy.
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


def _stderr(values: Sequence[float]) -> float:
    return float(np.std(values, ddof=1) / math.sqrt(len(values))) if len(values) > 1 else 0.0
