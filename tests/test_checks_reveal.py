"""``reveal=``: what a check confirms, printed after a pass and never before (issue 19)."""
import pytest

from gdlab.checks import ExerciseFailed, check, exercise
from gdlab.checks.registry import _REGISTRY


@pytest.fixture
def revealing():
    ex = exercise(id="96-reveal", lesson="96", title="A value with a reveal",
                  target="answer", kind="value", points=1, reference=lambda: 3.0,
                  hints=["a", "b"], reveal="  The answer is 3 because 1 + 2 = 3.  ")
    yield ex
    _REGISTRY.pop("96-reveal", None)


def test_a_pass_prints_the_reveal_after_the_pass_line(revealing, capsys):
    assert check("96-reveal", namespace={"answer": 3.0}) is None
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("✔ 96-reveal: ")
    assert lines[1] == "The answer is 3 because 1 + 2 = 3."


def test_a_failure_does_not_reveal(revealing):
    with pytest.raises(ExerciseFailed) as failed:
        check("96-reveal", namespace={"answer": 4.0})
    assert "because" not in str(failed.value)


def test_reveal_must_be_text():
    with pytest.raises(TypeError, match="reveal must be None, a non-empty string or a function"):
        exercise(id="96-bad-reveal", lesson="96", title="t", target="answer", kind="value",
                 points=1, reference=lambda: 1.0, reveal=["not", "text"])


def test_without_a_reveal_a_pass_is_one_line(capsys):
    exercise(id="96-plain", lesson="96", title="A value without a reveal", target="answer",
             kind="value", points=1, reference=lambda: 2.0, hints=["a", "b"])
    try:
        assert check("96-plain", namespace={"answer": 2.0}) is None
        assert len(capsys.readouterr().out.strip().splitlines()) == 1
    finally:
        _REGISTRY.pop("96-plain", None)
