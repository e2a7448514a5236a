"""Search hyperparameters with Ray Tune: ``python -m agents.tune --env FruitFetch-v0 --algo sweep-dqn``.

Each trial is a real training run of the package (the tuned entry of ``agents/hyperparams/<algo>.yml``
with the trial's settings on top, built by ``agents.algorithms`` as ``agents.train`` builds it) that
scores its greedy policy's natural score every ``--check-every`` env steps. Optuna proposes the
settings (Ray Tune's ``OptunaSearch``, seeded) from a search space per algorithm
(``agents/search_spaces/<algo>.yml``, or ``--space FILE``), and ASHA stops trials that fall behind.
Trials are ranked by their mean score over the checks so far, the area under the learning curve,
which rewards reaching a high score and reaching it early.

Without ``--address`` Ray starts on this machine with its CPUs; ``--address auto`` joins the cluster
started on this machine with ``ray start``, ``--address HOST:6379`` or ``ray://HOST:10001`` a remote one.
Nothing else changes. Unless told otherwise a search runs 16 trials of the entry's own budget
(``n_timesteps``) and writes into ``runs/tune/<env>/<algo>``. Results land in ``--out``: ``best.yml``
(the best trial as an entry for the id, ready to paste into ``agents/hyperparams/<algo>.yml``),
``trials.md`` and ``trials.json`` (every trial: settings, scores, env steps and seconds to the target)
and Ray's own records in ``ray/``. Ctrl-C stops the search and keeps what finished.

Everything is checked before Ray starts: the arguments, ``--out`` (writable, no earlier results unless
``--overwrite``, and not in use by another search: a lock file), and every extreme of the space built
once as a training run would build it. A trial that fails all the same (a combination of settings, an
error during training) makes the exit status 1, after the results of the others are written.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import ray
import torch
import yaml
from ray import tune
from ray.tune.schedulers import ASHAScheduler
from ray.tune.search.optuna import OptunaSearch

from agents import zoo
from agents.algorithms import ALGORITHMS, algorithm_class, build_model, dry_run, tuned_config
from agents.commands import MAX_SEED, UsageError, check_writable_folder, output_lock, write_text
from agents.ray_cluster import start_ray
from agents.runs import RunConfig, register_env_packages
from agents.scoring import GreedyChecks, random_score, score_name
from agents.targets import load_targets, target_score
from gym_catchgames.validation import int_at_least

SPACES_DIR = Path(__file__).with_name("search_spaces")
#: The distributions a search space may use, and Ray Tune's constructor of each.
DISTRIBUTIONS = ("uniform", "log_uniform", "int", "choice")
#: A key of a search space that is not an algorithm argument: the policy's hidden layers.
NET_ARCH = "net_arch"
#: Files written into ``--out`` (``--overwrite`` removes exactly these).
OUTPUTS = ("best.yml", "trials.md", "trials.json", "ray")
#: Trials a search runs unless told (``--trials``).
DEFAULT_TRIALS = 16
#: Where a search writes unless told (``--out``): one folder per env id and algorithm.
DEFAULT_OUT = Path("runs") / "tune"


# ----------------------------------------------------------------------------- the search space
@dataclass(frozen=True)
class Dimension:
    """One hyperparameter's distribution. ``choice`` values are sampled by index (Optuna's categorical
    distributions take only scalars, and SweepDQN's control signals are pairs)."""

    name: str
    kind: str
    values: tuple[Any, ...]  # (low, high) or the choices

    def ray_domain(self) -> Any:
        low, high = self.values[0], self.values[-1]
        if self.kind == "uniform":
            return tune.uniform(low, high)
        if self.kind == "log_uniform":
            return tune.loguniform(low, high)
        if self.kind == "int":
            return tune.randint(low, high + 1)  # Ray's upper bound is exclusive
        return tune.choice(list(range(len(self.values))))

    def decode(self, sampled: Any) -> Any:
        """The setting a sampled value stands for (a choice index becomes its value)."""
        if self.kind == "choice":
            return self.values[int(sampled)]
        return int(sampled) if self.kind == "int" else float(sampled)

    def extremes(self) -> list[Any]:
        """The sampled values at the edges of the space: both ends of a range, or every choice's index."""
        return list(range(len(self.values))) if self.kind == "choice" else list(self.values)


def default_space_file(algo: str) -> Path:
    """The algorithm's own space, else that of the nearest algorithm it subclasses (DoubleDQN: DQN's)."""
    names = {cls: name for name, cls in ALGORITHMS.items()}
    for cls in algorithm_class(algo).__mro__:
        if cls in names and (SPACES_DIR / f"{names[cls]}.yml").is_file():
            return SPACES_DIR / f"{names[cls]}.yml"
    raise UsageError(f"{algo} has no search space in {SPACES_DIR}: pass --space FILE")


def load_space(path: Path, algo: str) -> list[Dimension]:
    """Read and check a search space file; ``UsageError`` names the key and what is allowed."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise UsageError(f"cannot read the search space {path}: {error}".splitlines()[0]) from error
    if not isinstance(raw, dict) or not raw:
        raise UsageError(f"{path}: a search space maps hyperparameter names to distributions, got {raw!r}")
    try:
        zoo.check_keys({key: None for key in raw if key != NET_ARCH}, algorithm_class(algo))
    except zoo.HyperparameterError as error:
        raise UsageError(f"{path}: {error}") from error
    return [parse_dimension(path, name, spec) for name, spec in raw.items()]


def parse_dimension(path: Path, name: str, spec: Any) -> Dimension:
    """One ``name: {kind: values}`` entry of a space file, its ranges checked."""
    where = f"{path}: {name}"
    if not (isinstance(spec, dict) and len(spec) == 1 and next(iter(spec)) in DISTRIBUTIONS):
        raise UsageError(f"{where}: give one of {', '.join(f'{{{kind}: ...}}' for kind in DISTRIBUTIONS)}")
    kind, values = next(iter(spec.items()))
    if kind == "choice":
        if not isinstance(values, list) or not values:
            raise UsageError(f"{where}: choice takes a non-empty list of values, got {values!r}")
        return Dimension(name, kind, tuple(values))
    number, described = (int, "integers") if kind == "int" else (int | float, "finite numbers")
    if not (
        isinstance(values, list)
        and len(values) == 2
        and all(isinstance(v, number) and not isinstance(v, bool) and math.isfinite(v) for v in values)
    ):
        texts = values if isinstance(values, list) else [values]
        hint = (
            " (YAML 1.1 reads 1e-3 as text: write 1.0e-3)" if any(isinstance(v, str) for v in texts) else ""
        )
        raise UsageError(f"{where}: {kind} takes [low, high], two {described}, got {values!r}{hint}")
    low, high = values
    if low > high:
        raise UsageError(f"{where}: {kind} range [{low}, {high}] has its low end above its high end")
    if kind == "log_uniform" and low <= 0:
        raise UsageError(f"{where}: log_uniform needs a positive low end, got {low}")
    return Dimension(name, kind, (low, high))


def settings_of(
    dimensions: list[Dimension], sampled: dict[str, Any], entry: dict[str, Any]
) -> dict[str, Any]:
    """The overrides a trial's sampled values stand for, in the tuned file's own keys."""
    overrides = {dimension.name: dimension.decode(sampled[dimension.name]) for dimension in dimensions}
    if NET_ARCH in overrides:
        overrides["policy_kwargs"] = policy_kwargs_with_net_arch(
            entry.get("policy_kwargs"), overrides.pop(NET_ARCH)
        )
    return overrides


def policy_kwargs_with_net_arch(expression: str | None, net_arch: list[int]) -> str:
    """The zoo's ``policy_kwargs`` string with ``net_arch`` set; only for entries that set nothing else."""
    if expression is not None and set(zoo.evaluate_policy_kwargs(expression)) - {NET_ARCH}:
        raise UsageError(
            f"net_arch in a search space needs an entry whose policy_kwargs sets only net_arch; "
            f"this entry has {expression!r}: search policy_kwargs as a choice of strings instead"
        )
    return f"dict(net_arch={list(net_arch)!r})"


def check_space(job: SearchJob) -> None:
    """Build every extreme of the space once, as a training run builds it (``dry_run``), before Ray
    starts: a value that fails only when the network or the buffer is made is a usage error, not a
    failed trial."""
    for dimension in job.dimensions:
        for sampled in dimension.extremes():
            value = dimension.decode(sampled)
            try:
                overrides = settings_of([dimension], {dimension.name: sampled}, job.entry)
                dry_run(job.config(overrides))
            except UsageError:
                raise
            except (ValueError, TypeError) as error:
                raise UsageError(f"search space {dimension.name}={value!r}: {error}") from error


# ----------------------------------------------------------------------------- the trials
@dataclass(frozen=True)
class SearchJob:
    """What every trial of one search shares; sent to the Ray workers with each trial."""

    env_id: str
    algo: str
    seed: int
    timesteps: int
    check_every: int
    check_episodes: int
    target: Any  # a number or {times_random: k}, or None
    dimensions: list[Dimension]
    entry: dict[str, Any]
    cpus_per_trial: int

    def config(self, overrides: dict[str, Any]) -> RunConfig:
        return tuned_config(self.env_id, self.algo, self.seed, timesteps=self.timesteps, overrides=overrides)


def run_trial(sampled: dict[str, Any], job: SearchJob) -> None:
    """One trial (in a Ray worker): train with the sampled settings, report every greedy check."""
    torch.set_num_threads(job.cpus_per_trial)
    register_env_packages(job.env_id)
    config = job.config(settings_of(job.dimensions, sampled, job.entry))
    model = build_model(config)
    target = None
    if job.target is not None:
        target = target_score(job.target, random_score(config, int(model.action_space.n), job.check_episodes))
    node = ray.get_runtime_context().get_node_id()

    def report(checks: GreedyChecks) -> None:
        scores = [score for _, score in checks.checks]
        steps, seconds = checks.reached_at or (None, None)
        tune.report({
            "score": scores[-1], "mean_score": sum(scores) / len(scores), "env_steps": checks.num_timesteps,
            "train_seconds": checks.train_seconds(), "target": target, "steps_to_target": steps,
            "seconds_to_target": seconds, "node": node,
        })  # fmt: skip

    model.learn(
        config.timesteps,
        callback=GreedyChecks(config, job.check_every, job.check_episodes, target, on_check=report),
    )


# ----------------------------------------------------------------------------- the search
def run_search(job: SearchJob, trials: int, out: Path) -> tuple[list[dict[str, Any]], int, list[str]]:
    """Run the search (Ray must be started); return one row per trial that reported, how many trials
    started (fewer than asked for when Ctrl-C stopped the search) and the first line of each trial's
    error."""
    checks = max(job.timesteps // job.check_every, 1)
    tuner = tune.Tuner(
        tune.with_resources(tune.with_parameters(run_trial, job=job), {"cpu": job.cpus_per_trial}),
        param_space={dimension.name: dimension.ray_domain() for dimension in job.dimensions},
        tune_config=tune.TuneConfig(
            metric="mean_score",
            mode="max",
            num_samples=trials,
            search_alg=OptunaSearch(sampler=optuna.samplers.TPESampler(seed=job.seed)),
            scheduler=ASHAScheduler(
                time_attr="training_iteration", max_t=checks, grace_period=max(checks // 4, 1)
            ),
        ),
        run_config=tune.RunConfig(storage_path=str((out / "ray").resolve()), name="search", verbose=1),
    )
    results = tuner.fit()
    rows = []
    for result in results:
        if not result.metrics or "mean_score" not in result.metrics:
            continue  # failed before its first check
        metrics = result.metrics
        rows.append({
            "trial": metrics["trial_id"],
            "settings": settings_of(job.dimensions, result.config, job.entry),
            "mean_score": metrics["mean_score"], "final_score": metrics["score"],
            "env_steps": metrics["env_steps"], "completed": metrics["env_steps"] >= job.timesteps,
            "train_seconds": metrics["train_seconds"], "target": metrics["target"],
            "steps_to_target": metrics["steps_to_target"], "seconds_to_target": metrics["seconds_to_target"],
            "node": metrics["node"], "error": str(result.error).splitlines()[0] if result.error else None,
        })  # fmt: skip
    rows.sort(key=lambda row: (row["completed"], row["mean_score"]), reverse=True)
    errors = [str(result.error).splitlines()[0] for result in results if result.error]
    return rows, len(results), errors


# ----------------------------------------------------------------------------- results
def best_entry(job: SearchJob, row: dict[str, Any]) -> dict[str, Any]:
    """The tuned entry with the best trial's settings and the searched budget, as the yml files hold it."""
    return {job.env_id: {**job.entry, "n_timesteps": job.timesteps, **row["settings"]}}


def write_results(job: SearchJob, rows: list[dict[str, Any]], out: Path, command: str) -> None:
    """Write ``trials.json``, ``trials.md`` and (with a trial) ``best.yml``, each in one rename."""
    write_text(out / "trials.json", json.dumps(rows, indent=1, default=str))
    write_text(out / "trials.md", trials_table(job, rows) + "\n")
    if rows:
        best = rows[0]
        header = (
            f"# Found by: {command}\n# Best of {len(rows)} trials: mean greedy {score_name(job.env_id)} "
            f"{best['mean_score']:.2f} over the checks, {best['final_score']:.2f} at {best['env_steps']:,} "
            "env steps.\n"
        )
        write_text(
            out / "best.yml",
            header + yaml.safe_dump(best_entry(job, best), sort_keys=False, default_flow_style=None),
        )


def trials_table(job: SearchJob, rows: list[dict[str, Any]]) -> str:
    name = score_name(job.env_id)
    lines = [
        f"| trial | settings | mean {name} | final {name} | env steps | target | env steps to target "
        "| seconds to target | node |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        settings = ", ".join(f"{key}={_short(value)}" for key, value in row["settings"].items())
        steps = f"{row['env_steps']:,}" + ("" if row["completed"] else " (stopped)")
        target = "-" if row["target"] is None else f"{row['target']:.2f}"
        reached = row["steps_to_target"] is not None
        steps_to = f"{row['steps_to_target']:,}" if reached else "not reached"
        seconds_to = f"{row['seconds_to_target']:.1f}" if reached else "-"
        lines.append(
            f"| {row['trial']} | {settings} | {row['mean_score']:.2f} | {row['final_score']:.2f} | {steps} "
            f"| {target} | {steps_to} | {seconds_to} | {row['node'][:8]} |"
        )
    return "\n".join(lines)


def _short(value: Any) -> str:
    """A setting for the table: floats to 4 significant digits (best.yml keeps them exact)."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str([_short(item) for item in value]).replace("'", "") if isinstance(value, list) else str(value)


# ----------------------------------------------------------------------------- command line
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m agents.tune", description=__doc__.splitlines()[0])
    parser.add_argument("--env", required=True, help="a registered env id with a tuned entry for --algo")
    parser.add_argument("--algo", required=True, choices=list(ALGORITHMS))
    parser.add_argument(
        "--trials",
        type=int_at_least(1),
        default=DEFAULT_TRIALS,
        help=f"trials to run (default: {DEFAULT_TRIALS})",
    )
    parser.add_argument(
        "--timesteps",
        type=int_at_least(1),
        default=None,
        help="env steps per trial (default: the entry's n_timesteps)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for best.yml and the trials table (default: runs/tune/<env>/<algo>)",
    )
    parser.add_argument("--space", type=Path, default=None, help="search space (default: the algorithm's)")
    parser.add_argument("--address", default=None, help="a Ray cluster: auto, HOST:PORT or ray://HOST:PORT")
    parser.add_argument("--cpus-per-trial", type=int_at_least(1), default=1, help="at most a node's CPUs")
    parser.add_argument(
        "--seed", type=int_at_least(0, MAX_SEED), default=0, help="seed of the runs and of Optuna"
    )
    parser.add_argument("--check-every", type=int_at_least(1), default=None, help="default: --timesteps / 10")
    parser.add_argument("--check-episodes", type=int_at_least(1), default=50, help="episodes per check")
    parser.add_argument("--target", type=finite_float, default=None, help="default: agents/targets.yml's")
    parser.add_argument("--overwrite", action="store_true", help="replace the results already in --out")
    return parser


def finite_float(text: str) -> float:
    """An ``argparse`` ``type``: a finite number (``nan`` and ``inf`` are no target)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def make_job(args: argparse.Namespace) -> SearchJob:
    """Check the command line and the space; ``UsageError`` before anything runs."""
    if args.address is None and args.cpus_per_trial > len(os.sched_getaffinity(0)):
        raise UsageError(
            f"--cpus-per-trial {args.cpus_per_trial}: this machine lets the search use "
            f"{len(os.sched_getaffinity(0))} CPUs, so no trial could start"
        )
    register_env_packages(args.env)
    try:
        entry = zoo.load_hyperparams(args.algo, args.env, algorithm_class(args.algo))
    except zoo.HyperparameterError as error:
        raise UsageError(str(error)) from error
    dimensions = load_space(args.space or default_space_file(args.algo), args.algo)
    timesteps = args.timesteps or int(entry["n_timesteps"])
    job = SearchJob(
        env_id=args.env, algo=args.algo, seed=args.seed, timesteps=timesteps,
        check_every=args.check_every or max(timesteps // 10, 1), check_episodes=args.check_episodes,
        target=args.target if args.target is not None else load_targets().get(args.env),
        dimensions=dimensions, entry=entry, cpus_per_trial=args.cpus_per_trial,
    )  # fmt: skip
    check_space(job)
    return job


def check_out(out: Path, overwrite: bool) -> list[str]:
    """Refuse an ``out`` that cannot be written, or that holds earlier results unless ``overwrite``;
    return the names of the earlier results."""
    check_writable_folder("--out", out)
    existing = [name for name in OUTPUTS if (out / name).exists()]
    if existing and not overwrite:
        raise UsageError(
            f"{out} holds earlier results ({', '.join(existing)}); pass --overwrite or another --out"
        )
    return existing


def prepare_out(out: Path, overwrite: bool) -> None:
    """Create ``out`` after ``check_out``, removing the earlier results ``overwrite`` allows."""
    for name in check_out(out, overwrite):
        path = out / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    out.mkdir(parents=True, exist_ok=True)


def check_cluster_cpus(cpus_per_trial: int, address: str) -> None:
    """Refuse ``cpus_per_trial`` above the CPUs of every node of the joined cluster: a trial runs on one
    node, and one that no node can hold waits for ever."""
    largest = max((node["Resources"].get("CPU", 0) for node in ray.nodes() if node["Alive"]), default=0)
    if cpus_per_trial > largest:
        raise UsageError(
            f"--cpus-per-trial {cpus_per_trial}: the largest node of the cluster at {address} has "
            f"{largest:g} CPUs, so no trial could start"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (``python -m agents.tune`` and ``catchgames-tune``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.out = args.out or DEFAULT_OUT / args.env / args.algo
    try:
        check_out(args.out, args.overwrite)  # first: it is quick, and the space's dry runs are not
        job = make_job(args)
        with output_lock("--out", args.out):
            return search(
                job, args, "python -m agents.tune " + " ".join(sys.argv[1:] if argv is None else argv)
            )
    except UsageError as error:
        parser.error(str(error))
    except OSError as error:  # the results could not be written (a full disk): Ray's records are kept
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1


def search(job: SearchJob, args: argparse.Namespace, command: str) -> int:
    """Start Ray, run the search into ``args.out`` and write its results (found by ``command``); return
    the exit status."""
    try:
        start_ray(args.address)
        if args.address is not None:
            check_cluster_cpus(job.cpus_per_trial, args.address)
        prepare_out(args.out, args.overwrite)
        rows, started, errors = run_search(job, args.trials, args.out)
    finally:
        ray.shutdown()
    write_results(job, rows, args.out, command)
    print(trials_table(job, rows))
    if errors:
        print(f"{len(errors)} of {started} trials failed; the first: {errors[0]}", file=sys.stderr)
    if not rows:
        print("no trial reported a check: nothing to write into best.yml")
        return 1
    print(f"best settings written to {args.out / 'best.yml'}:")
    print((args.out / "best.yml").read_text())
    if started < args.trials:  # Ray Tune turned Ctrl-C into a clean stop
        print(f"the search was stopped after {started} of {args.trials} trials; the results above are theirs")
        return 130
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
