"""SweepDQN and Stable-Baselines3's DQN on Catch-v0, side by side, with the tuned settings.

    python examples/train_catch.py [--seed 0]

Both algorithms read their settings from ``agents/hyperparams/<algo>.yml`` (RL Baselines3 Zoo's
format, the same file ``python -m agents.train`` uses), train through the normal SB3 API and are then
scored greedily: the catch rate is the share of episodes whose fruit lands in the basket.
"""

from __future__ import annotations

import argparse
import time

import gymnasium
import numpy as np
import torch

import gym_catchgames  # noqa: F401  (registers the games)
from agents.algorithms import tuned_model
from gym_catchgames.validation import int_at_least

ENV_ID = "Catch-v0"
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int, default=200, help="greedy episodes scored per algorithm")
parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: the tuned budget")
args = parser.parse_args()
torch.set_num_threads(1)  # these networks are tiny: one thread is fastest

for algo in ("sweep-dqn", "dqn"):
    # The tuned settings (the zoo's n_timesteps, n_envs, policy plus constructor arguments) and an
    # untrained model on n_envs Catch games.
    config, model = tuned_model(ENV_ID, algo, seed=args.seed, timesteps=args.timesteps)

    start = time.perf_counter()
    model.learn(total_timesteps=config.timesteps, progress_bar=True)
    seconds = time.perf_counter() - start

    # Greedy play on fresh episodes: every Catch episode ends with reward +1 (caught) or -1 (missed).
    eval_env = gymnasium.make(ENV_ID)
    caught = []
    for episode in range(args.episodes):
        obs, _ = eval_env.reset(seed=10_000 + episode)
        terminated = truncated = False
        while not (terminated or truncated):
            action, _ = model.predict(obs, deterministic=True)
            obs, reward, terminated, truncated, _ = eval_env.step(int(action))
        caught.append(reward > 0)
    print(
        f"{algo:>9}: {config.timesteps:,} env steps in {seconds:.1f} s, "
        f"greedy catch rate {100 * np.mean(caught):.1f} % over {args.episodes} episodes"
    )
