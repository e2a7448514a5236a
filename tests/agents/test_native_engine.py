"""Runs on the package's own vector engine: ``agents.runs.make_env`` builds the games' training and
scoring envs with ``gymnasium.make_vec`` + ``SB3VecEnvAdapter`` + ``VecMonitor``, and they play exactly
the episodes that SB3's ``make_vec_env`` over scalar envs plays (the independent route), with the same
episode records; ids and wrappers without a batched form keep ``make_vec_env``."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor

import gym_catchgames  # noqa: F401  (registers the games)
from agents.algorithms import build_model, tuned_config
from agents.run_report import training_episodes
from agents.runs import RunConfig, make_env, wrapper_from_spec
from gym_catchgames.sb3 import SB3VecEnvAdapter
from gym_catchgames.scoring import natural_score
from tests.helpers import REPO

HEAD_CENTRED = "gym_catchgames.wrappers.HeadCentredObservation"

#: (id, env_kwargs, env_wrapper) of every game as the tuned entries build it.
GAMES = [
    ("Catch-v0", {}, None),
    ("FruitFetch-v0", {}, None),
    ("CatchBall-v0", {}, None),
    ("Cave-v0", {"obs_type": "rgb"}, None),
    ("Snake-v0", {}, HEAD_CENTRED),
]


def config_of(env_id: str, env_kwargs: dict, env_wrapper=None, algo: str = "ppo", seed: int = 3) -> RunConfig:
    return RunConfig(
        env_id=env_id, algo=algo, seed=seed, timesteps=1, env_kwargs=env_kwargs, env_wrapper=env_wrapper
    )


def play(env, steps: int, n_actions: int, seed: int = 0) -> tuple[list[np.ndarray], list[tuple]]:
    """``steps`` random steps of a VecEnv: every array it returned (observations, rewards, dones, terminal
    observations) and each ended episode's record (step, sub-env, return, length, truncated)."""
    rng = np.random.default_rng(seed)
    arrays, episodes = [env.reset().copy()], []
    for step in range(steps):
        obs, rewards, dones, infos = env.step(rng.integers(n_actions, size=env.num_envs))
        arrays += [obs.copy(), rewards.copy(), dones.copy()]
        for i, info in enumerate(infos):
            if "episode" in info:
                record = info["episode"]
                episodes.append((step, i, float(record["r"]), int(record["l"]), info["TimeLimit.truncated"]))
                arrays.append(info["terminal_observation"])
    env.close()
    return arrays, episodes


@pytest.mark.parametrize(("env_id", "env_kwargs", "env_wrapper"), GAMES)
def test_the_native_engine_plays_the_episodes_of_make_vec_env(env_id, env_kwargs, env_wrapper):
    config = config_of(env_id, env_kwargs, env_wrapper)
    native = make_env(config, n_envs=4, seed_offset=10)
    assert isinstance(native, VecMonitor) and isinstance(native.venv, SB3VecEnvAdapter)
    reference = make_vec_env(
        env_id,
        n_envs=4,
        seed=config.seed + 10,
        env_kwargs=env_kwargs,
        wrapper_class=wrapper_from_spec(env_wrapper),
    )
    assert isinstance(reference, DummyVecEnv)
    n_actions = int(native.action_space.n)
    (our_arrays, our_episodes), (arrays, episodes) = (
        play(native, 600, n_actions),
        play(reference, 600, n_actions),
    )
    assert our_episodes == episodes
    assert len(episodes) >= 4  # the comparison covered episodes ending and sub-envs resetting
    assert len(our_arrays) == len(arrays)
    for ours, theirs in zip(our_arrays, arrays, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_ids_wrappers_and_render_modes_without_a_batched_form_keep_make_vec_env():
    taxi = make_env(config_of("Taxi-v4", {}), n_envs=2)
    assert isinstance(taxi, DummyVecEnv)
    repeat_action = {"gymnasium.wrappers.RepeatAction": {"num_repeats": 3}}
    repeat = make_env(config_of("Cave-v0", {}, repeat_action), n_envs=1)
    assert isinstance(repeat, DummyVecEnv)  # Gymnasium's RepeatAction has no vector form
    forced = make_env(config_of("Catch-v0", {}), n_envs=2, engine="make_vec_env")
    assert isinstance(forced, DummyVecEnv)  # a game on SB3's make_vec_env, when asked for
    window = make_env(config_of("Catch-v0", {}), n_envs=1, render_mode="human")
    assert isinstance(window, DummyVecEnv)  # the vector envs draw rgb_array frames, not a window
    for env in (taxi, repeat, forced, window):
        env.close()
    with pytest.raises(ValueError, match="Taxi-v4 with env_wrapper=None and render_mode=None has no native"):
        make_env(config_of("Taxi-v4", {}), n_envs=2, engine="native")
    with pytest.raises(ValueError, match="engine must be one of"):
        make_env(config_of("Catch-v0", {}), n_envs=2, engine="numba")


def test_the_monitor_records_each_episode_with_the_games_score(tmp_path):
    config = config_of("CatchBall-v0", {})
    env = make_env(config, n_envs=3, monitor_dir=tmp_path)
    play(env, 1_200, 3)  # a CatchBall game is cut at 500 steps: each sub-env ends at least twice
    (path,) = tmp_path.glob("*.monitor.csv")
    with path.open() as file:
        assert json.loads(file.readline().removeprefix("#"))["t_start"] > 0  # Monitor's header line
        rows = list(csv.DictReader(file))
    assert len(rows) >= 6
    key = natural_score("CatchBall-v0").info_key
    for row in rows:
        assert int(row["l"]) <= 500
        # CatchBall pays +1 a catch and -1 a miss (ends the game): return = catches - (l < 500).
        assert float(row["r"]) == float(row[key]) - (int(row["l"]) < 500)
    steps, returns = training_episodes(tmp_path)  # what the learning curve plots
    assert returns.tolist() == [float(row["r"]) for row in rows]
    assert steps[-1] == sum(int(row["l"]) for row in rows)


def test_a_seed_gives_the_same_trained_weights_on_the_native_engine():
    def weights(seed: int) -> dict[str, torch.Tensor]:
        torch.set_num_threads(1)
        config = tuned_config("Catch-v0", "ppo", seed, timesteps=2_048)
        model = build_model(config)
        assert isinstance(model.get_env().venv, SB3VecEnvAdapter)
        model.learn(config.timesteps)
        return {name: value.clone() for name, value in model.policy.state_dict().items()}

    first, again, other = weights(0), weights(0), weights(1)
    assert all(torch.equal(first[name], again[name]) for name in first)
    assert any(not torch.equal(first[name], other[name]) for name in first)


def test_dqn_learns_the_same_weights_on_either_engine():
    """The engines differ in nothing a learner sees: DQN's weights after 1,500 steps are equal."""

    def weights(env) -> dict[str, torch.Tensor]:
        torch.set_num_threads(1)
        config = tuned_config("Catch-v0", "dqn", 0, timesteps=1_500)
        model = build_model(config, env(config))
        model.learn(config.timesteps)
        return model.policy.state_dict()

    native = weights(lambda config: make_env(config, n_envs=1))
    scalar = weights(lambda config: make_vec_env("Catch-v0", n_envs=1, seed=config.seed))
    assert all(torch.equal(native[name], scalar[name]) for name in native)


@pytest.mark.parametrize("algo", ["ppo", "a2c"])
def test_the_command_line_trains_ppo_and_a2c_on_catch_to_the_target(tmp_path, algo):
    """``python -m agents.train --algo ppo|a2c --env Catch-v0`` with the tuned entry, on the native
    engine, ends at a 99 % greedy catch rate or better (a random player catches about a third)."""
    command = [
        sys.executable,
        "-m",
        "agents.train",
        "--algo",
        algo,
        "--env",
        "Catch-v0",
        "--gif-episodes",
        "0",
    ]
    command += ["--runs-dir", str(tmp_path), "--no-progress-bar"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    run_dir = tmp_path / "Catch-v0" / algo / "run-001"
    results = yaml.safe_load((run_dir / "evaluation.yml").read_text())
    assert results["agent"]["mean_score"] >= 99.0
    assert results["random"]["mean_score"] < 50.0
    assert (run_dir / "monitor" / "all.monitor.csv").is_file()  # the native engine's one monitor file
