"""What the commands share (``agents.train``, ``agents.evaluate``, ``agents.enjoy``, ``agents.tune``,
``benchmarks/learning.py``): usage errors, stop signals, saves that are never half-written, and output
and run folders checked (and outputs locked) before work.

A stop signal (SIGINT, SIGTERM) raises :class:`Stopped` where the work is, except while a file is
written: :func:`write_atomically` holds the signal until the file is in place, so a save finishes and
the signal acts right after it. A failed write (a full disk, a read-only folder) is a
:class:`SaveError` naming the file, and the previous file is kept.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from agents.files import replace_atomically

#: The largest seed: SB3 seeds NumPy's global generator, which takes 32-bit seeds.
MAX_SEED = 2**32 - 1
#: The signals that stop a run the way Ctrl-C does: the model is saved, the exit status is 128 + signal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class UsageError(ValueError):
    """Bad command-line input: reported as a one-line message with exit status 2, before any work."""


class SaveError(OSError):
    """A file could not be written (a full disk, a read-only folder); the message names it."""


class Stopped(KeyboardInterrupt):
    """SIGINT or SIGTERM during a run; a ``KeyboardInterrupt``, so every Ctrl-C path handles it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.exit_status = 128 + signum


def stop_on_signal(signum: int, frame: object) -> None:
    """The handler of the stop signals: let the next ones pass (the model is being saved), then stop.

    Raises :class:`Stopped`; the commands install it for ``STOP_SIGNALS`` around their work.
    """
    for each in STOP_SIGNALS:
        # A Python handler that does nothing, not SIG_IGN: Python raises "OSError: Signal 15 ignored due
        # to race condition" for a signal already pending when its handler becomes SIG_IGN.
        signal.signal(each, _already_stopping)
    raise Stopped(signum)


def _already_stopping(signum: int, frame: object) -> None:
    """A stop signal after the first: the run is already saving its model and stopping."""


@contextmanager
def signals_held() -> Iterator[list[int]]:
    """Hold the stop signals that arrive during the block (yielded, in order), then act on the first.

    When the block ends normally the handlers it found are back and the first held signal is raised
    again, so it acts right there (``stop_on_signal`` raises :class:`Stopped`); when the block raises,
    its error goes on and held signals are dropped (the command is ending anyway). Off the main thread,
    where Python runs no signal handler, the block runs as is.
    """
    held: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield held
        return
    previous = {}
    try:
        for each in STOP_SIGNALS:
            previous[each] = signal.signal(each, lambda signum, frame: held.append(signum))
        yield held
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)
    if held:
        signal.raise_signal(held[0])


def write_atomically(path: Path, write: Callable[[Path], object], *, hold_signals: bool = True) -> None:
    """``replace_atomically(path, write)``, with the stop signals held until the file is in place.

    Every model, checkpoint and result of the commands is written through it: a signal during the
    write lets it finish, a failure keeps the previous file. ``hold_signals=False`` is for a ``write``
    that takes long (an evaluation that logs its scores as it ends): a signal then stops it at once, and
    the previous file is kept. Raises :class:`SaveError` naming ``path``.
    """
    try:
        with signals_held() if hold_signals else nullcontext():
            replace_atomically(path, write)
    except SaveError:  # a file that ``write`` writes itself, already named
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise SaveError(
            f"cannot write {path}: {reason} (left as it was; the files written before are kept)"
        ) from None


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through :func:`write_atomically` (a result: a table, JSON, YAML)."""
    write_atomically(path, lambda partial: partial.write_text(text))


def check_writable_folder(flag: str, folder: Path) -> None:
    """Refuse a ``folder`` that cannot be made or written: a file (or under one), or read-only.

    The nearest existing folder of ``folder`` and its parents must be a folder this process can write
    into (``os.access``, which also sees a read-only mount). Raises :class:`UsageError`.
    """
    for path in (folder, *folder.absolute().parents):
        if path.exists():
            if not path.is_dir():
                raise UsageError(f"{flag} {folder}: {path} is a file, not a folder")
            if not os.access(path, os.W_OK | os.X_OK):
                raise UsageError(f"{flag} {folder}: {path} is not writable (read-only or not yours)")
            return


def lock_path(out: Path) -> Path:
    """The lock file of an output: hidden, beside it."""
    return out.with_name(f".{out.name}.lock")


@contextmanager
def output_lock(flag: str, out: Path) -> Iterator[None]:
    """Hold ``out`` for the block, so that two runs never write the same results (``UsageError`` if
    another holds it).

    The lock is ``flock`` on :func:`lock_path` (released by the system if the process dies, so a crash
    leaves no stale lock), and the file is removed at the end. A run that locked the file just as its
    holder removed it sees another file at the path and refuses too.
    """
    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if not os.path.samestat(os.fstat(file.fileno()), path.stat()):
                raise BlockingIOError
        except (BlockingIOError, FileNotFoundError):
            raise UsageError(f"{flag} {out} is in use by another run (it holds {path})") from None
        try:
            yield
        finally:
            path.unlink(missing_ok=True)


def check_run_dir(parser: argparse.ArgumentParser, run_dir: Path) -> None:
    """A usage error (``parser.error``) unless ``run_dir`` is a run folder: one with a ``config.yml``."""
    if not (run_dir / "config.yml").is_file():
        parser.error(f"{run_dir} is not a run folder (it has no config.yml)")
