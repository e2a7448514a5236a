"""Loading a run's saved model without unpickling anything from the file.

An SB3 model zip holds the weights (``*.pth``, read by ``torch.load(weights_only=True)``) and a ``data``
JSON whose non-JSON entries (spaces, schedules, the policy class, ...) are cloudpickled: SB3's ``load``
unpickles them, and a crafted zip can run any code that way. A run folder does not need them: its
``config.yml`` rebuilds the env and an untrained model of the same algorithm, and only the weights are
read from the zip (``set_parameters``). Before that the zip's plain ``data`` is compared with what a
model of the config saves, so a model of another algorithm, of other observation or action spaces, or
one carrying pickles where such a model has none, is refused with a message saying why. The zip is
read as a run folder's files are (``agents.run_folder``): a regular file reached through no link, each
entry's size capped before it is inflated. :func:`load_model` picks one of the models a run folder holds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from stable_baselines3.common.base_class import BaseAlgorithm

from agents import run_folder
from agents.algorithms import algorithm_class, build_model, check_config
from agents.runs import RunConfig, make_env
from gym_catchgames.validation import check_choice

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
#: The largest model zip read, and the most its weights (one ``.pth`` entry) may inflate to: a model of
#: this package's networks takes a few MB, a 4x1024 network on Atari frames about 100 MB.
MAX_MODEL_BYTES = 512 * 2**20
#: The most a zip's ``data`` JSON may inflate to (a model of 1,024 envs keeps its last observations there).
MAX_DATA_BYTES = 32 * 2**20
_WHAT = "a Stable-Baselines3 model zip"


def read_model_data(archive: zipfile.ZipFile, path: Path) -> dict[str, Any]:
    """The ``data`` JSON of the model zip ``archive`` (read from ``path``), as plain JSON (nothing
    unpickled); ``ValueError`` if it has none or it is not a mapping."""
    content = run_folder.read_entry(archive, "data", MAX_DATA_BYTES, path)
    data = run_folder.load_json(content, f"{path}: its data")
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not {_WHAT}: its data is not a mapping")
    return data


def read_weights(archive: zipfile.ZipFile, path: Path, names: list[str]) -> dict[str, Any]:
    """The state dicts ``names`` (``policy``, ``policy.optimizer``, ...) of the model zip ``archive``,
    each read by ``torch.load(weights_only=True)`` from an entry of at most :data:`MAX_MODEL_BYTES`."""
    weights = {}
    for name in names:
        content = run_folder.read_entry(archive, f"{name}.pth", MAX_MODEL_BYTES, path)
        try:
            weights[name] = torch.load(io.BytesIO(content), map_location="cpu", weights_only=True)
        except Exception as error:  # a crafted entry can fail inside torch in any way: say which
            raise ValueError(f"{path}: its {name}.pth is not a weights file: {_one_line(error)}") from None
    return weights


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())[:300]}"


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
            f"{what} {_listed(keys)}" for what, keys in (("lacks", missing), ("has", extra)) if keys
        )
        raise ValueError(
            f"{path} is not a {algo} model as the run's config.yml says ({config.algo}): it {differences}"
        )
    unexpected = sorted(_pickled(saved) - _pickled(expected) - TRAINING_STATE_KEYS)
    if unexpected:
        raise ValueError(
            f"{path} carries pickled objects under {_listed(unexpected)}, which a {algo} model never "
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
        return _clipped(repr(described))
    shown = {
        key: described[key] for key in (":type:", "_shape", "dtype", "n", "__module__") if key in described
    }
    return ", ".join(f"{key.strip(':_')}={_clipped(value)}" for key, value in shown.items())


def _clipped(text: str, limit: int = 80) -> str:
    """``text`` cut to ``limit`` characters: a crafted zip's entries are not echoed whole."""
    return text if len(text) <= limit else f"{text[:limit]}..."


def _listed(keys: list[str], limit: int = 5) -> str:
    """The first ``limit`` of ``keys``, each clipped, and how many more."""
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(_clipped(key, 40) for key in keys[:limit]) + more


def saved_data(model: BaseAlgorithm) -> tuple[dict[str, Any], list[str]]:
    """The ``data`` JSON that ``model.save`` writes and the names of the state dicts it saves
    (``policy``, ``policy.optimizer``: its ``.pth`` entries but ``pytorch_variables``, which no
    algorithm here has), read back from an in-memory zip."""
    buffer = io.BytesIO()
    model.save(buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as archive:
        names = [name.removesuffix(".pth") for name in archive.namelist() if name.endswith(".pth")]
        return json.loads(archive.read("data").decode()), [n for n in names if n != "pytorch_variables"]


@contextlib.contextmanager
def _building(config: RunConfig) -> Iterator[None]:
    """Turn what building the run's env and model raises into a one-line ``ValueError``: a config.yml's
    settings can fail inside SB3 or torch in any way (PPO asserts ``batch_size > 1``, a network too
    large for memory)."""
    try:
        yield
    except ValueError:  # the settings' own checks: already one line
        raise
    except Exception as error:
        raise ValueError(
            f"the run's {config.algo} model cannot be built from its config.yml: {_one_line(error)}"
        ) from None


def load_run_model(path: Path, config: RunConfig, run_dir: Path | None = None) -> BaseAlgorithm:
    """The model saved at ``path`` (a zip of the run of ``config``), with no pickle of it loaded.

    The zip must be a regular file inside ``run_dir`` (default: its own folder) reached through no
    link. Builds the config's env and an untrained model on it, checks the zip against that model
    (:func:`check_model_data`) and loads only the weights, with ``torch.load(weights_only=True)``.
    Raises ``ValueError`` saying what is wrong, before anything is written.
    """
    with _building(config):
        check_config(config)
    with run_folder.open_zip(path, run_dir or path.parent, MAX_MODEL_BYTES, _WHAT) as archive:
        saved = read_model_data(archive, path)
        with _building(config):
            # The run's own number of envs: PPO and A2C size their rollout buffer by it (and warn at one).
            model = build_model(config, make_env(config, n_envs=config.n_envs), device="cpu")
            expected, names = saved_data(model)
        check_model_data(path, saved, expected, config)
        weights = read_weights(archive, path, names)
    try:
        model.set_parameters(weights, exact_match=True, device="cpu")
    except Exception as error:  # shapes or names of tensors that do not fit the config's network
        raise ValueError(
            f"the weights in {path} do not fit the run's {config.algo} network: {_one_line(error)}"
        ) from None
    steps = saved.get("num_timesteps")
    if isinstance(steps, int) and not isinstance(steps, bool) and steps >= 0:
        model.num_timesteps = steps
    return model


#: The models a run folder can hold (``--model``): written by ``agents.train`` at the end of the run,
#: when it was stopped (Ctrl-C or SIGTERM), and by its periodic evaluation when a new best was scored.
MODEL_FILES = {"final": "model.zip", "interrupted": "model_interrupted.zip", "best": "best/best_model.zip"}


def load_model(run_dir: Path, config: RunConfig, which: str = "final") -> BaseAlgorithm:
    """Load a run's saved model (``which``: a key of :data:`MODEL_FILES`) with :func:`load_run_model`.

    A missing file (the message names the models the folder does hold), a link, a corrupt or crafted
    zip, or a model of another algorithm or game than the run's ``config.yml`` raises ``ValueError``.
    """
    check_choice("model", which, tuple(MODEL_FILES))
    path = run_dir / MODEL_FILES[which]
    if not path.is_file():
        present = [name for name, file in MODEL_FILES.items() if (run_dir / file).is_file()]
        hint = f"this run has: --model {' or --model '.join(present)}" if present else "it holds no model"
        raise ValueError(f"no {which} model at {path}; {hint}")
    return load_run_model(path, config, run_dir)


def add_model_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--model`` option of ``agents.evaluate`` and ``agents.enjoy``: a key of :data:`MODEL_FILES`."""
    parser.add_argument(
        "--model",
        choices=list(MODEL_FILES),
        default="final",
        help="which saved model: " + ", ".join(f"{name} ({file})" for name, file in MODEL_FILES.items()),
    )
