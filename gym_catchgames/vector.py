"""``GridGameVectorEnv``: the natively batched counterpart of :class:`~gym_catchgames.core.GridGameEnv`.

The state of all sub-envs lives in the arrays of the game's state ``NamedTuple`` (one entry a sub-env)
and ``step`` calls the game's compiled ``step_batch`` once: a loop over sub-envs that applies the same
rules as the scalar env (the very same compiled functions) and paints each board straight into the
batched observation. A game's vector class sits in the game's module next to its scalar env and only
names it: ``class CatchVectorEnv(GridGameVectorEnv, scalar_env=CatchEnv)``. Its arguments are the scalar
env's (declared once, there) plus ``num_envs``, ``max_episode_steps`` and ``autoreset_mode``.

The base class does the rest once for every game: argument checks (by building the scalar env, which
validates and stores the game's parameters), spaces, seeding, action validation with a clear error,
Gymnasium's three autoreset modes (``autoreset_mode=``, see :class:`GridGameVectorEnv`),
``max_episode_steps`` truncation, ``info`` arrays with ``_key`` masks, ``options["reset_mask"]`` and
rendering the first few sub-envs with the scalar games' renderer.

Seeding rule: ``reset(seed=s)`` gives sub-env ``i`` exactly the episodes of the scalar env after
``reset(seed=s + i)``; ``reset(seed=[s0, s1, ...])`` uses one seed per sub-env (``None`` entries as a
seedless reset). A seedless first reset draws each sub-env's stream key from the vector env's own
``np_random``, and later seedless resets (and autoresets) continue each sub-env's stream, exactly as
``reset()`` does for a scalar env.
"""

from __future__ import annotations

import inspect
import numbers
from typing import Any, ClassVar

import numpy as np
from gymnasium import logger
from gymnasium.error import ResetNeeded
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from gym_catchgames import random_stream
from gym_catchgames.core import NEW_EPISODE, PAINT_ONLY, GridGameEnv, compiled
from gym_catchgames.rendering import GridRenderer
from gym_catchgames.validation import (
    MAX_STEP_COUNT,
    check_int,
    check_render_mode,
    check_seed,
    describe_actions,
)

#: The most sub-envs a vector env takes: 16.7 million Catch boards already take 6.7 GB per observation;
#: a larger number is a mistake, refused with a ``ValueError`` rather than a NumPy ``OverflowError``.
MAX_NUM_ENVS = 2**24
#: How many sub-envs ``render()`` draws (the first ones); rendering thousands of boards helps nobody.
RENDERED_ENVS = 4


def vector_metadata(scalar_env_class: type[GridGameEnv]) -> dict[str, Any]:
    """The class metadata of a game's vector env: the scalar env's frame rate and the default autoreset
    mode, ``NEXT_STEP`` (an instance's ``metadata["autoreset_mode"]`` is the mode it was built with)."""
    return {
        "render_modes": ["rgb_array"],
        "render_fps": scalar_env_class.metadata["render_fps"],
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }


def check_autoreset_mode(mode: Any) -> AutoresetMode:
    """``mode`` as an :class:`~gymnasium.vector.AutoresetMode`: one of them or its value (``"SameStep"``)."""
    try:
        return AutoresetMode(mode)
    except (ValueError, TypeError):
        allowed = ", ".join(f"AutoresetMode.{m.name} ({m.value!r})" for m in AutoresetMode)
        raise ValueError(f"autoreset_mode must be one of {allowed}, got {mode!r}") from None


def episode_step_limit(max_episode_steps: Any) -> int | None:
    """The step limit of ``max_episode_steps``: ``None`` and ``-1`` mean none, as for ``gymnasium.make``
    (where ``-1`` drops the registered limit), else an integer ``>= 1``."""
    if max_episode_steps is None or (
        isinstance(max_episode_steps, numbers.Integral)
        and not isinstance(max_episode_steps, bool)
        and max_episode_steps == -1
    ):
        return None
    try:
        return check_int("max_episode_steps", max_episode_steps, minimum=1, maximum=MAX_STEP_COUNT)
    except ValueError as error:
        raise ValueError(f"{error} (or -1 or None for no limit)") from None


class GridGameVectorEnv(VectorEnv):
    """Base class of the games' native vector envs (see the module docstring for the contract).

    ``autoreset_mode`` (also in ``metadata["autoreset_mode"]``), as Gymnasium's ``SyncVectorEnv``:

    * ``NEXT_STEP`` (default): the step after an episode ended resets that sub-env instead (its action is
      ignored, its reward is 0 and its flags are False);
    * ``SAME_STEP``: the step on which an episode ends already returns the new episode's observation and
      ``info``; the last observation is in ``info["final_obs"]`` (a batch, valid where the mask
      ``info["_final_obs"]`` is True) and the last ``info`` in ``info["final_info"]`` (``_final_info``);
    * ``DISABLED``: no autoreset; reset the ended sub-envs with ``reset(options={"reset_mask": mask})``
      before the next ``step()``, which otherwise raises ``ResetNeeded``.
    """

    metadata: ClassVar[dict[str, Any]] = vector_metadata(GridGameEnv)
    #: The game's scalar env, whose arguments, rules and kernels this vector env uses.
    SCALAR_ENV: ClassVar[type[GridGameEnv]]

    def __init_subclass__(cls, scalar_env: type[GridGameEnv] | None = None, **kwargs: Any) -> None:
        """``class GameVectorEnv(GridGameVectorEnv, scalar_env=GameEnv)``: the vector env of ``GameEnv``,
        taking ``num_envs``, then the scalar env's arguments (defaults included), then
        ``max_episode_steps`` and ``autoreset_mode``."""
        super().__init_subclass__(**kwargs)
        if scalar_env is None:
            return
        cls.SCALAR_ENV = scalar_env
        cls.metadata = vector_metadata(scalar_env)
        game_parameters = list(inspect.signature(scalar_env.__init__).parameters.values())[1:]
        own = inspect.signature(GridGameVectorEnv.__init__).parameters
        signature = inspect.Signature(
            [own["self"], own["num_envs"], *game_parameters, own["max_episode_steps"], own["autoreset_mode"]]
        )

        def __init__(self: GridGameVectorEnv, *args: Any, **kwargs: Any) -> None:
            arguments = signature.bind(self, *args, **kwargs)
            arguments.apply_defaults()
            game_arguments = dict(arguments.arguments)
            vector_arguments = {
                name: game_arguments.pop(name)
                for name in ("num_envs", "render_mode", "max_episode_steps", "autoreset_mode")
            }
            del game_arguments["self"]
            GridGameVectorEnv.__init__(self, game=scalar_env(**game_arguments), **vector_arguments)

        __init__.__signature__ = signature  # type: ignore[attr-defined]
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        __init__.__doc__ = f"The arguments of :class:`{scalar_env.__name__}` and the vector env's own."
        cls.__init__ = __init__  # type: ignore[method-assign]

    def __init__(
        self,
        num_envs: int = 1,
        *,
        game: GridGameEnv,
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    ) -> None:
        """``game`` is a scalar env of the game built with the user's arguments: it checks them and holds
        the game's parameters and rules; it is never stepped."""
        self.num_envs = check_int("num_envs", num_envs, minimum=1, maximum=MAX_NUM_ENVS)
        self.max_episode_steps = episode_step_limit(max_episode_steps)
        self.autoreset_mode = check_autoreset_mode(autoreset_mode)
        self.metadata = {**type(self).metadata, "autoreset_mode": self.autoreset_mode}
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])
        self.game = game
        self.height, self.width, self.obs_type = game.height, game.width, game.obs_type
        for name in inspect.signature(type(game).__init__).parameters:
            if name not in ("self", "render_mode"):  # the game's parameters, as the scalar env has them
                setattr(self, name, getattr(game, name))

        self.single_observation_space = game.observation_space
        self.single_action_space = game.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)

        self.rules = game.rules
        self._state = game.new_state(self.num_envs)
        #: Each sub-env's stream state (see :mod:`~gym_catchgames.random_stream`), set by the first reset.
        self._streams: np.ndarray | None = None
        #: ``step_batch``'s entry point for this env's argument types, bound by the first reset.
        self._step_batch: Any = None
        self._steps = np.zeros(self.num_envs, dtype=np.int64)
        self._episode_returns = np.zeros(self.num_envs, dtype=np.float64)
        #: Sub-envs whose episode ended on the last step: reset on this step (``NEXT_STEP``) or by the
        #: user (``DISABLED``); always False with ``SAME_STEP``.
        self._autoreset = np.zeros(self.num_envs, dtype=np.bool_)
        self._renderers: list[GridRenderer] = []

    # ----------------------------------------------------------------- the Gymnasium API
    def reset(
        self,
        *,
        seed: int | list[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start new episodes in every sub-env, or in those of ``options["reset_mask"]`` (a bool array).

        ``seed``: ``None``, an int ``s`` (sub-env ``i`` gets ``s + i``) or a list of ``num_envs`` ints or
        ``None``; see the module docstring for the seeding rule.
        """
        seeds = self._seed_list(seed)
        mask = self._reset_mask(options)
        super().reset(seed=seeds[0] if isinstance(seed, numbers.Integral) else None)
        if self._streams is None:
            if not mask.all():
                raise ValueError("the first reset() must reset every sub-env: drop options['reset_mask']")
            self._streams = self.np_random.integers(0, 1 << 64, self.num_envs, dtype=np.uint64)
            self._bind_kernels()
        seeded = [i for i, s in enumerate(seeds) if s is not None and mask[i]]
        if seeded:
            self._streams[seeded] = random_stream.keys_for_seeds([seeds[i] for i in seeded])
        observation = self._start_episodes(mask)
        self._autoreset[mask] = False
        return observation, self._info(mask)

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every sub-env; ended episodes restart as ``autoreset_mode`` says (see the class docstring)."""
        actions = self._checked_actions(actions)
        if self._streams is None:
            raise ResetNeeded(f"{type(self).__name__}: call reset() before step()")
        if self.autoreset_mode is AutoresetMode.DISABLED and self._autoreset.any():
            raise ResetNeeded(
                f"{type(self).__name__}: the episodes of sub-envs {np.flatnonzero(self._autoreset).tolist()} "
                "ended; with autoreset_mode DISABLED, reset them with "
                "reset(options={'reset_mask': terminated | truncated}) before step()"
            )
        resetting = self._autoreset  # all False unless NEXT_STEP
        modes = resetting.view(np.int8)  # NEW_EPISODE where resetting, else ADVANCE (see their values)
        reward = np.zeros(self.num_envs, dtype=np.float64)
        terminated = np.zeros(self.num_envs, dtype=np.bool_)
        truncated = np.zeros(self.num_envs, dtype=np.bool_)
        observation = self._run(actions, modes, reward, terminated, truncated)
        self._steps += 1
        self._episode_returns += reward
        if resetting.any():
            self._steps[resetting] = 0
            self._episode_returns[resetting] = 0.0
        if self.max_episode_steps is not None:
            truncated |= self._steps >= self.max_episode_steps
        ended = terminated | truncated
        if self.autoreset_mode is not AutoresetMode.SAME_STEP:
            self._autoreset = ended
        elif ended.any():
            final_obs, final_info = observation, self._info(ended)
            observation = self._start_episodes(ended)
            info = self._info()
            info.update(
                final_obs=final_obs, _final_obs=ended, final_info=final_info, _final_info=ended.copy()
            )
            return observation, reward, terminated, truncated, info
        return observation, reward, terminated, truncated, self._info()

    def render(self) -> tuple[np.ndarray, ...] | None:
        """The frames of the first ``min(num_envs, 4)`` sub-envs, each as the scalar env renders it."""
        if self.render_mode is None:
            logger.warn(
                f"{type(self).__name__}.render() was called without a render_mode; pass "
                'render_mode="rgb_array" to gymnasium.make_vec() to render.'
            )
            return None
        if self._streams is None:
            raise ResetNeeded(f"{type(self).__name__}: call reset() before render()")
        shown = min(self.num_envs, RENDERED_ENVS)
        while len(self._renderers) < shown:
            self._renderers.append(
                GridRenderer(
                    self.height,
                    self.width,
                    render_mode=self.render_mode,
                    fps=self.metadata["render_fps"],
                    title=f"{self.game.GAME_NAME} #{len(self._renderers)}",
                )
            )
        cells = np.empty((shown, self.height, self.width, 3), dtype=np.uint8)
        self.game.KERNELS.step_batch(
            self._state, self._streams, self.rules, np.zeros(shown, dtype=np.int64),
            np.full(shown, PAINT_ONLY, dtype=np.int8), cells, self.game.render_ink_rows,
            *self._unused_outputs(shown),
        )  # fmt: skip
        return tuple(self._renderers[i].draw(cells[i], self._status(i)) for i in range(shown))

    def close_extras(self, **kwargs: Any) -> None:
        """Close the renderers, if any."""
        for renderer in self._renderers:
            renderer.close()
        self._renderers = []

    # ----------------------------------------------------------------- helpers
    def get_action_meanings(self) -> list[str]:
        """What each action does, in index order (the same for every sub-env)."""
        return self.game.get_action_meanings()

    def _run(
        self,
        actions: np.ndarray,
        modes: np.ndarray,
        reward: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
    ) -> np.ndarray:
        """One call of the game's ``step_batch`` (see :class:`~gym_catchgames.core.GameKernels`): the
        sub-envs advance or start new episodes as ``modes`` says; returns the fresh observation batch."""
        observation = np.empty(self.observation_space.shape, dtype=self.observation_space.dtype)
        canvases = observation.reshape(self.num_envs, *self.game.canvas_shape)
        self._step_batch(
            self._state, self._streams, self.rules, actions, modes, canvases,
            self.game.observation_ink_rows, reward, terminated, truncated,
        )  # fmt: skip
        return observation

    def _bind_kernels(self) -> None:
        """Look up ``step_batch``'s entry point for this env's argument types (see ``core.compiled``)."""
        actions, canvases = (
            np.zeros(self.num_envs, dtype=np.int64),
            np.empty((self.num_envs, *self.game.canvas_shape), dtype=self.observation_space.dtype),
        )
        self._step_batch = compiled(
            self.game.KERNELS.step_batch, self._state, self._streams, self.rules, actions,
            np.zeros(self.num_envs, dtype=np.int8), canvases, self.game.observation_ink_rows,
            *self._unused_outputs(self.num_envs),
        )  # fmt: skip

    def __getstate__(self) -> dict[str, Any]:
        """The env's attributes without the kernel's entry point, which does not pickle."""
        return {**self.__dict__, "_step_batch": None}

    def __setstate__(self, attributes: dict[str, Any]) -> None:
        self.__dict__.update(attributes)
        if self._streams is not None:
            self._bind_kernels()

    def _start_episodes(self, mask: np.ndarray) -> np.ndarray:
        """New episodes in the sub-envs of ``mask``; the observation batch after them."""
        self._steps[mask] = 0
        self._episode_returns[mask] = 0.0
        modes = np.where(mask, NEW_EPISODE, PAINT_ONLY).astype(np.int8)
        return self._run(np.zeros(self.num_envs, dtype=np.int64), modes, *self._unused_outputs(self.num_envs))

    @staticmethod
    def _unused_outputs(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reward and flag arrays for a ``step_batch`` call that advances no sub-env."""
        return np.zeros(count), np.zeros(count, dtype=np.bool_), np.zeros(count, dtype=np.bool_)

    def _info(self, mask: np.ndarray | None = None) -> dict[str, Any]:
        """``info`` with Gymnasium's ``_key`` masks: every sub-env, or those of ``mask`` after a reset."""
        info: dict[str, Any] = {}
        for key, values in self.game.info_arrays(self._state).items():
            info[key] = values
            info[f"_{key}"] = np.ones(self.num_envs, dtype=np.bool_) if mask is None else mask.copy()
        return info

    def _status(self, i: int) -> str:
        """The status line under sub-env ``i``'s rendered board (as the scalar env's)."""
        extras = "".join(
            f"   {name} {values[i].item()}" for name, values in self.game.info_arrays(self._state).items()
        )
        return f"{self.game.GAME_NAME}   step {self._steps[i]}   return {self._episode_returns[i]:+g}{extras}"

    def _checked_actions(self, actions: Any) -> np.ndarray:
        """``actions`` as an int64 array of shape ``(num_envs,)``; a clear error for anything else."""
        if actions.__class__ is not np.ndarray:
            actions = np.asarray(actions)
        if actions.shape == (self.num_envs,) and actions.dtype == np.int64:
            # the kernel's entry point takes a contiguous, writeable array (see core.compiled)
            checked = actions if actions.flags.c_contiguous and actions.flags.writeable else actions.copy()
        elif actions.shape == (self.num_envs,) and actions.dtype.kind in "iu":
            checked = actions.astype(np.int64)
        else:
            raise self._actions_error(actions)
        if (checked.view(np.uint64) >= self.single_action_space.n).any():
            raise self._actions_error(actions)
        return checked

    def _actions_error(self, actions: np.ndarray) -> Exception:
        expected = (
            f"{type(self).__name__}.step() takes one action per sub-env: an integer array of shape "
            f"({self.num_envs},), each action in "
            f"{describe_actions(self.single_action_space, self.game.ACTION_MEANINGS)}"
        )
        if actions.shape != (self.num_envs,):
            return ValueError(f"{expected}; got shape {actions.shape}")
        if actions.dtype.kind not in "iu":
            return TypeError(f"{expected}; got dtype {actions.dtype}")
        bad = int(np.flatnonzero((actions < 0) | (actions >= self.single_action_space.n))[0])
        return ValueError(f"{expected}; got {actions[bad].item()!r} for sub-env {bad}")

    def _reset_mask(self, options: dict[str, Any] | None) -> np.ndarray:
        """The sub-envs to reset: ``options["reset_mask"]`` (checked as Gymnasium's vector envs do) or all."""
        if options is None or "reset_mask" not in options:
            return np.ones(self.num_envs, dtype=np.bool_)
        mask = options["reset_mask"]
        if not isinstance(mask, np.ndarray) or mask.shape != (self.num_envs,) or mask.dtype != np.bool_:
            raise ValueError(
                f"options['reset_mask'] must be a bool NumPy array of shape ({self.num_envs},), got {mask!r}"
            )
        if not mask.any():
            raise ValueError("options['reset_mask'] must select at least one sub-env, got all False")
        return mask

    def _seed_list(self, seed: Any) -> list[int | None]:
        """One seed (or ``None``) per sub-env, following :class:`gymnasium.vector.SyncVectorEnv`."""
        if seed is None:
            return [None] * self.num_envs
        if isinstance(seed, list | tuple):
            if len(seed) != self.num_envs:
                raise ValueError(
                    f"seed must be None, an int or a list of {self.num_envs} ints or None, got {seed!r}"
                )
            return [check_seed(value) for value in seed]
        first = check_seed(seed)
        return [first + i for i in range(self.num_envs)]
