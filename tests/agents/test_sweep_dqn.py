"""SweepDQN through the SB3 API: bad input, memory flags, schedules, logging, saving, every game."""

from __future__ import annotations

import itertools
import zipfile

import gymnasium
import numpy as np
import pytest
import torch as th
from gymnasium import spaces
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure

import gym_catchgames
from agents import SmallGridCNN, SweepDQN


class LivesEnv(gymnasium.Env):
    """Scripted env: obs is the step index; a life is lost at ``life_steps``; ends after ``length`` steps.

    Reward 1 on the last step. Step 1 of every episode loses a life, so a detector that forgets
    the lives reported by ``reset`` misses it.
    """

    observation_space = spaces.Box(0.0, 100.0, (1,), np.float32)
    action_space = spaces.Discrete(2)

    def __init__(self, length: int = 6, life_steps: tuple[int, ...] = (1, 4)) -> None:
        self.length = length
        self.life_steps = life_steps

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t, self.lives = 0, 3
        return np.array([0.0], np.float32), {"lives": self.lives}

    def step(self, action):
        self.t += 1
        self.lives -= self.t in self.life_steps
        terminated = self.t == self.length
        return np.array([self.t], np.float32), float(terminated), terminated, False, {"lives": self.lives}


def collect_only(env, steps: int, **kwargs) -> SweepDQN:
    """A SweepDQN that only fills its memory for ``steps`` steps (it never becomes due)."""
    model = SweepDQN("MlpPolicy", env, buffer_size=10_000, replay_fraction=1.0, seed=0, **kwargs)
    model.learn(steps)
    assert model._n_sweeps == 0
    return model


def test_memory_records_terminated_and_life_lost_per_step():
    model = collect_only(LivesEnv(), 12)
    memory = model.replay_buffer
    assert memory.n_rows == 12
    assert memory.observations[:12, 0, 0].tolist() == [0, 1, 2, 3, 4, 5] * 2  # the obs acted on
    assert np.flatnonzero(memory.terminated[:12, 0]).tolist() == [5, 11]
    # Steps 1 and 4 lose a life: rows 0 and 3 of each episode, the first one right after a reset.
    assert np.flatnonzero(memory.life_lost[:12, 0]).tolist() == [0, 3, 6, 9]
    assert not memory.truncated[:12].any()
    assert memory.rewards[:12, 0].tolist() == [0, 0, 0, 0, 0, 1] * 2


def test_memory_reads_an_explicit_life_lost_flag():
    class FlagEnv(LivesEnv):
        """Reports ``info["life_lost"]`` (as LifeLossInfo does) and no lives."""

        def step(self, action):
            lives = self.lives
            obs, reward, terminated, truncated, info = super().step(action)
            return obs, reward, terminated, truncated, {"life_lost": info["lives"] < lives}

    memory = collect_only(FlagEnv(), 12).replay_buffer
    assert np.flatnonzero(memory.life_lost[:12, 0]).tolist() == [0, 3, 6, 9]


def test_truncated_steps_store_the_final_observation_value():
    env = gymnasium.wrappers.TimeLimit(LivesEnv(length=50, life_steps=()), max_episode_steps=4)
    model = collect_only(env, 8)
    memory = model.replay_buffer
    assert np.flatnonzero(memory.truncated[:8, 0]).tolist() == [3, 7]
    assert not memory.terminated[:8].any()
    with th.no_grad():
        final_value = model.q_net(th.tensor([[4.0]])).max().item()  # final obs of each episode: t = 4
    np.testing.assert_allclose(memory.truncation_values[[3, 7], 0], final_value, rtol=1e-6)
    assert (memory.truncation_values[[0, 1, 2, 4, 5, 6], 0] == 0).all()


def test_q_values_at_sweep_time_equal_acting_time_values():
    """The network is frozen during a fill, so the batched sweep-time pass equals acting-time Q."""

    class RecordActingQ(BaseCallback):
        def __init__(self):
            super().__init__()
            self.rows = []

        def _on_step(self) -> bool:  # runs before the step is stored, on the obs acted on
            with th.no_grad():
                self.rows.append(self.model.q_net(th.as_tensor(self.model._last_obs)).numpy())
            return True

    env = make_vec_env("Catch-v0", n_envs=2, seed=0)
    model = SweepDQN("MlpPolicy", env, buffer_size=200, replay_fraction=0.5, seed=0)
    swept_q = []
    sweep = model.replay_buffer.sweep
    model.replay_buffer.sweep = lambda q_values, gamma: swept_q.append(q_values) or sweep(q_values, gamma)
    recorder = RecordActingQ()
    model.learn(300, callback=recorder)  # 150 steps of 2 envs
    assert len(swept_q) == 3  # fills of 50 rows x 2 columns
    acting = np.stack(recorder.rows)
    for fill, q_values in enumerate(swept_q):
        np.testing.assert_allclose(q_values, acting[50 * fill : 50 * (fill + 1)], rtol=1e-5, atol=1e-6)
    # The fits between fills changed the network, so matching every fill is not a coincidence.
    assert not np.allclose(swept_q[0][0], swept_q[1][0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replay_fraction": 0.0}, r"replay_fraction \(value\) must be finite and > 0.0 and <= 1.0"),
        ({"replay_fraction": (0.1, 1.5)}, r"replay_fraction \(end\) must be finite and > 0.0 and <= 1.0"),
        ({"replay_fraction": -0.2}, "replay_fraction"),
        ({"loss_limit": 0.0}, r"loss_limit \(value\) must be finite and > 0.0"),
        ({"loss_limit": (0.1, -0.01)}, r"loss_limit \(end\)"),
        ({"min_epochs": 3.0, "max_epochs": (5.0, 2.0)}, r"max_epochs \(end\) must be finite and >= 3.0"),
        ({"min_epochs": 6.0}, r"max_epochs \(start\) must be finite and >= 6.0"),
        ({"min_epochs": 0.0}, "min_epochs must be finite and > 0.0"),
        (
            {"batch_size": 300, "buffer_size": 200},
            r"batch_size \(at most buffer_size\) must be in \[1, 200\]",
        ),
        ({"gamma": 1.01}, r"gamma must be finite and >= 0.0 and <= 1.0"),
        ({"gamma": -0.1}, "gamma"),
        ({"learning_rate": 0.0}, "learning_rate"),
        (
            {"learning_rate": lambda progress: progress - 0.5},
            r"learning_rate \(end\) must be finite and > 0.0",
        ),
        ({"error_threshold": -1.0}, "error_threshold must be finite and >= 0.0"),
        ({"exploration_final_eps": 1.5}, "exploration_final_eps"),
        ({"loss": "mse"}, "loss must be one of 'squared_all_actions', 'huber_taken_action'"),
        ({"reward_clip": (1.0, -1.0)}, "reward_clip high"),
        ({"reward_clip": (1.0,)}, r"reward_clip must be None or a \(low, high\) pair, got \(1.0,\)"),
        ({"reward_clip": 5}, r"reward_clip must be None or a \(low, high\) pair, got 5"),
        ({"reward_clip": (-1.0, 1.0, 2.0)}, r"reward_clip must be None or a \(low, high\) pair"),
        ({"schedule_horizon": 0}, "schedule_horizon must be >= 1"),
        ({"loss_window": 0}, "loss_window must be >= 1"),
        ({"keep_fraction": 1.0}, r"keep_fraction must be finite and >= 0.0 and < 1.0, got 1.0"),
        ({"keep_fraction": -0.5}, r"keep_fraction must be finite and >= 0.0 and < 1.0, got -0.5"),
        ({"fits_per_fill": 0}, "fits_per_fill must be >= 1"),
        ({"max_epochs": (5.0, 10.0, 20.0)}, r"max_epochs as a tuple must be \(start, end\)"),
    ],
)
def test_impossible_hyperparameters_raise_at_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SweepDQN("MlpPolicy", "CartPole-v1", **kwargs)


def test_non_discrete_actions_and_dict_observations_are_rejected():
    with pytest.raises(ValueError, match="SweepDQN needs a Discrete action space, got Box"):
        SweepDQN("MlpPolicy", "Pendulum-v1")

    class DictEnv(LivesEnv):
        observation_space = spaces.Dict({"x": LivesEnv.observation_space})

    with pytest.raises(ValueError, match="Box or Discrete observation space"):
        SweepDQN("MultiInputPolicy", DictEnv())


def test_non_finite_loss_stops_training_naming_the_update():
    class NanRewardEnv(LivesEnv):
        def step(self, action):
            obs, _, terminated, truncated, info = super().step(action)
            return obs, float("nan"), terminated, truncated, info

    model = SweepDQN("MlpPolicy", NanRewardEnv(), buffer_size=100, batch_size=10, replay_fraction=0.5, seed=0)
    weights = [p.clone() for p in model.q_net.parameters()]
    with pytest.raises(FloatingPointError, match=r"loss is nan at update 1 \(sweep 1\)"):
        model.learn(100)
    assert all(th.equal(a, b) for a, b in zip(weights, model.q_net.parameters(), strict=True))


def test_schedules_span_the_run_by_default():
    seen = {}

    class Probe(BaseCallback):
        def _on_step(self) -> bool:
            # Callbacks run before SB3 updates the progress, so step 251 sees the values of step 250.
            if self.num_timesteps == 251:
                progress = self.model._current_progress_remaining
                seen.update(
                    eps=self.model.exploration_rate,
                    lr=self.model.lr_schedule(progress),
                    loss_limit=self.model.loss_limit(progress),
                    max_epochs=self.model.max_epochs(progress),
                    replay_fraction=self.model.replay_fraction(progress),
                )
            return True

    model = SweepDQN("MlpPolicy", "CartPole-v1", buffer_size=1000, seed=0)
    model.learn(1000, callback=Probe())
    # A quarter through: epsilon 1 -> 0.1 over the first 20% is done; the others are 25% along.
    assert seen["eps"] == pytest.approx(0.1)
    assert seen["lr"] == pytest.approx(1e-3 + 0.25 * (1e-5 - 1e-3))
    assert seen["loss_limit"] == pytest.approx(0.1 + 0.25 * (0.015 - 0.1))
    assert seen["max_epochs"] == pytest.approx(5.0 + 0.25 * 5.0)
    assert seen["replay_fraction"] == pytest.approx(0.1 + 0.25 * 0.9)


def test_control_signals_accept_pairs_lists_constants_and_sb3_schedules():
    model = SweepDQN(
        "MlpPolicy",
        "CartPole-v1",
        learning_rate=lambda progress: 1e-4 * (1 + progress),
        loss_limit=[0.2, 0.1],  # as read from a YAML file
        max_epochs=4.0,
        replay_fraction=(0.5, 0.25),
    )
    assert [model.lr_schedule(p) for p in (1.0, 0.5, 0.0)] == pytest.approx([2e-4, 1.5e-4, 1e-4])
    assert [model.loss_limit(p) for p in (1.0, 0.5, 0.0)] == pytest.approx([0.2, 0.15, 0.1])
    assert [model.max_epochs(p) for p in (1.0, 0.0)] == [4.0, 4.0]
    assert [model.replay_fraction(p) for p in (1.0, 0.5, 0.0)] == pytest.approx([0.5, 0.375, 0.25])


def test_schedule_horizon_gives_the_tutorial_clock():
    model = SweepDQN("MlpPolicy", "CartPole-v1", buffer_size=1000, schedule_horizon=5_000_000)
    for step, (eps, lr, loss_limit, max_epochs, replay_fraction) in {
        0: (1.0, 1e-3, 0.1, 5.0, 0.1),
        500_000: (0.55, 1e-3 - 0.1 * (1e-3 - 1e-5), 0.0915, 5.5, 0.19),
        1_000_000: (0.1, 8.02e-4, 0.083, 6.0, 0.28),
        2_500_000: (0.1, 5.05e-4, 0.0575, 7.5, 0.55),
        7_000_000: (0.1, 1e-5, 0.015, 10.0, 1.0),
    }.items():
        model._update_current_progress_remaining(step, total_timesteps=1)  # the run length is ignored
        progress = model._current_progress_remaining
        assert model.exploration_schedule(progress) == pytest.approx(eps)
        assert model.lr_schedule(progress) == pytest.approx(lr)
        assert model.loss_limit(progress) == pytest.approx(loss_limit)
        assert model.max_epochs(progress) == pytest.approx(max_epochs)
        assert model.replay_fraction(progress) == pytest.approx(replay_fraction)


def test_sweeps_are_triggered_by_the_replay_fraction():
    model = SweepDQN(
        "MlpPolicy", LivesEnv(), buffer_size=100, batch_size=16, replay_fraction=(0.2, 0.6), seed=0
    )
    sizes = []
    sweep = model.replay_buffer.sweep
    model.replay_buffer.sweep = lambda q_values, gamma: sizes.append(len(q_values)) or sweep(q_values, gamma)
    model.learn(200)
    # A fill ends at the first step t where its rows r >= 100 * (0.2 + 0.4 * t / 200) = 20 + 0.2 t.
    # Fill 1 (t = r): 0.8 r >= 20, r = 25. Fill 2 (t = 25 + r): 0.8 r >= 25, r = 32 (31.25 rounded
    # up). Fill 3 (t = 57 + r): 0.8 r >= 31.4, r = 40. Fill 4 (t = 97 + r): 0.8 r >= 39.4, r = 50.
    # Fill 5 would need 62 rows, past step 200.
    assert sizes == [25, 32, 40, 50]


def spy_on_sweeps(model: SweepDQN) -> list[tuple[np.ndarray, np.ndarray]]:
    """Record a copy of the stored observations and the Q-values of every sweep of ``model``."""
    seen = []
    memory = model.replay_buffer
    sweep = memory.sweep

    def recording_sweep(q_values, gamma):
        seen.append((memory.stored_observations().copy(), q_values.copy()))
        return sweep(q_values, gamma)

    memory.sweep = recording_sweep
    return seen


def test_a_sliding_memory_sweeps_each_half_fill_and_re_sweeps_the_kept_rows():
    model = SweepDQN(
        "MlpPolicy", LivesEnv(), buffer_size=100, batch_size=8, replay_fraction=0.4, keep_fraction=0.5, seed=0
    )
    seen = spy_on_sweeps(model)
    model.learn(100)
    # First sweep once 40 rows are stored (step 40); then 20 are kept and the next sweep is due when
    # 20 fresh rows make 40 again: steps 60, 80 and 100.
    assert [record["steps"] for record in model.sweep_log] == [40, 60, 80, 100]
    assert [len(observations) for observations, _ in seen] == [40, 40, 40, 40]
    for (before, q_before), (after, q_after) in itertools.pairwise(seen):
        np.testing.assert_array_equal(after[:20], before[20:])  # the newest 20 rows, kept in order
        assert not np.allclose(q_after[:20], q_before[20:])  # swept again with the refitted network
    assert model.replay_buffer.n_rows == 20


def test_fits_per_fill_sweeps_and_fits_each_fill_that_many_times():
    model = SweepDQN(
        "MlpPolicy", LivesEnv(), buffer_size=100, batch_size=8, replay_fraction=0.5, fits_per_fill=3, seed=0
    )
    seen = spy_on_sweeps(model)
    model.learn(100)
    assert [record["steps"] for record in model.sweep_log] == [50, 50, 50, 100, 100, 100]
    for fill in (seen[:3], seen[3:]):
        for (before, q_before), (after, q_after) in itertools.pairwise(fill):
            np.testing.assert_array_equal(after, before)  # the same rows ...
            assert not np.allclose(q_after, q_before)  # ... with the Q-values of the fit before
    np.testing.assert_array_equal(seen[0][0][:, 0, 0], np.arange(50) % 6)
    np.testing.assert_array_equal(seen[3][0][:, 0, 0], np.arange(50, 100) % 6)


def test_logger_records_the_sweep_and_fit():
    model = SweepDQN("MlpPolicy", "CartPole-v1", buffer_size=500, replay_fraction=0.4, seed=0)
    model.set_logger(configure(None, []))
    model.learn(200)
    logged = model.logger.name_to_value
    assert logged["train/sweeps"] == 1 and logged["train/memory_transitions"] == 200
    for key in ("loss", "recent_loss", "epochs", "loss_limit", "max_epochs", "learning_rate"):
        assert np.isfinite(logged[f"train/{key}"]), key
    assert logged["train/loss_limit_stop"] in (0, 1) and 0 <= logged["train/high_error_fraction"] <= 1
    assert 0 < logged["train/epochs"] <= logged["train/max_epochs"]
    for stage in ("before", "after"):
        low, mean, high = (logged[f"train/q_{stage}_sweep_{s}"] for s in ("min", "mean", "max"))
        assert low <= mean <= high
    # CartPole pays +1 per step (clipped to 1): swept targets are at least the reward.
    assert logged["train/q_after_sweep_max"] >= 1.0
    assert logged["rollout/exploration_rate"] == pytest.approx(0.1)


def test_save_load_round_trip(tmp_path):
    env = make_vec_env("Catch-v0", n_envs=2, seed=0)
    model = SweepDQN(
        "MlpPolicy",
        env,
        buffer_size=400,
        loss_limit=(0.2, 0.01),
        min_epochs=2.0,
        schedule_horizon=5000,
        seed=1,
    )
    model.learn(600)
    model.save(tmp_path / "sweep")
    model.save_replay_buffer(tmp_path / "memory")
    with zipfile.ZipFile(tmp_path / "sweep.zip") as archive:  # the memory stays out of the zip
        assert not any(b"SweepMemory" in archive.read(name) for name in archive.namelist())

    loaded = SweepDQN.load(tmp_path / "sweep", env=env)
    observations = np.random.default_rng(0).random((64, 10, 10), dtype=np.float32)
    np.testing.assert_array_equal(
        loaded.predict(observations, deterministic=True)[0],
        model.predict(observations, deterministic=True)[0],
    )
    for name in (
        "gamma",
        "batch_size",
        "buffer_size",
        "min_epochs",
        "loss",
        "reward_clip",
        "error_threshold",
    ):
        assert getattr(loaded, name) == getattr(model, name), name
    for name in (
        "num_timesteps",
        "schedule_horizon",
        "_current_progress_remaining",
        "_n_updates",
        "_n_sweeps",
    ):
        assert getattr(loaded, name) == getattr(model, name), name
    assert loaded.num_timesteps == 600 and loaded._current_progress_remaining == 1 - 600 / 5000
    for progress in (1.0, 0.5, 0.0):
        assert loaded.loss_limit(progress) == model.loss_limit(progress)
        assert loaded.max_epochs(progress) == model.max_epochs(progress)
        assert loaded.replay_fraction(progress) == model.replay_fraction(progress)
        assert loaded.lr_schedule(progress) == model.lr_schedule(progress)
    assert loaded.replay_buffer.n_rows == 0  # the memory reloads empty, as SB3's replay buffers do

    loaded.load_replay_buffer(tmp_path / "memory")
    assert loaded.replay_buffer.n_rows == model.replay_buffer.n_rows > 0
    sweeps = loaded._n_sweeps
    loaded.learn(400, reset_num_timesteps=False)
    assert loaded.num_timesteps == 1000 and loaded._n_sweeps > sweeps


def test_every_registered_game_trains_through_the_sb3_api():
    for env_id in gym_catchgames.ENV_IDS:
        model = SweepDQN("MlpPolicy", env_id, buffer_size=200, batch_size=16, max_epochs=2.0, seed=0)
        model.learn(200)
        assert model._n_sweeps >= 1 and model._n_updates >= 1, env_id
        action, _ = model.predict(model.env.reset(), deterministic=True)
        assert model.action_space.contains(int(action[0])), env_id


@pytest.mark.parametrize("obs_type", ["grid", "rgb"])
def test_cnn_policy_with_small_grid_cnn(obs_type):
    model = SweepDQN(
        "CnnPolicy",
        gymnasium.make("Catch-v0", obs_type=obs_type),
        buffer_size=200,
        batch_size=16,
        max_epochs=2.0,
        policy_kwargs={
            "features_extractor_class": SmallGridCNN,
            "features_extractor_kwargs": {"features_dim": 32, "channels": (8, 16, 16)},
        },
        seed=0,
    )
    model.learn(200)
    assert model._n_sweeps >= 1 and isinstance(model.q_net.features_extractor, SmallGridCNN)


def test_learn_zero_steps_is_a_no_op_as_for_sb3s_dqn():
    model = SweepDQN("MlpPolicy", "CartPole-v1", buffer_size=64, batch_size=16)
    assert model.learn(0) is model  # ZeroDivisionError before (progress = steps / 0)
    assert model.num_timesteps == 0 and model._current_progress_remaining == 1.0


def test_a_schedule_that_leaves_its_bounds_midway_stops_training_with_where():
    # Only a callable's two ends can be checked up front: this rate is 1e-3 at both ends and -1e-3 in
    # the middle of the run (between progress remaining 0.6 and 0.4), which is gradient ascent.
    def rate(progress_remaining: float) -> float:
        return -1e-3 if 0.4 < progress_remaining < 0.6 else 1e-3

    model = SweepDQN("MlpPolicy", "CartPole-v1", learning_rate=rate, buffer_size=100, batch_size=32)
    assert model.lr_schedule(1.0) == 1e-3 and model.lr_schedule(0.0) == 1e-3
    with pytest.raises(
        ValueError, match=r"learning_rate \(at progress remaining 0\.5\) must be finite and > 0\.0"
    ):
        model.lr_schedule(0.5)
    with pytest.raises(
        ValueError, match=r"learning_rate \(at progress remaining 0\.[45]\d*\) must be finite"
    ):
        model.learn(1000)  # the first fill after progress 0.6 checks the rate and stops
    assert 400 <= model.num_timesteps <= 600
