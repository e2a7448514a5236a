"""Tuned hyperparameters in RL Baselines3 Zoo's format, and their checked loading.

One YAML file per algorithm in ``agents/hyperparams/`` maps env ids to settings, exactly as the zoo's
``hyperparams/<algo>.yml``: algorithm constructor arguments plus the zoo's own keys (``n_timesteps``,
``policy``, ``n_envs``, ``env_kwargs``, ``env_wrapper``, ``frame_stack``, ``policy_kwargs`` as a Python
expression, ``learning_rate: lin_<value>`` for a linearly decaying rate). So the same file drives
``python -m agents.train`` and
``rl_zoo3 train --algo dqn --env Catch-v0 --gym-packages gym_catchgames -conf agents/hyperparams/dqn.yml``.
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HYPERPARAMS_DIR = Path(__file__).with_name("hyperparams")

#: Keys the zoo reads itself rather than passing to the algorithm.
ZOO_KEYS = frozenset({"n_timesteps", "policy", "n_envs", "env_kwargs", "env_wrapper", "frame_stack"})
#: A number in the scientific notation that YAML 1.1 leaves as a string (``1e-3``).
SCIENTIFIC_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")
#: Constructor arguments that the training script sets itself.
SCRIPT_KEYS = frozenset({"self", "env", "_init_setup_model", "device", "verbose", "seed", "tensorboard_log"})


class HyperparameterError(ValueError):
    """An unknown env id or hyperparameter key, with the valid choices in the message."""


@dataclass(frozen=True)
class LinearSchedule:
    """The zoo's ``lin_<value>``: ``initial_value`` at the start of ``learn()``, 0 at its end."""

    initial_value: float

    def __call__(self, progress_remaining: float) -> float:
        return progress_remaining * self.initial_value


def learning_rate_from_setting(value: Any) -> Any:
    """The zoo's schedule string ``"lin_2.5e-4"`` as a :class:`LinearSchedule`; a number is checked.

    Other values (SweepDQN's ``[start, end]`` control signals) go to the algorithm, which checks them.
    """
    if isinstance(value, str):
        kind, _, number = value.partition("_")
        try:
            rate = float(number) if kind == "lin" else math.nan
        except ValueError:
            rate = math.nan
    elif isinstance(value, int | float):
        rate = math.nan if isinstance(value, bool) else value
    else:
        return value
    if not rate > 0:
        raise HyperparameterError(
            f"learning_rate={value!r}: give a positive number or a linear schedule 'lin_<initial rate>', "
            "such as 'lin_2.5e-4'"
        )
    return LinearSchedule(rate) if isinstance(value, str) else value


def hyperparams_file(algo: str) -> Path:
    """The zoo-format YAML file of an algorithm name such as ``"sweep-dqn"``."""
    return HYPERPARAMS_DIR / f"{algo}.yml"


def load_hyperparams(algo: str, env_id: str, algo_class: type) -> dict[str, Any]:
    """The tuned settings of ``algo`` on ``env_id``, checked against ``algo_class``'s arguments."""
    path = hyperparams_file(algo)
    with path.open() as file:
        table = yaml.safe_load(file)
    if env_id not in table:
        raise HyperparameterError(f"{path.name} has no entry for {env_id!r}; tuned ids: {', '.join(table)}")
    settings = dict(table[env_id])
    check_keys(settings, algo_class)
    return settings


def tuned_env_ids(algo: str) -> list[str]:
    """The env ids an algorithm has tuned settings for."""
    with hyperparams_file(algo).open() as file:
        return list(yaml.safe_load(file))


def check_keys(settings: dict[str, Any], algo_class: type) -> None:
    """Reject keys that are neither zoo keys nor arguments of ``algo_class``, listing the valid ones."""
    valid = (set(inspect.signature(algo_class.__init__).parameters) - SCRIPT_KEYS) | ZOO_KEYS
    unknown = sorted(set(settings) - valid)
    if unknown:
        raise HyperparameterError(
            f"unknown hyperparameter(s) {', '.join(unknown)} for {algo_class.__name__}; "
            f"valid keys: {', '.join(sorted(valid))}"
        )


def parse_override(text: str) -> tuple[str, Any]:
    """``"learning_rate=1e-3"`` -> ``("learning_rate", 0.001)``: values are read as YAML.

    YAML 1.1 reads ``1e-3`` (no dot) as a string; such numbers are turned into floats here.
    """
    key, separator, value = text.partition("=")
    if not separator or not key.strip():
        raise HyperparameterError(f"a hyperparameter override must look like key=value, got {text!r}")
    parsed = yaml.safe_load(value)
    if isinstance(parsed, str) and SCIENTIFIC_NUMBER.fullmatch(parsed):
        parsed = float(parsed)
    return key.strip(), parsed


def evaluate_policy_kwargs(expression: str | dict[str, Any]) -> dict[str, Any]:
    """Turn the zoo's ``policy_kwargs`` string (``"dict(net_arch=[64, 64])"``) into a dict.

    The expression may name ``agents`` (e.g. ``agents.SmallGridCNN``), ``torch`` and ``nn``, as the zoo
    evaluates the same strings with ``eval``.
    """
    if isinstance(expression, dict):
        return expression
    import torch

    namespace = {"agents": importlib.import_module("agents"), "torch": torch, "nn": torch.nn, "dict": dict}
    return eval(expression, namespace)
