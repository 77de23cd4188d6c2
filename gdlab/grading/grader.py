"""Grade submissions: assemble, run in limited kernels (several at once), judge, score.

Per submission: the pristine lesson with the learner's solution cells is run cell by cell
in a fresh kernel (``executor.KernelSession``); every check cell is replaced by a probe
(``probe.make_probe``) whose printed outcomes are judged here with
``gdlab.checks.evaluate``, the same judge as the in-notebook ``check()``.

Whatever goes wrong is contained to the cell or the submission it happened in:

* a cell that raises: the next cell runs (as "Run All" with errors ignored);
* a cell over the per-cell limit: the kernel is interrupted and the next cell runs;
* a dead or hung kernel (``os._exit``, a segfault, the memory limit): a new kernel is
  started, the cells that ran fine so far are replayed to rebuild the learner's state
  (the cell that killed the kernel is not), and grading goes on with the next cell;
* the whole-notebook limit: the run stops; exercises not reached score zero;
* an exception in the grader itself: that submission gets status "grader error";
* the submission's memory budget (all its processes together, budget.py) ran out: the run
  stops with status "memory limit", keeping the exercises judged so far.

An exercise scores points only from a probe result judged here; anything else (timeout,
dead kernel, missing or forged probe output) scores zero with a status saying why.
"""
import asyncio
import hashlib
import os
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field, fields

from gdlab.checks import evaluate, get_exercise
from gdlab.grading.budget import Budget, choose_mechanism
from gdlab.grading.assemble import (OTHER_RELEASE, UNKNOWN_LESSON, InvalidSubmission, assemble,
                                    foreign_answers, identify_lesson, lesson_note,
                                    read_submission, _grade_id, _source)
from gdlab.grading.executor import DIED, ERROR, TIMEOUT, KernelSession, KernelStartError
from gdlab.grading.integrity import TOO_LARGE, analyse
from gdlab.grading.isolation import _warn_once, resolve_kernel_users, validate_kernel_user
from gdlab.grading.sandbox import NO_SANDBOX_WARNING, find_sandbox
from gdlab.grading.probe import ProbeError, case_spec, make_probe, new_nonce, read_outcomes

__all__ = ["GradeOptions", "ExerciseGrade", "SubmissionGrade", "Grader",
           "GRADED", "MISFILED", "MEMORY_LIMIT",
           "NOTEBOOK_TIMEOUT", "KERNEL_DIED", "KERNEL_START_FAILED", "GRADER_ERROR",
           "PASSED", "FAILED", "NOT_ATTEMPTED", "TIMED_OUT", "EX_KERNEL_DIED",
           "NOT_VERIFIED", "TAMPERED", "NOT_RUN", "EX_GRADER_ERROR", "SYNTAX_ERROR"]

# Submission (row) statuses besides the invalid-file ones of assemble.py.
GRADED = "graded"
NOTEBOOK_TIMEOUT = "notebook timeout"
KERNEL_DIED = "kernel died"
KERNEL_START_FAILED = "kernel failed to start"
GRADER_ERROR = "grader error"
MEMORY_LIMIT = "memory limit"
MISFILED = "filed under the wrong assignment"   # set by batch.mark_misfiled

# Exercise statuses: the first three come from gdlab.checks.evaluate.
PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
TIMED_OUT = "timed out"
EX_KERNEL_DIED = "kernel died"
NOT_VERIFIED = "not verified"
TAMPERED = "tampered"
NOT_RUN = "not run"
#: a written answer (nbgrader: a markdown cell with grade + solution) that a person marks
NEEDS_MANUAL = "needs manual grading"
EX_GRADER_ERROR = "grader error"
SYNTAX_ERROR = "syntax error"

# Decoding and judging a result, and the integrity scan of a cell, run in a worker thread
# (never in the event loop that times every kernel's cells) and are abandoned after this
# long. The budgets (encode.RESULT_BUDGET, integrity.MAX_SCAN_CHARS) keep each of them to
# well under a second; the limit is for what they did not foresee.
ANALYSIS_SECONDS = 30.0

# Stream text kept per ordinary cell (only error notes are shown from it) and per probe
# (the probe's result block must fit: each result is capped at 2 MB by the probe itself).
CELL_OUTPUT_CAP = 64 * 1024
PROBE_OUTPUT_CAP = 32 * 1024 * 1024


@dataclass
class GradeOptions:
    """Limits for one grading run (seconds, megabytes)."""

    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    memory_mb: int = 4096
    jobs: int = 0                 # 0 = number of CPUs
    max_restarts: int = 3
    # Who kernels run as: "auto" (own unprivileged uid per kernel when root, else the
    # grader's user with a warning), "none", or a user name / uid (see isolation.py).
    kernel_user: str = "auto"
    # Run every submission in a bubblewrap sandbox (sandbox.py). False = --no-sandbox:
    # graded anyway, with a warning, and every row says "sandbox: none".
    sandbox: bool = True
    # With sandbox=False: the platform already isolates each submission (Gradescope's
    # container per submission), so no warning, and every row says "sandbox: container".
    container: bool = False
    # Seed of the hidden cases (drawn at grading time, never in the sandbox). None: the
    # Grader uses no hidden cases, grade_submissions takes the output folder's seed.
    hidden_seed: int = None
    # One budget for all of a submission's processes together (budget.py): MB and tasks.
    memory_budget_mb: int = 2048
    max_procs: int = 128

    def __post_init__(self):
        for name in ("cell_timeout", "notebook_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                    not value > 0:
                raise ValueError(f"Invalid {name}: {value!r} (must be a number of seconds "
                                 "> 0)")
        for name, low in (("memory_mb", 0), ("jobs", 0), ("max_restarts", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"Invalid {name}: {value!r} (must be an integer >= {low})")
        self.kernel_user = validate_kernel_user(self.kernel_user)
        Budget(self.memory_budget_mb, self.max_procs)  # ValueError naming a bad one
        if 0 < self.memory_mb < 256:
            raise ValueError(f"Invalid memory_mb: {self.memory_mb} (a kernel needs at least "
                             "256 MB; use 0 for no limit)")

    @property
    def n_jobs(self):
        return self.jobs or os.cpu_count() or 1


@dataclass
class ExerciseGrade:
    points: float
    max_points: float
    status: str
    message: str
    finding: str = ""          # the judge's code for what the message explains
    mistakes: list = field(default_factory=list)  # names of known mistakes found
    # Integrity (integrity.py): sentences for a human to look at, never a penalty, and
    # the normalised solution cell's hash that copies are found by.
    flags: list = field(default_factory=list)
    fingerprint: str = ""
    manual: bool = False       # graded by a person: not in score or max_score
    answer: str = ""           # the written answer of a manual exercise, for reading


@dataclass
class SubmissionGrade:
    """The grade of one submission file (one row of grades.csv)."""

    name: str
    path: str
    sha256: str
    status: str
    message: str = ""
    lesson: str = ""
    lesson_file: str = ""
    lesson_sha256: str = ""
    exercises: dict = field(default_factory=dict)  # grade_id -> ExerciseGrade
    seconds: float = 0.0
    sandbox: str = "bubblewrap"   # or "none" (--no-sandbox), "container" (Gradescope)

    @property
    def score(self):
        return round(sum(e.points for e in self.exercises.values()), 2)

    @property
    def max_score(self):
        if not self.lesson:
            return None
        return round(sum(e.max_points for e in self.exercises.values() if not e.manual), 2)

    def to_json(self):
        data = asdict(self)
        data["score"] = self.score
        data["max_score"] = self.max_score
        data["seconds"] = round(self.seconds, 2)
        return data

    @classmethod
    def from_json(cls, data):
        known = {f.name for f in fields(ExerciseGrade)}  # older/newer files: keep what we know
        exercises = {gid: ExerciseGrade(**{k: v for k, v in e.items() if k in known})
                     for gid, e in data.get("exercises", {}).items()}
        keys = ("name", "path", "sha256", "status", "message", "lesson", "lesson_file",
                "lesson_sha256", "seconds", "sandbox")
        return cls(exercises=exercises, **{k: data[k] for k in keys if k in data})


def _points_text(p):
    return f"{p:g} point" if p == 1 else f"{p:g} points"


class _Prepared:
    """An exercise ready to probe: the Exercise and its visible cases (built once)."""

    def __init__(self, gid, points):
        self.gid = gid
        self.error = None
        try:
            self.exercise = get_exercise(gid)
            self.max_points = float(self.exercise.points)
            self.cases = self.exercise.make_cases()
            case_spec(self.exercise, self.cases)  # fail here if a case cannot be sent
        except Exception as err:
            self.exercise, self.cases = None, None
            self.max_points = float(points)
            self.error = f"{type(err).__name__}: {err}"

    def cases_for(self, hidden_seed, submission_sha):
        """Visible cases plus hidden ones drawn for this submission's content: a re-run
        on the same file draws the same ones, a changed file new ones (so answers copied
        from a feedback page are no use in a resubmission)."""
        if hidden_seed is None:
            return list(self.cases)
        digest = hashlib.sha256(f"{hidden_seed}:{submission_sha}:{self.gid}".encode())
        seed = int.from_bytes(digest.digest()[:8], "little")
        return list(self.cases) + self.exercise.hidden_cases(seed)


class Grader:
    """Grades submissions against the lessons read once at construction.

    lessons: dict "NN" -> Lesson (see ``assemble.load_lessons``). Exercises of every lesson
    are looked up and their cases encoded here, before any learner code runs, so nothing a
    submission does to files on disk changes how later submissions are judged.
    """

    def __init__(self, lessons, options=None):
        self.lessons = lessons
        self.options = options or GradeOptions()
        self.prepared = {}
        for lesson in lessons.values():
            for gid in lesson.check_ids:
                self.prepared[gid] = _Prepared(gid, lesson.check_points.get(gid, 0.0))
        # Raises sandbox.SandboxUnavailable (saying why and how to get one) before anything
        # is graded, unless the instructor chose --no-sandbox.
        if self.options.sandbox:
            self.sandbox = find_sandbox()
        else:
            self.sandbox = None
            if not self.options.container:
                _warn_once(NO_SANDBOX_WARNING)
        # Chosen (and, for the watchdog, warned about) once, before anything is graded.
        self.budget_mechanism = choose_mechanism().name
        # One identity per concurrent kernel slot (None: kernels run as the grader's user).
        self.kernel_users = resolve_kernel_users(self.options.kernel_user,
                                                 self.options.n_jobs,
                                                 sandboxed=self.sandbox is not None)

    # ------------------------------------------------------------------ one submission

    async def grade(self, path, name, slot=0):
        """Grade one file; never raises (grader failures become status "grader error").
        ``slot`` picks the kernel user (``kernel_users[slot]``) when kernels are isolated;
        two submissions graded at the same time must use different slots."""
        started = time.monotonic()
        try:
            user = None if self.kernel_users is None else self.kernel_users[slot]
            grade = await self._grade(path, name, user)
        except Exception as err:
            # The traceback is for the instructor (stderr), never for the feedback page:
            # it names the grader's files and folders.
            sys.stderr.write(f"gdlab grade: the grader failed on {name}:\n"
                             + "".join(traceback.format_exception(err))[-4000:])
            grade = SubmissionGrade(name, str(path), _sha_or_empty(path), GRADER_ERROR,
                                    f"The grader failed on this submission "
                                    f"({type(err).__name__}). Please report this to the "
                                    "course staff.")
        grade.seconds = time.monotonic() - started
        grade.sandbox = ("bubblewrap" if self.sandbox is not None
                         else "container" if self.options.container else "none")
        return grade

    async def _grade(self, path, name, user):
        try:
            sub = read_submission(path, name)
        except InvalidSubmission as err:
            return SubmissionGrade(name, str(path), _sha_or_empty(path), err.status,
                                   err.message)
        lesson = identify_lesson(sub, self.lessons)
        if lesson is None:
            known = ", ".join(sorted(self.lessons)) or "none"
            return SubmissionGrade(
                name, str(path), sub.sha256, UNKNOWN_LESSON,
                "Could not tell which lesson this notebook belongs to (no gdlab.lesson "
                f"metadata, no known exercise ids, no lesson number in the file name). "
                f"Known lessons: {known}.")
        foreign = foreign_answers(sub, lesson)
        if foreign:
            shown = ", ".join(a.removesuffix("-solution") for a in foreign[:4])
            more = f" and {len(foreign) - 4} more" if len(foreign) > 4 else ""
            wanted = ", ".join(lesson.check_ids) or "none"
            return SubmissionGrade(
                name, str(path), sub.sha256, OTHER_RELEASE,
                f"Not graded: this notebook answers exercises {shown}{more}, and none of them "
                f"is in lesson {lesson.lesson} ({lesson.name}) as released now, whose "
                f"exercises are {wanted}. It was probably downloaded from another release of "
                "the course (lessons renumbered or exercises renamed). Copy the answers into "
                "the current lesson notebook and hand that in; nothing here was scored.",
                lesson.lesson, lesson.name, lesson.sha256)
        grade = SubmissionGrade(name, str(path), sub.sha256, GRADED,
                                lesson_note(sub, lesson), lesson.lesson, lesson.name,
                                lesson.sha256)
        steps = assemble(lesson, sub)
        syntax = {}   # solution grade_id -> (line, message) when the cell does not parse
        for gid in lesson.check_ids:  # every exercise gets a row, even if never reached
            prep = self.prepared[gid]
            grade.exercises[gid] = ExerciseGrade(0.0, prep.max_points, NOT_RUN,
                                                 f"{gid}: not checked.")
            source = sub.solutions.get(f"{gid}-solution")
            if source is not None and source != lesson.stub(f"{gid}-solution"):
                try:
                    flags, fp, error = await _off_loop(analyse, source)
                except asyncio.TimeoutError:
                    flags, fp, error = [f"{TOO_LARGE} (the scan took longer than "
                                        f"{ANALYSIS_SECONDS:g} s)"], "", None
                grade.exercises[gid].flags, grade.exercises[gid].fingerprint = flags, fp
                if error is not None:
                    syntax[f"{gid}-solution"] = error
        for gid, points in lesson.manual_points.items():
            text = sub.answers.get(gid, "")
            stub = next((_source(c) for c in lesson.cells if _grade_id(c) == gid), "")
            done = bool(text.strip()) and text.strip() != stub.strip()
            grade.exercises[gid] = ExerciseGrade(
                0.0, points, NEEDS_MANUAL if done else NOT_ATTEMPTED,
                f"{gid}: a written answer, marked by a person (not by this grader)." if done
                else f"{gid}: not attempted: the answer cell still holds the stub.",
                manual=True, answer=text if done else "")
        await self._run(steps, sub, lesson, grade, user, syntax)
        return grade

    async def _run(self, steps, sub, lesson, grade, user, syntax=None):
        opts = self.options
        session = KernelSession(memory_mb=opts.memory_mb, output_cap=CELL_OUTPUT_CAP,
                                kernel_user=user, sandbox=self.sandbox,
                                cpu_seconds=int(opts.notebook_timeout) + 60,
                                budget=Budget(opts.memory_budget_mb, opts.max_procs))
        try:
            try:
                await session.start()
            except KernelStartError as err:
                grade.status = KERNEL_START_FAILED
                grade.message = f"The notebook could not be run: {err}."
                self._mark_rest(grade, steps, 0, grade.message)
                return
            deadline = time.monotonic() + opts.notebook_timeout
            replayable = []           # steps that ran without killing or hanging the kernel
            notes = {}                # solution grade_id -> note about how its cell ran
            cells = {"syntax": syntax or {}}  # solution grade_id -> its cell's CellRun
            restarts = 0
            for index, step in enumerate(steps):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    grade.status = NOTEBOOK_TIMEOUT
                    grade.message = (f"The notebook took longer than {opts.notebook_timeout:g} s "
                                     "in total; grading stopped there.")
                    self._mark_rest(grade, steps, index, f"Not checked: the notebook took "
                                    f"longer than {opts.notebook_timeout:g} s in total, so "
                                    "grading stopped before this exercise.")
                    return
                limit = min(opts.cell_timeout, remaining)
                if step.kind == "probe":
                    run = await self._probe(session, step, sub, lesson, grade, notes, limit,
                                            cells)
                else:
                    run = await session.run(step.source, limit)
                    if step.kind == "solution":
                        notes[step.grade_id] = _cell_note(run, opts.cell_timeout)
                        cells[step.grade_id] = run
                    if run.status not in (DIED, TIMEOUT):
                        replayable.append(step)
                if self._over_budget(session, grade, steps, index):
                    return
                if run is None or not (run.status == DIED or run.hung):
                    continue
                # The kernel is gone or stuck: start a new one and rebuild the state.
                restarts += 1
                if restarts > opts.max_restarts or time.monotonic() >= deadline:
                    grade.status = KERNEL_DIED
                    grade.message = (f"The kernel died or hung {restarts} times; the rest of "
                                     "the notebook was not run.")
                    self._mark_rest(grade, steps, index + 1, "Not checked: the kernel died "
                                    "too often, so the rest of the notebook was not run.")
                    return
                if not await self._restart_and_replay(session, replayable, deadline):
                    if self._over_budget(session, grade, steps, index):
                        return
                    grade.status = KERNEL_DIED
                    grade.message = ("The kernel died again while the earlier cells were "
                                     "replayed; the rest of the notebook was not run.")
                    self._mark_rest(grade, steps, index + 1, "Not checked: the kernel could "
                                    "not be restarted with the earlier cells.")
                    return
        finally:
            await session.close()

    async def _restart_and_replay(self, session, replayable, deadline):
        try:
            await session.restart()
        except KernelStartError:
            return False
        for step in replayable:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True  # the main loop reports the notebook timeout
            run = await session.run(step.source, min(self.options.cell_timeout, remaining))
            if run.status == DIED or run.hung:
                return False
        return True

    def _over_budget(self, session, grade, steps, index):
        """Stop the run with status "memory limit" once the budget has stopped a process
        (exercises judged so far keep their points); True when it did."""
        reason = session.over_budget()
        if reason is None:
            return False
        opts = self.options
        grade.status = MEMORY_LIMIT
        used = (f"more than their memory budget of {opts.memory_budget_mb} MB"
                if reason == "memory" else f"more than {opts.max_procs} processes")
        grade.message = (f"The notebook's processes used {used} together, so they were "
                         "stopped and grading ended there; exercises checked before keep "
                         "their points.")
        step = steps[index]
        if step.kind == "probe" and grade.exercises[step.grade_id].status == EX_KERNEL_DIED:
            grade.exercises[step.grade_id].message += " The memory budget ran out."
        self._mark_rest(grade, steps, index + 1, f"Not checked: the notebook's processes used "
                        f"{used} before this exercise.")
        return True

    def _mark_rest(self, grade, steps, start, message):
        for step in steps[start:]:
            if step.kind == "probe" and grade.exercises[step.grade_id].status == NOT_RUN:
                grade.exercises[step.grade_id].message = f"{step.grade_id}: {message}"

    async def _probe(self, session, step, sub, lesson, grade, notes, limit, cells=None):
        gid = step.grade_id
        prep = self.prepared[gid]
        mx = prep.max_points

        def set_(status, message, points=0.0):
            old = grade.exercises[gid]
            grade.exercises[gid] = ExerciseGrade(points, mx, status, message,
                                                 flags=old.flags, fingerprint=old.fingerprint)

        if prep.error is not None:
            set_(EX_GRADER_ERROR, f"{gid}: this exercise cannot be checked by the grader "
                                  f"({prep.error}). Please tell the course staff.")
            return None
        sol_id = f"{gid}-solution"
        if sol_id in lesson.solution_ids and sol_id not in sub.solutions:
            set_(NOT_ATTEMPTED, f"{gid}: not attempted: the notebook has no solution cell "
                                f"with grade_id '{sol_id}' (was it deleted or replaced?).")
            return None
        cases = prep.cases_for(self.options.hidden_seed, sub.sha256)
        nonce = new_nonce()
        run = await session.run(make_probe(case_spec(prep.exercise, cases), nonce), limit,
                                output_cap=PROBE_OUTPUT_CAP, store_history=False)
        note = notes.get(sol_id, "")
        if run.status == DIED:
            set_(EX_KERNEL_DIED, f"{gid}: the kernel died while your code was checked (for "
                                 "example os._exit, a crash, or more memory than the limit "
                                 f"of {self.options.memory_mb} MB); no points.{note}")
            return run
        if run.status == TIMEOUT:
            set_(TIMED_OUT, f"{gid}: checking your code took longer than {limit:g} s (an "
                            f"endless loop?), so it was stopped; no points.{note}")
            return run
        try:
            status, message, points, result = await _off_loop(
                _judge, prep, run, nonce, cases, note)
        except asyncio.TimeoutError:
            set_(NOT_VERIFIED, f"{gid}: judging your result took longer than "
                               f"{ANALYSIS_SECONDS:g} s, so it was stopped; no points.{note}")
            return run
        if status == NOT_ATTEMPTED:
            status, message = _unfinished_cell(gid, prep.exercise, (cells or {}).get(sol_id),
                                               (cells or {}).get("syntax", {}).get(sol_id),
                                               self.options.cell_timeout, status, message)
        set_(status, message, points)
        if result is not None and result.forbidden:
            # seen while the code ran: the integrity column says so too
            grade.exercises[gid].flags.append(
                f"calls {', '.join(result.forbidden)} while it runs (what the exercise "
                "asks to write, or a method its text rules out)")
        if result is not None:
            grade.exercises[gid].finding, grade.exercises[gid].mistakes = \
                result.finding, list(result.mistakes)
        return run

    # ------------------------------------------------------------------ many submissions

    async def grade_many(self, items, on_done=None, should_stop=None):
        """Grade ``items`` (pairs (path, name)) with ``options.n_jobs`` kernels at once.

        ``on_done(grade)`` is called as each submission finishes. ``should_stop()``, when
        given, is asked before each submission starts (Ctrl-C): once it says True, the rest
        are left out (None in the result). Returns the grades in the order of ``items``.
        """
        # A free slot is both the concurrency limit and the kernel's user id: two kernels
        # running at once never share a uid, so they cannot signal each other.
        slots = asyncio.Queue()
        for slot in range(self.options.n_jobs):
            slots.put_nowait(slot)

        async def one(path, name):
            slot = await slots.get()
            if should_stop is not None and should_stop():
                slots.put_nowait(slot)
                return None
            try:
                grade = await self.grade(path, name, slot)
            finally:
                slots.put_nowait(slot)
            if on_done is not None:
                on_done(grade)
            return grade

        return await asyncio.gather(*(one(p, n) for p, n in items))


async def _off_loop(func, *args):
    """``func(*args)`` in a worker thread, abandoned (asyncio.TimeoutError) after
    ANALYSIS_SECONDS: the event loop keeps timing the other kernels meanwhile."""
    return await asyncio.wait_for(asyncio.to_thread(func, *args), ANALYSIS_SECONDS)


def _judge(prep, run, nonce, cases, note):
    """Decode and judge a probe's output (in a worker thread): (status, message, points,
    judge Result or None). Every malformed result is "tampered" with its reason."""
    gid = prep.gid
    try:
        outcomes = read_outcomes(run, nonce, len(cases))
    except ProbeError as err:
        if err.tampered:
            return (TAMPERED, f"{gid}: the result of the check was tampered with: {err}; "
                              f"no points.{note}", 0.0, None)
        return (NOT_VERIFIED, f"{gid}: your result could not be verified: {err}; no "
                              f"points.{note}", 0.0, None)
    try:
        result = evaluate(prep.exercise, outcomes, cases, n_visible=len(prep.cases))
    except Exception as err:
        sys.stderr.write(f"gdlab grade: judging {gid} failed:\n"
                         + "".join(traceback.format_exception(err))[-4000:])
        return (EX_GRADER_ERROR, f"{gid}: the grader could not judge this result "
                                 f"({type(err).__name__}); no points. Please tell the course "
                                 "staff.", 0.0, None)
    message = result.message if result.status == PASSED else result.message + note
    return result.status, message, float(result.points), result


def _unfinished_cell(gid, exercise, run, syntax, cell_timeout, status, message):
    """The status and message of an exercise whose target was never defined because its
    solution cell timed out or did not parse ("timed out", "syntax error"); else the
    judge's own."""
    target = f"`{exercise.target}`"
    # The kernel's word decides (IPython accepts magics that Python's parser does not);
    # the grader's own parse of the cell gives the line.
    if run is not None and run.ename in ("SyntaxError", "IndentationError", "TabError"):
        line, what = syntax if syntax is not None else (0, run.evalue[:200])
        where = f" on line {line}" if line else ""
        return SYNTAX_ERROR, (f"{gid}: your solution cell has a syntax error{where} "
                              f"({what}), so none of it ran and {target} was never defined; "
                              "no points. Fix that line and run the cell again.")
    if run is not None and run.status == TIMEOUT:
        return TIMED_OUT, (f"{gid}: your solution cell ran longer than {cell_timeout:g} s "
                           f"and was stopped before {target} was defined (an endless loop "
                           "at the top level of the cell?); no points. Make the cell "
                           "finish, then check it again.")
    return status, message


def _cell_note(run, cell_timeout):
    if run.status == ERROR:
        return (f"\nNote: running your solution cell raised {run.ename}: "
                f"{run.evalue[:300]}")
    if run.status == TIMEOUT:
        return (f"\nNote: your solution cell ran longer than {cell_timeout:g} s and was "
                "stopped.")
    if run.status == DIED:
        return "\nNote: the kernel died while your solution cell ran."
    return ""


def _sha_or_empty(path):
    import hashlib
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return ""
