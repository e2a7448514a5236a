"""The learning side of gym-catchgames: Stable-Baselines3 agents for the games."""
