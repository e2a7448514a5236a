"""Taxi with a learned state embedding: from a random policy's about -770 to about +8 per episode.

Gymnasium's Taxi gives its state as one integer in 0..499 (taxi row and column, passenger place,
destination), so neighbouring numbers can need opposite actions. As in the Keras Taxi tutorials
(an ``Embedding(500, 6)`` layer), the Q-network gives every state its own learned vector:
``agents.DiscreteEmbedding`` as the features extractor of SB3's ``MlpPolicy``. The settings are the
tuned ``Taxi-v4`` entry of ``agents/hyperparams/<algo>.yml``, the one that
``python -m agents.train --env Taxi-v4 --algo dqn`` uses.
(Gymnasium 1.3 renamed Taxi-v3 to Taxi-v4 when fixing its optional rainy and fickle modes; with those
off, the default, the two are the same game.)

    python examples/train_taxi.py [--algo dqn|sweep-dqn|double-dqn] [--seed 0] [--episodes 200]
"""

from __future__ import annotations

import argparse
import time

import torch

from agents.algorithms import ALGORITHMS, tuned_model
from agents.scoring import evaluate_run, format_table
from gym_catchgames.validation import int_at_least

ENV_ID = "Taxi-v4"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--algo", choices=list(ALGORITHMS), default="dqn")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int, default=200, help="greedy and random episodes to score")
parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: the tuned budget")
args = parser.parse_args()
torch.set_num_threads(1)  # a 500 x 32 table and a linear head run fastest on one thread

# The tuned settings, read from the same YAML file as the training command, and a model built on them.
# Taxi cuts episodes at 200 steps; SB3's DQN and SweepDQN bootstrap from such a cut (it is not a
# real end), so a taxi that has not yet learned to deliver is not taught that wandering ends well.
config, model = tuned_model(ENV_ID, args.algo, seed=args.seed, timesteps=args.timesteps)
print(f"{args.algo} on {ENV_ID} for {config.timesteps:,} steps with {config.n_envs} envs")
print(f"policy_kwargs: {config.algo_kwargs['policy_kwargs']}")
start = time.perf_counter()
model.learn(config.timesteps, progress_bar=True)
print(f"trained in {time.perf_counter() - start:.0f} s")

# Score the greedy policy and a uniformly random player on the same episode seeds.
results = evaluate_run(config, model, args.episodes)
print(format_table(ENV_ID, results))
