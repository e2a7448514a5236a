"""Play any registered game from the keyboard: ``python -m gym_catchgames.play Catch-v0``.

The game runs in real time at ``--fps`` frames per second; while no mapped key is held it takes the
game's no-op action (stay, release, keep going). The env's own frame shows the step and the episode
return; the window title shows the episodes played and the mean return. Esc or closing the window
quits, and the session's scores are printed on exit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

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

    ``get_events`` replaces ``pygame.event.get`` (tests feed scripted key presses through it).
    """
    pygame = import_pygame()
    env = gymnasium.make(env_id, render_mode="rgb_array", **(env_kwargs or {}))
    keys_to_action = env.unwrapped.get_keys_to_action()
    noop = env.unwrapped.NOOP_ACTION
    mapped_keys = {key for combination in keys_to_action for key in combination}
    fps = check_int("fps", fps if fps is not None else env.metadata["render_fps"], minimum=1)
    result = PlayResult()

    pygame.display.init()
    get_events = get_events or pygame.event.get
    clock = pygame.time.Clock()
    env.reset(seed=seed)
    frame = env.render()
    window = pygame.display.set_mode((frame.shape[1], frame.shape[0]))
    held: set[int] = set()
    episode_return = 0.0
    try:
        while max_steps is None or result.steps < max_steps:
            for event in get_events():
                if event.type == pygame.QUIT or (
                    event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
                ):
                    return result
                if event.type == pygame.KEYDOWN and event.key in mapped_keys:
                    held.add(event.key)
                elif event.type == pygame.KEYUP:
                    held.discard(event.key)
            action = keys_to_action.get(tuple(sorted(held)), noop)
            _, reward, terminated, truncated, _ = env.step(action)
            result.steps += 1
            episode_return += reward
            frame = env.render()
            if terminated or truncated:
                result.episode_returns.append(episode_return)
                episode_return = 0.0
                env.reset()
            pygame.surfarray.blit_array(window, frame.transpose(1, 0, 2))
            pygame.display.set_caption(f"{env_id}  |  {result.summary(env_id)}  |  Esc quits")
            pygame.display.flip()
            clock.tick(fps)
        return result
    finally:
        env.close()
        pygame.display.quit()


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
