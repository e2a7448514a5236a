"""Keyboard play, driven headless by scripted key events."""

from __future__ import annotations

import gymnasium
import pygame
import pytest

from gym_catchgames import play


def scripted(events_per_frame: list[list[pygame.event.Event]]):
    frames = iter(events_per_frame)
    return lambda: next(frames, [])


def key(kind: int, code: int) -> pygame.event.Event:
    return pygame.event.Event(kind, key=code)


def fruit_columns(episodes: int, seed: int) -> list[int]:
    """The fruit column of each episode a play session starting with ``seed`` sees (seedless resets after)."""
    env = gymnasium.make("Catch-v0", basket_start="center")
    columns = [int(env.reset(seed=seed)[0][0].argmax())]
    columns += [int(env.reset()[0][0].argmax()) for _ in range(episodes - 1)]
    return columns


def test_holding_right_moves_the_basket_to_the_right_edge_and_scores_episodes():
    # 10x10 Catch, centred basket (cells 3-5): held Right moves it to cells 7-9 within four steps and
    # keeps it there, so an episode is won exactly when the fruit falls in column 7, 8 or 9. Without a
    # key the basket stays on 3-5. Nine steps per episode: 54 steps are six whole episodes.
    columns = fruit_columns(6, seed=0)
    with_right = [1.0 if column >= 7 else -1.0 for column in columns]
    without_key = [1.0 if 3 <= column <= 5 else -1.0 for column in columns]
    assert with_right != without_key  # the seed tells the two apart
    result = play.play(
        "Catch-v0",
        fps=1000,
        seed=0,
        max_steps=54,
        env_kwargs={"basket_start": "center"},
        get_events=scripted([[key(pygame.KEYDOWN, pygame.K_RIGHT)]]),
    )
    assert result.steps == 54
    assert result.episode_returns == with_right


def test_escape_quits_at_once():
    result = play.play(
        "CatchBall-v0",
        fps=1000,
        seed=0,
        get_events=scripted([[], [], [key(pygame.KEYDOWN, pygame.K_ESCAPE)]]),
    )
    assert result.steps == 2 and result.episode_returns == []


def test_held_key_decides_the_action():
    """Right held for the whole episode on bsuite-sized Catch: the 1-wide paddle goes from 2 to 4."""
    kwargs = {"width": 5, "basket_width": 1, "basket_start": "center"}
    # The fruit column for seed 0 decides the outcome: compute it with the env itself.
    fruit_column = int(gymnasium.make("Catch-v0", **kwargs).reset(seed=0)[0][0].argmax())
    result = play.play(
        "Catch-v0",
        fps=1000,
        seed=0,
        max_steps=9,
        env_kwargs=kwargs,
        get_events=scripted([[key(pygame.KEYDOWN, pygame.K_RIGHT)]]),
    )
    assert result.episode_returns == [1.0 if fruit_column == 4 else -1.0]


def test_command_line_rejects_unknown_ids_and_bad_fps(capsys):
    with pytest.raises(SystemExit) as unknown:
        play.main(["Pong-v0"])
    assert unknown.value.code == 2
    assert "Catch-v0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad_fps:
        play.main(["Catch-v0", "--fps", "0"])
    assert bad_fps.value.code == 2
