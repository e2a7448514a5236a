"""Breakout from the motion trace on a CPU: DQN from random play's 0.9 points per game to about 23.

Seed 003 (Hvass-Labs' Atari tutorial) fed its Q-network two channels per state: the gray frame at half
size and a decaying trace of what moved (``gym_catchgames.wrappers.MotionTraceObservation``), so one
state shows where the ball is going. This script trains SB3's DQN on that state with the tuned
``ALE/Breakout-v5`` entry of ``agents/hyperparams/dqn.yml`` (the one ``python -m agents.train --env
ALE/Breakout-v5 --algo dqn`` uses): the 2013 DQN network (``agents.SmallAtariCNN``), a lost life ending
the training episode, FIRE after each reset and rewards clipped to their sign. Scores are whole games
(five lives) with the raw points, against a random player on the same seeds.

The tuned 500,000 steps took 88 minutes on one core of a busy 2-core machine and scored 22.8 points
per game (``benchmarks/results/breakout.md``); a small ``--timesteps`` shows the whole pipeline in
minutes (learning starts after 10,000 steps).

    python examples/train_breakout.py [--timesteps 500000] [--seed 0] [--episodes 30] [--out breakout]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from agents.algorithms import tuned_model
from agents.evaluate import evaluate_run, format_table, write_gif
from gym_catchgames.validation import int_at_least

ENV_ID, ALGO = "ALE/Breakout-v5", "dqn"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: the tuned 500,000")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int_at_least(1), default=30, help="greedy and random games scored")
parser.add_argument("--out", type=Path, default=Path("breakout"), help="folder for the model and the GIF")
args = parser.parse_args()
if args.out.exists():
    parser.error(f"{args.out} exists; choose another --out (results are never overwritten)")
torch.set_num_threads(1)  # measured fastest for this network on a shared 2-core machine

config, model = tuned_model(ENV_ID, ALGO, seed=args.seed, timesteps=args.timesteps)
print(f"{ALGO} on {ENV_ID} for {config.timesteps:,} steps; wrappers, innermost first:")
for wrapper in config.env_wrapper:
    print(f"  {wrapper}")
print(f"observation {model.observation_space.shape} (channels first: gray frame, motion trace)")
start = time.perf_counter()
model.learn(config.timesteps, progress_bar=True)
print(f"trained in {time.perf_counter() - start:.0f} s")

args.out.mkdir(parents=True)
model.save(args.out / "model.zip")
print(format_table(ENV_ID, evaluate_run(config, model, args.episodes)))
write_gif(config, model, args.out / "agent.gif", episodes=1, max_frames=2000)
print(f"wrote {args.out / 'model.zip'} and {args.out / 'agent.gif'}")
