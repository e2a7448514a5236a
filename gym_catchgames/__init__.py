"""Small, fast arcade grid games for reinforcement learning, registered with Gymnasium on import.

>>> import gymnasium, gym_catchgames
>>> env = gymnasium.make("Catch-v0")
"""

from gym_catchgames.core import OBS_TYPES, GridGameEnv
from gym_catchgames.registration import ENV_IDS, register_envs

__version__ = "0.1.0"
__all__ = ["ENV_IDS", "OBS_TYPES", "GridGameEnv", "__version__", "register_envs"]

register_envs()
