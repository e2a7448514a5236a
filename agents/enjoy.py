"""Watch a trained agent play in a window: ``python -m agents.enjoy RUN_DIR`` (or ``catchgames-enjoy``).

The greedy agent plays ``--episodes`` games of the run's env at the game's own frame rate, or, with
``--no-render``, without a window (on a server) and as fast as it can. Each game's return and natural
score (catch rate, catches, frames survived, fruit eaten) are printed as it ends, and at the end their
means over the games played. Esc or closing the window stops early, and so does Ctrl-C (exit status
130): the games finished are still summed up. ``--model`` picks the final, interrupted or best model.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from stable_baselines3.common.base_class import BaseAlgorithm

from agents.commands import check_run_dir
from agents.model_files import add_model_argument, load_model
from agents.runs import ENJOY_SEED_OFFSET, RunConfig, make_env
from agents.scoring import Scores
from gym_catchgames.play import NoDisplayError, init_display
from gym_catchgames.rendering import import_pygame
from gym_catchgames.scoring import natural_score
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


def play_games(
    config: RunConfig, model: BaseAlgorithm, episodes: int, render: bool = True
) -> Iterator[tuple[float, float]]:
    """The greedy agent's games of the run's env: ``(episode return, natural score)`` of each as it ends.

    ``episodes`` games, fewer if the player quits the window; ``render=False`` plays without one. They
    are the games of ``gymnasium.make`` reset with seed ``config.seed + ENJOY_SEED_OFFSET``, then unseeded,
    with or without a window. Raises ``NoDisplayError`` if there is no screen to show the window on.
    """
    score = natural_score(config.env_id)
    if render:  # fail now rather than play in a window nobody sees
        pygame = import_pygame()
        init_display(pygame)
        pygame.display.quit()  # the env opens its own window (an Atari game's is not pygame's)
    env = make_env(config, n_envs=1, seed_offset=ENJOY_SEED_OFFSET, render_mode="human" if render else None)
    obs = env.reset()
    finished = 0
    try:
        while finished < episodes and not quit_requested():
            obs, _, dones, infos = env.step(model.predict(obs, deterministic=True)[0])
            if dones[0] and "episode" in infos[0]:  # Monitor's record: the whole game, not a lost life
                episode = infos[0]["episode"]
                finished += 1
                yield float(episode["r"]), score.of_episode(episode["r"], episode)
    finally:
        env.close()


def mean_line(scores: Scores, label: str) -> str:
    """The last line of a session: mean return and mean natural score (± standard error) of its games."""
    if not scores.returns:
        return "no game finished"
    row = scores.summary()
    return (
        f"mean of {row['episodes']} games: return {row['mean_return']:+.3f} ± {row['stderr_return']:.3f}, "
        f"{label} {row['mean_score']:.2f} ± {row['stderr_score']:.2f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; exit status 130 after Ctrl-C (128 + SIGINT, as the shell reports it)."""
    parser = argparse.ArgumentParser(prog="python -m agents.enjoy", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run folder made by python -m agents.train")
    parser.add_argument("--episodes", type=int_at_least(1), default=5, help="games to play (default 5)")
    parser.add_argument(
        "--no-render", action="store_true", help="play without a window (on a server), as fast as it can"
    )
    add_model_argument(parser)
    args = parser.parse_args(argv)
    check_run_dir(parser, args.run_dir)
    try:
        config = RunConfig.load(args.run_dir)
        model = load_model(args.run_dir, config, args.model)
    except ValueError as error:
        parser.error(str(error))
    label = natural_score(config.env_id).label
    scores = Scores([], [])
    interrupted = False
    try:
        for episode_return, natural in play_games(config, model, args.episodes, render=not args.no_render):
            scores.returns.append(episode_return)
            scores.natural.append(natural)
            print(f"game {len(scores.returns)}: return {episode_return:+g}, {label} {natural:g}", flush=True)
    except NoDisplayError as error:
        print(f"error: no display ({error}): the agent plays in a window; add --no-render", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        interrupted = True
    print(mean_line(scores, label))
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
