"""The algorithms a run can use, and the models built from their tuned settings.

Every entry point builds its model here: ``agents.train``, ``agents.evaluate``, the examples, the
benchmarks and the tests. ``tuned_model(env_id, algo)`` is the one-line version: the tuned entry of
``agents/hyperparams/<algo>.yml`` (optionally with overrides, e.g. a smaller budget for a test) and an
untrained model on its env, in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium
from stable_baselines3 import A2C, DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecEnv

from agents import zoo
from agents.double_dqn import DoubleDQN
from agents.runs import RunConfig, make_env
from agents.sweep_dqn import SweepDQN

#: The algorithm names of the command line and of ``agents/hyperparams/<name>.yml``.
ALGORITHMS: dict[str, type[BaseAlgorithm]] = {
    "sweep-dqn": SweepDQN,
    "dqn": DQN,
    "double-dqn": DoubleDQN,
    "ppo": PPO,
    "a2c": A2C,
}


def algorithm_class(name: str) -> type[BaseAlgorithm]:
    """The class of an algorithm name; ``ValueError`` listing the names for an unknown one."""
    if name not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}")
    return ALGORITHMS[name]


def check_config(config: RunConfig) -> None:
    """Check everything of a run's settings that needs no training, so a bad value is refused before
    any folder is made: the algorithm's arguments (``zoo.check_values``, then as the algorithm itself
    checks them, built without an env), ``policy_kwargs``, and the env with its ``env_kwargs`` and
    wrappers (built once and closed).

    Raises ``zoo.HyperparameterError`` naming the setting.
    """
    kwargs = config.model_kwargs()  # reads policy_kwargs and the learning rate (HyperparameterError)
    zoo.check_values(config.algo_kwargs)  # (tuned_config checks them too; a config.yml may not have been)
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
    for key in zoo.SCHEDULE_KEYS:  # checked now, before anything is built
        if key in settings:
            zoo.schedule_from_setting(settings[key], algo, key)
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
