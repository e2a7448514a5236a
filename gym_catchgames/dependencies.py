"""Optional dependencies: the games need only gymnasium, numpy and pygame; the rest comes with extras.

``pip install gym-catchgames`` installs the games. The extras add what other parts need:

* ``[atari]``: ale-py and OpenCV, for :mod:`gym_catchgames.atari` and the motion trace;
* ``[agents]``: torch, Stable-Baselines3 and what training uses, for the ``agents`` package and
  :mod:`gym_catchgames.sb3`;
* ``[zoo]``: RL Baselines3 Zoo and its console scripts; ``[ray]``: Ray Tune and Optuna for distributed
  runs and searches; ``[torchrl]``: TorchRL, for :mod:`gym_catchgames.torchrl_env`;
* ``[docs]``: the documentation site; ``[dev]``: everything plus the test tools.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from gymnasium.error import DependencyNotInstalled

#: The extra that installs each optional module (by its import name).
EXTRA_OF_MODULE = {
    "cv2": "atari",
    "ale_py": "atari",
    "torch": "agents",
    "stable_baselines3": "agents",
    "yaml": "agents",
    "matplotlib": "agents",
    "PIL": "agents",
    "ray": "ray",
    "rl_zoo3": "zoo",
    "torchrl": "torchrl",
}


def require(module: str, needed_for: str) -> ModuleType:
    """Import ``module``, or raise ``DependencyNotInstalled`` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name != module:  # the module is there but one of its own imports failed
            raise
        extra = EXTRA_OF_MODULE[module]
        raise DependencyNotInstalled(
            f"{needed_for} needs {module}, which is not installed; "
            f'install it with: pip install "gym-catchgames[{extra}]"'
        ) from None
