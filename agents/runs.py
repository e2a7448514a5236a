"""What a training run is made of: its configuration, its environments and its numbered folder."""

from __future__ import annotations

import importlib
import os
import platform
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import gymnasium
import yaml
from gymnasium.envs.registration import load_env_creator
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecEnv, VecFrameStack, VecMonitor

import gym_catchgames  # noqa: F401  (registers the games on import)
from agents import run_folder, zoo
from gym_catchgames.sb3 import SB3VecEnvAdapter
from gym_catchgames.scoring import natural_score
from gym_catchgames.validation import check_choice

#: The wrappers a run's ``env_wrapper`` may name: the package's own, SB3's Atari wrappers and
#: Gymnasium's ``RepeatAction`` (the Cave entry of SweepDQN acts every third frame). An
#: ``env_wrapper`` is imported and called, so a ``config.yml`` naming any other callable could run any
#: code; more wrappers are allowed by naming them in the environment variable :data:`ALLOW_WRAPPERS_VAR`.
KNOWN_WRAPPERS = frozenset(
    {
        "gym_catchgames.wrappers.HeadCentredObservation",
        "gym_catchgames.wrappers.LifeLossInfo",
        "gym_catchgames.wrappers.MotionTraceObservation",
        "gymnasium.wrappers.RepeatAction",
        *(
            f"stable_baselines3.common.atari_wrappers.{name}"
            for name in (
                "AtariWrapper",
                "ClipRewardEnv",
                "EpisodicLifeEnv",
                "FireResetEnv",
                "MaxAndSkipEnv",
                "NoopResetEnv",
                "StickyActionEnv",
                "WarpFrame",
            )
        ),
    }
)
#: The batched form of each known wrapper that has one: a run whose wrappers all have one is built on the
#: game's own vector env (see :func:`make_env`).
VECTOR_WRAPPERS = {
    "gym_catchgames.wrappers.HeadCentredObservation": "gym_catchgames.wrappers.VectorHeadCentredObservation",
    "gym_catchgames.wrappers.MotionTraceObservation": "gym_catchgames.wrappers.VectorMotionTraceObservation",
}
#: Comma-separated ``module.Name`` paths of more wrappers a run may use (e.g. one of the user's own).
ALLOW_WRAPPERS_VAR = "GYM_CATCHGAMES_ALLOW_WRAPPERS"


def allowed_wrappers() -> frozenset[str]:
    """:data:`KNOWN_WRAPPERS` and the paths the user allows in :data:`ALLOW_WRAPPERS_VAR`."""
    extra = os.environ.get(ALLOW_WRAPPERS_VAR, "")
    return KNOWN_WRAPPERS | {path.strip() for path in extra.split(",") if path.strip()}


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
        """Split zoo-format settings into the run's own keys and the algorithm's arguments.

        Raises ``zoo.HyperparameterError`` for ``env_kwargs`` or ``policy`` of the wrong kind (the numbers
        are checked by ``zoo.check_values``).
        """
        settings = dict(settings)
        tuned_timesteps = int(float(settings.pop("n_timesteps")))
        tuned_n_envs = int(settings.pop("n_envs", 1))
        env_kwargs = settings.get("env_kwargs")
        if env_kwargs is not None and not isinstance(env_kwargs, dict):
            raise zoo.HyperparameterError(
                f"env_kwargs must be a mapping such as {{height: 12}}, got {env_kwargs!r}"
            )
        if not isinstance(settings.get("policy", "MlpPolicy"), str):
            raise zoo.HyperparameterError(
                f"policy must be a policy name such as MlpPolicy, got {settings['policy']!r}"
            )
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
        """The ``config.yml`` of a run folder, read as untrusted input (``agents.run_folder``: a regular
        file of at most :data:`MAX_CONFIG_BYTES`, YAML of bounded depth and size); ``ValueError`` naming
        the file and the key for anything else, never quoting more than a short value."""
        path = run_dir / "config.yml"
        data = run_folder.load_yaml(run_folder.read_file(path, run_dir, MAX_CONFIG_BYTES), path)
        names = [item.name for item in fields(cls)]
        required = [
            item.name for item in fields(cls) if item.default is MISSING and item.default_factory is MISSING
        ]
        if not isinstance(data, dict) or not set(required) <= data.keys() or not data.keys() <= set(names):
            found = (
                f"got {run_folder.describe_value(data)}"
                if not isinstance(data, dict)
                else "; ".join(
                    f"{what} {', '.join(map(run_folder.describe_value, keys))}"
                    for what, keys in (
                        ("it lacks", [name for name in required if name not in data]),
                        ("it has unknown keys", [key for key in data if key not in names][:5]),
                    )
                    if keys
                )
            )
            raise ValueError(
                f"{path} is not a run configuration: a mapping with the keys {', '.join(required)} "
                f"(and optionally {', '.join(sorted(set(names) - set(required)))}); {found}"
            )
        _check_config_data(path, data)
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, run_dir: Path) -> None:
        """Write ``config.yml`` into a run folder, as :meth:`load` reads it."""
        (run_dir / "config.yml").write_text(yaml.safe_dump(self.to_dict(), sort_keys=False))

    def model_kwargs(self) -> dict[str, Any]:
        """The algorithm's constructor arguments (``policy_kwargs`` and ``lin_`` rates read as by the zoo)."""
        kwargs = dict(self.algo_kwargs)
        for key in zoo.SCHEDULE_KEYS:
            if key in kwargs:
                kwargs[key] = zoo.schedule_from_setting(kwargs[key], self.algo, key)
        if "policy_kwargs" in kwargs:
            kwargs["policy_kwargs"] = zoo.evaluate_policy_kwargs(kwargs["policy_kwargs"])
        if "train_freq" in kwargs and isinstance(kwargs["train_freq"], list):
            kwargs["train_freq"] = tuple(kwargs["train_freq"])
        return {"policy": self.policy, **kwargs}


#: The largest ``config.yml`` a run folder may have (one written by ``agents.train`` has under 1 KB).
MAX_CONFIG_BYTES = 64 * 1024
#: The kinds of a ``config.yml``'s entries that have one.
_CONFIG_KINDS = {"env_id": str, "algo": str, "policy": str, "env_kwargs": dict, "algo_kwargs": dict}
#: The range of a ``config.yml``'s integers: SB3 seeds NumPy's global generator, which takes 32 bits.
_CONFIG_INTS = {"seed": (0, 2**32 - 1), "timesteps": (1, None), "n_envs": (1, None), "frame_stack": (1, None)}
#: ``algo_kwargs`` a run sets itself or keeps as its own keys: in ``algo_kwargs`` they would be passed
#: to the algorithm twice or to the wrong place.
_NOT_ALGO_KWARGS = zoo.SCRIPT_KEYS | zoo.ZOO_KEYS


def _check_config_data(path: Path, data: dict[str, Any]) -> None:
    """Refuse a ``config.yml`` mapping whose entries have the wrong kind or range, that names an env id
    not registered (``module:Id`` would import any module), or whose ``algo_kwargs`` set what the run
    sets itself (``seed``)."""
    for name, kind in _CONFIG_KINDS.items():
        if name in data and not isinstance(data[name], kind):
            raise ValueError(
                f"{path}: {name} must be a {kind.__name__}, got {run_folder.describe_value(data[name])}"
            )
    for name, (minimum, maximum) in _CONFIG_INTS.items():
        value = data.get(name, minimum)
        if name == "frame_stack" and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{path}: {name} must be an integer, got {run_folder.describe_value(value)}")
        if value < minimum or (maximum is not None and value > maximum):
            allowed = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
            raise ValueError(f"{path}: {name} must be {allowed}, got {run_folder.describe_value(value)}")
    for name in ("env_kwargs", "algo_kwargs"):
        keys = [key for key in data.get(name, {}) if not isinstance(key, str)]
        if keys:
            raise ValueError(
                f"{path}: the keys of {name} must be names, got {run_folder.describe_value(keys[0])}"
            )
    clashes = sorted(_NOT_ALGO_KWARGS & data.get("algo_kwargs", {}).keys())
    if clashes:
        raise ValueError(
            f"{path}: algo_kwargs may not set {', '.join(clashes)}: the run sets "
            f"{', '.join(sorted(zoo.SCRIPT_KEYS - {'self'}))} itself and keeps "
            f"{', '.join(sorted(zoo.ZOO_KEYS))} as its own keys"
        )
    env_id = data["env_id"]
    try:
        register_env_packages(env_id)
    except ImportError as error:
        described = run_folder.describe_value(env_id)
        raise ValueError(f"{path}: env_id {described} needs a package that is missing: {error}") from None
    if env_id not in gymnasium.registry:
        raise ValueError(
            f"{path}: env_id {run_folder.describe_value(env_id)} is not a registered env id "
            "(a 'module:' prefix is not imported)"
        )


#: Added to a run's seed (``make_env(seed_offset=...)``) so that each use of a trained model plays other
#: games than training (offset 0) and than the other uses. Every committed score was measured on the
#: games these values pick: changing one changes the scores.
#: ``agents.train``'s periodic evaluation during training (SB3's ``EvalCallback``).
EVALUATION_SEED_OFFSET = 10_000
#: The greedy and random scores: ``agents.evaluate``, ``GreedyChecks`` and the benchmarks' scores.
SCORING_SEED_OFFSET = 20_000
#: The games of the GIF of the agent playing (``agent.gif``).
GIF_SEED_OFFSET = 30_000
#: The games ``agents.enjoy`` shows.
ENJOY_SEED_OFFSET = 40_000

#: The two ways :func:`make_env` builds a run's envs: the game's own vector env, or SB3's ``make_vec_env``.
ENGINES = ("native", "make_vec_env")


def machine() -> dict[str, str]:
    """What a run's floats depend on beyond its code, settings and seed: the CPU's model name and the
    instruction set torch picked its kernels for. A run repeats bit for bit only where both match."""
    import torch

    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as cpuinfo:  # Linux names the model here, not in platform
            model = next(
                (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model
            )
    except OSError:
        pass
    return {"cpu": model, "torch_cpu_capability": torch.backends.cpu.get_cpu_capability()}


def make_env(
    config: RunConfig,
    *,
    n_envs: int,
    monitor_dir: Path | None = None,
    seed_offset: int = 0,
    render_mode: str | None = None,
    engine: str | None = None,
) -> VecEnv:
    """The run's vectorised env, seeded with ``config.seed + seed_offset`` (sub-env ``i``: ``+ i``).

    ``engine="native"``: ``gymnasium.make_vec`` (the game's own vector env) -> batched wrappers ->
    ``SB3VecEnvAdapter`` -> ``VecMonitor`` (one ``all.monitor.csv`` in ``monitor_dir``).
    ``engine="make_vec_env"``: SB3's ``make_vec_env``: ``gymnasium.make`` -> Monitor (``<i>.monitor.csv``)
    -> wrappers. By default (``None``) an id with a native vector env (the package's games) whose
    wrappers all have a batched form (:data:`VECTOR_WRAPPERS`) gets the native engine, and every other
    id (Taxi, Atari), wrapper (``RepeatAction``) or render mode (``"human"``: a window, as
    ``agents.enjoy`` shows) ``make_vec_env``. Both give sub-env ``i`` the episodes of
    ``gymnasium.make(env_id)`` reset with seed ``config.seed + seed_offset + i`` and record the same
    episode statistics, the game's natural score included; a ``frame_stack`` stacks frames on either.
    """
    register_env_packages(config.env_id)
    vector_wrap = vector_wrapper_from_spec(config.env_wrapper)
    native = has_native_vector_env(config.env_id, render_mode) and vector_wrap is not None
    if engine is None:
        engine = "native" if native else "make_vec_env"
    check_choice("engine", engine, ENGINES)
    if engine == "native" and not native:
        raise ValueError(
            f"{config.env_id} with env_wrapper={config.env_wrapper!r} and render_mode={render_mode!r} has "
            "no native vector env: use engine='make_vec_env'"
        )
    env_kwargs = _env_kwargs(config, render_mode)
    seed = config.seed + seed_offset
    info_keywords = _info_keywords(config.env_id)
    if engine == "native":
        vector_env = gymnasium.make_vec(
            config.env_id, num_envs=n_envs, vectorization_mode="vector_entry_point", **env_kwargs
        )
        env = SB3VecEnvAdapter(vector_wrap(vector_env))
        env.seed(seed)
        monitor_file = None
        if monitor_dir is not None:
            monitor_dir.mkdir(parents=True, exist_ok=True)
            monitor_file = str(monitor_dir / "all")  # VecMonitor adds .monitor.csv
        env = VecMonitor(env, filename=monitor_file, info_keywords=info_keywords)
    else:
        env = make_vec_env(
            config.env_id,
            n_envs=n_envs,
            seed=seed,
            env_kwargs=env_kwargs,
            wrapper_class=wrapper_from_spec(config.env_wrapper),
            monitor_dir=str(monitor_dir) if monitor_dir else None,
            monitor_kwargs={"info_keywords": info_keywords},
        )
    return VecFrameStack(env, config.frame_stack) if config.frame_stack else env


def _env_kwargs(config: RunConfig, render_mode: str | None) -> dict[str, Any]:
    # YAML has no tuples; ale-py takes a random frame skip only as a tuple, e.g. frameskip: [2, 5].
    env_kwargs = {name: tuple(v) if isinstance(v, list) else v for name, v in config.env_kwargs.items()}
    if render_mode is not None:
        env_kwargs["render_mode"] = render_mode
    return env_kwargs


def _info_keywords(env_id: str) -> tuple[str, ...]:
    """The final ``info`` entry the monitor records for each episode: the game's natural score."""
    score_key = natural_score(env_id).info_key
    return (score_key,) if score_key else ()


def has_native_vector_env(env_id: str, render_mode: str | None = None) -> bool:
    """Whether ``gymnasium.make_vec(env_id, ...)`` can build the id's own batched env (rendering in
    ``render_mode``, if given)."""
    entry_point = gymnasium.spec(env_id).vector_entry_point
    if entry_point is None:
        return False
    creator = load_env_creator(entry_point) if isinstance(entry_point, str) else entry_point
    return render_mode is None or render_mode in creator.metadata.get("render_modes", [])


def register_env_packages(env_id: str) -> None:
    """Register ale-py's games for an ``ALE/`` id (the package's own games are registered on import;
    ale-py loads slowly, so only when asked for)."""
    if env_id.startswith("ALE/"):
        import ale_py

        gymnasium.register_envs(ale_py)


def wrapper_from_spec(spec: Any):
    """The zoo's ``env_wrapper`` value (a class path, ``{path: kwargs}`` or a list of them) as a callable.

    Only wrappers of :func:`allowed_wrappers` are imported; any other path, or a value of another shape,
    raises ``zoo.HyperparameterError`` before anything is imported.
    """
    if spec is None:
        return None
    wrappers = [(_import_wrapper(path), kwargs) for path, kwargs in parse_wrapper_spec(spec)]
    return _chain(wrappers)


def vector_wrapper_from_spec(spec: Any):
    """The batched form of an ``env_wrapper`` value (see :data:`VECTOR_WRAPPERS`), as a callable on a
    Gymnasium vector env; ``None`` if a wrapper in it has no batched form."""
    items = parse_wrapper_spec(spec) if spec is not None else []
    if any(path not in VECTOR_WRAPPERS for path, _ in items):
        return None
    return _chain([(_import_wrapper(VECTOR_WRAPPERS[path]), kwargs) for path, kwargs in items])


def parse_wrapper_spec(spec: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(path, kwargs)`` of each wrapper of an ``env_wrapper`` value, checked and imported nothing yet."""
    items = spec if isinstance(spec, list) else [spec]
    allowed = allowed_wrappers()
    parsed = []
    for item in items:
        path, kwargs = next(iter(item.items())) if isinstance(item, dict) and len(item) == 1 else (item, {})
        if not isinstance(path, str) or not isinstance(kwargs or {}, dict):
            raise zoo.HyperparameterError(
                "env_wrapper entries must be 'module.Name' or {'module.Name': {kwargs}}, got "
                f"{run_folder.describe_value(item)}"
            )
        if path not in allowed:
            raise zoo.HyperparameterError(
                f"env_wrapper {run_folder.describe_value(path)} is not a known wrapper (it would be imported "
                "and called); known: "
                f"{', '.join(sorted(allowed))}. To allow your own, set {ALLOW_WRAPPERS_VAR}="
                f"{path if len(path) <= 200 else 'module.Name'}"
            )
        parsed.append((path, kwargs or {}))
    return parsed


def _import_wrapper(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _chain(wrappers: list[tuple[Any, dict[str, Any]]]):
    """A callable applying ``wrapper(env, **kwargs)`` for each pair, innermost first."""

    def wrap(env):
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
