"""Who handed in what (gdlab.grading.gradebook) and the gradebook.csv an LMS imports; also
the lesson column and column order of grades.csv. Synthetic grades, no kernels."""
import csv
import io
import json

import pytest

from gdlab.grading.gradebook import (compile_student_pattern, gradebook_csv, student_of,
                                     write_gradebook)
from gdlab.grading.grader import ExerciseGrade, SubmissionGrade
from gdlab.grading.report import csv_text, write_grades


# ------------------------------------------------------------------- the student's name

@pytest.mark.parametrize("path", [
    "submitted/alice/ps03/03_linear_regression.ipynb",
    "/srv/course/submitted/alice/lesson-three/anything.ipynb",
])
def test_student_from_nbgrader_layout(path):
    assert student_of(path) == "alice"


def test_nbgrader_layout_wins_over_the_file_name():
    assert student_of("submitted/alice/ps1/bob_03_x.ipynb") == "alice"


@pytest.mark.parametrize("name, student", [
    ("bob_03_linear_regression.ipynb", "bob"),
    ("mary_ann_07_momentum_adaptive.ipynb", "mary_ann"),
    ("uploads/week3/carol_03_x.ipynb", "carol"),
])
def test_student_from_name_nn_file_name(name, student):
    assert student_of(name) == student


@pytest.mark.parametrize("name", ["03_linear_regression.ipynb", "bob.ipynb",
                                  "bob_3_x.ipynb", "submitted/alice/x.ipynb"])
def test_no_student_when_nothing_matches(name):
    assert student_of(name) is None


def test_custom_pattern_is_searched_in_the_path():
    pattern = compile_student_pattern(r"(?P<student>[a-z]+)-hw\d+\.ipynb$")
    assert student_of("in/dave-hw3.ipynb", pattern) == "dave"
    assert student_of("in/dave_03_x.ipynb", pattern) is None  # the default is not added
    folder = compile_student_pattern(r"(?P<student>[^/]+)/[^/]+\.ipynb$")
    assert student_of("class/erin/03_x.ipynb", folder) == "erin"


def test_pattern_without_student_group_is_a_clear_error():
    with pytest.raises(ValueError) as err:
        compile_student_pattern(r"(?P<name>\w+)_\d\d")
    text = str(err.value)
    assert r"(?P<name>\w+)_\d\d" in text and "(?P<student>" in text


def test_pattern_that_is_not_a_regex_is_a_clear_error():
    with pytest.raises(ValueError) as err:
        compile_student_pattern(r"(?P<student>\w+")
    assert r"(?P<student>\w+" in str(err.value) and "missing )" in str(err.value)


def test_gdlab_grade_rejects_a_bad_pattern_before_grading(tmp_path, capsys):
    from gdlab.cli import main
    code = main(["grade", str(tmp_path / "x.ipynb"), "--out", str(tmp_path / "out"),
                 "--student-pattern", "(?P<who>.+)"])
    assert code == 2
    err = capsys.readouterr().err
    assert "(?P<who>.+)" in err and "no group named 'student'" in err
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------ gradebook.csv

def _sub(name, student, lesson, score, max_score, status="graded"):
    return {"name": name, "path": f"{name}.ipynb", "student": student, "status": status,
            "lesson": lesson, "lesson_file": f"{lesson}_l{lesson}.ipynb" if lesson else "",
            "score": score, "max_score": max_score, "exercises": {}}


def _data(*subs):
    return {"format": "gdlab-grades", "version": 1, "submissions": list(subs)}


def _rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_gradebook_one_row_per_student_lessons_in_order_empty_when_missing():
    data = _data(_sub("z1", "zoe", "10", 4.5, 6), _sub("z2", "zoe", "02", 3, 3),
                 _sub("a1", "adam", "02", 1.33, 3), _sub("b1", "ben", "10", 0, 6))
    text, notes = gradebook_csv(data)
    assert _rows(text) == [["student", "02_l02", "10_l10", "total"],
                           ["adam", "1.33", "", "1.33"],
                           ["ben", "", "0", "0"],
                           ["zoe", "3", "4.5", "7.5"]]
    assert notes == []


def test_gradebook_lessons_sort_by_number_not_text():
    data = _data(_sub("x", "x", "10", 1, 1), _sub("y", "x", "09", 1, 1))
    assert _rows(gradebook_csv(data)[0])[0] == ["student", "09_l09", "10_l10", "total"]


def test_gradebook_escapes_formula_cells():
    data = _data(_sub("e", "=HYPERLINK(\"x\")", "01", 1, 1), _sub("p", "+1", "01", 1, 1),
                 _sub("m", "-2", "01", 1, 1), _sub("t", "@SUM(A1)", "01", 1, 1))
    students = [row[0] for row in _rows(gradebook_csv(data)[0])[1:]]
    assert sorted(students) == sorted(["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)"])


def test_gradebook_notes_unmatched_and_duplicate_submissions():
    data = _data(_sub("anon", None, "01", 1, 1), _sub("a1", "amy", "01", 0.5, 1),
                 _sub("a2", "amy", "01", 1, 1), _sub("bad", "amy", "", 0, None,
                                                      status="invalid: not JSON"))
    text, notes = gradebook_csv(data)
    assert _rows(text) == [["student", "01_l01", "total"], ["amy", "1", "1"]]
    joined = "\n".join(notes)
    assert "anon" in joined and "no student" in joined
    assert "a1" in joined and "a2" in joined and "highest" in joined
    assert "bad" in joined


def test_write_gradebook_writes_the_file(tmp_path):
    notes = write_gradebook(_data(_sub("a", "amy", "01", 1, 1)), tmp_path / "gradebook.csv")
    assert notes == []
    assert (tmp_path / "gradebook.csv").read_text() == "student,01_l01,total\namy,1,1\n"


# ------------------------------------------------------- grades.csv and grades.json changes

def _grade(name, lesson, *gids):
    g = SubmissionGrade(name, f"submitted/{name}/a/{lesson}_x.ipynb", "0" * 64, "graded",
                        lesson=lesson, lesson_file=f"{lesson}_x.ipynb")
    for gid in gids:
        g.exercises[gid] = ExerciseGrade(1.0, 2.0, "failed", "no")
    return g


def test_grades_csv_has_lesson_column_and_exercises_in_lesson_order():
    # exercise order inside a lesson is the order of the lesson, not the alphabet
    a = _grade("amy", "03", "03-mse", "03-mse-grad", "03-gradient-descent", "03-lstsq")
    b = _grade("bob", "01", "01-derivative", "01-descent-loop")
    lines = csv_text([a, b]).splitlines()
    assert lines[0] == ("submission,lesson,status,score,max_score,sandbox,01-derivative,"
                        "01-descent-loop,03-mse,03-mse-grad,03-gradient-descent,03-lstsq")
    assert lines[1] == "amy,03,graded,4,8,bubblewrap,,,1,1,1,1"
    assert lines[2] == "bob,01,graded,2,4,bubblewrap,1,1,,,,"


def test_grades_json_records_feedback_file_and_student(tmp_path):
    write_grades(tmp_path, {"amy": _grade("amy", "03", "03-mse")})
    row = json.loads((tmp_path / "grades.json").read_text())["submissions"][0]
    assert row["feedback"] == "feedback/amy.html"
    assert row["student"] == "amy"
