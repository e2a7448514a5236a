"""Ray: agents.tune searches and benchmarks/learning.py --ray, on this machine and on a two-node cluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import ray
import yaml
from ray.cluster_utils import Cluster

from agents import algorithms, tune, zoo
from agents.commands import lock_path, output_lock
from agents.runs import RunConfig
from agents.targets import load_targets

REPO = Path(__file__).resolve().parents[1]
#: A small learning grid: two seeds of DQN on Catch-v0, 3,000 steps each.
SMALL_GRID = ["--envs", "Catch-v0", "--algos", "dqn", "--seeds", "0", "1", "--timesteps", "3000"]
SMALL_GRID += ["--check-every", "1000", "--check-episodes", "20", "--episodes", "50"]


def run(module_or_script: list[str], *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    return subprocess.run(
        [sys.executable, *module_or_script, *args], capture_output=True, text=True, cwd=cwd, env=environment
    )


def tune_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return run(["-m", "agents.tune"], *args, cwd=cwd)


def learning_cli(*args: str) -> subprocess.CompletedProcess:
    return run([str(REPO / "benchmarks" / "learning.py")], *args)


@pytest.fixture(scope="module")
def two_node_cluster():
    """A real Ray cluster of two nodes on this machine, one CPU each."""
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    yield cluster
    cluster.shutdown()


def test_a_search_on_this_machine_needs_no_running_cluster_and_writes_best_yml(tmp_path):
    assert not ray.is_initialized()
    result = tune_cli(
        "--env", "Catch-v0", "--algo", "dqn", "--trials", "2", "--timesteps", "2000", "--out", "search",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    best = yaml.safe_load((tmp_path / "search" / "best.yml").read_text())
    assert list(best) == ["Catch-v0"] and best["Catch-v0"]["n_timesteps"] == 2000
    # best.yml is an entry in the tuned files' format: it builds the same kind of run.
    config = algorithms.tuned_config("Catch-v0", "dqn", hyperparams=tmp_path / "search" / "best.yml")
    assert config.timesteps == 2000
    trials = json.loads((tmp_path / "search" / "trials.json").read_text())
    assert len(trials) == 2
    assert all(row["env_steps"] <= 2000 and 0 <= row["mean_score"] <= 100 for row in trials)
    space = yaml.safe_load((REPO / "agents" / "search_spaces" / "dqn.yml").read_text())
    for row in trials:  # every trial's settings were drawn from the space
        assert set(row["settings"]) == (set(space) - {"net_arch"}) | {"policy_kwargs"}
        low, high = space["learning_rate"]["log_uniform"]
        assert low <= row["settings"]["learning_rate"] <= high
        assert row["settings"]["batch_size"] in space["batch_size"]["choice"]
    assert best["Catch-v0"]["learning_rate"] == trials[0]["settings"]["learning_rate"]  # best is ranked first
    table = (tmp_path / "search" / "trials.md").read_text().splitlines()
    assert "mean catch rate %" in table[0] and len(table) == 2 + 2


def test_a_ray_grid_gives_the_serial_grids_scores(tmp_path):
    """A run's result depends only on its (env, algo, seed), not on the process that ran it."""
    serial = learning_cli(*SMALL_GRID, "--out", str(tmp_path / "serial"))
    assert serial.returncode == 0, serial.stderr[-3000:]
    on_ray = learning_cli(*SMALL_GRID, "--out", str(tmp_path / "ray"), "--ray")
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    serial_rows = json.loads((tmp_path / "serial.json").read_text())
    ray_rows = json.loads((tmp_path / "ray.json").read_text())
    assert [(row["env"], row["algo"], row["seed"]) for row in ray_rows] == [
        ("Catch-v0", "dqn", 0),
        ("Catch-v0", "dqn", 1),
    ]
    for ours, theirs in zip(serial_rows, ray_rows, strict=True):
        for key in ("final_score", "random_score", "checks", "steps_to_target", "steps", "target"):
            assert ours[key] == theirs[key], key
    assert (tmp_path / "ray.md").read_text().splitlines()[2].split("|")[4] == (
        (tmp_path / "serial.md").read_text().splitlines()[2].split("|")[4]
    )


def test_a_grid_and_a_search_run_on_both_nodes_of_a_cluster(tmp_path, two_node_cluster):
    node_ids = {node.node_id for node in two_node_cluster.list_all_nodes()}
    assert len(node_ids) == 2
    grid = learning_cli(
        *SMALL_GRID, "--out", str(tmp_path / "grid"), "--ray", "--address", two_node_cluster.address
    )
    assert grid.returncode == 0, grid.stderr[-3000:]
    assert f"Connecting to existing Ray cluster at address: {two_node_cluster.address}" in grid.stderr
    assert {row["ray_node"] for row in json.loads((tmp_path / "grid.json").read_text())} == node_ids

    search = tune_cli(
        "--env", "Catch-v0", "--algo", "dqn", "--trials", "2", "--timesteps", "1000",
        "--out", str(tmp_path / "s"), "--address", two_node_cluster.address,
    )  # fmt: skip
    assert search.returncode == 0, search.stderr[-3000:]
    trials = json.loads((tmp_path / "s" / "trials.json").read_text())
    assert {row["node"] for row in trials} == node_ids


@pytest.mark.parametrize(
    ("args", "space", "message"),
    [
        (["--algo", "sac"], None, "argument --algo: invalid choice: 'sac'"),
        (["--env", "Pong-v9"], None, "dqn.yml has no entry for 'Pong-v9'; tuned ids: Catch-v0"),
        (["--trials", "0"], None, "argument --trials: must be an integer >= 1, got '0'"),
        ([], {"learning_rat": {"uniform": [0.001, 0.01]}}, "unknown hyperparameter(s) learning_rat for DQN"),
        ([], {"gamma": {"uniform": [0.99, 0.9]}}, "gamma: uniform range [0.99, 0.9] has its low end above"),
        (
            [],
            {"buffer_size": {"choice": [1000, -1]}},
            "search space buffer_size=-1: buffer_size=-1: it must be",
        ),
        ([], {"gamma": {"beta": [1, 2]}}, "gamma: give one of {uniform: ...}, {log_uniform: ...}"),
        ([], {"learning_rate": {"log_uniform": [0, 0.1]}}, "log_uniform needs a positive low end, got 0"),
        ([], {"learning_rate": {"log_uniform": ["1e-4", 0.1]}}, "YAML 1.1 reads 1e-3 as text"),
        (["--address", "127.0.0.1:1"], None, "cannot reach a Ray cluster at 127.0.0.1:1"),
        (["--address", "nowhere"], None, "--address must be auto, HOST:PORT or ray://HOST:PORT"),
        (["--seed", str(2**40)], None, "argument --seed: must be an integer in [0, 4294967295], got"),
        (["--target", "nan"], None, "argument --target: must be a finite number, got 'nan'"),
        (["--cpus-per-trial", "999"], None, "--cpus-per-trial 999: this machine lets the search use "),
        (
            [],
            {"net_arch": {"choice": [[64], [-1]]}},
            "search space net_arch=[-1]: DQN cannot be built on Catch-v0 with policy_kwargs=",
        ),
        (
            [],
            {"policy_kwargs": {"choice": ["dict(net_arch=[8])", "dict(activation_fn=torch.nn.Threshold)"]}},
            "TypeError: Threshold.__init__() missing 2 required positional arguments",
        ),
        (
            [],
            {"buffer_size": {"int": [1000, 1000000000000]}},
            "buffer_size=1000000000000: the run's observations",
        ),
    ],
)
def test_bad_input_is_a_one_line_usage_error_before_any_trial(tmp_path, capsys, args, space, message):
    command = ["--env", "Catch-v0", "--algo", "dqn", "--trials", "2", "--timesteps", "100"]
    command += ["--out", str(tmp_path / "out"), *args]
    if space is not None:
        (tmp_path / "space.yml").write_text(yaml.safe_dump(space))
        command += ["--space", str(tmp_path / "space.yml")]
    with pytest.raises(SystemExit) as exit_info:
        tune.main(command)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    assert not ray.is_initialized() and not (tmp_path / "out" / "ray").exists()


def test_an_out_under_a_file_or_in_use_is_a_usage_error_before_ray_starts(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("a user's notes")
    command = ["--env", "Catch-v0", "--algo", "dqn", "--trials", "1", "--timesteps", "100", "--out"]
    with pytest.raises(SystemExit) as exit_info:
        tune.main([*command, str(tmp_path / "notes.txt" / "out")])
    assert exit_info.value.code == 2
    assert (
        f"--out {tmp_path / 'notes.txt' / 'out'}: {tmp_path / 'notes.txt'} is a file"
        in capsys.readouterr().err
    )
    with output_lock("--out", tmp_path / "out"), pytest.raises(SystemExit):
        tune.main([*command, str(tmp_path / "out")])
    assert f"(it holds {lock_path(tmp_path / 'out')})" in capsys.readouterr().err
    assert not ray.is_initialized() and sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def test_a_failed_trial_makes_the_exit_status_1_after_the_others_are_written(tmp_path, monkeypatch, capsys):
    """The space is checked at its extremes before Ray starts; a trial can still fail (a combination of
    settings, an error while training): the search then ends with status 1, its results written."""
    row = {
        "trial": "t1", "settings": {"gamma": 0.9}, "mean_score": 60.0, "final_score": 70.0, "env_steps": 100,
        "completed": True, "train_seconds": 1.0, "target": 99.0, "steps_to_target": None,
        "seconds_to_target": None, "node": "node-of-this-test", "error": None,
    }  # fmt: skip
    monkeypatch.setattr(tune, "start_ray", lambda address: None)
    monkeypatch.setattr(
        tune, "run_search", lambda job, trials, out: ([row], 2, ["RuntimeError: a trial failed"])
    )
    command = ["--env", "Catch-v0", "--algo", "dqn", "--trials", "2", "--timesteps", "100"]
    assert tune.main([*command, "--out", str(tmp_path / "out")]) == 1
    assert "1 of 2 trials failed; the first: RuntimeError: a trial failed" in capsys.readouterr().err
    assert json.loads((tmp_path / "out" / "trials.json").read_text()) == [row]
    assert yaml.safe_load((tmp_path / "out" / "best.yml").read_text())["Catch-v0"]["gamma"] == 0.9
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "best.yml",
        "trials.json",
        "trials.md",
    ]


def test_more_cpus_per_trial_than_any_node_of_a_cluster_has_is_refused(tmp_path, capsys, two_node_cluster):
    command = ["--env", "Catch-v0", "--algo", "dqn", "--trials", "1", "--timesteps", "100"]
    command += [
        "--out",
        str(tmp_path / "out"),
        "--address",
        two_node_cluster.address,
        "--cpus-per-trial",
        "2",
    ]
    with pytest.raises(SystemExit) as exit_info:
        tune.main(command)
    assert exit_info.value.code == 2
    assert "--cpus-per-trial 2: the largest node of the cluster at " in capsys.readouterr().err
    assert not ray.is_initialized() and not (tmp_path / "out").exists()


def test_earlier_results_are_kept_unless_overwrite(tmp_path, capsys):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "best.yml").write_text("a user's settings")
    with pytest.raises(SystemExit):
        tune.main(
            [
                "--env",
                "Catch-v0",
                "--algo",
                "dqn",
                "--trials",
                "1",
                "--timesteps",
                "10",
                "--out",
                str(tmp_path / "out"),
            ]
        )
    assert "holds earlier results (best.yml); pass --overwrite" in capsys.readouterr().err
    assert (tmp_path / "out" / "best.yml").read_text() == "a user's settings"
    (tmp_path / "notes.txt").write_text("")
    tune.prepare_out(tmp_path / "out", overwrite=True)  # removes only what a search writes
    assert not (tmp_path / "out" / "best.yml").exists() and (tmp_path / "notes.txt").exists()


def test_the_docstring_example_runs_as_printed_with_the_entry_budget_and_a_default_folder(
    tmp_path, capsys, monkeypatch
):
    """``python -m agents.tune --env FruitFetch-v0 --algo sweep-dqn`` needs no other argument."""
    example = tune.__doc__.split("``")[1].split()[3:]
    assert example == ["--env", "FruitFetch-v0", "--algo", "sweep-dqn"]
    job = tune.make_job(tune.build_parser().parse_args(example))
    entry = yaml.safe_load((REPO / "agents" / "hyperparams" / "sweep-dqn.yml").read_text())["FruitFetch-v0"]
    assert job.timesteps == entry["n_timesteps"] and job.check_every == entry["n_timesteps"] // 10
    # The default folder is runs/tune/<env>/<algo>: earlier results there are kept, as in any --out.
    monkeypatch.chdir(tmp_path)
    default_out = tmp_path / "runs" / "tune" / "FruitFetch-v0" / "sweep-dqn"
    default_out.mkdir(parents=True)
    (default_out / "trials.md").write_text("an earlier search")
    with pytest.raises(SystemExit):
        tune.main(example)
    assert "runs/tune/FruitFetch-v0/sweep-dqn holds earlier results (trials.md)" in capsys.readouterr().err
    assert not ray.is_initialized()


def test_dimensions_sample_and_decode_what_the_space_says(tmp_path):
    path = tmp_path / "space.yml"
    path.write_text(yaml.safe_dump({
        "loss_limit": {"choice": [[0.1, 0.015], [0.02, 0.005]]}, "buffer_size": {"int": [10, 12]},
        "net_arch": {"choice": [[32], [64, 64]]},
    }))  # fmt: skip
    dimensions = {dimension.name: dimension for dimension in tune.load_space(path, "sweep-dqn")}
    assert dimensions["loss_limit"].decode(1) == [0.02, 0.005]  # choices are sampled by index
    assert dimensions["buffer_size"].ray_domain().upper == 13  # Ray's randint excludes its upper end
    overrides = tune.settings_of(
        list(dimensions.values()), {"loss_limit": 0, "buffer_size": 12.0, "net_arch": 1}, {}
    )
    assert overrides == {
        "loss_limit": [0.1, 0.015],
        "buffer_size": 12,
        "policy_kwargs": "dict(net_arch=[64, 64])",
    }
    assert zoo.evaluate_policy_kwargs(overrides["policy_kwargs"]) == {"net_arch": [64, 64]}


def test_net_arch_is_refused_where_the_entry_sets_more_than_net_arch():
    with pytest.raises(tune.UsageError, match="policy_kwargs sets only net_arch"):
        tune.policy_kwargs_with_net_arch("dict(features_extractor_class=agents.SmallAtariCNN)", [64])
    assert tune.policy_kwargs_with_net_arch("dict(net_arch=[8])", [16, 16]) == "dict(net_arch=[16, 16])"


def test_each_algorithm_has_a_search_space_that_checks():
    assert tune.default_space_file("double-dqn").name == "dqn.yml"  # DoubleDQN takes DQN's arguments
    for algo in algorithms.ALGORITHMS:
        entry = zoo.load_hyperparams(algo, "Catch-v0", algorithms.algorithm_class(algo))
        job = tune.SearchJob(
            env_id="Catch-v0", algo=algo, seed=0, timesteps=1000, check_every=500, check_episodes=5,
            target=load_targets()["Catch-v0"], entry=entry, cpus_per_trial=1,
            dimensions=tune.load_space(tune.default_space_file(algo), algo),
        )  # fmt: skip
        tune.check_space(job)
        assert isinstance(job.config({}), RunConfig)


def test_ctrl_c_stops_the_search_and_keeps_what_finished(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "RAY_ADDRESS"}
    command = [sys.executable, "-m", "agents.tune", "--env", "Catch-v0", "--algo", "dqn", "--trials", "50"]
    command += ["--timesteps", "2000", "--out", str(tmp_path / "out")]
    process = subprocess.Popen(
        command, cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not any(path.stat().st_size for path in (tmp_path / "out" / "ray").rglob("result.json")):
        assert process.poll() is None and time.monotonic() < deadline, "no trial reported"
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr[-3000:]
    assert "the search was stopped after" in stdout and "Traceback" not in stderr
    trials = json.loads((tmp_path / "out" / "trials.json").read_text())
    assert 1 <= len(trials) < 50
    assert list(yaml.safe_load((tmp_path / "out" / "best.yml").read_text())) == ["Catch-v0"]
