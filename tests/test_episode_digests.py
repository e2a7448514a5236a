"""Every registered id plays the same episodes from release to release (Gymnasium's versioning rule).

The digests below were recorded from the games' first implementation, in NumPy (before the numba
kernels): an independent implementation of the same rules. Each is the SHA-256 of everything an agent
sees (observations, rewards, flags and ``info``) over a long random-action run, scalar and vector, in
each autoreset mode. A change of any rule, random stream or drawing changes a digest; such a change
needs a new version of the id, not a new digest.
"""

from __future__ import annotations

import hashlib

import gymnasium
import numpy as np
import pytest

import gym_catchgames

SCALAR_STEPS = 3_000
VECTOR_STEPS = 400
NUM_ENVS = 5


def _update(digest: hashlib._Hash, value: object) -> None:
    """Feed ``value`` (an array, a number, a flag or an ``info`` dict) into ``digest``, type included."""
    if isinstance(value, dict):
        for key in sorted(value):
            digest.update(key.encode())
            _update(digest, value[key])
    elif isinstance(value, np.ndarray):
        digest.update(f"{value.dtype}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    else:
        digest.update(repr(value).encode())


def scalar_digest(env_id: str, obs_type: str) -> str:
    env = gymnasium.make(env_id, obs_type=obs_type)
    actions = np.random.default_rng(0).integers(0, env.action_space.n, SCALAR_STEPS).tolist()
    digest = hashlib.sha256()
    observation, info = env.reset(seed=7)
    _update(digest, observation)
    _update(digest, info)
    for step, action in enumerate(actions):
        if step == SCALAR_STEPS // 2:  # a seedless reset mid-run continues the stream
            observation, info = env.reset()
            _update(digest, (observation, info))
            continue
        observation, reward, terminated, truncated, info = env.step(action)
        for value in (observation, reward, terminated, truncated, info):
            _update(digest, value)
        if terminated or truncated:
            observation, info = env.reset()
            _update(digest, observation)
            _update(digest, info)
    return digest.hexdigest()[:16]


def vector_digest(env_id: str, obs_type: str, autoreset_mode: str) -> str:
    envs = gymnasium.make_vec(
        env_id,
        num_envs=NUM_ENVS,
        vectorization_mode="vector_entry_point",
        obs_type=obs_type,
        autoreset_mode=autoreset_mode,
        max_episode_steps=150,
    )
    actions = np.random.default_rng(1).integers(0, envs.single_action_space.n, (VECTOR_STEPS, NUM_ENVS))
    digest = hashlib.sha256()
    observation, info = envs.reset(seed=[3, 1, 9, 4, 1])  # sub-envs 1 and 4 share a seed
    _update(digest, observation)
    _update(digest, info)
    for step_actions in actions:
        observation, reward, terminated, truncated, info = envs.step(step_actions)
        for value in (observation, reward, terminated, truncated, info):
            _update(digest, value)
        if autoreset_mode == "Disabled" and (terminated | truncated).any():
            observation, info = envs.reset(options={"reset_mask": terminated | truncated})
            _update(digest, observation)
            _update(digest, info)
    return digest.hexdigest()[:16]


SCALAR_DIGESTS: dict[tuple[str, str], str] = {
    ("Catch-v0", "grid"): "31d3aa6e2ddfacd8",
    ("Catch-v0", "rgb"): "561edf591c4d2512",
    ("Catch-v0", "flat"): "98aff94e6c26fa02",
    ("FruitFetch-v0", "grid"): "a856d2f7329724ea",
    ("FruitFetch-v0", "rgb"): "fb93957077d71358",
    ("FruitFetch-v0", "flat"): "9b73a34b47b630d8",
    ("CatchBall-v0", "grid"): "e0de6b1c33faaec3",
    ("CatchBall-v0", "rgb"): "f64a5d43dd690399",
    ("CatchBall-v0", "flat"): "40b088bd24b60e0d",
    ("Cave-v0", "grid"): "813fafbce6ba93f1",
    ("Cave-v0", "rgb"): "ddc4c107ac2ee03a",
    ("Cave-v0", "flat"): "8a3a2575b3e5cdf7",
    ("Cave-v1", "grid"): "2bfa7c508b2cf066",
    ("Cave-v1", "rgb"): "c56b9914ec187442",
    ("Cave-v1", "flat"): "62c12b4219039878",
    ("Snake-v0", "grid"): "2e9cc88b398701e4",
    ("Snake-v0", "rgb"): "6035ddef6d0bfd15",
    ("Snake-v0", "flat"): "99d705ea96a54c0a",
}
VECTOR_DIGESTS: dict[tuple[str, str, str], str] = {
    ("Catch-v0", "grid", "NextStep"): "71ba80a4aba42b7b",
    ("Catch-v0", "grid", "SameStep"): "bdf20f44bab17c3d",
    ("Catch-v0", "grid", "Disabled"): "a6f626a2cb028f91",
    ("Catch-v0", "rgb", "NextStep"): "250e29e2692efbc9",
    ("Catch-v0", "rgb", "SameStep"): "82b7520a149b0ede",
    ("Catch-v0", "rgb", "Disabled"): "77df3322177607f6",
    ("FruitFetch-v0", "grid", "NextStep"): "16600c84c7e2307f",
    ("FruitFetch-v0", "grid", "SameStep"): "42599510e1a94964",
    ("FruitFetch-v0", "grid", "Disabled"): "dd7063d706def34b",
    ("FruitFetch-v0", "rgb", "NextStep"): "e28e3da39a70b171",
    ("FruitFetch-v0", "rgb", "SameStep"): "51fba709d511530d",
    ("FruitFetch-v0", "rgb", "Disabled"): "af86d644737f3b46",
    ("CatchBall-v0", "grid", "NextStep"): "eb4ab8c4639ee33e",
    ("CatchBall-v0", "grid", "SameStep"): "1439812ea368f8cf",
    ("CatchBall-v0", "grid", "Disabled"): "0a746674e426d748",
    ("CatchBall-v0", "rgb", "NextStep"): "760f8be88f53eec2",
    ("CatchBall-v0", "rgb", "SameStep"): "dfb5ed2e62e58516",
    ("CatchBall-v0", "rgb", "Disabled"): "55f5b43f1c3f1c20",
    ("Cave-v0", "grid", "NextStep"): "4b5182bc6c594a06",
    ("Cave-v0", "grid", "SameStep"): "fa3f7e25215fe3a0",
    ("Cave-v0", "grid", "Disabled"): "1872490d8bf98d40",
    ("Cave-v0", "rgb", "NextStep"): "a4b89136b8ed3d20",
    ("Cave-v0", "rgb", "SameStep"): "fd16346eb40a1a2e",
    ("Cave-v0", "rgb", "Disabled"): "9804424ed61b8413",
    ("Cave-v1", "grid", "NextStep"): "d86764453a53fd3e",
    ("Cave-v1", "grid", "SameStep"): "7cbddbd76752c6bc",
    ("Cave-v1", "grid", "Disabled"): "86d760f9acb747f4",
    ("Cave-v1", "rgb", "NextStep"): "25cac895c7ae5925",
    ("Cave-v1", "rgb", "SameStep"): "172e77c610f5f917",
    ("Cave-v1", "rgb", "Disabled"): "3c2f1895b4144602",
    ("Snake-v0", "grid", "NextStep"): "9acda601efe2ff68",
    ("Snake-v0", "grid", "SameStep"): "6e8689f2d79a9a25",
    ("Snake-v0", "grid", "Disabled"): "f349ce80d8bc329b",
    ("Snake-v0", "rgb", "NextStep"): "e8a91e5784b70f57",
    ("Snake-v0", "rgb", "SameStep"): "ec018fc60525a1bf",
    ("Snake-v0", "rgb", "Disabled"): "27b284c882fa7991",
}


@pytest.mark.parametrize(("env_id", "obs_type"), sorted(SCALAR_DIGESTS))
def test_scalar_episodes_unchanged(env_id: str, obs_type: str) -> None:
    assert scalar_digest(env_id, obs_type) == SCALAR_DIGESTS[env_id, obs_type]


@pytest.mark.parametrize(("env_id", "obs_type", "autoreset_mode"), sorted(VECTOR_DIGESTS))
def test_vector_episodes_unchanged(env_id: str, obs_type: str, autoreset_mode: str) -> None:
    assert vector_digest(env_id, obs_type, autoreset_mode) == VECTOR_DIGESTS[env_id, obs_type, autoreset_mode]


def test_every_id_has_digests() -> None:
    assert {env_id for env_id, _ in SCALAR_DIGESTS} == set(gym_catchgames.ENV_IDS)
    assert {env_id for env_id, *_ in VECTOR_DIGESTS} == set(gym_catchgames.ENV_IDS)
