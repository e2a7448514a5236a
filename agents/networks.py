"""Features extractors SB3 lacks: CNNs for small grids and for Atari on a CPU, the Breakout tutorial's
convolutions, and an embedding for Discrete states."""

from __future__ import annotations

import torch as th
from gymnasium import spaces
from stable_baselines3.common.preprocessing import is_image_space_channels_first
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn


class SmallGridCNN(BaseFeaturesExtractor):
    """CNN for grids and images smaller than 36x36 (NatureCNN's minimum), e.g. 10x10 Catch.

    Two 3x3 stride-1 convolutions (padding 1, so no cell is lost at the border) and a 3x3
    stride-2 one, then a linear layer to ``features_dim``. Accepts

    - 2-D grids (H, W), such as the games' default float32 observations: a channel axis is added;
    - 3-D images, channels-first or channels-last (guessed like SB3: the smallest axis is the
      channel axis), such as ``obs_type="rgb"`` (10, 10, 3) uint8 frames or (H, W, 2) motion
      traces. SB3 wraps channels-last uint8 image envs in ``VecTransposeImage`` itself.

    Use it through ``CnnPolicy``::

        model = DQN("CnnPolicy", env, policy_kwargs=dict(
            features_extractor_class=SmallGridCNN,
            features_extractor_kwargs=dict(features_dim=256),
        ))

    SB3 divides uint8 image observations (3-D Box, bounds 0..255) by 255 unless
    ``policy_kwargs["normalize_images"]=False``; other observations (the float grids in
    [0, 1]) are used as they are.

    :param observation_space: a 2-D or 3-D Box.
    :param features_dim: size of the output features.
    :param channels: output channels of the three convolutions.
    """

    def __init__(
        self,
        observation_space: spaces.Box,
        features_dim: int = 256,
        channels: tuple[int, int, int] = (32, 64, 64),
    ) -> None:
        if not isinstance(observation_space, spaces.Box) or len(observation_space.shape) not in (2, 3):
            raise ValueError(f"SmallGridCNN needs a 2-D (H, W) or 3-D image Box, got {observation_space}")
        if features_dim < 1:
            raise ValueError(f"features_dim must be >= 1, got {features_dim}")
        super().__init__(observation_space, features_dim)
        shape = observation_space.shape
        self.add_channel_axis = len(shape) == 2
        self.channels_last = not self.add_channel_axis and not is_image_space_channels_first(
            observation_space
        )
        in_channels = 1 if self.add_channel_axis else shape[-1] if self.channels_last else shape[0]
        self.cnn = nn.Sequential(
            nn.Conv2d(in_channels, channels[0], kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels[0], channels[1], kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.Conv2d(channels[1], channels[2], kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
        )
        with th.no_grad():
            n_flatten = self.cnn(self._to_nchw(th.zeros(1, *shape))).shape[1]
        self.linear = nn.Sequential(nn.Linear(n_flatten, features_dim), nn.ReLU())

    def _to_nchw(self, observations: th.Tensor) -> th.Tensor:
        if self.add_channel_axis:
            return observations.unsqueeze(1)
        if self.channels_last:
            return observations.permute(0, 3, 1, 2)
        return observations

    def forward(self, observations: th.Tensor) -> th.Tensor:
        return self.linear(self.cnn(self._to_nchw(observations)))


def check_image_space(network: str, observation_space: spaces.Space) -> None:
    """Raise ``ValueError`` unless ``observation_space`` is a 3-D (channels-first image) Box."""
    if not isinstance(observation_space, spaces.Box) or len(observation_space.shape) != 3:
        raise ValueError(f"{network} needs a 3-D channels-first image Box, got {observation_space}")


class SmallAtariCNN(BaseFeaturesExtractor):
    """The 2013 DQN network (Mnih et al., "Playing Atari with Deep RL"): a third of NatureCNN's compute.

    Two convolutions, 16 8x8 filters with stride 4 and 32 4x4 filters with stride 2, then a linear
    layer to ``features_dim`` (256 in the paper). On a CPU a training step on a batch of 32 motion-trace
    frames (2 x 105 x 80) costs 21 ms against NatureCNN's 71 ms, which is what makes a Breakout run of
    a few hundred thousand steps fit in an hour. Takes channels-first images, as SB3 hands them to
    ``CnnPolicy`` (it transposes channels-last uint8 envs with ``VecTransposeImage``)::

        model = DQN("CnnPolicy", make_breakout(), policy_kwargs=dict(
            features_extractor_class=SmallAtariCNN, net_arch=[]))

    :param observation_space: a channels-first image Box at least 20x20 (the two strides' minimum).
    :param features_dim: size of the output features.
    """

    def __init__(self, observation_space: spaces.Box, features_dim: int = 256) -> None:
        check_image_space("SmallAtariCNN", observation_space)
        if min(observation_space.shape[1:]) < 20:
            raise ValueError(
                f"SmallAtariCNN needs images at least 20x20 (channels first), got {observation_space.shape};"
                " for smaller grids use SmallGridCNN"
            )
        if features_dim < 1:
            raise ValueError(f"features_dim must be >= 1, got {features_dim}")
        super().__init__(observation_space, features_dim)
        self.cnn = nn.Sequential(
            nn.Conv2d(observation_space.shape[0], 16, kernel_size=8, stride=4),
            nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=4, stride=2),
            nn.ReLU(),
            nn.Flatten(),
        )
        with th.no_grad():
            n_flatten = self.cnn(th.zeros(1, *observation_space.shape)).shape[1]
        self.linear = nn.Sequential(nn.Linear(n_flatten, features_dim), nn.ReLU())

    def forward(self, observations: th.Tensor) -> th.Tensor:
        return self.linear(self.cnn(observations))


class TutorialCNN(BaseFeaturesExtractor):
    """The convolutions of the Breakout tutorial's network (Hvass-Labs TensorFlow tutorial #16).

    Three 3x3 convolutions, 16 filters with stride 2, 32 with stride 2 and 64 with stride 1, each padded
    by 1 (the sizes of TensorFlow's ``"same"`` padding), ReLU after each, flattened: on the motion-trace
    state (2 x 105 x 80) that is 64 x 27 x 20 = 34,560 features. The tutorial follows them with four
    dense layers of 1,024 units, ``net_arch=[1024, 1024, 1024, 1024]`` in SB3, for 38,566,804 weights
    in all, most of them in the first dense layer. Its author chose these small filters because
    DeepMind's 8x8 stride-4 first layer distorted the Q-values under his training scheme. On a CPU the
    whole network costs many times ``NatureCNN``'s and ``SmallAtariCNN``'s time per step
    (``benchmarks/network_cost.py`` times all three), which is why the tuned Breakout entries use one
    of those instead.

    :param observation_space: a channels-first image Box, as SB3 hands images to ``CnnPolicy``.
    """

    def __init__(self, observation_space: spaces.Box) -> None:
        check_image_space("TutorialCNN", observation_space)
        layers = nn.Sequential(
            nn.Conv2d(observation_space.shape[0], 16, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.Flatten(),
        )
        with th.no_grad():
            n_flatten = layers(th.zeros(1, *observation_space.shape)).shape[1]
        super().__init__(observation_space, n_flatten)
        self.cnn = layers

    def forward(self, observations: th.Tensor) -> th.Tensor:
        return self.cnn(observations)


class DiscreteEmbedding(BaseFeaturesExtractor):
    """A learned vector per state of a Discrete observation space (Keras' ``Embedding``), e.g. Taxi-v4.

    SB3 one-hot encodes Discrete observations before the features extractor, so this recovers each
    state's index with ``argmax`` and looks its row up in an ``nn.Embedding(n, features_dim)`` table.
    That equals an ``nn.Linear(n, features_dim, bias=False)`` on the one-hot vector (same outputs and
    gradients), but costs ``features_dim`` per state instead of ``n * features_dim``, and the table reads
    as one: ``extractor.embedding.weight[state]`` is the features of ``state``. Both the one-hot
    shapes SB3 produces are accepted: (batch, n) when acting and (batch, 1, n) from a replay buffer.

    Use it through ``MlpPolicy``; with ``net_arch=[]`` one linear layer maps a state's vector to its
    Q-values, a Q-table in all but name (``agents/hyperparams/dqn.yml`` has the tuned Taxi settings)::

        model = DQN("MlpPolicy", "Taxi-v4", learning_rate=0.01, gamma=0.95, policy_kwargs=dict(
            features_extractor_class=DiscreteEmbedding,
            features_extractor_kwargs=dict(features_dim=32),
            net_arch=[],
        ))

    :param observation_space: a ``Discrete(n)`` space starting at 0 (SB3's one-hot encoding assumes it).
    :param features_dim: size of each state's vector.
    """

    def __init__(self, observation_space: spaces.Discrete, features_dim: int = 16) -> None:
        if not isinstance(observation_space, spaces.Discrete):
            raise ValueError(
                "DiscreteEmbedding needs a Discrete observation space (states 0..n-1), got "
                f"{observation_space}; for Box observations use MlpPolicy's FlattenExtractor or SmallGridCNN"
            )
        if observation_space.start != 0:
            raise ValueError(
                f"DiscreteEmbedding needs a Discrete space starting at 0 (SB3 one-hot encodes the raw "
                f"value), got {observation_space}"
            )
        if features_dim < 1:
            raise ValueError(f"features_dim must be >= 1, got {features_dim}")
        super().__init__(observation_space, features_dim)
        self.n_states = int(observation_space.n)
        self.embedding = nn.Embedding(self.n_states, features_dim)

    def forward(self, observations: th.Tensor) -> th.Tensor:
        return self.embedding(observations.reshape(len(observations), self.n_states).argmax(dim=1))
