"""Cave: fly a one-button ship through a scrolling cave that narrows, dodging blocks (yukiB's CAVE)."""

from __future__ import annotations

import math
from typing import Any, ClassVar, NamedTuple

import numpy as np
from gymnasium.error import ResetNeeded
from numba import njit

from gym_catchgames.core import ADVANCE, MIN_GRID_SIZE, NEW_EPISODE, GameKernels, GridGameEnv, paint_cell
from gym_catchgames.random_stream import draw_int, draw_unit
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import MAX_STEP_COUNT, check_float, check_int
from gym_catchgames.vector import GridGameVectorEnv

#: Vertical acceleration per frame, in cells: gravity when released, lift when held.
ACCELERATION = 0.08
#: Scale of the gap centre's random walk, as a fraction of the view height (4.8 cells on 48 rows).
WALK_STEP = 0.1
# The gap centre's sticky random walk is yukiB's CAVE's: one uniform draw ``u`` a frame (see ``walk``).
#: ``u`` above this raises the centre's row by ``(u - RISE_OVER) * step`` (the gap moves down the view)...
RISE_OVER = 0.6
#: ...or above this one while it was already rising (slope +1): a rise tends to go on.
KEEP_RISING_OVER = 0.2
#: ``u`` below this (and not rising) lowers the centre's row by ``(FALL_UNDER - u) * step``...
FALL_UNDER = 0.4
#: ...or below this one while it was already falling (slope -1): a fall tends to go on.
KEEP_FALLING_UNDER = 0.8
#: Size of a block in cells.
BLOCK_WIDTH, BLOCK_HEIGHT = 2, 6
#: The narrowest gap (in cells) that still lets a block spawn inside it with a row to spare.
MIN_GAP_CELLS_WITH_BLOCKS = BLOCK_HEIGHT + 1
#: The largest reward magnitude accepted: a return of 10,000 frames of it stays finite and exact to far
#: below a frame's reward in float64, and SB3's float32 reward buffers hold it (1e308 would give inf).
MAX_REWARD = 1e6
#: The row stored for a column without a block or trail: far above any row the ship can reach.
NO_ROW = -(1 << 62)
#: Frames between two blocks when there are none (``block_interval=None``): a frame never reached.
NEVER = 1 << 62

WALL, BLOCK, TRAIL, SHIP = 0, 1, 2, 3  # the rows of the ink, in GRID_VALUES's order


class CaveRules(NamedTuple):
    """The numbers Cave's kernels need (from :class:`CaveEnv`'s arguments), in cells and frames."""

    height: int
    width: int
    ship_column: int
    initial_gap_cells: float
    min_gap_cells: float
    shrink_cells: float
    shrink_interval: int
    frames_between_blocks: int
    block_delay: int
    walk_step_cells: float
    survival_reward: float
    crash_reward: float


class CaveState(NamedTuple):
    """The state of many Cave games, one entry (or row) a game.

    The cave is a ring of ``width`` columns per game, indexed by the frame that made each one
    (slot ``frame % width``): screen column ``c`` is slot ``(frame - (width - 1 - c)) % width``.

    The env holds the state, and its :class:`CaveRules`, as plain tuples in these orders, and each
    kernel names their fields again (``CaveState(*state)``, free in compiled code): numba's dispatcher
    reads the types of a plain tuple of arrays in C but those of a ``NamedTuple`` in Python, which cost
    more than a frame of the game on every call of the scalar env.
    """

    y: np.ndarray  # the ship's world row (float; rows grow downwards) and its velocity
    vy: np.ndarray
    centre: np.ndarray  # the gap's centre (a random walk), its height and the walk's slope
    gap: np.ndarray
    slope: np.ndarray
    frame: np.ndarray  # frames since the episode's start
    crashed: np.ndarray
    next_block_top: np.ndarray  # a block that has entered at column ``width``: its top row and the
    next_block_columns: np.ndarray  # columns it has yet to cover
    tops: np.ndarray  # the ring: each column's gap (top and bottom), the top row of a block over it
    bottoms: np.ndarray  # and the ship's row when it was under the ship (NO_ROW: none)
    block_tops: np.ndarray
    trail_rows: np.ndarray


class CaveColumn(NamedTuple):
    """One column of the cave: its gap (the ship crashes at ``y <= top`` or ``y >= bottom``) and the top
    row of the block over it (``None``: no block)."""

    top: float
    bottom: float
    block_top: int | None


@njit(cache=True)
def walk(centre: float, slope: int, u: float, step: float) -> tuple[float, int]:
    """The gap centre's sticky random walk for the draw ``u`` (uniform in ``[0, 1)``): the new centre and
    slope (+1 after a rise, -1 after a fall, else 0); ``step`` is the walk's scale in cells."""
    if u > (KEEP_RISING_OVER if slope == 1 else RISE_OVER):
        return centre + (u - RISE_OVER) * step, 1
    if u < (KEEP_FALLING_UNDER if slope == -1 else FALL_UNDER):
        return centre - (FALL_UNDER - u) * step, -1
    return centre, 0


@njit(cache=True)
def enter_column(state: CaveState, i: int, slot: int) -> None:
    """A column enters in ``slot``: the current gap, and the entering block's rows if one is due."""
    half = state.gap[i] * 0.5
    state.tops[i, slot] = state.centre[i] - half
    state.bottoms[i, slot] = state.centre[i] + half
    state.trail_rows[i, slot] = NO_ROW
    if state.next_block_columns[i] > 0:
        state.block_tops[i, slot] = state.next_block_top[i]
        state.next_block_columns[i] -= 1
    else:
        state.block_tops[i, slot] = NO_ROW


@njit(cache=True, inline="always")
def new_episode(state: tuple[np.ndarray, ...], streams: np.ndarray, rules: tuple[Any, ...], i: int) -> None:
    """The ship at rest on the middle row, in a straight cave centred on it, a level trail, no blocks."""
    state, rules = CaveState(*state), CaveRules(*rules)
    state.y[i] = state.centre[i] = float(rules.height // 2)
    state.vy[i] = 0.0
    state.gap[i] = rules.initial_gap_cells
    state.slope[i] = 0
    state.frame[i] = 0
    state.crashed[i] = False
    state.next_block_top[i], state.next_block_columns[i] = NO_ROW, 0
    for slot in range(rules.width):
        enter_column(state, i, slot)
    for column in range(rules.ship_column + 1):  # screen column c is slot (c + 1) % width at frame 0
        state.trail_rows[i, (column + 1) % rules.width] = rules.height // 2


@njit(cache=True, inline="always")
def advance(
    state: tuple[np.ndarray, ...], streams: np.ndarray, rules: tuple[Any, ...], i: int, action: int
) -> tuple[float, bool, bool]:
    """One frame, steps 1 to 8 of the class docstring's order of operations."""
    state, rules = CaveState(*state), CaveRules(*rules)
    vy = state.vy[i] = state.vy[i] + (ACCELERATION if action == 0 else -ACCELERATION)
    y = state.y[i] = state.y[i] + vy
    frame = state.frame[i] = state.frame[i] + 1
    if frame % rules.shrink_interval == 0:
        state.gap[i] = max(state.gap[i] - rules.shrink_cells, rules.min_gap_cells)
    state.centre[i], state.slope[i] = walk(
        state.centre[i], state.slope[i], draw_unit(streams, i), rules.walk_step_cells
    )
    new_slot = frame % rules.width
    enter_column(state, i, new_slot)
    if frame % rules.frames_between_blocks == 0 and frame > rules.block_delay:
        first = math.floor(state.tops[i, new_slot])  # a block enters at column ``width``, in this gap
        choices = math.floor(state.bottoms[i, new_slot] - BLOCK_HEIGHT) - first
        state.next_block_top[i] = first + draw_int(streams, i, choices)
        state.next_block_columns[i] = BLOCK_WIDTH
    ship_slot = (frame - (rules.width - 1 - rules.ship_column)) % rules.width
    state.trail_rows[i, ship_slot] = math.floor(y)
    block_top = state.block_tops[i, ship_slot]
    crashed = (
        y <= state.tops[i, ship_slot]
        or y >= state.bottoms[i, ship_slot]
        or block_top <= y < block_top + BLOCK_HEIGHT
    )
    state.crashed[i] = crashed
    return (rules.crash_reward if crashed else rules.survival_reward), crashed, False


@njit(cache=True, inline="always")
def paint(
    state: tuple[np.ndarray, ...], rules: tuple[Any, ...], i: int, canvases: np.ndarray, ink: np.ndarray
) -> None:
    """The view around the ship: wall outside each column's gap (every cell the gap touches is open),
    blocks over it, the trail over both, then the ship on the middle row.

    Every cell is painted, row by row and one channel at a time, from the rows where each screen column
    changes: a loop the compiler turns into vector instructions. Those rows are clipped to just outside
    the view, ``-BLOCK_HEIGHT..height``, and held as ``int32`` (twice as many to an instruction)."""
    state, rules = CaveState(*state), CaveRules(*rules)
    height, width, channels = canvases.shape[1:]
    view_top = math.floor(state.y[i]) - height // 2
    rows = np.empty((4, width), np.int32)  # one allocation for the four
    first_open, end_open, block_row, trail_row = rows[0], rows[1], rows[2], rows[3]
    for column in range(width):
        slot = (state.frame[i] - (width - 1 - column)) % width
        for k, world_row in enumerate(
            (
                math.floor(state.tops[i, slot]),
                math.ceil(state.bottoms[i, slot]),
                state.block_tops[i, slot],
                state.trail_rows[i, slot],
            )
        ):
            rows[k, column] = min(max(world_row - view_top, -BLOCK_HEIGHT), height)
    for channel in range(channels):
        wall, block, trail = ink[WALL, channel], ink[BLOCK, channel], ink[TRAIL, channel]
        open_cave = wall - wall
        for row in range(height):
            row32 = np.int32(row)
            for column in range(width):
                outside = (row32 < first_open[column]) | (row32 >= end_open[column])
                cell = wall if outside else open_cave
                on_block = (block_row[column] <= row32) & (row32 < block_row[column] + BLOCK_HEIGHT)
                cell = block if on_block else cell
                canvases[i, row, column, channel] = trail if row32 == trail_row[column] else cell
    paint_cell(canvases, i, height // 2, rules.ship_column, ink, SHIP)


@njit(cache=True)
def step_batch(
    state: tuple[np.ndarray, ...], streams: np.ndarray, rules: tuple[Any, ...], actions: np.ndarray,
    modes: np.ndarray, canvases: np.ndarray, ink: np.ndarray, rewards: np.ndarray, terminated: np.ndarray,
    truncated: np.ndarray,
) -> None:  # fmt: skip
    """One vector step (see :class:`~gym_catchgames.core.GameKernels`)."""
    for i in range(modes.size):
        if modes[i] == ADVANCE:
            rewards[i], terminated[i], truncated[i] = advance(state, streams, rules, i, actions[i])
        elif modes[i] == NEW_EPISODE:
            new_episode(state, streams, rules, i)
        paint(state, rules, i, canvases, ink)


class CaveEnv(GridGameEnv):
    """
    ## Description

    The CAVE game of yukiB's Keras DQN article (keras-dqn-cave): a ship flies through a cave that scrolls one
    column per frame. Holding the button accelerates it upwards, releasing it lets it fall. The gap
    between ceiling and floor wanders as a random walk and narrows over time, and after a while blocks
    enter from the right. The view follows the ship vertically, so the ship is always drawn at row
    ``height // 2`` of column ``ship_column``, with a trail of its recent positions behind it.

    ## Action Space

    ``Discrete(2)``: 0 = release (fall), 1 = hold (rise). The no-op
    (``NOOP_ACTION``, keyboard play with no key held) is 0 = release.

    ## Observation Space

    ``obs_type="grid"`` (default): ``Box(0, 1, (height, width), float32)``, the CAVE game's values: wall
    0.4, block 0.5, trail 0.8, ship 1.0, open cave 0. ``obs_type="rgb"``: ``Box(0, 255, (height, width,
    3), uint8)``, one pixel per cell in the renderer's colours. The view's top row is world row
    ``floor(y) - height // 2``; the ship is drawn in the cell ``floor(y)``.
    ``obs_type="flat"``: the grid as one row-major vector, ``Box(0, 1, (height * width,), float32)``,
    on which SB3's ``check_env`` warns nothing (it calls the 2-D grid an unconventional shape).

    A wall column with gap ``(top, bottom)`` draws wall in the cells ``k < floor(top)`` and
    ``k >= ceil(bottom)``: every cell the open gap touches is drawn open. The ship crashes when
    ``y <= top`` or ``y >= bottom``, so a ship that is still flying is never drawn on a wall.

    ## Rewards

    ``survival_reward`` for every frame survived, ``crash_reward`` on the crash. ``Cave-v1``: 1 and 0,
    so the episode return is the number of frames survived, ``info["frames_survived"]``.
    ``Cave-v0``: 0 and -1, as in CAVE, so every episode returns -1 and only ``info["frames_survived"]``
    tells a long flight from a short one.

    ## Starting State

    The ship is at ``y = height // 2`` with zero velocity, in a straight cave: every column has its gap
    centred on the ship, ``initial_gap * height`` cells tall. The trail starts level with the ship and
    there are no blocks.

    ## Episode End

    Terminated when the ship crashes into a wall or a block. Truncated after 10,000 frames by the
    registry's ``TimeLimit``. ``info["frames_survived"]`` counts the frames flown without
    crashing (CAVE's own score).

    ## Order of operations in a frame

    All arithmetic is float64, in this order (the vector env runs the very same compiled rules):

    1. Ship: ``vy += ACCELERATION`` on action 0, ``vy -= ACCELERATION`` on action 1; then ``y += vy``.
       Rows grow downwards; there is no speed cap.
    2. The frame counter ``frame`` (0 after reset) goes up by one.
    3. Narrowing: if ``frame % shrink_interval == 0``,
       ``gap = max(gap - gap_shrink * height, min_gap * height)``.
    4. Random walk of the gap centre, one draw ``u = uniform[0, 1)`` per frame, with
       ``step = WALK_STEP * height``: ``up = 0.2 if slope == +1 else 0.6``,
       ``down = 0.8 if slope == -1 else 0.4``. If ``u > up``: ``centre += (u - 0.6) * step``, slope +1;
       elif ``u < down``: ``centre -= (0.4 - u) * step``, slope -1; else slope 0 (a slope tends to
       persist).
    5. Scroll: the leftmost column leaves and a new one enters on the right, with ``top = centre - gap *
       0.5`` and ``bottom = centre + gap * 0.5``; it carries a block's rows if a block is still entering.
    6. If ``block_interval`` is not ``None``, ``frame > block_delay`` and ``frame % block_interval ==
       0``, a block enters at column ``width`` (just off the view; it covers the next two columns to
       enter). Its top row is ``floor(top) + randint(floor(bottom - 6) - floor(top))`` with the new
       column's gap (a second draw, the stream's integer draw), so it fits in that gap.
    7. The column now under the ship records the ship's cell row ``floor(y)``: the trail it leaves.
    8. Crash if ``y <= top`` or ``y >= bottom`` of the column under the ship, or if that column carries
       a block and ``block_top <= y < block_top + 6`` (exactly the block's drawn cells).

    ## Arguments

    ``gymnasium.make("Cave-v1", height=48, width=48, ship_column=15, initial_gap=0.55, min_gap=0.30,
    gap_shrink=0.01, shrink_interval=51, block_interval=21, block_delay=50, survival_reward=1.0,
    crash_reward=0.0, obs_type="grid", render_mode=None)``; ``Cave-v0`` has ``survival_reward=0.0`` and
    ``crash_reward=-1.0``. Gap sizes are fractions of the view height,
    as in CAVE (26.4 cells narrowing by 0.48 every 51 frames down to 14.4 on 48 rows): ``min_gap``,
    ``initial_gap`` and ``gap_shrink`` are at most 1 (a wider gap would never show a wall). The two rewards
    are at most ``MAX_REWARD`` (1e6) in magnitude.
    ``block_interval`` must be >= 2 (blocks are 2 columns wide), or ``None`` for no blocks. With blocks,
    ``min_gap * height`` must be at least 7 cells so that a 6-row block fits in the narrowest gap.

    ## Version History

    * v0: CAVE's rules with a hit box equal to the drawn block (CAVE's was one column and one
      row larger than the 2×6 block it drew), floor-based block rows (CAVE truncated towards zero),
      and blocks every ``block_interval`` frames counted from frame 0.
    * v1: the same game with ``survival_reward=1`` and ``crash_reward=0`` by default, so that the
      return measures the flight; ``Cave-v0`` keeps CAVE's 0 and -1.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 30}
    GAME_NAME = "Cave"
    ACTION_MEANINGS = ("release", "hold")
    GRID_VALUES: ClassVar[dict[str, float]] = {"wall": 0.4, "block": 0.5, "trail": 0.8, "ship": 1.0}
    KEY_ACTIONS: ClassVar[dict[tuple[str, ...], int]] = {("SPACE",): 1}
    NOOP_ACTION = 0  # release: the ship falls
    NATURAL_SCORE = NaturalScore("frames survived", info_key="frames_survived")
    KERNELS = GameKernels(new_episode, advance, paint, step_batch)
    State = CaveState

    def __init__(
        self,
        height: int = 48,
        width: int = 48,
        ship_column: int = 15,
        initial_gap: float = 0.55,
        min_gap: float = 0.30,
        gap_shrink: float = 0.01,
        shrink_interval: int = 51,
        block_interval: int | None = 21,
        block_delay: int = 50,
        survival_reward: float = 0.0,
        crash_reward: float = -1.0,
        obs_type: str = "grid",
        render_mode: str | None = None,
    ) -> None:
        self.ship_column = check_int("ship_column", ship_column, minimum=0)
        # Gaps are shares of the view's height: above 1 no wall cell would ever be visible.
        self.min_gap = check_float("min_gap", min_gap, minimum=0.0, maximum=1.0, exclusive_minimum=True)
        self.initial_gap = check_float(
            "initial_gap (at least min_gap)", initial_gap, minimum=self.min_gap, maximum=1.0
        )
        self.gap_shrink = check_float("gap_shrink", gap_shrink, minimum=0.0, maximum=1.0)
        counts = {"maximum": MAX_STEP_COUNT}
        self.shrink_interval = check_int("shrink_interval", shrink_interval, minimum=1, **counts)
        if block_interval is not None:
            block_interval = check_int(
                "block_interval (or None for no blocks)", block_interval, minimum=BLOCK_WIDTH, **counts
            )
        self.block_interval = block_interval
        self.block_delay = check_int("block_delay", block_delay, minimum=0, **counts)
        limits = {"minimum": -MAX_REWARD, "maximum": MAX_REWARD}
        self.survival_reward = check_float("survival_reward", survival_reward, **limits)
        self.crash_reward = check_float("crash_reward", crash_reward, **limits)
        # The view must hold the ship's column, and (with blocks) the narrowest gap must hold a block.
        why_height = f"a gap of min_gap={self.min_gap:g} of it must hold a {BLOCK_HEIGHT}-row block"
        _check_side("height", height, self._min_height(), why_height)
        why_width = f"it must hold the ship's column, ship_column={self.ship_column}"
        _check_side("width", width, max(MIN_GRID_SIZE, self.ship_column + 1), why_width)
        super().__init__(height, width, obs_type, render_mode)
        self.rules = tuple(
            CaveRules(
                self.height,
                self.width,
                self.ship_column,
                self.initial_gap * self.height,
                self.min_gap * self.height,
                self.gap_shrink * self.height,
                self.shrink_interval,
                block_interval or NEVER,
                self.block_delay,
                WALK_STEP * self.height,
                self.survival_reward,
                self.crash_reward,
            )
        )

    def _min_height(self) -> int:
        """The smallest view height on which the narrowest gap holds a block (3 without blocks)."""
        if self.block_interval is None:
            return MIN_GRID_SIZE
        height = max(MIN_GRID_SIZE, math.ceil(MIN_GAP_CELLS_WITH_BLOCKS / self.min_gap))
        while self.min_gap * height < MIN_GAP_CELLS_WITH_BLOCKS:  # guard against rounding in the division
            height += 1
        return height

    def new_state(self, num_envs: int) -> tuple[np.ndarray, ...]:
        floats, ints, ring = np.zeros(num_envs), np.zeros(num_envs, dtype=np.int64), (num_envs, self.width)
        return tuple(
            CaveState(
                y=floats.copy(),
                vy=floats.copy(),
                centre=floats.copy(),
                gap=floats.copy(),
                slope=ints.copy(),
                frame=ints.copy(),
                crashed=np.zeros(num_envs, dtype=np.bool_),
                next_block_top=ints.copy(),
                next_block_columns=ints.copy(),
                tops=np.zeros(ring),
                bottoms=np.zeros(ring),
                block_tops=np.zeros(ring, dtype=np.int64),
                trail_rows=np.zeros(ring, dtype=np.int64),
            )
        )

    def info_arrays(self, state: tuple[np.ndarray, ...]) -> dict[str, np.ndarray]:
        """``frames_survived``: the frames flown without crashing (CAVE's score)."""
        state = CaveState(*state)
        return {"frames_survived": state.frame - state.crashed}

    # ----------------------------------------------------------------- a look inside, for tests and debugging
    @property
    def ship(self) -> tuple[float, float]:
        """The ship's world row ``y`` (it is drawn in cell ``floor(y)``) and its velocity ``vy``."""
        state = self._started_state()
        return state.y[0].item(), state.vy[0].item()

    def column(self, column: int) -> CaveColumn:
        """Screen column ``column`` (``0..width-1``; the ship flies in ``ship_column``) of the cave."""
        state, slot = self._started_state(), self._slot(column)
        block_top = state.block_tops[0, slot].item()
        return CaveColumn(
            state.tops[0, slot].item(),
            state.bottoms[0, slot].item(),
            None if block_top == NO_ROW else block_top,
        )

    def place_ship(self, y: float, vy: float = 0.0) -> None:
        """Put the ship at world row ``y`` with velocity ``vy``: a known situation for a test, without
        searching seeds for it. The next ``step()`` flies from there."""
        state = self._started_state()
        state.y[0], state.vy[0] = y, vy

    def place_block(self, column: int, top: int) -> None:
        """Put a block's rows ``top..top+5`` over screen column ``column`` (for tests, like
        :meth:`place_ship`)."""
        self._started_state().block_tops[0, self._slot(column)] = top

    def _started_state(self) -> CaveState:
        if self._state is None:
            raise ResetNeeded(f"{self.GAME_NAME}: call reset() before looking inside the game")
        return CaveState(*self._state)

    def _slot(self, column: int) -> int:
        """The ring slot of screen column ``column``."""
        column = check_int("column", column, minimum=0, maximum=self.width - 1)
        return (self._started_state().frame[0].item() - (self.width - 1 - column)) % self.width


def _check_side(name: str, value: Any, minimum: int, reason: str) -> int:
    """``check_int`` with the reason for the minimum added to its error."""
    try:
        return check_int(name, value, minimum=minimum)
    except ValueError as error:
        raise ValueError(f"{error} ({reason})") from None


class CaveVectorEnv(GridGameVectorEnv, scalar_env=CaveEnv):
    """Natively batched Cave: ``gymnasium.make_vec("Cave-v0", num_envs=n)``.

    Arguments are the scalar env's plus ``num_envs``, ``max_episode_steps`` (10,000 from the registry;
    ``None``: none) and ``autoreset_mode`` (Gymnasium's ``NEXT_STEP`` unless ``SAME_STEP`` or
    ``DISABLED``). Sub-env ``i`` after ``reset(seed=s)`` plays exactly the episodes of ``CaveEnv`` after
    ``reset(seed=s + i)``: both run the same compiled rules, and each board is painted once a step,
    straight into the observation batch. ``render()`` returns the frames of the first four sub-envs.
    """
