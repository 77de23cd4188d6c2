"""Shared by the test_lesson_checks_NN files: run one exercise's check on given answers.

Each of those files is a table: RIGHT rows ``(exercise id, style, {target: answer})`` must
pass every case, WRONG rows ``(exercise id, {target: answer}, phrase)`` must fail with a
message that contains the phrase (the words that name the learner's mistake).
"""
import pytest

from gdlab.checks import ExerciseFailed, check


def verdict(exercise_id, **namespace):
    """"PASS", or the feedback text a learner would read for these answers (check() raises
    it for no points and returns it, as a PartlyRight, for some)."""
    try:
        partly = check(exercise_id, namespace=namespace)
    except ExerciseFailed as failure:
        return str(failure)
    return "PASS" if partly is None else str(partly)


def right_ids(table):
    return [f"{row[0]}:{row[1]}" for row in table]


def wrong_ids(table):
    return [f"{row[0]}:{row[2][:40]}" for row in table]


def table_tests(right, wrong):
    """The two tests every table file runs, parametrised by its RIGHT and WRONG rows:
    assign them to module-level names starting with ``test_`` so pytest collects them."""
    @pytest.mark.parametrize("exercise_id, style, namespace", right, ids=right_ids(right))
    def test_right_answer_passes(exercise_id, style, namespace, capsys):
        assert verdict(exercise_id, **namespace) == "PASS"
        assert capsys.readouterr().out.startswith(f"✔ {exercise_id}: ")

    @pytest.mark.parametrize("exercise_id, namespace, phrase", wrong, ids=wrong_ids(wrong))
    def test_wrong_answer_names_its_mistake(exercise_id, namespace, phrase):
        message = verdict(exercise_id, **namespace)
        assert message != "PASS"
        assert phrase in message, message

    return test_right_answer_passes, test_wrong_answer_names_its_mistake
