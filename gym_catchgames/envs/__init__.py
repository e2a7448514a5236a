"""The games, one module each."""

from gym_catchgames.envs.catch import CatchEnv
from gym_catchgames.envs.catch_ball import CatchBallEnv
from gym_catchgames.envs.fruit_fetch import FruitFetchEnv

__all__ = ["CatchBallEnv", "CatchEnv", "FruitFetchEnv"]
