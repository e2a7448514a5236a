"""Snake seen from its head: DQN or SweepDQN from a random player's 0.16 fruit per game to more than 10.

The game is ``Snake-v0`` unchanged (10x10 with the wall ring, +1 per fruit, -1 on death). What the
agent sees is ``gym_catchgames.wrappers.HeadCentredObservation``: the grid shifted into a 19x19 view
with the head in the middle, so "danger beside the head" or "food up and to the left" is the same
pattern wherever the snake is. The settings are the tuned ``Snake-v0`` entries of
``agents/hyperparams/<algo>.yml``, the ones ``python -m agents.train --env Snake-v0 --algo dqn``
(or ``sweep-dqn``) uses: DQN's 200,000 steps and SweepDQN's 400,000 each take 4-5 minutes alone on
one CPU core, about 7 with three runs sharing two cores.

    python examples/train_snake.py [--algo dqn|sweep-dqn] [--seed 0] [--episodes 100]
"""

from __future__ import annotations

import argparse
import time

import torch

from agents import zoo
from agents.algorithms import ALGORITHMS, tuned_model
from agents.scoring import evaluate_run, format_table
from gym_catchgames.validation import int_at_least

ENV_ID = "Snake-v0"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
tuned = [algo for algo in ALGORITHMS if ENV_ID in zoo.tuned_env_ids(algo)]
parser.add_argument("--algo", choices=tuned, default="dqn")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int_at_least(1), default=100, help="greedy and random games scored")
parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: the tuned budget")
args = parser.parse_args()
torch.set_num_threads(1)  # a 361-256-256-5 network runs fastest on one thread

config, model = tuned_model(ENV_ID, args.algo, seed=args.seed, timesteps=args.timesteps)

# What the agent sees at the start: the board shifted so that the head (H) is in the middle of a
# 19x19 view; outside the board reads as wall (#). Snake's cells: wall/body 1.0, head 0.75, food 0.5.
view = model.get_env().reset()[0]  # the first of the model's envs
symbols = {1.0: "#", 0.75: "H", 0.5: "*", 0.0: "."}
print("\n".join(" ".join(symbols[float(cell)] for cell in row) for row in view))
print(f"{args.algo} on {ENV_ID} through {config.env_wrapper}: observation {view.shape}")
start = time.perf_counter()
model.learn(config.timesteps, progress_bar=True)
print(f"{config.timesteps:,} steps in {time.perf_counter() - start:.0f} s")

# Greedy agent and random player on the same seeds; the game score is info["fruit_eaten"].
print(format_table(ENV_ID, evaluate_run(config, model, args.episodes)))
