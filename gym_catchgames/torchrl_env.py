"""TorchRL over the games' native vector envs.

TorchRL's ``GymWrapper`` steps a Gymnasium vector env only in the ``DISABLED`` autoreset mode (its
preference: it resets finished sub-envs itself, through the vector env's ``reset_mask``) or
``SAME_STEP``; Gymnasium's default, and so ``gymnasium.make_vec``'s, is ``NEXT_STEP``. Every game's
vector env takes the mode as an argument::

    import gymnasium
    from gymnasium.vector import AutoresetMode
    from torchrl.envs import GymWrapper
    import gym_catchgames

    env = GymWrapper(gymnasium.make_vec("Catch-v0", 8, autoreset_mode=AutoresetMode.DISABLED))

:func:`make_torchrl_env` does the same in one call, and :func:`wrap_vector_env` refuses a ``NEXT_STEP``
env with the fix instead of TorchRL's bare refusal. Install TorchRL with the ``torchrl`` extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gymnasium
from gymnasium.vector import AutoresetMode, VectorEnv

from gym_catchgames.dependencies import require

if TYPE_CHECKING:
    from torchrl.envs import GymWrapper

#: The autoreset modes TorchRL's GymWrapper steps, its preferred one first.
TORCHRL_AUTORESET_MODES = (AutoresetMode.DISABLED, AutoresetMode.SAME_STEP)


def wrap_vector_env(env: VectorEnv, **wrapper_kwargs: Any) -> GymWrapper:
    """``env`` as a TorchRL env (``GymWrapper(env, **wrapper_kwargs)``); a ``NEXT_STEP`` env is refused."""
    mode = env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
    if mode not in TORCHRL_AUTORESET_MODES:
        raise ValueError(
            "TorchRL steps vector envs whose autoreset_mode is DISABLED (preferred) or SAME_STEP; "
            f"this one's "
            f"is {AutoresetMode(mode).name}: build it with gymnasium.make_vec(env_id, num_envs, "
            "autoreset_mode=AutoresetMode.DISABLED), or call gym_catchgames.torchrl_env.make_torchrl_env"
        )
    require("torchrl", "gym_catchgames.torchrl_env")
    from torchrl.envs import GymWrapper

    return GymWrapper(env, **wrapper_kwargs)


def make_torchrl_env(env_id: str, num_envs: int, **env_kwargs: Any) -> GymWrapper:
    """The native vector env of ``env_id`` (``num_envs`` sub-envs, ``env_kwargs`` as for
    ``gymnasium.make``) with autoreset ``DISABLED``, as a TorchRL env."""
    env_kwargs.setdefault("autoreset_mode", AutoresetMode.DISABLED)
    env = gymnasium.make_vec(env_id, num_envs, vectorization_mode="vector_entry_point", **env_kwargs)
    return wrap_vector_env(env)
