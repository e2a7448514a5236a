"""Run in a venv where only `pip install .` ran: the games step and render without the extras."""

import importlib.util
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import gymnasium

import gym_catchgames

OPTIONAL = ("torch", "stable_baselines3", "ale_py", "cv2")
installed = [name for name in OPTIONAL if importlib.util.find_spec(name)]
assert not installed, f"the plain install pulled {installed}"
for env_id in gym_catchgames.ENV_IDS:
    env = gymnasium.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    for _ in range(50):
        if any(env.step(env.action_space.sample())[2:4]):
            env.reset()
    assert env.render().any(), env_id
    print(f"{env_id}: steps and renders")
print("the plain install runs every game without torch, SB3, ale-py or OpenCV")
