"""Learning with fixed seeds: SweepDQN and DoubleDQN must master Catch-v0 within a fixed step budget.

Score: mean greedy return over 200 evaluation episodes (+1 catch, -1 miss), at least 0.95.
"""

from __future__ import annotations

import numpy as np
from stable_baselines3.common.callbacks import CheckpointCallback, EvalCallback
from stable_baselines3.common.env_util import make_vec_env

import gym_catchgames  # noqa: F401  (registers Catch-v0)
from agents import DoubleDQN, SweepDQN
from agents.algorithms import tuned_model
from tests.helpers import greedy, mean_return

EVAL_EPISODES = 200
PASS_SCORE = 0.95


def test_sweep_dqn_learns_catch_with_eval_and_checkpoint_callbacks(tmp_path):
    # Every SweepDQN default except a memory sized for a 24k-step run (the default 200k is Atari's).
    env = make_vec_env("Catch-v0", n_envs=4, seed=0)
    model = SweepDQN("MlpPolicy", env, buffer_size=1_000, seed=0)
    evaluation = EvalCallback(
        make_vec_env("Catch-v0", n_envs=1, seed=99),
        n_eval_episodes=20,
        eval_freq=2_000,  # VecEnv steps, i.e. every 8,000 transitions
        log_path=str(tmp_path / "eval"),
        best_model_save_path=str(tmp_path / "best"),
    )
    checkpoints = CheckpointCallback(
        save_freq=3_000, save_path=str(tmp_path / "checkpoints"), name_prefix="sweep"
    )
    model.learn(24_000, callback=[evaluation, checkpoints])

    assert mean_return(greedy(model), "Catch-v0", EVAL_EPISODES) >= PASS_SCORE

    log = np.load(tmp_path / "eval" / "evaluations.npz")
    assert log["timesteps"].tolist() == [8_000, 16_000, 24_000]
    assert log["results"].shape == (3, 20) and set(np.unique(log["results"])) <= {-1.0, 1.0}
    assert SweepDQN.load(tmp_path / "best" / "best_model").num_timesteps in log["timesteps"]
    saved = sorted(path.name for path in (tmp_path / "checkpoints").iterdir())
    assert saved == ["sweep_12000_steps.zip", "sweep_24000_steps.zip"]
    restored = SweepDQN.load(tmp_path / "checkpoints" / "sweep_24000_steps")
    observations = np.random.default_rng(0).random((32, 10, 10), dtype=np.float32)
    np.testing.assert_array_equal(
        restored.predict(observations, deterministic=True)[0],
        model.predict(observations, deterministic=True)[0],
    )


def test_double_dqn_learns_catch_with_its_tuned_settings():
    config, model = tuned_model("Catch-v0", "double-dqn", seed=0)
    assert isinstance(model, DoubleDQN) and model.n_envs == config.n_envs
    model.learn(config.timesteps)
    assert mean_return(greedy(model), "Catch-v0", EVAL_EPISODES) >= PASS_SCORE
