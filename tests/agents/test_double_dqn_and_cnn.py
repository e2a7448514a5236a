"""DoubleDQN's target against a hand-worked case; SmallGridCNN below NatureCNN's minimum; SmallAtariCNN;
TutorialCNN."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from stable_baselines3 import DQN
from stable_baselines3.common.logger import configure
from stable_baselines3.dqn.policies import DQNPolicy

import gym_catchgames  # noqa: F401  (registers the games)
from agents import DoubleDQN, SmallAtariCNN, SmallGridCNN, TutorialCNN


def constant_outputs(q_network, values) -> None:
    """Make a QNetwork output ``values`` for every observation (zero last-layer weights, bias = values)."""
    last = q_network.q_net[-1]
    with th.no_grad():
        last.weight.zero_()
        last.bias.copy_(th.tensor(values))


@pytest.mark.parametrize(("algo", "expected_loss"), [(DoubleDQN, 0.125), (DQN, 3.5)])
def test_double_q_target_uses_the_online_argmax_valued_by_the_target_network(algo, expected_loss):
    model = algo("MlpPolicy", "CartPole-v1", learning_starts=0, batch_size=1, gamma=0.9, seed=0)
    model.set_logger(configure(None, []))
    constant_outputs(model.q_net, [1.0, 2.0])  # online network: argmax is action 1
    constant_outputs(model.q_net_target, [5.0, 0.0])  # target network: max is 5 (action 0)
    obs = np.zeros((1, 4), dtype=np.float32)
    model.replay_buffer.add(obs, obs, np.array([[0]]), np.array([0.5]), np.array([False]), [{}])
    model.train(gradient_steps=1, batch_size=1)
    # Current Q(s, a=0) = 1. Double DQN target: 0.5 + 0.9 * Q_target(s', argmax online = 1) = 0.5,
    # Huber(1 - 0.5) = 0.5 * 0.5**2 = 0.125. SB3's DQN: 0.5 + 0.9 * 5 = 5.0, Huber(4) = 4 - 0.5 = 3.5.
    assert model.logger.name_to_value["train/loss"] == pytest.approx(expected_loss)


SPACES = {
    "grid 10x10 float": spaces.Box(0.0, 1.0, (10, 10), np.float32),
    "rgb 10x10x3 channels-last": spaces.Box(0, 255, (10, 10, 3), np.uint8),
    "rgb 3x10x10 channels-first": spaces.Box(0, 255, (3, 10, 10), np.uint8),
    "trace 15x15x2": spaces.Box(0, 255, (15, 15, 2), np.uint8),
    "grid 16x16 float": spaces.Box(0.0, 1.0, (16, 16), np.float32),
}


@pytest.mark.parametrize("name", SPACES)
def test_small_grid_cnn_gives_features_for_small_inputs(name):
    space = SPACES[name]
    extractor = SmallGridCNN(space, features_dim=48)
    features = extractor(th.as_tensor(np.stack([space.sample() for _ in range(5)])).float())
    assert features.shape == (5, 48) and extractor.features_dim == 48


def test_small_grid_cnn_reads_channels_last_as_the_same_image_channels_first():
    last = SmallGridCNN(SPACES["rgb 10x10x3 channels-last"], features_dim=16)
    first = SmallGridCNN(SPACES["rgb 3x10x10 channels-first"], features_dim=16)
    first.load_state_dict(last.state_dict())
    images = th.rand(4, 10, 10, 3)
    th.testing.assert_close(last(images), first(images.permute(0, 3, 1, 2)))
    assert (last.channels_last, first.channels_last) == (True, False)


def test_small_grid_cnn_rejects_other_spaces():
    with pytest.raises(ValueError, match=r"2-D \(H, W\) or 3-D image Box"):
        SmallGridCNN(spaces.Box(0.0, 1.0, (10,), np.float32))
    with pytest.raises(ValueError, match="features_dim must be >= 1"):
        SmallGridCNN(SPACES["grid 10x10 float"], features_dim=0)


@pytest.mark.parametrize(
    ("env_id", "obs_type"), [("Catch-v0", "rgb"), ("Catch-v0", "grid"), ("FruitFetch-v0", "grid")]
)
def test_cnn_policy_works_on_small_games_only_with_small_grid_cnn(env_id, obs_type):
    env = gymnasium.make(env_id, obs_type=obs_type)
    if obs_type == "rgb":  # SB3's NatureCNN needs 36x36 and fails inside the constructor
        with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
            DQN("CnnPolicy", env)
    model = DQN(
        "CnnPolicy",
        env,
        buffer_size=100,
        learning_starts=10,
        policy_kwargs={
            "features_extractor_class": SmallGridCNN,
            "features_extractor_kwargs": {"features_dim": 32},
        },
        seed=0,
    )
    model.learn(40)
    obs, _ = env.reset(seed=0)
    action, _ = model.predict(obs, deterministic=True)
    assert env.action_space.contains(int(action))


def test_small_atari_cnn_has_the_2013_dqn_shapes_on_the_motion_trace():
    extractor = SmallAtariCNN(spaces.Box(0, 255, (2, 105, 80), np.uint8))
    # 8x8 stride 4: (105 - 8) // 4 + 1 = 25 rows, (80 - 8) // 4 + 1 = 19 columns of 16 channels;
    # 4x4 stride 2: (25 - 4) // 2 + 1 = 11, (19 - 4) // 2 + 1 = 8, of 32 channels: 11 * 8 * 32 = 2816.
    assert extractor.linear[0].in_features == 2816
    assert extractor(th.rand(3, 2, 105, 80)).shape == (3, 256)
    weights = sum(p.numel() for p in extractor.parameters())
    assert weights == (2 * 64 * 16 + 16) + (16 * 16 * 32 + 32) + (2816 * 256 + 256)


def test_small_atari_cnn_rejects_grids_and_small_images():
    with pytest.raises(ValueError, match="3-D channels-first image Box"):
        SmallAtariCNN(SPACES["grid 16x16 float"])
    with pytest.raises(ValueError, match=r"at least 20x20.*SmallGridCNN"):
        SmallAtariCNN(spaces.Box(0, 255, (2, 19, 80), np.uint8))
    with pytest.raises(ValueError, match="features_dim must be >= 1"):
        SmallAtariCNN(spaces.Box(0, 255, (2, 30, 30), np.uint8), features_dim=0)


def test_cnn_policy_with_small_atari_cnn_learns_on_channels_last_frames():
    env = gymnasium.make("Cave-v0", obs_type="rgb")  # (48, 48, 3) uint8: SB3 moves the channels first
    model = DQN(
        "CnnPolicy",
        env,
        buffer_size=100,
        learning_starts=10,
        policy_kwargs={"features_extractor_class": SmallAtariCNN, "net_arch": []},
        seed=0,
    )
    before = [p.detach().clone() for p in model.q_net.parameters()]
    model.learn(40)
    assert model.q_net.features_extractor.cnn[0].in_channels == 3
    assert any(not th.equal(old, new) for old, new in zip(before, model.q_net.parameters(), strict=True))


def test_tutorial_cnn_has_the_tutorials_shapes_and_38_6m_weights_with_its_dense_layers():
    extractor = TutorialCNN(spaces.Box(0, 255, (2, 105, 80), np.uint8))
    # 3x3 stride 2, padding 1: 105 -> (105 + 2 - 3) // 2 + 1 = 53, 80 -> 40; again: 27 x 20; stride 1
    # keeps 27 x 20, of 64 channels: 34,560 features, as the tutorial's "same" padding gives.
    assert extractor.features_dim == 27 * 20 * 64 == 34_560
    assert extractor(th.rand(2, 2, 105, 80)).shape == (2, 34_560)
    policy = DQNPolicy(
        spaces.Box(0, 255, (2, 105, 80), np.uint8),
        spaces.Discrete(4),  # Breakout's actions
        lambda _: 1e-4,
        features_extractor_class=TutorialCNN,
        net_arch=[1024] * 4,
    )
    convs = (2 * 9 * 16 + 16) + (16 * 9 * 32 + 32) + (32 * 9 * 64 + 64)
    dense = (34_560 * 1024 + 1024) + 3 * (1024 * 1024 + 1024) + (1024 * 4 + 4)
    assert sum(p.numel() for p in policy.q_net.parameters()) == convs + dense == 38_566_804


def test_tutorial_cnn_rejects_grids():
    with pytest.raises(ValueError, match="TutorialCNN needs a 3-D channels-first image Box"):
        TutorialCNN(SPACES["grid 16x16 float"])
