"""Cave: from a random pilot's 60 frames per flight to about 700: DQN 11.5x as long, SweepDQN 11.8-13.9x.

``Cave-v0``: the ship falls unless the button is held, the cave narrows and blocks come in from the
right; the score is ``info["frames_survived"]``. The agent sees the ``obs_type="rgb"`` frame (the
same 48x48 cells in the renderer's colours) through ``agents.SmallAtariCNN``. The settings are the
tuned ``Cave-v0`` entries, the ones ``python -m agents.train --env Cave-v0 --algo ALGO`` uses:

* ``--algo dqn`` (default, ``agents/hyperparams/dqn.yml``): the game unchanged, 5-step returns and
  a learning rate falling linearly to 0; 700, 683 and 705 frames on seeds 0-2 after 300,000 steps
  (``benchmarks/results/learning/README.md``, about 35 minutes on a shared CPU core).
* ``--algo sweep-dqn`` (``agents/hyperparams/sweep-dqn.yml``): an action every third frame
  (``gymnasium.wrappers.RepeatAction``), a fit every 5,000 decisions and the rewards shifted up by 0.01
  a frame; 713, 767 and 721 frames on seeds 0-2 after 600,000 decisions (11.8-13.9x the game's random
  pilot), about 10 minutes on a core (``benchmarks/results/cave-sweep-dqn/README.md``). Its random pilot below
  holds each random action for 3 frames too, and survives fewer frames than the game's (44-47 against
  55-61).

    python examples/train_cave.py [--algo dqn] [--seed 0] [--episodes 50]
"""

from __future__ import annotations

import argparse
import time

import torch

from agents.algorithms import tuned_model
from agents.scoring import evaluate_run, format_table
from gym_catchgames.validation import int_at_least

ENV_ID = "Cave-v0"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--algo", choices=["dqn", "sweep-dqn"], default="dqn")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int_at_least(1), default=50, help="greedy and random flights scored")
parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: the tuned budget")
args = parser.parse_args()
torch.set_num_threads(1)  # this small CNN runs fastest on one thread

config, model = tuned_model(ENV_ID, args.algo, seed=args.seed, timesteps=args.timesteps)
shape = model.observation_space.shape
print(f"{args.algo} on {ENV_ID}: observation {shape} (channels first), {config.env_kwargs}")
start = time.perf_counter()
model.learn(config.timesteps, progress_bar=True)
print(f"{args.algo}: {config.timesteps:,} steps in {time.perf_counter() - start:.0f} s")

# Greedy agent and random pilot on the same cave seeds.
print(format_table(ENV_ID, evaluate_run(config, model, args.episodes)))
