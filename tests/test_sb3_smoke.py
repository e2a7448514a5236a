"""Stable-Baselines3 trains on Catch-v0 with no adapter: a short DQN run beats the random policy."""

from __future__ import annotations

import gymnasium
import numpy as np
import torch
from stable_baselines3 import DQN

import gym_catchgames  # noqa: F401  (registers the envs)
from tests.helpers import greedy, mean_return


def test_dqn_mlp_learns_catch_and_beats_random():
    torch.set_num_threads(1)
    model = DQN(
        "MlpPolicy",
        gymnasium.make("Catch-v0"),
        learning_rate=1e-3,
        buffer_size=10_000,
        learning_starts=500,
        batch_size=64,
        train_freq=1,
        target_update_interval=250,
        exploration_fraction=0.3,
        exploration_final_eps=0.05,
        gamma=0.95,
        policy_kwargs={"net_arch": [64, 64]},
        seed=0,
    )
    model.learn(6_000)
    rng = np.random.default_rng(0)
    random_return = mean_return(lambda obs: rng.integers(3, size=len(obs)), "Catch-v0")
    greedy_return = mean_return(greedy(model), "Catch-v0")
    # A random walk catches about 30 % of fruits (mean return about -0.4); 0.6 is an 80 % catch rate.
    assert random_return < -0.2
    assert greedy_return >= 0.6
