"""Sphinx extension: one page per game registered by gym_catchgames, generated from its env class.

At ``builder-inited`` it writes ``environments/<id>.md`` (MyST) and ``environments/index.md`` into the
source folder. The pages are committed, so that GitHub shows them too; ``tests/test_docs_site.py``
checks that they are what this module writes now. The ids come from Gymnasium's registry (every id whose
entry point is in ``gym_catchgames``), so a newly registered game gets its page without editing the
docs. A page has the game's picture (if ``images/`` has one), a table of the spaces of
``gymnasium.make(id)``, the constructor's arguments, and the sections of the class docstring
(Gymnasium's schema: Description, Action Space, Observation Space, Rewards, Starting State, Episode
End, Arguments, Version History). The index shows every game's picture and the first sentence of its
Description.

Pictures are HTML ``<img>`` tags, which MyST's ``html_image`` extension turns into images and GitHub
renders as they are.

The same module turns those ``## Section`` headings into rubrics when autodoc renders the env classes
as reStructuredText in the API reference.
"""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import gymnasium

import gym_catchgames  # noqa: F401  (registers the games)

PACKAGE = "gym_catchgames"
#: Picture names tried for a game, ``{name}`` being its id without version, lower case.
IMAGE_PATTERNS = ("{name}.gif", "{name}_dqn.gif", "{name}.png")
#: A Sphinx role in reStructuredText form (``:class:`~a.B```), rewritten to MyST's ``{class}`~a.B```.
RST_ROLE = re.compile(r":(py:)?(class|func|meth|mod|attr|data|obj|exc|doc|ref):`([^`]+)`")
HEADING = re.compile(r"^(#{2,6}) +(.+?) *$")
#: The first sentence of a paragraph: up to the first full stop followed by a space or the end.
SENTENCE = re.compile(r"^(.+?\.)(?:\s|$)")


def env_ids() -> list[str]:
    """Every id in Gymnasium's registry whose entry point is in gym_catchgames, in registration order."""
    return [
        env_id
        for env_id, spec in gymnasium.registry.items()
        if isinstance(spec.entry_point, str) and spec.entry_point.startswith(PACKAGE)
    ]


def env_class(env_id: str) -> type:
    """The class behind ``env_id``'s entry point (``module:Class``)."""
    return gymnasium.envs.registration.load_env_creator(gymnasium.spec(env_id).entry_point)


def _cell(text: str) -> str:
    """``text`` made safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def _code(value: Any) -> str:
    """``value`` as an inline code span that is safe inside a Markdown table cell."""
    text = _cell(str(value)).replace("`", "'")
    return f"`{text}`"


def picture(env_id: str, images_dir: Path, width: int) -> str:
    """An ``<img>`` of ``env_id``'s picture, ``width`` pixels wide, for a page beside ``images_dir``;
    empty if it has none."""
    name = env_id.split("-v")[0].lower()
    for pattern in IMAGE_PATTERNS:
        if (images_dir / pattern.format(name=name)).is_file():
            return (
                f'<img src="../{images_dir.name}/{pattern.format(name=name)}" alt="{env_id}" width="{width}">'
            )
    return ""


def spaces_table(env_id: str) -> str:
    """A Markdown table of the action and observation spaces of ``gymnasium.make(env_id)``."""
    env = gymnasium.make(env_id)
    try:
        rows = [("Action Space", env.action_space), ("Observation Space", env.observation_space)]
        lines = ["| | space | shape | dtype |", "|---|---|---|---|"]
        for label, space in rows:
            lines.append(f"| {label} | {_code(space)} | {_code(space.shape)} | {_code(space.dtype)} |")
    finally:
        env.close()
    spec = gymnasium.spec(env_id)
    lines.append(f"| import | {_code(f'gymnasium.make({env_id!r})')} | | |")
    if spec.max_episode_steps is not None:
        lines.append(f"| max_episode_steps | {_code(spec.max_episode_steps)} | | |")
    if spec.reward_threshold is not None:
        lines.append(f"| reward_threshold | {_code(spec.reward_threshold)} | | |")
    return "\n".join(lines)


def arguments_table(cls: type) -> str:
    """A Markdown table of the constructor's arguments: name, default, annotation."""
    lines = ["| argument | default | type |", "|---|---|---|"]
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self" or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        default = "(required)" if parameter.default is parameter.empty else _code(repr(parameter.default))
        annotation = parameter.annotation
        if annotation is parameter.empty:
            kind = ""
        else:
            kind = _code(annotation if isinstance(annotation, str) else inspect.formatannotation(annotation))
        lines.append(f"| `{name}` | {default} | {kind} |")
    return "\n".join(lines)


def docstring_markdown(cls: type) -> str:
    """The class docstring as MyST: its ``## Section`` headings kept, RST roles made MyST roles."""
    doc = inspect.getdoc(cls) or ""
    return RST_ROLE.sub(lambda m: f"{{py:{m.group(2)}}}`{m.group(3)}`", doc)


def section(lines: list[str], title: str) -> tuple[int, int] | None:
    """Where the ``## title`` section of ``lines`` is: its heading's index and the index after its last
    non-blank line, or None if it has no such section."""
    headings = [i for i, line in enumerate(lines) if HEADING.match(line)]
    start = next((i for i in headings if HEADING.match(lines[i]).group(2) == title), None)
    if start is None:
        return None
    end = next((i for i in headings if i > start), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return start, end


def summary(cls: type) -> str:
    """The first sentence of the docstring's Description, on one line (empty if it has none)."""
    lines = docstring_markdown(cls).splitlines()
    bounds = section(lines, "Description")
    if bounds is None:
        return ""
    text = " ".join(line.strip() for line in lines[bounds[0] + 1 : bounds[1]]).strip()
    match = SENTENCE.match(text)
    return match.group(1) if match else text


def env_page(env_id: str, images_dir: Path) -> str:
    """The MyST page of ``env_id``; ``images_dir`` is where its picture is looked for."""
    cls = env_class(env_id)
    parts = [f"# {env_id}", ""]
    image = picture(env_id, images_dir, width=320)
    if image:
        parts += [image, ""]
    parts += [spaces_table(env_id), ""]
    parts += [f"Class: {{py:class}}`{cls.__module__}.{cls.__qualname__}`", ""]
    body = docstring_markdown(cls).splitlines()
    arguments = ["Constructor arguments (`gymnasium.make(id, **kwargs)`):", "", arguments_table(cls), ""]
    bounds = section(body, "Arguments")
    if bounds is None:
        body += ["", "## Arguments", "", *arguments]
    else:
        body[bounds[1] : bounds[1]] = ["", *arguments]
    parts += body
    return "\n".join(parts).rstrip() + "\n"


def index_page(ids: list[str], images_dir: Path) -> str:
    """The MyST index of the games: a table of their pictures and summaries, and the toctree."""
    rows = [
        f"| {picture(env_id, images_dir, width=160)} | [{env_id}]({env_id}.md) "
        f"| {_cell(summary(env_class(env_id)))} |"
        for env_id in ids
    ]
    lines = [
        "# Environments",
        "",
        "Every game registered by `import gym_catchgames`. Each page is generated from the env class's",
        "docstring and from `gymnasium.make(id)` by `docs/_ext/catchgames_envs.py`; `make docs` rewrites",
        "them.",
        "",
        "| | id | the game |",
        "|:---:|---|---|",
        *rows,
        "",
        "```{toctree}",
        ":hidden:",
        ":maxdepth: 1",
        "",
        *ids,
        "```",
    ]
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (an unchanged page is not rebuilt)."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_env_pages(out_dir: Path, images_dir: Path) -> list[Path]:
    """Write ``<id>.md`` for every registered game and ``index.md`` into ``out_dir``; return the pages."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = env_ids()
    pages = []
    for env_id in ids:
        page = out_dir / f"{env_id}.md"
        _write(page, env_page(env_id, Path(images_dir)))
        pages.append(page)
    _write(out_dir / "index.md", index_page(ids, Path(images_dir)))
    return pages


def _on_builder_inited(app: Any) -> None:
    src = Path(app.srcdir)
    write_env_pages(src / "environments", src / "images")


def rubric_headings(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """autodoc: a docstring's Markdown ``## Section`` line becomes an RST ``.. rubric::``."""
    for i, line in enumerate(lines):
        match = HEADING.match(line.strip())
        if match and line.startswith(match.group(1)):
            lines[i] = f".. rubric:: {match.group(2)}"


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _on_builder_inited)
    app.connect("autodoc-process-docstring", rubric_headings)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
