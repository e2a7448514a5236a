"""The training and evaluation commands: errors, numbered runs, saved models, pictures, zoo files."""

from __future__ import annotations

import argparse
import contextlib
import errno
import itertools
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml
from stable_baselines3.common import base_class

from agents import algorithms, run_report, scoring, train, zoo
from agents.commands import STOP_SIGNALS, UsageError, check_writable_folder, output_lock
from agents.model_files import load_model, load_run_model
from agents.runs import RunConfig, make_env, new_run_dir

REPO = Path(__file__).resolve().parents[1]
#: A short DQN run on Catch-v0: 400 steps on one env, so checkpoints at steps 100, 200, 300 and 400.
SHORT_RUN = ["--algo", "dqn", "--timesteps", "400", "--eval-freq", "100", "--eval-episodes", "5"]
SHORT_RUN += ["--gif-episodes", "0", "--no-progress-bar"]


def run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agents.train", *args], capture_output=True, text=True, cwd=REPO
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "Pong-v9"], "unknown env id 'Pong-v9'; ids with tuned dqn settings: Catch-v0"),
        (
            ["--algo", "sac"],
            "argument --algo: invalid choice: 'sac' "
            "(choose from 'sweep-dqn', 'dqn', 'double-dqn', 'ppo', 'a2c')",
        ),
        (
            ["--wrapper", "blur"],
            "argument --wrapper: invalid choice: 'blur' (choose from 'motion-trace', 'head-centred')",
        ),
        (
            ["--hyperparams", "learning_rat=0.1"],
            "unknown hyperparameter(s) learning_rat for DQN; valid keys:",
        ),
        (["--hyperparams", "gamma"], "a hyperparameter override must look like key=value, got 'gamma'"),
        (
            ["--hyperparams", "learning_rate=exp_1e-3"],
            "learning_rate='exp_1e-3': dqn takes a finite positive number or 'lin_<initial value>'",
        ),
        (["--hyperparams", "learning_rate=-0.1"], "learning_rate=-0.1: dqn takes a finite positive number"),
        (
            ["--hyperparams", "learning_rate=[1e-3, 1e-5]"],
            "learning_rate=[0.001, 1e-05]: dqn takes a finite positive number or 'lin_<initial value>'",
        ),
        (
            ["--algo", "sweep-dqn", "--hyperparams", "learning_rate=lin_1e-3"],
            "learning_rate='lin_1e-3': sweep-dqn takes a finite positive number or a [start, end] pair",
        ),
        (["--timesteps", "0"], "argument --timesteps: must be an integer >= 1, got '0'"),
        (["--eval-episodes", "0"], "argument --eval-episodes: must be an integer >= 1, got '0'"),
        (["--eval-freq", "0"], "argument --eval-freq: must be an integer >= 1, got '0'"),
        (["--threads", "-3"], "argument --threads: must be an integer >= 1, got '-3'"),
        (["--gif-episodes", "-1"], "argument --gif-episodes: must be an integer >= 0, got '-1'"),
        (["--n-envs", "two"], "argument --n-envs: must be an integer >= 1, got 'two'"),
    ],
)
def test_bad_command_lines_exit_2_with_the_valid_choices_and_no_traceback(args, message):
    defaults = ["--algo", "dqn"] if "--algo" not in args else []
    result = run_cli(defaults + args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "argument --seed: must be an integer in [0, 4294967295], got '-1'"),
        (
            ["--seed", "4294967296"],
            "argument --seed: must be an integer in [0, 4294967295], got '4294967296'",
        ),
        (["--hyperparams", "batch_size=0"], "batch_size=0: it must be an integer >= 1"),
        (["--hyperparams", "gamma=1.5"], "gamma=1.5: it must be a number in [0.0, 1.0]"),
        (["--hyperparams", "buffer_size=-1"], "buffer_size=-1: it must be an integer >= 1"),
        (["--hyperparams", "learning_starts=-1"], "learning_starts=-1: it must be an integer >= 0"),
        (
            ["--hyperparams", "train_freq=[4, steps]"],
            "train_freq=[4, 'steps']: it must be an integer >= 1 or a",
        ),
        (
            ["--hyperparams", "gradient_steps=0"],
            "gradient_steps=0: it must be an integer >= 1, or -1 for one",
        ),
        (["--hyperparams", "max_grad_norm=0"], "max_grad_norm=0: it must be a finite number > 0"),
        (["--hyperparams", "buffer_size=[1,"], "'buffer_size=[1,' is not key=<YAML value>: while parsing"),
        (
            ["--hyperparams", "n_timesteps=abc"],
            "n_timesteps='abc': it must be an integer >= 1",
        ),
        (["--hyperparams", "n_envs=0"], "n_envs=0: it must be an integer >= 1"),
        (["--hyperparams", "policy=Foo"], "DQN: Policy Foo unknown"),
        (
            ["--hyperparams", "policy_kwargs=dict(net_arch=[8"],
            "policy_kwargs='dict(net_arch=[8' fails: SyntaxError: '[' was never closed",
        ),
        (
            ["--hyperparams", "policy_kwargs=__import__('os').getcwd()"],
            "\"__import__('os').getcwd()\" is not allowed: only literals, dict(...), __import__('agents')",
        ),
        (
            ["--hyperparams", "env_kwargs={height: 2}"],
            "Catch-v0 cannot be built with env_kwargs={'height': 2}",
        ),
        (["--hyperparams", "env_kwargs=[1]"], "env_kwargs must be a mapping such as {height: 12}, got [1]"),
        # Catch trains on its vector env, so the batched view is the one that refuses it.
        (["--wrapper", "head-centred"], "VectorHeadCentredObservation needs a vector env with 'heads'"),
        (["--hyperparams", "env_wrapper=os.getcwd"], "env_wrapper 'os.getcwd' is not a known wrapper"),
        # Found only by building the model and its env once (the dry run):
        (
            ["--hyperparams", "policy_kwargs=dict(net_arch=[-1])"],
            "DQN cannot be built on Catch-v0 with policy_kwargs='dict(net_arch=[-1])': RuntimeError: ",
        ),
        (["--hyperparams", "policy_kwargs=dict(activation_fn=torch.nn.Linear)"], "torch.nn.Linear"),
        (
            ["--hyperparams", "policy_kwargs=dict(activation_fn=torch.nn.Threshold)"],
            "TypeError: Threshold.__init__() missing 2 required positional arguments",
        ),
        (
            ["--hyperparams", "policy_kwargs=dict(optimizer_kwargs=dict(momentom=0.9))"],
            "TypeError: Adam.__init__() got an unexpected keyword argument 'momentom'",
        ),
        (
            ["--hyperparams", "policy_kwargs=dict(features_extractor_kwargs=dict(features_dim=8))"],
            "TypeError: FlattenExtractor.__init__() got an unexpected keyword argument 'features_dim'",
        ),
        (
            ["--hyperparams", "buffer_size=1e12"],
            "buffer_size=1000000000000: the run's observations alone would take 745,058.1 GiB, more than",
        ),
        (["--hyperparams", "batch_size=1e12"], "batch_size=1000000000000: the run's observations alone"),
        (
            ["--hyperparams", "env_wrapper=stable_baselines3.common.atari_wrappers.EpisodicLifeEnv"],
            "AttributeError: 'CatchEnv' object has no attribute 'ale'",
        ),
        (
            ["--hyperparams", "env_wrapper=stable_baselines3.common.atari_wrappers.NoopResetEnv"],
            'assert env.unwrapped.get_action_meanings()[0] == "NOOP"',
        ),
        (
            ["--hyperparams", "env_wrapper=stable_baselines3.common.atari_wrappers.FireResetEnv"],
            "AssertionError: atari_wrappers.py line",
        ),
    ],
)
def test_bad_settings_are_a_usage_error_before_any_folder_exists(tmp_path, capsys, args, message):
    runs_dir = tmp_path / "runs"
    with pytest.raises(SystemExit) as exit_status:
        train.main(["--algo", "dqn", "--runs-dir", str(runs_dir), *args])
    assert exit_status.value.code == 2
    stderr = capsys.readouterr().err
    assert message in stderr.splitlines()[-1] and "Traceback" not in stderr  # usage, then one line
    assert not runs_dir.exists()


def test_a_runs_dir_that_is_a_file_is_a_usage_error(tmp_path, capsys):
    taken = tmp_path / "notes.txt"
    taken.write_text("a user's file")
    for runs_dir in (taken, taken / "runs"):
        with pytest.raises(SystemExit) as exit_status:
            train.main(["--algo", "dqn", "--runs-dir", str(runs_dir)])
        assert exit_status.value.code == 2
        assert f"--runs-dir {runs_dir}: {taken} is a file, not a folder" in capsys.readouterr().err
    assert taken.read_text() == "a user's file"


@contextlib.contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """A folder this process cannot write into: a read-only tmpfs mounted on it when running as root (who
    writes through mode bits), else mode 0o555; skips the test where neither is possible."""
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        try:
            yield path
        finally:
            path.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(path)]).returncode:
        pytest.skip("no read-only folder: running as root, and mount is not allowed")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_read_only_folder_and_a_folder_in_use_are_refused_before_any_work(tmp_path):
    with read_only_folder(tmp_path / "read-only") as folder:
        for target in (folder, folder / "runs" / "new"):
            with pytest.raises(UsageError, match=f"--out {target}: {folder} is not writable"):
                check_writable_folder("--out", target)
    out = tmp_path / "results" / "grid"
    in_use = pytest.raises(UsageError, match=f"--out {out} is in use by another run")
    with output_lock("--out", out), in_use, output_lock("--out", out):
        pass
    with output_lock("--out", out):  # the first run is over: its lock is gone
        pass
    assert list(out.parent.iterdir()) == []


def test_a_read_only_runs_dir_is_a_usage_error_before_any_work(tmp_path, capsys):
    with read_only_folder(tmp_path / "read-only") as folder, pytest.raises(SystemExit) as exit_status:
        train.main(["--algo", "dqn", "--runs-dir", str(folder / "runs")])
    assert exit_status.value.code == 2
    assert f"--runs-dir {folder / 'runs'}: {folder} is not writable" in capsys.readouterr().err


@pytest.fixture
def stop_signals_restored() -> Iterator[None]:
    """Give the stop signals their handlers back after a test of ``train.main`` in this process (a stopped
    run leaves them ignored until the process exits)."""
    handlers = {each: signal.getsignal(each) for each in STOP_SIGNALS}
    yield
    for each, handler in handlers.items():
        signal.signal(each, handler)


def hook_saves(monkeypatch: pytest.MonkeyPatch, before_write: Callable[[Path], None]) -> None:
    """Call ``before_write(path)`` inside every SB3 model save, just before it writes ``path`` (a model's
    partial file: ``.model.partial-<pid>.zip`` for ``model.zip``)."""
    save = base_class.save_to_zip_file

    def hooked(save_path, *args, **kwargs):
        if isinstance(save_path, str | os.PathLike):  # not the in-memory saves of load_run_model
            before_write(Path(save_path))
        return save(save_path, *args, **kwargs)

    monkeypatch.setattr(base_class, "save_to_zip_file", hooked)


def full_disk(path: Path) -> None:
    """A write that fills the disk halfway through ``path``."""
    path.write_bytes(b"PK\x03\x04 the first half of a model")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def saved_models(run_dir: Path) -> dict[str, int]:
    """The steps of every model file of a run folder, each loaded as ``agents.evaluate`` loads a run's
    models; no partial file may be left."""
    config = RunConfig.load(run_dir)
    assert not list(run_dir.rglob("*partial*"))
    return {
        str(path.relative_to(run_dir)): load_run_model(path, config).num_timesteps
        for path in sorted(run_dir.rglob("*.zip"))
    }


CHECKPOINTS = {f"checkpoints/rl_model_{steps}_steps.zip": steps for steps in (100, 200, 300, 400)}


def test_sigterm_during_the_final_save_finishes_it_and_saves_the_interrupted_model(
    tmp_path, monkeypatch, stop_signals_restored
):
    def stop_during_the_final_save(path: Path) -> None:
        if path.name.startswith(".model.partial"):
            os.kill(os.getpid(), signal.SIGTERM)

    hook_saves(monkeypatch, stop_during_the_final_save)
    assert train.main([*SHORT_RUN, "--runs-dir", str(tmp_path)]) == 128 + signal.SIGTERM
    models = saved_models(tmp_path / "Catch-v0" / "dqn" / "run-001")
    assert models.pop("best/best_model.zip") in (100, 200, 300, 400)
    assert models == {**CHECKPOINTS, "model.zip": 400, "model_interrupted.zip": 400}


def test_a_full_disk_at_the_final_save_is_one_line_and_keeps_every_earlier_model(
    tmp_path, monkeypatch, capsys
):
    hook_saves(monkeypatch, lambda path: full_disk(path) if path.name.startswith(".model.partial") else None)
    assert train.main([*SHORT_RUN, "--runs-dir", str(tmp_path)]) == 1
    run_dir = tmp_path / "Catch-v0" / "dqn" / "run-001"
    error = capsys.readouterr().err.splitlines()
    assert error[-1] == (
        f"python -m agents.train: error: cannot write {run_dir / 'model.zip'}: No space left on device "
        "(left as it was; the files written before are kept)"
    )
    assert not any("Traceback" in line for line in error)
    models = saved_models(run_dir)
    assert models.pop("best/best_model.zip") in (100, 200, 300, 400)
    assert models == CHECKPOINTS


def test_sigterm_during_a_checkpoint_then_a_full_disk_keeps_the_checkpoints(
    tmp_path, monkeypatch, capsys, stop_signals_restored
):
    """The signal lets the checkpoint being written finish; the disk is full for the interrupted model."""

    def stop_then_fill(path: Path) -> None:
        if path.name.startswith(".rl_model_200_steps.partial"):
            os.kill(os.getpid(), signal.SIGTERM)
        elif path.name.startswith(".model_interrupted.partial"):
            full_disk(path)

    hook_saves(monkeypatch, stop_then_fill)
    assert train.main([*SHORT_RUN, "--runs-dir", str(tmp_path)]) == 1
    run_dir = tmp_path / "Catch-v0" / "dqn" / "run-001"
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(
        f"python -m agents.train: error: cannot write {run_dir / 'model_interrupted.zip'}: "
    )
    models = saved_models(run_dir)
    assert models.pop("best/best_model.zip") in (100, 200)
    assert models == {name: steps for name, steps in CHECKPOINTS.items() if steps <= 200}


FILL_A_TINY_DISK = """
mount -t tmpfs -o size=400k tmpfs "$1" || exit 99
"$2" -m agents.train --algo dqn --timesteps 400 --eval-episodes 5 --gif-episodes 0 --no-progress-bar \
    --runs-dir "$1" 2> "$3/stderr"
echo $? > "$3/status"
cp -r "$1/Catch-v0" "$3"
"""


def test_a_real_full_disk_is_one_line_and_keeps_every_model_written_before(tmp_path):
    """A 400 KB file system (a tmpfs in a mount namespace of this user) holds three 110 KB models."""
    (tmp_path / "disk").mkdir()
    command = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FILL_A_TINY_DISK, "sh"]
    if shutil.which("unshare") is None:
        pytest.skip("no unshare here to mount a tmpfs in a namespace of this user")
    if subprocess.run([*command, str(tmp_path / "disk"), sys.executable, str(tmp_path)], cwd=REPO).returncode:
        pytest.skip("no tmpfs in a mount namespace here (user namespaces are not allowed)")
    assert (tmp_path / "status").read_text() == "1\n"
    error = (tmp_path / "stderr").read_text().splitlines()
    run_dir = tmp_path / "Catch-v0" / "dqn" / "run-001"
    assert error[-1].startswith(f"python -m agents.train: error: cannot write {tmp_path / 'disk'}")
    assert error[-1].endswith(": No space left on device (left as it was; the files written before are kept)")
    assert not any("Traceback" in line for line in error)
    models = saved_models(run_dir)
    assert models and all(steps > 0 for steps in models.values())
    assert str(run_dir.relative_to(tmp_path)) in error[-1]  # it names a model file of the run


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_stop_during_set_up_leaves_no_run_folder(
    tmp_path, monkeypatch, capsys, stop_signals_restored, stop
):
    build_model = train.build_model

    def stop_while_building(*args, **kwargs):
        os.kill(os.getpid(), stop)
        return build_model(*args, **kwargs)

    monkeypatch.setattr(train, "build_model", stop_while_building)
    assert train.main([*SHORT_RUN, "--runs-dir", str(tmp_path)]) == 128 + stop
    assert f"stopped by {stop.name} during set-up: no run folder kept" in capsys.readouterr().out
    assert list((tmp_path / "Catch-v0" / "dqn").iterdir()) == []


def test_unknown_hyperparameter_lists_every_valid_key():
    from stable_baselines3 import DQN

    with pytest.raises(zoo.HyperparameterError) as error:
        zoo.check_keys({"learning_rat": 0.1}, DQN)
    for key in ("learning_rate", "buffer_size", "n_timesteps", "policy_kwargs", "env_wrapper"):
        assert key in str(error.value)


def test_overrides_read_numbers_the_way_users_write_them():
    assert zoo.parse_override("learning_rate=1e-3") == ("learning_rate", 0.001)  # YAML 1.1 says "1e-3"
    assert zoo.parse_override("exploration_final_eps=-2.5E-2") == ("exploration_final_eps", -0.025)
    assert zoo.parse_override("loss_limit=[2e-2, 5e-3]") == ("loss_limit", [0.02, 0.005])
    buffer_size = zoo.parse_override("buffer_size=1e5")[1]
    assert buffer_size == 100_000 and isinstance(buffer_size, int)
    assert zoo.parse_override("learning_rate=lin_1e-3") == ("learning_rate", "lin_1e-3")
    assert zoo.parse_override("train_freq=[4, step]") == ("train_freq", [4, "step"])


@pytest.mark.parametrize(
    ("algo", "bad"),
    [
        ("dqn", "lin_"),
        ("dqn", "lin_-1e-3"),
        ("dqn", "lin_inf"),
        ("dqn", "exp_1e-3"),
        ("dqn", [1e-3, 1e-5]),
        ("dqn", 0),
        ("dqn", float("inf")),
        ("dqn", True),
        ("sweep-dqn", "lin_1e-3"),  # it would end at 0
        ("sweep-dqn", [1e-3, 0.0]),
        ("sweep-dqn", [1e-3]),
        ("sweep-dqn", ["1e-3", "1e-5"]),  # YAML 1.1 text from a file: SweepDQN would refuse it later
        ("sweep-dqn", -1e-4),
    ],
)
def test_learning_rates_outside_what_the_algorithm_takes_are_refused(algo, bad):
    with pytest.raises(zoo.HyperparameterError, match=f"{algo} takes a finite positive number or "):
        zoo.schedule_from_setting(bad, algo)


@pytest.mark.parametrize(("algo", "text"), [("dqn", "1e-3"), ("sweep-dqn", ["1e-3", 1e-5])])
def test_a_yaml_1_1_string_rate_gets_a_hint(algo, text):
    with pytest.raises(zoo.HyperparameterError, match=r"YAML 1.1 reads 1e-3 in a file as text: write 1.0e-3"):
        zoo.schedule_from_setting(text, algo)


def test_sweep_dqn_takes_a_start_end_rate_from_the_command_line():
    from agents import SweepDQN

    args = train.build_parser().parse_args(
        ["--algo", "sweep-dqn", "--hyperparams", "learning_rate=[2e-3, 1e-5]"]
    )
    config = train.resolve_config(args)
    model = SweepDQN(env=make_env(config, n_envs=1), **config.model_kwargs())
    assert [model.lr_schedule(progress) for progress in (1.0, 0.5, 0.0)] == pytest.approx(
        [2e-3, (2e-3 + 1e-5) / 2, 1e-5]
    )


def test_a_lin_learning_rate_falls_linearly_to_zero_over_learn():
    from stable_baselines3 import DQN

    settings = {"n_timesteps": 400, "learning_rate": "lin_1e-3", "learning_starts": 100, "train_freq": 4}
    config = RunConfig.from_settings(env_id="Catch-v0", algo="dqn", seed=0, settings=settings)
    model = DQN(env=make_env(config, n_envs=1), seed=0, **config.model_kwargs())
    assert [model.lr_schedule(progress) for progress in (1.0, 0.5, 0.0)] == pytest.approx([1e-3, 5e-4, 0.0])
    rates = []  # the optimiser's rate seen after each env step

    def record_rate(*_) -> bool:
        rates.append(model.policy.optimizer.param_groups[0]["lr"])
        return True

    model.learn(300, callback=record_rate)
    # The rate follows the progress left of this learn() call's 300 steps. The first gradient step
    # comes after the 4 steps collected past learning_starts (step 104), the last after step 300.
    first_update = 1e-3 * (1 - 104 / 300)
    assert rates[103] == 1e-3 and rates[104] == pytest.approx(first_update)
    assert model.policy.optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-15)
    assert all(later <= earlier for earlier, later in itertools.pairwise(rates))


def test_runs_are_numbered_and_never_reuse_a_folder(tmp_path):
    first = new_run_dir(tmp_path, "ALE/Breakout-v5", "dqn")
    (first / "model.zip").write_text("a user's model")
    second = new_run_dir(tmp_path, "ALE/Breakout-v5", "dqn")
    assert (first.name, second.name) == ("run-001", "run-002")
    assert first.parent == tmp_path / "ALE_Breakout-v5" / "dqn"
    assert (first / "model.zip").read_text() == "a user's model"


@pytest.mark.parametrize("algo", list(algorithms.ALGORITHMS))
def test_a_short_run_writes_a_loadable_model_a_gif_and_a_curve(tmp_path, algo):
    args = ["--algo", algo, "--timesteps", "3000", "--eval-episodes", "20", "--gif-episodes", "1"]
    result = run_cli([*args, "--no-progress-bar", "--runs-dir", str(tmp_path), "--seed", "1"])
    assert result.returncode == 0, result.stderr
    run_dir = tmp_path / "Catch-v0" / algo / "run-001"
    for name in ("model.zip", "config.yml", "evaluation.yml", "agent.gif", "learning_curve.png"):
        assert (run_dir / name).is_file(), name
    config = RunConfig.load(run_dir)
    assert (config.env_id, config.algo, config.timesteps, config.seed) == ("Catch-v0", algo, 3000, 1)
    model = load_model(run_dir, config)
    obs = np.zeros((10, 10), np.float32)
    assert model.predict(obs, deterministic=True)[0] in (0, 1, 2)
    results = yaml.safe_load((run_dir / "evaluation.yml").read_text())
    assert results["agent"]["episodes"] == results["random"]["episodes"] == 20
    from PIL import Image

    with Image.open(run_dir / "agent.gif") as gif:
        assert gif.n_frames >= 10  # at least one 9-step episode plus its first frame


def test_missing_and_corrupt_models_give_clear_errors(tmp_path):
    config = RunConfig(env_id="Catch-v0", algo="dqn", seed=0, timesteps=10)
    with pytest.raises(ValueError, match=r"no final model at .*model\.zip; it holds no model"):
        load_model(tmp_path, config)
    (tmp_path / "model.zip").write_bytes(b"not a zip")
    with pytest.raises(
        ValueError, match=r"model\.zip is not a Stable-Baselines3 model zip: File is not a zip file"
    ):
        load_model(tmp_path, config)


def test_an_n_step_model_loads_with_its_n_step_buffer_and_no_warning(tmp_path):
    import warnings

    from stable_baselines3 import DQN
    from stable_baselines3.common.buffers import NStepReplayBuffer

    config = RunConfig(env_id="Catch-v0", algo="dqn", seed=0, timesteps=10, algo_kwargs={"n_steps": 3})
    DQN(env=make_env(config, n_envs=1), **config.model_kwargs()).save(tmp_path / "model.zip")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(tmp_path, config)
    assert model.n_steps == 3 and model.replay_buffer_class is NStepReplayBuffer
    assert model.replay_buffer_kwargs["n_steps"] == 3


class ScriptedCatcher:
    """A fixed policy for Catch: move the basket's middle under the fruit (a perfect player)."""

    action_space = argparse.Namespace(n=3)

    def predict(self, obs, deterministic=True):
        actions = []
        for grid in obs:
            basket = np.flatnonzero(grid[-1])
            fruit_column = int(np.flatnonzero(grid[:-1].max(axis=0))[0]) if grid[:-1].any() else basket[1]
            actions.append(1 + int(np.sign(fruit_column - basket[1])))
        return np.array(actions), None


def test_evaluation_numbers_of_a_fixed_policy():
    config = RunConfig(env_id="Catch-v0", algo="dqn", seed=0, timesteps=10)
    results = scoring.evaluate_run(config, ScriptedCatcher(), episodes=100)
    agent, random = results["agent"], results["random"]
    assert agent == {
        "episodes": 100,
        "mean_return": 1.0,
        "stderr_return": 0.0,
        "mean_score": 100.0,
        "stderr_score": 0.0,
    }
    # The random player wins with a positive return exactly when the natural score says so.
    assert random["mean_score"] == pytest.approx(50.0 * (random["mean_return"] + 1.0))
    assert 15.0 < random["mean_score"] < 55.0
    table = scoring.format_table("Catch-v0", results)
    assert "catch rate %" in table and "+1.000" in table


ZOO_LOADER_CHECK = """
import argparse, sys
import gymnasium
import pytest
from rl_zoo3.exp_manager import ExperimentManager
from agents import algorithms, zoo
from agents.runs import RunConfig, register_env_packages, wrapper_from_spec

for algo in algorithms.ALGORITHMS:
    for env_id in zoo.tuned_env_ids(algo):
        config = str(zoo.hyperparams_file(algo))
        manager = ExperimentManager(argparse.Namespace(), algo, env_id, sys.argv[1], config=config)
        hyperparams, _ = manager.read_hyperparameters()
        settings = zoo.load_hyperparams(algo, env_id, algorithms.algorithm_class(algo))
        if isinstance(settings.get("learning_rate"), list):  # SweepDQN's [start, end]: no zoo form
            with pytest.raises(ValueError, match="Invalid value for learning_rate"):
                manager._preprocess_hyperparams(hyperparams)
            print(algo, env_id, "refused ok")
            continue
        kwargs, zoo_wrapper, *_ = manager._preprocess_hyperparams(hyperparams)
        ours = RunConfig.from_settings(env_id=env_id, algo=algo, seed=0, settings=settings)
        if ours.env_wrapper is not None:  # the zoo builds the same wrappers from the same entry
            register_env_packages(env_id)
            spaces = [wrap(gymnasium.make(env_id)).observation_space
                      for wrap in (zoo_wrapper, wrapper_from_spec(ours.env_wrapper))]
            assert spaces[0] == spaces[1], (algo, env_id, spaces)
        expected = ours.model_kwargs()
        assert kwargs.keys() == expected.keys(), (algo, env_id)
        for key, value in kwargs.items():
            if key in zoo.SCHEDULE_KEYS:  # the zoo makes every rate a schedule: compare two points
                for progress in (1.0, 0.25):
                    ours_then = expected[key](progress) if callable(expected[key]) else expected[key]
                    assert value(progress) == pytest.approx(ours_then), (algo, env_id, progress)
            else:
                assert value == expected[key], key
        assert manager.n_timesteps == ours.timesteps and manager.n_envs == ours.n_envs
        print(algo, env_id, "ok")
"""


def test_zoo_files_load_with_rl_zoo3s_own_loader(tmp_path):
    # In a subprocess: importing rl_zoo3 replaces gymnasium's TimeLimit for the whole process.
    result = subprocess.run(
        [sys.executable, "-c", ZOO_LOADER_CHECK, str(tmp_path)], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr[-2000:]
    checked = result.stdout.count(" ok")
    assert checked == sum(len(zoo.tuned_env_ids(algo)) for algo in algorithms.ALGORITHMS) and checked >= 10


@pytest.mark.parametrize(("algo", "steps"), [("dqn", 600), ("ppo", 2_048), ("a2c", 1_024)])
def test_rl_zoo3_trains_on_a_game_with_our_file(tmp_path, algo, steps):
    config = str(zoo.hyperparams_file(algo))
    command = [sys.executable, "-m", "rl_zoo3.train", "--algo", algo, "--env", "Catch-v0", "--seed", "0"]
    command += ["--gym-packages", "gym_catchgames", "-conf", config, "-n", str(steps), "-f", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    assert list(tmp_path.glob(f"{algo}/Catch-v0_1/Catch-v0.zip"))


@pytest.mark.parametrize(
    ("algo", "signals", "exit_status"),
    [
        ("dqn", ["SIGINT"], 130),
        ("dqn", ["SIGTERM"], 143),
        ("dqn", ["SIGINT", "SIGINT"], 130),
        ("dqn", ["SIGTERM", "SIGINT"], 143),
        ("ppo", ["SIGTERM"], 143),
    ],
    ids=["ctrl-c", "sigterm", "double-ctrl-c", "sigterm-then-ctrl-c", "ppo-sigterm"],
)
def test_a_stopped_run_saves_a_loadable_model_and_exits_with_128_plus_the_signal(
    tmp_path, algo, signals, exit_status
):
    import signal
    import time

    command = [sys.executable, "-m", "agents.train", "--algo", algo, "--timesteps", "10000000"]
    command += ["--runs-dir", str(tmp_path), "--no-progress-bar"]
    # A child of a background job inherits SIGINT ignored (and Python then keeps ignoring it), so the
    # child gets the default disposition back, as in a terminal.
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout.readline().startswith(f"training {algo} on Catch-v0")
        time.sleep(2)  # let it train a little
        for name in signals:  # a second one lands during the save, or just after it
            process.send_signal(getattr(signal, name))
            time.sleep(0.1)  # (signals pending together are handled in number order: SIGINT first)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == exit_status, stderr[-2000:]
    assert "Traceback" not in stderr
    saved = tmp_path / "Catch-v0" / algo / "run-001" / "model_interrupted.zip"
    assert saved.is_file() and "interrupted at step" in stdout
    config = RunConfig.load(saved.parent)
    assert load_model(saved.parent, config, "interrupted").num_timesteps > 0


def test_motion_trace_wrapper_from_the_command_line(tmp_path):
    args = ["--algo", "sweep-dqn", "--wrapper", "motion-trace", "--timesteps", "800", "--eval-episodes", "5"]
    result = run_cli([*args, "--gif-episodes", "0", "--no-progress-bar", "--runs-dir", str(tmp_path)])
    assert result.returncode == 0, result.stderr[-2000:]
    run_dir = tmp_path / "Catch-v0" / "sweep-dqn" / "run-001"
    config = RunConfig.load(run_dir)
    assert config.env_wrapper == "gym_catchgames.wrappers.MotionTraceObservation"
    # SB3 sees the (10, 10, 2) uint8 image and transposes it to channels-first itself.
    assert load_model(run_dir, config).observation_space.shape == (2, 10, 10)


def test_a_run_too_short_to_finish_an_episode_still_reports(tmp_path):
    """8 steps on Catch with 4 envs end no episode: the curve shows only what there is, no crash."""
    args = ["--algo", "sweep-dqn", "--timesteps", "8", "--eval-episodes", "2", "--gif-episodes", "0"]
    result = run_cli([*args, "--no-progress-bar", "--runs-dir", str(tmp_path)])
    assert result.returncode == 0, result.stderr[-2000:]
    run_dir = tmp_path / "Catch-v0" / "sweep-dqn" / "run-001"
    assert (run_dir / "learning_curve.png").is_file() and not (run_dir / "agent.gif").exists()
    assert "agent.gif" not in result.stdout


def test_tuned_model_builds_the_tuned_settings_in_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    entry = yaml.safe_load(zoo.hyperparams_file("dqn").read_text())["Snake-v0"]  # read independently
    config, model = algorithms.tuned_model("Snake-v0", "dqn", seed=3, timesteps=123)
    assert (config.timesteps, config.seed, model.seed) == (123, 3, 3)
    assert model.observation_space.shape == (19, 19)  # the entry's HeadCentredObservation: 2 * 10 - 1
    assert (model.gamma, model.learning_rate, model.batch_size) == (
        entry["gamma"],
        entry["learning_rate"],
        entry["batch_size"],
    )
    config, model = algorithms.tuned_model("Cave-v0", "dqn")
    cave = yaml.safe_load(zoo.hyperparams_file("dqn").read_text())["Cave-v0"]
    assert config.timesteps == cave["n_timesteps"] and model.n_steps == cave["n_steps"]
    rate = float(cave["learning_rate"].removeprefix("lin_"))  # falls linearly to 0 over the run
    assert [model.lr_schedule(progress) for progress in (1.0, 0.5)] == pytest.approx([rate, rate / 2])
    assert model.observation_space.shape == (3, 48, 48)  # rgb frames, channels moved first by SB3
    assert list(tmp_path.iterdir()) == []  # no run folder, no logs


def test_tuned_model_applies_overrides_on_top_of_the_entry():
    _, model = algorithms.tuned_model("Catch-v0", "dqn", overrides={"batch_size": 16, "gamma": 0.5})
    assert (model.batch_size, model.gamma) == (16, 0.5)
    entry = yaml.safe_load(zoo.hyperparams_file("dqn").read_text())["Catch-v0"]
    assert model.buffer_size == entry["buffer_size"]  # untouched keys keep the tuned value
    with pytest.raises(zoo.HyperparameterError, match=r"unknown hyperparameter.*batchsize"):
        algorithms.tuned_config("Catch-v0", "dqn", overrides={"batchsize": 16})
    with pytest.raises(ValueError, match="unknown algorithm 'sac'; choose one of sweep-dqn, dqn, double-dqn"):
        algorithms.tuned_config("Catch-v0", "sac")


def test_a_settings_file_replaces_the_tuned_entry_as_rl_zoo3s_conf_does(tmp_path, capsys):
    entry = yaml.safe_load(zoo.hyperparams_file("dqn").read_text())["Catch-v0"]
    conf = tmp_path / "mine.yml"
    conf.write_text(yaml.safe_dump({"Catch-v0": {**entry, "n_timesteps": 300, "batch_size": 16}}))
    for flag in ("-conf", "--conf-file"):
        args = train.build_parser().parse_args(["--algo", "dqn", flag, str(conf)])
        config = train.resolve_config(args)
        assert config.timesteps == 300 and config.algo_kwargs["batch_size"] == 16
        assert config.algo_kwargs["gamma"] == entry["gamma"]
    conf.with_name("list.yml").write_text("- 1\n")
    conf.with_name("number.yml").write_text("Catch-v0: 5\n")
    conf.with_name("broken.yml").write_text("Catch-v0: [\n")
    for name, message in [
        ("missing.yml", "--conf-file {}: no such file"),
        ("list.yml", "list.yml is not a hyperparameter file: a mapping of ids to settings"),
        ("broken.yml", "--conf-file {} is not YAML"),
        ("number.yml", "number.yml: the entry of 'Catch-v0' is not a mapping of settings"),
        ("mine.yml", "mine.yml has no entry for 'Snake-v0'; tuned ids: Catch-v0"),
    ]:
        path = tmp_path / name
        with pytest.raises(SystemExit) as exit_status:
            train.main(["--algo", "dqn", "--env", "Snake-v0" if name == "mine.yml" else "Catch-v0",
                        "-conf", str(path), "--runs-dir", str(tmp_path / "runs")])  # fmt: skip
        assert exit_status.value.code == 2
        error = capsys.readouterr().err
        assert message.format(path) in error.splitlines()[-1] and "Traceback" not in error
    assert not (tmp_path / "runs").exists()


def test_the_evaluation_band_stays_within_the_returns_played():
    """Catch with one miss in ten: mean 0.8, sd 0.6, so mean + sd = 1.4 > 1, the highest possible."""
    results = np.array([[1.0] * 9 + [-1.0], [-1.0] * 5 + [1.0] * 5])
    mean, low, high = run_report.evaluation_band(results)
    np.testing.assert_allclose(mean, [0.8, 0.0])
    np.testing.assert_allclose(low, [0.8, -1.0])  # quartiles 1 and 1, widened down to the mean
    np.testing.assert_allclose(high, [1.0, 1.0])
