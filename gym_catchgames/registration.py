"""Registration of the package's environments with Gymnasium (done on ``import gym_catchgames``)."""

from __future__ import annotations

from typing import Any

import gymnasium

#: Registered ids and their ``gymnasium.register`` arguments. ``reward_threshold`` is the mean return
#: at which the game counts as solved: a 99 % catch rate for Catch and FruitFetch (0.99 - 0.01),
#: 90 catches per 500-step episode for CatchBall.
ENV_SPECS: dict[str, dict[str, Any]] = {
    "Catch-v0": {
        "entry_point": "gym_catchgames.envs.catch:CatchEnv",
        "vector_entry_point": "gym_catchgames.envs.catch:CatchVectorEnv",
        "reward_threshold": 0.98,
    },
    "FruitFetch-v0": {
        "entry_point": "gym_catchgames.envs.fruit_fetch:FruitFetchEnv",
        "vector_entry_point": "gym_catchgames.envs.fruit_fetch:FruitFetchVectorEnv",
        "reward_threshold": 0.98,
    },
    "CatchBall-v0": {
        "entry_point": "gym_catchgames.envs.catch_ball:CatchBallEnv",
        "vector_entry_point": "gym_catchgames.envs.catch_ball:CatchBallVectorEnv",
        "max_episode_steps": 500,
        "reward_threshold": 90.0,
    },
    "Cave-v0": {
        "entry_point": "gym_catchgames.envs.cave:CaveEnv",
        "vector_entry_point": "gym_catchgames.envs.cave:CaveVectorEnv",
        "max_episode_steps": 10_000,
    },
    # Cave-v0 with a return that says how long the ship flew: +1 a frame survived, 0 at the crash.
    "Cave-v1": {
        "entry_point": "gym_catchgames.envs.cave:CaveEnv",
        "vector_entry_point": "gym_catchgames.envs.cave:CaveVectorEnv",
        "max_episode_steps": 10_000,
        "kwargs": {"survival_reward": 1.0, "crash_reward": 0.0},
    },
    "Snake-v0": {
        "entry_point": "gym_catchgames.envs.snake:SnakeEnv",
        "vector_entry_point": "gym_catchgames.envs.snake:SnakeVectorEnv",
        "max_episode_steps": 5_000,
    },
}

ENV_IDS: tuple[str, ...] = tuple(ENV_SPECS)


def register_envs() -> None:
    """Register every id that is not registered yet (importing the package twice is harmless)."""
    for env_id, spec in ENV_SPECS.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, **spec)
