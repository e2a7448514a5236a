"""SweepDQN: Stable-Baselines3 DQN trained the way of Hvass-Labs TensorFlow-Tutorials #16.

Instead of one gradient step every few env steps against a target network, SweepDQN fills a
replay memory, propagates every reward backwards through the whole memory in one sweep, fits
the network to the swept Q-values for a few epochs (stopping early once the recent loss is
below a limit), then discards the memory and starts the next fill.
"""

from __future__ import annotations

import io
import math
import pathlib
from typing import Any, Literal

import numpy as np
import torch as th
from gymnasium import spaces
from stable_baselines3 import DQN
from stable_baselines3.common.base_class import maybe_make_env
from stable_baselines3.common.save_util import load_from_pkl
from stable_baselines3.common.type_aliases import GymEnv, Schedule
from stable_baselines3.common.utils import ConstantSchedule, LinearSchedule, polyak_update
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper
from stable_baselines3.dqn.policies import DQNPolicy
from torch.nn import functional as F

from agents.sweep_memory import ErrorBalancedSampler, SweepMemory, fit_until_loss_limit
from gym_catchgames.validation import check_choice, check_float, check_int

#: A control signal: a constant, a ``(start, end)`` pair interpolated linearly over the
#: schedule span, or an SB3 schedule (a function of progress remaining, 1 -> 0).
ControlSignal = float | tuple[float, float] | Schedule

LOSSES = ("squared_all_actions", "huber_taken_action")
#: Observations per forward pass when computing Q-values of the whole memory.
_INFERENCE_BATCH = 4096


def control_signal(
    name: str,
    value: ControlSignal,
    *,
    minimum: float,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
) -> Schedule:
    """Turn a control signal into an SB3 schedule after checking its values are allowed.

    A float is a constant, ``(start, end)`` (or a list) a :class:`LinearSchedule` over the whole span. A
    callable is checked at the start and end of the span (progress remaining 1 and 0) now, and wrapped
    in a :class:`CheckedSchedule`, which checks every value it gives during training: only its two ends
    can be checked up front, and a rate that turned negative midway would train by gradient ascent.

    :raises ValueError: if a value is not finite or outside the bounds (see ``check_float``).
    """
    bounds = {"minimum": minimum, "maximum": maximum, "exclusive_minimum": exclusive_minimum}
    if callable(value):
        schedule = CheckedSchedule(name, value, bounds)
        ends = {"start": value(1.0), "end": value(0.0)}
    elif isinstance(value, tuple | list):  # a list when read from YAML or JSON
        if len(value) != 2:
            raise ValueError(f"{name} as a tuple must be (start, end), got {value!r}")
        ends = {"start": value[0], "end": value[1]}
        schedule = LinearSchedule(float(value[0]), float(value[1]), end_fraction=1.0)
    else:
        ends = {"value": value}
        schedule = ConstantSchedule(float(value))
    for which, end in ends.items():
        check_float(f"{name} ({which})", end, **bounds)
    return schedule


class CheckedSchedule:
    """A user's schedule whose every value is checked against the bounds of its control signal."""

    def __init__(self, name: str, schedule: Schedule, bounds: dict[str, Any]) -> None:
        self.name, self.schedule, self.bounds = name, schedule, bounds

    def __call__(self, progress_remaining: float) -> float:
        """The schedule's value; ``ValueError`` naming the progress where it leaves its bounds."""
        return check_float(
            f"{self.name} (at progress remaining {progress_remaining:g})",
            self.schedule(progress_remaining),
            **self.bounds,
        )


class SweepDQN(DQN):
    """DQN with the full backward replay sweep and loss-limit optimisation (Hvass-Labs #16).

    Learning cycle, checked after every VecEnv step:

    1. **Fill.** Each step stores, per env column, the observation acted on, the action, the
       reward (clipped to ``reward_clip``), and how the step ended: ``terminated``;
       ``truncated`` with max Q of the final observation (a time-limit cut bootstraps instead
       of counting as a real end); ``life_lost`` when ``info["lives"]`` drops or
       ``info["life_lost"]`` is set (a lost life ends the target chain while the episode goes
       on). The network does not change during a fill,
       so the Q-values of all stored states are computed in one batched pass at sweep time,
       equal to storing them at acting time.
    2. **Sweep** once the used fraction of the memory reaches ``replay_fraction`` or it is
       full: per column, newest row to oldest, target = r if terminated or life lost;
       r + gamma * max Q(final obs) if truncated; else r + gamma * max of the next row's
       already swept Q-values. ``|target - Q(s, a)|`` is the row's estimation error and the
       target replaces the taken action's Q-value. The newest row of a column that did not end
       has no known successor and is left out of the fit (the tutorial trained it with a stale
       error).
    3. **Fit** on error-balanced batches (at least half of each batch from rows with error
       >= ``error_threshold``, or their share of the memory if larger): at least ``min_epochs``
       and at most ``max_epochs`` epochs of ``rows / batch_size`` batches, stopping once past
       the minimum when the mean of the last ``loss_window`` batch losses is below
       ``loss_limit``. Loss: squared error summed over all actions' outputs against the swept
       Q-values (tutorial), or SB3's Huber loss on the taken action.
    4. **Discard** the memory; the next fill begins.

    Two options beyond the tutorial (off by default) spend more fitting per env step, for games
    where env steps are dear: ``keep_fraction`` keeps the newest rows of the memory after each fit
    (a sliding memory: the next sweep comes after ``1 - keep_fraction`` of a fill of fresh rows and
    re-sweeps the kept ones with the new Q-values), and ``fits_per_fill`` repeats steps 2-3 on the
    same rows (each sweep with the Q-values of the fit before).

    ``sweep_log`` keeps one record per sweep (env steps, mean Q-value of the memory before and after
    the sweep, epochs run, mean fit loss): the tutorial's diagnostic of a run, its mean swept Q-value
    against steps, is ``[(r["steps"], r["q_mean_swept"]) for r in model.sweep_log]``.

    There is no target network (``q_net_target`` is kept equal to ``q_net`` after each fit) and
    no ``learning_starts`` warm-up: exploration starts at ``exploration_initial_eps``.

    Schedules: ``learning_rate``, ``loss_limit``, ``max_epochs`` and ``replay_fraction`` are
    control signals (a constant, a ``(start, end)`` pair, or an SB3 schedule of progress
    remaining), and epsilon follows ``exploration_*`` as in SB3's DQN. By default they span
    each ``learn()`` call like SB3's schedules; ``schedule_horizon=5_000_000`` makes progress
    ``num_timesteps / horizon`` instead, the tutorial's absolute clock (epsilon then reaches its
    end at ``exploration_fraction * horizon`` = 1M steps).

    :param policy: the policy model (``"MlpPolicy"``, ``"CnnPolicy"``, ...), as in DQN.
    :param env: the environment (Gymnasium env, VecEnv or registered id). Discrete actions only.
    :param learning_rate: control signal for the optimiser's learning rate, > 0.
    :param buffer_size: memory size in transitions over all envs (each env column holds
        ``buffer_size // n_envs`` rows).
    :param batch_size: rows per gradient step, at most ``buffer_size``.
    :param gamma: discount factor in [0, 1].
    :param replay_fraction: control signal in (0, 1]: the used fraction of the memory that
        triggers a sweep and fit.
    :param loss_limit: control signal > 0: the fit stops once the recent mean loss is below it.
    :param min_epochs: epochs always run per fit, > 0.
    :param max_epochs: control signal >= ``min_epochs``: epochs at most per fit.
    :param error_threshold: estimation errors at or above it count as high, >= 0.
    :param loss_window: number of recent batch losses averaged for the loss-limit rule, >= 1.
    :param keep_fraction: in [0, 1): fraction of the swept rows (the newest) kept after each fit.
        0 (the tutorial) discards the memory; otherwise the memory slides: once it first holds
        ``replay_fraction`` of its rows, a sweep is due each time ``1 - keep_fraction`` of that is
        fresh, so each transition is swept and fitted about ``1 / (1 - keep_fraction)`` times.
    :param fits_per_fill: sweeps and fits per fill, >= 1 (1: the tutorial).
    :param loss: ``"squared_all_actions"`` (tutorial: sum over actions of the squared error
        against the swept Q-values, batch mean) or ``"huber_taken_action"`` (SB3 DQN's loss).
    :param reward_clip: ``(low, high)`` stored rewards are clipped to, or None for raw rewards.
        Episode returns in the logs are never clipped.
    :param schedule_horizon: None (schedules span each ``learn()`` call) or the number of
        steps over which all schedules run, counted from the model's first step.
    :param exploration_fraction: fraction of the schedule span over which epsilon falls, [0, 1].
    :param exploration_initial_eps: initial epsilon, [0, 1].
    :param exploration_final_eps: final epsilon, [0, 1].
    :param max_grad_norm: gradient norm clip, or None for none (the tutorial did not clip).
    :param stats_window_size: episodes averaged in the rollout logs.
    :param tensorboard_log: tensorboard log folder, or None.
    :param policy_kwargs: keyword arguments for the policy (e.g. ``net_arch``,
        ``optimizer_class``, ``features_extractor_class``).
    :param verbose: 0 silent, 1 info, 2 debug.
    :param seed: seed for all random generators, the batch sampler's included.
    :param device: torch device ("cpu", "cuda", "auto").
    :param _init_setup_model: whether to build the networks now (SB3's loader passes False).
    """

    replay_buffer: SweepMemory  # type: ignore[assignment]

    def __init__(
        self,
        policy: str | type[DQNPolicy],
        env: GymEnv | str,
        learning_rate: ControlSignal = (1e-3, 1e-5),
        buffer_size: int = 200_000,
        batch_size: int = 128,
        gamma: float = 0.97,
        replay_fraction: ControlSignal = (0.1, 1.0),
        loss_limit: ControlSignal = (0.1, 0.015),
        min_epochs: float = 1.0,
        max_epochs: ControlSignal = (5.0, 10.0),
        error_threshold: float = 0.1,
        loss_window: int = 100,
        keep_fraction: float = 0.0,
        fits_per_fill: int = 1,
        loss: Literal["squared_all_actions", "huber_taken_action"] = "squared_all_actions",
        reward_clip: tuple[float, float] | None = (-1.0, 1.0),
        schedule_horizon: int | None = None,
        exploration_fraction: float = 0.2,
        exploration_initial_eps: float = 1.0,
        exploration_final_eps: float = 0.1,
        max_grad_norm: float | None = 10.0,
        stats_window_size: int = 100,
        tensorboard_log: str | None = None,
        policy_kwargs: dict[str, Any] | None = None,
        verbose: int = 0,
        seed: int | None = None,
        device: th.device | str = "auto",
        _init_setup_model: bool = True,
    ) -> None:
        learning_rate = control_signal("learning_rate", learning_rate, minimum=0.0, exclusive_minimum=True)
        self.replay_fraction = control_signal(
            "replay_fraction", replay_fraction, minimum=0.0, maximum=1.0, exclusive_minimum=True
        )
        self.loss_limit = control_signal("loss_limit", loss_limit, minimum=0.0, exclusive_minimum=True)
        self.min_epochs = check_float("min_epochs", min_epochs, minimum=0.0, exclusive_minimum=True)
        self.max_epochs = control_signal("max_epochs", max_epochs, minimum=self.min_epochs)
        buffer_size = check_int("buffer_size", buffer_size, minimum=1)
        batch_size = check_int("batch_size (at most buffer_size)", batch_size, minimum=1, maximum=buffer_size)
        check_float("gamma", gamma, minimum=0.0, maximum=1.0)
        error_threshold = check_float("error_threshold", error_threshold, minimum=0.0)
        loss_window = check_int("loss_window", loss_window, minimum=1)
        keep_fraction = check_float(
            "keep_fraction", keep_fraction, minimum=0.0, maximum=1.0, exclusive_maximum=True
        )
        fits_per_fill = check_int("fits_per_fill", fits_per_fill, minimum=1)
        check_choice("loss", loss, LOSSES)
        if reward_clip is not None:
            if not isinstance(reward_clip, tuple | list) or len(reward_clip) != 2:
                raise ValueError(f"reward_clip must be None or a (low, high) pair, got {reward_clip!r}")
            low = check_float("reward_clip low", reward_clip[0])
            check_float("reward_clip high (above low)", reward_clip[1], minimum=low, exclusive_minimum=True)
        if schedule_horizon is not None:
            check_int("schedule_horizon", schedule_horizon, minimum=1)
        for name, value in (
            ("exploration_fraction", exploration_fraction),
            ("exploration_initial_eps", exploration_initial_eps),
            ("exploration_final_eps", exploration_final_eps),
        ):
            check_float(name, value, minimum=0.0, maximum=1.0)
        if max_grad_norm is not None:
            check_float("max_grad_norm", max_grad_norm, minimum=0.0, exclusive_minimum=True)
        self.error_threshold = error_threshold
        self.loss_window = loss_window
        self.keep_fraction = keep_fraction
        self.fits_per_fill = fits_per_fill
        self.loss = loss
        self.reward_clip = reward_clip
        self.schedule_horizon = schedule_horizon
        self._n_sweeps = 0
        self.sweep_log: list[dict[str, float]] = []
        self._last_lives: np.ndarray | None = None
        self._sampler_rng = np.random.default_rng(seed)

        if env is not None:
            env = maybe_make_env(env, verbose)
            _check_spaces(env.observation_space, env.action_space)
        super().__init__(
            policy,
            env,
            learning_rate=learning_rate,
            buffer_size=buffer_size,
            learning_starts=0,
            batch_size=batch_size,
            gamma=gamma,
            train_freq=1,
            gradient_steps=1,
            exploration_fraction=exploration_fraction,
            exploration_initial_eps=exploration_initial_eps,
            exploration_final_eps=exploration_final_eps,
            max_grad_norm=max_grad_norm,  # type: ignore[arg-type]
            stats_window_size=stats_window_size,
            tensorboard_log=tensorboard_log,
            policy_kwargs=policy_kwargs,
            verbose=verbose,
            seed=seed,
            device=device,
            _init_setup_model=False,
        )
        if _init_setup_model:
            self._setup_model()

    # ------------------------------------------------------------------ setup and schedules
    def _setup_model(self) -> None:
        _check_spaces(self.observation_space, self.action_space)
        if self.reward_clip is not None:  # a list after a JSON round trip through save/load
            self.reward_clip = (float(self.reward_clip[0]), float(self.reward_clip[1]))
        if self.replay_buffer is None:
            self.replay_buffer = self._new_memory()
        super()._setup_model()

    def _new_memory(self) -> SweepMemory:
        assert isinstance(self.observation_space, spaces.Box | spaces.Discrete)
        return SweepMemory(
            self.buffer_size,
            self.n_envs,
            self.observation_space.shape,
            self.observation_space.dtype,
            self.reward_clip,
        )

    def set_random_seed(self, seed: int | None = None) -> None:
        """Seed SB3's generators (python, numpy, torch, env, action space) and the batch sampler."""
        super().set_random_seed(seed)
        if seed is not None:
            self._sampler_rng = np.random.default_rng(seed)

    def _update_current_progress_remaining(self, num_timesteps: int, total_timesteps: int) -> None:
        """Progress of all schedules: per ``learn()`` call as in SB3, or over ``schedule_horizon``."""
        if self.schedule_horizon is None:
            if total_timesteps > 0:  # learn(0) makes no progress (and would divide by zero)
                super()._update_current_progress_remaining(num_timesteps, total_timesteps)
        else:
            self._current_progress_remaining = 1.0 - min(num_timesteps / self.schedule_horizon, 1.0)

    def _setup_learn(
        self,
        total_timesteps: int,
        callback: Any = None,
        reset_num_timesteps: bool = True,
        tb_log_name: str = "run",
        progress_bar: bool = False,
    ) -> tuple[int, Any]:
        envs_reset = reset_num_timesteps or self._last_obs is None
        if envs_reset:
            # The stored newest rows will not be followed by the reset observations.
            self.replay_buffer.mark_successor_missing()
        total_timesteps, callback = super()._setup_learn(
            total_timesteps, callback, reset_num_timesteps, tb_log_name, progress_bar
        )
        if envs_reset:
            self._last_lives = _lives(_innermost(self.env).reset_infos)
        self._update_current_progress_remaining(self.num_timesteps, self._total_timesteps)
        return total_timesteps, callback

    def learn(  # type: ignore[override]
        self,
        total_timesteps: int,
        callback: Any = None,
        log_interval: int = 4,
        tb_log_name: str = "SweepDQN",
        reset_num_timesteps: bool = True,
        progress_bar: bool = False,
    ) -> SweepDQN:
        return super().learn(
            total_timesteps, callback, log_interval, tb_log_name, reset_num_timesteps, progress_bar
        )

    # ------------------------------------------------------------------ acting: filling the memory
    def _on_step(self) -> None:
        """Update epsilon after each VecEnv step (no target network to sync)."""
        self._n_calls += 1
        self.exploration_rate = self.exploration_schedule(self._current_progress_remaining)
        self.logger.record("rollout/exploration_rate", self.exploration_rate)

    def _store_transition(
        self,
        replay_buffer: SweepMemory,  # type: ignore[override]
        buffer_action: np.ndarray,
        new_obs: np.ndarray,  # type: ignore[override]
        reward: np.ndarray,
        dones: np.ndarray,
        infos: list[dict[str, Any]],
    ) -> None:
        """Store the step in the sweep memory: observation acted on, action, reward, end flags."""
        if self._vec_normalize_env is not None:
            reward = self._vec_normalize_env.get_original_reward()
        dones = np.asarray(dones, dtype=bool)
        no_flags = np.zeros(len(dones), dtype=bool)
        truncated, truncation_values = no_flags, None
        if dones.any():
            truncated = np.array(
                [
                    done and info.get("TimeLimit.truncated", False)
                    for done, info in zip(dones, infos, strict=True)
                ]
            )
            if truncated.any():
                final_obs = np.stack([infos[i]["terminal_observation"] for i in np.flatnonzero(truncated)])
                truncation_values = np.zeros(len(dones), dtype=np.float32)
                truncation_values[truncated] = self._q_values(final_obs).max(axis=1)
        life_lost = no_flags
        if "life_lost" in infos[0]:  # e.g. gym_catchgames.wrappers.LifeLossInfo
            life_lost = np.array([bool(info.get("life_lost", False)) for info in infos])
        if "lives" in infos[0]:
            lives = _lives(infos)
            if self._last_lives is not None:
                life_lost = life_lost | (lives < self._last_lives)
            if dones.any():
                lives = np.where(dones, _lives(_innermost(self.env).reset_infos), lives)
            self._last_lives = lives
        replay_buffer.add(
            self._last_obs, buffer_action, reward, dones & ~truncated, truncated, life_lost, truncation_values
        )
        self._last_obs = new_obs
        if self._vec_normalize_env is not None:
            self._last_original_obs = self._vec_normalize_env.get_original_obs()

    @th.no_grad()
    def _q_values(self, observations: np.ndarray) -> np.ndarray:
        """Q-values of a stack of observations, in batches, as float32 (n, n_actions)."""
        self.policy.set_training_mode(False)
        return np.concatenate(
            [
                self.q_net(th.as_tensor(observations[start : start + _INFERENCE_BATCH], device=self.device))
                .cpu()
                .numpy()
                for start in range(0, len(observations), _INFERENCE_BATCH)
            ]
        ).astype(np.float32)

    # ------------------------------------------------------------------ learning: sweep and fit
    def train(self, gradient_steps: int, batch_size: int = 128) -> None:
        """Called by SB3 after every VecEnv step: sweep and fit once the memory is due.

        Due when full, or when the stored rows reach ``replay_fraction`` of it; with a sliding memory
        also only once the rows added since the last fit reach ``1 - keep_fraction`` of that.
        """
        memory = self.replay_buffer
        progress = self._current_progress_remaining
        fraction = self.replay_fraction(progress)
        fresh_enough = memory.n_fresh_rows / memory.rows >= (1.0 - self.keep_fraction) * fraction
        if memory.n_fresh_rows == 0 or not (
            memory.is_full or (memory.used_fraction >= fraction and fresh_enough)
        ):
            return
        for _ in range(self.fits_per_fill):
            self._sweep_and_fit(progress)
        memory.keep_newest(int(self.keep_fraction * memory.n_rows))

    def _sweep_and_fit(self, progress: float) -> None:
        memory = self.replay_buffer
        observations = memory.stored_observations()
        observations = observations.reshape(-1, *observations.shape[2:])
        q_values = self._q_values(observations).reshape(memory.n_rows, memory.n_columns, -1)
        swept = memory.sweep(q_values, self.gamma)
        self._n_sweeps += 1

        n_actions = q_values.shape[-1]
        rows = np.flatnonzero(swept.trainable.ravel())
        targets = swept.targets.reshape(-1, n_actions)
        actions = memory.actions[: memory.n_rows].reshape(-1)
        self.logger.record("train/sweeps", self._n_sweeps)
        self.logger.record("train/memory_transitions", memory.n_transitions)
        for name, values in (("before", q_values), ("after", swept.targets)):
            self.logger.record(f"train/q_{name}_sweep_min", float(values.min()))
            self.logger.record(f"train/q_{name}_sweep_mean", float(values.mean()))
            self.logger.record(f"train/q_{name}_sweep_max", float(values.max()))
        if rows.size == 0:
            return
        sampler = ErrorBalancedSampler(
            swept.errors.reshape(-1)[rows], self.batch_size, self.error_threshold, self._sampler_rng
        )
        self.policy.set_training_mode(True)
        self._update_learning_rate(self.policy.optimizer)

        def train_batch() -> float:
            batch = rows[sampler.sample()]
            return self._gradient_step(
                th.as_tensor(observations[batch], device=self.device),
                th.as_tensor(targets[batch], device=self.device),
                th.as_tensor(actions[batch], device=self.device),
            )

        loss_limit = self.loss_limit(progress)
        max_epochs = self.max_epochs(progress)
        fit = fit_until_loss_limit(
            train_batch,
            rows.size,
            sampler.batch_size,
            self.min_epochs,
            max_epochs,
            loss_limit,
            self.loss_window,
        )
        self.policy.set_training_mode(False)
        polyak_update(self.q_net.parameters(), self.q_net_target.parameters(), 1.0)

        self.logger.record("train/n_updates", self._n_updates, exclude="tensorboard")
        self.logger.record("train/loss", fit.mean_loss)
        self.logger.record("train/recent_loss", fit.last_window_loss)
        self.logger.record("train/epochs", fit.epochs)
        self.logger.record("train/loss_limit_stop", int(fit.stopped_by_loss_limit))
        self.logger.record("train/loss_limit", loss_limit)
        self.logger.record("train/max_epochs", max_epochs)
        self.logger.record("train/replay_fraction", self.replay_fraction(progress))
        self.logger.record("train/high_error_fraction", sampler.high_fraction)
        self.sweep_log.append(
            {
                "steps": self.num_timesteps,
                "q_mean_before": float(q_values.mean()),
                "q_mean_swept": float(swept.targets.mean()),
                "epochs": fit.epochs,
                "loss": fit.mean_loss,
            }
        )

    def _gradient_step(self, observations: th.Tensor, targets: th.Tensor, actions: th.Tensor) -> float:
        """One optimiser step towards the swept Q-values of a batch; returns the loss.

        :raises FloatingPointError: on a NaN or infinite loss, before it touches the weights.
        """
        predicted = self.q_net(observations)
        if self.loss == "squared_all_actions":
            loss = ((predicted - targets) ** 2).sum(dim=1).mean()
        else:
            taken = actions.long().unsqueeze(1)
            loss = F.smooth_l1_loss(predicted.gather(1, taken), targets.gather(1, taken))
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise FloatingPointError(
                f"SweepDQN: loss is {loss_value} at update {self._n_updates + 1} "
                f"(sweep {self._n_sweeps}); training stopped before applying it. "
                "Lower the learning rate or check the rewards."
            )
        self.policy.optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm is not None:
            th.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
        self.policy.optimizer.step()
        self._n_updates += 1
        return loss_value

    # ------------------------------------------------------------------ saving
    def _excluded_save_params(self) -> list[str]:
        return [*super()._excluded_save_params(), "_sampler_rng"]

    def load_replay_buffer(
        self, path: str | pathlib.Path | io.BufferedIOBase, truncate_last_traj: bool = True
    ) -> None:
        """Load a sweep memory saved with ``save_replay_buffer`` (same spaces and env count)."""
        memory = load_from_pkl(path, self.verbose)
        if not isinstance(memory, SweepMemory):
            raise TypeError(f"expected a pickled SweepMemory, got {type(memory).__name__}")
        expected = self._new_memory()
        if (memory.rows, memory.n_columns, memory.observations.shape) != (
            expected.rows,
            expected.n_columns,
            expected.observations.shape,
        ):
            raise ValueError(
                f"memory shape {memory.observations.shape} does not match this model's "
                f"{expected.observations.shape} (buffer_size and n_envs must match)"
            )
        if truncate_last_traj:
            memory.mark_successor_missing()
        self.replay_buffer = memory


def _check_spaces(observation_space: spaces.Space, action_space: spaces.Space) -> None:
    """SweepDQN needs Discrete actions and Box or Discrete observations (one array per transition)."""
    if not isinstance(action_space, spaces.Discrete):
        raise ValueError(f"SweepDQN needs a Discrete action space, got {action_space}")
    if not isinstance(observation_space, spaces.Box | spaces.Discrete):
        raise ValueError(
            "SweepDQN needs a Box or Discrete observation space (Dict is not supported), "
            f"got {observation_space}"
        )


def _innermost(env: VecEnv | None) -> VecEnv:
    """The VecEnv under all VecEnv wrappers (it holds the real ``reset_infos``)."""
    assert env is not None
    while isinstance(env, VecEnvWrapper):
        env = env.venv
    return env


def _lives(infos: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> np.ndarray:
    """``info["lives"]`` per env as float, NaN where the env does not report lives."""
    return np.array([float(info.get("lives", np.nan)) for info in infos])
