"""Cave: fly a one-button ship through a scrolling cave that narrows, dodging blocks (yukiB's CAVE)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from gymnasium.vector import AutoresetMode

from gym_catchgames.core import MIN_GRID_SIZE, GridGameEnv
from gym_catchgames.scoring import NaturalScore
from gym_catchgames.validation import MAX_STEP_COUNT, check_float, check_int
from gym_catchgames.vector import GridGameVectorEnv, vector_metadata

#: Vertical acceleration per frame, in cells: gravity when released, lift when held.
ACCELERATION = 0.08
#: Scale of the gap centre's random walk, as a fraction of the view height (4.8 cells on 48 rows).
WALK_STEP = 0.1
#: Size of a block in cells.
BLOCK_WIDTH, BLOCK_HEIGHT = 2, 6
#: The narrowest gap (in cells) that still lets a block spawn inside it with a row to spare.
MIN_GAP_CELLS_WITH_BLOCKS = BLOCK_HEIGHT + 1
#: Width of the drawing cache's tape of columns, in views.
TAPE_VIEWS = 4
#: The largest reward magnitude accepted: a return of 10,000 frames of it stays finite and exact to far
#: below a frame's reward in float64, and SB3's float32 reward buffers hold it (1e308 would give inf).
MAX_REWARD = 1e6
#: The row stored for a column without a block or trail: far above any row the ship can reach.
NO_ROW = -(1 << 62)
#: Rows the vector env's picture band keeps painted above and below the view, as a share of the view's
#: height (plus one row): every band row costs a cell per step, a band the view leaves is moved.
BAND_MARGIN = 1 / 4
#: Codes of what a cell shows, indexing an ink table made by ``_inks_by_code`` (open cave is 0).
WALL_CODE, BLOCK_CODE, TRAIL_CODE = 1, 2, 3


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

    All arithmetic is float64, in this order (the vector version reproduces it bit for bit):

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
    PAINTS_EVERY_CELL: ClassVar[bool] = True  # the view is one slice copy of the cached strip

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
        # The rules in cells and frames, read by the vector env too:
        #: Screen columns to the right of the ship's.
        self.columns_right_of_ship = self.width - 1 - self.ship_column
        #: Frames between two blocks (without blocks: an interval never reached).
        self.frames_between_blocks = block_interval or 1 << 62
        #: Ring slots of the screen columns ``0..ship_column`` at frame 0 (where the trail starts).
        self.start_trail_slots = [(column + 1) % self.width for column in range(self.ship_column + 1)]
        #: The gap centre's largest step per frame, the narrowest gap and each narrowing, in cells.
        self.walk_step_cells = WALK_STEP * self.height
        self.min_gap_cells = self.min_gap * self.height
        self.shrink_cells = self.gap_shrink * self.height
        # The cave as a ring of columns, indexed by the frame that made each one (slot = frame % width):
        # the gap, the cells drawn open, the top row of a block over the column and the ship's row when
        # the column was under it (NO_ROW for none). Fixed-size Python lists: a scalar env reads and
        # writes single items, which lists do fastest.
        self._tops = [0.0] * self.width
        self._bottoms = [0.0] * self.width
        self._open_first = [0] * self.width  # first open cell: floor(top)
        self._open_end = [0] * self.width  # one past the last open cell: ceil(bottom)
        self._block_tops = [NO_ROW] * self.width
        self._trail_rows = [NO_ROW] * self.width
        # A block that has entered at column ``width``: its top row and the columns it has yet to cover.
        self._next_block_top = NO_ROW
        self._next_block_columns = 0
        self._y = self._vy = self._centre = self._gap = 0.0
        self._slope = 0
        self._frame = 0
        self._crashed = False
        self._strips: dict[int, _Strip] = {}

    def _min_height(self) -> int:
        """The smallest view height on which the narrowest gap holds a block (3 without blocks)."""
        if self.block_interval is None:
            return MIN_GRID_SIZE
        height = max(MIN_GRID_SIZE, math.ceil(MIN_GAP_CELLS_WITH_BLOCKS / self.min_gap))
        while self.min_gap * height < MIN_GAP_CELLS_WITH_BLOCKS:  # guard against rounding in the division
            height += 1
        return height

    # ----------------------------------------------------------------- rules
    def _new_episode(self) -> None:
        self._y = float(self.height // 2)
        self._vy = 0.0
        self._centre = self._y
        self._gap = self.initial_gap * self.height
        self._slope = 0
        self._frame = 0
        self._crashed = False
        self._next_block_top, self._next_block_columns = NO_ROW, 0
        self._set_column(0)
        for ring in (self._tops, self._bottoms, self._open_first, self._open_end, self._block_tops):
            ring[1:] = ring[:1] * (self.width - 1)
        self._trail_rows[:] = [NO_ROW] * self.width
        start_row = math.floor(self._y)
        for slot in self.start_trail_slots:  # the trail starts level with the ship
            self._trail_rows[slot] = start_row
        for strip in self._strips.values():
            strip.paint_start(self, self._view_top())

    def _advance(self, action: int) -> tuple[float, bool, bool]:
        self._vy = vy = self._vy + (ACCELERATION if action == 0 else -ACCELERATION)
        self._y = y = self._y + vy
        self._frame = frame = self._frame + 1
        if frame % self.shrink_interval == 0:
            self._gap = max(self._gap - self.shrink_cells, self.min_gap_cells)
        self._walk()
        new_slot = frame % self.width
        self._set_column(new_slot)
        if frame % self.frames_between_blocks == 0 and frame > self.block_delay:
            self._spawn_block(new_slot)
        ship_slot = (frame - self.columns_right_of_ship) % self.width
        ship_row = self._trail_rows[ship_slot] = math.floor(y)
        for strip in self._strips.values():
            strip.add_column(self, new_slot, ship_row)

        block_top = self._block_tops[ship_slot]
        self._crashed = (
            y <= self._tops[ship_slot]
            or y >= self._bottoms[ship_slot]
            or block_top <= y < block_top + BLOCK_HEIGHT
        )
        if self._crashed:
            return self.crash_reward, True, False
        return self.survival_reward, False, False

    def _walk(self) -> None:
        """Step 4 of a frame: the gap centre's sticky random walk (one draw)."""
        u = self._random_unit()
        slope = self._slope
        if u > (0.2 if slope == 1 else 0.6):
            self._centre += (u - 0.6) * self.walk_step_cells
            self._slope = 1
        elif u < (0.8 if slope == -1 else 0.4):
            self._centre -= (0.4 - u) * self.walk_step_cells
            self._slope = -1
        else:
            self._slope = 0

    def _set_column(self, slot: int) -> None:
        """Step 5 of a frame: the current gap, and the next block's rows if one is due, enter in ``slot``."""
        half = self._gap * 0.5
        top, bottom = self._centre - half, self._centre + half
        self._tops[slot], self._bottoms[slot] = top, bottom
        self._open_first[slot], self._open_end[slot] = math.floor(top), math.ceil(bottom)
        self._trail_rows[slot] = NO_ROW
        if self._next_block_columns:
            self._block_tops[slot] = self._next_block_top
            self._next_block_columns -= 1
        else:
            self._block_tops[slot] = NO_ROW

    def _spawn_block(self, slot: int) -> None:
        """Step 6 of a frame: a block enters at column ``width``, inside the gap of column ``slot``."""
        first = self._open_first[slot]
        choices = math.floor(self._bottoms[slot] - BLOCK_HEIGHT) - first
        self._next_block_top = first + self._random_int(choices)
        self._next_block_columns = BLOCK_WIDTH

    # ----------------------------------------------------------------- drawing
    def _view_top(self) -> int:
        """World row of the view's top row: the view keeps the ship on row ``height // 2``."""
        return math.floor(self._y) - self.height // 2

    def _slot_of_column(self, column: int) -> int:
        """Ring slot of the wall column now at screen column ``column``."""
        return (self._frame - (self.width - 1 - column)) % self.width

    def _paint(self, canvas: np.ndarray, ink: dict[str, Any]) -> None:
        view_top = self._view_top()
        strip = self._strips.get(canvas.ndim)
        if strip is None:
            strip = self._strips[canvas.ndim] = _Strip(self, ink, canvas.dtype, view_top)
        elif not strip.top_row <= view_top <= strip.last_view_top:
            strip.repaint(self, view_top)
        canvas[...] = strip.view(view_top)
        canvas[self.height // 2, self.ship_column] = ink["ship"]

    def _info(self) -> dict[str, Any]:
        return {"frames_survived": self._frame - self._crashed}

    def _status(self) -> str:
        return f"{super()._status()}   frames survived {self._frame - self._crashed}"


def _inks_by_code(ink: dict[str, Any], dtype: np.dtype) -> np.ndarray:
    """The inks of the cell codes, as one table: open (0), ``WALL_CODE``, ``BLOCK_CODE``, ``TRAIL_CODE``."""
    wall = np.asarray(ink["wall"])
    return np.array([np.zeros_like(wall), wall, ink["block"], ink["trail"]], dtype=dtype)


def _check_side(name: str, value: Any, minimum: int, reason: str) -> int:
    """``check_int`` with the reason for the minimum added to its error."""
    try:
        return check_int(name, value, minimum=minimum)
    except ValueError as error:
        raise ValueError(f"{error} ({reason})") from None


class _Strip:
    """The cave's walls, blocks and trail painted in one ink over a band of world rows.

    A cache that makes an observation one slice copy instead of a 48×48 repaint. The band holds
    ``3 * height`` world rows around the view, and its columns are a tape, ``TAPE_VIEWS`` views wide:
    each column is painted once, when it enters, after the last one, and the view is the last
    ``width`` columns. When the tape is full its last ``width - 1`` columns move back to its start.
    A column is one slice of a template (wall, the open cells, wall) for its number of open cells. The
    band is repainted from the game state when the view leaves it.
    """

    def __init__(self, env: CaveEnv, ink: dict[str, Any], dtype: np.dtype, view_top: int) -> None:
        self.width, self.height, self.ship_column = env.width, env.height, env.ship_column
        self.rows = 3 * env.height
        self.channels = np.shape(ink["wall"])
        self.image = np.zeros((self.rows, TAPE_VIEWS * env.width, *self.channels), dtype=dtype)
        self.wall, self.block, self.trail = ink["wall"], ink["block"], ink["trail"]
        self._inks = _inks_by_code(ink, dtype)
        self._templates: dict[int, np.ndarray] = {}  # wall column templates by number of open cells
        self._start_image: np.ndarray | None = None
        self.top_row = self.last_view_top = 0  # world rows: of the band's first row, of the lowest view
        self.end = env.width  # one past the tape column of the newest cave column
        self.repaint(env, view_top)

    def view(self, view_top: int) -> np.ndarray:
        """The view whose top row is world row ``view_top``, without the ship (a slice of the tape)."""
        rows = view_top - self.top_row
        return self.image[rows : rows + self.height, self.end - self.width : self.end]

    def _move_band(self, view_top: int) -> None:
        """Centre the band of rows on the view and start the tape again from its first column."""
        self.top_row = view_top - self.height
        self.last_view_top = self.top_row + self.rows - self.height
        self.end = self.width

    def repaint(self, env: CaveEnv, view_top: int) -> None:
        """Paint everything from the game state, with the view in the middle of the band."""
        self._move_band(view_top)
        screen_slots = [env._slot_of_column(column) for column in range(self.width)]
        rows = np.arange(self.top_row, self.top_row + self.rows)[:, None]
        first, end, block_tops, trail_rows = (
            np.array(ring)[screen_slots]
            for ring in (env._open_first, env._open_end, env._block_tops, env._trail_rows)
        )
        codes = ((rows < first) | (rows >= end)).astype(np.int8)
        codes[(rows >= block_tops) & (rows < block_tops + BLOCK_HEIGHT)] = BLOCK_CODE
        codes[rows == trail_rows] = TRAIL_CODE
        self.image[:, : self.width] = self._inks[codes]

    def paint_start(self, env: CaveEnv, view_top: int) -> None:
        """:meth:`repaint` for the start of an episode: a straight cave and a level trail, the same picture
        in every episode, so it is painted once and copied after that."""
        self._move_band(view_top)
        start = self.image[:, : self.width]
        if self._start_image is not None:
            start[...] = self._start_image
            return
        start[...] = self.wall
        start[max(env._open_first[0] - self.top_row, 0) : max(env._open_end[0] - self.top_row, 0)] = 0
        start[math.floor(env._y) - self.top_row, : self.ship_column + 1] = self.trail
        self._start_image = start.copy()

    def add_column(self, env: CaveEnv, slot: int, ship_row: int) -> None:
        """Paint the column that just entered (from ``slot``) and the trail's newest cell."""
        end, rows, top_row = self.end, self.rows, self.top_row
        if end == self.image.shape[1]:  # the tape is full: its last width - 1 columns go to the start
            self.image[:, : self.width - 1] = self.image[:, end - self.width + 1 :]
            end = self.width - 1
        first, open_cells = env._open_first[slot] - top_row, env._open_end[slot] - env._open_first[slot]
        template = self._templates.get(open_cells)
        if template is None:
            shape = (2 * rows + open_cells, *self.channels)
            template = self._templates[open_cells] = np.empty(shape, dtype=self.image.dtype)
            template[...] = self.wall
            template[rows : rows + open_cells] = 0
        # Template row ``rows`` is the first open cell; a gap wholly outside the band gives all wall.
        offset = min(max(rows - first, 0), rows + open_cells)
        self.image[:, end] = template[offset : offset + rows]
        block_top = env._block_tops[slot] - top_row
        if block_top + BLOCK_HEIGHT > 0:  # (never true for NO_ROW)
            self.image[max(block_top, 0) : block_top + BLOCK_HEIGHT, end] = self.block
        self.end = end = end + 1
        row = ship_row - top_row
        if 0 <= row < rows:  # the ship may have left the band: the next paint repaints it
            self.image[row, end - self.width + self.ship_column] = self.trail


class CaveVectorEnv(GridGameVectorEnv):
    """Natively batched Cave: ``gymnasium.make_vec("Cave-v0", num_envs=n)``.

    Arguments are the scalar env's plus ``num_envs`` and ``max_episode_steps`` (10,000 from the
    registry; ``None``: none). Sub-env ``i`` after ``reset(seed=s)`` plays exactly the episodes of
    ``CaveEnv`` after ``reset(seed=s + i)``, with the same float64 operations in the same order;
    autoreset is Gymnasium's ``NEXT_STEP``
    unless ``autoreset_mode`` (``SAME_STEP``, ``DISABLED``) says otherwise.

    The cave batches cleanly: every sub-env scrolls one column per frame, so the scalar env's ring of
    columns (gap, open cells, block rows, trail row) becomes a tape of columns shared by all sub-envs:
    step ``t`` writes tape row ``t`` (one entry per sub-env), so the columns on screen, the new one and
    the one under the ship are the same tape rows for every sub-env: contiguous slices, with no
    per-sub-env index (a new episode writes the start picture, a straight cave with a level trail, over
    its own entries of the rows on screen). When the tape is full its last ``width - 1`` rows move back
    to its start.

    The observation is kept painted, in its final row-major layout, on a picture tape per sub-env: a
    band of world rows around the view (``BAND_MARGIN`` of the height above and below it, plus a row),
    stored as one run of cells in rows of ``width`` cells. Cell ``(row, column)`` of a band is tape cell
    ``start + row * width + column``, with ``start`` shared by all sub-envs. A step moves ``start`` on by
    one cell, which scrolls every band one column to the left, and paints the new column into the cells
    the leaving one gave up (one row down): a row of a table of every wall column (by its open rows,
    clipped to the band) per sub-env, with one strided write for all of them, then the few block cells
    and the trail's newest cell. A view is then ``height * width`` consecutive cells of its band, so the
    observation is one gather of one contiguous run per sub-env (a fresh array every step) and the
    ship's cells. A new episode copies the start picture (painted once) into its band; a view that
    leaves its band moves the band to centre it: the rows both bands hold move with one gather, the
    others are drawn from the tape of columns. When the picture tape is full, the bands go back to its
    start. ``render()`` draws its views from the tape of columns.

    Where a step's time goes at 1,024 sub-envs: the gather costs about one copy of the observation
    batch; painting the new column, which touches one cache line per band row and sub-env, costs
    about two thirds of that again; the rules, the new episodes and the band moves take the rest.
    """

    metadata: ClassVar[dict[str, Any]] = vector_metadata(CaveEnv)

    def __init__(
        self,
        num_envs: int = 1,
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
        max_episode_steps: int | None = None,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    ) -> None:
        game = CaveEnv(
            height,
            width,
            ship_column,
            initial_gap,
            min_gap,
            gap_shrink,
            shrink_interval,
            block_interval,
            block_delay,
            survival_reward,
            crash_reward,
            obs_type,
        )
        super().__init__(
            num_envs,
            game,
            max_episode_steps=max_episode_steps,
            render_mode=render_mode,
            autoreset_mode=autoreset_mode,
        )
        for name in ("ship_column", "initial_gap", "min_gap", "gap_shrink", "shrink_interval"):
            setattr(self, name, getattr(game, name))
        for name in ("block_interval", "block_delay", "survival_reward", "crash_reward"):
            setattr(self, name, getattr(game, name))
        n, columns = self.num_envs, (TAPE_VIEWS * self.width, self.num_envs)
        self._y, self._vy, self._centre, self._gap = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
        self._slope = np.zeros(n, dtype=np.int64)
        self._frame = np.zeros(n, dtype=np.int64)
        self._crashed = np.zeros(n, dtype=np.bool_)
        # The tape: one row per cave column, one entry per sub-env; ``_newest`` is the row the last step
        # wrote. Two arrays hold the tape's fields, so a new episode writes its start columns with two writes.
        self._float_tape, self._int_tape = np.zeros((2, *columns)), np.full((4, *columns), NO_ROW)
        self._view_tape_fields()
        self._accelerations = np.array([ACCELERATION, -ACCELERATION])  # by action
        # A new episode's columns on screen, as in the tapes: a straight cave with a level trail.
        start = self.height // 2
        half = self.initial_gap * self.height * 0.5
        top, bottom = start - half, start + half
        trail = np.where(np.arange(self.width) <= self.ship_column, start, NO_ROW)
        self._start_floats = np.array([[top], [bottom]]).repeat(self.width, axis=1)
        self._start_ints = np.array(
            [[math.floor(top)] * self.width, [math.ceil(bottom)] * self.width, [NO_ROW] * self.width, trail]
        )
        self._newest = self.width - 1
        self._next_block_top = np.full(n, NO_ROW, dtype=np.int64)
        self._next_block_columns = np.zeros(n, dtype=np.int64)
        # The picture tape (see the class docstring), in the observation's ink and dtype.
        self._margin = math.floor(self.height * BAND_MARGIN) + 1
        self._band_rows = self.height + 2 * self._margin
        self._band_cells = self._band_rows * self.width
        ink, dtype = game.observation_ink, self.observation_space.dtype
        self._channels = np.shape(ink["wall"])  # () for "grid" and "flat", (3,) for "rgb"
        self._inks = _inks_by_code(ink, dtype)
        self._ship_ink = np.asarray(ink["ship"], dtype=dtype)
        self._picture = np.zeros((n, 2 * self._band_cells, *self._channels), dtype=dtype)
        self._picture_start = 0  # tape cell of every band's first cell
        self._picture_offsets = np.arange(n, dtype=np.int64) * self._picture.shape[1]  # in the flat cells
        self._band_tops = np.zeros(n, dtype=np.int64)  # world row of each band's first row
        self._start_band: np.ndarray | None = None  # a new episode's band, painted once
        # Every band column: row ``first * (band_rows + 1) + end`` has wall (code 1) outside the rows
        # first..end-1.
        band_rows, bounds = np.arange(self._band_rows), np.arange(self._band_rows + 1)
        wall = (band_rows < bounds[:, None, None]) | (band_rows >= bounds[:, None])
        self._column_table = self._inks[wall.reshape(-1, self._band_rows).view(np.int8)]

    def _screen(self) -> slice:
        """The tape rows of the columns on screen, left to right."""
        return slice(self._newest - self.width + 1, self._newest + 1)

    def _view_tape_fields(self) -> None:
        """The tape's fields as views of its two arrays (again after a copy, which turns views into
        arrays of their own: the copy's fields would then stop following its tapes)."""
        self._tops, self._bottoms = self._float_tape
        self._open_first, self._open_end = self._int_tape[:2]  # floor(top), ceil(bottom)
        self._block_tops, self._trail_rows = self._int_tape[2:]

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a copy (``copy.deepcopy``, ``pickle``) with its tape fields viewing its own tapes."""
        self.__dict__.update(state)
        self._view_tape_fields()

    def _new_episodes(self, index: np.ndarray) -> None:
        start = float(self.height // 2)
        self._y[index], self._vy[index], self._centre[index] = start, 0.0, start
        self._gap[index] = self.initial_gap * self.height
        self._slope[index] = 0
        self._frame[index] = 0
        self._crashed[index] = False
        self._next_block_top[index], self._next_block_columns[index] = NO_ROW, 0
        n, screen = self.num_envs, self._screen()
        for tape, columns in ((self._float_tape, self._start_floats), (self._int_tape, self._start_ints)):
            rows = np.arange(len(tape))[:, None] * tape[0].size + np.arange(screen.start, screen.stop) * n
            tape.reshape(-1)[rows[:, :, None] + index] = columns[:, :, None]
        self._band_tops[index] = -self._margin  # the view's top row is world row 0
        if self._start_band is None:
            self._start_band = self._draw_rows(
                index[:1], self._band_tops[index[:1]], self._band_rows, self._inks
            )[0]
        self._picture[index, self._picture_start : self._picture_start + self._band_cells] = self._start_band

    def _advance(self, actions: np.ndarray, stepping: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
        game = self.game
        self._vy += self._accelerations[actions]
        self._y += self._vy
        self._frame += 1
        frame, y = self._frame, self._y
        narrowing = frame % self.shrink_interval == 0
        if narrowing.any():
            self._gap[narrowing] = np.maximum(self._gap[narrowing] - game.shrink_cells, game.min_gap_cells)
        self._walk(np.flatnonzero(stepping))
        self._scroll()
        newest, envs = self._newest, slice(None)
        self._set_columns(envs, newest)
        spawning = frame % game.frames_between_blocks == 0
        spawning &= frame > self.block_delay
        spawning &= stepping
        if spawning.any():
            self._spawn_blocks(np.flatnonzero(spawning), newest)
        ship = newest - game.columns_right_of_ship
        ship_rows = self._trail_rows[ship] = np.floor(y)
        self._paint_new_column(ship_rows)
        block_top = self._block_tops[ship]
        crashed = y <= self._tops[ship]
        crashed |= y >= self._bottoms[ship]
        crashed |= (block_top <= y) & (y < block_top + BLOCK_HEIGHT)
        self._crashed = crashed
        reward = np.where(crashed, self.crash_reward, self.survival_reward)
        return reward, crashed.copy(), None

    def _scroll(self) -> None:
        """Make room for the next column: when the tape is full, its last ``width - 1`` rows go to its
        start."""
        length = len(self._tops)
        if self._newest + 1 == length:
            for tape in (self._float_tape, self._int_tape):
                tape[:, : self.width - 1] = tape[:, length - self.width + 1 :]
            self._newest = self.width - 2
        self._newest += 1

    def _walk(self, index: np.ndarray) -> None:
        """Step 4 of a frame for the sub-envs in ``index``: the gap centre's sticky random walk."""
        u = self._random_units(index)
        slope = self._slope[index]
        rising = u > np.where(slope == 1, 0.2, 0.6)
        falling = u < np.where(slope == -1, 0.8, 0.4)
        falling &= ~rising
        # centre - (0.4 - u) * step is exactly centre + (u - 0.4) * step, and adding 0.0 changes nothing.
        step = (u - np.where(rising, 0.6, 0.4)) * self.game.walk_step_cells
        step[~(rising | falling)] = 0.0
        self._centre[index] += step
        self._slope[index] = np.subtract(rising, falling, dtype=np.int64)

    def _set_columns(self, index: Any, column: int) -> None:
        """Step 5 for the sub-envs in ``index``: the current gap, and an entering block, into ``column``."""
        half = self._gap[index] * 0.5
        top, bottom = self._centre[index] - half, self._centre[index] + half
        self._tops[column, index], self._bottoms[column, index] = top, bottom
        self._open_first[column, index] = np.floor(top)
        self._open_end[column, index] = np.ceil(bottom)
        self._trail_rows[column, index] = NO_ROW
        entering = self._next_block_columns[index] > 0
        self._block_tops[column, index] = np.where(entering, self._next_block_top[index], NO_ROW)
        self._next_block_columns[index] -= entering

    def _spawn_blocks(self, index: np.ndarray, column: int) -> None:
        """Step 6 for the sub-envs in ``index``: a block enters, inside the gap of their ``column``."""
        first = self._open_first[column, index]
        choices = np.floor(self._bottoms[column, index] - BLOCK_HEIGHT).astype(np.int64) - first
        self._next_block_top[index] = first + self._random_ints(index, choices[:, None])[:, 0]
        self._next_block_columns[index] = BLOCK_WIDTH

    def _paint_new_column(self, ship_rows: np.ndarray) -> None:
        """Scroll every band one column and paint the newest column into it, then the trail's newest cell
        (in the column under the ship, on row ``ship_rows``)."""
        n, width, band_rows, band_cells = self.num_envs, self.width, self._band_rows, self._band_cells
        start = self._picture_start + 1
        if start + band_cells > self._picture.shape[1]:  # the tape is full: the bands go to its start
            self._picture[:, : band_cells - 1] = self._picture[:, start : start + band_cells - 1]
            start = 0
        self._picture_start = start
        newest, band_tops = self._newest, self._band_tops
        first = self._open_first[newest] - band_tops
        np.clip(first, 0, band_rows, out=first)
        end = self._open_end[newest] - band_tops
        np.clip(end, 0, band_rows, out=end)
        first *= band_rows + 1
        first += end
        # mode="clip" skips NumPy's bounds check; the rows are in range.
        column = np.take(self._column_table, first, axis=0, mode="clip")  # (n, band_rows, ...)
        block_tops = self._block_tops[newest] - band_tops
        with_block = np.flatnonzero(block_tops > -BLOCK_HEIGHT)  # the few sub-envs with a block in it
        if len(with_block):
            rows = block_tops[with_block, None] + np.arange(BLOCK_HEIGHT)
            shown = rows.view(np.uint64) < band_rows
            column.reshape(n * band_rows, *self._channels)[
                (rows + with_block[:, None] * band_rows)[shown]
            ] = self._inks[BLOCK_CODE]
        cells = self._picture.reshape(-1, *self._channels)
        self._picture[:, start + width - 1 : start + band_cells : width] = column
        rows = ship_rows.astype(np.int64) - band_tops
        shown = rows.view(np.uint64) < band_rows
        rows *= width
        rows += self._picture_offsets + start
        cells[rows[shown] + self.ship_column] = self._inks[TRAIL_CODE]

    def _observation(self) -> np.ndarray:
        height, width = self.height, self.width
        view_tops = np.floor(self._y).astype(np.int64) - height // 2
        rows = view_tops - self._band_tops
        leaving = rows.view(np.uint64) > self._band_rows - height
        if leaving.any():
            index = np.flatnonzero(leaving)
            self._move_bands(index, view_tops[index] - self._margin)
            rows[index] = self._margin
        rows *= width
        rows += self._picture_offsets + self._picture_start
        cells = self._picture.reshape(-1, *self._channels)
        # Every run of height * width cells of the picture tape, as a view: an observation per cell.
        views = np.lib.stride_tricks.as_strided(
            cells,
            shape=(len(cells) - height * width + 1, height, width, *self._channels),
            strides=(cells.strides[0], width * cells.strides[0], *cells.strides),
            writeable=False,
        )
        observation = views[rows]  # a fresh array
        observation[:, height // 2, self.ship_column] = self._ship_ink
        return observation.reshape(self.observation_space.shape)

    def _move_bands(self, index: np.ndarray, tops: np.ndarray) -> None:
        """Move the bands of the sub-envs in ``index`` to start at world rows ``tops``: the rows the old
        band holds move with one gather, the others are drawn from the tape of columns."""
        band_rows, start = self._band_rows, self._picture_start
        moves = tops - self._band_tops[index]
        self._band_tops[index] = tops
        bands = self._picture[index, start : start + self._band_cells].reshape(len(index), band_rows, -1)
        from_rows = np.clip(np.arange(band_rows) + moves[:, None], 0, band_rows - 1)
        bands = bands[np.arange(len(index))[:, None], from_rows]  # (sub-env, row, cells of a row)
        # The rows that come from outside the old band, at the top or the bottom (a few more where the
        # bands move by different numbers of rows: drawing a row again changes nothing).
        drawn = min(int(np.abs(moves).max()), band_rows)
        first_rows = np.where(moves > 0, band_rows - drawn, 0)
        rows = first_rows[:, None] + np.arange(drawn)
        bands[np.arange(len(index))[:, None], rows] = self._draw_rows(
            index, tops + first_rows, drawn, self._inks
        ).reshape(len(index), drawn, *bands.shape[2:])
        self._picture[index, start : start + self._band_cells] = bands.reshape(
            len(index), -1, *self._channels
        )

    def _draw_rows(self, index: np.ndarray, tops: np.ndarray, count: int, inks: np.ndarray) -> np.ndarray:
        """The ``count`` world rows from ``tops`` down of the columns on screen of the sub-envs in
        ``index``, as ``(len(index), count * width, ...)`` cells in ``inks`` (by code): walls, blocks
        over them, the trail over both (no ship)."""
        screen = self._screen()
        rows = tops[:, None, None] + np.arange(count)[:, None]  # (sub-env, row, 1)
        first, end, block_tops, trail_rows = (field[screen][:, index].T[:, None] for field in self._int_tape)
        codes = ((rows < first) | (rows >= end)).view(np.int8)  # 0 open, 1 wall (WALL_CODE)
        codes[(rows >= block_tops) & (rows < block_tops + BLOCK_HEIGHT)] = BLOCK_CODE
        codes[rows == trail_rows] = TRAIL_CODE
        return inks[codes.reshape(len(index), -1)]

    def _paint(self, cells: np.ndarray, ink: dict[str, Any]) -> None:
        """Render (``render()``): every view drawn from the tape of columns in ``ink``."""
        view_tops = np.floor(self._y).astype(np.int64) - self.height // 2
        inks = _inks_by_code(ink, cells.dtype)
        views = self._draw_rows(np.arange(self.num_envs), view_tops, self.height, inks)
        board = cells.reshape(self.num_envs, self.height, self.width, *cells.shape[1:])
        board[...] = views.reshape(board.shape)
        board[:, self.height // 2, self.ship_column] = ink["ship"]

    def _info_arrays(self) -> dict[str, np.ndarray]:
        return {"frames_survived": self._frame - self._crashed}

    def _status(self, i: int) -> str:
        return f"{super()._status(i)}   frames survived {self._frame[i] - self._crashed[i]}"
