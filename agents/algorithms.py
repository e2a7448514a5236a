"""The algorithms a run can use, and the models built from their tuned settings.

Every entry point builds its model here: ``agents.train``, ``agents.evaluate``, the examples, the
benchmarks and the tests. ``tuned_model(env_id, algo)`` is the one-line version: the tuned entry of
``agents/hyperparams/<algo>.yml`` (optionally with overrides, e.g. a smaller budget for a test) and an
untrained model on its env, in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium
from stable_baselines3 import DQN
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecEnv

from agents import zoo
from agents.double_dqn import DoubleDQN
from agents.runs import RunConfig, make_env
from agents.sweep_dqn import SweepDQN
from gym_catchgames.validation import check_bool, check_choice, check_float, check_int

#: The algorithm names of the command line and of ``agents/hyperparams/<name>.yml``.
ALGORITHMS: dict[str, type[BaseAlgorithm]] = {"sweep-dqn": SweepDQN, "dqn": DQN, "double-dqn": DoubleDQN}


def algorithm_class(name: str) -> type[BaseAlgorithm]:
    """The class of an algorithm name; ``ValueError`` listing the names for an unknown one."""
    if name not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}")
    return ALGORITHMS[name]


def _check_train_freq(name: str, value: Any) -> None:
    """SB3's ``train_freq``: an integer ``>= 1`` or a ``[frequency, "step" | "episode"]`` pair."""
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ValueError(f"{name} must be an integer >= 1 or a [frequency, unit] pair, got {value!r}")
        check_int(f"{name} frequency", value[0], minimum=1)
        check_choice(f"{name} unit", value[1], ("step", "episode"))
    else:
        check_int(name, value, minimum=1)


def _check_gradient_steps(name: str, value: Any) -> None:
    """SB3's ``gradient_steps``: an integer ``>= 1``, or -1 for as many as env steps were collected."""
    if check_int(name, value, minimum=-1) == 0:
        raise ValueError(f"{name} must be >= 1, or -1 for one per env step collected; got 0")


def _fraction(name: str, value: Any) -> None:
    check_float(name, value, minimum=0.0, maximum=1.0)


#: Checks of the arguments every DQN-family algorithm takes, which SB3's DQN accepts unchecked (a
#: ``batch_size`` of 0 or a ``gamma`` of 1.5 would fail or diverge deep inside training).
DQN_ARGUMENT_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "buffer_size": lambda name, value: check_int(name, value, minimum=1),
    "learning_starts": lambda name, value: check_int(name, value, minimum=0),
    "batch_size": lambda name, value: check_int(name, value, minimum=1),
    "tau": _fraction,
    "gamma": _fraction,
    "train_freq": _check_train_freq,
    "gradient_steps": _check_gradient_steps,
    "target_update_interval": lambda name, value: check_int(name, value, minimum=1),
    "exploration_fraction": _fraction,
    "exploration_initial_eps": _fraction,
    "exploration_final_eps": _fraction,
    "max_grad_norm": lambda name, value: check_float(name, value, minimum=0.0, exclusive_minimum=True),
    "n_steps": lambda name, value: check_int(name, value, minimum=1),
    "stats_window_size": lambda name, value: check_int(name, value, minimum=1),
    "optimize_memory_usage": check_bool,
}


def check_config(config: RunConfig) -> None:
    """Check everything of a run's settings that needs no training, so a bad value is refused before
    any folder is made: the algorithm's arguments (as the algorithm itself checks them, built without an
    env), ``policy_kwargs``, and the env with its ``env_kwargs`` and wrappers (built once and closed).

    Raises ``zoo.HyperparameterError`` naming the setting.
    """
    kwargs = config.model_kwargs()  # reads policy_kwargs and the learning rate (HyperparameterError)
    for name, check in DQN_ARGUMENT_CHECKS.items():
        if name in kwargs:
            try:
                check(name, kwargs[name])
            except (TypeError, ValueError) as error:
                raise zoo.HyperparameterError(str(error)) from None
    algo_class = algorithm_class(config.algo)
    try:
        algo_class(env=None, _init_setup_model=False, **kwargs)
    except (TypeError, ValueError) as error:
        raise zoo.HyperparameterError(f"{algo_class.__name__}: {error}") from None
    try:
        make_env(config, n_envs=1).close()
    except (TypeError, ValueError, gymnasium.error.Error) as error:
        settings = f"env_kwargs={config.env_kwargs!r}, env_wrapper={config.env_wrapper!r}"
        raise zoo.HyperparameterError(f"{config.env_id} cannot be built with {settings}: {error}") from None


def tuned_config(
    env_id: str,
    algo: str,
    seed: int = 0,
    *,
    timesteps: int | None = None,
    n_envs: int | None = None,
    overrides: dict[str, Any] | None = None,
    hyperparams: Path | None = None,
) -> RunConfig:
    """The run configuration of the tuned entry of ``env_id`` for ``algo``, with ``overrides`` on top.

    ``hyperparams`` reads the entry from another file in the same format (default:
    ``agents/hyperparams/<algo>.yml``). Raises ``zoo.HyperparameterError`` for an id without an entry,
    an unknown key, a value outside its range or a learning rate the algorithm does not take.
    """
    algo_class = algorithm_class(algo)
    settings = zoo.load_hyperparams(algo, env_id, algo_class, hyperparams)
    if overrides:
        zoo.check_keys(overrides, algo_class)
        settings.update(overrides)
    zoo.check_values(settings)
    if "learning_rate" in settings:  # checked now, before anything is built
        zoo.learning_rate_from_setting(settings["learning_rate"], algo)
    return RunConfig.from_settings(
        env_id=env_id, algo=algo, seed=seed, settings=settings, timesteps=timesteps, n_envs=n_envs
    )


def build_model(
    config: RunConfig, env: VecEnv | gymnasium.Env | None = None, **script_kwargs: Any
) -> BaseAlgorithm:
    """An untrained model of ``config`` on ``env`` (default: the run's own vectorised env).

    ``script_kwargs`` are the arguments a script sets itself (``tensorboard_log``, ``verbose``, ...).
    """
    env = env if env is not None else make_env(config, n_envs=config.n_envs)
    kwargs = {"seed": config.seed, "verbose": 0, **script_kwargs}
    return algorithm_class(config.algo)(env=env, **kwargs, **config.model_kwargs())


def tuned_model(
    env_id: str,
    algo: str,
    seed: int = 0,
    timesteps: int | None = None,
    overrides: dict[str, Any] | None = None,
    hyperparams: Path | None = None,
) -> tuple[RunConfig, BaseAlgorithm]:
    """The tuned settings of ``env_id`` for ``algo`` and an untrained model on their env, in memory.

    What the examples, benchmarks and tests build on: no run folder, logs or callbacks, just
    ``(config, model)``; train with ``model.learn(config.timesteps)`` and score with
    ``agents.evaluate.evaluate_run``.
    """
    config = tuned_config(
        env_id, algo, seed, timesteps=timesteps, overrides=overrides, hyperparams=hyperparams
    )
    return config, build_model(config)
