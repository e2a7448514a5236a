"""The algorithms a run can use, and the models built from their tuned settings.

Every entry point builds its model here: ``agents.train``, ``agents.evaluate``, the examples, the
benchmarks and the tests. ``tuned_model(env_id, algo)`` is the one-line version: the tuned entry of
``agents/hyperparams/<algo>.yml`` (optionally with overrides, e.g. a smaller budget for a test) and an
untrained model on its env, in memory.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from stable_baselines3 import A2C, DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm
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
    """Check everything of a run's settings that needs no model, so a bad value is refused before any
    folder is made: the algorithm's arguments (``zoo.check_values``, then as the algorithm itself
    checks them, built without an env), ``policy_kwargs``, and the env with its ``env_kwargs`` and
    wrappers (built, reset and stepped once, and closed: SB3's Atari wrappers fail only then on a game
    without a lives counter or FIRE).

    Raises ``zoo.HyperparameterError`` naming the setting.
    """
    kwargs = config.model_kwargs()  # reads policy_kwargs and the learning rate (HyperparameterError)
    zoo.check_values(config.algo_kwargs)  # (tuned_config checks them too; a config.yml may not have been)
    algo_class = algorithm_class(config.algo)
    try:
        algo_class(env=None, _init_setup_model=False, **kwargs)
    except (TypeError, ValueError) as error:
        raise zoo.HyperparameterError(f"{algo_class.__name__}: {error}") from None
    env = None
    try:
        env = make_env(config, n_envs=1)
        env.reset()
        env.step(np.array([env.action_space.sample()]))
    except zoo.HyperparameterError:  # an env_wrapper that is not allowed, already named
        raise
    except Exception as error:  # whatever the env or a wrapper raises: these settings cannot make the env
        settings = f"env_kwargs={config.env_kwargs!r}, env_wrapper={config.env_wrapper!r}"
        raise zoo.HyperparameterError(
            f"{config.env_id} cannot be built with {settings}: {describe_error(error)}"
        ) from None
    finally:
        if env is not None:
            env.close()


def dry_run(config: RunConfig) -> None:
    """Check a run's settings as far as building them shows, before any folder, trial or grid exists.

    After ``check_config``: the run's env (its ``n_envs`` sub-envs) is built and reset, the memory its
    observations will take is compared with the memory available (``check_memory``), and the model is
    built on that env and asked for one action. Only this finds a network that cannot be built
    (``net_arch=[-1]``, an activation that cannot be built, unknown ``optimizer_kwargs`` or
    ``features_extractor_kwargs``) or a buffer that cannot be allocated. Raises
    ``zoo.HyperparameterError`` with a one-line message.
    """
    check_config(config)
    env = None
    try:
        env = make_env(config, n_envs=config.n_envs)
        observation = env.reset()
        check_memory(config, env.observation_space)
        build_model(config, env).predict(observation, deterministic=True)
    except zoo.HyperparameterError:
        raise
    except Exception as error:  # whatever building raises: these settings cannot make the model
        policy_kwargs = config.algo_kwargs.get("policy_kwargs")
        settings = f" with policy_kwargs={policy_kwargs!r}" if policy_kwargs is not None else ""
        raise zoo.HyperparameterError(
            f"{algorithm_class(config.algo).__name__} cannot be built on {config.env_id}{settings}: "
            f"{describe_error(error)}"
        ) from None
    finally:
        if env is not None:
            env.close()


def check_memory(config: RunConfig, observation_space: spaces.Space) -> None:
    """Refuse settings whose observations alone would not fit in the memory available now.

    A replay buffer holds ``buffer_size`` rows of an observation and the next one (one observation where
    SweepDQN's memory or ``optimize_memory_usage`` keeps them once), a sampled batch ``batch_size``
    rows of two observations and an index; a rollout ``n_steps * n_envs`` observations.
    Raises ``zoo.HyperparameterError`` naming the setting that takes the most.
    """
    available = available_memory()
    if available is None:
        return
    observation = _observation_bytes(observation_space)
    model = algorithm_class(config.algo)(env=None, _init_setup_model=False, **config.model_kwargs())
    if isinstance(model, OnPolicyAlgorithm):
        rollout = model.n_steps * config.n_envs
        needs = {f"n_steps={model.n_steps} with n_envs={config.n_envs}": rollout * observation}
    else:
        copies = 1 if isinstance(model, SweepDQN) or model.optimize_memory_usage else 2
        needs = {
            f"buffer_size={model.buffer_size}": model.buffer_size * copies * observation,
            f"batch_size={model.batch_size}": model.batch_size * (2 * observation + 8),
        }
    if sum(needs.values()) > available:
        largest = max(needs, key=needs.__getitem__)
        raise zoo.HyperparameterError(
            f"{largest}: the run's observations alone would take {_gib(sum(needs.values()))}, more than the "
            f"{_gib(available)} of memory available"
        )


def available_memory() -> int | None:
    """Bytes of memory available for new allocations (Linux's ``MemAvailable``); ``None`` where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _observation_bytes(space: spaces.Space) -> int:
    """Bytes of one observation of ``space`` as a buffer stores it (a Dict space: all its parts)."""
    if isinstance(space, spaces.Dict):
        return sum(_observation_bytes(part) for part in space.spaces.values())
    return int(np.prod(space.shape, dtype=np.int64)) * np.dtype(space.dtype).itemsize


def _gib(size: int) -> str:
    return f"{size / 2**30:,.1f} GiB"


def describe_error(error: BaseException) -> str:
    """One line for an error raised by code the settings reached: its type and message, or where a bare
    ``assert`` has none (SB3's Atari wrappers), the failed line."""
    text = " ".join(str(error).split())
    if not text and error.__traceback__ is not None:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        text = f"{Path(frame.filename).name} line {frame.lineno}: {(frame.line or '').split('  #')[0]}"
    return f"{type(error).__name__}: {text}"[:300]


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
    ``agents.scoring.evaluate_run``.
    """
    config = tuned_config(
        env_id, algo, seed, timesteps=timesteps, overrides=overrides, hyperparams=hyperparams
    )
    return config, build_model(config)
