"""Play any registered game from the keyboard: ``python -m gym_catchgames.play Catch-v0``.

The game waits for a first key press ("press a key to start"), then runs in real time at ``--fps``
frames per second, one env step per frame. Every key tap counts: a tap shorter than a frame is queued
and played on the next frame with no tap of its own, one tap per frame (ten quick taps are ten moves
on ten frames); on a frame without a queued tap the keys held decide, and with no mapped key held the
game takes its no-op action (``NOOP_ACTION``: stay, release, keep going). The env's own frame shows
the step and the episode return; the window title shows the episodes played and the mean return.
Esc or closing the window quits, and the session's scores are printed on exit.
"""

from __future__ import annotations

import argparse
import os
import sys
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
    """What a play session scored: one return per finished episode."""

    episode_returns: list[float] = field(default_factory=list)
    steps: int = 0

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


def play(
    env_id: str,
    *,
    fps: int | None = None,
    seed: int | None = None,
    max_steps: int | None = None,
    env_kwargs: dict | None = None,
    get_events: Callable[[], list] | None = None,
) -> PlayResult:
    """Run a keyboard session until Esc, the window closes, or ``max_steps`` steps have been played.

    No step is played before the first key press. ``get_events`` replaces ``pygame.event.get`` (tests
    feed scripted key presses through it).
    """
    pygame = import_pygame()
    env = gymnasium.make(env_id, render_mode="rgb_array", **(env_kwargs or {}))
    keyboard = KeyboardInput(env.unwrapped.get_keys_to_action(), env.unwrapped.NOOP_ACTION)
    fps = check_int("fps", fps if fps is not None else env.metadata["render_fps"], minimum=1)
    result = PlayResult()

    pygame.display.init()
    get_events = get_events or pygame.event.get
    clock = pygame.time.Clock()
    env.reset(seed=seed)
    frame = env.render()
    window = pygame.display.set_mode((frame.shape[1], frame.shape[0]))
    episode_return = 0.0
    try:
        while max_steps is None or result.steps < max_steps:
            keyboard.read(get_events(), pygame)
            if keyboard.quit:
                return result
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
        return result
    finally:
        env.close()
        pygame.display.quit()


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
    result = play(args.env_id, fps=args.fps, seed=args.seed)
    print(result.summary(args.env_id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
