"""Stable-Baselines3 trains on Catch-v0 with no adapter: a short DQN run beats the random policy."""

from __future__ import annotations

import gymnasium
import numpy as np
import torch

import gym_catchgames  # noqa: F401  (registers the envs)
from agents.algorithms import build_model, tuned_config
from tests.helpers import greedy, mean_return


def test_dqn_mlp_learns_catch_and_beats_random():
    torch.set_num_threads(1)
    # SB3's own DQN with the tuned Catch-v0 entry of dqn.yml, on the env exactly as gymnasium.make gives it.
    config = tuned_config("Catch-v0", "dqn", seed=0)
    model = build_model(config, gymnasium.make("Catch-v0"))
    assert type(model).__module__.startswith("stable_baselines3.")
    model.learn(6_000)  # a smaller budget than the entry's
    rng = np.random.default_rng(0)
    random_return = mean_return(lambda obs: rng.integers(3, size=len(obs)), "Catch-v0")
    greedy_return = mean_return(greedy(model), "Catch-v0")
    # A random walk catches about 30 % of fruits (mean return about -0.4); 0.6 is an 80 % catch rate.
    assert random_return < -0.2
    assert greedy_return >= 0.6
