"""SweepDQN's Breakout entry (the tutorial's protocol), epsilon-greedy scoring and the curve checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from agents.algorithms import tuned_config, tuned_model
from agents.evaluate import epsilon_greedy
from agents.runs import make_env
from tests.helpers import load_benchmark


def test_the_entry_is_the_tutorials_protocol():
    config = tuned_config("ALE/Breakout-v5", "sweep-dqn")
    assert config.timesteps == 1_200_000
    assert (
        config.algo_kwargs["schedule_horizon"] == 5_000_000 and config.algo_kwargs["buffer_size"] == 200_000
    )
    env = make_env(config, n_envs=1)
    env.reset()
    ale = env.envs[0].unwrapped
    assert ale._frameskip == (2, 5) and ale.ale.getFloat("repeat_action_probability") == 0.0  # not sticky
    assert env.observation_space.shape == (105, 80, 2) and env.observation_space.dtype == np.uint8
    _, _, _, infos = env.step(np.array([0]))
    assert "life_lost" in infos[0] and infos[0]["lives"] == 5
    env.close()


def test_a_few_thousand_steps_sweep_to_finite_values_on_the_tutorials_clock():
    # A smaller memory, so that its first tenth (the replay fraction at the start) fills in 2,000 steps.
    _, model = tuned_model("ALE/Breakout-v5", "sweep-dqn", overrides={"buffer_size": 20_000})
    model.learn(4_500)
    assert len(model.sweep_log) == 2
    for record in model.sweep_log:
        assert all(math.isfinite(value) for value in record.values())
        assert 0.9 < record["epochs"] <= 5.0  # min_epochs 1 (in whole batches) to max_epochs 5 at the start
    # A fill ends once rows / 20,000 >= the replay fraction, 0.1 + 0.9 * steps / 5M on the tutorial's
    # clock: the first at 2,000 / (1 - 0.9 * 20,000 / 5M) = 2,007.2 -> 2,008 steps; the second after m
    # more rows with m / 20,000 >= 0.1 + 0.9 * (2,008 + m) / 5M, m = 2,014.5 -> 2,015: at 4,023.
    assert [record["steps"] for record in model.sweep_log] == [2_008, 4_023]
    # The tutorial's absolute clock: after 4,500 of 5M steps epsilon fell by 0.9 * 4,500 / 1M.
    assert model.exploration_rate == pytest.approx(1.0 - 0.9 * 4_500 / 1_000_000)


class Constant:
    """A model that always picks action 1 of 4."""

    class action_space:
        n = 4

    def predict(self, obs, deterministic=True):
        return np.ones(len(obs), dtype=np.int64), None


def test_epsilon_greedy_replaces_the_greedy_action_at_the_given_rate():
    act = epsilon_greedy(Constant(), epsilon=0.2, seed=0)
    actions = np.concatenate([act(np.zeros((1000, 3))) for _ in range(10)])
    # Random moves are 20 %, and a random move is action 1 a quarter of the time: 85 % stay 1.
    assert np.mean(actions == 1) == pytest.approx(0.8 + 0.2 / 4, abs=0.01)
    assert set(np.unique(actions)) == {0, 1, 2, 3}
    assert (epsilon_greedy(Constant(), 0.0)(np.zeros((500, 3))) == 1).all()
    with pytest.raises(ValueError, match="epsilon"):
        epsilon_greedy(Constant(), 1.5)


FIRST_RUN = [5.5, 7.5, 9.4, 10.7, 14.8, 14.3, 14.2, 4.4, 17.4, 20.1, 10.2, 20.2]  # every 100k steps


@pytest.mark.parametrize(
    ("scores", "holds"),
    [
        (FIRST_RUN, False),  # 4.4 at 800k is below half of 14.8
        ([*FIRST_RUN[:7], 7.5, *FIRST_RUN[8:]], True),  # 7.5 >= 7.4, and 10.2 >= half of 20.1
        ([*FIRST_RUN[:7], 7.5, *FIRST_RUN[8:10], 10.0, FIRST_RUN[11]], False),  # 10.0 < 10.05
        ([1.0, 0.2, *FIRST_RUN[2:7], 7.5, *FIRST_RUN[8:]], True),  # a dip before 600k does not count
    ],
)
def test_holds_what_it_learned(scores, holds):
    held = load_benchmark("learning_curves").held
    checks = [(100_000 * (index + 1), score) for index, score in enumerate(scores)]
    assert held(checks, hold_from=600_000, fraction=0.5) is holds


def test_score_within_seconds_is_the_last_check_made_in_time():
    score_within = load_benchmark("learning_curves").score_within
    row = {
        "checks": [(50_000, 1.5), (100_000, 4.0), (150_000, 7.5)],
        "check_train_seconds": [400.0, 810.5, 1220.0],
    }
    assert score_within(row, 1000.0) == (100_000, 4.0, 810.5)
    assert score_within(row, 1220.0) == (150_000, 7.5, 1220.0)
    assert score_within(row, 399.0) is None
    assert score_within({"checks": row["checks"]}, 5000.0) is None  # rows without seconds per check
