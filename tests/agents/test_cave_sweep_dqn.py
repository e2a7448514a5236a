"""SweepDQN's Cave entry: a fit every 5,000 steps on rewards shifted up by 0.01 a frame."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml

from agents import zoo
from agents.algorithms import tuned_model
from agents.runs import make_env
from tests.helpers import REPO, load_benchmark


def test_the_entry_flies_the_rgb_frame_on_shifted_rewards():
    entry = yaml.safe_load(zoo.hyperparams_file("sweep-dqn").read_text())["Cave-v0"]  # read independently
    config, model = tuned_model("Cave-v0", "sweep-dqn")
    assert config.timesteps == entry["n_timesteps"] and model.buffer_size == entry["buffer_size"] == 5_000
    assert model.observation_space.shape == (3, 48, 48)  # rgb frames, channels moved first by SB3
    env = make_env(config, n_envs=1)
    env.reset()
    rewards = []
    while True:  # released all the way: the ship falls into the floor
        _, reward, done, infos = env.step(np.array([0]))
        rewards.append(float(reward[0]))
        if done[0]:
            break
    # 0.01 for each frame survived, 0 for the crash; the score is still the frames survived.
    assert rewards == pytest.approx([0.01] * (len(rewards) - 1) + [0.0])  # float32 in the VecEnv
    assert infos[0]["frames_survived"] == len(rewards) - 1
    env.close()


def test_a_fit_every_5000_steps_sweeps_to_finite_values():
    _, model = tuned_model("Cave-v0", "sweep-dqn", seed=0)
    model.learn(10_000)
    # replay_fraction 1.0: a sweep each time the 5,000-row memory is full, then the memory is discarded.
    assert [record["steps"] for record in model.sweep_log] == [5_000, 10_000]
    for record in model.sweep_log:
        assert all(math.isfinite(value) for value in record.values())
        assert 0.9 < record["epochs"] <= 10.0  # min_epochs 1 (in whole batches) to max_epochs 10
        # Shifted rewards: every return is between 0 and 0.01 / (1 - 0.99) = 1.
        assert 0.0 < record["q_mean_swept"] < 1.0


def test_the_committed_rows_were_made_with_the_entrys_settings(monkeypatch):
    # The rows of benchmarks/results/cave-sweep-dqn.md name the attempt file and overrides they ran;
    # resolved, they must be the tuned entry, so that `--algos sweep-dqn` reproduces them.
    monkeypatch.chdir(REPO)  # the rows name their files relative to the repository
    entry = yaml.safe_load(zoo.hyperparams_file("sweep-dqn").read_text())["Cave-v0"]
    results = REPO / "benchmarks" / "results" / "cave-sweep-dqn"
    seed0 = json.loads((results / "m5L_seed0.json").read_text())[0]
    _, attempt_file, overrides = load_benchmark("learning").parse_algo_spec(seed0["algo"])
    attempt = yaml.safe_load(attempt_file.read_text())["Cave-v0"] | overrides
    # The attempt file's budget is 300k; the row ran the entry's 600k (--timesteps, schedules spanning it).
    assert attempt | {"n_timesteps": entry["n_timesteps"]} == entry
    assert (seed0["seed"], seed0["steps"]) == (0, entry["n_timesteps"])
    for seed in (1, 2):
        row = json.loads((results / f"entry_seed{seed}.json").read_text())[0]
        assert (row["algo"], row["seed"], row["steps"]) == ("sweep-dqn", seed, entry["n_timesteps"])
