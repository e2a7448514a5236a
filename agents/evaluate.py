"""Evaluate a trained run: ``python -m agents.evaluate runs/Catch-v0/sweep-dqn/run-001``.

Plays ``--episodes`` greedy episodes and as many with a uniformly random player on the same seeds,
prints mean return ± standard error and the game's natural score (catch rate, catches, frames survived,
fruit eaten) for both, and writes ``evaluation.yml``, a GIF of the agent playing (``agent.gif``) and the
learning curve (``learning_curve.png``) into the run folder. ``--model`` picks the saved model: the
final one (default), the one saved when the run was stopped (``interrupted``) or the best evaluation's
(``best``). ``python -m agents.enjoy RUN_DIR`` (``catchgames-enjoy``) shows the agent in a window.
The work is ``agents.run_report.report``; this module only parses and reports errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from agents.commands import SaveError, check_run_dir
from agents.model_files import add_model_argument, load_model
from agents.run_report import report
from agents.runs import RunConfig
from gym_catchgames.validation import int_at_least

#: The longest error message printed (a message quoting a run's settings is cut there).
MAX_MESSAGE = 1000


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``python -m agents.evaluate`` and ``catchgames-evaluate``)."""
    parser = argparse.ArgumentParser(prog="python -m agents.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run folder made by python -m agents.train")
    parser.add_argument("--episodes", type=int_at_least(1), default=200)
    parser.add_argument("--gif-episodes", type=int_at_least(0), default=3)
    add_model_argument(parser)
    args = parser.parse_args(argv)
    check_run_dir(parser, args.run_dir)
    try:
        config = RunConfig.load(args.run_dir)
        model = load_model(args.run_dir, config, args.model)
        report(
            args.run_dir, config=config, model=model, episodes=args.episodes, gif_episodes=args.gif_episodes
        )
    except (ValueError, SaveError) as error:  # a run folder is untrusted input: what is wrong, in one line
        parser.error(" ".join(str(error).split())[:MAX_MESSAGE])
    except MemoryError:
        parser.error(f"{args.run_dir}: the run's settings need more memory than this process may take")
    return 0


if __name__ == "__main__":
    sys.exit(main())
