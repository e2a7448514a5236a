"""SweepDQN's Cave entry: an action held for several frames, their shifted rewards summed, and a fit after
each fill of the memory.

The entry's settings are read from ``agents/hyperparams/sweep-dqn.yml``; the tests check that the built
env and model do what they say, not their values.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
import pytest
import yaml

from agents import zoo
from agents.algorithms import tuned_model
from agents.runs import make_env
from tests.helpers import REPO

ENV_ID = "Cave-v0"
REPEAT = "gymnasium.wrappers.RepeatAction"
EVERY_FRAME_FILE = REPO / "benchmarks" / "protocols" / "sweep-dqn-cave-every-frame.yml"


def entry_settings(path: Path | None = None) -> dict[str, Any]:
    """The Cave-v0 entry of a hyperparameter file, read independently of the code under test."""
    return yaml.safe_load((path or zoo.hyperparams_file("sweep-dqn")).read_text())[ENV_ID]


def repeats(settings: dict[str, Any]) -> int:
    """How many frames the entry's ``RepeatAction`` holds each action for."""
    (wrapper,) = settings["env_wrapper"]
    return wrapper[REPEAT]["num_repeats"]


def frame_rewards(env_kwargs: dict[str, Any], seed: int) -> list[float]:
    """The rewards of the bare game, a frame at a time, released (action 0) until it ends."""
    env = gymnasium.make(ENV_ID, **env_kwargs)
    env.reset(seed=seed)
    rewards = []
    while True:
        _, reward, terminated, truncated, _ = env.step(0)
        rewards.append(float(reward))
        if terminated or truncated:
            env.close()
            return rewards


def test_the_entry_holds_each_action_for_its_frames_and_sums_their_rewards():
    settings = entry_settings()
    n = repeats(settings)
    config, model = tuned_model(ENV_ID, "sweep-dqn")
    assert config.timesteps == settings["n_timesteps"] and model.buffer_size == settings["buffer_size"]
    assert model.gamma == settings["gamma"]
    frame = gymnasium.make(ENV_ID, **settings["env_kwargs"]).observation_space.shape
    assert model.observation_space.shape == (frame[2], *frame[:2])  # channels moved first by SB3
    env = make_env(config, n_envs=1)
    env.reset()
    decisions = []
    while True:  # released all the way: the ship falls into the floor
        _, reward, done, infos = env.step(np.array([0]))
        decisions.append(float(reward[0]))
        if done[0]:
            break
    frames = frame_rewards(settings["env_kwargs"], config.seed)
    assert decisions == pytest.approx([sum(frames[start : start + n]) for start in range(0, len(frames), n)])
    # Every frame survived earns survival_reward, the crash crash_reward; the score is still frames survived.
    kwargs = settings["env_kwargs"]
    assert frames == pytest.approx([kwargs["survival_reward"]] * (len(frames) - 1) + [kwargs["crash_reward"]])
    assert infos[0]["frames_survived"] == len(frames) - 1
    env.close()


def test_a_fit_after_each_fill_sweeps_to_finite_values():
    settings = entry_settings()
    _, model = tuned_model(ENV_ID, "sweep-dqn", seed=0)
    fraction = model.replay_fraction(1.0)
    assert model.replay_fraction(0.0) == fraction and model.keep_fraction == 0.0  # the same fill each time
    # One env: a fill ends at the first row that brings the memory to the replay fraction.
    fill = next(rows for rows in range(1, model.buffer_size + 1) if rows / model.buffer_size >= fraction)
    model.learn(2 * fill)
    # Each fill is swept and fitted, then discarded.
    assert [record["steps"] for record in model.sweep_log] == [fill, 2 * fill]
    kwargs = settings["env_kwargs"]
    best_return = kwargs["survival_reward"] * repeats(settings) / (1.0 - model.gamma)
    for record in model.sweep_log:
        assert all(math.isfinite(value) for value in record.values())
        # From min_epochs (in whole batches) to max_epochs at that step's progress.
        assert model.min_epochs - model.batch_size / model.buffer_size < record["epochs"]
        assert record["epochs"] <= model.max_epochs(1.0 - record["steps"] / (2 * fill))
        # Shifted rewards: no reward below crash_reward >= 0, so every return is between 0 and a decision's
        # survival reward for ever.
        assert 0.0 < record["q_mean_swept"] < best_return


def test_the_every_frame_file_is_the_entry_without_the_action_repeat():
    every_frame = entry_settings(EVERY_FRAME_FILE)
    entry = entry_settings()
    n = repeats(entry)
    del entry["env_wrapper"]
    # The same discount per frame: gamma per decision of n frames is the per-frame gamma to the n.
    assert entry.pop("gamma") == pytest.approx(every_frame.pop("gamma") ** n, abs=1e-3)
    assert every_frame == entry
