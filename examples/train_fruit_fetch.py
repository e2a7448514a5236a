"""Train until FruitFetch-v0 is solved, with SB3's own evaluation callbacks: SweepDQN, then DQN.

    python examples/train_fruit_fetch.py [--seed 0]

Each algorithm trains with its tuned settings (``agents/hyperparams/<algo>.yml``) and SB3's
``EvalCallback`` checks the greedy policy every 1,000 env steps on 100 fresh episodes. Training stops
once the mean return reaches the game's ``reward_threshold`` (0.98: every episode returns +1 or -1,
so that is a 99 % catch rate), and the script prints how many env steps that took.
"""

from __future__ import annotations

import argparse
import time

import gymnasium
import torch
from stable_baselines3.common.callbacks import EvalCallback, StopTrainingOnRewardThreshold
from stable_baselines3.common.env_util import make_vec_env

import gym_catchgames  # noqa: F401  (registers the games)
from agents.algorithms import tuned_model
from gym_catchgames.validation import int_at_least

ENV_ID = "FruitFetch-v0"
CHECK_EVERY = 1_000  # env steps between greedy checks
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--seed", type=int, default=0)
parser.add_argument("--timesteps", type=int_at_least(1), default=None, help="default: the tuned budget")
args = parser.parse_args()
torch.set_num_threads(1)  # these networks are tiny: one thread is fastest
threshold = gymnasium.spec(ENV_ID).reward_threshold

for algo in ("sweep-dqn", "dqn"):
    config, model = tuned_model(
        ENV_ID, algo, seed=args.seed, timesteps=args.timesteps
    )  # the tuned settings, an untrained model

    # eval_freq counts calls of the callback, one per vectorised step of all n_envs envs.
    solved = StopTrainingOnRewardThreshold(reward_threshold=threshold)
    evaluation = EvalCallback(
        make_vec_env(ENV_ID, n_envs=1, seed=10_000 + args.seed),
        n_eval_episodes=100,
        eval_freq=max(CHECK_EVERY // config.n_envs, 1),
        callback_on_new_best=solved,
        deterministic=True,
        verbose=0,
    )
    start = time.perf_counter()
    model.learn(total_timesteps=config.timesteps, callback=evaluation, progress_bar=True)
    seconds = time.perf_counter() - start  # includes the evaluations

    catch_rate = 100 * (evaluation.last_mean_reward + 1) / 2
    outcome = "solved" if evaluation.last_mean_reward >= threshold else "not solved"
    print(
        f"{algo:>9}: {outcome} after {model.num_timesteps:,} of {config.timesteps:,} env steps "
        f"({seconds:.1f} s with checks), last greedy catch rate {catch_rate:.1f} %"
    )
