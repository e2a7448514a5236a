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

Observations may be a ``Box``/``Discrete``/... array, or a ``Dict`` or ``Tuple`` of them, which come
out as SB3's ``DummyVecEnv`` gives them: a dict or tuple of arrays batched per element.

>>> import gymnasium, gym_catchgames
>>> from stable_baselines3 import PPO
>>> env = SB3VecEnvAdapter(gymnasium.make_vec("Catch-v0", num_envs=64))
>>> model = PPO("MlpPolicy", env).learn(10_000)  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from copy import deepcopy
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
#: Vector env classes made of sub-envs, each reset with the ``options`` of its own ``reset()``: the adapter
#: gives sub-envs different options by resetting them group by group through ``reset_mask``.
PER_ENV_OPTIONS_VECTOR_ENVS = (gymnasium.vector.SyncVectorEnv, gymnasium.vector.AsyncVectorEnv)


class SB3VecEnvAdapter(VecEnv):
    """Presents a Gymnasium ``VectorEnv`` as an SB3 ``VecEnv`` (see the module docstring).

    Infos are split into one dict per sub-env (Gymnasium's ``_key`` masks say which sub-envs have a
    key), with SB3's ``"TimeLimit.truncated"`` and ``"terminal_observation"`` added. ``seed(s)`` makes
    the next ``reset()`` seed sub-env ``i`` with ``s + i``, as SB3's own vector envs do.

    ``set_options()`` takes one dict for all sub-envs or a list of one per sub-env, used by the next
    ``reset()``. A ``SyncVectorEnv`` / ``AsyncVectorEnv`` gives each sub-env its own (as ``DummyVecEnv``
    does), resetting the sub-envs that share options together through ``reset_mask``; a natively batched
    env has one ``reset(options=...)`` for all sub-envs, so it refuses different ones.

    ``get_attr`` / ``set_attr`` / ``env_method`` reach the sub-envs of vector envs made of Gymnasium envs
    (``SyncVectorEnv``, ``AsyncVectorEnv``); in a ``SyncVectorEnv`` only those of ``indices``, as in
    SB3's ``DummyVecEnv`` (so ``set_attr`` then ``get_attr`` of a new attribute reads it back). A
    natively batched env has no sub-env objects: its own attribute is returned for every index, a method
    is called once and its result returned for every index, and ``set_attr`` must cover all sub-envs.
    Gymnasium's ``AsyncVectorEnv`` reaches every sub-env at once and shuts its workers down on any
    error, so there an attribute or method must exist in every sub-env (``has_attr`` asks without
    shutting anything down), and a method is called on all sub-envs, its results given for ``indices``.
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
        self._per_env_options = isinstance(vector_env.unwrapped, PER_ENV_OPTIONS_VECTOR_ENVS)
        self._started = False  # whether reset() ran: a masked reset needs every sub-env started
        super().__init__(
            vector_env.num_envs, vector_env.single_observation_space, vector_env.single_action_space
        )
        self._actions: np.ndarray | None = None

    # ----------------------------------------------------------------- stepping
    def reset(self) -> VecEnvObs:
        """Reset every sub-env with the seed values of ``seed()`` and the options of ``set_options()``.

        Sub-envs with different options are reset one group of equal options at a time through
        ``reset_mask``; the first ``reset()`` starts all sub-envs with the largest group's options first
        (Gymnasium's vector envs cannot reset some sub-envs before all have started), so the others are
        reset twice then: with seeds they end as ``DummyVecEnv``'s, without they have drawn once more.
        """
        seed = self._vector_seed()
        obs: VecEnvObs | None = None
        for options, mask in self._reset_plan():
            if mask is not None:
                options = {**(options or {}), "reset_mask": mask}
            reset_obs, info = self.vector_env.reset(seed=seed, options=options)
            obs = reset_obs if obs is None else select(mask, reset_obs, obs)
            for i, sub_env_info in enumerate(split_info(info, self.num_envs)):
                if mask is None or mask[i]:
                    self.reset_infos[i] = sub_env_info
        self._started = True
        self._reset_seeds()
        self._reset_options()
        return obs

    def set_options(self, options: list[dict[str, Any] | None] | dict[str, Any] | None = None) -> None:
        """Options for the next ``reset()``: one dict (or ``None``) for all sub-envs, or a list of one per
        sub-env, as SB3's ``VecEnv.set_options``. A native vector env refuses different ones here."""
        if options is None or isinstance(options, dict):
            per_env = [options or {}] * self.num_envs
        elif (
            isinstance(options, list | tuple)
            and len(options) == self.num_envs
            and all(item is None or isinstance(item, dict) for item in options)
        ):
            per_env = [item or {} for item in options]
        else:
            raise ValueError(
                f"set_options() takes a dict (or None) for all {self.num_envs} sub-envs or a list of "
                f"{self.num_envs} dicts, one per sub-env; got {describe(options)}"
            )
        if not self._per_env_options and len(option_groups(per_env)) > 1:
            name = type(self.vector_env.unwrapped).__name__
            raise ValueError(
                f"{name} is natively batched: its reset() applies one options dict to all sub-envs, so "
                "set_options() takes a dict or a list of equal dicts; for different options per sub-env "
                "use gymnasium.make_vec(..., vectorization_mode='sync') or 'async'"
            )
        self._options = deepcopy(per_env)

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
    def has_attr(self, attr_name: str) -> bool:
        """Whether every sub-env has ``attr_name`` (asked with ``has_wrapper_attr`` where reading a
        missing attribute would shut an ``AsyncVectorEnv``'s workers down)."""
        if self._sub_envs() is None and self._has_sub_envs():
            return not self._lacking(attr_name)
        return super().has_attr(attr_name)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        indices = self._get_indices(indices)
        sub_envs = self._sub_envs()
        if sub_envs is not None:  # only the sub-envs asked for: the others may lack the attribute
            return [sub_envs[i].get_wrapper_attr(attr_name) for i in indices]
        if self._has_sub_envs():
            self._check_all_have(attr_name)
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
            lacking = self._lacking(attr_name)
            if lacking:
                raise ValueError(
                    f"set_attr({attr_name!r}) on some sub-envs of a {type(base).__name__} sets all of them, "
                    f"the others to their own values, and sub-envs {lacking} have none: set it on all "
                    "sub-envs first (indices=None)"
                )
            values = list(base.get_attr(attr_name))
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
            self._check_all_have(method_name)
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

    def _lacking(self, name: str) -> list[int]:
        """The sub-envs without ``name`` of a vector env in other processes, asked with
        ``has_wrapper_attr``: an ``AsyncVectorEnv`` worker asked for a missing attribute raises, and
        Gymnasium then shuts all the workers down."""
        has = self.vector_env.unwrapped.call("has_wrapper_attr", name)
        return [i for i, present in enumerate(has) if not present]

    def _check_all_have(self, name: str) -> None:
        """Raise ``AttributeError`` unless every sub-env has ``name`` (see :meth:`_lacking`)."""
        lacking = self._lacking(name)
        if lacking:
            raise AttributeError(
                f"sub-envs {lacking} of the {type(self.vector_env.unwrapped).__name__} have no attribute "
                f"{name!r}, and it reaches every sub-env at once: give all of them the attribute first"
            )

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

    def _reset_plan(self) -> list[tuple[dict[str, Any] | None, np.ndarray | None]]:
        """The vector env resets that give each sub-env its options: ``(options, reset_mask)`` pairs, a
        ``None`` mask for a reset of all sub-envs (one when all options agree, and the first reset)."""
        groups = option_groups(self._options)
        plan = [(options or None, mask) for options, mask in groups]
        if len(plan) == 1:
            return [(plan[0][0], None)]
        if not self._started:
            largest = max(range(len(plan)), key=lambda k: int(plan[k][1].sum()))
            plan.insert(0, (plan.pop(largest)[0], None))
        return plan


def option_groups(per_env: list[dict[str, Any]]) -> list[tuple[dict[str, Any], np.ndarray]]:
    """The distinct options of ``per_env`` (one dict per sub-env), each with the mask of its sub-envs."""
    groups: list[tuple[dict[str, Any], np.ndarray]] = []
    for i, options in enumerate(per_env):
        mask = next((mask for seen, mask in groups if options is seen or options == seen), None)
        if mask is None:
            mask = np.zeros(len(per_env), dtype=np.bool_)
            groups.append((options, mask))
        mask[i] = True
    return groups


def describe(value: Any) -> str:
    """A short description of a wrong argument, not its content: its type, and for a list or tuple its
    length and the types it holds."""
    if not isinstance(value, list | tuple):
        return f"a {type(value).__name__}"
    held = ", ".join(sorted({type(item).__name__ for item in value}))
    return f"a {type(value).__name__} of {len(value)} ({held})"


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
    """A copy of sub-env ``i``'s observation from a batched observation (an array, or a dict or tuple
    of them, batched per element)."""
    if isinstance(obs, dict):
        return {key: take(value, i) for key, value in obs.items()}
    if isinstance(obs, tuple):
        return tuple(take(value, i) for value in obs)
    return np.array(obs[i])


def select(mask: np.ndarray, chosen: VecEnvObs, other: VecEnvObs) -> VecEnvObs:
    """A new batched observation: ``chosen``'s rows where ``mask`` is True, ``other``'s elsewhere."""
    if isinstance(chosen, dict):
        return {key: select(mask, chosen[key], other[key]) for key in chosen}
    if isinstance(chosen, tuple):
        return tuple(select(mask, part, other_part) for part, other_part in zip(chosen, other, strict=True))
    return np.where(mask.reshape((-1,) + (1,) * (np.ndim(chosen) - 1)), chosen, other)
