"""A game's natural score: the number a player of the game would quote for an episode.

The episode return is what an agent maximises; the natural score is what people compare: the share
of fruit caught in Catch, the balls caught in CatchBall, the frames survived in Cave, the fruit eaten
in Snake. Each game declares its own as the class attribute ``NATURAL_SCORE``, so training,
evaluation and benchmarks read it from the game, never from a table of ids. An env from another
package (Taxi, Breakout, CartPole) has none and is scored by its episode return.

>>> natural_score("CatchBall-v0").label
'catches'
>>> natural_score("CartPole-v1").label
'episode return'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gymnasium
from gymnasium.envs.registration import load_env_creator


@dataclass(frozen=True)
class NaturalScore:
    """How an episode's natural score is read off what the env reports at its end.

    ``info_key`` names the entry of the final ``info`` that holds the score (e.g. ``"catches"``);
    without one the score is the episode return, or, with ``percent_won``, 100 for an episode whose
    return is positive and 0 otherwise, so that the mean over episodes is a win rate in percent.
    """

    #: What the score measures, for tables and plots ("catch rate %", "fruit eaten").
    label: str
    #: The final ``info`` entry holding the score; ``None``: the score comes from the episode return.
    info_key: str | None = None
    #: Score an episode 100 if its return is positive, else 0 (needs ``info_key=None``).
    percent_won: bool = False

    def __post_init__(self) -> None:
        if self.percent_won and self.info_key is not None:
            raise ValueError("a NaturalScore reads either an info key or the return's sign, not both")

    def of_episode(self, episode_return: float, final_info: Mapping[str, Any]) -> float:
        """The score of one finished episode from its return and its last ``info`` (or Monitor record)."""
        if self.info_key is not None:
            if self.info_key not in final_info:
                raise KeyError(
                    f"the episode's final info has no {self.info_key!r} entry for the score "
                    f"'{self.label}'; it has {sorted(final_info)}"
                )
            return float(final_info[self.info_key])
        if self.percent_won:
            return 100.0 if episode_return > 0 else 0.0
        return float(episode_return)


#: The score of an env that declares none: its episode return.
EPISODE_RETURN = NaturalScore("episode return")


def natural_score(env_id: str) -> NaturalScore:
    """The natural score of a registered id: its env class's ``NATURAL_SCORE``, else the return.

    Reads the class from the registry without building an env; the id's package must be registered.
    """
    entry_point = gymnasium.spec(env_id).entry_point
    creator = load_env_creator(entry_point) if isinstance(entry_point, str) else entry_point
    score = getattr(creator, "NATURAL_SCORE", EPISODE_RETURN)
    if not isinstance(score, NaturalScore):
        raise TypeError(f"{env_id}: NATURAL_SCORE must be a gym_catchgames.NaturalScore, got {score!r}")
    return score
