"""Render and score every registered game: one GIF per game and a table of random-policy scores.

    python examples/gallery.py --out docs/images --episodes 100

Each GIF shows the first episodes of a uniformly random player (up to ``--max-frames`` frames); the
table gives the random player's mean return over ``--episodes`` seeded episodes, the baseline any
learning agent has to beat.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium
import numpy as np
from PIL import Image

import gym_catchgames

parser = argparse.ArgumentParser(description="Render and score every gym-catchgames game.")
parser.add_argument(
    "--out", type=Path, default=Path("gallery"), help="folder for the GIFs (default: gallery)"
)
parser.add_argument("--episodes", type=int, default=100, help="episodes scored per game")
parser.add_argument("--max-frames", type=int, default=45, help="frames per GIF")
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--overwrite", action="store_true", help="replace pictures already in --out")
args = parser.parse_args()
gifs = {env_id: args.out / f"{env_id.split('-')[0].lower()}.gif" for env_id in gym_catchgames.ENV_IDS}
existing = [str(path) for path in gifs.values() if path.exists()]
if existing and not args.overwrite:
    parser.error(f"{', '.join(existing)} exist; pass --overwrite to replace them or choose another --out")
args.out.mkdir(parents=True, exist_ok=True)

print(f"{'env id':<16} {'random return':>14} {'episode length':>15}")
for env_id in gym_catchgames.ENV_IDS:
    env = gymnasium.make(env_id, render_mode="rgb_array")
    rng = np.random.default_rng(args.seed)
    frames, returns, lengths = [], [], []
    for episode in range(args.episodes):
        env.reset(seed=args.seed + episode)
        total, length, done = 0.0, 0, False
        while not done:
            if len(frames) < args.max_frames:
                frames.append(Image.fromarray(env.render()))
            _, reward, terminated, truncated, _ = env.step(int(rng.integers(env.action_space.n)))
            total, length, done = total + reward, length + 1, terminated or truncated
        returns.append(total)
        lengths.append(length)
    env.close()
    gif = gifs[env_id]
    frames[0].save(
        gif, save_all=True, append_images=frames[1:], duration=1000 // env.metadata["render_fps"], loop=0
    )
    print(f"{env_id:<16} {np.mean(returns):>+14.2f} {np.mean(lengths):>15.1f}   -> {gif}")
