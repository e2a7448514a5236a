"""SB3VecEnvAdapter: SB3's VecEnv semantics over Gymnasium vector envs, and learning through it."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, ClassVar

import gymnasium
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.vector import AutoresetMode
from stable_baselines3 import DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvObs, VecEnvStepReturn

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


#: The vector envs made of sub-envs: Gymnasium's SyncVectorEnv in both autoreset modes the adapter
#: turns into SB3's, and its AsyncVectorEnv.
SUB_ENV_KINDS = ["sync next-step", "sync same-step", "async"]


def sub_env_adapter(kind: str, env_fns: list[Callable[[], gymnasium.Env]]) -> SB3VecEnvAdapter:
    """The adapter over a SyncVectorEnv (``NEXT_STEP`` or ``SAME_STEP``) or AsyncVectorEnv of ``env_fns``."""
    if kind == "async":
        return SB3VecEnvAdapter(gymnasium.vector.AsyncVectorEnv(env_fns))
    autoreset = AutoresetMode.NEXT_STEP if kind == "sync next-step" else AutoresetMode.SAME_STEP
    return SB3VecEnvAdapter(gymnasium.vector.SyncVectorEnv(env_fns, autoreset_mode=autoreset))


def make_adapter(kind: str, env_id: str, num_envs: int, **kwargs: Any) -> SB3VecEnvAdapter:
    """The adapter over the native env, or over sub-envs made with ``gymnasium.make`` (see SUB_ENV_KINDS)."""
    if kind == "native":
        return SB3VecEnvAdapter(gymnasium.make_vec(env_id, num_envs, **kwargs))
    # "gym_catchgames:<id>" imports the package first: AsyncVectorEnv's workers may be spawned processes
    # (another test may have set the start method) where nothing has registered the ids yet.
    make = functools.partial(gymnasium.make, f"gym_catchgames:{env_id}", **kwargs)
    return sub_env_adapter(kind, [make] * num_envs)


def assert_same_obs(actual: Any, expected: Any) -> None:
    """Equal observations of the same structure (an array, or a dict or tuple of arrays), shapes and
    dtypes included."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected)
        for key, value in expected.items():
            assert_same_obs(actual[key], value)
    elif isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected)
        for part, expected_part in zip(actual, expected, strict=True):
            assert_same_obs(part, expected_part)
    else:
        assert np.shape(actual) == np.shape(expected)
        assert np.asarray(actual).dtype == np.asarray(expected).dtype
        np.testing.assert_array_equal(actual, expected)


def assert_same_step(actual: VecEnvStepReturn, expected: VecEnvStepReturn) -> None:
    """The same step results as the reference's: observations, rewards, dones and every info, the
    terminal observations compared as observations."""
    obs, rewards, dones, infos = actual
    expected_obs, expected_rewards, expected_dones, expected_infos = expected
    assert_same_obs(obs, expected_obs)
    np.testing.assert_array_equal(rewards, expected_rewards)
    np.testing.assert_array_equal(dones, expected_dones)
    assert rewards.dtype == np.float32 and dones.dtype == np.bool_
    for info, expected_info in zip(infos, expected_infos, strict=True):
        assert info.keys() == expected_info.keys()
        if "terminal_observation" in expected_info:
            assert_same_obs(info["terminal_observation"], expected_info["terminal_observation"])
        assert {key: value for key, value in info.items() if key != "terminal_observation"} == {
            key: value for key, value in expected_info.items() if key != "terminal_observation"
        }


def step_both(adapter: SB3VecEnvAdapter, reference: DummyVecEnv, steps: int, seed: int) -> tuple[int, int]:
    """Step both with the same random actions, checking each step and the reset infos; returns how many
    episodes ended and how many of them by truncation."""
    rng = np.random.default_rng(seed)
    ended = truncated = 0
    for _ in range(steps):
        actions = rng.integers(0, adapter.action_space.n, adapter.num_envs)
        expected = reference.step(actions)
        assert_same_step(adapter.step(actions), expected)
        assert adapter.reset_infos == reference.reset_infos
        ended += int(expected[2].sum())
        truncated += sum(info["TimeLimit.truncated"] for info in expected[3])
    return ended, truncated


def assert_same_reset(adapter: SB3VecEnvAdapter, reference: DummyVecEnv) -> VecEnvObs:
    """Reset both: the same observations and reset infos. Returns the adapter's observations."""
    obs = adapter.reset()
    assert_same_obs(obs, reference.reset())
    assert adapter.reset_infos == reference.reset_infos
    return obs


@pytest.mark.parametrize("kind", ["native", *SUB_ENV_KINDS])
def test_adapter_steps_exactly_like_sb3_dummy_vec_env(kind: str) -> None:
    """SB3's own DummyVecEnv over scalar envs is the reference: same observations, rewards, dones,
    terminal observations, truncation flags and infos, through terminations, truncations and resets."""
    num_envs = 5
    adapter = make_adapter(kind, "CatchBall-v0", num_envs, **CATCH_BALL)
    reference = DummyVecEnv([lambda: gymnasium.make("CatchBall-v0", **CATCH_BALL)] * num_envs)
    assert adapter.seed(21) == reference.seed(21)
    assert_same_reset(adapter, reference)
    ended, truncated = step_both(adapter, reference, 300, seed=0)
    assert ended > 100 and truncated > 20


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


# ----------------------------------------------------------------------------- SB3's VecEnv contract
# What SB3's own tests/test_vec_envs.py asks of a VecEnv, checked against SB3's DummyVecEnv over the same
# scalar envs: per-sub-env options, Dict and Tuple observations, custom calls with indices, seeding and
# rendering.


def element_spaces() -> dict[str, gymnasium.Space]:
    """One space of each kind SB3's vector envs batch, as elements of a Dict or Tuple observation."""
    return {
        "discrete": spaces.Discrete(3),
        "multidiscrete": spaces.MultiDiscrete([2, 3]),
        "multibinary": spaces.MultiBinary(3),
        "box": spaces.Box(0.0, 1.0, (2,), np.float32),
    }


#: Observation spaces of ContractEnv by name (new objects per env: each env seeds its own).
OBSERVATION_SPACES: dict[str, Callable[[], gymnasium.Space]] = {
    "Box": lambda: spaces.Box(-5.0, 5.0, (3,), np.float32),
    "Dict": lambda: spaces.Dict(element_spaces()),
    "Tuple": lambda: spaces.Tuple(tuple(element_spaces().values())),
}


class ContractEnv(gymnasium.Env):
    """A tiny env for SB3's VecEnv contract: observations of any space drawn with the env's seeded
    generator, episodes ended at random (terminated) or after 5 steps (truncated), the last reset's
    options kept in ``options`` with their ``level`` in the reset info, and a frame showing the step."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"]}

    def __init__(self, space: str = "Box", render_mode: str | None = "rgb_array") -> None:
        self.observation_space = OBSERVATION_SPACES[space]()
        self.action_space = spaces.Discrete(2)
        self.render_mode = render_mode
        self.options: dict[str, Any] | None = None
        self.steps = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.observation_space.seed(int(self.np_random.integers(2**32)))
        self.options, self.steps = options, 0
        return self.observation_space.sample(), {"level": (options or {}).get("level")}

    def step(self, action: int):
        self.steps += 1
        terminated = bool(self.np_random.random() < 0.2)
        reward = float(action) + self.steps
        return self.observation_space.sample(), reward, terminated, self.steps >= 5, {"steps": self.steps}

    def render(self) -> np.ndarray:
        return np.full((2, 3, 3), 40 * self.steps, dtype=np.uint8)

    def scaled(self, value: int, factor: int = 1) -> int:
        """A custom method whose result depends on the sub-env's state."""
        return value * factor * (self.steps + 1)


def used_options(env: SB3VecEnvAdapter | DummyVecEnv) -> list[dict[str, Any]]:
    """The options each sub-env's last reset got. Gymnasium's vector envs pass ``{}`` where
    DummyVecEnv passes ``None`` to a sub-env reset without options (through ``reset_mask``): both
    mean none."""
    return [options or {} for options in env.get_attr("options")]


@pytest.mark.parametrize("kind", SUB_ENV_KINDS)
def test_per_sub_env_options_reach_each_sub_env_as_in_dummy_vec_env(kind: str) -> None:
    adapter = sub_env_adapter(kind, [ContractEnv] * 3)
    reference = DummyVecEnv([ContractEnv] * 3)
    cases = [
        (5, [{"level": 1}, {}, {"level": 1}]),  # different options at the first reset, seeded
        (None, {"level": 2}),  # one dict for all
        (None, [{"level": 3}] * 3),  # a list of equal dicts
        (None, [{"level": 4}, {"level": 5}, None]),  # different ones later: unseeded streams continue
        (8, None),  # no options
    ]
    for case, (seed, options) in enumerate(cases):
        for env in (adapter, reference):
            if seed is not None:
                env.seed(seed)
            env.set_options(options)
        assert_same_reset(adapter, reference)
        assert used_options(adapter) == used_options(reference)
        assert step_both(adapter, reference, 12, seed=case)[0] > 0
    # Options are used once: the next reset has none.
    assert_same_reset(adapter, reference)
    assert used_options(adapter) == [{}] * 3
    adapter.close()


def test_different_options_at_an_unseeded_first_reset_reach_their_sub_envs() -> None:
    """The first reset starts every sub-env, then resets the others again with their options."""
    adapter = sub_env_adapter("sync next-step", [ContractEnv] * 3)
    options = [{"level": 7}, {"level": 8}, {"level": 7}]
    adapter.set_options(options)
    adapter.reset()
    assert adapter.get_attr("options") == options
    assert [info["level"] for info in adapter.reset_infos] == [7, 8, 7]


def test_a_native_vector_env_takes_one_options_dict_for_all_sub_envs() -> None:
    adapter = SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 3))
    reference = DummyVecEnv([lambda: gymnasium.make("Catch-v0")] * 3)
    for options in ({"level": 1}, [{"level": 1}] * 3):  # Catch takes options and ignores them
        for env in (adapter, reference):
            env.seed(4)
            env.set_options(options)
        assert_same_reset(adapter, reference)
    with pytest.raises(
        ValueError,
        match=r"^CatchVectorEnv is natively batched: .* set_options\(\) takes a dict or a list of equal "
        r"dicts; for different options per sub-env use .*vectorization_mode='sync'\) or 'async'$",
    ):
        adapter.set_options([{"level": 1}, {"level": 2}, {"level": 1}])


@pytest.mark.parametrize(
    ("options", "described"),
    [([{}, {}], "a list of 2 (dict)"), ([{}, 1, None], "a list of 3 (NoneType, dict, int)"), ("a", "a str")],
)
def test_set_options_refuses_what_sb3_does_not_take(options: Any, described: str) -> None:
    adapter = sub_env_adapter("sync next-step", [ContractEnv] * 3)
    with pytest.raises(
        ValueError,
        match=r"set_options\(\) takes a dict \(or None\) for all 3 sub-envs or a list of 3 dicts, one "
        rf"per sub-env; got {re.escape(described)}$",
    ):
        adapter.set_options(options)


@pytest.mark.parametrize("kind", SUB_ENV_KINDS)
@pytest.mark.parametrize("space", ["Dict", "Tuple"])
def test_dict_and_tuple_observations_step_as_in_dummy_vec_env(space: str, kind: str) -> None:
    """Batched per element, terminal observations included, through episodes ending at different steps."""
    make_env = functools.partial(ContractEnv, space)
    adapter = sub_env_adapter(kind, [make_env] * 4)
    reference = DummyVecEnv([make_env] * 4)
    assert adapter.seed(11) == reference.seed(11)
    obs = assert_same_reset(adapter, reference)
    assert isinstance(obs, dict if space == "Dict" else tuple)
    ended, truncated = step_both(adapter, reference, 40, seed=0)
    assert ended > 20 and 0 < truncated < ended  # both ways an episode ends
    adapter.close()


def test_custom_calls_with_indices_act_as_in_dummy_vec_env() -> None:
    adapter = sub_env_adapter("sync next-step", [lambda: Monitor(ContractEnv())] * 3)
    reference = DummyVecEnv([lambda: Monitor(ContractEnv())] * 3)
    for env in (adapter, reference):
        env.seed(2)
        env.reset()
    step_both(adapter, reference, 2, seed=1)
    calls: list[Callable[[SB3VecEnvAdapter | DummyVecEnv], Any]] = [
        lambda env: env.has_attr("marker"),
        lambda env: [env.set_attr("marker", 10 * i, indices=i) for i in range(3)],
        lambda env: env.get_attr("marker"),
        lambda env: env.get_attr("marker", indices=[2, 0]),
        lambda env: env.set_attr("marker", 7, indices=[-1]),
        lambda env: env.get_attr("marker"),
        lambda env: env.has_attr("marker"),
        lambda env: env.env_method("set_wrapper_attr", "steps", 12, indices=[0, -1]),
        lambda env: env.get_attr("steps"),
        lambda env: env.env_method("scaled", 2, indices=[0, 2], factor=3),
        lambda env: env.env_method("scaled", 1),
        lambda env: env.env_is_wrapped(Monitor, indices=[1]),
        lambda env: env.set_attr("partial", 1, indices=[0, 1]),
        lambda env: env.get_attr("partial", indices=[0, 1]),
    ]
    for call in calls:
        assert call(adapter) == call(reference)
    for env in (adapter, reference):
        with pytest.raises(AttributeError, match="partial"):  # sub-env 2 was never given one
            env.get_attr("partial", indices=[2])


def test_async_sub_envs_lacking_an_attribute_are_refused_without_shutting_workers_down() -> None:
    """AsyncVectorEnv shuts all its workers down when one fails to read an attribute: the adapter asks
    each with ``has_wrapper_attr`` first, and the env keeps stepping as DummyVecEnv."""
    adapter = sub_env_adapter("async", [ContractEnv] * 3)
    reference = DummyVecEnv([ContractEnv] * 3)
    assert not adapter.has_attr("marker") and not reference.has_attr("marker")
    with pytest.raises(AttributeError, match=r"sub-envs \[0, 1, 2\] of the AsyncVectorEnv .* 'marker'"):
        adapter.get_attr("marker", indices=[1])
    with pytest.raises(AttributeError, match="'no_such_method'"):
        adapter.env_method("no_such_method")
    with pytest.raises(ValueError, match=r"set_attr\('marker'\) on some sub-envs .* set it on all sub-envs"):
        adapter.set_attr("marker", 1, indices=[0])
    for env in (adapter, reference):
        env.set_attr("marker", 1)
        env.set_attr("marker", 2, indices=[1])
    assert adapter.get_attr("marker") == reference.get_attr("marker") == [1, 2, 1]
    assert adapter.has_attr("marker")
    for env in (adapter, reference):
        env.seed(3)
    assert_same_reset(adapter, reference)
    step_both(adapter, reference, 10, seed=2)
    adapter.close()


@pytest.mark.parametrize("kind", SUB_ENV_KINDS)
def test_seed_then_reset_gives_dummy_vec_envs_observations(kind: str) -> None:
    adapter = sub_env_adapter(kind, [ContractEnv] * 3)
    seeds = adapter.seed()  # a random seed, as SB3 draws one: sub-env i gets seeds[0] + i
    assert seeds == list(range(seeds[0], seeds[0] + 3))
    reference = DummyVecEnv([ContractEnv] * 3)
    reference.seed(seeds[0])
    obs = assert_same_reset(adapter, reference)
    assert not np.array_equal(obs[0], obs[1]) and not np.array_equal(obs[1], obs[2])
    assert not np.array_equal(adapter.reset(), obs)  # seeds are used once
    adapter.seed(seeds[0])
    np.testing.assert_array_equal(adapter.reset(), obs)
    adapter.close()


def test_rendering_gives_dummy_vec_envs_frames() -> None:
    make_env = functools.partial(gymnasium.make, "Catch-v0", render_mode="rgb_array")
    adapters = {
        "sync": SB3VecEnvAdapter(gymnasium.vector.SyncVectorEnv([make_env] * 6)),
        "native": SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 6, render_mode="rgb_array")),
    }
    reference = DummyVecEnv([make_env] * 6)
    for env in (*adapters.values(), reference):
        env.seed(9)
        env.reset()
        env.step(np.array([0, 1, 2, 2, 1, 0]))
    expected = reference.get_images()
    for kind, adapter in adapters.items():
        shown = 6 if kind == "sync" else RENDERED_ENVS  # a native env draws its first few sub-envs
        images = adapter.get_images()
        assert len(images) == shown
        for image, expected_image in zip(images, expected[:shown], strict=True):
            np.testing.assert_array_equal(image, expected_image)
        tiled = adapter.render()
        np.testing.assert_array_equal(adapter.render("rgb_array"), tiled)
        if kind == "sync":
            np.testing.assert_array_equal(tiled, reference.render())
        with pytest.warns(UserWarning, match="has to be the same as the environment render mode"):
            assert adapter.render(mode="something_else") is None
    unrendered = SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", 2))
    with pytest.warns(UserWarning, match="get_images\\(\\) needs 'rgb_array'"):
        assert unrendered.get_images() == [None, None]
