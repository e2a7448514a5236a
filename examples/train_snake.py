"""Snake seen from its head: DQN from a random player's 0.1 fruit per game to more than 10.

The game is ``Snake-v0`` unchanged (10x10 with the wall ring, +1 per fruit, -1 on death). What the
agent sees is ``gym_catchgames.wrappers.HeadCentredObservation``: the grid shifted into a 19x19 view
with the head in the middle, so "danger beside the head" or "food up and to the left" is the same
pattern wherever the snake is. The settings are the tuned ``Snake-v0`` entry of
``agents/hyperparams/dqn.yml``, the one ``python -m agents.train --env Snake-v0 --algo dqn`` uses;
200,000 steps take about five minutes on one CPU core.

    python examples/train_snake.py [--seed 0] [--episodes 100]
"""

from __future__ import annotations

import argparse
import time

import torch

from agents import zoo
from agents.evaluate import evaluate_run, format_table
from agents.runs import RunConfig, make_env
from agents.train import algorithm_class
from gym_catchgames.validation import int_at_least

ENV_ID, ALGO = "Snake-v0", "dqn"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int_at_least(1), default=100, help="greedy and random games scored")
args = parser.parse_args()
torch.set_num_threads(1)  # a 361-256-256-5 network runs fastest on one thread

algo_class = algorithm_class(ALGO)
settings = zoo.load_hyperparams(ALGO, ENV_ID, algo_class)
config = RunConfig.from_settings(env_id=ENV_ID, algo=ALGO, seed=args.seed, settings=settings)
env = make_env(config, n_envs=config.n_envs)
print(f"{ALGO} on {ENV_ID} through {config.env_wrapper}: observation {env.observation_space.shape}")

model = algo_class(env=env, seed=args.seed, verbose=0, **config.model_kwargs())
start = time.perf_counter()
model.learn(config.timesteps)
print(f"{config.timesteps:,} steps in {time.perf_counter() - start:.0f} s")

# Greedy agent and random player on the same seeds; the game score is info["fruit_eaten"].
print(format_table(ENV_ID, evaluate_run(config, model, args.episodes)))
