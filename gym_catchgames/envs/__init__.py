"""The games, one module each."""

from gym_catchgames.envs.catch import CatchEnv
from gym_catchgames.envs.catch_ball import CatchBallEnv
from gym_catchgames.envs.cave import CaveEnv
from gym_catchgames.envs.fruit_fetch import FruitFetchEnv
from gym_catchgames.envs.snake import SnakeEnv

__all__ = ["CatchBallEnv", "CatchEnv", "CaveEnv", "FruitFetchEnv", "SnakeEnv"]
