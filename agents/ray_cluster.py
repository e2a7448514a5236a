"""Starting Ray for the commands that run on it (``agents.tune``, ``benchmarks/learning.py --ray``): on this
machine's cores or joined to a cluster, an unreachable address a usage error within seconds."""

from __future__ import annotations

import os
import socket

import ray

from agents.commands import UsageError

#: Seconds to wait for a remote Ray address to answer before calling it unreachable.
CONNECT_TIMEOUT = 3.0


def start_ray(address: str | None, num_cpus: int | None = None) -> None:
    """Start Ray on this machine (``address=None``, on the cores this process may use) or join a cluster;
    ``UsageError`` if unreachable.

    A ``HOST:PORT`` or ``ray://HOST:PORT`` address is tried with a plain TCP connection first, so an
    unreachable one fails within seconds rather than after Ray's own minute-long retries.
    """
    if address is None:  # the cores this process may run on (taskset, a job scheduler's cgroup)
        ray.init(address="local", num_cpus=num_cpus or len(os.sched_getaffinity(0)), include_dashboard=False)
        return
    if address != "auto":
        host, _, port = address.removeprefix("ray://").rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--address must be auto, HOST:PORT or ray://HOST:PORT, got {address!r}")
        try:
            socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
        except OSError as error:
            raise UsageError(f"cannot reach a Ray cluster at {address}: {error}") from error
    try:
        ray.init(address=address, include_dashboard=False)
    except (ConnectionError, RuntimeError) as error:
        raise UsageError(f"cannot join the Ray cluster at {address}: {error}".splitlines()[0]) from error
