"""What a training run is made of: its configuration, its environments and its numbered folder."""

from __future__ import annotations

import importlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium
import yaml
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecEnv, VecFrameStack

import gym_catchgames  # noqa: F401  (registers the games on import)
from agents import zoo
from gym_catchgames.scoring import natural_score


@dataclass
class RunConfig:
    """Everything needed to rebuild a run's environments and model, saved as ``config.yml``."""

    env_id: str
    algo: str
    seed: int
    timesteps: int
    n_envs: int = 1
    policy: str = "MlpPolicy"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    env_wrapper: Any = None
    frame_stack: int | None = None
    algo_kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(
        cls,
        *,
        env_id: str,
        algo: str,
        seed: int,
        settings: dict[str, Any],
        timesteps: int | None = None,
        n_envs: int | None = None,
    ) -> RunConfig:
        """Split zoo-format settings into the run's own keys and the algorithm's arguments."""
        settings = dict(settings)
        tuned_timesteps = int(float(settings.pop("n_timesteps")))
        tuned_n_envs = int(settings.pop("n_envs", 1))
        return cls(
            env_id=env_id,
            algo=algo,
            seed=seed,
            timesteps=timesteps or tuned_timesteps,
            n_envs=n_envs or tuned_n_envs,
            policy=settings.pop("policy", "MlpPolicy"),
            env_kwargs=settings.pop("env_kwargs", None) or {},
            env_wrapper=settings.pop("env_wrapper", None),
            frame_stack=settings.pop("frame_stack", None),
            algo_kwargs=settings,
        )

    @classmethod
    def load(cls, run_dir: Path) -> RunConfig:
        return cls(**yaml.safe_load((run_dir / "config.yml").read_text()))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def model_kwargs(self) -> dict[str, Any]:
        """The algorithm's constructor arguments (``policy_kwargs`` and ``lin_`` rates read as by the zoo)."""
        kwargs = dict(self.algo_kwargs)
        if "learning_rate" in kwargs:
            kwargs["learning_rate"] = zoo.learning_rate_from_setting(kwargs["learning_rate"], self.algo)
        if "policy_kwargs" in kwargs:
            kwargs["policy_kwargs"] = zoo.evaluate_policy_kwargs(kwargs["policy_kwargs"])
        if "train_freq" in kwargs and isinstance(kwargs["train_freq"], list):
            kwargs["train_freq"] = tuple(kwargs["train_freq"])
        return {"policy": self.policy, **kwargs}


def make_env(
    config: RunConfig,
    *,
    n_envs: int,
    monitor_dir: Path | None = None,
    seed_offset: int = 0,
    render_mode: str | None = None,
) -> VecEnv:
    """The run's vectorised env: ``gymnasium.make`` -> Monitor -> wrappers -> (VecFrameStack)."""
    register_env_packages(config.env_id)
    env_kwargs = dict(config.env_kwargs)
    if render_mode is not None:
        env_kwargs["render_mode"] = render_mode
    score_key = natural_score(config.env_id).info_key  # Monitor records it at each episode's end
    env = make_vec_env(
        config.env_id,
        n_envs=n_envs,
        seed=config.seed + seed_offset,
        env_kwargs=env_kwargs,
        wrapper_class=wrapper_from_spec(config.env_wrapper),
        monitor_dir=str(monitor_dir) if monitor_dir else None,
        monitor_kwargs={"info_keywords": (score_key,)} if score_key else None,
    )
    return VecFrameStack(env, config.frame_stack) if config.frame_stack else env


def register_env_packages(env_id: str) -> None:
    """Register ale-py's games for an ``ALE/`` id (the package's own games are registered on import;
    ale-py loads slowly, so only when asked for)."""
    if env_id.startswith("ALE/"):
        import ale_py

        gymnasium.register_envs(ale_py)


def wrapper_from_spec(spec: Any):
    """The zoo's ``env_wrapper`` value (a class path, ``{path: kwargs}`` or a list of them) as a callable."""
    if spec is None:
        return None
    items = spec if isinstance(spec, list) else [spec]
    wrappers = []
    for item in items:
        path, kwargs = next(iter(item.items())) if isinstance(item, dict) else (item, {})
        module, _, name = path.rpartition(".")
        wrappers.append((getattr(importlib.import_module(module), name), kwargs or {}))

    def wrap(env: gymnasium.Env) -> gymnasium.Env:
        for wrapper, kwargs in wrappers:
            env = wrapper(env, **kwargs)
        return env

    return wrap


def new_run_dir(root: Path, env_id: str, algo: str) -> Path:
    """Create and return the next free ``root/<env>/<algo>/run-NNN`` (never an existing folder)."""
    parent = root / env_id.replace("/", "_") / algo
    parent.mkdir(parents=True, exist_ok=True)
    number = 1 + max(
        (int(path.name[4:]) for path in parent.glob("run-[0-9]*") if path.name[4:].isdigit()), default=0
    )
    while True:
        run_dir = parent / f"run-{number:03d}"
        try:
            run_dir.mkdir()
        except FileExistsError:  # another run took it meanwhile
            number += 1
            continue
        return run_dir
