"""Life-loss signal for games with several lives (Atari through ale-py)."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym


class LifeLossInfo(gym.Wrapper[Any, Any, Any, Any], gym.utils.RecordConstructorArgs):
    """Adds ``info["life_lost"]``: ``True`` on every step after which ``info["lives"]`` went down.

    The episode goes on after a lost life (unlike SB3's ``EpisodicLifeEnv``), so an agent can treat a
    lost life as terminal for its learning targets while the game continues: the ``end_life`` flag of
    Hvass-Labs' Breakout tutorial. Losing the last life sets the flag too. ``info["lives"]`` is kept.

    The wrapped environment must report the remaining lives in ``info["lives"]`` on ``reset()`` and
    ``step()``, as ale-py's Atari environments do; otherwise ``reset()`` raises ``ValueError``.
    """

    def __init__(self, env: gym.Env):
        """Wrap ``env``, which must report ``info["lives"]``."""
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        self._lives: int | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the environment and remember its number of lives."""
        obs, info = self.env.reset(seed=seed, options=options)
        self._lives = self._read_lives(info)
        return obs, {**info, "life_lost": False}

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the environment; ``info["life_lost"]`` says whether this step cost a life."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        lives = self._read_lives(info)
        life_lost = self._lives is not None and lives < self._lives
        self._lives = lives
        return obs, reward, terminated, truncated, {**info, "life_lost": life_lost}

    def _read_lives(self, info: dict[str, Any]) -> int:
        if "lives" not in info:
            raise ValueError(
                "LifeLossInfo needs an environment that reports its remaining lives in info['lives'] "
                f"(as ale-py's Atari games do); {self.env} gave the info keys {sorted(info)}"
            )
        return int(info["lives"])
