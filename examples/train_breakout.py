"""Breakout from the motion trace on a CPU, with SweepDQN (the tutorial's way) or SB3's DQN.

Hvass-Labs TensorFlow Tutorial #16 fed its Q-network two channels per state: the gray frame at half
size and a decaying trace of what moved (``gym_catchgames.wrappers.MotionTraceObservation``), so one
state shows where the ball is going. ``--algo sweep-dqn`` (the default) trains SweepDQN with the
tuned ``ALE/Breakout-v5`` entry of ``agents/hyperparams/sweep-dqn.yml``: the tutorial's protocol (2-4
frames per step, no sticky actions, a lost life ending the target chain while the game goes on, FIRE
after each reset), its schedules on its absolute clock and its 200,000-state memory, with SB3's
default network for images (``NatureCNN``, the 2015 DQN one). ``--algo dqn`` trains SB3's DQN with
the entry of ``agents/hyperparams/dqn.yml`` on ALE's v5 protocol (4 frames, sticky actions). Scores
are whole games (five lives, raw points) at epsilon 0.01, as the tutorial tested, against a random
player.

The measured runs and the commands that reproduce them are in ``benchmarks/results/breakout/README.md``;
a small ``--timesteps`` shows the whole pipeline in minutes.

    python examples/train_breakout.py [--algo sweep-dqn] [--timesteps N] [--seed 0] [--out breakout]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from agents.algorithms import tuned_model
from agents.run_report import write_gif
from agents.scoring import evaluate_run, format_table
from gym_catchgames.validation import int_at_least

ENV_ID = "ALE/Breakout-v5"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--algo", choices=["sweep-dqn", "dqn"], default="sweep-dqn")
parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: the tuned budget")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--episodes", type=int_at_least(1), default=30, help="greedy and random games scored")
parser.add_argument("--out", type=Path, default=Path("breakout"), help="folder for the model and the GIF")
args = parser.parse_args()
if args.out.exists():
    parser.error(f"{args.out} exists; choose another --out (results are never overwritten)")
torch.set_num_threads(1)  # measured fastest for this network on a shared 2-core machine

config, model = tuned_model(ENV_ID, args.algo, seed=args.seed, timesteps=args.timesteps)
print(f"{args.algo} on {ENV_ID} for {config.timesteps:,} steps; wrappers, innermost first:")
for wrapper in config.env_wrapper:
    print(f"  {wrapper}")
print(f"observation {model.observation_space.shape} (channels first: gray frame, motion trace)")
start = time.perf_counter()
model.learn(config.timesteps, progress_bar=True)
print(f"trained in {time.perf_counter() - start:.0f} s")

args.out.mkdir(parents=True)
model.save(args.out / "model.zip")
# epsilon 0.01, as the tutorial tested: a purely greedy player may never press FIRE after a lost life.
print(format_table(ENV_ID, evaluate_run(config, model, args.episodes, epsilon=0.01)))
write_gif(config, model, args.out / "agent.gif", episodes=1, max_frames=2000, epsilon=0.01)
print(f"wrote {args.out / 'model.zip'} and {args.out / 'agent.gif'}")
