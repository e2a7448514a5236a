"""Keyboard play, driven headless by scripted key events; Ctrl-C and a missing display."""

from __future__ import annotations

import os
import subprocess
import sys

import gymnasium
import numpy as np
import pygame
import pytest

from gym_catchgames import play
from tests.helpers import REPO, interrupt_after_first_line


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
    # Any key starts the game (Space is no CatchBall key): two steps, then Esc.
    start = [key(pygame.KEYDOWN, pygame.K_SPACE), key(pygame.KEYUP, pygame.K_SPACE)]
    result = play.play(
        "CatchBall-v0",
        fps=1000,
        seed=0,
        get_events=scripted([[], start, [], [key(pygame.KEYDOWN, pygame.K_ESCAPE)]]),
    )
    assert result.steps == 2 and result.episode_returns == []


class StepLog(gymnasium.Wrapper):
    """Records each step's action and the number of frames read (event batches) when it was taken."""

    def __init__(self, env: gymnasium.Env, log: list[tuple[int, int]], frames: list[int]) -> None:
        super().__init__(env)
        self.log, self.frames = log, frames

    def step(self, action):
        self.log.append((self.frames[0], int(action)))
        return super().step(action)


def logged_session(monkeypatch, events_per_frame, **kwargs) -> list[tuple[int, int]]:
    """Play Catch-v0 through the scripted frames, then quit; the (frame, action) of every step."""
    log: list[tuple[int, int]] = []
    frames = [0]
    make = gymnasium.make
    monkeypatch.setattr(play.gymnasium, "make", lambda *args, **kw: StepLog(make(*args, **kw), log, frames))
    script = iter([*events_per_frame, [pygame.event.Event(pygame.QUIT)]])

    def get_events() -> list:
        frames[0] += 1
        return next(script)

    play.play("Catch-v0", fps=1000, seed=0, get_events=get_events, **kwargs)
    return log


def test_ten_taps_within_one_frame_are_ten_moves_one_per_frame(monkeypatch):
    # Ten Right taps (down and up) all read on one frame: each is one move, played on the next ten
    # frames in order; then, with no key held, the basket stays. 20 rows: no episode ends meanwhile.
    taps = [key(kind, pygame.K_RIGHT) for _ in range(10) for kind in (pygame.KEYDOWN, pygame.KEYUP)]
    log = logged_session(
        monkeypatch, [taps] + [[]] * 13, env_kwargs={"height": 20, "width": 30, "basket_start": "center"}
    )
    assert log == [(1 + frame, 2) for frame in range(10)] + [(11 + frame, 1) for frame in range(4)]


def test_a_tap_between_held_frames_is_played_before_the_held_key(monkeypatch):
    # Right held from frame 1; a Left tap read on frame 3 is frame 3's move, then Right again.
    log = logged_session(
        monkeypatch,
        [
            [key(pygame.KEYDOWN, pygame.K_RIGHT)],
            [],
            [key(pygame.KEYDOWN, pygame.K_LEFT), key(pygame.KEYUP, pygame.K_LEFT)],
            [],
        ],
    )
    assert [action for _, action in log] == [2, 2, 0, 2]


def test_no_step_is_played_before_the_first_key_press(monkeypatch):
    # Five frames without a key (mouse motion is no key): the game waits; a key starts it on frame 6.
    idle = [[pygame.event.Event(pygame.MOUSEMOTION, pos=(1, 1), rel=(1, 1), buttons=(0, 0, 0))]] * 5
    log = logged_session(monkeypatch, [*idle, [key(pygame.KEYDOWN, pygame.K_a)], [], []])
    assert log == [(6, 1), (7, 1), (8, 1)]  # the no-op (stay): a is no Catch key
    assert logged_session(monkeypatch, [[]] * 5) == []


def test_keyboard_input_queues_taps_and_falls_back_to_held_keys_then_the_noop():
    keyboard = play.KeyboardInput({(pygame.K_LEFT,): 0, (pygame.K_RIGHT,): 2}, noop=1)
    assert not keyboard.started and keyboard.action() == 1
    keyboard.read([key(pygame.KEYDOWN, pygame.K_LEFT), key(pygame.KEYUP, pygame.K_LEFT)] * 2, pygame)
    keyboard.read([key(pygame.KEYDOWN, pygame.K_RIGHT)], pygame)
    assert keyboard.started and not keyboard.quit
    assert [keyboard.action() for _ in range(5)] == [0, 0, 2, 2, 2]  # the taps, then Right held
    keyboard.read([key(pygame.KEYUP, pygame.K_RIGHT)], pygame)
    assert keyboard.action() == 1
    keyboard.read([pygame.event.Event(pygame.QUIT)], pygame)
    assert keyboard.quit


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


def right_held_returns(episodes: int, seed: int) -> list[float]:
    """The returns of default Catch played with Right on every step, reset with ``seed`` then unseeded."""
    env = gymnasium.make("Catch-v0")
    env.reset(seed=seed)
    returns = []
    for _ in range(episodes):
        episode_return, done = 0.0, False
        while not done:
            _, reward, terminated, truncated, _ = env.step(2)
            episode_return, done = episode_return + reward, terminated or truncated
        returns.append(episode_return)
        env.reset()
    return returns


def test_ctrl_c_mid_game_ends_the_session_with_the_scores_so_far(monkeypatch, capsys):
    # Right pressed on the first frame and held; Ctrl-C arrives while frame 56 reads the keyboard,
    # after 55 steps: six whole 9-step games and one step of the seventh.
    frames = iter([[key(pygame.KEYDOWN, pygame.K_RIGHT)], *[[]] * 54])

    def get_events() -> list:
        frame = next(frames, None)
        if frame is None:
            raise KeyboardInterrupt
        return frame

    monkeypatch.setattr(pygame.event, "get", get_events)
    assert play.main(["Catch-v0", "--fps", "1000", "--seed", "0"]) == 130
    expected = right_held_returns(6, seed=0)
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Catch-v0: 6 episodes, mean return {np.mean(expected):+.2f}, best {max(expected):+g}"
    )


def headless_env(**settings: str) -> dict[str, str]:
    """This process's environment without a display, with ``settings`` added."""
    env = {name: value for name, value in os.environ.items() if name not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("SDL_VIDEODRIVER", None)
    return {**env, "PYGAME_HIDE_SUPPORT_PROMPT": "1", **settings}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="macOS and Windows always have a screen")
@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({}, "DISPLAY is not set; SDL fell back to its offscreen driver"),
        ({"DISPLAY": ":987"}, "DISPLAY=:987; SDL fell back to its offscreen driver"),  # no X server there
    ],
)
def test_without_a_display_play_fails_at_once_with_one_line(settings, reason):
    # SDL falls back to a window nobody sees; before, play waited there for a key forever.
    result = subprocess.run(
        [sys.executable, "-m", "gym_catchgames.play", "Catch-v0"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=headless_env(**settings),
        timeout=10,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: no display ({reason}): keyboard play needs a window; "
        "run it in a desktop session or set DISPLAY (e.g. ssh -X)"
    ]


def test_a_real_sigint_ends_a_waiting_session_cleanly():
    # SDL's dummy driver, asked for: the session opens and waits for a key that never comes.
    status, out, err = interrupt_after_first_line(
        ["-m", "gym_catchgames.play", "Catch-v0"], headless_env(SDL_VIDEODRIVER="dummy"), timeout=10
    )
    assert status == 130
    assert out.splitlines() == [
        "Catch-v0: press a key in the game window to start; Esc or Ctrl-C ends the game",
        "Catch-v0: no episode finished (0 steps played)",
    ]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
