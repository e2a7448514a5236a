"""``SB3VecEnvAdapter``: a Stable-Baselines3 ``VecEnv`` over any Gymnasium ``VectorEnv``.

SB3 does not accept Gymnasium vector envs: its ``VecEnv`` resets a finished sub-env inside the step that
ended it, returns the new episode's first observation there and puts the last one in
``info["terminal_observation"]``. Gymnasium's vector envs instead autoreset on the next step
(``NEXT_STEP``, the default), in the same step with ``info["final_obs"]`` (``SAME_STEP``) or not at all
(``DISABLED``). The adapter turns each of them into SB3's semantics:

* ``NEXT_STEP`` and ``DISABLED``: after a step in which sub-envs finished, it resets just those with
  ``reset(options={"reset_mask": done})``, which Gymnasium's ``SyncVectorEnv`` / ``AsyncVectorEnv`` and
  this package's native vector envs support (``CartPoleVectorEnv`` does not: it would reset all, so the
  adapter refuses it);
* ``SAME_STEP``: it moves ``final_obs`` / ``final_info`` to where SB3 expects them.

>>> import gymnasium, gym_catchgames
>>> from stable_baselines3 import PPO
>>> env = SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", num_envs=64))
>>> model = PPO("MlpPolicy", env).learn(10_000)  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import concatenate, create_empty_array

from gym_catchgames.dependencies import require

require("stable_baselines3", "gym_catchgames.sb3 (the Stable-Baselines3 adapter)")

from stable_baselines3.common.env_util import is_wrapped  # noqa: E402
from stable_baselines3.common.vec_env.base_vec_env import (  # noqa: E402
    VecEnv,
    VecEnvIndices,
    VecEnvObs,
    VecEnvStepReturn,
)

from gym_catchgames.vector import GridGameVectorEnv  # noqa: E402

#: Vector env classes known to honour ``reset(options={"reset_mask": ...})``.
RESET_MASK_VECTOR_ENVS = (gymnasium.vector.SyncVectorEnv, gymnasium.vector.AsyncVectorEnv, GridGameVectorEnv)


class SB3VecEnvAdapter(VecEnv):
    """Presents a Gymnasium ``VectorEnv`` as an SB3 ``VecEnv`` (see the module docstring).

    Infos are split into one dict per sub-env (Gymnasium's ``_key`` masks say which sub-envs have a
    key), with SB3's ``"TimeLimit.truncated"`` and ``"terminal_observation"`` added. ``seed(s)`` makes
    the next ``reset()`` seed sub-env ``i`` with ``s + i``, as SB3's own vector envs do.

    ``get_attr`` / ``set_attr`` / ``env_method`` reach the sub-envs of vector envs made of Gymnasium envs
    (``SyncVectorEnv``, ``AsyncVectorEnv``); in a ``SyncVectorEnv`` only those of ``indices``, as in
    SB3's ``DummyVecEnv`` (so ``set_attr`` then ``get_attr`` of a new attribute reads it back). A
    natively batched env has no sub-env objects: its own attribute is returned for every index, a method
    is called once and its result returned for every index, and ``set_attr`` must cover all sub-envs.
    ``env_is_wrapped`` can only look inside a ``SyncVectorEnv``; for other vector envs it answers
    ``False``. ``step_async`` takes a batched action or, as SB3's vector envs, a list of one per sub-env.
    """

    def __init__(
        self, vector_env: gymnasium.vector.VectorEnv, *, supports_reset_mask: bool | None = None
    ) -> None:
        """Wrap ``vector_env``.

        ``NEXT_STEP`` and ``DISABLED`` vector envs must reset only the sub-envs named by
        ``reset(options={"reset_mask": ...})``. Gymnasium's ``SyncVectorEnv`` / ``AsyncVectorEnv`` and this
        package's vector envs do; any other class raises ``ValueError`` (an env that ignored the mask
        would cut every running episode short without telling SB3), unless ``supports_reset_mask=True``
        vouches for it.
        """
        if not isinstance(vector_env, gymnasium.vector.VectorEnv):
            raise TypeError(
                "SB3VecEnvAdapter takes a Gymnasium VectorEnv (gymnasium.make_vec(...)), got "
                f"{vector_env!r} ({type(vector_env).__name__}); for a single env use SB3's DummyVecEnv"
            )
        self.vector_env = vector_env
        mode = vector_env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
        self.autoreset_mode = AutoresetMode(mode.value if isinstance(mode, AutoresetMode) else mode)
        if supports_reset_mask is None:
            supports_reset_mask = isinstance(vector_env.unwrapped, RESET_MASK_VECTOR_ENVS)
        if self.autoreset_mode is not AutoresetMode.SAME_STEP and not supports_reset_mask:
            name = type(vector_env.unwrapped).__name__
            raise ValueError(
                f"SB3VecEnvAdapter needs a {self.autoreset_mode.name} vector env that resets only the "
                f"sub-envs in reset(options={{'reset_mask': ...}}); {name} is not known to "
                "(Gymnasium's CartPoleVectorEnv resets them all). Use gymnasium.make_vec(..., "
                "vectorization_mode='sync'), an env with autoreset_mode SAME_STEP, or pass "
                "supports_reset_mask=True if it does."
            )
        super().__init__(
            vector_env.num_envs, vector_env.single_observation_space, vector_env.single_action_space
        )
        self._actions: np.ndarray | None = None

    # ----------------------------------------------------------------- stepping
    def reset(self) -> VecEnvObs:
        """Reset every sub-env with the seed values of ``seed()`` and the options of ``set_options()``."""
        obs, info = self.vector_env.reset(seed=self._vector_seed(), options=self._vector_options())
        self.reset_infos = split_info(info, self.num_envs)
        self._reset_seeds()
        self._reset_options()
        return obs

    def step_async(self, actions: np.ndarray | list[Any]) -> None:
        """Take a batched action (an array, or Gymnasium's dict/tuple of arrays) or, as SB3's own vector
        envs do, a list of one action per sub-env (how SB3 steps ``Dict`` and ``Tuple`` action spaces)."""
        if isinstance(actions, list):
            if len(actions) != self.num_envs:
                raise ValueError(
                    f"a list of actions needs one per sub-env ({self.num_envs}), got {len(actions)}"
                )
            space = self.vector_env.single_action_space
            actions = concatenate(space, actions, create_empty_array(space, self.num_envs))
        self._actions = actions

    def step_wait(self) -> VecEnvStepReturn:
        obs, rewards, terminated, truncated, info = self.vector_env.step(self._actions)
        dones = np.logical_or(terminated, truncated)
        final_obs, final_info = info.pop("final_obs", None), info.pop("final_info", {})
        info.pop("_final_obs", None), info.pop("_final_info", None)
        infos = split_info(info, self.num_envs)
        done_envs = np.flatnonzero(dones).tolist()
        if done_envs and self.autoreset_mode is AutoresetMode.SAME_STEP:
            # Gymnasium gave the new episode's obs and reset info, and the last step's in final_*.
            final_infos = split_info(final_info, self.num_envs)
            for i in done_envs:
                self.reset_infos[i], infos[i] = infos[i], final_infos[i]
                infos[i]["terminal_observation"] = final_obs[i]
        elif done_envs:
            for i in done_envs:
                infos[i]["terminal_observation"] = take(obs, i)
            reset_obs, reset_info = self.vector_env.reset(options={"reset_mask": dones})
            obs = select(dones, reset_obs, obs)
            reset_infos = split_info(reset_info, self.num_envs)
            for i in done_envs:
                self.reset_infos[i] = reset_infos[i]
        for i, (ended, cut) in enumerate(zip(terminated.tolist(), truncated.tolist(), strict=True)):
            infos[i]["TimeLimit.truncated"] = cut and not ended
        return obs, np.asarray(rewards, dtype=np.float32), dones, infos

    def close(self) -> None:
        self.vector_env.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        """The frames ``render()`` of the vector env returns (the first few sub-envs for native envs)."""
        if self.render_mode != "rgb_array":
            warnings.warn(
                f"The render mode is {self.render_mode}, but get_images() needs 'rgb_array'", stacklevel=2
            )
            return [None] * self.num_envs
        return list(self.vector_env.render())

    # ----------------------------------------------------------------- sub-env access
    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        indices = self._get_indices(indices)
        sub_envs = self._sub_envs()
        if sub_envs is not None:  # only the sub-envs asked for: the others may lack the attribute
            return [sub_envs[i].get_wrapper_attr(attr_name) for i in indices]
        if self._has_sub_envs():
            values = self.vector_env.unwrapped.get_attr(attr_name)
            return [values[i] for i in indices]
        return [self._batched_attr(attr_name)] * len(indices)

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        indices = self._get_indices(indices)
        base = self.vector_env.unwrapped
        covers_all = sorted(indices) == list(range(self.num_envs))
        sub_envs = self._sub_envs()
        if sub_envs is not None:  # SyncVectorEnv: set just those sub-envs, as SB3's DummyVecEnv does
            for i in indices:
                sub_envs[i].set_wrapper_attr(attr_name, value)
        elif self._has_sub_envs() and covers_all:
            base.set_attr(attr_name, value)
        elif self._has_sub_envs():  # Gymnasium sets one value per sub-env: keep the others' values
            try:
                values = list(base.get_attr(attr_name))
            except AttributeError as error:
                raise ValueError(
                    f"set_attr({attr_name!r}) on some sub-envs of a {type(base).__name__} must keep the "
                    f"others' values, and they have none ({error}): set it on all sub-envs first"
                ) from error
            for i in indices:
                values[i] = value
            base.set_attr(attr_name, values)
        elif covers_all:
            setattr(base, attr_name, value)
        else:
            raise ValueError(
                f"{type(base).__name__} is natively batched: set_attr({attr_name!r}) must cover all "
                f"{self.num_envs} sub-envs (indices=None), got indices {indices}"
            )

    def env_method(
        self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **method_kwargs: Any
    ) -> list[Any]:
        indices = self._get_indices(indices)
        sub_envs = self._sub_envs()
        if sub_envs is not None:  # call it on the sub-envs asked for only, as SB3's DummyVecEnv does
            return [sub_envs[i].get_wrapper_attr(method_name)(*method_args, **method_kwargs) for i in indices]
        if self._has_sub_envs():
            results = self.vector_env.unwrapped.call(method_name, *method_args, **method_kwargs)
            return [results[i] for i in indices]
        result = self._batched_attr(method_name)(*method_args, **method_kwargs)
        return [result] * len(indices)

    def env_is_wrapped(
        self, wrapper_class: type[gymnasium.Wrapper], indices: VecEnvIndices = None
    ) -> list[bool]:
        indices = self._get_indices(indices)
        sub_envs = self._sub_envs()
        if sub_envs is None:
            return [False] * len(indices)
        return [is_wrapped(sub_envs[i], wrapper_class) for i in indices]

    # ----------------------------------------------------------------- helpers
    def _sub_envs(self) -> list[gymnasium.Env] | None:
        """The sub-env objects of a ``SyncVectorEnv`` (reachable in this process), else ``None``."""
        return getattr(self.vector_env.unwrapped, "envs", None)

    def _has_sub_envs(self) -> bool:
        """Whether the vector env is made of Gymnasium envs it can query (Sync/AsyncVectorEnv)."""
        base = self.vector_env.unwrapped
        return callable(getattr(base, "call", None)) and callable(getattr(base, "get_attr", None))

    def _batched_attr(self, name: str) -> Any:
        """An attribute of the outermost vector wrapper that has it, else of the unwrapped env."""
        if hasattr(self.vector_env, name):
            return getattr(self.vector_env, name)
        return getattr(self.vector_env.unwrapped, name)

    def _vector_seed(self) -> int | list[int | None] | None:
        """SB3's per-sub-env seeds as Gymnasium's ``reset(seed=...)`` takes them (an int if consecutive)."""
        seeds = self._seeds
        if all(seed is None for seed in seeds):
            return None
        if seeds[0] is not None and seeds == list(range(seeds[0], seeds[0] + self.num_envs)):
            return seeds[0]
        return list(seeds)

    def _vector_options(self) -> dict[str, Any] | None:
        """SB3's per-sub-env options as the one dict a Gymnasium vector env's ``reset()`` takes."""
        if not any(self._options):
            return None
        if any(options != self._options[0] for options in self._options):
            raise ValueError(
                "a Gymnasium vector env takes one options dict for all sub-envs; "
                f"set_options() gave different ones: {self._options}"
            )
        return dict(self._options[0])


def split_info(info: dict[str, Any], num_envs: int) -> list[dict[str, Any]]:
    """Gymnasium's vector ``info`` (arrays with ``_key`` masks, nested dicts) as one dict per sub-env."""
    infos: list[dict[str, Any]] = [{} for _ in range(num_envs)]
    for key, values in info.items():
        mask = info.get(f"_{key}")
        if mask is None:  # a mask itself, or a key given for every sub-env without one
            if key.startswith("_") and key[1:] in info:
                continue
            mask = np.ones(num_envs, dtype=np.bool_)
        per_env = split_info(values, num_envs) if isinstance(values, dict) else values
        for i in np.flatnonzero(mask).tolist():
            infos[i][key] = per_env[i]
    return infos


def take(obs: VecEnvObs, i: int) -> Any:
    """A copy of sub-env ``i``'s observation from a batched (possibly dict) observation."""
    if isinstance(obs, dict):
        return {key: take(value, i) for key, value in obs.items()}
    return np.array(obs[i])


def select(mask: np.ndarray, chosen: VecEnvObs, other: VecEnvObs) -> VecEnvObs:
    """A new batched observation: ``chosen``'s rows where ``mask`` is True, ``other``'s elsewhere."""
    if isinstance(chosen, dict):
        return {key: select(mask, chosen[key], other[key]) for key in chosen}
    return np.where(mask.reshape((-1,) + (1,) * (np.ndim(chosen) - 1)), chosen, other)
