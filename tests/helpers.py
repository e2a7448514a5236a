"""Test helpers shared by the environment, wrapper and agent tests."""

from __future__ import annotations

import importlib.util
import selectors
import signal
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import gymnasium
import numpy as np
from gymnasium.utils.env_checker import check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import gym_catchgames
from gym_catchgames.rendering import PALETTE

#: The repository's root folder.
REPO = Path(__file__).resolve().parents[1]

#: Every (registered id, observation type) pair, for parametrised tests.
#: One id per game, the first registered (Cave-v1 is Cave-v0's game with other reward defaults): for the
#: properties of the rules and of copies, which a second id of the same class would only repeat.
GAME_IDS = tuple(
    env_id
    for index, env_id in enumerate(gym_catchgames.ENV_IDS)
    if all(gymnasium.spec(env_id).entry_point != gymnasium.spec(other).entry_point
           for other in gym_catchgames.ENV_IDS[:index])
)  # fmt: skip
ID_OBS_PAIRS = [
    (env_id, obs_type) for env_id in gym_catchgames.ENV_IDS for obs_type in gym_catchgames.OBS_TYPES
]
#: The pairs whose observation is laid out as the board (the observation wrappers' input).
IMAGE_OBS_PAIRS = [pair for pair in ID_OBS_PAIRS if pair[1] in gym_catchgames.IMAGE_OBS_TYPES]

#: SB3's check_env gives advice rather than errors on these; the advice is expected for small grids.
SB3_ADVICE = (
    "unconventional shape",  # 2-D float grids: MlpPolicy flattens them
    "minimal resolution for an image is 36x36",  # small images need agents.SmallGridCNN
)


def check_env_strict(env: gymnasium.Env) -> None:
    """Gymnasium's ``check_env`` with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env)


def check_wrapped_env_strict(env: gymnasium.Env) -> None:
    """Gymnasium's ``check_env`` on a wrapper with every warning an error but one.

    ``check_env`` warns whenever ``env`` is not ``env.unwrapped``, because checking ``env.unwrapped``
    is its advice for ordinary use. Here the wrapper is what is under test, so that one message is
    ignored; everything else (spaces, seeding, determinism, fresh data, render modes rebuilt from the
    spec, which re-creates the wrapper from its recorded arguments) still fails the test.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=r".*is different from the unwrapped version")
        check_env(env)


def independent_motion_trace(frames: list[np.ndarray], threshold: float, decay: float):
    """The tutorial's MotionTracer step by step in float64, written as its formula, for comparison."""
    previous, trace = frames[0], np.zeros_like(frames[0])
    yield np.dstack([frames[0], trace]).astype(np.uint8)
    for frame in frames[1:]:
        moved = np.where(np.abs(frame - previous) > threshold, 255.0, 0.0)
        trace = np.clip(moved + decay * trace, 0.0, 255.0)
        previous = frame
        yield np.dstack([frame, trace]).astype(np.uint8)


def check_sb3_env(env: gymnasium.Env) -> list[str]:
    """SB3's ``check_env``; fails on errors and unexpected warnings, returns the expected advice given."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sb3_check_env(env, warn=True)
    messages = [str(warning.message) for warning in caught]
    unexpected = [message for message in messages if not any(advice in message for advice in SB3_ADVICE)]
    assert not unexpected, unexpected
    return messages


def rollout(
    env: gymnasium.Env, policy: Callable[[np.ndarray], int] | Iterable[int], *, seed: int | None = None
) -> list[tuple[np.ndarray, float, bool, bool, dict[str, Any]]]:
    """Play one episode from ``reset(seed=seed)``; return ``[(obs, reward, terminated, truncated, info)]``.

    The first entry is the reset observation (reward 0, flags False). ``policy`` is either a function of
    the observation or a sequence of actions (the episode then stops when the actions run out).
    """
    obs, info = env.reset(seed=seed)
    steps = [(obs, 0.0, False, False, info)]
    actions = iter(policy) if not callable(policy) else None
    while not (steps[-1][2] or steps[-1][3]):
        action = policy(obs) if actions is None else next(actions, None)
        if action is None:
            break
        obs, reward, terminated, truncated, info = env.step(action)
        steps.append((obs, reward, terminated, truncated, info))
    return steps


def assert_same_steps(first: list[tuple], second: list[tuple]) -> None:
    """Two rollouts are identical: observations, rewards, flags and infos."""
    assert len(first) == len(second)
    for (obs_a, *rest_a), (obs_b, *rest_b) in zip(first, second, strict=True):
        np.testing.assert_array_equal(obs_a, obs_b)
        assert rest_a == rest_b


def cells_of(grid: np.ndarray, value: float) -> list[tuple[int, int]]:
    """The (row, column) cells of a grid observation holding ``value``, in row-major order."""
    return [tuple(int(i) for i in cell) for cell in np.argwhere(grid == value)]


def colour(element: str) -> np.ndarray:
    """The renderer's colour of a game element as a uint8 RGB triple."""
    return np.array(PALETTE[element], dtype=np.uint8)


def mean_return(
    act: Callable[[np.ndarray], np.ndarray],
    env_id: str,
    episodes: int = 200,
    seed: int = 10_000,
    **env_kwargs,
) -> float:
    """Mean return of ``act`` (batched observations -> actions) over one episode in each of ``episodes``
    sub-envs of the game's native vector env, seeded ``seed``, ``seed + 1``, ... (so as many scalar
    episodes seeded alike)."""
    env = gymnasium.make_vec(env_id, episodes, **env_kwargs)
    obs, _ = env.reset(seed=seed)
    returns, finished = np.zeros(episodes), np.zeros(episodes, dtype=bool)
    while not finished.all():
        obs, rewards, terminated, truncated, _ = env.step(act(obs))
        returns += np.where(finished, 0.0, rewards)
        finished |= terminated | truncated
    env.close()
    return float(returns.mean())


def greedy(model) -> Callable[[np.ndarray], np.ndarray]:
    """A model's deterministic policy on batched observations."""
    return lambda obs: model.predict(obs, deterministic=True)[0]


class StepLimit(gymnasium.Wrapper):
    """Gymnasium's ``TimeLimit`` rule (truncated once ``limit`` steps since the reset), written out here:
    importing rl_zoo3 (as the training tests do) swaps Gymnasium's ``TimeLimit`` for one that does not
    truncate an episode that terminates on its last step."""

    def __init__(self, env: gymnasium.Env, limit: int) -> None:
        super().__init__(env)
        self.limit, self.elapsed = limit, 0

    def reset(self, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        self.elapsed = 0
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.elapsed += 1
        return obs, reward, terminated, truncated or self.elapsed >= self.limit, info


def load_benchmark(name: str) -> ModuleType:
    """The script ``benchmarks/<name>.py`` as a module (the benchmarks are scripts, not a package).

    As when the script runs, its folder is on the path, so it imports its sibling scripts."""
    folder = str(REPO / "benchmarks")
    if folder not in sys.path:
        sys.path.append(folder)
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def interrupt_after_first_line(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> tuple[int, str, str]:
    """Run ``python *args`` in the repository and send it SIGINT (Ctrl-C) once it has printed a line.

    Returns its exit status, everything it printed and its stderr. A shell without job control starts
    background jobs with SIGINT ignored, and children inherit that: the child gets the default back, so
    that Python turns SIGINT into ``KeyboardInterrupt`` as in a terminal. Waits ``timeout`` seconds at
    most for the line, and as long for the exit.
    """
    process = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            first = process.stdout.readline() if selector.select(timeout) else ""
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=timeout)
    finally:
        process.kill()
    return process.returncode, first + out, err
