"""The score card: each tuned entry's final score on a 0 = random, 1 = target scale, from its rows."""

from __future__ import annotations

import json

import pytest

from tests.helpers import load_benchmark

score_card = load_benchmark("score_card")


def row(env: str, algo: str, seed: int, final: float, random: float) -> dict:
    return {"env": env, "algo": algo, "seed": seed, "final_score": final, "random_score": random}


def test_scores_are_normalized_against_the_dqn_rows_random_player_and_the_target(tmp_path):
    # Catch's target is a 99 % catch rate; Cave's is 10 times the random player's survival.
    (tmp_path / "a.json").write_text(json.dumps([
        row("Catch-v0", "dqn", 0, 99.0, 33.0), row("Catch-v0", "dqn", 1, 66.0, 33.0),
        row("Catch-v0", "ppo", 0, 82.5, 50.0),  # ppo's own random player is not the reference
        row("Cave-v0", "dqn", 0, 600.0, 60.0), row("Cave-v0", "dqn", 1, 550.0, 50.0),
    ]))  # fmt: skip
    (tmp_path / "b.json").write_text(json.dumps([
        row("Cave-v0", "sweep-dqn@x.yml", 0, 330.0, 40.0), row("Cave-v0", "sweep-dqn@x.yml", 2, 550.0, 40.0),
        row("Cave-v0", "sweep-dqn+gamma=0.9", 0, 9999.0, 40.0),  # another algo value: not this entry's
    ]))  # fmt: skip
    settings = {
        "Catch-v0": {"dqn": {"rows": "a.json", "algo": "dqn"}, "ppo": {"rows": "*.json", "algo": "ppo"}},
        "Cave-v0": {
            "dqn": {"rows": "a.json", "algo": "dqn"},
            "sweep-dqn": {"rows": "b.json", "algo": "sweep-dqn@x.yml"},
        },
    }
    card = score_card.normalized_scores(settings, tmp_path)
    # Catch: (99 - 33) / (99 - 33) = 1, (66 - 33) / 66 = 0.5; ppo seed 0 against DQN's 33: 49.5 / 66 = 0.75.
    assert card["Catch-v0"] == {"dqn": [1.0, 0.5], "ppo": [0.75]}
    # Cave seed 0: random 60, target 600: (330 - 60) / 540 = 0.5; seed 1: (550 - 50) / 450 = 10 / 9.
    # Seed 2 has no DQN row: the mean random 55, target 550: (550 - 55) / 495 = 1.
    assert card["Cave-v0"]["dqn"] == pytest.approx([1.0, 10 / 9])
    assert card["Cave-v0"]["sweep-dqn"] == pytest.approx([0.5, 1.0])
    table = score_card.table(card)
    assert "| Catch-v0 | 0.75 (1/2) | 0.75 (0/1) | - |" in table
    assert "| Cave-v0 | 1.06 (2/2) | - | 0.75 (1/2) |" in table


def test_missing_rows_are_named(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([row("Catch-v0", "dqn", 0, 99.0, 33.0)]))
    with pytest.raises(FileNotFoundError, match="no result rows match"):
        score_card.normalized_scores({"Catch-v0": {"dqn": {"rows": "none.json", "algo": "dqn"}}}, tmp_path)
    with pytest.raises(ValueError, match=r"a\.json has no Catch-v0 rows of 'a2c'"):
        score_card.normalized_scores({"Catch-v0": {"dqn": {"rows": "a.json", "algo": "a2c"}}}, tmp_path)


def test_the_chart_is_drawn(tmp_path):
    card = {"Catch-v0": {"dqn": [1.0, 0.5], "ppo": [0.75]}, "ALE/Breakout-v5": {"dqn": [1.4]}}
    score_card.draw(card, tmp_path / "card.png")
    assert (tmp_path / "card.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
