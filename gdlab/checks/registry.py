"""Exercise declarations: ``exercise(...)``, ``Case``, ``Ref``, ``Mistake`` and the registry.

Each lesson declares its exercises in ``gdlab/checks/lessonNN.py``; that module is imported
the first time an id starting with ``"NN-"`` is looked up, so a notebook only pays for the
lesson it uses.
"""
import copy
import importlib
import pkgutil
import re
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np

from gdlab.checks.compare import RETURNS, valid_returns
from gdlab.checks.forbid import Forbid

__all__ = ["Case", "Ref", "Mistake", "Exercise", "Forbid", "exercise", "get_exercise", "exercises",
           "available_lessons", "normalize_lesson"]

KINDS = ("function", "value")
_ID_RE = re.compile(r"^(\d\d)-[a-z0-9][a-z0-9-]*$")

_REGISTRY = {}        # id -> Exercise, in registration order
# Ids that a previous release used, and the exercise each one is now. Lesson 09 was split
# in two (Newton's method and gradient-free search became lesson 10), so the capstone became
# lesson 11. A learner's notebook from before the split has locked check cells with the old
# ids; they keep working, with a warning, instead of failing with "unknown exercise".
_RENAMED = {"09-newton-step": "10-newton-step", "10-r2": "11-r2", "10-epochs": "11-epochs",
            "10-paired": "11-paired", "10-config": "11-config"}
_LOADED_LESSONS = set()


class Ref:
    """An argument given as a Python expression, evaluated where the case runs.

    The expression sees ``np`` (numpy) and ``gdlab``; ``gdlab.<module>`` names used in it
    are imported first. Example: ``Ref("gdlab.objectives.rosenbrock()")``.
    """

    __slots__ = ("expr",)

    def __init__(self, expr):
        if not isinstance(expr, str) or not expr.strip():
            raise TypeError(f"Ref needs a non-empty Python expression string, got {expr!r}")
        compile(expr, "<Ref>", "eval")  # a typo should fail at declaration time
        self.expr = expr

    def resolve(self):
        from gdlab.checks.runner import resolve_ref
        return resolve_ref(self.expr)

    def __repr__(self):
        return self.expr


def resolve(obj):
    """A fresh, private copy of a case argument with every Ref evaluated."""
    if isinstance(obj, Ref):
        return obj.resolve()
    if isinstance(obj, list):
        return [resolve(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(resolve(v) for v in obj)
    if isinstance(obj, dict):
        return {k: resolve(v) for k, v in obj.items()}
    return copy.deepcopy(obj)


class Case:
    """One call of the learner's function: ``Case(*args, meta=None, **kwargs)``.

    ``meta`` is not passed to the function; it gives facts to the mistake detection, e.g.
    ``meta={"m": 50}`` (number of samples) lets a check recognise a sum instead of a mean.
    """

    __slots__ = ("args", "kwargs", "meta")

    def __init__(self, *args, meta=None, **kwargs):
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f"Case meta must be a dict, got {type(meta).__name__}")
        self.args = args
        self.kwargs = kwargs
        self.meta = dict(meta or {})

    def resolved(self):
        """Fresh (args, kwargs) ready to pass: deep copies with Refs evaluated."""
        return resolve(list(self.args)), {k: resolve(v) for k, v in self.kwargs.items()}

    def __repr__(self):
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"Case({', '.join(parts)})"


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: ``func`` takes the case's arguments and returns what a learner
    who made this mistake would return; when the learner's result matches it, ``message``
    is shown instead of the generic "wrong values".

    ``wrong_rule=True`` marks a mistake in the rule itself (an off-by-one in a loop, a
    fixed value where a search is asked for) that happens to agree with the right answer
    on some inputs: once it explains a case, the cases it agrees on earn nothing either,
    so its credit is no higher than that of a wrong formula."""

    name: str
    func: object
    message: str
    wrong_rule: bool = False

    def __post_init__(self):
        if not callable(self.func):
            raise TypeError(f"Mistake {self.name!r}: func must be callable, got {self.func!r}")
        if not isinstance(self.message, str) or not self.message:
            raise TypeError(f"Mistake {self.name!r}: message must be a non-empty string")


@dataclass(frozen=True)
class Exercise:
    """A registered exercise (see :func:`exercise` for the meaning of the fields)."""

    id: str
    lesson: str
    title: str
    target: str
    kind: str
    points: float
    cases: object
    reference: object
    rtol: float = 1e-6
    atol: float = 1e-9
    returns: str = "any"
    mistakes: tuple = ()
    compare: object = None
    hints: tuple = ()
    module: str = field(default="", compare=False)
    hidden: object = "auto"
    reveal: object = None
    forbids: tuple = ()

    @property
    def seed(self):
        """Cases are drawn from a generator seeded by the id, so the kernel and the grader
        build exactly the same cases."""
        return zlib.crc32(self.id.encode())

    def make_cases(self):
        """A fresh list of Case objects (new arrays every call)."""
        if callable(self.cases):
            made = self.cases(np.random.default_rng(self.seed))
        else:
            made = copy.deepcopy(list(self.cases))
        made = list(made)
        if not made:
            raise ValueError(f"Exercise {self.id} has no cases")
        for i, c in enumerate(made):
            if not isinstance(c, Case):
                raise TypeError(f"Exercise {self.id}: case {i} is {c!r}, expected a Case(...)")
        if self.kind == "value" and (len(made) != 1 or made[0].args or made[0].kwargs):
            raise ValueError(f"Exercise {self.id} is a value exercise: use cases=[Case()]")
        return made

    def hidden_cases(self, seed):
        """Extra cases the batch grader draws at grading time (never shown in a lesson).

        ``hidden`` decides: a function rng -> list of Case; "auto" (the default) draws the
        exercise's own case generator again with ``seed``, or, for a fixed list, scales
        every float input of every case (see :func:`perturb`); None: no hidden cases
        (value exercises never have any). Cases on which the reference fails or gives
        non-finite numbers are dropped, so a hidden case is always one with an answer.
        """
        if self.kind == "value" or self.hidden is None:
            return []
        rng = np.random.default_rng(seed)
        if callable(self.hidden):
            made = list(self.hidden(rng))
        elif callable(self.cases):
            made = list(self.cases(rng))
        else:
            made = [c for c in (perturb(c, rng) for c in self.make_cases()) if c is not None]
        return [c for c in made if isinstance(c, Case) and self._answerable(c)]

    def _answerable(self, case):
        try:
            with np.errstate(all="ignore"):
                value = self.call_with(self.reference, case)
        except Exception:
            return False
        try:
            arr = np.asarray(value, dtype=float) if not isinstance(value, (list, tuple)) \
                else np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in value]
                                    or [np.zeros(0)])
        except (TypeError, ValueError):
            # Not numbers (a dict, a string): the reference answered, that is enough.
            # Dropping such cases silently took every hidden case of 11-config away.
            return True
        return bool(np.all(np.isfinite(arr)))

    def call_with(self, func, case):
        """Call an author function (reference or mistake) on fresh copies of the case."""
        if self.kind == "value":
            return func()
        args, kwargs = case.resolved()
        return func(*args, **kwargs)


def _perturb_value(value, factor):
    """Scale a float (or float array) input so that its sign and, for values strictly
    between 0 and 1 (rates, betas, probabilities), that range are kept."""
    if isinstance(value, float) and not isinstance(value, bool):
        if 0.0 < value < 1.0:
            return float(value ** factor)
        return float(value * factor)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size:
        if np.all((value > 0) & (value < 1)):
            return value ** factor
        return value * factor
    return value


def perturb(case, rng):
    """A new Case with every float input scaled by one random factor in [0.8, 1.25]
    (one factor per argument, so arrays keep their structure: symmetry, definiteness,
    ordering). Returns None when the case has no float input to change."""
    changed = False
    args, kwargs = [], {}

    def one(value):
        nonlocal changed
        factor = float(np.exp(rng.uniform(np.log(0.8), np.log(1.25))))
        new = _perturb_value(value, factor)
        if new is not value:
            changed = True
        return new

    args = [one(copy.deepcopy(a)) for a in case.args]
    kwargs = {k: one(copy.deepcopy(v)) for k, v in case.kwargs.items()}
    if not changed:
        return None
    return Case(*args, meta=dict(case.meta), **kwargs)


def normalize_lesson(lesson):
    """``1``, ``"1"`` or ``"01"`` -> ``"01"``."""
    if isinstance(lesson, bool) or not isinstance(lesson, (int, str)):
        raise TypeError(f"lesson must be a number like 3 or a string like '03', got {lesson!r}")
    text = str(lesson).strip()
    if not text.isdigit() or not 0 <= int(text) <= 99:
        raise ValueError(f"Invalid lesson: {lesson!r}; use a number from 0 to 99 like '03'")
    return f"{int(text):02d}"


def _number(name, value, ex_id, minimum=0.0, strict=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"Exercise {ex_id}: {name} must be a number, got {value!r}")
    if not np.isfinite(value) or value < minimum or (strict and value == minimum):
        bound = f"> {minimum}" if strict else f">= {minimum}"
        raise ValueError(f"Exercise {ex_id}: invalid {name}: {value!r} (must be {bound})")
    return value


def exercise(*, id, lesson, title, target, points, reference, cases=None, kind="function",
             rtol=1e-6, atol=1e-9, returns="any", mistakes=(), compare=None, hints=(),
             hidden="auto", reveal=None, forbids=()):
    """Declare (register) an exercise and return it.

    id: "NN-short-name", NN equal to ``lesson``. target: the name the solution cell defines
    (a function for kind="function", a variable for kind="value"). cases: list of
    :class:`Case` or ``cases(rng) -> list``; value exercises use ``[Case()]`` (the default).
    reference(*case.args, **case.kwargs) gives the expected result (no args for values).
    A result passes when ``|got - expected| <= atol + rtol * |expected|`` everywhere.
    returns: "array" | "float" | "tuple" | "list" | "any", the type a correct answer has
    ("list": a list of arrays, possibly of different shapes, compared element by element),
    or for a tuple result the kind of each part, e.g. ``("array", "float")``. Where the
    text asks for a numpy array, say "array": a list there fails with "is a Python list",
    also when ``compare`` is given (the judge checks the types before calling it).
    compare(got, expected, case) -> None | message replaces the numeric comparison.
    hints: progressively stronger hints, shown one per ``hint(id)`` call.
    hidden: the grader's extra cases, drawn at grading time: "auto", None or a function
    rng -> list of Case (see :meth:`Exercise.hidden_cases`).
    reveal: what a pass confirms (the measured value, the reason behind the right option),
    a string or a function () -> string; ``check()`` prints it after a pass, so the lesson's
    text around the exercise need not give the answer away.
    forbids: what the answer must not call while it runs: :class:`Forbid` objects, or
    dotted names (each one a ``Forbid(name)``: gdlab's own implementation of what the
    exercise asks for, which scores 0 when called; see ``gdlab.checks.forbid``).
    Re-declaring an id from the same module (re-import) replaces it.
    """
    m = _ID_RE.match(id) if isinstance(id, str) else None
    if m is None:
        raise ValueError(f"Invalid exercise id: {id!r}; use 'NN-short-name' "
                         "(two-digit lesson, lowercase letters, digits and dashes)")
    lesson = normalize_lesson(lesson)
    if m.group(1) != lesson:
        raise ValueError(f"Exercise id {id!r} does not start with its lesson {lesson!r}")
    if kind not in KINDS:
        raise ValueError(f"Exercise {id}: invalid kind {kind!r}; valid: {', '.join(KINDS)}")
    if isinstance(returns, list):
        returns = tuple(returns)
    if not valid_returns(returns):
        raise ValueError(f"Exercise {id}: invalid returns {returns!r}; "
                         f"valid: {', '.join(RETURNS)}, or a tuple of them, one per part "
                         "of a tuple result")
    if not isinstance(target, str) or not target.isidentifier():
        raise ValueError(f"Exercise {id}: target must be a Python name, got {target!r}")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"Exercise {id}: title must be a non-empty string, got {title!r}")
    _number("points", points, id, strict=True)
    _number("rtol", rtol, id)
    _number("atol", atol, id)
    if not callable(reference):
        raise TypeError(f"Exercise {id}: reference must be callable, got {reference!r}")
    if compare is not None and not callable(compare):
        raise TypeError(f"Exercise {id}: compare must be callable or None, got {compare!r}")
    if cases is None:
        if kind != "value":
            raise ValueError(f"Exercise {id}: a function exercise needs cases=[Case(...), ...]")
        cases = [Case()]
    if not callable(cases) and not isinstance(cases, (list, tuple)):
        raise TypeError(f"Exercise {id}: cases must be a list of Case or a function "
                        f"rng -> list, got {type(cases).__name__}")
    mistakes = tuple(mistakes)
    for mk in mistakes:
        if not isinstance(mk, Mistake):
            raise TypeError(f"Exercise {id}: mistakes must be Mistake(...) objects, got {mk!r}")
    if not (hidden is None or hidden == "auto" or callable(hidden)):
        raise ValueError(f"Exercise {id}: invalid hidden {hidden!r}; use 'auto', None or a "
                         "function rng -> list of Case")
    if isinstance(hints, str):
        raise TypeError(f"Exercise {id}: hints must be a list of strings, not one string")
    hints = tuple(hints)
    for h in hints:
        if not isinstance(h, str) or not h.strip():
            raise TypeError(f"Exercise {id}: every hint must be a non-empty string, got {h!r}")

    if not (reveal is None or callable(reveal) or (isinstance(reveal, str) and reveal.strip())):
        raise TypeError(f"Exercise {id}: reveal must be None, a non-empty string or a "
                        f"function () -> string, got {reveal!r}")

    if isinstance(forbids, (str, Forbid)):
        forbids = [forbids]
    forbids = tuple(Forbid(f) if isinstance(f, str) else f for f in forbids)
    for f in forbids:
        if not isinstance(f, Forbid):
            raise TypeError(f"Exercise {id}: forbids must hold Forbid(...) or dotted names, "
                            f"got {f!r}")

    module = _declaring_module()
    ex = Exercise(id=id, lesson=lesson, title=title.strip(), target=target, kind=kind,
                  points=points, cases=cases, reference=reference, rtol=float(rtol),
                  atol=float(atol), returns=returns, mistakes=mistakes, compare=compare,
                  hints=hints, module=module, hidden=hidden, reveal=reveal,
                  forbids=forbids)
    old = _REGISTRY.get(id)
    if old is not None and old.module != module:
        raise ValueError(f"Exercise id {id!r} is already declared in {old.module}")
    ex.make_cases()  # fail at declaration, not in a learner's notebook
    _REGISTRY[id] = ex
    return ex


def _declaring_module():
    import sys
    frame = sys._getframe(2)
    return frame.f_globals.get("__name__", "")


def _load_lesson(lesson):
    if lesson in _LOADED_LESSONS:
        return
    name = f"gdlab.checks.lesson{lesson}"
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name != name:  # the lesson file exists but imports something missing
            raise
    _LOADED_LESSONS.add(lesson)


def available_lessons():
    """Lessons that have a gdlab/checks/lessonNN.py file."""
    from gdlab import checks
    found = []
    for info in pkgutil.iter_modules(checks.__path__):
        m = re.fullmatch(r"lesson(\d\d)", info.name)
        if m:
            found.append(m.group(1))
    return sorted(found)


def _renamed(old_id):
    new_id = _RENAMED[old_id]
    warnings.warn(f"Exercise {old_id!r} is called {new_id!r} since lesson 09 was split in two "
                  f"(the capstone is now lesson 11). This notebook comes from an older release: "
                  f"its checks still work, but hand in the current lesson "
                  f"{new_id[:2]} notebook (the grader looks for {new_id!r}).",
                  UserWarning, stacklevel=4)   # points at the learner's check()/hint() line
    return get_exercise(new_id)


def get_exercise(exercise_id):
    """The Exercise registered under ``exercise_id`` (loading its lesson file on demand)."""
    if not isinstance(exercise_id, str):
        raise TypeError(f"Exercise id must be a string like '01-derivative', "
                        f"got {exercise_id!r}")
    m = _ID_RE.match(exercise_id.strip())
    if m is None:
        raise ValueError(f"Invalid exercise id: {exercise_id!r}; ids look like "
                         "'01-derivative' (two-digit lesson number, dash, name)")
    exercise_id = exercise_id.strip()
    _load_lesson(m.group(1))
    if exercise_id not in _REGISTRY and exercise_id in _RENAMED:
        return _renamed(exercise_id)
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        known = [e.id for e in _REGISTRY.values() if e.lesson == m.group(1)]
        import difflib
        close = difflib.get_close_matches(exercise_id, known, n=1)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        listing = ", ".join(known) if known else "none"
        raise ValueError(f"Unknown exercise {exercise_id!r}.{suggestion} "
                         f"Exercises of lesson {m.group(1)}: {listing}") from None


def choice_exercise(*, id, lesson, title, target, points, right, wrong, what, hints,
                    reveal=None):
    """An exercise whose answer is one letter among stated options: ``target()`` returns
    it (case and surrounding spaces ignored). ``right`` is the right letter; ``wrong``
    maps every other letter to the message that says why it is wrong; ``what`` names the
    right option in the reply to another letter ("the explanation that fits ...").
    ``reveal``: as in :func:`exercise`, printed after a pass (why the right letter is right)."""
    letters = sorted({right, *wrong})

    def judge(got, expected, case):
        if not isinstance(got, str) or got.strip().upper() not in letters:
            options = ", ".join(f"'{x}'" for x in letters[:-1]) + f" or '{letters[-1]}'"
            return (f"{target}() must return one of the letters {options}, but it "
                    f"returned {got!r}.")
        return None if got.strip().upper() == expected else \
            f"{got.strip().upper()} is not {what}."

    return exercise(
        id=id, lesson=lesson, title=title, target=target, kind="function", points=points,
        cases=[Case()], reference=lambda: right, returns="any", compare=judge, hidden=None,
        mistakes=[Mistake(letter, (lambda letter=letter: letter), message)
                  for letter, message in wrong.items()],
        hints=hints, reveal=reveal)


def exercises(lesson=None):
    """Registered exercises of one lesson (or of every lesson), in declaration order."""
    if lesson is None:
        for les in available_lessons():
            _load_lesson(les)
        return list(_REGISTRY.values())
    lesson = normalize_lesson(lesson)
    _load_lesson(lesson)
    return [e for e in _REGISTRY.values() if e.lesson == lesson]
