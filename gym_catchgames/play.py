"""Play any registered game from the keyboard: ``python -m gym_catchgames.play Catch-v0``.

The game waits for a first key press ("press a key to start"), then runs in real time at ``--fps``
frames per second, one env step per frame. Every key tap counts: a tap shorter than a frame is queued
and played on the next frame with no tap of its own, one tap per frame (ten quick taps are ten moves
on ten frames); on a frame without a queued tap the keys held decide, and with no mapped key held the
game takes its no-op action (``NOOP_ACTION``: stay, release, keep going). The env's own frame shows
the step and the episode return; the window title shows the episodes played and the mean return.
Esc, closing the window or Ctrl-C ends the session, and its scores are printed on exit (exit status 0,
or 130 after Ctrl-C). Without a screen to show the window on (a server, ``DISPLAY`` unset) it stops at
once with a one-line error instead of playing in a window nobody can see.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium
import numpy as np

from gym_catchgames.registration import ENV_IDS
from gym_catchgames.rendering import import_pygame
from gym_catchgames.validation import check_int, int_at_least


@dataclass
class PlayResult:
    """What a play session scored: one return per finished episode; ``interrupted``: ended by Ctrl-C."""

    episode_returns: list[float] = field(default_factory=list)
    steps: int = 0
    interrupted: bool = False

    def summary(self, env_id: str) -> str:
        if not self.episode_returns:
            return f"{env_id}: no episode finished ({self.steps} steps played)"
        episodes, mean, best = (
            len(self.episode_returns),
            np.mean(self.episode_returns),
            max(self.episode_returns),
        )
        return f"{env_id}: {episodes} episodes, mean return {mean:+.2f}, best {best:+g}"


class KeyboardInput:
    """The actions the keyboard asks for, frame by frame: queued taps first, then the keys held."""

    def __init__(self, keys_to_action: dict[tuple[int, ...], int], noop: int) -> None:
        self.keys_to_action, self.noop = keys_to_action, noop
        self.mapped_keys = {key for combination in keys_to_action for key in combination}
        self.held: set[int] = set()
        #: One action per mapped key press not played yet, oldest first.
        self.taps: deque[int] = deque()
        #: Whether a key has been pressed (the game waits for one before its first step).
        self.started = False
        self.quit = False

    def read(self, events: Sequence[Any], pygame: Any) -> None:
        """Take in the events queued since the last frame, in order."""
        for event in events:
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                self.quit = True
            elif event.type == pygame.KEYDOWN:
                self.started = True
                if event.key in self.mapped_keys:
                    self.held.add(event.key)
                    alone = self.keys_to_action.get((event.key,), self.noop)
                    self.taps.append(self.keys_to_action.get(tuple(sorted(self.held)), alone))
            elif event.type == pygame.KEYUP:
                self.held.discard(event.key)

    def action(self) -> int:
        """This frame's action: the oldest queued tap, else the keys held, else the no-op."""
        if self.taps:
            return self.taps.popleft()
        return self.keys_to_action.get(tuple(sorted(self.held)), self.noop)


class NoDisplayError(RuntimeError):
    """SDL has no screen to open a window on; the message says why."""


#: SDL's video drivers that show nothing: used only when ``SDL_VIDEODRIVER`` asks for them (tests do).
HEADLESS_DRIVERS = frozenset({"dummy", "offscreen"})


def init_display(pygame: Any) -> None:
    """Initialise pygame's display, or raise :class:`NoDisplayError` if no window could be seen.

    With no usable display (``DISPLAY`` unset or unreachable, as on a server) SDL2 does not fail: it
    falls back to its ``offscreen`` driver, and a keyboard session would wait forever for a key in a
    window nobody sees. So a headless driver is refused unless ``SDL_VIDEODRIVER`` names it. SDL's
    failed probes write to the C stderr (libwayland's "XDG_RUNTIME_DIR is invalid"); that text is held
    back, and written out only if a window can be shown, so a refusal is the one line of its message.
    """
    requested = {name.strip().lower() for name in os.environ.get("SDL_VIDEODRIVER", "").split(",")}
    with tempfile.TemporaryFile() as held:
        sys.stderr.flush()
        stderr = os.dup(2)
        os.dup2(held.fileno(), 2)
        try:
            pygame.display.init()
            problem = None
        except pygame.error as error:
            problem = f"SDL: {error}"
        finally:
            os.dup2(stderr, 2)
            os.close(stderr)
        if problem is None and pygame.display.get_driver() not in HEADLESS_DRIVERS - requested:
            held.seek(0)
            os.write(2, held.read())
            return
    problem = problem or f"SDL fell back to its {pygame.display.get_driver()} driver"
    pygame.display.quit()
    display = os.environ.get("DISPLAY")
    raise NoDisplayError(f"{f'DISPLAY={display}' if display else 'DISPLAY is not set'}; {problem}")


def play(
    env_id: str,
    *,
    fps: int | None = None,
    seed: int | None = None,
    max_steps: int | None = None,
    env_kwargs: dict | None = None,
    get_events: Callable[[], list] | None = None,
) -> PlayResult:
    """Run a keyboard session until Esc, the window closes, Ctrl-C or ``max_steps`` steps have been played.

    No step is played before the first key press. ``get_events`` replaces ``pygame.event.get`` (tests
    feed scripted key presses through it). Ctrl-C ends the session like Esc, so that the scores so far
    are kept; the result says it was ``interrupted``. Raises :class:`NoDisplayError` if no window can
    be shown (see :func:`init_display`).
    """
    pygame = import_pygame()
    init_display(pygame)
    env = gymnasium.make(env_id, render_mode="rgb_array", **(env_kwargs or {}))
    result = PlayResult()
    try:
        keyboard = KeyboardInput(env.unwrapped.get_keys_to_action(), env.unwrapped.NOOP_ACTION)
        fps = check_int("fps", fps if fps is not None else env.metadata["render_fps"], minimum=1)
        get_events = get_events or pygame.event.get
        clock = pygame.time.Clock()
        env.reset(seed=seed)
        frame = env.render()
        window = pygame.display.set_mode((frame.shape[1], frame.shape[0]))
        print(f"{env_id}: press a key in the game window to start; Esc or Ctrl-C ends the game", flush=True)
        episode_return = 0.0
        while max_steps is None or result.steps < max_steps:
            keyboard.read(get_events(), pygame)
            if keyboard.quit:
                break
            if not keyboard.started:
                show(pygame, window, frame, f"{env_id}  |  press a key to start  |  Esc quits", "press a key")
                clock.tick(fps)
                continue
            _, reward, terminated, truncated, _ = env.step(keyboard.action())
            result.steps += 1
            episode_return += reward
            frame = env.render()
            if terminated or truncated:
                result.episode_returns.append(episode_return)
                episode_return = 0.0
                env.reset()
            show(pygame, window, frame, f"{env_id}  |  {result.summary(env_id)}  |  Esc quits")
            clock.tick(fps)
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        env.close()
        pygame.display.quit()
    return result


def show(pygame: Any, window: Any, frame: np.ndarray, caption: str, message: str | None = None) -> None:
    """Draw ``frame`` in the window, with ``message`` in its middle if given, and set the title."""
    pygame.surfarray.blit_array(window, frame.transpose(1, 0, 2))
    if message is not None:
        pygame.font.init()
        text = pygame.font.Font(None, 32).render(message, True, (255, 255, 255), (0, 0, 0))
        window.blit(text, text.get_rect(center=window.get_rect().center))
    pygame.display.set_caption(caption)
    pygame.display.flip()


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point (``python -m gym_catchgames.play`` and ``catchgames-play``)."""
    parser = argparse.ArgumentParser(
        prog="python -m gym_catchgames.play",
        description="Play a gym-catchgames game with the keyboard (arrow keys or Space; Esc quits).",
    )
    parser.add_argument("env_id", choices=ENV_IDS, metavar="ENV_ID", help=f"one of: {', '.join(ENV_IDS)}")
    parser.add_argument(
        "--fps", type=int_at_least(1), default=None, help="frames per second (default: the game's render_fps)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the first episode")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        result = play(args.env_id, fps=args.fps, seed=args.seed)
    except NoDisplayError as error:
        print(
            f"error: no display ({error}): keyboard play needs a window; "
            "run it in a desktop session or set DISPLAY (e.g. ssh -X)",
            file=sys.stderr,
        )
        return 1
    print(result.summary(args.env_id))
    return 130 if result.interrupted else 0  # 130 = 128 + SIGINT, the shell's status for Ctrl-C


if __name__ == "__main__":
    sys.exit(main())
