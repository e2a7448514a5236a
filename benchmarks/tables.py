"""Every results table of the README, the docs and the study READMEs, generated from the result rows.

A row is one run of ``benchmarks/learning.py``, kept as ``benchmarks/results/<study>/<setting>/seed<N>.json``.
A generated table sits in a Markdown page between two comments that say what it shows::

    <!-- table: summary learning/catch-sweep-dqn learning/catch-dqn -->
    ...
    <!-- end table -->

The first word is the kind of table, the rest are setting folders under ``benchmarks/results/`` (globs
allowed), whose rows it is made of, in that order:

- ``summary``: ``learning.py``'s table, one line per (game, algorithm) over its seeds;
- ``seeds``: one line per row: final score, random player, first check at the target, every check;
- ``checks``: every check per row, one column a row (``learning_curves.py``'s table);
- ``checks-seconds``: the same with each row's train seconds at each check beside its points;
- ``score-card``: ``score_card.py``'s table (it names its own rows, in ``benchmarks/score_card.yml``);
- ``entries``: each tuned entry of the score card, its final score per seed and its seeds at the target;
- ``best``: per game of the score card, its best tuned entry (and any that scored the same on every seed)
  and SweepDQN's entry beside it.

    python benchmarks/tables.py          # rewrite every table in place
    python benchmarks/tables.py --check  # exit 1, naming each table that differs from its rows
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from learning import summarise  # the sibling scripts (this script's folder is on the path)
from learning_curves import checks_table
from score_card import SETTINGS, load_rows, normalized_scores
from score_card import table as score_card_table

from agents.scoring import score_name
from agents.targets import load_targets

RESULTS = Path(__file__).with_name("results")
REPO = RESULTS.parent.parent
REGION = re.compile(r"(<!-- table: (?P<spec>[^>]*?) -->\n)(?P<body>.*?)(<!-- end table -->)", re.DOTALL)
#: Where generated tables live: the README, the docs and the study READMEs.
PAGES = ("README.md", "docs/**/*.md", "benchmarks/results/*/README.md")
#: The package's own algorithm, whose entry the ``best`` table shows beside each game's best.
FEATURED = "sweep-dqn"


def setting_rows(patterns: list[str], results: Path = RESULTS) -> list[dict[str, Any]]:
    """The rows of the setting folders matching ``patterns``, in their order, each folder's by seed."""
    rows = []
    for pattern in patterns:
        folders = sorted(path for path in results.glob(pattern) if path.is_dir())
        if not folders:
            raise FileNotFoundError(f"no setting folder matches {results / pattern}")
        for folder in folders:
            files = sorted(folder.glob("seed*.json"), key=lambda path: int(path.stem.removeprefix("seed")))
            rows += [row for path in files for row in json.loads(path.read_text())]
    return rows


def score(value: float) -> str:
    """A check's score, at the precision its size needs."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"


def seeds_table(rows: list[dict[str, Any]]) -> str:
    """One line per row: its final score, the random player's, first check at the target and checks."""
    lines = [
        "| env | algo | seed | final score | random | target | first check at target (env steps) "
        "| train seconds | checks |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        reached = f"{row['steps_to_target']:,}" if row["steps_to_target"] is not None else "not reached"
        checks = ", ".join(score(value) for _, value in row.get("checks", []))
        lines.append(
            f"| {row['env']} | {row['algo']} | {row['seed']} | {row['final_score']:.2f} "
            f"| {row['random_score']:.2f} | {row['target']:.2f} | {reached} | {row['train_seconds']:,.0f} "
            f"| {checks} |"
        )
    return "\n".join(lines)


#: ``{env: {entry: (final score per seed, seeds at target)}}``
EntryResults = dict[str, dict[str, tuple[list[float], int]]]


def entry_results(settings: dict[str, Any], results: Path = RESULTS) -> EntryResults:
    """``{env: {entry: (final score per seed, seeds at target)}}`` of the score card's tuned entries."""
    card = normalized_scores(settings, results)
    return {
        env_id: {
            name: (
                [row["final_score"] for row in load_rows(entry["rows"], entry["algo"], env_id, results)],
                sum(value >= 1.0 for value in card[env_id][name]),
            )
            for name, entry in entries.items()
        }
        for env_id, entries in settings.items()
    }


def per_seed(finals: list[float]) -> str:
    return " / ".join(f"{value:.1f}" for value in finals)


def entries_table(settings: dict[str, Any], results: Path = RESULTS) -> str:
    """Each tuned entry of the score card: its final score per seed, their mean, how many hit the target."""
    lines = [
        "| game | algorithm | final greedy score per seed | mean | seeds at target |",
        "|---|---|---|---:|---:|",
    ]
    for env_id, entries in entry_results(settings, results).items():
        for name, (finals, reached) in entries.items():
            mean = np.mean(finals)
            lines.append(f"| {env_id} | {name} | {per_seed(finals)} | {mean:.1f} | {reached}/{len(finals)} |")
    return "\n".join(lines)


def target_text(target: Any) -> str:
    """A game's target as ``agents/targets.yml`` gives it: a score, or a multiple of the random player's."""
    return f"{target['times_random']:g}x random" if isinstance(target, dict) else f"{target:g}"


def best_table(settings: dict[str, Any], results: Path = RESULTS) -> str:
    """Per game, its best tuned entry by mean final score (with those that scored the same on every
    seed), and SweepDQN's entry beside it."""
    targets = load_targets()
    lines = [
        "| game | score | target | best tuned entry | its final score per seed | seeds at target "
        f"| {FEATURED}: mean, seeds at target |",
        "|---|---|---:|---|---|---:|---|",
    ]
    for env_id, entries in entry_results(settings, results).items():
        best = max(entries, key=lambda name: np.mean(entries[name][0]))
        finals, reached = entries[best]
        names = ", ".join(name for name, (other, _) in entries.items() if other == finals)
        featured = "-"
        if FEATURED in entries:
            ours, ours_reached = entries[FEATURED]
            featured = f"{np.mean(ours):.1f}, {ours_reached}/{len(ours)}"
        lines.append(
            f"| {env_id} | {score_name(env_id)} | {target_text(targets[env_id])} | {names} "
            f"| {per_seed(finals)} | {reached}/{len(finals)} | {featured} |"
        )
    return "\n".join(lines)


def score_card_settings() -> dict[str, Any]:
    return yaml.safe_load(SETTINGS.read_text())


KINDS: dict[str, Callable[[list[str]], str]] = {
    "summary": lambda patterns: summarise(setting_rows(patterns)),
    "seeds": lambda patterns: seeds_table(setting_rows(patterns)),
    "checks": lambda patterns: checks_table(setting_rows(patterns), 600_000, 0.5),
    "checks-seconds": lambda patterns: checks_table(setting_rows(patterns), 600_000, 0.5, seconds=True),
    "score-card": lambda _: score_card_table(normalized_scores(score_card_settings())),
    "entries": lambda _: entries_table(score_card_settings()),
    "best": lambda _: best_table(score_card_settings()),
}


def table(spec: str) -> str:
    """The table a region's ``spec`` (its kind, then its setting folders) asks for."""
    kind, *patterns = spec.split()
    if kind not in KINDS:
        raise ValueError(f"unknown table kind {kind!r} (one of {', '.join(KINDS)})")
    return KINDS[kind](patterns)


def regenerate(text: str) -> tuple[str, list[str]]:
    """``text`` with every table region rewritten from its rows, and the specs of those that changed."""
    changed = []

    def rewrite(match: re.Match[str]) -> str:
        body = table(match["spec"]) + "\n"
        if body != match["body"]:
            changed.append(match["spec"])
        return match[1] + body + match[4]

    return REGION.sub(rewrite, text), changed


def pages(repo: Path = REPO) -> list[Path]:
    return sorted({path for pattern in PAGES for path in repo.glob(pattern)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="rewrite nothing; exit 1 if a table differs")
    args = parser.parse_args(argv)
    drifted = []
    for page in pages():
        text = page.read_text()
        new, changed = regenerate(text)
        drifted += [f"{page.relative_to(REPO)}: {spec}" for spec in changed]
        if changed and not args.check:
            page.write_text(new)
    for name in drifted:
        print(f"{'differs from its rows' if args.check else 'rewrote'}: {name}")
    return 1 if args.check and drifted else 0


if __name__ == "__main__":
    raise SystemExit(main())
