"""The one pygame renderer shared by every grid game, and the colours of the game elements.

Games paint their cells into an ``(H, W, 3)`` uint8 image (one pixel per cell, the ``"rgb"``
observation). :class:`GridRenderer` scales that image up to a readable window, adds a status line
(score, step) and either shows it (``"human"``) or returns it (``"rgb_array"``). pygame is imported only
here, and only when something is first drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from gymnasium import logger
from gymnasium.error import DependencyNotInstalled

if TYPE_CHECKING:
    import pygame

#: Colour of each game element in ``"rgb"`` observations and rendered frames. The background is black.
PALETTE: dict[str, tuple[int, int, int]] = {
    "fruit": (235, 72, 60),
    "basket": (70, 140, 245),
    "paddle": (70, 140, 245),
    "ball": (250, 205, 50),
    "wall": (150, 110, 70),
    "block": (205, 70, 205),
    "trail": (70, 165, 90),
    "ship": (245, 245, 245),
    "snake": (70, 205, 95),
    "snake_head": (175, 255, 160),
    "food": (235, 72, 60),
}

#: Size of the board in rendered frames: cells are scaled so the longer side is about this many pixels.
BOARD_PIXELS = 480
STATUS_HEIGHT = 28
_GRID_LINE = np.array((28, 28, 28), dtype=np.uint8)
_STATUS_BACKGROUND = (24, 24, 32)
_STATUS_TEXT = (230, 230, 230)


def cell_size_for(height: int, width: int) -> int:
    """Pixels per cell so that the board is about :data:`BOARD_PIXELS` wide on its longer side."""
    return max(2, BOARD_PIXELS // max(height, width))


def upscale(cells: np.ndarray, cell_size: int) -> np.ndarray:
    """Scale an ``(H, W, 3)`` cell image to ``(H*s, W*s, 3)`` and draw thin grid lines if cells are big."""
    board = np.repeat(np.repeat(cells, cell_size, axis=0), cell_size, axis=1)
    if cell_size >= 16:
        board[::cell_size, :] = _GRID_LINE
        board[:, ::cell_size] = _GRID_LINE
    return board


def import_pygame():
    """pygame, or gymnasium's ``DependencyNotInstalled`` saying how to install it."""
    try:
        import pygame
    except ImportError as error:
        raise DependencyNotInstalled(
            'pygame is not installed; install it with `pip install "pygame>=2.5"`'
        ) from error
    return pygame


class GridRenderer:
    """Draws a game's cell image with a status line, in a window or into an RGB array.

    Closing the window does not crash the program: the renderer warns once and stops drawing until
    :meth:`close` is called (a new :meth:`draw` after ``close()`` opens a new window).

    pygame has one display per process, so every ``"human"`` renderer draws into the same window
    (resized to its frame and titled with its name as it draws); the display closes when the last open
    human renderer closes, so closing one env's window never breaks another's.

    A renderer can be copied and pickled at any time: the pygame objects are not part of its state, and
    a copy starts its own surface (or joins the window) on its next :meth:`draw`.
    """

    #: The human renderers that have opened the display and not closed it yet.
    _open_windows: ClassVar[set[int]] = set()

    def __init__(self, height: int, width: int, *, render_mode: str, fps: int, title: str) -> None:
        self.render_mode = render_mode
        self.fps = fps
        self.title = title
        self.cell_size = cell_size_for(height, width)
        self.frame_size = (width * self.cell_size, height * self.cell_size + STATUS_HEIGHT)
        self.window_closed = False
        self._pygame: object | None = None
        self._surface: pygame.Surface | None = None
        self._clock: pygame.time.Clock | None = None
        self._font: pygame.font.Font | None = None

    def draw(self, cells: np.ndarray, status: str) -> np.ndarray | None:
        """Draw one frame; return it as ``(H, W, 3)`` uint8 in ``"rgb_array"`` mode, else ``None``."""
        if self.window_closed:
            return None
        pygame = self._start()
        board = upscale(cells, self.cell_size)
        if self.render_mode == "human" and pygame.display.get_surface() is not self._surface:
            self._surface = self._show_window(pygame)  # another renderer drew in the window meanwhile
        surface = self._surface
        surface.fill(_STATUS_BACKGROUND)
        pygame.surfarray.blit_array(
            surface.subsurface((0, 0, board.shape[1], board.shape[0])), board.transpose(1, 0, 2)
        )
        text = self._font.render(status, True, _STATUS_TEXT)
        surface.blit(text, (8, board.shape[0] + (STATUS_HEIGHT - text.get_height()) // 2))
        if self.render_mode == "rgb_array":
            return np.array(pygame.surfarray.pixels3d(surface)).transpose(1, 0, 2)
        if pygame.event.get(pygame.QUIT):
            logger.warn(f"The {self.title} window was closed; rendering stops until env.close().")
            self.close()
            self.window_closed = True
            return None
        pygame.display.flip()
        self._clock.tick(self.fps)
        return None

    def _start(self):
        """Initialise pygame on first use: a window in human mode, an off-screen surface otherwise."""
        if self._pygame is not None:
            return self._pygame
        pygame = import_pygame()
        pygame.font.init()
        if self.render_mode == "human":
            pygame.display.init()
            GridRenderer._open_windows.add(id(self))
            self._surface = self._show_window(pygame)
            self._clock = pygame.time.Clock()
        else:
            self._surface = pygame.Surface(self.frame_size)
        self._font = pygame.font.Font(None, 24)
        self._pygame = pygame
        return pygame

    def _show_window(self, pygame) -> pygame.Surface:
        """The display window, sized and titled for this renderer."""
        pygame.display.set_caption(self.title)
        return pygame.display.set_mode(self.frame_size)

    def close(self) -> None:
        """Close the window if one is open and no other renderer uses it. Safe to call any number of times."""
        if self._pygame is not None and self.render_mode == "human":
            GridRenderer._open_windows.discard(id(self))
            if not GridRenderer._open_windows:
                self._pygame.display.quit()
        self._pygame = self._surface = self._clock = self._font = None
        self.window_closed = False

    def __getstate__(self) -> dict[str, Any]:
        """The renderer's settings without its pygame objects (modules and surfaces do not copy)."""
        return {**self.__dict__, "_pygame": None, "_surface": None, "_clock": None, "_font": None}
