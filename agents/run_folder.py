"""Reading and writing a run folder that someone else may have made.

A run folder is untrusted input: ``agents.evaluate`` and ``agents.enjoy`` read every file of it through
this module. A file is read only as a regular file inside the folder: no symbolic link is followed (a
link in the folder, or on the way to a file, is refused), no FIFO, socket or device is opened, and its
size is capped before it is read; a zip entry's size is capped before it is inflated. YAML is parsed
with bounded nesting and alias expansion, JSON with bounded nesting. What evaluate writes goes through
``agents.files.replace_atomically`` (by ``agents.commands.write_atomically``) into a file created new in
the folder, so a link planted there is replaced, never followed. Anything wrong when reading is a
:class:`RunFolderError`, one line that names the file and never quotes its content.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import struct
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from agents.commands import write_atomically

#: The deepest nesting of lists and mappings a run folder's YAML or JSON may have (config.yml has 3).
MAX_NESTING = 32
#: The size a YAML document may reach with every alias expanded, counted as one per node plus the
#: characters of each scalar: bounds what a "billion laughs" file of a few lines can make (a run's
#: config.yml is a few hundred).
MAX_EXPANDED_YAML = 1_000_000
#: The most bytes a zip's central directory may take: ``zipfile`` holds an object per entry in
#: memory before any entry is read (a model zip has six entries, a few hundred bytes).
MAX_ZIP_DIRECTORY_BYTES = 64 * 1024

_FILE_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class RunFolderError(ValueError):
    """A file of a run folder that cannot be read as it must be; the message is one line."""


class MissingRunFile(RunFolderError):
    """A file or folder that the run folder does not have."""


def describe_value(value: Any) -> str:
    """``value`` for an error message: a short scalar as written (``3``, ``'dqn'``), anything else by its
    kind (``a str of 4,096 characters``, ``a dict``), so a message never carries a file's or an object's
    content."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    if value is None or isinstance(value, bool | int | float | str):
        text = repr(value)
        return text if len(text) <= 40 else f"a {type(value).__name__} of {len(text):,} characters"
    return f"a {type(value).__name__}"


def _kind(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "a regular file")


@contextlib.contextmanager
def _reading(where: Path) -> Iterator[None]:
    """Turn an ``OSError`` met while reading ``where`` into a ``RunFolderError`` naming it."""
    try:
        yield
    except FileNotFoundError:
        raise MissingRunFile(f"{where} does not exist") from None
    except OSError as error:  # a link swapped in since the check (ELOOP), no permission, ...
        raise RunFolderError(f"cannot read {where}: {error.strerror or error}") from None


def _open_inside(path: Path, root: Path, *, folder: bool) -> int:
    """A descriptor of ``path``, opened one component at a time from ``root`` without following a link.

    Each component below ``root`` must be a folder, the last a regular file (a folder if ``folder``);
    its kind is checked before it is opened (a FIFO or device is never opened) and again after.
    """
    parts = path.relative_to(root).parts
    with _reading(root):
        descriptor = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for index, part in enumerate(parts):
            wants_folder = folder or index < len(parts) - 1
            where = root.joinpath(*parts[: index + 1])
            with _reading(where):
                _check_kind(
                    where, os.stat(part, dir_fd=descriptor, follow_symlinks=False).st_mode, wants_folder
                )
                flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
                inner = os.open(part, flags | (os.O_DIRECTORY if wants_folder else 0), dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
            _check_kind(where, os.fstat(descriptor).st_mode, wants_folder)
        return descriptor
    except BaseException:
        os.close(descriptor)
        raise


def _check_kind(path: Path, mode: int, folder: bool) -> None:
    if (stat.S_ISDIR if folder else stat.S_ISREG)(mode):
        return
    wanted = "a folder" if folder else "a regular file"
    raise RunFolderError(
        f"{path} is {_kind(mode)}, not {wanted}: a run folder is read only as regular files and folders "
        "inside it (no link is followed)"
    )


def open_file(path: Path, root: Path, max_bytes: int) -> BinaryIO:
    """``path`` (a regular file inside the folder ``root``, reached through no link) opened for reading;
    ``RunFolderError`` if it is anything else or larger than ``max_bytes``."""
    descriptor = _open_inside(path, root, folder=False)
    size = os.fstat(descriptor).st_size
    if size > max_bytes:
        os.close(descriptor)
        raise RunFolderError(f"{path} has {size:,} bytes, more than the {max_bytes:,} such a file may have")
    return os.fdopen(descriptor, "rb")


def read_file(path: Path, root: Path, max_bytes: int) -> bytes:
    """The content of ``path``, read as :func:`open_file` opens it (at most ``max_bytes``, even if the
    file grows meanwhile)."""
    with open_file(path, root, max_bytes) as file, _reading(path):
        content = file.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise RunFolderError(f"{path} grew past {max_bytes:,} bytes while it was read")
    return content


def list_folder(path: Path, root: Path, suffix: str, max_files: int) -> list[Path]:
    """The files of the folder ``path`` (inside ``root``, reached through no link) whose names end in
    ``suffix``, sorted; none if the folder does not exist."""
    try:
        descriptor = _open_inside(path, root, folder=True)
    except MissingRunFile:
        return []
    try:
        with _reading(path):
            names = sorted(name for name in os.listdir(descriptor) if name.endswith(suffix))
    finally:
        os.close(descriptor)
    if len(names) > max_files:
        raise RunFolderError(f"{path} has {len(names):,} *{suffix} files, more than {max_files:,}")
    return [path / name for name in names]


def write_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Make ``path`` hold what ``write(file)`` writes, through ``commands.write_atomically``: a new file
    beside it renamed over it, stop signals held meanwhile; ``SaveError`` naming it if it cannot be
    written (a full disk, a folder in its place), the previous file kept.

    The new file is created with ``O_EXCL | O_NOFOLLOW``, so whatever is planted at its name (a link)
    is refused, never followed, and a link at ``path`` itself is replaced by the rename.
    """

    def write_new(partial: Path) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        with os.fdopen(os.open(partial, flags, 0o644), "wb") as file:
            write(file)

    write_atomically(path, write_new)


class _BoundedLoader(yaml.SafeLoader):
    """YAML's safe loader refusing nesting deeper than :data:`MAX_NESTING` and documents larger than
    :data:`MAX_EXPANDED_YAML` with their aliases expanded (or recursive), as it composes them: before
    anything is built from them."""

    def __init__(self, stream: str | bytes) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # the expanded size of each node composed, by id

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:  # its anchor is still being composed: it contains itself
                raise RunFolderError("an alias refers to a node that contains it")
            return node
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise RunFolderError(f"it is nested deeper than {MAX_NESTING} levels")
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.ScalarNode):
            size = 1 + len(node.value)
        else:
            children = node.value if isinstance(node, yaml.SequenceNode) else sum(node.value, ())
            size = 1 + sum(self._sizes[id(child)] for child in children)
        if size > MAX_EXPANDED_YAML:
            raise RunFolderError(f"with its aliases expanded it is larger than {MAX_EXPANDED_YAML:,}")
        self._sizes[id(node)] = size
        return node


def load_yaml(content: bytes, path: Path) -> Any:
    """The YAML document ``content`` (read from ``path``), parsed safely within the bounds of
    :class:`_BoundedLoader`; ``RunFolderError`` saying what is wrong and where, not quoting it."""
    try:
        return yaml.load(content, Loader=_BoundedLoader)
    except RunFolderError as error:
        raise RunFolderError(f"{path} is refused: {error}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise RunFolderError(f"{path} is not valid YAML{where}: {error.problem}") from None
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an integer of more than 4,300 digits
        raise RunFolderError(f"{path} is not valid YAML: {' '.join(str(error).split())[:200]}") from None


def load_json(content: bytes, name: str) -> Any:
    """The JSON document ``content`` (``name`` says what it is in messages), nested at most
    :data:`MAX_NESTING` deep; ``RunFolderError`` otherwise."""
    try:
        value = json.loads(content)
        too_deep = not _nested_within(value, MAX_NESTING)
    except RecursionError:
        too_deep = True
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, an integer too long
        raise RunFolderError(f"{name} is not JSON: {' '.join(str(error).split())[:200]}") from None
    if too_deep:
        raise RunFolderError(f"{name} is nested deeper than {MAX_NESTING} levels")
    return value


def _nested_within(value: Any, limit: int) -> bool:
    """Whether no list or mapping in ``value`` lies deeper than ``limit`` levels (walked without
    recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children)
    return True


_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")  # the zip's last record: where and how large its directory is


def _check_zip_directory(file: BinaryIO, path: Path, what: str) -> None:
    """Refuse a zip whose central directory is larger than :data:`MAX_ZIP_DIRECTORY_BYTES` (or ZIP64,
    which no model needs), read from its end record as ``zipfile`` finds it; a file without one is left
    to ``zipfile`` to refuse."""
    size = file.seek(0, os.SEEK_END)
    start = max(0, size - _END_OF_DIRECTORY.size - 0xFFFF)  # the record, then a comment of up to 64 KiB
    file.seek(start)
    tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at >= 0 and len(tail) - at >= _END_OF_DIRECTORY.size:
        directory_bytes = _END_OF_DIRECTORY.unpack_from(tail, at)[5]
        file.seek(max(0, start + at - 20))
        zip64 = start + at >= 20 and file.read(4) == b"PK\x06\x07"  # ZIP64's locator precedes the record
        if zip64 or directory_bytes > MAX_ZIP_DIRECTORY_BYTES:
            raise RunFolderError(
                f"{path} is not {what}: its list of entries is larger than {MAX_ZIP_DIRECTORY_BYTES:,} bytes"
            )
    file.seek(0)


@contextlib.contextmanager
def open_zip(path: Path, root: Path, max_bytes: int, what: str) -> Iterator[zipfile.ZipFile]:
    """The zip ``path`` (read as :func:`open_file` opens it, with a bounded list of entries);
    ``RunFolderError`` saying that it is not ``what`` otherwise."""
    with open_file(path, root, max_bytes) as file:
        _check_zip_directory(file, path, what)
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise RunFolderError(f"{path} is not {what}: {error}") from None
        with archive:
            yield archive


def read_entry(archive: zipfile.ZipFile, name: str, max_bytes: int, path: Path) -> bytes:
    """The entry ``name`` of the zip ``archive`` (read from ``path``), refused unless it inflates to at
    most ``max_bytes``: checked before inflating, and the inflated bytes are cut at the size it declares."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise RunFolderError(f"{path} has no entry {name!r}") from None
    if info.file_size > max_bytes:
        raise RunFolderError(
            f"{path}: its entry {name!r} inflates to {info.file_size:,} bytes, more than {max_bytes:,}"
        )
    try:
        with archive.open(info) as entry:
            return entry.read()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
        raise RunFolderError(f"{path}: its entry {name!r} cannot be read: {error}") from None
