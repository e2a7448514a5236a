"""Loading a run's saved model without unpickling anything from the file.

An SB3 model zip holds the weights (``*.pth``, read by ``torch.load(weights_only=True)``) and a ``data``
JSON whose non-JSON entries (spaces, schedules, the policy class, ...) are cloudpickled: SB3's ``load``
unpickles them, and a crafted zip can run any code that way. A run folder does not need them: its
``config.yml`` rebuilds the env and an untrained model of the same algorithm, and only the weights are
read from the zip (``set_parameters``). Before that the zip's plain ``data`` is compared with what a
model of the config saves, so a model of another algorithm, of other observation or action spaces, or
one carrying pickles where such a model has none, is refused with a message saying why.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from stable_baselines3.common.base_class import BaseAlgorithm

from agents.algorithms import algorithm_class, build_model, check_config
from agents.runs import RunConfig, make_env

#: Entries that SB3 pickles once ``learn()`` has run, and that are ``None`` (plain JSON) in an untrained
#: model: a trained model may carry them pickled.
TRAINING_STATE_KEYS = frozenset(
    {
        "_last_obs",
        "_last_episode_starts",
        "_last_original_obs",
        "_last_lives",
        "ep_info_buffer",
        "ep_success_buffer",
    }
)
#: Entries whose readable description (SB3 writes one next to each pickle) must match the config's.
DESCRIBED_KEYS = ("policy_class", "observation_space", "action_space")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def read_model_data(path: Path) -> dict[str, Any]:
    """The ``data`` JSON of an SB3 model zip, as plain JSON (nothing unpickled); ``ValueError`` if none."""
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data").decode())
    except (OSError, KeyError, UnicodeDecodeError, ValueError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a Stable-Baselines3 model zip: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a Stable-Baselines3 model zip: its data is not a mapping")
    return data


def _pickled(data: dict[str, Any]) -> set[str]:
    return {key for key, value in data.items() if isinstance(value, dict) and ":serialized:" in value}


def _described(entry: Any) -> Any:
    """What SB3 wrote next to a pickle to describe it (type, shape, dtype, bounds, methods), addresses cut."""
    if not isinstance(entry, dict):
        return entry
    return {key: _ADDRESS.sub("", str(value)) for key, value in entry.items() if key != ":serialized:"}


def check_model_data(path: Path, saved: dict[str, Any], expected: dict[str, Any], config: RunConfig) -> None:
    """Refuse ``saved`` (a zip's data) unless it is what a model of ``config`` saves (``expected``)."""
    algo = algorithm_class(config.algo).__name__
    missing, extra = sorted(expected.keys() - saved.keys()), sorted(saved.keys() - expected.keys())
    if missing or extra:
        differences = "; ".join(
            f"{what} {', '.join(keys)}" for what, keys in (("lacks", missing), ("has", extra)) if keys
        )
        raise ValueError(
            f"{path} is not a {algo} model as the run's config.yml says ({config.algo}): it {differences}"
        )
    unexpected = sorted(_pickled(saved) - _pickled(expected) - TRAINING_STATE_KEYS)
    if unexpected:
        raise ValueError(
            f"{path} carries pickled objects under {', '.join(unexpected)}, which a {algo} model never "
            "pickles: refused (a pickle can run code; nothing was unpickled)"
        )
    for key in DESCRIBED_KEYS:
        if _described(saved[key]) != _described(expected[key]):
            raise ValueError(
                f"{path} was saved with another {key} than {config.env_id} with the run's config.yml has "
                f"(a model of another game or settings): its {key} is {_summary(saved[key])}, the run's "
                f"is {_summary(expected[key])}"
            )


def _summary(entry: Any) -> str:
    """A short description of a described entry, for error messages."""
    described = _described(entry)
    if not isinstance(described, dict):
        return repr(described)
    shown = {
        key: described[key] for key in (":type:", "_shape", "dtype", "n", "__module__") if key in described
    }
    return ", ".join(f"{key.strip(':_')}={value}" for key, value in shown.items())


def saved_data(model: BaseAlgorithm) -> dict[str, Any]:
    """The ``data`` JSON that ``model.save`` writes, read back from an in-memory zip."""
    buffer = io.BytesIO()
    model.save(buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as archive:
        return json.loads(archive.read("data").decode())


def load_run_model(path: Path, config: RunConfig) -> BaseAlgorithm:
    """The model saved at ``path`` (a zip of the run of ``config``), with no pickle of it loaded.

    Builds the config's env and an untrained model on it, checks the zip against that model
    (:func:`check_model_data`) and loads only the weights, with ``torch.load(weights_only=True)``.
    Raises ``ValueError`` saying what is wrong, before anything is written.
    """
    check_config(config)
    saved = read_model_data(path)
    # The run's own number of envs: PPO and A2C size their rollout buffer by it (and warn at one env).
    model = build_model(config, make_env(config, n_envs=config.n_envs), device="cpu")
    check_model_data(path, saved, saved_data(model), config)
    try:
        model.set_parameters(str(path), exact_match=True, device="cpu")
    except Exception as error:  # shapes or names of tensors that do not fit the config's network
        raise ValueError(
            f"the weights in {path} do not fit the run's {config.algo} network: {error}"
        ) from None
    if isinstance(saved.get("num_timesteps"), int):
        model.num_timesteps = saved["num_timesteps"]
    return model
