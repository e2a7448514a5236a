"""Watch a trained agent play in a window: ``python -m agents.enjoy RUN_DIR`` (or ``catchgames-enjoy``).

The greedy agent plays ``--episodes`` games of the run's env at the game's own frame rate. Esc or
closing the window quits (Ctrl-C too); ``--model`` picks the final, interrupted or best model.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from agents.evaluate import add_model_argument, check_run_dir, load_model
from agents.runs import RunConfig, make_env
from gym_catchgames.validation import int_at_least


def quit_requested() -> bool:
    """Whether the player pressed Esc or closed the window since the last call.

    The package's games draw with pygame; the renderer closes the display when its window is closed.
    Other envs (Atari's own window) report nothing here, and Ctrl-C stops them.
    """
    pygame = sys.modules.get("pygame")
    if pygame is None or not pygame.display.get_init():
        return False
    if pygame.display.get_surface() is None:  # the window was closed
        return True
    pressed = pygame.event.get(pygame.KEYDOWN)
    return any(event.key == pygame.K_ESCAPE for event in pressed) or bool(pygame.event.get(pygame.QUIT))


def watch(run_dir: Path, episodes: int, which: str = "final") -> int:
    """Show the greedy agent for ``episodes`` games; returns the number of games finished."""
    config = RunConfig.load(run_dir)
    model = load_model(run_dir, config, which)
    env = make_env(config, n_envs=1, seed_offset=40_000, render_mode="human")
    obs = env.reset()
    finished = 0
    try:
        while finished < episodes and not quit_requested():
            obs, _, dones, infos = env.step(model.predict(obs, deterministic=True)[0])
            finished += int(dones[0] and "episode" in infos[0])
    finally:
        env.close()
    return finished


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agents.enjoy", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run folder made by python -m agents.train")
    parser.add_argument("--episodes", type=int_at_least(1), default=5, help="games to show (default 5)")
    add_model_argument(parser)
    args = parser.parse_args(argv)
    check_run_dir(parser, args.run_dir)
    try:
        watch(args.run_dir, args.episodes, args.model)
    except ValueError as error:
        parser.error(str(error))
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
