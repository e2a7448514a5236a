"""Tuned hyperparameters in RL Baselines3 Zoo's format, and their checked loading.

One YAML file per algorithm in ``agents/hyperparams/`` maps env ids to settings, exactly as the zoo's
``hyperparams/<algo>.yml``: algorithm constructor arguments plus the zoo's own keys (``n_timesteps``,
``policy``, ``n_envs``, ``env_kwargs``, ``env_wrapper``, ``frame_stack``, ``policy_kwargs`` as a Python
expression, ``learning_rate: lin_<value>`` for a linearly decaying rate). So the same file drives
``python -m agents.train`` and
``rl_zoo3 train --algo dqn --env Catch-v0 --gym-packages gym_catchgames -conf agents/hyperparams/dqn.yml
--num-threads 1``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import math
import re
from pathlib import Path
from typing import Any

import yaml
from stable_baselines3.common.utils import LinearSchedule

from agents import run_folder

HYPERPARAMS_DIR = Path(__file__).with_name("hyperparams")

#: Keys the zoo reads itself rather than passing to the algorithm.
ZOO_KEYS = frozenset({"n_timesteps", "policy", "n_envs", "env_kwargs", "env_wrapper", "frame_stack"})
#: A number in scientific notation, which YAML 1.1 reads as text unless it has a dot and a signed
#: exponent (``1e-3``, ``1.0e5``; ``2.5e-4`` is already a float).
SCIENTIFIC_NUMBER = re.compile(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+$")
#: Algorithms whose ``learning_rate`` may be a ``[start, end]`` control signal (not a ``lin_`` string).
RATE_PAIR_ALGORITHMS = frozenset({"sweep-dqn"})
#: Constructor arguments that the training script sets itself.
SCRIPT_KEYS = frozenset({"self", "env", "_init_setup_model", "device", "verbose", "seed", "tensorboard_log"})


class HyperparameterError(ValueError):
    """An unknown env id or hyperparameter key, with the valid choices in the message."""


#: Settings that may be the zoo's ``"lin_<value>"``: the value falling linearly to 0 over ``learn()``.
SCHEDULE_KEYS = ("learning_rate", "clip_range", "clip_range_vf")


def schedule_from_setting(value: Any, algo: str, key: str = "learning_rate") -> Any:
    """Check a ``learning_rate`` (or another of :data:`SCHEDULE_KEYS`) setting of ``algo``; return what
    its constructor takes.

    DQN, DoubleDQN, PPO and A2C take a positive number or the zoo's ``"lin_<value>"`` (the value falling
    linearly to 0 over ``learn()``, returned as SB3's ``LinearSchedule``); so do PPO's ``clip_range``
    and ``clip_range_vf``. SweepDQN's rate is a positive number or a ``[start, end]`` control signal; a
    rate that ends at 0 would stop its fits from learning.
    """
    pairs = algo in RATE_PAIR_ALGORITHMS
    if isinstance(value, str) and not pairs and value.startswith("lin_"):
        try:
            rate = _positive_number(float(value.removeprefix("lin_")))
        except ValueError:
            rate = None
        if rate is not None:
            return LinearSchedule(rate, 0.0, end_fraction=1.0)
    elif isinstance(value, list | tuple) and pairs:
        if len(value) == 2 and None not in map(_positive_number, value):
            return value
    elif _positive_number(value) is not None:
        return value
    allowed = (
        "a [start, end] pair such as [1e-3, 1e-5]" if pairs else "'lin_<initial value>' such as 'lin_2.5e-4'"
    )
    texts = value if isinstance(value, list | tuple) else [value]
    yaml_text = any(isinstance(text, str) and SCIENTIFIC_NUMBER.fullmatch(text) for text in texts)
    hint = " (YAML 1.1 reads 1e-3 in a file as text: write 1.0e-3)" if yaml_text else ""
    raise HyperparameterError(f"{key}={value!r}{hint}: {algo} takes a finite positive number or {allowed}")


def _positive_number(value: Any) -> float | None:
    """``value`` if it is a finite positive int or float (not a bool, not a string), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) and value > 0 else None


def hyperparams_file(algo: str) -> Path:
    """The zoo-format YAML file of an algorithm name such as ``"sweep-dqn"``."""
    return HYPERPARAMS_DIR / f"{algo}.yml"


def load_hyperparams(algo: str, env_id: str, algo_class: type, path: Path | None = None) -> dict[str, Any]:
    """The tuned settings of ``algo`` on ``env_id`` (from ``path``, default the algorithm's own file),
    checked against ``algo_class``'s arguments."""
    path = path or hyperparams_file(algo)
    with path.open() as file:
        table = yaml.safe_load(file)
    if not isinstance(table, dict):
        raise HyperparameterError(f"{path.name} is not a hyperparameter file: a mapping of ids to settings")
    if env_id not in table:
        raise HyperparameterError(f"{path.name} has no entry for {env_id!r}; tuned ids: {', '.join(table)}")
    if not isinstance(table[env_id], dict):
        raise HyperparameterError(f"{path.name}: the entry of {env_id!r} is not a mapping of settings")
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


#: Bounds of SB3's settings that SB3 itself does not check (DQN family, PPO, A2C): (minimum, maximum,
#: integer). SweepDQN checks its own arguments in its constructor.
SETTING_BOUNDS: dict[str, tuple[float, float | None, bool]] = {
    "n_timesteps": (1, None, True),
    "n_envs": (1, None, True),
    "frame_stack": (1, None, True),
    "buffer_size": (1, None, True),
    "batch_size": (1, None, True),
    "learning_starts": (0, None, True),
    "target_update_interval": (1, None, True),
    "n_steps": (1, None, True),
    "gamma": (0.0, 1.0, False),
    "tau": (0.0, 1.0, False),
    "exploration_fraction": (0.0, 1.0, False),
    "exploration_initial_eps": (0.0, 1.0, False),
    "exploration_final_eps": (0.0, 1.0, False),
    "n_epochs": (1, None, True),
    "gae_lambda": (0.0, 1.0, False),
    "ent_coef": (0.0, None, False),
    "vf_coef": (0.0, None, False),
}


def _check_train_freq(value: Any) -> bool:
    """SB3's ``train_freq``: an integer ``>= 1`` or a ``[frequency, "step" | "episode"]`` pair."""
    if isinstance(value, list | tuple) and len(value) == 2:
        value, unit = value
        if unit not in ("step", "episode"):
            return False
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


#: Settings whose meaning is more than a range: a test of the value and what it must be.
SETTING_RULES: dict[str, tuple[Any, str]] = {
    "train_freq": (_check_train_freq, "an integer >= 1 or a [frequency, 'step' | 'episode'] pair"),
    "gradient_steps": (
        lambda value: isinstance(value, int) and not isinstance(value, bool) and (value >= 1 or value == -1),
        "an integer >= 1, or -1 for one per env step collected",
    ),
    "max_grad_norm": (
        lambda value: isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < math.inf,
        "a finite number > 0",
    ),
    "optimize_memory_usage": (lambda value: isinstance(value, bool), "True or False"),
}


def check_values(settings: dict[str, Any]) -> None:
    """Refuse a setting outside what it can mean (a negative buffer, ``gamma=1.5``), naming the range."""
    for key, (test, allowed) in SETTING_RULES.items():
        if key in settings and not test(settings[key]):
            raise HyperparameterError(f"{key}={settings[key]!r}: it must be {allowed}")
    for key, (minimum, maximum, integer) in SETTING_BOUNDS.items():
        if key not in settings:
            continue
        value = settings[key]
        kind = "an integer" if integer else "a number"
        is_number = not isinstance(value, bool) and isinstance(value, int if integer else int | float)
        if key == "n_timesteps" and isinstance(value, float) and value.is_integer():
            is_number = True  # the zoo writes budgets as 1e5 or 1.0e5
        allowed = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        if (
            not is_number
            or not math.isfinite(value)
            or value < minimum
            or (maximum is not None and value > maximum)
        ):
            raise HyperparameterError(f"{key}={value!r}: it must be {kind} {allowed}")


def parse_override(text: str) -> tuple[str, Any]:
    """``"learning_rate=1e-3"`` -> ``("learning_rate", 0.001)``: values are read as YAML.

    Plain YAML 1.1 reads ``1e-3`` (no dot) as a string; here such numbers are numbers, at any depth
    (``loss_limit=[2e-2, 5e-3]``), and whole ones are ints (``buffer_size=1e5`` is 100000).
    """
    key, separator, value = text.partition("=")
    if not separator or not key.strip():
        raise HyperparameterError(f"a hyperparameter override must look like key=value, got {text!r}")
    try:
        return key.strip(), yaml.load(value, Loader=OverrideLoader)
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())
        raise HyperparameterError(f"{text!r} is not key=<YAML value>: {problem}") from None


class OverrideLoader(yaml.SafeLoader):
    """YAML's safe loader, reading numbers in scientific notation without a dot (``1e-3``)."""


def _scientific_number(loader: OverrideLoader, node: yaml.ScalarNode) -> int | float:
    """``1e-3`` -> 0.001, ``1e5`` -> 100000 (an int: no dot and a whole number), ``1.0e5`` -> 100000.0."""
    text = loader.construct_scalar(node)
    number = float(text)
    return int(number) if number.is_integer() and "." not in text else number


SCIENTIFIC_TAG = "tag:gym-catchgames,2026:scientific"
OverrideLoader.add_implicit_resolver(SCIENTIFIC_TAG, SCIENTIFIC_NUMBER, list("-+.0123456789"))
OverrideLoader.add_constructor(SCIENTIFIC_TAG, _scientific_number)


#: The names an expression may start from: ``torch.nn.ReLU``, ``nn.ReLU``, ``agents.SmallGridCNN``, and
#: the modules it may import (``__import__('agents').SmallGridCNN``).
_ROOT_NAMES = ("torch", "nn", "agents")
_IMPORTABLE = ("agents", "stable_baselines3")
_ALLOWED = (
    "only literals, dict(...), __import__('agents') or __import__('stable_baselines3') and the network "
    "pieces of the allow-list: the "
    "activation classes of torch.nn (nn.ReLU), the optimizer classes of torch.optim (torch.optim.Adam) "
    "and the feature extractors of agents and stable_baselines3.common.torch_layers (agents.SmallGridCNN)"
)


@functools.cache
def network_pieces() -> dict[str, type]:
    """The allow-list of ``policy_kwargs``: the objects a value may be besides plain data, by each name
    an expression may give them.

    SB3 calls them while it builds a model (``activation_fn()``, ``optimizer_class(params)``,
    ``features_extractor_class(space)``), so a name outside this list, however it is reached
    (``torch.os.abort``, ``torch.sys.exit``), is refused before anything is looked up or called.
    """
    import torch
    from stable_baselines3.common import torch_layers

    import agents

    def classes(module: Any, test: Any) -> dict[str, type]:
        members = {name: getattr(module, name) for name in dir(module) if not name.startswith("_")}
        return {name: value for name, value in members.items() if isinstance(value, type) and test(value)}

    pieces: dict[str, type] = {}
    for name, value in classes(torch.nn, lambda cls: cls.__module__ == "torch.nn.modules.activation").items():
        pieces[f"nn.{name}"] = pieces[f"torch.nn.{name}"] = value
    optimizers = classes(torch.optim, lambda cls: issubclass(cls, torch.optim.Optimizer))
    pieces.update({f"torch.optim.{name}": value for name, value in optimizers.items() if name != "Optimizer"})
    base = torch_layers.BaseFeaturesExtractor
    for module, prefix in ((agents, "agents"), (torch_layers, "stable_baselines3.common.torch_layers")):
        extractors = classes(module, lambda cls: issubclass(cls, base) and cls is not base)
        pieces.update({f"{prefix}.{name}": value for name, value in extractors.items()})
    return pieces


def _dotted_name(node: ast.expr) -> str | None:
    """``nn.ReLU`` -> ``"nn.ReLU"``, ``__import__('agents').SmallGridCNN`` -> ``"agents.SmallGridCNN"``;
    ``None`` for anything that is not a chain of attributes on a root name or an allowed import."""
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in _ROOT_NAMES:
        root = node.id
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "__import__"
        and not node.keywords
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in _IMPORTABLE
    ):
        root = node.args[0].value
    else:
        return None
    return ".".join([root, *reversed(attributes)])


def _evaluate(node: ast.expr) -> Any:
    """The value of a node of a ``policy_kwargs`` expression: a literal, a list, tuple or dict of values,
    ``dict(key=value, ...)``, a signed number, or a name of :func:`network_pieces`. Nothing is looked
    up on an object and nothing but ``dict`` is called; any other node raises ``ValueError``."""
    if isinstance(node, ast.Constant) and _is_plain(node.value):
        return node.value
    if isinstance(node, ast.List | ast.Tuple):
        items = [_evaluate(item) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict) and all(
        isinstance(key, ast.Constant) and _is_plain(key.value) for key in node.keys
    ):
        return {key.value: _evaluate(value) for key, value in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        number = _evaluate(node.operand)
        if isinstance(number, int | float) and not isinstance(number, bool):
            return -number if isinstance(node.op, ast.USub) else number
    is_dict = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"
    if is_dict and not node.args and all(keyword.arg is not None for keyword in node.keywords):
        return {keyword.arg: _evaluate(keyword.value) for keyword in node.keywords}
    name = _dotted_name(node)
    if name in network_pieces():
        return network_pieces()[name]
    raise ValueError(f"{ast.unparse(node)!r} is not allowed: {_ALLOWED}")


def _is_plain(value: Any) -> bool:
    """Whether ``value`` is plain data: ``None``, a bool, a number or a string."""
    return value is None or isinstance(value, bool | int | float | str)


def _check_settings(value: Any, key: str) -> None:
    """Refuse a ``policy_kwargs`` mapping (from a ``config.yml`` or Python code) holding anything but
    plain data and :func:`network_pieces`; the message names the key, not the object."""
    if isinstance(value, dict):
        for name, item in value.items():
            _check_settings(item, f"{key}.{name}")
    elif isinstance(value, list | tuple):
        for item in value:
            _check_settings(item, key)
    elif not (_is_plain(value) or any(value is piece for piece in network_pieces().values())):
        raise HyperparameterError(f"{key}: {run_folder.describe_value(value)} is not allowed: {_ALLOWED}")


def evaluate_policy_kwargs(expression: str | dict[str, Any]) -> dict[str, Any]:
    """Turn the zoo's ``policy_kwargs`` string (``"dict(net_arch=[64, 64])"``) into a dict; check a dict.

    The expression may name ``agents`` (e.g. ``agents.SmallGridCNN``), ``torch`` and ``nn``, as the zoo
    evaluates the same strings with ``eval``; unlike the zoo, it is not ``eval``-ed: it is read node by
    node (:func:`_evaluate`), and the only objects it can name are those of :func:`network_pieces`, so
    reading a run's settings runs no code of theirs and SB3 calls nothing else.
    """
    if isinstance(expression, dict):
        try:
            _check_settings(expression, "policy_kwargs")
        except RecursionError:
            raise HyperparameterError("policy_kwargs is nested too deeply (or contains itself)") from None
        return expression
    if not isinstance(expression, str):
        raise HyperparameterError(
            "policy_kwargs must be a dict or a Python expression, got "
            f"{run_folder.describe_value(expression)}"
        )
    try:
        value = _evaluate(ast.parse(expression, mode="eval").body)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise HyperparameterError(
            f"policy_kwargs={expression!r} fails: {type(error).__name__}: {error}"
        ) from None
    if not isinstance(value, dict):
        raise HyperparameterError(
            f"policy_kwargs={expression!r} must give a dict, got {run_folder.describe_value(value)}"
        )
    return value
