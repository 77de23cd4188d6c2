"""Canvas and Moodle gradebooks (gdlab.grading.platforms), checked against the platforms'
documented import formats, and the report's share column. Synthetic grades, no kernels.

Canvas's gradebook import (Canvas Instructor Guide, "How do I import grades in the
Gradebook?"): the columns Student, ID, SIS User ID, SIS Login ID, Section come first (ids
are what Canvas matches a row to a student by), then one column per assignment, whose
header is "Name (assignment id)" for an existing assignment; an export carries a second
row "Points Possible"; every other column becomes a new assignment. Moodle's CSV import
(grade/import/csv): the teacher maps one column ("Map from") to a user field (username,
email address, ID number) and each other column to a grade item.
"""
import csv
import io

import pytest

from gdlab.grading.platforms import canvas_csv, moodle_csv, read_roster

CANVAS_EXPORT = (
    "Student,ID,SIS User ID,SIS Login ID,Section,01_descent_1d (4410),Quiz 1 (4411)\n"
    "    Points Possible,,,,,4,10\n"
    '"Lovelace, Ada",101,S-0001,ada,Sec A,,9\n'
    '"Noether, Emmy",102,S-0002,emmy,Sec A,,7\n'
    '"Student, Test",999,,,Sec A,,\n'
)
MOODLE_EXPORT = (
    "First name,Last name,ID number,Institution,Department,Email address,"
    "Assignment: Lesson 1 (Real)\n"
    "Ada,Lovelace,S-0001,,,ada@uni.example,-\n"
    "Emmy,Noether,S-0002,,,emmy@uni.example,-\n"
)


def _sub(name, student, lesson, score, max_score):
    return {"name": name, "path": f"{name}.ipynb", "student": student, "status": "graded",
            "lesson": lesson, "lesson_file": f"{lesson}_{'descent_1d' if lesson == '01' else 'gradients'}.ipynb",
            "score": score, "max_score": max_score, "exercises": {}}


def _data():
    # ada handed in lesson 01 only; "zed" is on no roster; emmy handed in nothing of 01
    return {"submissions": [_sub("a1", "ada", "01", 3.5, 4), _sub("a2", "ada", "02", 0, 10),
                            _sub("z1", "zed", "02", 10, 10)]}


def _rows(text):
    return list(csv.reader(io.StringIO(text)))


def _roster(tmp_path, text, name="roster.csv"):
    path = tmp_path / name
    path.write_text(text)
    return read_roster(path)


def test_canvas_csv_from_a_canvas_export_reuses_ids_and_assignment_columns(tmp_path):
    roster = _roster(tmp_path, CANVAS_EXPORT)
    assert roster.kind == "canvas"
    text, notes = canvas_csv(_data(), roster, missing="blank")
    rows = _rows(text)
    # the identity columns first, in Canvas's order; no total column
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5:] == ["01_descent_1d (4410)", "02_gradients"]
    assert "total" not in [h.lower() for h in rows[0]]
    assert rows[1] == ["Points Possible", "", "", "", "", "4", "10"]
    # the roster's students in its order; the test student is dropped; empty = not handed in
    assert rows[2:] == [["Lovelace, Ada", "101", "S-0001", "ada", "Sec A", "3.5", "0"],
                        ["Noether, Emmy", "102", "S-0002", "emmy", "Sec A", "", ""]]
    assert any("zed" in n and "no one on the roster" in n for n in notes)


def test_missing_zero_fills_students_who_handed_nothing_in(tmp_path):
    roster = _roster(tmp_path, CANVAS_EXPORT)
    rows = _rows(canvas_csv(_data(), roster, missing="zero")[0])
    assert rows[3][5:] == ["0", "0"]
    with pytest.raises(ValueError, match="missing must be one of blank, zero; got 'none'"):
        canvas_csv(_data(), roster, missing="none")


def test_canvas_csv_without_roster_writes_folders_as_logins_and_says_so():
    text, notes = canvas_csv(_data())
    rows = _rows(text)
    assert rows[1][0] == "Points Possible"
    assert rows[2] == ["", "", "", "ada", "", "3.5", "0"]
    assert rows[3] == ["", "", "", "zed", "", "", "10"]
    assert any("SIS Login ID" in n and "--roster" in n for n in notes)


def test_moodle_csv_from_a_moodle_export_matches_email_local_part(tmp_path):
    roster = _roster(tmp_path, MOODLE_EXPORT)
    assert roster.kind == "moodle"
    rows = _rows(moodle_csv(_data(), roster)[0])
    # the first column is one Moodle can map a user by ("Map from" -> user field)
    assert rows[0] == ["Email address", "First name", "Last name", "01_descent_1d",
                       "02_gradients"]
    assert rows[1] == ["ada@uni.example", "Ada", "Lovelace", "3.5", "0"]
    assert rows[2] == ["emmy@uni.example", "Emmy", "Noether", "", ""]
    # every grade cell is a number or empty: Moodle rejects text in a grade column
    for row in rows[1:]:
        for cell in row[3:]:
            assert cell == "" or float(cell) >= 0


def test_generic_roster_with_a_login_column(tmp_path):
    roster = _roster(tmp_path, "login,name\nADA,Ada L\nbob,Bob\n")
    assert roster.kind == "generic" and roster.keys == ["login", "name"]
    rows = _rows(moodle_csv(_data(), roster)[0])
    assert rows == [["login", "01_descent_1d", "02_gradients"], ["ADA", "3.5", "0"],
                    ["bob", "", ""]]


def test_roster_without_identity_column_is_a_clear_error(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("colour,size\nred,3\n")
    with pytest.raises(ValueError, match=r"no column that identifies a student \(its "
                                         r"columns: colour, size\)"):
        read_roster(path)
    with pytest.raises(ValueError, match="cannot read the roster"):
        read_roster(tmp_path / "absent.csv")


def test_report_share_counts_lessons_not_handed_in_as_zero():
    # Issue 21: a student who skipped a lesson showed 62 %, one who handed in both 28 %.
    from gdlab.grading.class_report import _students_section
    data = {"submissions": [_sub("s1", "skip", "01", 2.5, 4),
                            _sub("b1", "both", "01", 2, 4), _sub("b2", "both", "02", 2, 10)]}
    html = _students_section(data)
    # out of 14 points for both students: 2.5/14 = 18 %, 4/14 = 29 %
    assert ">18%<" in html and ">29%<" in html and ">62%<" not in html
