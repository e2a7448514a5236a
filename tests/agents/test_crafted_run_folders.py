"""A run folder is untrusted input: crafted folders fed to ``agents.evaluate`` end in a one-line error
(exit 2) or a correct evaluation, write nothing outside the folder, and take bounded time and memory.

Each folder is evaluated by a worker process that runs ``agents.evaluate.main`` on one folder after
another under an address-space limit (:data:`WORKER_MEMORY`), and each answer must come within
:data:`WORKER_TIMEOUT`: a hang is a failed test here, a memory blow-up a ``MemoryError`` there, and a
crafted callable that aborts or exits kills only the worker.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import resource
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers import REPO

#: The address space of the worker: three times what evaluating a small run takes (torch alone maps
#: about 0.8 GiB): the zip bomb below took 2.4 GB before there were size caps.
WORKER_MEMORY = 3 * 2**30
#: The most seconds one evaluation may take (two episodes a player and a one-episode GIF of Catch take
#: about one second; a FIFO or a billion laughs took forever).
WORKER_TIMEOUT = 60
EVALUATE_ARGS = ("--episodes", "2", "--gif-episodes", "1")
ERROR_PREFIX = "python -m agents.evaluate: error: "
VICTIM = b"the victim's own content"


def serve() -> None:
    """The worker: for each line of stdin (``agents.evaluate`` arguments as JSON), run
    ``evaluate.main`` and answer on stdout with a line ``@ {"status": ..., "stderr": ...}``; all within
    :data:`WORKER_MEMORY` of address space."""
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))
    import matplotlib.pyplot  # noqa: F401  (what evaluate imports on first use, imported once here)
    import PIL.Image  # noqa: F401

    from agents import evaluate

    answers = sys.stdout
    print("@ ready", file=answers, flush=True)
    for line in sys.stdin:
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            try:
                status = evaluate.main(json.loads(line))
            except SystemExit as exit_:
                status = exit_.code
            except BaseException:  # what the command line would show: a traceback, exit status 1
                traceback.print_exc()
                status = 1
        print("@", json.dumps({"status": status, "stderr": stderr.getvalue()}), file=answers, flush=True)


@dataclass
class Outcome:
    """How one evaluation ended: its exit status and what it wrote to stderr."""

    status: int | None
    stderr: str


class Worker:
    """A process evaluating folders (:func:`serve`), started again if a folder killed it."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.process: subprocess.Popen | None = None
        self.pending = b""  # what the worker wrote after its last answer

    def start(self) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "MPLBACKEND": "Agg",
            "MALLOC_ARENA_MAX": "2",  # each glibc arena reserves 64 MiB of address space
        }
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import serve; serve()"],
            cwd=self.cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.pending = b""
        assert self._answer(timeout=300) == "ready"

    def _answer(self, timeout: float) -> str | None:
        """The next answer line (without its ``@``), ``None`` if the worker died; fails after ``timeout``."""
        assert self.process is not None and self.process.stdout is not None
        output = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self.pending:
                line, _, self.pending = self.pending.partition(b"\n")
                if line.startswith(b"@ "):  # not a line that a library printed
                    return line[2:].decode()
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([output], [], [], left)[0]:
                self.stop()
                pytest.fail(f"agents.evaluate took more than {timeout} s")
            chunk = os.read(output, 65536)
            if not chunk:
                return None
            self.pending += chunk

    def evaluate(self, run_dir: Path) -> Outcome:
        if self.process is None or self.process.poll() is not None:
            self.start()
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps([str(run_dir), *EVALUATE_ARGS]).encode() + b"\n")
        self.process.stdin.flush()
        answer = self._answer(WORKER_TIMEOUT)
        if answer is None:
            status = self.process.wait()
            self.process = None
            return Outcome(status, f"the worker died with status {status}")
        return Outcome(**json.loads(answer))

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture(scope="module")
def worker(tmp_path_factory) -> Iterator[Worker]:
    root = tmp_path_factory.mktemp("worker")
    (root / "cwd").mkdir()
    evaluator = Worker(root / "cwd")
    yield evaluator
    evaluator.stop()
    assert not any((root / "cwd").iterdir()), "the worker wrote into its working folder"


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict[str, bytes]:
    """The files of a valid run folder of Catch-v0 with DQN (an untrained model: loading and playing is
    what is tested)."""
    from agents.algorithms import tuned_model

    config, model = tuned_model("Catch-v0", "dqn", timesteps=100)
    model_zip = tmp_path_factory.mktemp("base") / "model.zip"
    model.save(model_zip)
    return {
        "config.yml": yaml.safe_dump(config.to_dict(), sort_keys=False).encode(),
        "model.zip": model_zip.read_bytes(),
    }


def snapshot(folder: Path, skip: Path) -> dict[str, tuple[str, str]]:
    """Every path under ``folder`` but ``skip``'s, with its kind and content (a link's target, a file's
    hash): what must not change."""
    state = {}
    for path in sorted(folder.rglob("*")):
        if path == skip or skip in path.parents:
            continue
        if path.is_symlink():
            state[str(path)] = ("link", os.readlink(path))
        elif path.is_file():
            state[str(path)] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            state[str(path)] = ("other", "")
    return state


@contextlib.contextmanager
def sandbox() -> Iterator[tuple[Path, Path]]:
    """A folder holding an empty run folder ``run`` and an ``outside`` folder with a victim file."""
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        (root / "run").mkdir()
        (root / "outside").mkdir()
        (root / "outside" / "victim.txt").write_bytes(VICTIM)
        yield root, root / "run"


def evaluate_untouched(worker: Worker, root: Path, run_dir: Path) -> Outcome:
    """Evaluate ``run_dir`` and check that nothing outside it changed and no partial file is left."""
    before = snapshot(root, run_dir)
    outcome = worker.evaluate(run_dir)
    assert snapshot(root, run_dir) == before, f"written outside the run folder: {outcome.stderr}"
    assert (root / "outside" / "victim.txt").read_bytes() == VICTIM
    assert not [path for path in run_dir.rglob("*") if ".partial-" in path.name]
    return outcome


def assert_error(outcome: Outcome, *fragments: str) -> str:
    """Exit status 2 and one error line (after argparse's usage) holding ``fragments``; no traceback."""
    assert outcome.status == 2, outcome.stderr
    assert "Traceback" not in outcome.stderr
    lines = outcome.stderr.splitlines()
    errors = [line for line in lines if line.startswith(ERROR_PREFIX)]
    assert errors == [lines[-1]], outcome.stderr
    for fragment in fragments:
        assert fragment in lines[-1]
    return lines[-1]


def assert_evaluated(outcome: Outcome, run_dir: Path) -> None:
    """Exit status 0 and the three outputs written as regular files of the run folder: the scores of two
    episodes a player, a GIF and a PNG."""
    assert outcome.status == 0, outcome.stderr
    for name, magic in (
        ("evaluation.yml", b"agent:"),
        ("agent.gif", b"GIF89a"),
        ("learning_curve.png", b"\x89PNG"),
    ):
        path = run_dir / name
        assert path.is_file() and not path.is_symlink() and path.read_bytes().startswith(magic), name
    results = yaml.safe_load((run_dir / "evaluation.yml").read_text())
    assert set(results) == {"agent", "random"}
    for scores in results.values():
        assert scores["episodes"] == 2 and all(np.isfinite(value) for value in scores.values())


def write_files(run_dir: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        (run_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (run_dir / name).write_bytes(content)


def config_with(base: dict[str, bytes], **changes: object) -> bytes:
    """The base ``config.yml`` with ``changes`` (``algo_kwargs__KEY`` sets an algorithm argument)."""
    config = yaml.safe_load(base["config.yml"])
    for key, value in changes.items():
        if key.startswith("algo_kwargs__"):
            config["algo_kwargs"][key.removeprefix("algo_kwargs__")] = value
        else:
            config[key] = value
    return yaml.safe_dump(config, sort_keys=False).encode()


def model_with(base: dict[str, bytes], entries: dict[str, bytes | None]) -> bytes:
    """The base ``model.zip`` with ``entries`` replaced (``None``: removed)."""
    with zipfile.ZipFile(io.BytesIO(base["model.zip"])) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files.update(entries)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if content is not None:
                archive.writestr(name, content)
    return buffer.getvalue()


def zip_bomb(base: dict[str, bytes], inflated: int = 2**30) -> bytes:
    """The base ``model.zip`` whose ``data`` inflates to ``inflated`` bytes of spaces from about 1 MB:
    one deflate block of 1 MiB repeated (a full flush makes each stand alone), stored as given and then
    marked deflated, in its local header and its central directory record."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b" " * 2**20) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = block * (inflated // 2**20) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("data", stream)  # the first entry: its header at 0, its record first
        with zipfile.ZipFile(io.BytesIO(model_with(base, {"data": None}))) as model:
            for name in model.namelist():
                archive.writestr(name, model.read(name))
    bomb = bytearray(buffer.getvalue())
    with zipfile.ZipFile(buffer) as archive:
        record = archive.start_dir
    assert bomb[:4] == b"PK\x03\x04" and bomb[record : record + 4] == b"PK\x01\x02"
    for method_at, size_at in ((8, 22), (record + 10, record + 24)):
        struct.pack_into("<H", bomb, method_at, zipfile.ZIP_DEFLATED)
        struct.pack_into("<L", bomb, size_at, inflated)
    return bytes(bomb)


def test_a_valid_folder_is_evaluated_and_planted_links_are_replaced_not_followed(worker, base):
    with sandbox() as (root, run_dir):
        write_files(run_dir, base)
        (run_dir / "evaluation.yml").symlink_to(root / "outside" / "victim.txt")
        (run_dir / "agent.gif").symlink_to(root / "outside" / "created.gif")  # dangling: would create it
        (run_dir / "learning_curve.png").symlink_to("config.yml")  # inside: would overwrite config.yml
        assert_evaluated(evaluate_untouched(worker, root, run_dir), run_dir)
        assert (run_dir / "config.yml").read_bytes() == base["config.yml"]
        assert not (root / "outside" / "created.gif").exists()


def test_a_link_planted_at_the_partial_name_is_refused_not_followed(worker, base):
    with sandbox() as (root, run_dir):
        write_files(run_dir, base)
        if worker.process is None:
            worker.start()
        partial = run_dir / f".evaluation.partial-{worker.process.pid}.yml"
        partial.symlink_to(root / "outside" / "victim.txt")
        outcome = evaluate_untouched(worker, root, run_dir)
        assert_error(outcome, "cannot write", "evaluation.yml: File exists")
        assert not (run_dir / "evaluation.yml").exists()


def test_a_full_disk_while_evaluate_writes_keeps_the_previous_file_and_is_one_line(
    base, tmp_path, monkeypatch, capsys
):
    from agents import evaluate, run_report

    write_files(tmp_path, base)
    (tmp_path / "agent.gif").write_bytes(b"the previous GIF")

    def half_written_gif(config, model, file, episodes):
        file.write(b"GIF89a, the first half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(run_report, "write_gif", half_written_gif)
    with pytest.raises(SystemExit) as exit_status:
        evaluate.main([str(tmp_path), *EVALUATE_ARGS])
    assert exit_status.value.code == 2
    assert_error(Outcome(2, capsys.readouterr().err), "agent.gif: No space left on device (left as it was")
    assert (tmp_path / "agent.gif").read_bytes() == b"the previous GIF"
    assert yaml.safe_load((tmp_path / "evaluation.yml").read_text())["agent"]["episodes"] == 2
    assert not [path for path in tmp_path.iterdir() if ".partial-" in path.name]


#: Crafted ``config.yml`` texts and a piece of the one-line error each must give.
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
CRAFTED_CONFIGS = {
    "billion laughs": (LAUGHS, "with its aliases expanded it is larger than 1,000,000"),
    "recursive alias": ("a: &a [*a]\n", "an alias refers to a node that contains it"),
    "deep nesting": ("[" * 20_000 + "]" * 20_000, "nested deeper than 32 levels"),
    "too large": ("#" * 70_000, "has 70,000 bytes, more than the 65,536"),
    "python tag": ("!!python/object/apply:os.system [true]", "is not valid YAML at line 1, column 1"),
}


@pytest.mark.parametrize("name", list(CRAFTED_CONFIGS))
def test_a_crafted_config_is_refused_in_one_line(worker, base, name):
    text, message = CRAFTED_CONFIGS[name]
    with sandbox() as (root, run_dir):
        write_files(run_dir, {**base, "config.yml": text.encode()})
        assert_error(evaluate_untouched(worker, root, run_dir), message)


def test_billion_laughs_in_env_kwargs_are_refused(worker, base):
    laughs = LAUGHS.replace("\n", "\n  ").rstrip()
    with sandbox() as (root, run_dir):
        config = base["config.yml"].decode().replace("env_kwargs: {}", f"env_kwargs:\n  {laughs}")
        write_files(run_dir, {**base, "config.yml": config.encode()})
        assert_error(evaluate_untouched(worker, root, run_dir), "with its aliases expanded it is larger")


#: How a crafted folder is made from a valid one: ``craft(run_dir, base, outside)``.
Craft = Callable[[Path, dict[str, bytes], Path], None]


def files(make: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Craft:
    """Write the files ``make(base)`` gives (names relative to the run folder)."""
    return lambda run_dir, base, outside: write_files(run_dir, make(base))


def link(name: str, target: Callable[[Path], Path]) -> Craft:
    """Put a link to ``target(outside)`` in place of ``name``."""

    def plant(run_dir: Path, base: dict[str, bytes], outside: Path) -> None:
        (run_dir / name).parent.mkdir(exist_ok=True)
        (run_dir / name).unlink(missing_ok=True)
        (run_dir / name).symlink_to(target(outside))

    return plant


def fifo(name: str) -> Craft:
    def plant(run_dir: Path, base: dict[str, bytes], outside: Path) -> None:
        (run_dir / name).parent.mkdir(exist_ok=True)
        os.mkfifo(run_dir / name)

    return plant


def npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def policy_kwargs(expression: str) -> Craft:
    return files(lambda base: {"config.yml": config_with(base, algo_kwargs__policy_kwargs=expression)})


MONITOR_CSV = "monitor/0.monitor.csv"
MONITOR_HEADER = b'#{"t_start": 0, "env_id": "Catch-v0"}\n'
#: Crafted folders of the audit, each with a piece of the one-line error it must give.
CRAFTED: dict[str, tuple[Craft, str]] = {
    # 1 and 2: links in place of the folder's files or folders are never followed (nor echoed).
    "config.yml -> /etc/passwd": (
        link("config.yml", lambda _: Path("/etc/passwd")),
        "config.yml is a symbolic",
    ),
    "model.zip -> outside": (
        link("model.zip", lambda out: out / "victim.txt"),
        "model.zip is a symbolic link",
    ),
    "eval -> outside": (link("eval", lambda out: out), "eval is a symbolic link"),
    "monitor -> outside": (link("monitor", lambda out: out), "monitor is a symbolic link"),
    "monitor CSV -> /dev/zero": (link(MONITOR_CSV, lambda _: Path("/dev/zero")), "monitor.csv is a symbolic"),
    # 2: callables outside the allow-list are never called, objects never echoed.
    **{
        f"activation_fn={name}": (policy_kwargs(f"dict(activation_fn={name})"), f"'{name}' is not allowed")
        for name in ("torch.os.abort", "torch.os.fork", "torch.sys.exit", "torch.builtins.breakpoint")
    },
    "policy_kwargs=torch.os.environ": (
        policy_kwargs("torch.os.environ"),
        "'torch.os.environ' is not allowed",
    ),
    # 3: what hung or took gigabytes.
    "FIFO evaluations.npz": (fifo("eval/evaluations.npz"), "evaluations.npz is a FIFO, not a regular file"),
    "FIFO monitor CSV": (fifo(MONITOR_CSV), "0.monitor.csv is a FIFO, not a regular file"),
    "zip bomb": (
        files(lambda base: {"model.zip": zip_bomb(base)}),
        "its entry 'data' inflates to 1,073,741,824 bytes, more than 33,554,432",
    ),
    # 3: those that ended in tracebacks, by kind.
    "deep JSON": (
        files(lambda base: {"model.zip": model_with(base, {"data": b"[" * 100_000 + b"]" * 100_000})}),
        "its data is nested deeper than 32 levels",
    ),
    "no weights": (
        files(lambda base: {"model.zip": model_with(base, {"policy.pth": None})}),
        "has no entry 'policy.pth'",
    ),
    "garbage weights": (
        files(lambda base: {"model.zip": model_with(base, {"policy.pth": b"PK"})}),
        "policy.pth is not a weights",
    ),
    "an id of another package": (
        files(lambda base: {"config.yml": config_with(base, env_id="Ant-v2")}),
        "Ant-v2 cannot be built",
    ),
    "a module: id": (
        files(lambda base: {"config.yml": config_with(base, env_id="antigravity:Catch-v0")}),
        "is not a registered env id",
    ),
    "seed in algo_kwargs": (
        files(lambda base: {"config.yml": config_with(base, algo_kwargs__seed=3)}),
        "algo_kwargs may not set seed",
    ),
    "an assertion of SB3": (
        files(lambda base: {"config.yml": config_with(base, algo="ppo", algo_kwargs={"batch_size": 1})}),
        "AssertionError: `batch_size` must be greater than 1",
    ),
    "monitor CSV without t": (
        files(lambda _: {MONITOR_CSV: MONITOR_HEADER + b"r,l\n1,9\n"}),
        "is not a Monitor CSV: it has no column t",
    ),
    "monitor CSV with text": (
        files(lambda _: {MONITOR_CSV: MONITOR_HEADER + b"r,l,t\nx,9,1\n"}),
        "line 3: r and t must be finite",
    ),
    "monitor CSV not UTF-8": (files(lambda _: {MONITOR_CSV: b"\xff\xfe"}), "is not a Monitor CSV: 'utf-8'"),
    "evaluation.yml a folder": (
        lambda run_dir, base, outside: (run_dir / "evaluation.yml").mkdir(),
        "evaluation.yml: Is a directory",
    ),
    "evaluations.npz without results": (
        files(lambda _: {"eval/evaluations.npz": npz(timesteps=np.arange(3))}),
        "has no entry 'results.npy'",
    ),
    "evaluations.npz of objects": (
        files(lambda _: {"eval/evaluations.npz": npz(timesteps=np.arange(1), results=np.array([[None]]))}),
        "Object arrays cannot be loaded when allow_pickle=False",
    ),
    "evaluations.npz of another shape": (
        files(lambda _: {"eval/evaluations.npz": npz(timesteps=np.arange(2), results=np.zeros(2))}),
        "a row of finite returns per evaluation",
    ),
    "evaluations.npz not a zip": (
        files(lambda _: {"eval/evaluations.npz": b"garbage"}),
        "is not an evaluations.npz of SB3's EvalCallback",
    ),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_a_crafted_folder_is_a_one_line_error_in_bounded_time(worker, base, case):
    craft, message = CRAFTED[case]
    with sandbox() as (root, run_dir):
        write_files(run_dir, base)
        craft(run_dir, base, root / "outside")
        error = assert_error(evaluate_untouched(worker, root, run_dir), message)
        assert not (run_dir / "evaluation.yml").is_file()
    assert "root:" not in error and os.environ["PATH"] not in error  # no file or object is echoed


#: Small values of every kind YAML and JSON hold, for the generated folders.
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 10_000)
    | st.just(2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
CONFIG_KEYS = (
    "env_id",
    "algo",
    "seed",
    "n_envs",
    "policy",
    "env_kwargs",
    "env_wrapper",
    "frame_stack",
    "colour",
)
ALGO_KEYS = ("learning_rate", "buffer_size", "gamma", "train_freq", "seed", "policy_kwargs")
POLICY_KWARGS = st.sampled_from(
    [
        "dict(net_arch=[64, 64], activation_fn=nn.Tanh)",  # the same weights: evaluated
        "dict(net_arch=[64, 64], optimizer_class=torch.optim.SGD)",
        "dict(net_arch=[8])",
        "dict(activation_fn=torch.os.abort)",
        "dict(activation_fn=nn.Linear)",
        "torch.os.environ",
        "__import__('os').system('true')",
    ]
)
YAML_TEXT = st.text(alphabet="[]{}:,&*!|>-'\"# \nab01", max_size=60)
#: What a generated folder may have broken; the rest is as training writes it.
LAYERS = ("config.yml", "model.zip", "monitor and evaluations", "links and FIFOs")
#: Where a generated folder may have a link or a FIFO instead of what it should.
HAZARD_PATHS = (
    "config.yml", "model.zip", "evaluation.yml", "agent.gif", "learning_curve.png", "monitor", MONITOR_CSV,
    "eval", "eval/evaluations.npz",
)  # fmt: skip
HAZARDS = (
    "link to a file outside",
    "dangling link outside",
    "link to a folder outside",
    "link inside",
    "FIFO",
)


def broken_config(base: dict[str, bytes], data: st.DataObject) -> bytes:
    """A ``config.yml`` with other values (of the run or of its algorithm), random YAML or a crafted one."""
    kind = data.draw(st.sampled_from(["values", "algo_kwargs", "text", "crafted"]))
    if kind == "values":
        return config_with(
            base, **data.draw(st.dictionaries(st.sampled_from(CONFIG_KEYS), VALUES, min_size=1))
        )
    if kind == "algo_kwargs":
        changes = data.draw(st.dictionaries(st.sampled_from(ALGO_KEYS), VALUES | POLICY_KWARGS, min_size=1))
        return config_with(base, **{f"algo_kwargs__{key}": value for key, value in changes.items()})
    if kind == "text":
        return data.draw(YAML_TEXT).encode()
    return data.draw(st.sampled_from([text for text, _ in CRAFTED_CONFIGS.values()])).encode()


def broken_model(base: dict[str, bytes], data: st.DataObject) -> bytes:
    """A ``model.zip`` with entries replaced or removed, with other data values, or random bytes."""
    kind = data.draw(st.sampled_from(["entries", "data", "bytes"]))
    if kind == "entries":
        names = st.sampled_from(["data", "policy.pth", "policy.optimizer.pth", "pytorch_variables.pth", "x"])
        return model_with(
            base, data.draw(st.dictionaries(names, st.none() | st.binary(max_size=64), min_size=1))
        )
    if kind == "data":
        with zipfile.ZipFile(io.BytesIO(base["model.zip"])) as archive:
            saved = json.loads(archive.read("data"))
        keys = st.sampled_from([*saved, "exploit"])
        saved.update(data.draw(st.dictionaries(keys, VALUES, min_size=1, max_size=2)))
        return model_with(base, {"data": json.dumps(saved).encode()})
    return data.draw(st.binary(max_size=200))


def curve_files(data: st.DataObject, broken: bool) -> dict[str, bytes]:
    """A Monitor CSV and an ``evaluations.npz``, each maybe absent: as training writes them, or (if
    ``broken``) of any numbers and shapes, or any bytes."""
    if broken:
        number = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-2, 50)
        row = st.tuples(number, number, number)
        shape = st.tuples(st.integers(0, 3), st.integers(0, 3))
    else:
        number = st.floats(-1, 1, allow_nan=False)
        row = st.tuples(number, st.integers(1, 50), st.floats(0, 100))
        shape = st.tuples(st.integers(0, 3), st.integers(1, 3))
    monitor = st.lists(row, max_size=5).map(_monitor_csv)
    evaluations = shape.map(lambda size: npz(timesteps=np.arange(size[0]), results=np.ones(size)))
    if broken:
        monitor, evaluations = monitor | st.binary(max_size=80), evaluations | st.binary(max_size=80)
    files = {
        MONITOR_CSV: data.draw(st.none() | monitor),
        "eval/evaluations.npz": data.draw(st.none() | evaluations),
    }
    return {name: content for name, content in files.items() if content is not None}


def _monitor_csv(rows: list[tuple[float, float, float]]) -> bytes:
    lines = [f"{r},{length},{t}" for r, length, t in rows]
    return MONITOR_HEADER + "\n".join(["r,l,t", *lines]).encode() + b"\n"


def plant(run_dir: Path, outside: Path, name: str, hazard: str) -> None:
    """Put ``hazard`` (one of :data:`HAZARDS`) in place of the path ``name`` of the run folder."""
    path = run_dir / name
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    targets = {
        "link to a file outside": outside / "victim.txt",
        "dangling link outside": outside / "created",
        "link to a folder outside": outside,
        "link inside": run_dir / "config.yml",
    }
    if hazard == "FIFO":
        os.mkfifo(path)
    else:
        path.symlink_to(targets[hazard])


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_generated_folder_is_evaluated_or_refused_in_one_line_writing_only_inside(worker, base, data):
    broken = data.draw(st.sets(st.sampled_from(LAYERS), max_size=2))
    with sandbox() as (root, run_dir):
        write_files(
            run_dir,
            {
                "config.yml": broken_config(base, data) if "config.yml" in broken else base["config.yml"],
                "model.zip": broken_model(base, data) if "model.zip" in broken else base["model.zip"],
                **curve_files(data, "monitor and evaluations" in broken),
            },
        )
        if "links and FIFOs" in broken:
            hazards = st.dictionaries(
                st.sampled_from(HAZARD_PATHS), st.sampled_from(HAZARDS), min_size=1, max_size=2
            )
            for name, hazard in data.draw(hazards).items():
                plant(run_dir, root / "outside", name, hazard)
        outcome = evaluate_untouched(worker, root, run_dir)
        event(f"exit status {outcome.status} with {', '.join(sorted(broken)) or 'nothing'} broken")
        if outcome.status == 0:
            assert_evaluated(outcome, run_dir)
        else:
            assert_error(outcome)
