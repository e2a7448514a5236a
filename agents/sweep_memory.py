"""The replay memory of SweepDQN: a fill-then-discard (or sliding) store, the backward sweep, the sampler.

Pure NumPy (no torch), so every rule here is unit-testable on hand-made arrays.

Rows are indexed ``[row, column]``: one column per environment of the VecEnv, one row per
VecEnv step, so a column is one env's trajectory in time order, oldest row first. This is the
replay memory of Hvass-Labs TensorFlow-Tutorials #16 (``ReplayMemory``) generalised to
several envs, with the end of a chain stored per step: ``terminated`` and ``life_lost`` end it,
``truncated`` ends the episode but bootstraps from the final observation's value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: Stand-in for ``-inf`` in the sweep: finite, so ``0 * FLOOR`` stays 0 instead of NaN.
_FLOOR = -1e300
#: Discount products below this are flushed to 0: their terms are < 1e-40 of a Q-value,
#: far below float32 resolution, and flushing avoids slow subnormal arithmetic.
_NEGLIGIBLE_DISCOUNT = 1e-40


@dataclass(frozen=True)
class SweepResult:
    """What one backward sweep produced, all shaped like the memory (rows, columns[, actions]).

    :param targets: the swept Q-values: the stored estimates with the taken action's slot replaced
        by its target (the regression targets of the fit).
    :param errors: estimation error ``|target - Q(s, a)|`` per row (0 where not trainable).
    :param trainable: rows whose target is known. False only for a row whose step did not end
        the chain and whose successor is not stored (the newest row of each column).
    """

    targets: np.ndarray
    errors: np.ndarray
    trainable: np.ndarray


def backward_sweep(
    q_values: np.ndarray,
    actions: np.ndarray,
    rewards: np.ndarray,
    terminated: np.ndarray,
    truncated: np.ndarray,
    life_lost: np.ndarray,
    truncation_values: np.ndarray,
    successor_missing: np.ndarray,
    gamma: float,
) -> SweepResult:
    """Propagate every reward backwards through each column in one pass.

    Per column, newest row to oldest, the target of row ``k`` is
    ``r_k`` if the step terminated or lost a life; ``r_k + gamma * truncation_values[k]`` if it was
    truncated (``truncation_values`` holds max Q of the final observation); otherwise
    ``r_k + gamma * max_b Q'(s_{k+1}, b)``, where ``Q'`` is the next row's Q-values with its taken
    slot already replaced by its own target. That is the tutorial's sequential loop; here it runs
    without a Python loop per row: each row is the map ``x -> max(alpha + beta * x, c)`` of the
    next row's target (``alpha = r``, ``beta = gamma``, ``c = r + gamma * (max Q of the next
    row's other actions)``), such maps are closed under composition, and a reverse
    Hillis-Steele scan composes them in ``log2(rows)`` vectorised rounds (fewer when chains are
    cut by episode ends). Results equal the sequential loop up to float64 rounding.

    A row with ``successor_missing`` that does not end its chain (the newest row) has no
    target: it keeps its estimate, gets error 0 and ``trainable=False``; the row before it
    bootstraps from its raw estimates, as in the tutorial. (The tutorial trained that row
    anyway, with a stale error from an earlier fill.)

    :param q_values: (rows, columns, actions) network estimates of the stored states.
    :param actions: (rows, columns) taken actions.
    :param rewards: (rows, columns) (clipped) rewards.
    :param terminated: (rows, columns) bool, the episode really ended.
    :param truncated: (rows, columns) bool, the episode was cut (time limit).
    :param life_lost: (rows, columns) bool, a life was lost (target chain ends, episode goes on).
    :param truncation_values: (rows, columns) max Q of the final observation where truncated.
    :param successor_missing: (rows, columns) bool, the next row is not this row's successor.
        The last row is treated as set whatever its value.
    :param gamma: discount factor in [0, 1].
    :return: the swept Q-values, targets, errors and trainable mask.
    """
    n_actions = q_values.shape[-1]
    flat_q = q_values.reshape(-1, n_actions)
    flat_index = np.arange(flat_q.shape[0]) * n_actions + actions.ravel()
    taken = flat_q.ravel()[flat_index].astype(np.float64).reshape(actions.shape)
    other_max = np.full(actions.shape, _FLOOR)
    for action in range(n_actions):
        np.maximum(other_max, np.where(actions == action, -np.inf, q_values[..., action]), out=other_max)

    missing = successor_missing.astype(bool)
    missing[-1] = True
    cut = terminated | life_lost
    bootstrapped = truncated & ~cut
    open_end = missing & ~cut & ~bootstrapped
    chained = ~(cut | bootstrapped | open_end)

    rewards = rewards.astype(np.float64)
    alpha = np.where(bootstrapped, rewards + gamma * truncation_values, rewards)
    alpha = np.where(open_end, taken, alpha)
    beta = np.where(chained, gamma, 0.0)
    c = alpha.copy()
    c[:-1] = np.where(chained[:-1], rewards[:-1] + gamma * other_max[1:], alpha[:-1])
    _reverse_compose_scan(alpha, beta, c)
    taken_targets = np.maximum(alpha, c)

    trainable = ~open_end
    errors = np.where(trainable, np.abs(taken_targets - taken), 0.0)
    targets = q_values.copy()
    targets.reshape(-1)[flat_index] = taken_targets.ravel()
    return SweepResult(
        targets=targets,
        errors=errors.astype(np.float32),
        trainable=trainable,
    )


def _reverse_compose_scan(alpha: np.ndarray, beta: np.ndarray, c: np.ndarray) -> None:
    """In place: row k becomes the composition of the maps of rows k, k+1, ..., last (axis 0).

    Map ``f(x) = max(alpha + beta * x, c)``; ``f_k o f_j`` is
    ``(alpha_k + beta_k * alpha_j, beta_k * beta_j, max(alpha_k + beta_k * c_j, c_k))``.
    The last row's map must be constant (beta 0), so every composed map ends constant.
    """
    rows = alpha.shape[0]
    beta[beta < _NEGLIGIBLE_DISCOUNT] = 0.0
    offset = 1
    while offset < rows and beta.any():
        head = slice(None, rows - offset)
        tail = slice(offset, None)
        # Read the tail (rows k + offset) into temporaries before the head is overwritten.
        through_c = beta[head] * c[tail]
        through_c += alpha[head]
        through_alpha = beta[head] * alpha[tail]
        through_beta = beta[head] * beta[tail]
        np.maximum(through_c, c[head], out=c[head])
        alpha[head] += through_alpha
        through_beta[through_beta < _NEGLIGIBLE_DISCOUNT] = 0.0
        beta[head] = through_beta
        offset *= 2


#: The per-row arrays of a :class:`SweepMemory`, moved together when rows are kept.
_ROW_FIELDS = (
    "observations", "actions", "rewards", "terminated", "truncated", "life_lost", "truncation_values",
    "successor_missing",
)  # fmt: skip


class SweepMemory:
    """Fill-then-discard replay memory with per-column end flags (not a ring buffer).

    After a fit :meth:`keep_newest` keeps the newest rows (SweepDQN's sliding memory), which stay in
    time order at the front, or none (``keep_newest(0)``: emptied, the tutorial's memory; the arrays are
    reused, not cleared); ``n_fresh_rows`` counts the rows added since.

    :param size: total rows over all columns; each column holds ``size // n_columns`` rows.
    :param n_columns: number of envs stepping together (one column each).
    :param observation_shape: shape of one observation.
    :param observation_dtype: dtype observations are stored in.
    :param reward_clip: ``(low, high)`` rewards are clipped to when swept, or None for raw rewards.
    """

    def __init__(
        self,
        size: int,
        n_columns: int,
        observation_shape: tuple[int, ...],
        observation_dtype: np.dtype | type = np.float32,
        reward_clip: tuple[float, float] | None = (-1.0, 1.0),
    ) -> None:
        if n_columns < 1:
            raise ValueError(f"n_columns must be >= 1, got {n_columns}")
        if size < n_columns:
            raise ValueError(f"size must be >= n_columns ({n_columns}) so each column has a row, got {size}")
        if reward_clip is not None and not reward_clip[0] < reward_clip[1]:
            raise ValueError(f"reward_clip must be (low, high) with low < high or None, got {reward_clip}")
        self.n_columns = n_columns
        self.rows = size // n_columns
        self.reward_clip = reward_clip
        shape = (self.rows, n_columns)
        self.observations = np.zeros((*shape, *observation_shape), dtype=observation_dtype)
        self.actions = np.zeros(shape, dtype=np.int64)
        self.rewards = np.zeros(shape, dtype=np.float32)
        self.terminated = np.zeros(shape, dtype=bool)
        self.truncated = np.zeros(shape, dtype=bool)
        self.life_lost = np.zeros(shape, dtype=bool)
        self.truncation_values = np.zeros(shape, dtype=np.float32)
        self.successor_missing = np.zeros(shape, dtype=bool)
        self.n_rows = 0
        self.n_fresh_rows = 0

    @property
    def n_transitions(self) -> int:
        """Number of transitions stored (rows times columns)."""
        return self.n_rows * self.n_columns

    @property
    def used_fraction(self) -> float:
        """Stored rows over rows available, in [0, 1]."""
        return self.n_rows / self.rows

    @property
    def is_full(self) -> bool:
        return self.n_rows == self.rows

    def add(
        self,
        observations: np.ndarray,
        actions: np.ndarray,
        rewards: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
        life_lost: np.ndarray,
        truncation_values: np.ndarray | None = None,
    ) -> None:
        """Store one VecEnv step: one row with a value per column.

        :param observations: (columns, ...) the observations the actions were chosen on.
        :param truncation_values: (columns,) max Q of the final observation, used where
            ``truncated`` (and neither terminated nor life lost); None when nothing was truncated.
        :raises RuntimeError: if the memory is full (sweep and :meth:`keep_newest` first).
        """
        if self.n_rows == self.rows:
            raise RuntimeError("SweepMemory is full: run the sweep and keep_newest() before adding")
        row = self.n_rows
        self.observations[row] = observations
        self.actions[row] = actions
        self.rewards[row] = rewards  # clipped once per sweep, for speed
        self.terminated[row] = terminated
        self.truncated[row] = truncated
        self.life_lost[row] = life_lost
        self.truncation_values[row] = 0.0 if truncation_values is None else truncation_values
        self.successor_missing[row] = False
        self.n_rows += 1
        self.n_fresh_rows += 1

    def mark_successor_missing(self) -> None:
        """Mark the newest row of every column as having no stored successor.

        Call when the envs are reset outside an episode end (e.g. a new ``learn()`` call), so the
        next stored row does not follow on from the current newest one.
        """
        if self.n_rows > 0:
            self.successor_missing[self.n_rows - 1] = True

    def keep_newest(self, rows: int) -> None:
        """Keep the newest ``rows`` rows of every column, moved to the front in time order; discard the rest.

        The kept rows' end flags move with them, so the newest kept row is followed by the next row
        added, as it was in time. ``n_fresh_rows`` restarts at 0.
        """
        if not 0 <= rows <= self.n_rows:
            raise ValueError(f"rows to keep must be in [0, {self.n_rows}] (the stored rows), got {rows}")
        start = self.n_rows - rows
        if rows and start:
            for name in _ROW_FIELDS:
                array = getattr(self, name)
                array[:rows] = array[start : self.n_rows].copy()
        self.n_rows = rows
        self.n_fresh_rows = 0

    def stored_rewards(self) -> np.ndarray:
        """The stored rewards, clipped to ``reward_clip`` (a copy), (rows, columns)."""
        rewards = self.rewards[: self.n_rows]
        return rewards.copy() if self.reward_clip is None else np.clip(rewards, *self.reward_clip)

    def stored_observations(self) -> np.ndarray:
        """View of the stored observations, (rows, columns, ...)."""
        return self.observations[: self.n_rows]

    def sweep(self, q_values: np.ndarray, gamma: float) -> SweepResult:
        """Run :func:`backward_sweep` over the stored rows with ``q_values`` (rows, columns, actions)."""
        n = self.n_rows
        if n == 0:
            raise RuntimeError("SweepMemory is empty: nothing to sweep")
        return backward_sweep(
            q_values,
            self.actions[:n],
            self.stored_rewards(),
            self.terminated[:n],
            self.truncated[:n],
            self.life_lost[:n],
            self.truncation_values[:n],
            self.successor_missing[:n],
            gamma,
        )


class ErrorBalancedSampler:
    """Draws batches where rows with a large estimation error get at least half the places.

    High-error rows (``error >= error_threshold``) get ``int(max(share, 0.5) * batch_size)``
    places, where ``share`` is their fraction of all rows; low-error rows get the rest. Each
    group is drawn without replacement within a batch, independently across batches. When a
    group has fewer rows than its quota, all its rows are taken and the other group fills the
    batch (the tutorial raised an error there); a batch larger than the memory is cut to the
    memory size.

    :param errors: (n,) estimation error of each candidate row.
    :param batch_size: rows per batch.
    :param error_threshold: errors at or above it count as high.
    :param rng: random generator for the draws.
    """

    def __init__(
        self, errors: np.ndarray, batch_size: int, error_threshold: float, rng: np.random.Generator
    ) -> None:
        if errors.size == 0:
            raise ValueError("ErrorBalancedSampler needs at least one row")
        high = errors >= error_threshold
        self.high_rows = np.flatnonzero(high)
        self.low_rows = np.flatnonzero(~high)
        self.rng = rng
        self.batch_size = min(batch_size, errors.size)
        self.high_fraction = self.high_rows.size / errors.size
        n_high = int(max(self.high_fraction, 0.5) * self.batch_size)
        n_high = min(n_high, self.high_rows.size)
        n_low = min(self.batch_size - n_high, self.low_rows.size)
        self.n_high = self.batch_size - n_low
        self.n_low = n_low

    def sample(self) -> np.ndarray:
        """Indices into ``errors`` for one batch: ``n_high`` high-error rows, then ``n_low`` others."""
        return np.concatenate(
            [
                self.rng.choice(self.high_rows, self.n_high, replace=False),
                self.rng.choice(self.low_rows, self.n_low, replace=False),
            ]
        )


@dataclass(frozen=True)
class FitResult:
    """Outcome of one optimisation run: epochs done, whether the loss limit stopped it, losses."""

    epochs: float
    stopped_by_loss_limit: bool
    mean_loss: float
    last_window_loss: float


def fit_until_loss_limit(
    train_batch: Callable[[], float],
    n_rows: int,
    batch_size: int,
    min_epochs: float,
    max_epochs: float,
    loss_limit: float,
    window: int = 100,
) -> FitResult:
    """Run gradient steps until the recent loss is low enough, within an epoch range.

    One epoch is ``n_rows / batch_size`` batches. At least ``max(1, int(epoch * min_epochs))``
    batches run and at most ``int(epoch * max_epochs)``, never fewer than that minimum; after each
    batch that has met the minimum, the run stops as soon as the mean of the last ``window`` batch
    losses is below ``loss_limit``. The tutorial also needed one batch more than the minimum and averaged a
    zero-initialised window, which stops almost at once when a memory holds fewer than
    ``window`` batches; here the mean is over the losses recorded so far (at most ``window``).

    :param train_batch: does one gradient step and returns its loss.
    :return: the :class:`FitResult`.
    """
    batches_per_epoch = n_rows / batch_size
    min_batches = max(1, int(batches_per_epoch * min_epochs))
    max_batches = max(min_batches, int(batches_per_epoch * max_epochs))
    recent = np.zeros(window)
    total = 0.0
    n_batches = 0
    stopped = False
    recent_mean = float("nan")
    while n_batches < max_batches:
        loss = train_batch()
        recent[n_batches % window] = loss
        total += loss
        n_batches += 1
        recent_mean = float(recent[: min(n_batches, window)].mean())
        if n_batches >= min_batches and recent_mean < loss_limit:
            stopped = True
            break
    return FitResult(
        epochs=n_batches / batches_per_epoch,
        stopped_by_loss_limit=stopped,
        mean_loss=total / n_batches,
        last_window_loss=recent_mean,
    )
