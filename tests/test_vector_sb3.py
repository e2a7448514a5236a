"""SB3VecEnvAdapter: SB3's VecEnv semantics over Gymnasium vector envs, and learning through it."""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from stable_baselines3 import DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import DummyVecEnv

import gym_catchgames  # noqa: F401  (registers the ids)
from agents import SweepDQN
from gym_catchgames.sb3 import SB3VecEnvAdapter
from gym_catchgames.vector import RENDERED_ENVS
from tests.helpers import greedy, mean_return

#: CatchBall with a short step limit, so SB3's truncation flag is exercised next to terminations.
CATCH_BALL = {
    "height": 5,
    "width": 8,
    "paddle_width": 6,
    "spawn_interval": 2,
    "max_spawn_distance": 7,
    "max_episode_steps": 9,
}


def make_adapter(kind: str, env_id: str, num_envs: int, **kwargs: Any) -> SB3VecEnvAdapter:
    """The adapter over the native env or over SyncVectorEnv in either autoreset mode that needs work."""
    if kind == "native":
        return SB3VecEnvAdapter(gymnasium.make_vec(env_id, num_envs, **kwargs))
    autoreset = AutoresetMode.NEXT_STEP if kind == "sync next-step" else AutoresetMode.SAME_STEP
    vector_kwargs = {"autoreset_mode": autoreset}
    return SB3VecEnvAdapter(
        gymnasium.make_vec(env_id, num_envs, vectorization_mode="sync", vector_kwargs=vector_kwargs, **kwargs)
    )


@pytest.mark.parametrize("kind", ["native", "sync next-step", "sync same-step"])
def test_adapter_steps_exactly_like_sb3_dummy_vec_env(kind: str) -> None:
    """SB3's own DummyVecEnv over scalar envs is the reference: same observations, rewards, dones,
    terminal observations, truncation flags and infos, through terminations, truncations and resets."""
    num_envs = 5
    adapter = make_adapter(kind, "CatchBall-v0", num_envs, **CATCH_BALL)
    reference = DummyVecEnv([lambda: gymnasium.make("CatchBall-v0", **CATCH_BALL)] * num_envs)
    assert adapter.seed(21) == reference.seed(21)
    np.testing.assert_array_equal(adapter.reset(), reference.reset())
    assert adapter.reset_infos == reference.reset_infos
    rng = np.random.default_rng(0)
    counts = {"terminal": 0, "truncated": 0}
    for _ in range(300):
        actions = rng.integers(0, 3, num_envs)
        obs, rewards, dones, infos = adapter.step(actions)
        expected_obs, expected_rewards, expected_dones, expected_infos = reference.step(actions)
        np.testing.assert_array_equal(obs, expected_obs)
        np.testing.assert_array_equal(rewards, expected_rewards)
        np.testing.assert_array_equal(dones, expected_dones)
        assert rewards.dtype == np.float32 and dones.dtype == np.bool_
        for info, expected in zip(infos, expected_infos, strict=True):
            assert info.keys() == expected.keys()
            if "terminal_observation" in expected:
                np.testing.assert_array_equal(
                    info.pop("terminal_observation"), expected["terminal_observation"]
                )
                expected = {key: value for key, value in expected.items() if key != "terminal_observation"}
                counts["terminal"] += 1
            assert info == expected
            counts["truncated"] += info["TimeLimit.truncated"]
        assert adapter.reset_infos == reference.reset_infos
    assert counts["terminal"] > 100 and counts["truncated"] > 20


def test_terminal_observation_is_a_copy_and_obs_is_the_new_episode() -> None:
    adapter = SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 3, height=4, basket_start="center"))
    adapter.seed(0)
    obs = adapter.reset()
    for _ in range(3):  # episodes last height - 1 = 3 steps
        obs, _, dones, infos = adapter.step(np.ones(3, dtype=np.int64))
    assert dones.all()
    for i in range(3):
        final = infos[i]["terminal_observation"]
        assert final[-1].sum() == 3 or final[-1].sum() == 4  # the fruit is on the bottom row...
        assert obs[i][0].sum() == 1 and obs[i][1:3].sum() == 0  # ...and back on the top row in obs
        assert not np.shares_memory(final, obs)


def test_nested_infos_of_gymnasium_vector_wrappers_reach_sb3() -> None:
    """RecordEpisodeStatistics' ``info["episode"]`` (a dict of arrays with its own masks) is split per
    sub-env, so SB3 can log episode returns; Catch's returns are +1 or -1 and its episodes 3 steps long."""
    vector_env = gymnasium.wrappers.vector.RecordEpisodeStatistics(
        gymnasium.make_vec("Catch-v0", 4, height=4, width=3, basket_width=1)
    )
    adapter = SB3VecEnvAdapter(vector_env)
    adapter.seed(3)
    adapter.reset()
    returns = np.zeros(4)
    for step in range(1, 10):
        _, rewards, dones, infos = adapter.step(np.array([0, 1, 2, 1]))
        returns += rewards
        assert dones.all() == (step % 3 == 0)
        for i, info in enumerate(infos):
            assert ("episode" in info) == (step % 3 == 0)
            if "episode" in info:
                assert (info["episode"]["r"], info["episode"]["l"]) == (returns[i], 3)
        returns[dones] = 0


def test_seed_makes_the_next_reset_reproducible() -> None:
    adapter = SB3VecEnvAdapter(gymnasium.make_vec("FruitFetch-v0", 4))
    adapter.seed(7)
    first = adapter.reset()
    second = adapter.reset()  # seeds are used once, as in SB3: this one continues the streams
    adapter.seed(7)
    np.testing.assert_array_equal(adapter.reset(), first)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, gymnasium.make_vec("FruitFetch-v0", 4).reset(seed=7)[0])


def test_attributes_and_methods_of_a_native_vector_env() -> None:
    adapter = SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 3, basket_width=2))
    assert adapter.get_attr("basket_width") == [2, 2, 2]
    assert adapter.get_attr("basket_width", indices=1) == [2]
    assert adapter.env_method("get_action_meanings", indices=[0, 2]) == [["left", "stay", "right"]] * 2
    assert adapter.env_is_wrapped(gymnasium.wrappers.TimeLimit) == [False] * 3
    adapter.set_attr("custom_flag", "on")
    assert adapter.get_attr("custom_flag") == ["on"] * 3
    with pytest.raises(ValueError, match="must cover all 3 sub-envs"):
        adapter.set_attr("custom_flag", "off", indices=[1])


def test_attributes_and_methods_of_sync_sub_envs() -> None:
    adapter = SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 3, vectorization_mode="sync"))
    adapter.set_attr("custom_flag", "on")
    adapter.set_attr("custom_flag", "off", indices=[1])
    assert adapter.get_attr("custom_flag") == ["on", "off", "on"]
    assert adapter.get_attr("custom_flag", indices=1) == ["off"]
    assert adapter.env_method("get_action_meanings", indices=2) == [["left", "stay", "right"]]
    assert adapter.env_is_wrapped(gymnasium.wrappers.OrderEnforcing) == [True] * 3
    assert adapter.env_is_wrapped(gymnasium.wrappers.TimeLimit) == [False] * 3


def test_render_returns_the_frames_of_the_first_sub_envs() -> None:
    adapter = SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 9, render_mode="rgb_array"))
    adapter.reset()
    images = adapter.get_images()
    assert len(images) == RENDERED_ENVS and images[0].shape[2] == 3
    tiled = adapter.render("rgb_array")
    assert tiled.shape == (2 * images[0].shape[0], 2 * images[0].shape[1], 3)
    adapter.close()


def test_different_options_per_sub_env_are_refused() -> None:
    adapter = SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 2))
    adapter.set_options([{"a": 1}, {"a": 2}])
    with pytest.raises(ValueError, match="one options dict for all sub-envs"):
        adapter.reset()


# ----------------------------------------------------------------------------- learning through the adapter
#: A small Catch (episodes of 5 steps, a 1-cell basket) so that a few thousand steps are enough.
SMALL_CATCH = {"height": 6, "width": 5, "basket_width": 1}


def small_catch_learner(name: str, env: SB3VecEnvAdapter) -> BaseAlgorithm:
    """DQN, PPO or SweepDQN with settings that learn SMALL_CATCH in a few thousand steps (seed 0)."""
    if name == "DQN":
        return DQN(
            "MlpPolicy",
            env,
            learning_starts=500,
            buffer_size=10_000,
            batch_size=64,
            learning_rate=2e-3,
            train_freq=1,
            target_update_interval=250,
            exploration_fraction=0.3,
            seed=0,
            device="cpu",
        )
    if name == "PPO":
        return PPO(
            "MlpPolicy", env, n_steps=32, batch_size=64, n_epochs=4, learning_rate=3e-3, seed=0, device="cpu"
        )
    # A small sweep memory, so that the first sweeps come early in a short run.
    return SweepDQN("MlpPolicy", env, buffer_size=2_000, seed=0, device="cpu")


@pytest.mark.parametrize(
    ("name", "steps", "min_score"), [("DQN", 5_000, 0.9), ("PPO", 5_000, 0.9), ("SweepDQN", 10_000, 0.8)]
)
def test_sb3_agents_learn_catch_through_the_adapter(name: str, steps: int, min_score: float) -> None:
    model = small_catch_learner(name, SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 8, **SMALL_CATCH)))

    def score() -> float:
        return mean_return(greedy(model), "Catch-v0", seed=1000, **SMALL_CATCH)

    assert score() < 0  # untrained: worse than an even chance of catching
    model.learn(steps)
    assert score() >= min_score  # 0.9: 95 % of the fruit caught; 0.8: 90 %


def test_vector_envs_that_ignore_reset_mask_are_refused() -> None:
    """CartPoleVectorEnv resets every sub-env on any reset: the adapter would cut episodes silently."""
    cartpole = gymnasium.make_vec("CartPole-v1", 4, vectorization_mode="vector_entry_point")
    with pytest.raises(ValueError, match=r"CartPoleVectorEnv is not known to.*vectorization_mode='sync'"):
        SB3VecEnvAdapter(cartpole)
    SB3VecEnvAdapter(gymnasium.make_vec("CartPole-v1", 4, vectorization_mode="sync"))  # accepted


def test_set_attr_on_some_sync_sub_envs_is_read_back_as_sb3_does() -> None:
    # SB3's own vec-env contract (its tests drive DummyVecEnv this way), over Gymnasium's SyncVectorEnv.
    from stable_baselines3.common.monitor import Monitor

    env = SB3VecEnvAdapter(gymnasium.vector.SyncVectorEnv([lambda: Monitor(gymnasium.make("Catch-v0"))] * 3))
    env.set_attr("dummy1", 5, indices=[0, 2])
    assert env.get_attr("dummy1", indices=[0, 2]) == [5, 5]
    env.set_attr("dummy1", 7, indices=[2])
    assert env.get_attr("dummy1", indices=[0, 2]) == [5, 7]
    with pytest.raises(AttributeError, match="dummy1"):  # sub-env 1 was never given one
        env.get_attr("dummy1", indices=[1])
    assert env.env_method("get_action_meanings", indices=[1]) == [["left", "stay", "right"]]


class RecordingEnv(gymnasium.Env):
    """Records the actions it is given, for any action space."""

    observation_space = gymnasium.spaces.Box(0.0, 1.0, (2,), np.float32)

    def __init__(self, action_space: gymnasium.Space) -> None:
        self.action_space = action_space
        self.actions: list[Any] = []

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        return np.zeros(2, np.float32), {}

    def step(self, action: Any):
        assert self.action_space.contains(action), action
        self.actions.append(action)
        return np.zeros(2, np.float32), 0.0, False, False, {}


@pytest.mark.parametrize(
    "space",
    [
        gymnasium.spaces.Dict({"a": gymnasium.spaces.Discrete(3), "b": gymnasium.spaces.Box(0, 1, (2,))}),
        gymnasium.spaces.Tuple((gymnasium.spaces.Discrete(2), gymnasium.spaces.Discrete(3))),
    ],
    ids=["Dict", "Tuple"],
)
def test_a_list_of_one_action_per_sub_env_reaches_each_sub_env(space: gymnasium.Space) -> None:
    vector_env = gymnasium.vector.SyncVectorEnv([lambda: RecordingEnv(space)] * 3)
    env = SB3VecEnvAdapter(vector_env)
    env.reset()
    space.seed(0)
    actions = [space.sample() for _ in range(3)]
    env.step(actions)  # crashed in step_wait before (list indices must be integers; IndexError)
    for sub_env, action in zip(vector_env.envs, actions, strict=True):
        assert str(sub_env.actions) == str([action])


def test_a_scalar_env_is_refused_with_what_to_use_instead() -> None:
    with pytest.raises(TypeError, match=r"takes a Gymnasium VectorEnv .* use SB3's DummyVecEnv"):
        SB3VecEnvAdapter(gymnasium.make("Catch-v0"))
    with pytest.raises(ValueError, match=r"a list of actions needs one per sub-env \(2\), got 3"):
        SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 2)).step_async([0, 1, 2])
