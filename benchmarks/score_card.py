"""The score card: one normalized score per game and algorithm, from the result rows, as a chart.

Each tuned entry's score is its final greedy natural score, normalized per game as Atari results are
normalized to human play: 0 is the uniformly random player and 1 the game's target
(``agents/targets.yml``). So that every algorithm of a game is measured against the same two points,
the random player is the one the game's DQN rows measured (one random action per env step of the plain
game, on the same seeds), and a ``{times_random: k}`` target is k times it; a seed without a DQN row
(Breakout's seeds 1 and 2) takes the mean of the DQN rows'. The score is the mean over its seeds; the
chart marks each seed and how many of them reached the target.

Which rows belong to which entry is in ``benchmarks/score_card.yml``; the chart is drawn from them alone:

    python benchmarks/score_card.py --out docs/images/score_card.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from agents.targets import load_targets, target_score

RESULTS = Path(__file__).with_name("results")
SETTINGS = Path(__file__).with_name("score_card.yml")
#: The algorithm whose rows give each game's random player.
REFERENCE_ALGO = "dqn"


def load_rows(files: str, algo: str, env_id: str, results: Path = RESULTS) -> list[dict[str, Any]]:
    """The rows of ``env_id`` and ``algo`` in the files matching ``files`` (a glob under ``results``)."""
    paths = sorted(results.glob(files))
    if not paths:
        raise FileNotFoundError(f"{SETTINGS.name}: no result rows match {results / files}")
    rows = []
    for path in paths:
        data = json.loads(path.read_text())
        rows += [row for row in (data if isinstance(data, list) else [data]) if row["env"] == env_id]
    chosen = [row for row in rows if row["algo"] == algo]
    if not chosen:
        raise ValueError(f"{SETTINGS.name}: {files} has no {env_id} rows of {algo!r}")
    return sorted(chosen, key=lambda row: row["seed"])


def normalized_scores(settings: dict[str, Any], results: Path = RESULTS) -> dict[str, dict[str, list[float]]]:
    """``{env: {algo: [normalized final score per seed]}}`` of the rows ``settings`` names."""
    targets = load_targets()
    card: dict[str, dict[str, list[float]]] = {}
    for env_id, entries in settings.items():
        rows = {
            name: load_rows(entry["rows"], entry["algo"], env_id, results) for name, entry in entries.items()
        }
        randoms = {row["seed"]: row["random_score"] for row in rows[REFERENCE_ALGO]}
        mean_random = float(np.mean(list(randoms.values())))
        card[env_id] = {}
        for name, algo_rows in rows.items():
            scores = []
            for row in algo_rows:
                random = randoms.get(row["seed"], mean_random)
                target = target_score(targets[env_id], random)
                scores.append((row["final_score"] - random) / (target - random))
            card[env_id][name] = scores
    return card


def table(card: dict[str, dict[str, list[float]]]) -> str:
    algos = list(dict.fromkeys(name for entries in card.values() for name in entries))
    lines = ["| game | " + " | ".join(algos) + " |", "|---|" + "---:|" * len(algos)]
    for env_id, entries in card.items():
        cells = []
        for algo in algos:
            scores = entries.get(algo)
            if scores is None:
                cells.append("-")
                continue
            reached = sum(score >= 1.0 for score in scores)
            cells.append(f"{np.mean(scores):.2f} ({reached}/{len(scores)})")
        lines.append(f"| {env_id} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def draw(card: dict[str, dict[str, list[float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    algos = list(dict.fromkeys(name for entries in card.values() for name in entries))
    games = list(card)
    width = 0.8 / len(algos)
    figure, axes = plt.subplots(figsize=(10, 4.2))
    for a, algo in enumerate(algos):
        for g, env_id in enumerate(games):
            scores = card[env_id].get(algo)
            if scores is None:
                continue
            x = g + (a - (len(algos) - 1) / 2) * width
            axes.bar(x, np.mean(scores), width, color=f"C{a}", label=algo if g == 0 else None)
            axes.plot([x] * len(scores), scores, "k.", markersize=4)
            reached = sum(score >= 1.0 for score in scores)
            axes.text(x, -0.12, f"{reached}/{len(scores)}", ha="center", va="top", fontsize=7)
    axes.axhline(1.0, color="k", linestyle="--", linewidth=1, label="target")
    axes.axhline(0.0, color="grey", linewidth=0.8)
    axes.set_xticks(range(len(games)), [env_id.removeprefix("ALE/") for env_id in games])
    axes.set_ylabel("final score: 0 = random, 1 = target")
    axes.set_ylim(-0.3, max(1.6, max(max(s) for entries in card.values() for s in entries.values()) + 0.1))
    axes.set_title("Tuned entries: mean over seeds (bars), each seed (dots), seeds at target (below)")
    axes.legend(ncol=len(algos) + 1, fontsize=8, loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", type=Path, default=SETTINGS, help="which rows make each entry")
    parser.add_argument("--out", type=Path, default=None, help="write the chart to this PNG")
    args = parser.parse_args(argv)
    card = normalized_scores(yaml.safe_load(args.settings.read_text()))
    print(table(card))
    if args.out is not None:
        draw(card, args.out)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
