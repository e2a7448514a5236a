"""The learning side of gym-catchgames: Stable-Baselines3 agents for the games.

``SweepDQN`` (DQN trained by full backward replay sweeps, Hvass-Labs tutorial #16), ``DoubleDQN``
(SB3 DQN with the double-Q target), ``SmallGridCNN`` (a CNN for inputs below NatureCNN's 36x36),
``SmallAtariCNN`` (the 2013 DQN network, for Atari on a CPU), ``TutorialCNN`` (the convolutions of
the Breakout tutorial's network) and ``DiscreteEmbedding`` (a learned vector per state of a Discrete
observation space, e.g. Taxi-v4).
"""

from gym_catchgames.dependencies import require

for _module in ("torch", "stable_baselines3", "yaml"):
    require(_module, "The agents package")

from agents.double_dqn import DoubleDQN  # noqa: E402
from agents.networks import DiscreteEmbedding, SmallAtariCNN, SmallGridCNN, TutorialCNN  # noqa: E402
from agents.sweep_dqn import SweepDQN  # noqa: E402

__all__ = ["DiscreteEmbedding", "DoubleDQN", "SmallAtariCNN", "SmallGridCNN", "SweepDQN", "TutorialCNN"]
