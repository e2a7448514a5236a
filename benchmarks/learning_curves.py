"""Learning curves of ``benchmarks/learning.py`` results: every check per seed, and SweepDQN's swept Q.

Reads the JSON rows ``benchmarks/learning.py`` writes (one file or several, e.g. one per seed run in
parallel), prints a Markdown table of every check per seed with the "holds what it learned" test (no
check from ``--hold-from`` steps on below ``--hold-fraction`` of the best check before it), and draws
two panels: the checks against env steps, and SweepDQN's mean swept Q-value per sweep (the Hvass-Labs
tutorial's diagnostic plot). ``--within-seconds S`` compares runs at equal wall-clock time: each run's
last check made within S seconds of training.

    python benchmarks/learning_curves.py benchmarks/results/breakout/sweep-dqn-nature-cnn/seed*.json \\
        --reference 20.9 --out docs/images/breakout_sweepdqn_curve.png
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def held(checks: list[tuple[int, float]], hold_from: int, fraction: float) -> bool:
    """Whether no check from ``hold_from`` steps on falls below ``fraction`` of the best check before it."""
    best = float("-inf")
    for steps, score in checks:
        if steps >= hold_from and best > 0 and score < fraction * best:
            return False
        best = max(best, score)
    return True


def score_within(row: dict[str, Any], seconds: float) -> tuple[int, float, float] | None:
    """The last check of ``row`` made within ``seconds`` of training: (env steps, score, seconds).

    None when the row has no training seconds per check (rows written before they were recorded)
    or its first check came later.
    """
    within = [
        (steps, score, at)
        for (steps, score), at in zip(row["checks"], row.get("check_train_seconds") or [], strict=False)
        if at <= seconds
    ]
    return within[-1] if within else None


def checks_table(rows: list[dict[str, Any]], hold_from: int, fraction: float, seconds: bool = False) -> str:
    """A Markdown table: one line per check step, one column per (algorithm, seed); with ``seconds``, a
    second column for each run that has them with its train seconds at each check."""
    steps = sorted({steps for row in rows for steps, _ in row["checks"]})
    header, columns = [], []  # per column: its cell at each step, then at the final, seconds and holds lines
    for row in rows:
        label = f"{short_spec(row['algo'])} seed {row['seed']}"
        points = dict(row["checks"])
        holds = "yes" if held(row["checks"], hold_from, fraction) else "**no**"
        at = {step: f"{points[step]:.1f}" for step in points}
        tail = [f"**{row['final_score']:.1f}**", f"{row['train_seconds']:.0f}", holds]
        times = row.get("check_train_seconds") if seconds else None
        header.append(f"{label} points" if times else label)
        columns.append([at.get(step, "") for step in steps] + tail)
        if times:
            pairs = zip(row["checks"], times, strict=False)
            at_seconds = {step: f"{value:,.0f}" for (step, _), value in pairs}
            header.append(f"{label} train s")
            columns.append([at_seconds.get(step, "") for step in steps] + ["", "", ""])
    labels = [f"{step:,}" for step in steps] + ["final", "train seconds", f"holds from {hold_from:,}"]
    lines = ["| env steps | " + " | ".join(header) + " |", "|---:|" + "---:|" * len(header)]
    for i, label in enumerate(labels):
        lines.append(f"| {label} | " + " | ".join(column[i] for column in columns) + " |")
    return "\n".join(lines)


def short_spec(spec: str) -> str:
    """An algorithm spec with its entry file named by its stem (``sweep-dqn@dir/x.yml+k=v`` becomes
    ``sweep-dqn@x+k=v``; a study's ``<setting>/settings.yml`` by its setting folder), short enough for a
    legend or a column."""
    name, at, rest = spec.partition("@")
    if not at:
        return spec
    file, plus, overrides = rest.partition("+")
    stem = Path(file).stem
    if stem.endswith("settings"):  # a study's settings file: its setting folder says what it is
        stem = Path(file).parent.name
    return f"{name}@{stem}{plus}{overrides}"


def run_labels(rows: list[dict[str, Any]]) -> tuple[list[str], str]:
    """A legend label per row and a title suffix: ``seed N`` with the spec in the title when every row
    runs one spec, else ``spec seed N``."""
    specs = {short_spec(row["algo"]) for row in rows}
    if len(specs) == 1:
        return [f"seed {row['seed']}" for row in rows], f" ({specs.pop()})"
    return [f"{short_spec(row['algo'])} seed {row['seed']}" for row in rows], ""


def plot(rows: list[dict[str, Any]], path: Path, reference: float | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with_sweeps = [row for row in rows if row.get("sweeps")]
    figure, axes = plt.subplots(
        1, 2 if with_sweeps else 1, figsize=(11 if with_sweeps else 6, 4), squeeze=False
    )
    scores = axes[0][0]
    labels, title = run_labels(rows)
    for row, label in zip(rows, labels, strict=True):
        steps, values = zip(*row["checks"], strict=True) if row["checks"] else ((), ())
        scores.plot(steps, values, marker="o", label=label)
    if reference is not None:
        scores.axhline(reference, color="gray", linestyle="--", label=f"reference {reference:g}")
    scores.set(xlabel="env steps", ylabel=f"score per game (epsilon {rows[0].get('epsilon', 0):g})")
    scores.set_title(rows[0]["env"] + title, fontsize="medium")
    scores.grid(alpha=0.3)
    scores.legend()
    if with_sweeps:
        q_values = axes[0][1]
        for row, label in zip(rows, labels, strict=True):
            if row.get("sweeps"):
                q_values.plot([s["steps"] for s in row["sweeps"]], [s["q_mean_swept"] for s in row["sweeps"]],
                              label=label)  # fmt: skip
        q_values.set(
            xlabel="env steps", ylabel="mean swept Q-value of the memory", title="Q-values per sweep"
        )
        q_values.grid(alpha=0.3)
        q_values.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="JSON files written by benchmarks/learning.py")
    parser.add_argument("--out", type=Path, default=None, help="PNG of the curves (default: none)")
    parser.add_argument("--reference", type=float, default=None, help="a score to draw as a line")
    parser.add_argument("--hold-from", type=int, default=600_000, help="steps from which a curve must hold")
    parser.add_argument("--hold-fraction", type=float, default=0.5, help="of the best check before it")
    parser.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    parser.add_argument(
        "--within-seconds",
        type=float,
        default=None,
        help="also print each run's last check within this many training seconds",
    )
    args = parser.parse_args(argv)
    if args.out is not None and args.out.exists() and not args.overwrite:
        parser.error(f"{args.out} exists; pass --overwrite to replace it or choose another --out")
    rows = [row for path in args.results for row in json.loads(path.read_text())]
    print(checks_table(rows, args.hold_from, args.hold_fraction))
    if args.within_seconds is not None:
        for row in rows:
            found = score_within(row, args.within_seconds)
            text = (
                "no check recorded" if found is None else "{1:.1f} at {0:,} steps ({2:.0f} s)".format(*found)
            )
            print(
                f"{row['algo']} seed {row['seed']} within {args.within_seconds:.0f} training seconds: {text}"
            )
    if args.out is not None:
        plot(rows, args.out, args.reference)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
