"""RL Baselines3 Zoo's console scripts on the games, as the docs show them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from agents import zoo

BIN = Path(sys.executable).parent


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_rl_zoo3_train_enjoy_and_record_video(tmp_path):
    games = ["--algo", "dqn", "--env", "Catch-v0", "-f", "logs"]
    zoo_games = [*games, "--gym-packages", "gym_catchgames", "--num-threads", "1"]
    config = ["-conf", str(zoo.hyperparams_file("dqn")), "-n", "600", "--seed", "0"]
    run([str(BIN / "rl_zoo3"), "train", *zoo_games, *config], tmp_path)
    assert (tmp_path / "logs" / "dqn" / "Catch-v0_1" / "Catch-v0.zip").is_file()

    enjoyed = run([str(BIN / "rl_zoo3"), "enjoy", *zoo_games, "-n", "45", "--no-render"], tmp_path)
    assert "Episodes" in enjoyed.stdout  # five 9-step games of Catch played and scored

    run([sys.executable, "-m", "agents.record_video", *games, "-n", "30", "-o", "videos"], tmp_path)
    videos = list((tmp_path / "videos").glob("*Catch-v0*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 1000
