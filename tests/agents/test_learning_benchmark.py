"""benchmarks/learning.py's algorithm specs and the protocol entry files it is run with."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest
import yaml

from tests.helpers import REPO, load_benchmark

learning = load_benchmark("learning")
PROTOCOLS = REPO / "benchmarks" / "protocols"


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
    with pytest.raises(ValueError, match=message):
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
