"""SweepDQN's Cave entry: an action every third frame, a fit every 5,000 decisions, rewards shifted up
by 0.01 a frame."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from agents import zoo
from agents.algorithms import tuned_model
from agents.runs import make_env
from tests.helpers import REPO, load_benchmark

RESULTS = REPO / "benchmarks" / "results" / "cave-sweep-dqn"
EVERY_FRAME_FILE = REPO / "benchmarks" / "protocols" / "sweep-dqn-cave-every-frame.yml"


def entry_settings(path: Path | None = None) -> dict:
    """The Cave-v0 entry of a hyperparameter file, read independently of the code under test."""
    return yaml.safe_load((path or zoo.hyperparams_file("sweep-dqn")).read_text())["Cave-v0"]


def test_the_entry_holds_each_action_for_three_frames_of_shifted_rewards():
    config, model = tuned_model("Cave-v0", "sweep-dqn")
    entry = entry_settings()
    assert config.timesteps == entry["n_timesteps"] and model.buffer_size == entry["buffer_size"] == 5_000
    assert model.observation_space.shape == (3, 48, 48)  # rgb frames, channels moved first by SB3
    assert model.gamma == 0.97  # a decision is 3 frames: 0.97 ~ 0.99 ** 3
    env = make_env(config, n_envs=1)
    env.reset()
    rewards = []
    while True:  # released all the way: the ship falls into the floor
        _, reward, done, infos = env.step(np.array([0]))
        rewards.append(float(reward[0]))
        if done[0]:
            break
    # By hand: from y = 24 at rest, after t frames of gravity 0.08 the ship is 0.04 t (t + 1) lower; the
    # straight starting cave's floor is 26.4 / 2 = 13.2 below, first reached at t = 18 (18 * 19 = 342 >=
    # 330). Frames 1-15 are 5 decisions of 3 survived frames (0.03); the 6th survives frames 16 and 17
    # (0.02) and crashes on frame 18 (0). The score is still the frames survived.
    assert rewards == pytest.approx([0.03] * 5 + [0.02])  # float32 in the VecEnv
    assert infos[0]["frames_survived"] == 17
    env.close()


def test_a_fit_every_5000_decisions_sweeps_to_finite_values():
    _, model = tuned_model("Cave-v0", "sweep-dqn", seed=0)
    model.learn(10_000)
    # replay_fraction 1.0: a sweep each time the 5,000-row memory is full, then the memory is discarded.
    assert [record["steps"] for record in model.sweep_log] == [5_000, 10_000]
    for record in model.sweep_log:
        assert all(math.isfinite(value) for value in record.values())
        assert 0.9 < record["epochs"] <= 10.0  # min_epochs 1 (in whole batches) to max_epochs 10
        # Shifted rewards: every return is between 0 and 0.03 / (1 - 0.97) = 1.
        assert 0.0 < record["q_mean_swept"] < 1.0


def test_the_every_frame_file_is_the_entry_without_the_action_repeat():
    every_frame = entry_settings(EVERY_FRAME_FILE)
    entry = entry_settings()
    assert entry.pop("env_wrapper") == [{"gymnasium.wrappers.RepeatAction": {"num_repeats": 3}}]
    assert (entry.pop("gamma"), every_frame.pop("gamma")) == (0.97, 0.99)
    assert every_frame == entry


def resolved_settings(row: dict) -> dict:
    """The entry a committed row ran: its spec's file (or the tuned entry) with its overrides."""
    _, settings_file, overrides = load_benchmark("learning").parse_algo_spec(row["algo"])
    return entry_settings(settings_file) | overrides


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_committed_rows_were_made_with_the_entrys_settings(monkeypatch, seed):
    # The rows of benchmarks/results/cave-sweep-dqn.md name the file they ran (a copy of the entry made
    # before it was committed); resolved, it must be the tuned entry, so `--algos sweep-dqn` reproduces them.
    monkeypatch.chdir(REPO)  # the rows name their files relative to the repository
    row = json.loads((RESULTS / f"entry_r3_seed{seed}.json").read_text())[0]
    entry = entry_settings()
    assert resolved_settings(row) == entry
    assert (row["seed"], row["steps"]) == (seed, entry["n_timesteps"])


def test_the_every_frame_rows_were_made_with_the_every_frame_files_settings(monkeypatch):
    monkeypatch.chdir(REPO)
    every_frame = entry_settings(EVERY_FRAME_FILE)
    seed0 = json.loads((RESULTS / "m5L_seed0.json").read_text())[0]
    # The attempt file's budget is 300k; the row ran 600k (--timesteps, schedules spanning it).
    assert resolved_settings(seed0) | {"n_timesteps": every_frame["n_timesteps"]} == every_frame
    assert (seed0["seed"], seed0["steps"]) == (0, every_frame["n_timesteps"])
    for seed in (1, 2):  # run as `--algos sweep-dqn` while these were the tuned entry's settings
        row = json.loads((RESULTS / f"entry_seed{seed}.json").read_text())[0]
        assert (row["algo"], row["seed"], row["steps"]) == ("sweep-dqn", seed, every_frame["n_timesteps"])
