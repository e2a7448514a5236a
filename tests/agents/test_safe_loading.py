"""Evaluating a run folder unpickles nothing and trusts nothing: crafted zips, models of another algorithm
or game, malformed ``config.yml``, wrappers and ``policy_kwargs`` that could run code."""

from __future__ import annotations

import base64
import json
import pathlib
import zipfile
from pathlib import Path

import cloudpickle
import pytest
import yaml

from agents import evaluate, zoo
from agents.algorithms import tuned_model
from agents.model_files import load_model
from agents.run_folder import load_yaml
from agents.runs import ALLOW_WRAPPERS_VAR, RunConfig, wrapper_from_spec

#: A value too long for any error message to quote.
LONG = "x" * 1000


def run_folder(root: Path, env_id: str, algo: str, model_of: tuple[str, str] | None = None) -> Path:
    """A run folder of ``env_id``/``algo`` whose ``model.zip`` is a briefly trained model of ``model_of``."""
    config, _ = tuned_model(env_id, algo, timesteps=50)
    folder = root / f"{env_id}-{algo}"
    folder.mkdir()
    (folder / "config.yml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
    _, model = tuned_model(*(model_of or (env_id, algo)), timesteps=50)
    model.learn(50)
    model.save(folder / "model.zip")
    return folder


class Payload:
    """Unpickling this touches ``marker``: the stand-in for a crafted zip's code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return pathlib.Path.touch, (self.marker,)


def craft(model_zip: Path, marker: Path, **entries: bool) -> None:
    """Rewrite ``model_zip``'s data with a pickled payload under each key of ``entries``."""
    with zipfile.ZipFile(model_zip) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(files["data"])
    for key in entries:
        data[key] = {
            ":type:": "<class 'float'>",
            ":serialized:": base64.b64encode(cloudpickle.dumps(Payload(marker))).decode(),
        }
    files["data"] = json.dumps(data).encode()
    with zipfile.ZipFile(model_zip, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)


def test_a_run_loads_with_its_weights_and_steps_without_unpickling(tmp_path):
    folder = run_folder(tmp_path, "Catch-v0", "sweep-dqn")
    from agents import SweepDQN

    reference = SweepDQN.load(folder / "model.zip", device="cpu")  # SB3's own (unsafe) load, to compare
    model = load_model(folder, RunConfig.load(folder))
    assert type(model) is SweepDQN and model.num_timesteps == reference.num_timesteps >= 50
    for name, tensor in reference.policy.state_dict().items():
        assert tensor.equal(model.policy.state_dict()[name]), name


def test_a_crafted_pickle_is_never_run_and_a_foreign_one_is_refused(tmp_path):
    folder = run_folder(tmp_path, "Catch-v0", "dqn")
    config = RunConfig.load(folder)
    marker = tmp_path / "code-ran"
    craft(folder / "model.zip", marker, lr_schedule=True)  # where a real DQN model has a pickle
    from stable_baselines3 import DQN

    DQN.load(folder / "model.zip", device="cpu")  # SB3's load runs it: the threat is real
    assert marker.exists()
    marker.unlink()
    load_model(folder, config)  # the weights load; the pickle is never touched
    assert not marker.exists()
    craft(folder / "model.zip", marker, gamma=True)  # a pickle where a DQN model has a plain number
    with pytest.raises(
        ValueError, match=r"carries pickled objects under gamma, which a DQN model never pickles"
    ):
        load_model(folder, config)
    craft(folder / "model.zip", marker, exploit=True)
    with pytest.raises(
        ValueError, match=r"is not a DQN model as the run's config.yml says \(dqn\): it has exploit"
    ):
        load_model(folder, config)
    assert not marker.exists()


def test_a_model_of_another_algorithm_or_game_is_refused_before_anything_is_written(tmp_path, capsys):
    dqn_in_sweep_folder = run_folder(tmp_path, "Catch-v0", "sweep-dqn", model_of=("Catch-v0", "dqn"))
    with pytest.raises(SystemExit) as exit_status:
        evaluate.main([str(dqn_in_sweep_folder), "--episodes", "2", "--gif-episodes", "0"])
    assert exit_status.value.code == 2
    error = capsys.readouterr().err
    assert "is not a SweepDQN model as the run's config.yml says (sweep-dqn): it lacks _last_lives" in error
    assert not (dqn_in_sweep_folder / "evaluation.yml").exists()
    catch_in_snake_folder = run_folder(tmp_path, "Snake-v0", "dqn", model_of=("Catch-v0", "dqn"))
    with pytest.raises(
        ValueError,
        match=r"saved with another observation_space than Snake-v0.*shape=\[10, 10\].*shape=\[19, 19\]",
    ):
        load_model(catch_in_snake_folder, RunConfig.load(catch_in_snake_folder))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is not a run configuration: a mapping with the keys env_id, algo, seed, timesteps"),
        ("[1, 2]", "is not a run configuration"),
        ("env_id: [unclosed", "config.yml is not valid YAML at line 1, column 18: expected"),
        ("{env_id: Catch-v0, algo: dqn, seed: 0, timesteps: 10, colour: red}", "is not a run configuration"),
        ("{env_id: 3, algo: dqn, seed: 0, timesteps: 10}", "env_id must be a str, got 3"),
        ("{env_id: Catch-v0, algo: dqn, seed: zero, timesteps: 10}", "seed must be an integer, got 'zero'"),
        ("{env_id: Catch-v0, algo: dqn, seed: 0, timesteps: -5}", "timesteps must be >= 1, got -5"),
        ("{env_id: Catch-v0, algo: sac, seed: 0, timesteps: 10}", "unknown algorithm 'sac'"),
        (
            "{env_id: Nope-v0, algo: dqn, seed: 0, timesteps: 10}",
            "env_id 'Nope-v0' is not a registered env id",
        ),
        ("{env_id: 'os:Catch-v0', algo: dqn, seed: 0, timesteps: 10}", "is not a registered env id"),
        ("{env_id: Catch-v0, algo: dqn, seed: 4294967296, timesteps: 10}", "seed must be in [0, 4294967295]"),
        (
            "{env_id: Catch-v0, algo: dqn, seed: 0, timesteps: 10, algo_kwargs: {seed: 1, device: cuda}}",
            "algo_kwargs may not set device, seed: the run sets",
        ),
        (
            "{env_id: Catch-v0, algo: dqn, seed: 0, timesteps: 10, env_kwargs: {1: 2}}",
            "keys of env_kwargs must",
        ),
        (
            "{env_id: Catch-v0, algo: dqn, seed: 0, colour: red}",
            "it lacks 'timesteps'; it has unknown keys 'colour'",
        ),
        (
            "{env_id: Catch-v0, algo: dqn, seed: 0, timesteps: 10, env_wrapper: os.system}",
            "env_wrapper 'os.system' is not a known wrapper",
        ),
        (
            "{env_id: Catch-v0, algo: dqn, seed: 0, timesteps: 10, algo_kwargs: {policy_kwargs: 'open(1)'}}",
            "'open(1)' is not allowed",
        ),
    ],
)
def test_a_malformed_config_is_a_usage_error_without_traceback(tmp_path, capsys, text, message):
    (tmp_path / "config.yml").write_text(text)
    (tmp_path / "model.zip").write_bytes(b"")
    with pytest.raises(SystemExit) as exit_status:
        evaluate.main([str(tmp_path), "--episodes", "2"])
    assert exit_status.value.code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{{env_id: {LONG}, algo: dqn, seed: 0, timesteps: 10}}", "env_id a str of 1,002 characters is not"),
        (f"'{LONG}'", "got a str of 1,002 characters"),
        (
            f"{{env_id: Catch-v0, algo: dqn, seed: 0, timesteps: 10, env_wrapper: [{LONG}]}}",
            "env_wrapper a str of 1,002 characters is not a known wrapper",
        ),
        (
            f"{{env_id: Catch-v0, algo: dqn, seed: {LONG}, timesteps: 10}}",
            "seed must be an integer, got a str",
        ),
        (
            f"{{env_id: Catch-v0, algo: dqn, seed: 0, timesteps: 10, {LONG}: 1}}",
            "unknown keys a str of 1,002",
        ),
    ],
)
def test_a_config_error_names_the_key_and_never_echoes_a_long_value(tmp_path, capsys, text, message):
    (tmp_path / "config.yml").write_text(text)
    (tmp_path / "model.zip").write_bytes(b"")
    with pytest.raises(SystemExit):
        evaluate.main([str(tmp_path), "--episodes", "2"])
    error = capsys.readouterr().err
    assert message in error and LONG[:100] not in error


def test_yaml_anchors_within_bounds_still_load(tmp_path):
    text = "{env_id: Catch-v0, algo: dqn, seed: 0, timesteps: 10, env_kwargs: &kwargs {height: 12}}\n"
    (tmp_path / "config.yml").write_text(
        text.replace("}\n", ", algo_kwargs: {policy_kwargs: {net_arch: [8, 8]}}}\n")
    )
    config = RunConfig.load(tmp_path)
    assert config.env_kwargs == {"height": 12} and config.algo_kwargs == {
        "policy_kwargs": {"net_arch": [8, 8]}
    }
    (tmp_path / "config.yml").write_text("a: &a [1, 2]\nb: [*a, *a]\n")
    assert load_yaml((tmp_path / "config.yml").read_bytes(), tmp_path / "config.yml") == {
        "a": [1, 2],
        "b": [[1, 2], [1, 2]],
    }


def test_only_known_or_allowed_wrappers_are_imported(monkeypatch):
    with pytest.raises(
        zoo.HyperparameterError, match=rf"set {ALLOW_WRAPPERS_VAR}=gymnasium.wrappers.TimeAwareObservation"
    ):
        wrapper_from_spec("gymnasium.wrappers.TimeAwareObservation")
    with pytest.raises(zoo.HyperparameterError, match=r"env_wrapper entries must be 'module\.Name'"):
        wrapper_from_spec([3])
    monkeypatch.setenv(ALLOW_WRAPPERS_VAR, " my.Other , gymnasium.wrappers.TimeAwareObservation")
    import gymnasium

    wrapped = wrapper_from_spec("gymnasium.wrappers.TimeAwareObservation")(gymnasium.make("CartPole-v1"))
    assert type(wrapped).__name__ == "TimeAwareObservation"
    assert wrapper_from_spec("gym_catchgames.wrappers.MotionTraceObservation") is not None  # always known


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "dict(a=open('x'))",
        "dict(a=agents.__dict__)",
        "[x for x in (1,)]",
        "(lambda: 1)()",
        "dict(a=torch.load('model.pth'))",
        "__import__('agents', globals())",
        "dict(**{'a': 1})",
        "{nn.ReLU: 1}",
        "-'a'",
        # The audit's calls while SB3 builds the model: only the allow-list's pieces may be named.
        "dict(activation_fn=torch.os.abort)",
        "dict(activation_fn=torch.os.fork)",
        "dict(activation_fn=torch.sys.exit)",
        "dict(activation_fn=torch.builtins.breakpoint)",
        "dict(activation_fn=nn.Linear)",
        "dict(optimizer_class=torch.optim.Optimizer)",
        "dict(features_extractor_class=agents.networks.nn.Module)",
        "torch.os.environ",
    ],
)
def test_policy_kwargs_may_only_build_settings(expression):
    with pytest.raises(zoo.HyperparameterError, match="is not allowed: only literals, dict") as refused:
        zoo.evaluate_policy_kwargs(expression)
    assert "PATH" not in str(refused.value)  # nothing reached is shown (os.environ was printed whole)


def test_a_policy_kwargs_mapping_holds_only_data_and_pieces_of_the_allow_list():
    import os

    import torch

    settings = {"net_arch": {"pi": [8], "vf": [8]}, "activation_fn": torch.nn.Tanh, "ortho_init": False}
    assert zoo.evaluate_policy_kwargs(settings) is settings
    for value in (os.abort, os.environ, torch.nn.Linear, [print]):
        with pytest.raises(
            zoo.HyperparameterError, match=r"policy_kwargs\.activation_fn: a .* is not allowed"
        ):
            zoo.evaluate_policy_kwargs({"activation_fn": value})
    with pytest.raises(zoo.HyperparameterError, match="must be a dict or a Python expression, got a list"):
        zoo.evaluate_policy_kwargs([1])


def test_the_tuned_policy_kwargs_and_the_allow_list_still_evaluate():
    import torch
    from stable_baselines3.common.torch_layers import NatureCNN

    from agents import DiscreteEmbedding, SmallGridCNN

    expression = "dict(features_extractor_class=__import__('agents').DiscreteEmbedding, net_arch=[], "
    settings = zoo.evaluate_policy_kwargs(expression + "activation_fn=nn.ReLU)")
    assert settings == {
        "features_extractor_class": DiscreteEmbedding,
        "net_arch": [],
        "activation_fn": torch.nn.ReLU,
    }
    expression = (
        "dict(net_arch=dict(pi=[-(-8)], vf=(8,)), activation_fn=torch.nn.GELU, "
        "optimizer_class=torch.optim.RMSprop, optimizer_kwargs={'alpha': 0.9, 'eps': 1e-5}, "
        "features_extractor_class=agents.SmallGridCNN, "
        "features_extractor_kwargs=dict(features_dim=+64), normalize_images=False, ortho_init=None)"
    )
    assert zoo.evaluate_policy_kwargs(expression) == {
        "net_arch": {"pi": [8], "vf": (8,)},
        "activation_fn": torch.nn.GELU,
        "optimizer_class": torch.optim.RMSprop,
        "optimizer_kwargs": {"alpha": 0.9, "eps": 1e-5},
        "features_extractor_class": SmallGridCNN,
        "features_extractor_kwargs": {"features_dim": 64},
        "normalize_images": False,
        "ortho_init": None,
    }
    sb3 = "dict(features_extractor_class=__import__('stable_baselines3').common.torch_layers.NatureCNN)"
    assert zoo.evaluate_policy_kwargs(sb3) == {"features_extractor_class": NatureCNN}
