"""benchmarks/learning.py's algorithm specs and the protocol entry files it is run with."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from agents.algorithms import tuned_config
from agents.commands import SaveError, UsageError, lock_path, output_lock
from agents.model_files import load_run_model
from tests.helpers import REPO, load_benchmark

learning = load_benchmark("learning")
harness = load_benchmark("harness")
PROTOCOLS = REPO / "benchmarks" / "protocols"
#: A grid of tiny runs: DQN on Catch-v0, 300 steps, few episodes.
TINY = ["--envs", "Catch-v0", "--algos", "dqn", "--timesteps", "300", "--check-every", "300"]
TINY += ["--check-episodes", "5", "--episodes", "5"]


@pytest.fixture(autouse=True)
def cores_kept():
    """``learning.main`` pins this process to one core, as a grid runs: give the tests back their cores."""
    cores = os.sched_getaffinity(0)
    yield
    os.sched_setaffinity(0, cores)


def test_a_spec_names_the_algorithm_an_entry_file_and_overrides():
    assert learning.parse_algo_spec("dqn") == ("dqn", None, {})
    entry = PROTOCOLS / "dqn-breakout-tutorial-protocol.yml"
    assert learning.parse_algo_spec(f"dqn@{entry}") == ("dqn", entry, {})
    assert learning.parse_algo_spec("sweep-dqn+keep_fraction=0.75+loss_limit=[2e-2, 5e-3]") == (
        "sweep-dqn", None, {"keep_fraction": 0.75, "loss_limit": [0.02, 0.005]},
    )  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sac", r"'sac': the name must be one of sweep-dqn, dqn, double-dqn, ppo, a2c"),
        ("dqn@no/such.yml", r"'dqn@no/such.yml': no file no/such.yml"),
        ("dqn+keep_fraction=0.5", r"unknown hyperparameter\(s\) keep_fraction for DQN; valid keys: "),
        ("sweep-dqn+keep_fraction", r"must look like key=value, got 'keep_fraction'"),
    ],
)
def test_a_bad_spec_says_what_is_allowed(spec, message):
    with pytest.raises(UsageError, match=message):
        learning.parse_algo_spec(spec)


@pytest.mark.parametrize(
    ("protocol_file", "base_file", "env_kwargs"),
    [
        (
            "dqn-breakout-tutorial-protocol.yml", REPO / "agents" / "hyperparams" / "dqn.yml",
            {"frameskip": [2, 5], "repeat_action_probability": 0.0},
        ),
        ("sweep-dqn-breakout-v5-protocol.yml", PROTOCOLS / "sweep-dqn-breakout-small-cnn.yml", None),
    ],
)  # fmt: skip
def test_a_protocol_file_is_its_base_entry_on_another_protocol(protocol_file, base_file, env_kwargs):
    protocol = yaml.safe_load((PROTOCOLS / protocol_file).read_text())["ALE/Breakout-v5"]
    base = yaml.safe_load(base_file.read_text())["ALE/Breakout-v5"]
    assert protocol.pop("env_kwargs", None) == env_kwargs
    base.pop("env_kwargs", None)
    assert protocol == base


def test_the_small_cnn_file_is_the_tuned_sweep_dqn_entry_with_small_atari_cnn():
    small = yaml.safe_load((PROTOCOLS / "sweep-dqn-breakout-small-cnn.yml").read_text())["ALE/Breakout-v5"]
    tuned = yaml.safe_load((REPO / "agents" / "hyperparams" / "sweep-dqn.yml").read_text())["ALE/Breakout-v5"]
    assert "policy_kwargs" not in tuned  # SB3's default network for CnnPolicy: NatureCNN
    assert "SmallAtariCNN" in small.pop("policy_kwargs")
    assert small == tuned


def test_sigterm_scores_the_run_in_progress_and_writes_the_rows_so_far(tmp_path):
    out = tmp_path / "stopped"
    command = [
        sys.executable, str(REPO / "benchmarks" / "learning.py"), "--envs", "Catch-v0",
        "--algos", "sweep-dqn",
        "--seeds", "0", "1", "--timesteps", "10000000", "--check-every", "500", "--check-episodes", "5",
        "--episodes", "5", "--out", str(out),
    ]  # fmt: skip
    run = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in run.stdout:  # the first check proves training is under way
        if "greedy score" in line:
            break
    run.send_signal(signal.SIGTERM)
    output = run.stdout.read()
    assert run.wait(timeout=120) == 128 + signal.SIGTERM, output
    (row,) = json.loads(out.with_suffix(".json").read_text())  # seed 1 never started
    assert (row["seed"], row["stopped_by"]) == (0, "SIGTERM")
    assert 500 <= row["steps"] < 10_000_000 and row["checks"] and 0.0 <= row["final_score"] <= 100.0
    assert "Catch-v0 | sweep-dqn" in out.with_suffix(".md").read_text()


def prepare(tmp_path: Path, case: str) -> list[str]:
    """Lay out what a bad-input case needs in ``tmp_path``; return its arguments."""
    entry_file = tmp_path / "entry.yml"
    if case == "empty entry file":
        entry_file.write_text("")
    elif case == "YAML tag in the entry file":
        entry_file.write_text("Catch-v0: !!python/object/apply:os.system [echo hello]\n")
    elif case == "no entry for the env":
        entry_file.write_text(yaml.safe_dump({"Snake-v0": {"n_timesteps": 100}}))
    elif case == "out under a file":
        (tmp_path / "notes.txt").write_text("a user's notes")
    elif case == "earlier json":
        (tmp_path / "grid.json").write_text("an earlier grid's rows")
    elif case == "earlier models":
        (tmp_path / "grid-models").mkdir()
    return {
        "a bad override on the second spec": ["--algos", "dqn", "dqn+gamma=5"],
        "empty entry file": ["--algos", "dqn", f"dqn@{entry_file}"],
        "YAML tag in the entry file": ["--algos", f"dqn@{entry_file}"],
        "no entry for the env": ["--algos", f"dqn@{entry_file}"],
        "a network that cannot be built": ["--algos", "dqn", "dqn+policy_kwargs=dict(net_arch=[-1])"],
        "a core out of range": ["--cpu", "99"],
        "a seed out of range": ["--seeds", "1099511627776"],
        "a repeated seed": ["--seeds", "0", "1", "0"],
        "out under a file": ["--out", str(tmp_path / "notes.txt" / "grid")],
        "earlier json": [],
        "earlier models": [],
    }[case]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "a bad override on the second spec",
            "--algos 'dqn+gamma=5' on Catch-v0: gamma=5: it must be a number in",
        ),
        ("empty entry file", "entry.yml is not a hyperparameter file: a mapping of ids to settings"),
        ("YAML tag in the entry file", "could not determine a constructor for the tag"),
        ("no entry for the env", "entry.yml has no entry for 'Catch-v0'; tuned ids: Snake-v0"),
        ("a network that cannot be built", "DQN cannot be built on Catch-v0 with policy_kwargs="),
        ("a core out of range", "--cpu 99: this process may run on cores "),
        (
            "a seed out of range",
            "argument --seeds: must be an integer in [0, 4294967295], got '1099511627776'",
        ),
        ("a repeated seed", "--seeds repeats 0: give each once"),
        ("out under a file", "notes.txt is a file, not a folder"),
        ("earlier json", "grid.json exists; pass --overwrite to replace it or choose another --out"),
        ("earlier models", "grid-models exists; pass --overwrite to replace it or choose another --out"),
    ],
)
def test_every_argument_is_checked_before_the_first_pair_trains(tmp_path, monkeypatch, capsys, case, message):
    monkeypatch.setattr(learning, "run_pair", lambda *args: pytest.fail("a pair trained"))
    args = [*TINY, "--save-models", "--out", str(tmp_path / "grid"), *prepare(tmp_path, case)]
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as exit_status:
        learning.main(args)
    assert exit_status.value.code == 2
    error = capsys.readouterr().err
    assert message in error.splitlines()[-1] and "Traceback" not in error
    assert sorted(tmp_path.rglob("*")) == before  # no result, models folder or lock file written


def test_an_out_in_use_by_another_run_is_refused(tmp_path, capsys):
    out = tmp_path / "grid"
    with output_lock("--out", out), pytest.raises(SystemExit) as exit_status:
        learning.main([*TINY, "--out", str(out)])
    assert exit_status.value.code == 2
    assert f"--out {out} is in use by another run (it holds {lock_path(out)})" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_each_row_is_on_disk_as_it_finishes_and_a_failure_keeps_them(tmp_path, monkeypatch, capsys):
    def run_pair(env_id, algo_spec, seed, options):
        if seed == 2:
            raise SaveError("cannot write the third model: No space left on device")
        written = out.with_suffix(".json")  # the rows before this one
        assert len(json.loads(written.read_text())) == seed if seed else not written.exists()
        return {
            "env": env_id, "algo": algo_spec, "seed": seed, "budget": 300, "final_score": 50.0 + seed,
            "random_score": 40.0, "target": 99.0, "steps_to_target": None, "seconds_to_target": None,
            "stopped_by": None,
        }  # fmt: skip

    out = tmp_path / "grid"
    monkeypatch.setattr(learning, "run_pair", run_pair)
    assert learning.main([*TINY, "--seeds", "0", "1", "2", "--out", str(out)]) == 1
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith(": error: cannot write the third model: No space left on device")
    )
    assert [row["seed"] for row in json.loads(out.with_suffix(".json").read_text())] == [0, 1]
    assert "| Catch-v0 | dqn | catch rate % | 50.50 ± 0.50 |" in out.with_suffix(".md").read_text()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["grid.json", "grid.md"]  # no lock left


def test_saved_models_load_and_overwrite_replaces_the_rows(tmp_path):
    out = tmp_path / "grid"
    out.with_suffix(".json").write_text("an earlier grid's rows")
    assert learning.main([*TINY, "--seeds", "0", "1", "--save-models", "--overwrite", "--out", str(out)]) == 0
    assert [row["seed"] for row in json.loads(out.with_suffix(".json").read_text())] == [0, 1]
    config = tuned_config("Catch-v0", "dqn", timesteps=300)
    models = learning.models_dir(out)
    assert sorted(path.name for path in models.iterdir()) == [
        "Catch-v0-dqn-seed0.zip",
        "Catch-v0-dqn-seed1.zip",
    ]
    assert [load_run_model(path, config).num_timesteps for path in sorted(models.iterdir())] == [300, 300]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["grid-models", "grid.json", "grid.md"]


def test_a_grid_runs_on_one_core_and_each_row_records_what_its_rerun_needs(tmp_path):
    first_core = min(os.sched_getaffinity(0))
    out = tmp_path / "grid"
    assert learning.main([*TINY, "--seeds", "0", "--out", str(out)]) == 0
    assert os.sched_getaffinity(0) == {first_core}  # pinned by default, before the first pair was built
    (row,) = json.loads(out.with_suffix(".json").read_text())
    assert row["commit"] == harness.code_version()["commit"] and isinstance(row["dirty"], bool)
    assert (row["torch_threads"], row["cpu_affinity"]) == (1, [first_core])


def test_rows_without_the_rerun_fields_still_make_a_table():
    row = {
        "env": "Catch-v0", "algo": "dqn", "seed": 0, "budget": 300, "final_score": 50.0, "random_score": 40.0,
        "target": 99.0, "steps_to_target": None, "seconds_to_target": None,
    }  # fmt: skip
    assert "| Catch-v0 | dqn | catch rate % | 50.00 ± 0.00 |" in learning.summarise([row])
