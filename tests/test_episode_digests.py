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
    observation, info = envs.reset(seed=[3, 1, None, 4, 1])
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
    ("Catch-v0", "grid", "NextStep"): "7996c0627168274b",
    ("Catch-v0", "grid", "SameStep"): "2be0363be52fcf60",
    ("Catch-v0", "grid", "Disabled"): "a21795a1c8d7a2aa",
    ("Catch-v0", "rgb", "NextStep"): "a2f77dcd14e876ef",
    ("Catch-v0", "rgb", "SameStep"): "d4027507d330f32d",
    ("Catch-v0", "rgb", "Disabled"): "9908452a750f424d",
    ("FruitFetch-v0", "grid", "NextStep"): "ba66a244e9da5ca8",
    ("FruitFetch-v0", "grid", "SameStep"): "d7c230f7cdd83d7c",
    ("FruitFetch-v0", "grid", "Disabled"): "c721f19824de223a",
    ("FruitFetch-v0", "rgb", "NextStep"): "f5e38faa015702a8",
    ("FruitFetch-v0", "rgb", "SameStep"): "dc3a0fbba34028ec",
    ("FruitFetch-v0", "rgb", "Disabled"): "bbfca5ed94f0415d",
    ("CatchBall-v0", "grid", "NextStep"): "10a63f4274883c86",
    ("CatchBall-v0", "grid", "SameStep"): "d68ee217755fa0fd",
    ("CatchBall-v0", "grid", "Disabled"): "a1e67d51be34f2b7",
    ("CatchBall-v0", "rgb", "NextStep"): "f45aff9936dcf1c6",
    ("CatchBall-v0", "rgb", "SameStep"): "998fa4c26718a9de",
    ("CatchBall-v0", "rgb", "Disabled"): "f71404e6b02f5fb6",
    ("Cave-v0", "grid", "NextStep"): "bbbc73778c22b5d0",
    ("Cave-v0", "grid", "SameStep"): "0fdc110f42942acc",
    ("Cave-v0", "grid", "Disabled"): "c5e1e27a38042483",
    ("Cave-v0", "rgb", "NextStep"): "dde81f68b22785cb",
    ("Cave-v0", "rgb", "SameStep"): "3b4076e3a89ba72f",
    ("Cave-v0", "rgb", "Disabled"): "231ef35e98d9c112",
    ("Cave-v1", "grid", "NextStep"): "c578f83d05ba6ed2",
    ("Cave-v1", "grid", "SameStep"): "07f638359ee7fc29",
    ("Cave-v1", "grid", "Disabled"): "c772962995d8a36d",
    ("Cave-v1", "rgb", "NextStep"): "ddf357fd80a08721",
    ("Cave-v1", "rgb", "SameStep"): "ec488322a6384bf1",
    ("Cave-v1", "rgb", "Disabled"): "901c90fd338d21ea",
    ("Snake-v0", "grid", "NextStep"): "1253be16b4c0f9e4",
    ("Snake-v0", "grid", "SameStep"): "0f3f3dd07bc89250",
    ("Snake-v0", "grid", "Disabled"): "24866990762dc0d2",
    ("Snake-v0", "rgb", "NextStep"): "17bd5437f1df5e9f",
    ("Snake-v0", "rgb", "SameStep"): "b5ade09d2129438c",
    ("Snake-v0", "rgb", "Disabled"): "ab6c27eb26f6f064",
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
