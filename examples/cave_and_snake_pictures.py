"""Render the README's pictures of Cave-v0 and Snake-v0 mid-game, played by two simple scripted players.

    python examples/cave_and_snake_pictures.py --out docs/images

Both players read only the ``"grid"`` observation. The Cave pilot steers for the middle of the widest
run of free cells a few columns ahead (which also takes it round blocks) and reads its own speed from
the trail; the Snake player walks towards the food without stepping into a deadly cell.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium
import numpy as np
from PIL import Image

import gym_catchgames  # noqa: F401  (registers the ids)
from gym_catchgames.envs import CaveEnv, SnakeEnv

parser = argparse.ArgumentParser(description="Render pictures of Cave-v0 and Snake-v0 mid-game.")
parser.add_argument("--out", type=Path, default=Path("pictures"), help="folder for the pictures")
parser.add_argument("--seed", type=int, default=2)
parser.add_argument("--overwrite", action="store_true", help="replace pictures already in --out")
args = parser.parse_args()
existing = [str(args.out / name) for name in ("cave.png", "snake.png") if (args.out / name).exists()]
if existing and not args.overwrite:
    parser.error(f"{', '.join(existing)} exist; pass --overwrite to replace them or choose another --out")
args.out.mkdir(parents=True, exist_ok=True)


def widest_free_run(column: np.ndarray) -> float:
    """Middle row of the longest run of empty (0) or trail cells in one column of the Cave grid."""
    free = np.concatenate([[False], (column == 0) | (column == CaveEnv.GRID_VALUES["trail"]), [False]])
    edges = np.flatnonzero(np.diff(free.astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    longest = np.argmax(ends - starts)
    return (starts[longest] + ends[longest] - 1) / 2


def cave_pilot(obs: np.ndarray) -> int:
    ship_row, ship_column = obs.shape[0] // 2, 15
    trail = np.flatnonzero(obs[:, ship_column - 1] == CaveEnv.GRID_VALUES["trail"])
    speed = ship_row - trail[0] if len(trail) else 0  # rows moved in the last frame (down is +)
    target = widest_free_run(obs[:, ship_column + 4])
    return 1 if ship_row + 4 * speed > target else 0


def snake_player(obs: np.ndarray) -> int:
    (head,) = np.argwhere(obs == SnakeEnv.GRID_VALUES["snake_head"])
    food = np.argwhere(obs == SnakeEnv.GRID_VALUES["food"])
    moves = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}
    safe = [action for action, step in moves.items() if obs[tuple(head + step)] < 1.0]
    if not safe:
        return 4
    if not len(food):
        return safe[0]
    return min(safe, key=lambda action: np.abs(head + moves[action] - food[0]).sum())


def snapshot(env_id: str, player, frames_wanted: int, path: Path) -> None:
    """Play until ``frames_wanted`` steps have passed (or the last frame before the end) and save it."""
    env = gymnasium.make(env_id, render_mode="rgb_array")
    obs, _ = env.reset(seed=args.seed)
    frame = env.render()
    for _ in range(frames_wanted):
        obs, _, terminated, truncated, info = env.step(player(obs))
        if terminated or truncated:
            break
        frame = env.render()
    Image.fromarray(frame).save(path)
    print(f"{env_id}: {path} after {env.unwrapped._steps} steps, info {info}")


snapshot("Cave-v0", cave_pilot, 150, args.out / "cave.png")
snapshot("Snake-v0", snake_player, 60, args.out / "snake.png")
