"""Hints for graded use (issue 19, item 6): ``gdlab release --max-hint N`` writes the cap
into the released lessons, ``hint()`` then stops at level N and says the instructor set
it; without the option nothing changes. ``hint(id, level)`` shows one level, the same
however often the cell runs (lesson 00's demo relies on it)."""
import json
from pathlib import Path

import pytest

from gdlab.checks import get_exercise, hint, reset_session, set_hint_cap
from gdlab.cli import main
from gdlab.release import render_lesson

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh_kernel_state():
    reset_session()
    set_hint_cap(None)
    yield
    reset_session()
    set_hint_cap(None)


def _import_cell(text):
    nb = json.loads(text)
    return next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
                and "from gdlab.checks import check" in "".join(c["source"])), nb


def test_released_with_a_cap_the_lesson_stops_hints_there(capsys):
    text = render_lesson(REPO / "solutions" / "00_start_here.ipynb", max_hint=2)
    cell, nb = _import_cell(text)
    assert nb["metadata"]["gdlab"]["max_hint"] == 2
    exec(cell, {})                      # what the learner's kernel runs
    hints = get_exercise("00-mean").hints
    assert len(hints) == 3
    for _ in range(4):
        hint("00-mean")
    out = capsys.readouterr().out
    assert hints[2] not in out          # the strongest hint never shows
    assert out.count(hints[1]) == 3 and "your instructor allows 2 of the 3 hints" in out
    hint("00-mean", 3)                  # asking for it by number does not get past the cap
    assert hints[2] not in capsys.readouterr().out


def test_a_cap_of_zero_turns_hints_off(capsys):
    set_hint_cap(0)
    hint("00-step")
    out = capsys.readouterr().out
    assert "turned hints off" in out and get_exercise("00-step").hints[0] not in out


def test_without_the_option_the_lesson_is_unchanged():
    released = (REPO / "lessons" / "00_start_here.ipynb").read_text(encoding="utf-8")
    assert render_lesson(REPO / "solutions" / "00_start_here.ipynb") == released
    assert "set_hint_cap" not in released and "max_hint" not in released


def test_the_cli_writes_the_cap_and_refuses_a_negative_one(tmp_path, capsys):
    src = tmp_path / "solutions"
    src.mkdir()
    (src / "00_start_here.ipynb").write_bytes(
        (REPO / "solutions" / "00_start_here.ipynb").read_bytes())
    assert main(["release", "--source", str(src), "--dest", str(tmp_path / "out"),
                 "--max-hint", "1"]) == 0
    cell, nb = _import_cell((tmp_path / "out" / "00_start_here.ipynb").read_text())
    assert "set_hint_cap(1)" in cell and nb["metadata"]["gdlab"]["max_hint"] == 1
    with pytest.raises(SystemExit):
        main(["release", "--source", str(src), "--dest", str(tmp_path / "o2"),
              "--max-hint", "-1"])
    assert "whole number >= 0" in capsys.readouterr().err


def test_a_hint_level_reads_the_same_however_often_it_runs(capsys):
    hints = get_exercise("00-mean").hints
    for _ in range(3):                  # lesson 00's demo, run three times in one kernel
        hint("00-mean", 1)
        hint("00-mean", 2)
    out = capsys.readouterr().out
    assert out.count(hints[0]) == 3 and out.count(hints[1]) == 3 and hints[2] not in out
    hint("00-mean")                     # the next call goes on after the highest shown
    assert hints[2] in capsys.readouterr().out
    with pytest.raises(ValueError, match="hints 1 to 3"):
        hint("00-mean", 4)
