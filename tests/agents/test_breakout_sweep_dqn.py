"""SweepDQN's Breakout entry (the tutorial's protocol), epsilon-greedy scoring and the curve checks.

The entry's settings are read from ``agents/hyperparams/sweep-dqn.yml``; the tests check that the built
env and model do what they say, not their values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import yaml

from agents import zoo
from agents.algorithms import tuned_config, tuned_model
from agents.runs import make_env
from agents.scoring import epsilon_greedy
from tests.helpers import load_benchmark

ENV_ID = "ALE/Breakout-v5"


def entry() -> dict[str, Any]:
    """The Breakout entry of the tuned file, read independently of the code under test."""
    return yaml.safe_load(zoo.hyperparams_file("sweep-dqn").read_text())[ENV_ID]


def wrapper_kwargs(settings: dict[str, Any], name: str) -> dict[str, Any]:
    """The keyword arguments of the wrapper ``name`` (its class name) in an entry's ``env_wrapper``."""
    for item in settings["env_wrapper"]:
        path, kwargs = next(iter(item.items())) if isinstance(item, dict) else (item, {})
        if path.rsplit(".", 1)[-1] == name:
            return kwargs or {}
    raise AssertionError(f"the entry has no {name}")


def test_the_entry_plays_the_tutorials_protocol():
    settings = entry()
    config = tuned_config(ENV_ID, "sweep-dqn")
    assert config.timesteps == settings["n_timesteps"]
    for key in ("buffer_size", "schedule_horizon"):
        assert config.algo_kwargs[key] == settings[key]
    env = make_env(config, n_envs=1)
    env.reset()
    ale = env.envs[0].unwrapped.ale
    sticky = ale.getFloat("repeat_action_probability")
    assert sticky == pytest.approx(settings["env_kwargs"]["repeat_action_probability"])
    # Each step plays a number of frames drawn from [low, high): count them on the emulator's clock.
    low, high = settings["env_kwargs"]["frameskip"]
    frames = []
    for _ in range(200):
        before = ale.getEpisodeFrameNumber()
        _, _, dones, infos = env.step(np.array([0]))
        if dones[0]:
            break
        frames.append(ale.getEpisodeFrameNumber() - before)
    assert set(frames) == set(range(low, high))
    size = wrapper_kwargs(settings, "MotionTraceObservation")["size"]
    assert (
        env.observation_space.shape == (*size, 2) and env.observation_space.dtype == np.uint8
    )  # gray, trace
    assert "life_lost" in infos[0] and infos[0]["lives"] == ale.lives()
    env.close()


def fill_ends(model, steps: int) -> list[int]:
    """The steps at which a one-env SweepDQN's fills end over its first ``steps`` steps: the first step
    whose new rows reach the replay fraction of that step's progress on the ``schedule_horizon`` clock."""
    ends, start = [], 0
    for step in range(1, steps + 1):
        fraction = model.replay_fraction(1.0 - min(step / model.schedule_horizon, 1.0))
        if (step - start) / model.buffer_size >= fraction:
            ends.append(step)
            start = step
    return ends


def test_a_few_thousand_steps_sweep_to_finite_values_on_the_tutorials_clock():
    # A smaller memory, so that its first fill (the replay fraction at the start) ends within the run.
    _, model = tuned_model(ENV_ID, "sweep-dqn", overrides={"buffer_size": 20_000})
    steps = 4_500
    model.learn(steps)
    # On the entry's absolute clock (not the 4,500 steps of this learn() call) the replay fraction is
    # still near its start, so fills end every few thousand steps, not once at the end.
    ends = fill_ends(model, steps)
    assert len(ends) >= 2 and [record["steps"] for record in model.sweep_log] == ends
    for record in model.sweep_log:
        assert all(math.isfinite(value) for value in record.values())
        progress = 1.0 - record["steps"] / model.schedule_horizon
        # From min_epochs (in whole batches) to max_epochs at that step's progress.
        assert model.min_epochs - model.batch_size / model.buffer_size < record["epochs"]
        assert record["epochs"] <= model.max_epochs(progress)
    assert model.exploration_rate == pytest.approx(
        model.exploration_schedule(1.0 - steps / model.schedule_horizon)
    )


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
