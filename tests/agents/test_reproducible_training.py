"""A fixed seed fixes the trained weights on one machine, whatever the scoring around the run.

Learning results are reported per seed, so a seed must name one run: the greedy checks that score a
run while it trains (their own RNG, their own envs) must not change what it learns, and another seed
must (else the first assertion could hold for a model that ignores its seed). Across machines the
floating-point kernels may differ, so these are checked within one process.
"""

from __future__ import annotations

import pytest
import torch

import gym_catchgames  # noqa: F401  (registers the games)
from agents.algorithms import tuned_model
from agents.scoring import GreedyChecks

#: Env steps per run: enough for a few hundred gradient steps of DQN and a few fits of SweepDQN.
STEPS = {"dqn": 1_500, "sweep-dqn": 3_000}


def trained_weights(algo: str, seed: int, check_every: int | None) -> dict[str, torch.Tensor]:
    """The policy's weights after ``STEPS`` env steps of the tuned entry, scored every ``check_every``."""
    torch.set_num_threads(1)
    steps = STEPS[algo]
    config, model = tuned_model("FruitFetch-v0", algo, seed, timesteps=steps)
    initial = {name: value.clone() for name, value in model.policy.state_dict().items()}
    checks = None if check_every is None else GreedyChecks(config, check_every, episodes=5, epsilon=0.01)
    model.learn(steps, callback=checks)
    assert largest_difference(initial, model.policy.state_dict()) > 0.0  # it trained
    if checks is not None:
        assert [steps for steps, _ in checks.checks] == list(range(check_every, steps + 1, check_every))
    return {name: value.clone() for name, value in model.policy.state_dict().items()}


def largest_difference(first: dict[str, torch.Tensor], second: dict[str, torch.Tensor]) -> float:
    assert first.keys() == second.keys()
    return max((first[name].float() - second[name].float()).abs().max().item() for name in first)


@pytest.mark.parametrize("algo", ["dqn", "sweep-dqn"])
def test_the_seed_alone_fixes_the_trained_weights(algo: str) -> None:
    unscored = trained_weights(algo, seed=0, check_every=None)
    assert largest_difference(unscored, trained_weights(algo, seed=0, check_every=500)) == 0.0
    assert largest_difference(unscored, trained_weights(algo, seed=1, check_every=None)) > 0.0
