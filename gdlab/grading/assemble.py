"""Read submissions, find their lesson, and build the notebook that is actually run.

The grader never runs the learner's notebook as it is. It runs the *pristine* released
lesson (``lessons/NN_slug.ipynb``, read once when grading starts) with only the learner's
solution cells pasted in, matched by nbgrader ``grade_id``. So deleting, editing or
re-ordering check cells (or anything else outside the solution cells) changes nothing, and
a solution cell that is missing leaves its exercise not attempted.
"""
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Lesson", "Step", "Submission", "load_lessons", "read_submission",
           "identify_lesson", "lesson_note", "foreign_answers", "assemble", "InvalidSubmission", "MAX_SUBMISSION_BYTES",
           "INVALID_EMPTY", "INVALID_JSON", "INVALID_NOTEBOOK", "INVALID_NBFORMAT",
           "INVALID_UNREADABLE", "INVALID_TOO_LARGE", "INVALID_SYMLINK", "UNKNOWN_LESSON", "OTHER_RELEASE"]

# Row statuses for files that cannot be graded at all.
INVALID_EMPTY = "invalid: empty file"
INVALID_JSON = "invalid: not JSON"
INVALID_NOTEBOOK = "invalid: not a notebook"
INVALID_NBFORMAT = "invalid: unsupported nbformat"
INVALID_UNREADABLE = "invalid: unreadable file"
INVALID_TOO_LARGE = "invalid: file too large"
INVALID_SYMLINK = "invalid: symbolic link"
UNKNOWN_LESSON = "unknown lesson"
OTHER_RELEASE = "answers not in lesson"

# A real lesson with outputs is a few MB; anything far larger is not a course notebook and
# would only make the grader hold it in memory.
MAX_SUBMISSION_BYTES = 200 * 1024 * 1024

_LESSON_FILE_RE = re.compile(r"^(\d\d)(?:_|$)")


class InvalidSubmission(ValueError):
    """A submission that cannot be graded; ``status`` is the row status."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def _source(cell):
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _nbgrader(cell):
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def _grade_id(cell):
    gid = _nbgrader(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


#: a written answer longer than this is cut for the grades file and the class report
MAX_ANSWER_CHARS = 20_000


@dataclass(frozen=True)
class Step:
    """One cell of the notebook that is run.

    kind: "code" (a cell of the lesson as released), "solution" (the learner's solution
    cell, or the released stub when the learner has none) or "probe" (replaces a check
    cell; ``grade_id`` is the exercise id). source is empty for probes (generated later,
    with a fresh nonce, right before the probe runs).
    """

    kind: str
    source: str
    grade_id: str = ""


@dataclass
class Lesson:
    """A released lesson notebook, read once (later writes to the file change nothing)."""

    lesson: str
    path: Path
    sha256: str
    cells: list
    solution_ids: tuple
    check_ids: tuple
    check_points: dict = field(default_factory=dict)  # grade_id -> nbgrader points
    # markdown answer cells graded by a person (nbgrader: grade + solution, no test):
    # grade_id -> points
    manual_points: dict = field(default_factory=dict)

    @property
    def name(self):
        return self.path.name

    def stub(self, grade_id):
        """The released source of a solution cell (what an untouched notebook holds)."""
        for cell in self.cells:
            if _grade_id(cell) == grade_id and cell.get("cell_type") == "code":
                return _source(cell)
        return None


@dataclass
class Submission:
    """A submission file that parsed as a notebook."""

    path: Path
    name: str
    sha256: str
    cells: list
    metadata: dict
    solutions: dict = field(default_factory=dict)   # grade_id -> learner source
    answers: dict = field(default_factory=dict)     # grade_id -> text of a markdown answer


def _lesson_of_metadata(metadata):
    gd = metadata.get("gdlab") if isinstance(metadata, dict) else None
    value = gd.get("lesson") if isinstance(gd, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value.strip().isdigit():
        return f"{int(value.strip()):02d}"
    return None


def load_lessons(lessons_dir):
    """Every ``NN_*.ipynb`` in ``lessons_dir`` as a :class:`Lesson`, keyed by "NN".

    The lesson number comes from the notebook metadata ``gdlab.lesson`` and else from the
    file name. Raises FileNotFoundError when the folder does not exist and ValueError when
    two notebooks claim the same lesson or a lesson is not a readable notebook.
    """
    lessons_dir = Path(lessons_dir)
    if not lessons_dir.is_dir():
        raise FileNotFoundError(f"No lessons folder at {lessons_dir.resolve()}: pass "
                                "--lessons DIR (the folder of released lesson notebooks)")
    found = {}
    for path in sorted(lessons_dir.glob("*.ipynb")):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(MAX_SUBMISSION_BYTES + 1)
        try:
            nb = json.loads(raw.decode("utf-8"))
            cells = [c for c in nb["cells"] if isinstance(c, dict)]
        except Exception as err:
            raise ValueError(f"Lesson {path} is not a readable notebook: {err}") from None
        lesson = _lesson_of_metadata(nb.get("metadata", {}))
        if lesson is None:
            m = _LESSON_FILE_RE.match(path.name)
            if m is None:
                continue  # not a lesson (e.g. a scratch notebook)
            lesson = m.group(1)
        if lesson in found:
            raise ValueError(f"Lessons {found[lesson].path.name} and {path.name} both claim "
                             f"lesson {lesson}")
        sol, chk, pts, manual = [], [], {}, {}
        for c in cells:
            meta, gid = _nbgrader(c), _grade_id(c)
            if gid and meta.get("solution") and c.get("cell_type") == "code":
                sol.append(gid)
            elif gid and meta.get("grade") and not meta.get("solution") \
                    and c.get("cell_type") == "code":
                chk.append(gid)
                p = meta.get("points", 0)
                pts[gid] = float(p) if isinstance(p, (int, float)) else 0.0
            elif gid and meta.get("grade") and meta.get("solution") \
                    and c.get("cell_type") == "markdown":
                p = meta.get("points", 0)
                manual[gid] = float(p) if isinstance(p, (int, float)) else 0.0
        found[lesson] = Lesson(lesson, path, hashlib.sha256(raw).hexdigest(), cells,
                               tuple(sol), tuple(chk), pts, manual)
    return found


def read_submission(path, name):
    """Parse a submission file. Raises :class:`InvalidSubmission` with a row status."""
    path = Path(path)
    if path.is_symlink():
        # Never followed: a link can point at the published solutions or a classmate's file.
        raise InvalidSubmission(INVALID_SYMLINK, "Not graded: the file is a symbolic link, "
                                "not a notebook; hand in the notebook file itself.")
    try:
        size = path.stat().st_size
        if size > MAX_SUBMISSION_BYTES:
            raise InvalidSubmission(INVALID_TOO_LARGE,
                                    f"The file is {size / 2**20:.0f} MB; a notebook larger "
                                    f"than {MAX_SUBMISSION_BYTES // 2**20} MB is not graded.")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(MAX_SUBMISSION_BYTES + 1)
    except InvalidSubmission:
        raise
    except OSError as err:
        raise InvalidSubmission(INVALID_UNREADABLE,
                                f"The file could not be read ({err.strerror or err}).") from None
    sha = hashlib.sha256(raw).hexdigest()
    if not raw.strip():
        raise InvalidSubmission(INVALID_EMPTY, "The file is empty: nothing to grade. Was the "
                                               "notebook saved before submitting?")
    try:
        nb = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidSubmission(INVALID_JSON, f"The file is not a Jupyter notebook: it is not "
                                              f"valid JSON ({err}).") from None
    except RecursionError:
        raise InvalidSubmission(INVALID_JSON, "The file is not a Jupyter notebook: its JSON "
                                              "is nested too deeply.") from None
    if not isinstance(nb, dict) or "cells" not in nb and "worksheets" not in nb:
        raise InvalidSubmission(INVALID_NOTEBOOK, "The file is JSON but not a Jupyter "
                                                  "notebook (no 'cells').")
    version = nb.get("nbformat")
    if version != 4:
        raise InvalidSubmission(INVALID_NBFORMAT,
                                f"The notebook has nbformat {version!r}; only nbformat 4 "
                                "(Jupyter 4 and later) is supported. Open it in a current "
                                "Jupyter and save it again.")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise InvalidSubmission(INVALID_NOTEBOOK, "The notebook's 'cells' is not a list.")
    cells = [c for c in cells if isinstance(c, dict)]
    metadata = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    solutions, answers = {}, {}
    for c in cells:
        gid = _grade_id(c)
        # Only code cells hold answers: a markdown cell carrying solution metadata (copied
        # or forged) is text, never code to run.
        if gid and gid not in solutions and _nbgrader(c).get("solution") \
                and c.get("cell_type") == "code":
            solutions[gid] = _source(c)  # the first cell with an id wins, as in nbgrader
        elif gid and gid not in answers and _nbgrader(c).get("solution") \
                and c.get("cell_type") == "markdown":
            answers[gid] = _source(c)[:MAX_ANSWER_CHARS]   # text for a person to read
    return Submission(path, name, sha, cells, metadata, solutions, answers)


def _exercise_ids(submission):
    return set(submission.solutions) | {g for g in map(_grade_id, submission.cells) if g}


def _shared(ids, lesson):
    return len(ids & (set(lesson.solution_ids) | set(lesson.check_ids)))


def identify_lesson(submission, lessons):
    """The :class:`Lesson` a submission belongs to, or None.

    In order: the notebook metadata ``gdlab.lesson``, unless none of the notebook's
    exercise ids is in that lesson while another lesson has some (the ids are the more
    specific evidence: a lesson renumbered between releases keeps its ids' meaning only in
    the lesson that has them); the lesson sharing most grade_ids with it; a file name
    starting with the lesson number or containing the lesson's file name.
    """
    ids = _exercise_ids(submission)
    best, best_n = None, 0
    for les in lessons.values():
        n = _shared(ids, les)
        if n > best_n:
            best, best_n = les, n
    lesson = _lesson_of_metadata(submission.metadata)
    if lesson in lessons and (_shared(ids, lessons[lesson]) or best is None):
        return lessons[lesson]
    if best is not None:
        return best
    filename = submission.path.name
    m = _LESSON_FILE_RE.match(filename)
    if m and m.group(1) in lessons:
        return lessons[m.group(1)]
    for les in lessons.values():
        if les.path.stem in filename:
            return les
    return None


def foreign_answers(submission, lesson):
    """The notebook's answer cells (solution grade_ids, sorted) when it has some and none
    of them is an answer cell of ``lesson``; else []. Such a notebook was handed in from
    another release of the course (lessons renumbered, exercises renamed): grading it
    against ``lesson`` would give 0 for answers that exist, just not under these ids."""
    answers = set(submission.solutions)
    if answers and not answers & set(lesson.solution_ids):
        return sorted(answers)
    return []


def lesson_note(submission, lesson):
    """A sentence for the row when the notebook's own lesson metadata is missing, names an
    unknown lesson, or disagrees with the file name ("" when all agree)."""
    meta = _lesson_of_metadata(submission.metadata)
    m = _LESSON_FILE_RE.match(submission.path.name)
    from_name = m.group(1) if m else None
    if meta is None:
        return (f"Note: the notebook carries no gdlab lesson metadata (was it re-created or "
                f"copied into a new notebook?); it was graded as lesson {lesson.lesson}, "
                "found from its exercise ids or file name.")
    if meta != lesson.lesson:
        return (f"Note: the notebook's metadata names lesson {meta}, but it was graded as "
                f"lesson {lesson.lesson}, found from its exercise ids or file name (lesson "
                f"{meta} is not among the lessons graded, or has none of its exercises).")
    if from_name is not None and from_name != meta:
        return (f"Note: the file name says lesson {from_name}, but the notebook is lesson "
                f"{meta} (its metadata); it was graded as lesson {meta}.")
    return ""


def assemble(lesson, submission):
    """The steps to run: the lesson's code cells, with solution cells taken from the
    submission and check cells turned into probes. Markdown and raw cells are skipped."""
    steps = []
    for cell in lesson.cells:
        if cell.get("cell_type") != "code":
            continue
        gid, meta = _grade_id(cell), _nbgrader(cell)
        if gid and meta.get("solution"):
            source = submission.solutions.get(gid, _source(cell))
            steps.append(Step("solution", source, gid))
        elif gid and meta.get("grade"):
            steps.append(Step("probe", "", gid))
        else:
            steps.append(Step("code", _source(cell)))
    return steps
