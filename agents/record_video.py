"""RL Baselines3 Zoo's ``record_video`` with this package's games registered.

The zoo's ``train`` and ``enjoy`` scripts take ``--gym-packages gym_catchgames``; its ``record_video``
has no such option and cannot find the games. This runs it after registering them, with the zoo's own
arguments::

    rl_zoo3 train --algo dqn --env Catch-v0 --gym-packages gym_catchgames -f logs --num-threads 1
    python -m agents.record_video --algo dqn --env Catch-v0 -f logs -n 200 -o videos
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Sequence

import gym_catchgames  # noqa: F401  (registers the games)
from gym_catchgames.dependencies import require


def main(argv: Sequence[str] | None = None) -> None:
    """Run ``rl_zoo3.record_video`` with ``argv`` (default: this command's arguments)."""
    require("rl_zoo3", "agents.record_video")
    sys.argv = ["python -m agents.record_video", *(sys.argv[1:] if argv is None else argv)]
    runpy.run_module("rl_zoo3.record_video", run_name="__main__")


if __name__ == "__main__":
    main()
