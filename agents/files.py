"""Files a run writes: each replaced in one step, never half-written, never through a link.

Every model, checkpoint, result and picture goes through :func:`replace_atomically`: it is written to
a new file beside its destination and renamed over it, so a reader (or a signal, or a full disk) sees
the previous file or the new one, never part of one, and a link planted at the destination is
replaced rather than followed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def partial_path(path: Path) -> Path:
    """Where ``path`` is written before its rename: the same folder (the same file system, so the rename
    is atomic), a hidden name that keeps the suffix (SB3's ``save`` appends ``.zip`` to a name without)."""
    return path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")


def replace_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Make ``path`` hold what ``write(partial)`` writes into a new file, in one rename.

    On any error (a full disk, a signal turned into an exception) the partial file is removed and the
    previous ``path``, if any, is left as it was; the error is raised again.
    """
    partial = partial_path(path)
    try:
        write(partial)
        with partial.open("rb") as file:
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
