"""Features extractors for observations too small for SB3's NatureCNN."""

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
