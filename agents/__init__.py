"""Agents for gym-catchgames: SweepDQN, DoubleDQN and a CNN for small grids (Stable-Baselines3)."""

from agents.double_dqn import DoubleDQN
from agents.networks import SmallGridCNN
from agents.sweep_dqn import SweepDQN

__all__ = ["DoubleDQN", "SmallGridCNN", "SweepDQN"]
