"""The games alone: no deep-learning stack is imported, and they run without it.

A subprocess blocks the optional modules (as if only ``pip install gym-catchgames`` had run), then
steps and renders every game; the parts that need an extra say which one.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from gym_catchgames import ENV_IDS

OPTIONAL = ("torch", "stable_baselines3", "ale_py", "cv2", "PIL", "yaml", "matplotlib", "ray", "rl_zoo3")

BLOCK = textwrap.dedent(
    f"""
    import importlib.abc, sys
    BLOCKED = {OPTIONAL!r}

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

    sys.meta_path.insert(0, Block())
    """
)


def run_blocked(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCK + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PATH": ""},
    )


def test_import_loads_no_optional_module():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, gym_catchgames, gym_catchgames.wrappers; print(sorted(sys.modules))",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    loaded = {name.split(".")[0] for name in eval(result.stdout)}
    # numba (a dependency of the games) reads an optional config file with PyYAML when it is installed
    assert not loaded & (set(OPTIONAL) - {"yaml"})


def test_every_game_steps_and_renders_without_the_optional_modules():
    result = run_blocked(
        f"""
        import gymnasium, numpy as np, gym_catchgames
        from gym_catchgames.wrappers import HeadCentredObservation
        for env_id in {list(ENV_IDS)!r}:
            env = gymnasium.make(env_id, render_mode="rgb_array")
            env.reset(seed=0)
            for _ in range(20):
                if env.step(env.action_space.sample())[2]:
                    env.reset()
            frame = env.render()
            assert frame.ndim == 3 and frame.shape[2] == 3 and frame.any(), env_id
            vector = gymnasium.make_vec(env_id, num_envs=3)
            vector.reset(seed=0)
            vector.step(vector.action_space.sample())
        print("ok", len({list(ENV_IDS)!r}))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", str(len(ENV_IDS))]


@pytest.mark.parametrize(
    ("code", "extra"),
    [
        ("from gym_catchgames.wrappers import MotionTraceObservation", "atari"),
        ("import gym_catchgames.atari", "atari"),
        ("import gym_catchgames.sb3", "agents"),
        ("import agents", "agents"),
    ],
)
def test_a_part_that_needs_an_extra_names_it(code, extra):
    result = run_blocked(code)
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("gymnasium.error.DependencyNotInstalled:"), result.stderr
    assert f'pip install "gym-catchgames[{extra}]"' in last_line
