"""Cave: DQN from a random pilot's 60 frames per flight to about 700, 11.5x as long.

``Cave-v0`` unchanged: the ship falls unless the button is held, the cave narrows and blocks come in
from the right; the score is ``info["frames_survived"]``. The agent sees the ``obs_type="rgb"``
frame (the same 48x48 cells in the renderer's colours) through ``agents.SmallAtariCNN``, learns
from 5-step returns, and its learning rate falls linearly to 0 over the run. The settings are the
tuned ``Cave-v0`` entry of ``agents/hyperparams/dqn.yml``, the one
``python -m agents.train --env Cave-v0 --algo dqn`` uses; 300,000 steps took about 35 minutes on a
shared CPU core (``benchmarks/results/cave.md``: 700, 683 and 705 frames on seeds 0-2).

    python examples/train_cave.py [--seed 0] [--episodes 50]
"""

from __future__ import annotations

import argparse
import time

import torch

from agents.algorithms import tuned_model
from agents.evaluate import evaluate_run, format_table
from gym_catchgames.validation import int_at_least

ENV_ID, ALGO = "Cave-v0", "dqn"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int_at_least(1), default=50, help="greedy and random flights scored")
parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: the tuned budget")
args = parser.parse_args()
torch.set_num_threads(1)  # this small CNN runs fastest on one thread

config, model = tuned_model(ENV_ID, ALGO, seed=args.seed, timesteps=args.timesteps)
print(
    f"{ALGO} on {ENV_ID}: observation {model.observation_space.shape} (channels first), {config.env_kwargs}"
)
start = time.perf_counter()
model.learn(config.timesteps, progress_bar=True)
print(f"{ALGO}: {config.timesteps:,} steps in {time.perf_counter() - start:.0f} s")

# Greedy agent and random pilot on the same cave seeds.
print(format_table(ENV_ID, evaluate_run(config, model, args.episodes)))
