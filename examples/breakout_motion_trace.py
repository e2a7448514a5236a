"""Breakout through the motion-trace pipeline, saved as a picture of the screen and both channels.

The pipeline is ``ALE/Breakout-v5`` -> ``LifeLossInfo`` -> ``MotionTraceObservation(size=(105, 80))``:
each observation is a (105, 80, 2) uint8 image, channel 0 the gray frame and channel 1 the trace of
where things moved. A few random steps are played and a lost life is reported as it happens.

    python examples/breakout_motion_trace.py [--steps 60] [--seed 3] [--out breakout_motion_trace.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gym_catchgames.atari import make_breakout

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=60, help="random steps before the picture")
parser.add_argument("--seed", type=int, default=3)
parser.add_argument("--out", type=Path, default=Path("breakout_motion_trace.png"))
parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
args = parser.parse_args()
if args.out.exists() and not args.overwrite:
    parser.error(f"{args.out} exists; pass --overwrite to replace it or choose another --out")

# Build the pipeline; the defaults are ALE v5's frame skip 4 and sticky actions 0.25.
env = make_breakout()
obs, info = env.reset(seed=args.seed)
print(f"observation space {env.observation_space}, lives {info['lives']}")

# Play: FIRE serves the ball, then random moves. The trace shows the ball's path and the paddle.
FIRE = 1
rng = np.random.default_rng(args.seed)
for step in range(args.steps):
    action = FIRE if step == 0 else int(rng.integers(env.action_space.n))
    obs, reward, terminated, truncated, info = env.step(action)
    if info["life_lost"]:
        print(f"step {step}: life lost, {info['lives']} left; the episode goes on")
    if terminated or truncated:
        obs, info = env.reset()

# Picture: the emulator's screen next to the two channels, enlarged to the screen's size.
screen = Image.fromarray(env.unwrapped.ale.getScreenRGB())
panels = [("screen (210x160 RGB)", screen)]
for channel, name in enumerate(["channel 0: gray frame", "channel 1: motion trace"]):
    gray = Image.fromarray(obs[..., channel]).resize(screen.size, Image.Resampling.NEAREST)
    panels.append((f"{name} (105x80)", gray.convert("RGB")))

scale, margin, label_height = 2, 12, 28
width, height = screen.width * scale, screen.height * scale
picture = Image.new("RGB", (3 * width + 4 * margin, height + label_height + margin), "white")
draw = ImageDraw.Draw(picture)
font = ImageFont.load_default(size=16)
for index, (label, panel) in enumerate(panels):
    left = margin + index * (width + margin)
    draw.text((left, 6), label, fill="black", font=font)
    picture.paste(panel.resize((width, height), Image.Resampling.NEAREST), (left, label_height))
picture.save(args.out)
print(f"saved {args.out}")
env.close()
