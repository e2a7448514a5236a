"""Run in a venv where only `pip install .` ran: the games, scalar and vector, compile, step and render
without the extras (numba is a dependency of the games themselves; the deep-learning stack is not)."""

import importlib.util
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import gymnasium

import gym_catchgames

OPTIONAL = ("torch", "stable_baselines3", "ale_py", "cv2", "ray")
installed = [name for name in OPTIONAL if importlib.util.find_spec(name)]
assert not installed, f"the plain install pulled {installed}"
assert importlib.util.find_spec("numba"), "the plain install lacks numba, which the games' kernels need"
for env_id in gym_catchgames.ENV_IDS:
    env = gymnasium.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    for _ in range(50):
        if any(env.step(env.action_space.sample())[2:4]):
            env.reset()
    assert env.render().any(), env_id
    envs = gymnasium.make_vec(
        env_id, num_envs=4, vectorization_mode="vector_entry_point", render_mode="rgb_array"
    )
    observations, _ = envs.reset(seed=0)
    for _ in range(50):
        observations, *_ = envs.step(envs.action_space.sample())
    assert observations.any() and all(frame.any() for frame in envs.render()), env_id
    print(f"{env_id}: the scalar and the vector env step and render")
print("the plain install runs every game, scalar and vector, without torch, SB3, ale-py, OpenCV or Ray")
