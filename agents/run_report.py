"""A trained run's report, written into its folder: the evaluation table (``evaluation.yml``), a GIF of
the agent playing (``agent.gif``) and the learning curve (``learning_curve.png``).

What ``agents.train`` writes at the end of a run and ``agents.evaluate`` writes again for a saved model.
The run folder is read as untrusted input (``agents.run_folder``): the Monitor CSVs and SB3's
``evaluations.npz`` are capped in size, read without pickles and checked before anything is written.
"""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import yaml
from stable_baselines3.common.base_class import BaseAlgorithm

from agents import run_folder
from agents.model_files import load_model
from agents.runs import GIF_SEED_OFFSET, RunConfig, make_env
from agents.scoring import epsilon_greedy, evaluate_run, format_table


def report(
    run_dir: Path,
    *,
    config: RunConfig | None = None,
    model: BaseAlgorithm | None = None,
    episodes: int = 200,
    gif_episodes: int = 3,
) -> dict:
    """Evaluate a run and write its table, GIF and learning curve into its folder; return the results.

    Everything is read before anything is written, so a malformed file leaves the folder as it was;
    each file is then replaced in one step (``run_folder.write_file``), never written through a link:
    ``SaveError`` naming it if it cannot be (a full disk), the previous one kept.
    """
    config = config or RunConfig.load(run_dir)
    model = model if model is not None else load_model(run_dir, config)
    curve = read_learning_curve(run_dir, config.env_id)
    results = evaluate_run(config, model, episodes)
    outputs: dict[str, Callable[[BinaryIO], object]] = {
        "evaluation.yml": lambda file: file.write(yaml.safe_dump(results, sort_keys=False).encode())
    }
    if gif_episodes > 0:
        outputs["agent.gif"] = lambda file: write_gif(config, model, file, gif_episodes)
    outputs["learning_curve.png"] = lambda file: plot_learning_curve(curve, file)
    print(format_table(config.env_id, results))
    for name, write in outputs.items():
        run_folder.write_file(run_dir / name, write)
    print("wrote " + ", ".join(str(run_dir / name) for name in outputs))
    return results


def write_gif(
    config: RunConfig,
    model: BaseAlgorithm,
    file: BinaryIO,
    episodes: int,
    max_frames: int = 600,
    epsilon: float = 0.0,
) -> None:
    """Write into ``file`` a GIF of the greedy (or ``epsilon``-greedy) agent playing ``episodes``
    episodes (frames from the env's renderer)."""
    act = epsilon_greedy(model, epsilon, config.seed)
    from PIL import Image

    env = make_env(config, n_envs=1, seed_offset=GIF_SEED_OFFSET, render_mode="rgb_array")
    obs = env.reset()
    frames = [Image.fromarray(env.render())]
    finished = 0
    while finished < episodes and len(frames) < max_frames:
        obs, _, dones, infos = env.step(act(obs))
        frames.append(Image.fromarray(env.render()))
        finished += int(dones[0] and "episode" in infos[0])
    fps = env.get_attr("metadata")[0].get("render_fps", 10)
    env.close()
    frames[0].save(
        file, format="GIF", save_all=True, append_images=frames[1:], duration=int(1000 / fps), loop=0
    )


#: The most the Monitor CSVs of a run may hold together, and how many there may be (one per sub-env on
#: SB3's ``make_vec_env`` engine): 256 MiB holds some 15 million Catch episodes.
MAX_MONITOR_BYTES = 256 * 2**20
MAX_MONITOR_FILES = 4096
#: The largest ``eval/evaluations.npz`` read (SB3's ``EvalCallback`` writes a few KB).
MAX_EVALUATIONS_BYTES = 64 * 2**20
_EVALUATIONS = "an evaluations.npz of SB3's EvalCallback"


@dataclass
class LearningCurve:
    """What a run's learning curve shows: its training episodes (``training_episodes``) and periodic
    greedy evaluations (``read_evaluations``), read before anything is written."""

    title: str
    steps: np.ndarray
    returns: np.ndarray
    evaluations: tuple[np.ndarray, np.ndarray] | None


def read_learning_curve(run_dir: Path, env_id: str) -> LearningCurve:
    """The learning curve of the run folder ``run_dir``, its files read as untrusted input."""
    steps, returns = training_episodes(run_dir / "monitor", run_dir)
    title = f"{env_id}: {run_dir.parent.name}, {run_dir.name}"
    return LearningCurve(title, steps, returns, read_evaluations(run_dir))


def plot_learning_curve(curve: LearningCurve, file: BinaryIO) -> None:
    """Write into ``file`` (a PNG) the training episode returns (rolling mean over 100) and the periodic
    greedy evaluations against steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    steps, returns = curve.steps, curve.returns
    if len(returns):  # a very short run may not have finished an episode
        window = min(100, len(returns))
        rolling = np.convolve(returns, np.ones(window) / window, mode="valid")
        axes.plot(steps[window - 1 :], rolling, label=f"training episodes (mean of {window}, exploring)")
    if curve.evaluations is not None:
        timesteps, results = curve.evaluations
        mean, low, high = evaluation_band(results)
        axes.errorbar(
            timesteps, mean, yerr=(mean - low, high - mean), marker="o", capsize=3,
            label="greedy evaluation (mean; bars: the middle half of its episodes)",
        )  # fmt: skip
    axes.set_xlabel("environment steps")
    axes.set_ylabel("episode return")
    axes.set_title(curve.title)
    axes.grid(alpha=0.3)
    if axes.get_legend_handles_labels()[0]:  # nothing to label before the first episode or evaluation
        axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(file, format="png", dpi=100)
    plt.close(figure)


def read_evaluations(run_dir: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """``(timesteps, results)`` of the run's ``eval/evaluations.npz`` (one row of episode returns per
    evaluation), read without pickles and each array's entry capped before it is inflated; ``None``
    if the run has none, ``RunFolderError`` if it is anything else."""
    path = run_dir / "eval" / "evaluations.npz"
    try:
        with run_folder.open_zip(path, run_dir, MAX_EVALUATIONS_BYTES, _EVALUATIONS) as archive:
            timesteps, results = (_read_array(archive, name, path) for name in ("timesteps", "results"))
    except run_folder.MissingRunFile:
        return None
    numbers = all(
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
        for array in (timesteps, results)
    )
    if not (
        numbers
        and timesteps.ndim == 1
        and results.ndim == 2
        and results.shape[0] == len(timesteps)
        and results.shape[1] >= 1
        and np.isfinite(timesteps).all()
        and np.isfinite(results).all()
    ):
        raise run_folder.RunFolderError(
            f"{path} is not {_EVALUATIONS}: its timesteps must hold a number per evaluation and its results "
            "a row of finite returns per evaluation"
        )
    return timesteps, results


def _read_array(archive: zipfile.ZipFile, name: str, path: Path) -> np.ndarray:
    """The array ``name`` of an ``.npz`` zip, read with ``allow_pickle=False``."""
    content = run_folder.read_entry(archive, f"{name}.npy", MAX_EVALUATIONS_BYTES, path)
    try:
        return np.lib.format.read_array(io.BytesIO(content), allow_pickle=False)
    except (ValueError, EOFError, OSError, MemoryError) as error:
        raise run_folder.RunFolderError(
            f"{path} is not {_EVALUATIONS}: its {name} cannot be read: {' '.join(str(error).split())[:200]}"
        ) from None


def evaluation_band(results: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and band of each evaluation's episode returns (a row each): the band spans the first to the
    third quartile, widened to the mean where the mean lies outside. Quartiles, not mean ± sd, so that
    the band stays within the returns played (mean ± sd of a Catch evaluation with one miss in ten
    runs to 1.4, above the possible 1)."""
    mean = results.mean(axis=1)
    low, high = np.percentile(results, [25, 75], axis=1)
    return mean, np.minimum(low, mean), np.maximum(high, mean)


def training_episodes(monitor_dir: Path, root: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative env steps at the end of each training episode and its return, from Monitor's CSVs.

    The CSVs are read as files of the run folder ``root`` (default: ``monitor_dir`` itself): regular
    files reached through no link, :data:`MAX_MONITOR_BYTES` in all; a malformed one raises
    ``RunFolderError`` naming the file and line. No folder: no episodes.
    """
    root = root or monitor_dir
    times, returns, lengths = array("d"), array("d"), array("q")
    budget = MAX_MONITOR_BYTES
    for path in run_folder.list_folder(monitor_dir, root, ".monitor.csv", MAX_MONITOR_FILES):
        with run_folder.open_file(path, root, budget) as file:
            budget -= os.fstat(file.fileno()).st_size
            for row in _monitor_rows(io.TextIOWrapper(file, encoding="utf-8", newline=""), path):
                for column, value in zip((times, returns, lengths), row, strict=True):
                    column.append(value)
    order = np.lexsort((lengths, returns, times))  # by time, as the episodes ended
    return np.cumsum(np.asarray(lengths)[order]), np.asarray(returns)[order]


def _monitor_rows(file: io.TextIOWrapper, path: Path) -> Iterator[tuple[float, float, int]]:
    """``(t, r, l)`` of each row of a Monitor CSV: finite times and returns, lengths >= 1."""
    try:
        file.readline()  # Monitor's JSON header line
        reader = csv.DictReader(file)
        missing = {"r", "l", "t"} - set(reader.fieldnames or ("r", "l", "t"))
        if missing:
            raise run_folder.RunFolderError(
                f"{path} is not a Monitor CSV: it has no column {', '.join(sorted(missing))}"
            )
        for row in reader:
            try:
                t, r, length = float(row["t"]), float(row["r"]), int(row["l"])
            except (TypeError, ValueError):
                t = r = math.nan
                length = 0
            if not (math.isfinite(t) and math.isfinite(r) and 1 <= length <= 2**62):
                raise run_folder.RunFolderError(
                    f"{path}, line {reader.line_num + 1}: r and t must be finite numbers, l an integer >= 1"
                )
            yield t, r, length
    except (csv.Error, UnicodeDecodeError) as error:
        raise run_folder.RunFolderError(f"{path} is not a Monitor CSV: {error}") from None
