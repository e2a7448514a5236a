"""replace_atomically: a failed write keeps the previous file; a planted link is replaced, not followed."""

from __future__ import annotations

import errno

import pytest

from agents.files import partial_path, replace_atomically


def test_a_write_lands_in_one_rename_and_leaves_no_partial_file(tmp_path):
    path = tmp_path / "result.yml"
    replace_atomically(path, lambda partial: partial.write_text("new"))
    assert path.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["result.yml"]


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "model.zip"
    path.write_text("the previous model")

    def full_disk(partial):
        partial.write_text("half a mo")
        raise OSError(errno.ENOSPC, "No space left on device", str(partial))

    with pytest.raises(OSError, match="No space left"):
        replace_atomically(path, full_disk)
    assert path.read_text() == "the previous model" and not partial_path(path).exists()


def test_a_link_at_the_destination_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's file")
    run = tmp_path / "run"
    run.mkdir()
    (run / "evaluation.yml").symlink_to(victim)
    (run / "dangling.yml").symlink_to(tmp_path / "outside.txt")
    replace_atomically(run / "evaluation.yml", lambda partial: partial.write_text("scores"))
    replace_atomically(run / "dangling.yml", lambda partial: partial.write_text("scores"))
    assert victim.read_text() == "the user's file" and not (tmp_path / "outside.txt").exists()
    assert not (run / "evaluation.yml").is_symlink() and (run / "evaluation.yml").read_text() == "scores"


def test_the_partial_name_keeps_the_suffix_sb3_save_needs(tmp_path):
    assert partial_path(tmp_path / "model.zip").suffix == ".zip"
    assert partial_path(tmp_path / "model.zip").parent == tmp_path
