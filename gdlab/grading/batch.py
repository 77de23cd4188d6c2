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
import json
import os
import re
import secrets
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from gdlab.grading.assemble import load_lessons
from gdlab.grading.class_report import write_class_report
from gdlab.grading.gradebook import compile_student_pattern, write_gradebook
from gdlab.grading.platforms import read_roster, write_platform_gradebooks
from gdlab.grading.integrity import COPY_PREFIXES, fingerprint, similarity_flags
from gdlab.grading.grader import (GRADED, GRADER_ERROR, KERNEL_START_FAILED, MISFILED, Grader,
                                  GradeOptions)
from gdlab.grading.progress import ProgressBar
from gdlab.grading.report import atomic_write, load_grades, write_feedback, write_grades

__all__ = ["default_lessons_dir", "lessons_dir_candidates", "expand_submissions",
           "submission_names", "grade_submissions", "check_out_dir", "BatchResult",
           "Interrupted", "TRANSIENT"]


class Interrupted(Exception):
    """Grading was stopped (Ctrl-C); everything graded so far is saved."""

    def __init__(self, graded, left):
        super().__init__(f"interrupted: {graded} graded, {left} left; run the same command "
                         "to continue")
        self.graded, self.left = graded, left


def lessons_dir_candidates():
    """Where ``gdlab grade`` looks for lessons/ when --lessons is not given, in order: the
    working directory, the checkout gdlab is imported from (a source tree or an editable
    install), and the folder gdlab was pip-installed from (PEP 610's direct_url.json; on
    Binder that is the repository, while the package itself sits in site-packages)."""
    places = [Path.cwd() / "lessons", Path(__file__).resolve().parents[2] / "lessons"]
    source = _installed_from()
    if source is not None:
        places.append(source / "lessons")
    unique = []
    for place in places:
        if place not in unique:
            unique.append(place)
    return unique


def _installed_from():
    from importlib import metadata
    from urllib.parse import unquote, urlparse
    try:
        text = metadata.distribution("gdlab").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    url = urlparse(json.loads(text).get("url", ""))
    return Path(unquote(url.path)) if url.scheme == "file" else None


def default_lessons_dir():
    """The first of :func:`lessons_dir_candidates` that is a folder; FileNotFoundError
    naming every place looked at, and how to say where the lessons are, if none is."""
    places = lessons_dir_candidates()
    for place in places:
        if place.is_dir():
            return place
    looked = "".join(f"\n  {place}" for place in places)
    raise FileNotFoundError(f"No lessons folder found; looked in:{looked}\npass --lessons "
                            "DIR (the folder of released lesson notebooks, e.g. --lessons "
                            "path/to/gdlab/lessons)")


def expand_submissions(args):
    """Files as given; folders become the notebooks inside them (recursively, sorted,
    without Jupyter's .ipynb_checkpoints). Raises FileNotFoundError for a missing path and
    ValueError for a file named on the command line that is not a .ipynb notebook."""
    out = []
    for arg in args:
        p = Path(arg)
        if p.is_dir() and not p.is_symlink():
            # Symbolic links are kept (not followed): read_submission refuses each one.
            out.extend(sorted(q for q in p.rglob("*.ipynb")
                              if ".ipynb_checkpoints" not in q.parts and
                              (q.is_symlink() or q.is_file())))
        elif p.is_symlink() or p.exists():
            if p.suffix != ".ipynb":
                raise ValueError(f"Not a notebook: {arg} (give .ipynb files or folders "
                                 "holding them)")
            out.append(p)
        else:
            raise FileNotFoundError(f"No such submission: {arg}")
    seen, unique = set(), []
    for p in out:  # the same file named twice is graded once (a link is not that file)
        key = p.parent.resolve() / p.name
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def submission_names(paths):
    """The key of each submission in grades.json/csv: its path as given (normalised, so
    ``./a.ipynb`` and ``a.ipynb`` are one). Two files called alice.ipynb in different
    folders stay two rows, also across runs into the same --out folder."""
    return [os.path.normpath(str(p)) for p in paths]


def check_out_dir(out_dir):
    """Fail (ValueError, one line) before anything is graded when ``out_dir`` is a file or
    cannot be written."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"--out {out_dir} is a file, not a folder: choose a folder for the "
                         "grades")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except OSError as err:
        raise ValueError(f"--out {out_dir} cannot be written ({err.strerror or err}): "
                         "choose a folder you can write") from None


def published_fingerprints(lessons_dir):
    """exercise id -> fingerprint of the published solution cell, read from the
    ``solutions/`` folder beside the lessons (the grader's process only; {} if absent)."""
    out = {}
    folder = Path(lessons_dir).parent / "solutions"
    for path in sorted(folder.glob("*.ipynb")) if folder.is_dir() else []:
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) \
                else {}
            gid = meta.get("grade_id") or ""
            if meta.get("solution") and gid.endswith("-solution"):
                src = cell.get("source", "")
                fp = fingerprint("".join(src) if isinstance(src, list) else src)
                if fp:
                    out[gid[:-len("-solution")]] = fp
    return out


def mark_copies(grades, published):
    """Refresh every row's "similar to" flags across all grades in the folder (this run
    and earlier ones), keeping the flags about what the code reaches for."""
    rows = {name: {gid: ex.fingerprint for gid, ex in g.exercises.items()}
            for name, g in grades.items()}
    found = similarity_flags(rows, published)
    for name, g in grades.items():
        for gid, ex in g.exercises.items():
            ex.flags = [f for f in ex.flags if not f.startswith(COPY_PREFIXES)] + \
                found.get((name, gid), [])


_ASSIGNMENT = re.compile(r"(?:^|/)submitted/[^/]+/(?P<assignment>[^/]+)/[^/]+\.ipynb$")


def _assignment(grade):
    match = _ASSIGNMENT.search(os.path.abspath(grade.path).replace(os.sep, "/"))
    return match.group("assignment") if match else None


def assignment_lessons(grades, lessons):
    """nbgrader assignment folder -> the lesson it is for: the one known lesson number in
    its name ("ps02", "lesson-2"), else the lesson of more than half of its notebooks."""
    found, seen = {}, {}
    for g in grades.values():
        folder = _assignment(g)
        if folder is not None and g.lesson:
            seen.setdefault(folder, []).append(g.lesson)
    for folder, got in seen.items():
        named = {n.zfill(2) for n in re.findall(r"\d+", folder)} & set(lessons)
        if len(named) == 1:
            found[folder] = named.pop()
            continue
        top = max(set(got), key=got.count)
        if got.count(top) * 2 > len(got):
            found[folder] = top
    return found


def mark_misfiled(grades, lessons):
    """Rows whose answers belong to another lesson than the nbgrader assignment folder they
    were filed under get status "filed under the wrong assignment" (graded, and counted,
    as the lesson of their answers); returns a note per such row."""
    wanted, notes = assignment_lessons(grades, lessons), []
    for g in grades.values():
        folder = _assignment(g)
        expected = wanted.get(folder)
        if g.status == MISFILED:
            g.status = GRADED
        if g.status != GRADED or not expected or not g.lesson or g.lesson == expected:
            continue
        g.status = MISFILED
        note = (f"Filed under assignment {folder} (lesson {expected}), but its answers are "
                f"lesson {g.lesson}'s: graded and counted as lesson {g.lesson}; lesson "
                f"{expected} has no submission in this file.")
        if note not in g.message:
            g.message = (note + "\n" + g.message).strip()
        notes.append(f"{g.name}: {note}")
    return notes


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


# Row statuses that say nothing about the submission (the machine failed): graded again on
# the next run instead of being kept as final.
TRANSIENT = (GRADER_ERROR, KERNEL_START_FAILED)


def _up_to_date(prev, sha, lessons):
    if prev is None or sha is None or prev.sha256 != sha or prev.status in TRANSIENT:
        return False
    if prev.lesson:
        lesson = lessons.get(prev.lesson)
        return lesson is not None and lesson.sha256 == prev.lesson_sha256
    return True


async def _grade_all(grader, todo, done, stop):
    """grade_many that Ctrl-C stops cleanly: no new submission starts after it, the running
    ones are cancelled (their kernels and folders cleaned up) and ``stop`` records it."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def on_sigint():
        stop.append(True)
        task.cancel()
    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError, ValueError):
        pass  # not the main thread (run from a notebook): KeyboardInterrupt as usual
    try:
        await grader.grade_many(todo, on_done=done, should_stop=lambda: bool(stop))
    except asyncio.CancelledError:
        if not stop:
            raise
    finally:
        try:
            loop.remove_signal_handler(signal.SIGINT)
        except (NotImplementedError, RuntimeError, ValueError):
            pass


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
                      force=False, progress=True, stream=None, student_pattern=None,
                      roster=None, missing="blank"):
    """Grade notebook files (or folders of them) into ``out_dir``.

    Writes out_dir/grades.json, out_dir/grades.csv and out_dir/feedback/<name>.html, and
    at the end out_dir/report.html and out_dir/gradebook.csv (students found by
    ``student_pattern``, a regex text; None: see gradebook.py), gradebook-canvas.csv and
    gradebook-moodle.csv (``roster``: a path to the platform's class list, see platforms.py;
    ``missing``: "blank" or "zero" for a student on it who handed nothing in).
    Returns a :class:`BatchResult`. Raises FileNotFoundError / ValueError for a missing
    lessons folder, a missing submission path or an out_dir/grades.json not written by
    this grader.
    """
    options = options or GradeOptions()
    roster = None if roster is None else read_roster(roster)   # a bad roster stops us early
    pattern = None if student_pattern is None else compile_student_pattern(student_pattern)
    check_out_dir(out_dir)
    paths = expand_submissions(submissions)
    if not paths:
        raise ValueError("No submissions to grade: give notebook files or folders holding "
                         ".ipynb files")
    lessons_dir = default_lessons_dir() if lessons_dir is None else Path(lessons_dir)
    lessons = load_lessons(lessons_dir)
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

    stop = []
    try:
        if todo:
            _run_coroutine(_grade_all(grader, todo, done, stop))
    except KeyboardInterrupt:
        stop.append(True)
    bar.close()
    if stop:
        # Kernels and their folders are cleaned up as the grading tasks are cancelled;
        # every finished grade is already in grades.json.
        raise Interrupted(len(result.graded), len(todo) - len(result.graded))
    mark_copies(grades, published_fingerprints(lessons_dir))
    misfiled = mark_misfiled(grades, lessons)
    data = write_grades(out_dir, grades, pattern)
    write_class_report(data, out_dir / "report.html", titles=titles)
    result.notes = misfiled + write_gradebook(data, out_dir / "gradebook.csv")
    result.notes += [n for n in write_platform_gradebooks(data, out_dir, roster, missing)
                     if n not in result.notes]
    return result
