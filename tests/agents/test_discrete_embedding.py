"""DiscreteEmbedding: a table lookup on SB3's one-hot Discrete observations, in DQN and SweepDQN."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import gymnasium
import numpy as np
import pytest
import torch as th
import yaml
from gymnasium import spaces
from stable_baselines3 import DQN
from stable_baselines3.common.preprocessing import preprocess_obs

from agents import DiscreteEmbedding, SweepDQN
from agents.model_files import load_model
from agents.runs import RunConfig

REPO = Path(__file__).resolve().parents[2]

TAXI_KWARGS = {
    "features_extractor_class": DiscreteEmbedding,
    "features_extractor_kwargs": {"features_dim": 8},
    "net_arch": [],
}


def test_features_are_the_embedding_rows_of_the_states_for_both_one_hot_shapes():
    space = spaces.Discrete(7)
    extractor = DiscreteEmbedding(space, features_dim=3)
    states = th.tensor([4, 0, 6, 4])
    acting = preprocess_obs(states, space)  # (batch, n), as from policy.predict
    replayed = preprocess_obs(states.unsqueeze(1), space)  # (batch, 1, n), as from a replay buffer
    assert (acting.shape, replayed.shape) == ((4, 7), (4, 1, 7))
    table = extractor.embedding.weight
    # Independent route: a bias-free linear layer on the one-hot vector is the same lookup.
    expected = acting @ table
    for observations in (acting, replayed):
        features = extractor(observations)
        assert features.shape == (4, 3) and extractor.features_dim == 3
        th.testing.assert_close(features, expected)
        th.testing.assert_close(features, table[[4, 0, 6, 4]])


def test_only_the_rows_of_seen_states_get_gradient():
    extractor = DiscreteEmbedding(spaces.Discrete(5), features_dim=2)
    extractor(preprocess_obs(th.tensor([1, 3, 3]), spaces.Discrete(5))).sum().backward()
    # d(sum)/d(row) is the number of times the state was in the batch, for each of its 2 entries.
    expected = th.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [2.0, 2.0], [0.0, 0.0]])
    th.testing.assert_close(extractor.embedding.weight.grad, expected)


def test_dqn_q_values_are_a_linear_map_of_the_state_embedding():
    model = DQN("MlpPolicy", "Taxi-v4", buffer_size=100, policy_kwargs=TAXI_KWARGS, seed=0)
    table = model.q_net.features_extractor.embedding.weight
    head = model.q_net.q_net[-1]  # net_arch=[]: one linear layer from the embedding to 6 Q-values
    with th.no_grad():
        q_values = model.q_net(th.tensor([[17], [403]]))  # replay-buffer shape (batch, 1)
        th.testing.assert_close(q_values, table[[17, 403]] @ head.weight.T + head.bias)
        th.testing.assert_close(model.q_net(th.tensor([17, 403])), q_values)  # acting shape (batch,)
    action, _ = model.predict(np.int64(403), deterministic=True)
    assert int(action) == int(q_values[1].argmax())


def test_sweep_dqn_learns_from_discrete_observations():
    model = SweepDQN(
        "MlpPolicy", "Taxi-v4", buffer_size=100, batch_size=20, replay_fraction=1.0, seed=0,
        policy_kwargs=TAXI_KWARGS,
    )  # fmt: skip
    before = model.q_net.features_extractor.embedding.weight.detach().clone()
    model.learn(250)  # 200 steps fill the memory twice: two sweeps and fits; the 200-step cut bootstraps
    assert model._n_sweeps == 2
    assert (
        model.replay_buffer.observations.shape == (100, 1)
        and model.replay_buffer.observations.dtype == np.int64
    )
    assert not th.equal(model.q_net.features_extractor.embedding.weight, before)


@pytest.mark.parametrize(
    ("space", "features_dim", "message"),
    [
        (
            spaces.Box(0.0, 1.0, (4,), np.float32),
            4,
            r"needs a Discrete observation space \(states 0..n-1\), got Box",
        ),
        (spaces.MultiDiscrete([3, 3]), 4, "needs a Discrete observation space"),
        (spaces.Discrete(5, start=1), 4, "starting at 0"),
        (spaces.Discrete(5), 0, "features_dim must be >= 1, got 0"),
    ],
)
def test_other_spaces_and_sizes_are_rejected_naming_what_is_allowed(space, features_dim, message):
    with pytest.raises(ValueError, match=message):
        DiscreteEmbedding(space, features_dim=features_dim)


def test_dqn_on_a_box_env_with_the_embedding_fails_at_construction():
    with pytest.raises(ValueError, match="got Box"):
        DQN("MlpPolicy", gymnasium.make("CartPole-v1"), policy_kwargs=TAXI_KWARGS)


def test_the_training_command_trains_and_scores_taxi_with_the_tuned_embedding(tmp_path):
    command = [
        sys.executable,
        "-m",
        "agents.train",
        "--env",
        "Taxi-v4",
        "--algo",
        "dqn",
        "--timesteps",
        "2000",
    ]
    command += ["--eval-freq", "1000000", "--eval-episodes", "3", "--gif-episodes", "0", "--no-progress-bar"]
    result = subprocess.run([*command, "--runs-dir", str(tmp_path)], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]
    run_dir = tmp_path / "Taxi-v4" / "dqn" / "run-001"
    model = load_model(run_dir, RunConfig.load(run_dir))
    extractor = model.q_net.features_extractor
    assert isinstance(extractor, DiscreteEmbedding) and extractor.embedding.weight.shape == (500, 32)
    assert int(model.predict(np.int64(123), deterministic=True)[0]) in range(6)
    results = yaml.safe_load((run_dir / "evaluation.yml").read_text())
    for player in ("agent", "random"):
        # At most 200 steps of -1 or -10 each, or a delivery's +20 after at least one step.
        assert results[player]["episodes"] == 3 and -2000 <= results[player]["mean_return"] <= 19
    assert (run_dir / "learning_curve.png").is_file()
