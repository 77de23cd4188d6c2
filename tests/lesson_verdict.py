"""Shared by the test_lesson_checks_NN files: run one exercise's check on given answers.

Each of those files is a table: RIGHT rows ``(exercise id, style, {target: answer})`` must
pass every case, WRONG rows ``(exercise id, {target: answer}, phrase)`` must fail with a
message that contains the phrase (the words that name the learner's mistake).
"""
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
