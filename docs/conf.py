"""Sphinx configuration of the gym-catchgames documentation (``make docs``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Building the env pages imports pygame (through the renderer): no window, no greeting.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
sys.path.insert(0, str(DOCS / "_ext"))

import gym_catchgames  # noqa: E402

project = "gym-catchgames"
author = "gym-catchgames developers"
copyright = "gym-catchgames developers"
release = version = gym_catchgames.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "catchgames_envs",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "html_image"]  # html_image: the env pages' <img> tags
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "furo"
html_title = f"gym-catchgames {release}"
html_static_path = ["_static"]
html_css_files = ["tables.css"]
