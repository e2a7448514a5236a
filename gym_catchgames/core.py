"""``GridGameEnv``: what every grid game shares, so a game module holds only its rules.

A game's rules are compiled functions (numba ``@njit(cache=True)``) on the state of many games at once,
so that the scalar env and the vector env run the very same code: the scalar env is sub-env 0 of a
batch of one. A game module defines, top to bottom:

* its parameters (``__init__`` of the scalar env, which checks them) and its rules: ``rules``, the
  numbers its kernels need, in the order of a ``NamedTuple`` of the game (``CatchRules``);
* its state: ``_new_state(num_envs)`` returns the arrays holding the state of ``num_envs`` games, in the
  order of the game's state ``NamedTuple`` (``State``, e.g. ``CatchState``), one entry a game;
* its :class:`GameKernels`: ``new_episode`` and ``advance`` (the rules, on game ``i``, random draws from
  :mod:`~gym_catchgames.random_stream`), ``paint`` (game ``i`` into its ``(height, width, channels)``
  canvas of a batch, every cell: the background is 0) and ``step_batch``, the loop over sub-envs the
  vector env calls once a step (see :data:`ADVANCE`); the scalar env is a batch of one.

State and rules travel as plain tuples and each kernel names their fields again
(``state, rules = CatchState(*state), CatchRules(*rules)``, free in compiled code): numba's dispatcher
reads the types of a plain tuple in C but those of a ``NamedTuple`` in Python, which costs a scalar
env several times its step.

``advance`` returns ``(reward, terminated, truncated)`` (``truncated`` for a game's own limit, such as
Snake's steps without food; step limits of the registry are gymnasium's ``TimeLimit``). ``paint`` takes
the ink of each element (the rows of an array, in the order of ``GRID_VALUES``): grid values for the
``"grid"`` and ``"flat"`` observations, colours for ``"rgb"`` and for rendered frames, so the three can
never disagree.

A game also declares ``NATURAL_SCORE`` (:class:`~gym_catchgames.scoring.NaturalScore`), the number a
player of the game quotes for an episode; training, evaluation and the benchmarks read it from here.
A game that is another with other defaults (FruitFetch is Catch on 15x15, decided above the basket)
subclasses it and sets ``__init__ = with_defaults(Base.__init__, ...)`` rather than re-declaring it.

The base class does the rest the same way for every game: argument checks, spaces, seeding, action
validation with a clear error, fresh observation arrays, Python ``float`` rewards and ``bool`` flags,
``info`` from the state fields named in ``INFO_FIELDS``, rendering, keyboard mapping and ``close()``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple, TypeVar

import gymnasium as gym
import numba
import numpy as np
from gymnasium import logger, spaces
from gymnasium.error import ResetNeeded
from numba import njit

from gym_catchgames import random_stream
from gym_catchgames.rendering import PALETTE, GridRenderer, import_pygame
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import (
    action_error,
    check_choice,
    check_int,
    check_render_mode,
    check_seed,
)

#: Observation types laid out as the board, ``(height, width)`` or ``(height, width, 3)``: the input of
#: the package's observation wrappers.
IMAGE_OBS_TYPES = ("grid", "rgb")
#: Observation types every game accepts through its ``obs_type`` argument: the image ones and
#: ``"flat"``, the grid as one vector (the shape SB3's ``check_env`` and ``MlpPolicy`` expect).
OBS_TYPES = (*IMAGE_OBS_TYPES, "flat")
#: The smallest grid side any game accepts.
MIN_GRID_SIZE = 3
#: The largest grid side any game accepts: far beyond a playable board, and every observation of a
#: larger one would take megabytes (a side of 10**6 would fail to allocate instead of saying why).
MAX_GRID_SIZE = 1024

Function = TypeVar("Function", bound=Callable[..., Any])

#: What ``step_batch`` does with each sub-env (its ``modes`` array, one ``int8`` a sub-env): apply the
#: action, start a new episode (the action is ignored; reward 0, flags False) or only paint it. With
#: these values a bool mask of the sub-envs to reset, viewed as ``int8``, is a ``modes`` array.
ADVANCE, NEW_EPISODE, PAINT_ONLY = 0, 1, 2


class GameKernels(NamedTuple):
    """The compiled functions of one game, shared by its scalar and vector envs (see the module docstring).

    * ``new_episode(state, streams, rules, i)``
    * ``advance(state, streams, rules, i, action) -> (reward, terminated, truncated)``
    * ``paint(state, rules, i, canvases, ink)``: game ``i`` into ``canvases[i]``
    * ``step_batch(state, streams, rules, actions, modes, canvases, ink, rewards, terminated,
      truncated)``: for each ``i < len(modes)``, ``advance`` (writing the three outputs) or
      ``new_episode`` as ``modes[i]`` says, then ``paint``.

    Each game writes its own ``step_batch``, the same ten lines: numba caches a compiled function on disk
    only by its own source, so one loop shared by the games (taking their functions as arguments, or a
    closure over them) would compile again in every process.
    """

    new_episode: Callable[..., None]
    advance: Callable[..., tuple[float, bool, bool]]
    paint: Callable[..., None]
    step_batch: Callable[..., None]


# Painting helpers: a kernel paints sub-env ``i`` of a batch of canvases ``(games, height, width,
# channels)`` cell by cell. Inlined loops over the batch's own indices: a view per sub-env, a slice
# assignment or a call between compiled functions would each cost more than the cells they paint.
@njit(cache=True, inline="always")
def clear(canvases: np.ndarray, i: int) -> None:
    """Paint every cell of game ``i`` with the background, 0."""
    for row in range(canvases.shape[1]):
        for column in range(canvases.shape[2]):
            for channel in range(canvases.shape[3]):
                canvases[i, row, column, channel] = 0


@njit(cache=True, inline="always")
def paint_cell(canvases: np.ndarray, i: int, row: int, column: int, ink: np.ndarray, element: int) -> None:
    """Paint the cell (``row``, ``column``) of game ``i`` in the ink of ``element``."""
    for channel in range(ink.shape[1]):
        canvases[i, row, column, channel] = ink[element, channel]


@njit(cache=True, inline="always")
def paint_run(
    canvases: np.ndarray, i: int, row: int, first_column: int, length: int, ink: np.ndarray, element: int
) -> None:
    """Paint ``length`` cells of ``row`` of game ``i`` from ``first_column`` on (a basket, a paddle)."""
    for column in range(first_column, first_column + length):
        paint_cell(canvases, i, row, column, ink, element)


def compiled(kernel: Any, *args: Any) -> Callable[..., Any]:
    """``kernel``'s machine code for the types of ``args``, compiled (or loaded from numba's cache) once.

    Calling it skips numba's typing of the arguments on every call, which costs a scalar env more than
    a step of its game; the caller must then always pass arguments of exactly these types. An entry
    point does not pickle: envs drop theirs when pickled and bind them again when unpickled.
    """
    return kernel.compile(tuple(numba.typeof(argument) for argument in args))


def ink_array(values: dict[str, Any], dtype: Any) -> np.ndarray:
    """The ink of each element (``values``, in order) as the rows of an array: ``(elements, channels)``."""
    return np.array([np.reshape(value, -1) for value in values.values()], dtype=dtype)


def with_defaults(function: Function, **defaults: Any) -> Function:
    """``function`` with other default values for some of its parameters, and a signature that says so.

    For a game (or its vector env) that is another game with other defaults: positional and keyword
    calls bind exactly as for ``function``, and ``inspect.signature`` (hence ``help()`` and the docs)
    shows the new defaults.
    """
    signature = inspect.signature(function)
    unknown = sorted(set(defaults) - set(signature.parameters))
    if unknown:
        raise TypeError(f"{function.__qualname__} has no parameter(s) {', '.join(unknown)}")
    signature = signature.replace(
        parameters=[
            parameter.replace(default=defaults.get(name, parameter.default))
            for name, parameter in signature.parameters.items()
        ]
    )

    @functools.wraps(function)
    def with_other_defaults(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return function(*bound.args, **bound.kwargs)

    with_other_defaults.__signature__ = signature  # type: ignore[attr-defined]
    return with_other_defaults  # type: ignore[return-value]


class GridGameEnv(gym.Env[np.ndarray, np.int64]):
    """Base class of the package's grid games (see the module docstring for the contract)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 10}

    #: Name shown in errors and in the window title.
    GAME_NAME: ClassVar[str]
    #: What each action index does, e.g. ``("left", "stay", "right")``.
    ACTION_MEANINGS: ClassVar[tuple[str, ...]]
    #: Value of each game element in the ``"grid"`` observation; its keys name the elements painted, in
    #: the order of the rows of the ink ``paint`` takes.
    GRID_VALUES: ClassVar[dict[str, float]]
    #: Keyboard play: non-empty tuples of pygame key names (``pygame.K_<name>``) mapped to actions.
    KEY_ACTIONS: ClassVar[dict[tuple[str, ...], int]]
    #: The action taken while no mapped key is held (stay, release, keep going): ``noop=`` of
    #: ``gymnasium.utils.play.play``.
    NOOP_ACTION: ClassVar[int]
    #: The game's natural score (catch rate, catches, frames survived, fruit eaten).
    NATURAL_SCORE: ClassVar[NaturalScore]
    #: The game's compiled functions.
    KERNELS: ClassVar[GameKernels]
    #: The game's state ``NamedTuple``: its fields name the arrays of a state tuple.
    State: ClassVar[type]
    #: Fields of the state reported in ``info`` (and in the status line under a rendered board); a game
    #: whose ``info`` is more than state fields overrides :meth:`info_arrays` instead.
    INFO_FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, height: int, width: int, obs_type: str = "grid", render_mode: str | None = None
    ) -> None:
        self.height = check_int("height", height, minimum=MIN_GRID_SIZE)
        self.width = check_int("width", width, minimum=MIN_GRID_SIZE)
        for name, side in (("height", self.height), ("width", self.width)):
            if side > MAX_GRID_SIZE:
                raise ValueError(f"{name} must be <= {MAX_GRID_SIZE}, got {side}")
        self.obs_type = check_choice("obs_type", obs_type, OBS_TYPES)
        self.render_mode = check_render_mode(render_mode, self.metadata["render_modes"])

        self.action_space = spaces.Discrete(len(self.ACTION_MEANINGS))
        self._n_actions = len(self.ACTION_MEANINGS)
        #: Colour of each element: the ink of rendered frames and of ``"rgb"`` observations.
        self.render_ink = {name: np.array(PALETTE[name], dtype=np.uint8) for name in self.GRID_VALUES}
        #: What ``paint`` writes per element into an observation: the grid values or the colours.
        self.observation_ink: dict[str, Any]
        if obs_type == "rgb":
            self.observation_space = spaces.Box(0, 255, (self.height, self.width, 3), np.uint8)
            self.observation_ink = self.render_ink
        else:  # "grid", and "flat": the same values in one row-major vector
            shape = (self.height, self.width) if obs_type == "grid" else (self.height * self.width,)
            self.observation_space = spaces.Box(0.0, 1.0, shape, np.float32)
            self.observation_ink = dict(self.GRID_VALUES)
        self._obs_shape, self._obs_dtype = self.observation_space.shape, self.observation_space.dtype
        #: The shape ``paint`` draws into: the board's, with a channel axis whatever the observation's.
        self.canvas_shape = (self.height, self.width, 3 if obs_type == "rgb" else 1)
        self._one_canvas_shape = (1, *self.canvas_shape)  # the scalar env paints a batch of one
        #: Where each ``info`` key is in the state, when ``info`` is only state fields (a step's fast path).
        self._info_slots: tuple[tuple[str, int], ...] | None = None
        if type(self).info_arrays is GridGameEnv.info_arrays:
            self._info_slots = tuple((name, self.State._fields.index(name)) for name in self.INFO_FIELDS)
        self.observation_ink_rows = ink_array(self.observation_ink, self._obs_dtype)
        self.render_ink_rows = ink_array(self.render_ink, np.uint8)

        #: The rules' numbers, in the order the kernels take them (set by the game's ``__init__``).
        self.rules: tuple[Any, ...]
        self._state: tuple[np.ndarray, ...] | None = None
        self._streams = np.zeros(1, dtype=np.uint64)
        #: The kernels' entry points for this env's argument types (see :func:`compiled`).
        self._new_episode = self._advance = self._paint = None
        self._seeded = False
        self._episode_over = True
        self._steps = 0
        self._episode_return = 0.0
        self._renderer: GridRenderer | None = None

    # ----------------------------------------------------------------- the game's part
    def new_state(self, num_envs: int) -> tuple[np.ndarray, ...]:
        """The state of ``num_envs`` games (before their first episode): arrays in the order of ``State``."""
        raise NotImplementedError

    # ----------------------------------------------------------------- the Gymnasium API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new episode; ``seed`` restarts the random stream (same seed, same episodes).

        ``seed`` is ``None`` or an integer ``>= 0``, a NumPy integer included (Gymnasium's ``Env.reset``
        takes only Python ints, but would read ``True`` as seed 1: refused here, as by the vector envs).
        """
        super().reset(seed=check_seed(seed))
        if seed is not None or not self._seeded:
            self._streams[0] = random_stream.new_key(self.np_random)
            self._seeded = True
        if self._state is None:
            self._state = self.new_state(1)
            self._bind_kernels()
        self._steps = 0
        self._episode_return = 0.0
        self._episode_over = False
        self._new_episode(self._state, self._streams, self.rules, 0)
        if self.render_mode == "human":
            self.render()
        return self._observation(), self._info()

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Apply one action; raises ``ResetNeeded`` before ``reset()`` and after the episode ended."""
        if self._episode_over:
            raise ResetNeeded(
                f"{self.GAME_NAME}: call reset() before step() "
                "(at the start and after an episode has terminated)"
            )
        if action.__class__ is not int or not 0 <= action < self._n_actions:
            action = self._validated_action(action)
        reward, terminated, truncated = self._advance(self._state, self._streams, self.rules, 0, action)
        self._steps += 1
        self._episode_return += reward
        self._episode_over = terminated or truncated
        if self.render_mode == "human":
            self.render()
        return self._observation(), reward, terminated, truncated, self._info()

    def render(self) -> np.ndarray | None:
        """``"rgb_array"``: the frame as ``(H, W, 3)`` uint8; ``"human"``: draw it in a window."""
        if self.render_mode is None:
            logger.warn(
                f"{self.GAME_NAME}.render() was called without a render_mode; pass "
                'render_mode="rgb_array" or "human" to gymnasium.make() to render.'
            )
            return None
        if self._state is None:
            raise ResetNeeded(f"{self.GAME_NAME}: call reset() before render()")
        if self._renderer is None:
            self._renderer = GridRenderer(
                self.height,
                self.width,
                render_mode=self.render_mode,
                fps=self.metadata["render_fps"],
                title=self.GAME_NAME,
            )
        cells = np.empty((1, self.height, self.width, 3), dtype=np.uint8)
        self.KERNELS.paint(self._state, self.rules, 0, cells, self.render_ink_rows)
        return self._renderer.draw(cells[0], self._status())

    def close(self) -> None:
        """Close the window, if any; safe to call twice."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None

    # ----------------------------------------------------------------- helpers for games and users
    def get_keys_to_action(self) -> dict[tuple[int, ...], int]:
        """Key codes to actions, for ``gymnasium.utils.play.play`` and ``python -m gym_catchgames.play``.

        Every combination is non-empty, as ``gymnasium.utils.play.play`` requires; the action taken
        while no key is held is :attr:`NOOP_ACTION` (pass it as ``play(..., noop=env.NOOP_ACTION)``).
        """
        pygame = import_pygame()
        return {
            tuple(sorted(getattr(pygame, f"K_{name}") for name in keys)): action
            for keys, action in self.KEY_ACTIONS.items()
        }

    def get_action_meanings(self) -> list[str]:
        """What each action does, in index order (as ale-py's ``get_action_meanings``)."""
        return list(self.ACTION_MEANINGS)

    def _observation(self) -> np.ndarray:
        canvas = np.empty(self._one_canvas_shape, dtype=self._obs_dtype)
        self._paint(self._state, self.rules, 0, canvas, self.observation_ink_rows)
        return canvas.reshape(self._obs_shape)

    def _bind_kernels(self) -> None:
        """Look up the kernels' entry points for this env's state, rules and observation types."""
        kernels, state, rules = self.KERNELS, self._state, self.rules
        self._new_episode = compiled(kernels.new_episode, state, self._streams, rules, 0)
        self._advance = compiled(kernels.advance, state, self._streams, rules, 0, 0)
        canvas = np.empty(self._one_canvas_shape, dtype=self._obs_dtype)
        self._paint = compiled(kernels.paint, state, rules, 0, canvas, self.observation_ink_rows)

    def __getstate__(self) -> dict[str, Any]:
        """The env's attributes without the kernels' entry points, which do not pickle."""
        return {**self.__dict__, "_new_episode": None, "_advance": None, "_paint": None}

    def __setstate__(self, attributes: dict[str, Any]) -> None:
        self.__dict__.update(attributes)
        if self._state is not None:
            self._bind_kernels()

    def info_arrays(self, state: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
        """The ``info`` of every game of ``state``, one array a key (fresh copies): by default the
        state fields named in :attr:`INFO_FIELDS`. The vector env reports these arrays."""
        named = self.State(*state)
        return {name: getattr(named, name).copy() for name in self.INFO_FIELDS}

    def _info(self) -> dict[str, Any]:
        if self._info_slots is not None:
            return {name: self._state[slot][0].item() for name, slot in self._info_slots}
        return {name: values[0].item() for name, values in self.info_arrays(self._state).items()}

    def _status(self) -> str:
        """The status line under the rendered board."""
        extras = "".join(f"   {name} {value}" for name, value in self._info().items())
        return f"{self.GAME_NAME}   step {self._steps}   return {self._episode_return:+g}{extras}"

    def _validated_action(self, action: Any) -> int:
        """Slow path of the action check: accept NumPy integers, reject everything else clearly.

        Booleans are refused, as by the vector envs: ``True`` is no action index (Gymnasium's
        ``Discrete.contains`` accepts it, as a Python ``int`` subclass).
        """
        is_integer_array = isinstance(action, np.ndarray) and action.shape == ()
        if isinstance(action, np.integer) or (is_integer_array and action.dtype.kind in "iu"):
            index = int(action)
            if 0 <= index < self._n_actions:
                return index
        raise action_error(self.GAME_NAME, action, self.action_space, self.ACTION_MEANINGS)
