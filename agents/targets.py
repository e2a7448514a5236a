"""Learning targets: the natural score at which a game counts as learned, from ``agents/targets.yml``.

A target is data, like the tuned settings: one entry per id, either a number in the game's natural
score (a 99 % catch rate, 10 fruit) or ``{times_random: k}``, k times a uniformly random player's
score on the same seeds (for Cave, whose random survival varies by seed). ``benchmarks/learning.py``
and ``agents.tune`` both read it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

TARGETS_FILE = Path(__file__).with_name("targets.yml")

Target = float | dict[str, float]


def load_targets(path: Path = TARGETS_FILE) -> dict[str, Target]:
    """The targets file, checked: each value a number or ``{times_random: <number>}``."""
    targets = yaml.safe_load(path.read_text())
    for env_id, target in targets.items():
        number = target.get("times_random") if isinstance(target, dict) and len(target) == 1 else target
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise ValueError(f"{path}: {env_id}: a target is a number or {{times_random: k}}, got {target!r}")
    return targets


def target_score(target: Target, random_score: float) -> float:
    """The score to reach: the target itself, or ``times_random`` times the random player's score."""
    return target["times_random"] * random_score if isinstance(target, dict) else float(target)
