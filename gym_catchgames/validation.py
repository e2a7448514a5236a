"""Argument and action checks shared by every game, so each error says what is allowed."""

from __future__ import annotations

import argparse
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

#: The largest step count or interval an argument takes (``max_episode_steps``, Cave's intervals, Snake's
#: ``max_steps_without_food``): the vector envs count steps in int64, where 2**63 would overflow.
MAX_STEP_COUNT = 2**62


def check_int(name: str, value: Any, *, minimum: int, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer within ``[minimum, maximum]``.

    Raises ``TypeError`` for non-integers (``10.0`` and ``True`` included) and ``ValueError`` for
    integers outside the allowed range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    allowed = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


def int_at_least(minimum: int, maximum: int | None = None):
    """An ``argparse`` ``type`` accepting integers ``>= minimum`` (and ``<= maximum``, if given), else a
    usage error with exit status 2."""
    allowed = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"

    def parse(text: str) -> int:
        try:
            return check_int("the value", int(text), minimum=minimum, maximum=maximum)
        except ValueError as error:  # int("x") and out-of-range values alike
            raise argparse.ArgumentTypeError(f"must be an integer {allowed}, got {text!r}") from error

    parse.__name__ = f"integer {allowed}"
    return parse


def check_float(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> float:
    """Return ``value`` as a finite ``float`` within the given bounds, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    low = "" if minimum is None else f"{'>' if exclusive_minimum else '>='} {minimum}"
    high = "" if maximum is None else f"{'<' if exclusive_maximum else '<='} {maximum}"
    allowed = " and ".join(["finite", *(part for part in (low, high) if part)])
    too_low = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
    too_high = maximum is not None and (value >= maximum if exclusive_maximum else value > maximum)
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


def check_seed(seed: Any) -> int | None:
    """``seed`` as an ``int`` (NumPy integers included) or ``None``; the same rule for scalar and vector envs.

    ``True`` is refused (``TypeError``) rather than read as seed 1, and negative seeds (``ValueError``)
    as NumPy's ``SeedSequence`` refuses them.
    """
    return None if seed is None else check_int("seed", seed, minimum=0)


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a ``bool`` (NumPy's included), else raise ``TypeError``: ``0`` and ``"yes"``
    are refused rather than read as truth values."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_choice(name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` listing them.

    A value matches a choice of its own type only: ``value in choices`` would compare a NumPy array
    element-wise (and fail without naming the argument) and take ``1`` for ``True``.
    """
    for choice in choices:
        if isinstance(value, type(choice)) and value == choice:
            return choice
    listed = ", ".join(repr(choice) for choice in choices)
    raise ValueError(f"{name} must be one of {listed}; got {value!r}")


def check_render_mode(render_mode: str | None, render_modes: Sequence[str]) -> str | None:
    """Return ``render_mode`` if it is ``None`` or one of the env's declared render modes."""
    if render_mode is None:
        return None
    return check_choice("render_mode", render_mode, [None, *render_modes])


def describe_actions(action_space: spaces.Discrete, meanings: Sequence[str]) -> str:
    """One line naming the action space and what each action does, for error messages."""
    names = ", ".join(f"{index} = {meaning}" for index, meaning in enumerate(meanings))
    return f"{action_space} (an integer in 0..{action_space.n - 1}: {names})"


def action_error(
    env_name: str, action: Any, action_space: spaces.Discrete, meanings: Sequence[str]
) -> Exception:
    """Build the error for an action outside ``action_space`` (``TypeError`` for non-integers)."""
    described = f"{action!r} ({type(action).__name__})"
    message = (
        f"{env_name} got the invalid action {described}; "
        f"the action space is {describe_actions(action_space, meanings)}"
    )
    is_integer = (isinstance(action, numbers.Integral) and not isinstance(action, bool | np.bool_)) or (
        isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu"
    )
    return ValueError(message) if is_integer else TypeError(message)
