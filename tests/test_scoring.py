"""Natural scores: each game declares its own, and agents/ reads it from the game for any id."""

from __future__ import annotations

from typing import ClassVar

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces

import gym_catchgames
from agents.runs import RunConfig
from agents.scoring import play_episodes, score_name
from gym_catchgames import EPISODE_RETURN, NaturalScore, natural_score
from gym_catchgames.envs import CatchBallEnv, CatchEnv, CaveEnv, FruitFetchEnv, SnakeEnv

EXPECTED = {
    "Catch-v0": (CatchEnv, "catch rate %", None),
    "FruitFetch-v0": (FruitFetchEnv, "catch rate %", None),
    "CatchBall-v0": (CatchBallEnv, "catches", "catches"),
    "Cave-v0": (CaveEnv, "frames survived", "frames_survived"),
    "Cave-v1": (CaveEnv, "frames survived", "frames_survived"),
    "Snake-v0": (SnakeEnv, "fruit eaten", "fruit_eaten"),
}


def test_every_registered_game_declares_its_natural_score():
    assert set(EXPECTED) == set(gym_catchgames.ENV_IDS)
    for env_id, (env_class, label, info_key) in EXPECTED.items():
        score = natural_score(env_id)
        assert score is env_class.NATURAL_SCORE
        assert (score.label, score.info_key) == (label, info_key)
        assert score_name(env_id) == label


@pytest.mark.parametrize("env_id", ["CartPole-v1", "Taxi-v4"])
def test_an_env_from_elsewhere_is_scored_by_its_return(env_id):
    assert natural_score(env_id) is EPISODE_RETURN
    assert EPISODE_RETURN.of_episode(-3.5, {}) == -3.5
    assert score_name(env_id) == "episode return"


def test_scores_of_an_episode_worked_by_hand():
    catch_rate = CatchEnv.NATURAL_SCORE
    assert [catch_rate.of_episode(r, {}) for r in (1.0, -1.0, 0.0)] == [100.0, 0.0, 0.0]
    assert CaveEnv.NATURAL_SCORE.of_episode(-1.0, {"frames_survived": 412, "r": -1.0}) == 412.0
    with pytest.raises(KeyError, match=r"no 'fruit_eaten' entry for the score 'fruit eaten'; it has \['r'\]"):
        SnakeEnv.NATURAL_SCORE.of_episode(2.0, {"r": 2.0})
    with pytest.raises(ValueError, match="either an info key or the return's sign"):
        NaturalScore("odd", info_key="x", percent_won=True)


def test_evaluation_scores_catch_ball_by_the_catches_the_env_reports():
    """play_episodes' natural score equals info["catches"] at each episode's end, replayed by hand."""
    config = RunConfig(env_id="CatchBall-v0", algo="dqn", seed=3, timesteps=1)
    always_stay = lambda obs: np.ones(len(obs), dtype=np.int64)  # noqa: E731
    scores = play_episodes(config, always_stay, episodes=4, seed_offset=0)
    # The same four episodes by hand: make_vec_env seeds its one env with config.seed, then continues.
    env = gymnasium.make("CatchBall-v0")
    expected_returns, expected_catches = [], []
    env.reset(seed=3)
    for _ in range(4):
        total, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, info = env.step(1)
            total, done = total + reward, terminated or truncated
        expected_returns.append(total)
        expected_catches.append(float(info["catches"]))
        env.reset()
    assert scores.returns == expected_returns
    assert scores.natural == expected_catches


class CoinsEnv(gymnasium.Env):
    """A new game from outside the package: three steps, a coin on every step with action 1."""

    NATURAL_SCORE: ClassVar[NaturalScore] = NaturalScore("coins", info_key="coins")
    metadata: ClassVar[dict] = {"render_modes": ["rgb_array"]}
    observation_space = spaces.Box(0.0, 1.0, (1,), np.float32)
    action_space = spaces.Discrete(2)

    def __init__(self, render_mode=None):
        self.render_mode = render_mode

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.steps, self.coins = 0, 0
        return np.zeros(1, np.float32), {"coins": 0}

    def step(self, action):
        self.steps += 1
        self.coins += int(action)
        return np.zeros(1, np.float32), -1.0, self.steps == 3, False, {"coins": self.coins}


def test_a_new_game_needs_only_its_own_module_and_registration():
    gymnasium.register("TestCoins-v0", entry_point=CoinsEnv)
    try:
        assert score_name("TestCoins-v0") == "coins"
        config = RunConfig(env_id="TestCoins-v0", algo="dqn", seed=0, timesteps=1)
        scores = play_episodes(config, lambda obs: np.ones(len(obs), dtype=np.int64), episodes=2)
        assert (scores.returns, scores.natural) == ([-3.0, -3.0], [3.0, 3.0])
    finally:
        del gymnasium.registry["TestCoins-v0"]


@pytest.mark.parametrize(
    ("after_target", "checked_steps", "trained"),
    [("keep checking", [100, 200, 300], 300), ("stop checking", [100], 300), ("stop training", [100], 100)],
)
def test_greedy_checks_after_the_target(after_target, checked_steps, trained):
    """A target of 0 catches is reached at the first check; what follows is what after_target says."""
    from agents.algorithms import tuned_model
    from agents.scoring import GreedyChecks

    config, model = tuned_model(
        "CatchBall-v0", "dqn", timesteps=300, overrides={"n_envs": 1, "learning_starts": 1000}
    )
    reports = []
    checks = GreedyChecks(
        config,
        100,
        2,
        target=0.0,
        after_target=after_target,
        on_check=lambda c: reports.append(len(c.checks)),
    )
    model.learn(300, callback=checks)
    assert [steps for steps, _ in checks.checks] == checked_steps
    assert reports == list(range(1, len(checked_steps) + 1))
    assert checks.reached_at[0] == 100 and model.num_timesteps == trained
    with pytest.raises(ValueError, match="after_target must be one of 'keep checking'"):
        GreedyChecks(config, 100, 2, after_target="stop")
