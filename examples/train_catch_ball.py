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

import numpy as np
import torch

from agents.algorithms import ALGORITHMS, tuned_model
from agents.scoring import play_episodes
from gym_catchgames.validation import int_at_least

ENV_ID = "CatchBall-v0"
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--algo", choices=list(ALGORITHMS), default="sweep-dqn")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int, default=20, help="greedy episodes scored")
parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: the tuned budget")
args = parser.parse_args()
torch.set_num_threads(1)  # these networks are tiny: one thread is fastest

config, model = tuned_model(ENV_ID, args.algo, seed=args.seed, timesteps=args.timesteps)
start = time.perf_counter()
model.learn(total_timesteps=config.timesteps, progress_bar=True)
print(f"{args.algo}: {config.timesteps:,} env steps in {time.perf_counter() - start:.1f} s")

# A saved model is an ordinary SB3 zip: load it with the same class, no env needed to act.
with tempfile.TemporaryDirectory() as folder:
    model.save(Path(folder) / "catch_ball")
    model = type(model).load(Path(folder) / "catch_ball")

# Greedy play on fresh episodes; the game score is info["catches"] at the end of each.
catches = play_episodes(config, lambda obs: model.predict(obs, deterministic=True)[0], args.episodes).natural
print(f"greedy catches over {args.episodes} episodes: mean {np.mean(catches):.1f}, min {min(catches):.0f}")
