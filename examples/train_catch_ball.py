"""Train an agent on CatchBall-v0, save it, load it back and count its catches per 500-step episode.

    python examples/train_catch_ball.py [--algo sweep-dqn|dqn|double-dqn] [--seed 0]

The settings are the tuned ones of ``agents/hyperparams/<algo>.yml``. A CatchBall episode ends at the
first missed ball or after 500 steps, so a perfect player catches 98 balls (one falls every 5 steps);
the target is 90. The greedy score is read from ``info["catches"]`` at the end of each episode.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import gymnasium
import numpy as np
import torch
from stable_baselines3.common.env_util import make_vec_env

import gym_catchgames  # noqa: F401  (registers the games)
from agents import zoo
from agents.runs import RunConfig
from agents.train import ALGORITHMS, algorithm_class

ENV_ID = "CatchBall-v0"
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--algo", choices=list(ALGORITHMS), default="sweep-dqn")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int, default=20, help="greedy episodes scored")
args = parser.parse_args()
torch.set_num_threads(1)  # these networks are tiny: one thread is fastest

algo_class = algorithm_class(args.algo)
settings = zoo.load_hyperparams(args.algo, ENV_ID, algo_class)
config = RunConfig.from_settings(env_id=ENV_ID, algo=args.algo, seed=args.seed, settings=settings)
env = make_vec_env(ENV_ID, n_envs=config.n_envs, seed=args.seed)
model = algo_class(env=env, seed=args.seed, **config.model_kwargs())
start = time.perf_counter()
model.learn(total_timesteps=config.timesteps)
print(f"{args.algo}: {config.timesteps:,} env steps in {time.perf_counter() - start:.1f} s")

# A saved model is an ordinary SB3 zip: load it with the same class, no env needed to act.
with tempfile.TemporaryDirectory() as folder:
    model.save(Path(folder) / "catch_ball")
    model = algo_class.load(Path(folder) / "catch_ball")

eval_env = gymnasium.make(ENV_ID)
catches = []
for episode in range(args.episodes):
    obs, info = eval_env.reset(seed=10_000 + episode)
    terminated = truncated = False
    while not (terminated or truncated):
        action, _ = model.predict(obs, deterministic=True)
        obs, _, terminated, truncated, info = eval_env.step(int(action))
    catches.append(info["catches"])
print(f"greedy catches over {args.episodes} episodes: mean {np.mean(catches):.1f}, min {min(catches)}")
