"""Headless pygame (no window, no sound device) and one torch thread for every test.

Small networks train fastest on one thread, and the CI machine has two cores for everything.
"""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("OMP_NUM_THREADS", "1")
