"""Grade a whole class: name the submissions, skip the unchanged ones, write the reports.

The results are written after *each* finished submission, so an interrupted run keeps
every grade computed so far, and the next run (same --out) only grades what is missing or
changed: a submission is skipped when its content hash, and the hash of the lesson it was
graded against, are the same as in grades.json (``force=True`` regrades everything).
"""
import asyncio
import concurrent.futures
import dataclasses
import hashlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from gdlab.grading.assemble import load_lessons
from gdlab.grading.class_report import write_class_report
from gdlab.grading.gradebook import compile_student_pattern, write_gradebook
from gdlab.grading.grader import GRADER_ERROR, Grader, GradeOptions
from gdlab.grading.progress import ProgressBar
from gdlab.grading.report import atomic_write, load_grades, write_feedback, write_grades

__all__ = ["default_lessons_dir", "expand_submissions", "submission_names",
           "grade_submissions", "BatchResult"]


def default_lessons_dir():
    """The lessons/ folder of this checkout (next to the gdlab package)."""
    return Path(__file__).resolve().parents[2] / "lessons"


def expand_submissions(args):
    """Files as given; folders become the notebooks inside them (recursively, sorted,
    without Jupyter's .ipynb_checkpoints). Raises FileNotFoundError for a missing path."""
    out = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*.ipynb")
                              if ".ipynb_checkpoints" not in q.parts and q.is_file()))
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"No such submission: {arg}")
    seen, unique = set(), []
    for p in out:  # the same file named twice is graded once
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def submission_names(paths):
    """A unique, stable name per path: the file name without .ipynb, with as many parent
    folders in front as needed to tell equal file names apart (``alice/03_x``)."""
    paths = [Path(p).resolve() for p in paths]
    depth = [0] * len(paths)

    def name(i):
        p = paths[i]
        parts = p.with_suffix("").parts if p.suffix == ".ipynb" else p.parts
        return "/".join(parts[len(parts) - 1 - depth[i]:])

    while True:
        names = [name(i) for i in range(len(paths))]
        groups = {}
        for i, n in enumerate(names):
            groups.setdefault(n, []).append(i)
        clashes = [ix for ix in groups.values() if len(ix) > 1]
        if not clashes:
            return names
        grew = False
        for ix in clashes:
            for i in ix:
                if depth[i] < len(paths[i].parts) - 1:
                    depth[i] += 1
                    grew = True
        if not grew:  # cannot happen for distinct resolved paths; be safe anyway
            return [f"{n}#{i}" for i, n in enumerate(names)]


SEED_FILE = "hidden-cases.seed"


def hidden_seed(out_dir):
    """The seed of the hidden cases for grades in ``out_dir``: read from
    ``out_dir/hidden-cases.seed``, created (random) on the first run. It never enters a
    sandbox; keeping it with the grades makes a re-run draw the same hidden cases."""
    path = Path(out_dir) / SEED_FILE
    if path.exists():
        text = path.read_text(encoding="ascii").strip()
        if not text.isdigit():
            raise ValueError(f"{path} does not hold a seed (a whole number): {text[:40]!r}; "
                             "delete it to draw a new one (then grades of hidden cases "
                             "may change)")
        return int(text)
    seed = secrets.randbits(63)
    atomic_write(path, f"{seed}\n")
    return seed


@dataclass
class BatchResult:
    """graded / skipped: names; grades: every grade now in grades.json (name -> grade);
    notes: submissions gradebook.csv left out or merged (sentences)."""

    graded: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    grades: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def _sha256(path):
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def _up_to_date(prev, sha, lessons):
    if prev is None or sha is None or prev.sha256 != sha or prev.status == GRADER_ERROR:
        return False
    if prev.lesson:
        lesson = lessons.get(prev.lesson)
        return lesson is not None and lesson.sha256 == prev.lesson_sha256
    return True


def _run_coroutine(coro):
    """asyncio.run, also from inside a running event loop (an instructor calling this from
    a Jupyter notebook): then the grading loop runs in a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def grade_submissions(submissions, out_dir, *, lessons_dir=None, options=None,
                      force=False, progress=True, stream=None, student_pattern=None):
    """Grade notebook files (or folders of them) into ``out_dir``.

    Writes out_dir/grades.json, out_dir/grades.csv and out_dir/feedback/<name>.html, and
    at the end out_dir/report.html and out_dir/gradebook.csv (students found by
    ``student_pattern``, a regex text; None: see gradebook.py).
    Returns a :class:`BatchResult`. Raises FileNotFoundError / ValueError for a missing
    lessons folder, a missing submission path or an out_dir/grades.json not written by
    this grader.
    """
    options = options or GradeOptions()
    pattern = None if student_pattern is None else compile_student_pattern(student_pattern)
    paths = expand_submissions(submissions)
    if not paths:
        raise ValueError("No submissions to grade: give notebook files or folders holding "
                         ".ipynb files")
    lessons = load_lessons(default_lessons_dir() if lessons_dir is None else lessons_dir)
    out_dir = Path(out_dir)
    grades = load_grades(out_dir)
    if options.hidden_seed is None:
        options = dataclasses.replace(options, hidden_seed=hidden_seed(out_dir))
    result = BatchResult(grades=grades)
    todo = []
    for path, name in zip(paths, submission_names(paths)):
        if not force and _up_to_date(grades.get(name), _sha256(path), lessons):
            result.skipped.append(name)
        else:
            todo.append((path, name))

    grader = Grader(lessons, options)  # reads the exercises before any learner code runs
    titles = {gid: p.exercise.title for gid, p in grader.prepared.items()
              if p.exercise is not None}
    bar = ProgressBar(len(todo), stream=stream, enabled=progress)

    def done(grade):
        grades[grade.name] = grade
        result.graded.append(grade.name)
        write_feedback(out_dir, grade, titles)
        write_grades(out_dir, grades, pattern)
        score = "" if grade.max_score is None else f" {grade.score:g}/{grade.max_score:g}"
        bar.update(f"{grade.name}: {grade.status}{score}")

    if todo:
        _run_coroutine(grader.grade_many(todo, on_done=done))
    bar.close()
    data = write_grades(out_dir, grades, pattern)
    write_class_report(data, out_dir / "report.html", titles=titles)
    result.notes = write_gradebook(data, out_dir / "gradebook.csv")
    return result
