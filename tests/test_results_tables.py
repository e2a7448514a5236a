"""The results-consistency check: every generated results table matches the rows it is made of.

The one test that reads ``benchmarks/results/``: it runs ``python benchmarks/tables.py --check``'s logic
over the README, the docs and the study READMEs, so a committed table cannot drift from its rows, and
checks that every row names settings that exist, so that it can be rerun.
"""

from __future__ import annotations

import json

from tests.helpers import load_benchmark

tables = load_benchmark("tables")
learning = load_benchmark("learning")


def test_every_committed_table_is_what_its_rows_give():
    drifted = [
        f"{page.relative_to(tables.REPO)}: {spec}"
        for page in tables.pages()
        for spec in tables.regenerate(page.read_text())[1]
    ]
    assert not drifted, "differ from their rows (run python benchmarks/tables.py): " + "; ".join(drifted)


def test_a_drifted_table_is_found():
    text = "<!-- table: summary learning/catch-dqn -->\n| a stale table |\n<!-- end table -->\n"
    rewritten, changed = tables.regenerate(text)
    assert changed == ["summary learning/catch-dqn"]
    assert tables.regenerate(rewritten)[1] == []


def test_every_row_names_a_settings_file_that_exists():
    missing = set()
    for path in tables.RESULTS.rglob("seed*.json"):
        for row in json.loads(path.read_text()):
            _, settings_file, _ = learning.split_algo_spec(row["algo"])
            if settings_file and not (tables.REPO / settings_file).is_file():
                missing.add(f"{path.parent.relative_to(tables.RESULTS)}: {row['algo']}")
    assert not missing, "rows name settings files that do not exist: " + "; ".join(sorted(missing))
