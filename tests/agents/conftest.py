"""Agent tests train small networks: run torch on one thread.

For networks this small one thread is fastest, and on shared cores torch's extra threads
spin-wait: a 24k-step Catch run took 100-300 s with two threads next to other processes and
4 s with one.
"""

import pytest
import torch


@pytest.fixture(autouse=True, scope="package")
def single_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
