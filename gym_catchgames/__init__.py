"""Small, fast arcade grid games for reinforcement learning, registered with Gymnasium on import.

>>> import gymnasium, gym_catchgames
>>> env = gymnasium.make("Catch-v0")
"""

from gym_catchgames.core import IMAGE_OBS_TYPES, OBS_TYPES, GridGameEnv
from gym_catchgames.registration import ENV_IDS, register_envs
from gym_catchgames.scoring import EPISODE_RETURN, NaturalScore, natural_score

__version__ = "0.1.0"
__all__ = [
    "ENV_IDS",
    "EPISODE_RETURN",
    "IMAGE_OBS_TYPES",
    "OBS_TYPES",
    "GridGameEnv",
    "NaturalScore",
    "__version__",
    "natural_score",
    "register_envs",
]

register_envs()
