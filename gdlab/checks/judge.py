"""Run a learner's target on an exercise's cases, and turn what happened into points.

The work is split in two so that the batch grader can run the first half inside the
learner's kernel and the second half in its own process:

1. :func:`run_cases` (kernel side) calls the target on fresh copies of every case and
   records an :class:`Outcome` per case: the returned value, or the exception, and which
   inputs the call modified in place. :func:`probe` does this and returns JSON text.
2. :func:`evaluate` (judge side) takes those outcomes (after :func:`decode_probe`), computes
   the reference results itself and returns a :class:`Result`.

The in-notebook ``check()`` runs both halves, with the JSON round trip in between, so a
learner sees exactly the verdict the grader will compute.

Points are ``points * passed_cases / n_cases``, rounded to 2 decimals.
"""
import json
import warnings
from dataclasses import dataclass, field

import numpy as np

from gdlab.checks.compare import Finding, array_type_finding, diagnose, fmt_value
from gdlab.checks.encode import from_jsonable, to_jsonable
from gdlab.checks.registry import Exercise, Ref, get_exercise
from gdlab.checks import forbid, runner

__all__ = ["Outcome", "Result", "run_cases", "probe", "decode_probe", "evaluate",
           "call_text", "with_call"]

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
STATUSES = (PASSED, FAILED, NOT_ATTEMPTED)


@dataclass
class Outcome:
    """What one call of the learner's target did.

    status: "returned" (``value`` holds the result), "raised" (``error_type`` and
    ``error_message``), "not_implemented" (it raised NotImplementedError) or
    "not_callable" (the target is not a function; ``error_type`` names its type) or
    "interrupted" (it raised KeyboardInterrupt; the grader scores that as tampered).
    mutated: names of the arguments the call changed in place.
    error_line: for "raised", ``(line number, line text)`` in the learner's cell where the
    exception happened (see ``gdlab.checks.traceback_line``), or None when unknown.
    entered: ``"module:qualname"`` of each function of the exercise's watched modules that
    the call entered (see ``runner.watched``; judged against the exercise's ``forbids``).
    """

    status: str
    value: object = None
    error_type: str = ""
    error_message: str = ""
    mutated: tuple = ()
    error_line: object = None
    entered: tuple = ()

    def to_jsonable(self):
        data = {"status": self.status, "value": to_jsonable(self.value),
                "error_type": self.error_type, "error_message": self.error_message,
                "mutated": list(self.mutated)}
        if self.error_line is not None:  # absent when unknown, as older probes send it
            data["error_line"] = list(self.error_line)
        if self.entered:
            data["entered"] = list(self.entered)
        return data

    @classmethod
    def from_jsonable(cls, data):
        if not isinstance(data, dict) or data.get("status") not in (
                "returned", "raised", "not_implemented", "not_callable", "interrupted"):
            raise ValueError(f"Not an encoded Outcome: {data!r}")
        return cls(status=data["status"], value=from_jsonable(data.get("value")),
                   error_type=str(data.get("error_type", "")),
                   error_message=str(data.get("error_message", "")),
                   mutated=tuple(str(m) for m in data.get("mutated", ())),
                   error_line=_decode_error_line(data.get("error_line")),
                   entered=_decode_entered(data.get("entered")))


def _decode_entered(data):
    """The entered names as a tuple of short strings (malformed entries are dropped; a
    missing list is an older probe's, or a call that entered nothing watched)."""
    if not isinstance(data, list):
        return ()
    return tuple(str(x)[:300] for x in data[:runner.MAX_ENTERED + 1] if isinstance(x, str))


def _decode_error_line(data):
    """``(int, str)`` from its JSON form; anything malformed is dropped (it is a courtesy
    to the learner, never worth failing a grading run for)."""
    if not isinstance(data, (list, tuple)) or len(data) != 2:
        return None
    lineno, text = data
    if isinstance(lineno, bool) or not isinstance(lineno, int) or lineno < 1 \
            or not isinstance(text, str):
        return None
    return lineno, text[:200]


@dataclass
class Result:
    """The verdict on one exercise.

    status is "passed", "failed" or "not attempted"; points = max_points * passed_cases /
    n_cases (2 decimals); message is the learner-facing text (the ✔ line when passed);
    case_messages holds one entry per case (None for a passing case).
    """

    exercise_id: str
    status: str
    points: float
    max_points: float
    passed_cases: int
    n_cases: int
    message: str
    case_messages: tuple = field(default=())
    case_codes: tuple = field(default=())  # Finding code per case (None: passed)
    forbidden: tuple = field(default=())   # what it called of the exercise's forbids

    @property
    def passed(self):
        return self.status == PASSED

    @property
    def finding(self):
        """Code of the finding the message explains ("forbidden:NAME", "mistake:NAME",
        "values", ...; "" if none): a forbidden call first, else the first failing case's."""
        if self.forbidden:
            return f"forbidden:{self.forbidden[0]}"
        return next((c for c in self.case_codes if c is not None), "")

    @property
    def mistakes(self):
        """Names of the exercise's known mistakes found in any case, in case order."""
        return tuple(dict.fromkeys(c[len("mistake:"):] for c in self.case_codes
                                   if c is not None and c.startswith("mistake:")))


# ---------------------------------------------------------------------------- kernel side

def _run_one(func, case, watch):
    args, kwargs = case.resolved()
    out = runner.call(func, args, kwargs, watch)
    out["entered"] = tuple(out["entered"])
    if out["status"] == "interrupted":  # the stop button during check(): stop the check
        raise KeyboardInterrupt
    return Outcome(**out)


_MISSING = object()


def run_cases(exercise, namespace):
    """Outcomes of the exercise's target (looked up in ``namespace``) on every case, or
    ``None`` when the target is not defined there."""
    if isinstance(exercise, str):
        exercise = get_exercise(exercise)
    target = namespace.get(exercise.target, _MISSING)
    if target is _MISSING:
        return None
    cases = exercise.make_cases()
    if exercise.kind == "value":
        return [Outcome("returned", value=target)]
    if not callable(target):
        return [Outcome("not_callable", error_type=type(target).__name__) for _ in cases]
    watch = forbid.watch_modules(exercise)
    return [_run_one(target, case, watch) for case in cases]


def probe(exercise_id, namespace):
    """Kernel side of the grader: run the cases and return the outcomes as JSON text."""
    outcomes = run_cases(exercise_id, namespace)
    data = None if outcomes is None else [o.to_jsonable() for o in outcomes]
    return json.dumps({"outcomes": data}, allow_nan=False, separators=(",", ":"))


def decode_probe(text):
    """Judge side: the outcomes list (or None for "target not defined") from probe text."""
    try:
        data = json.loads(text)
    except (TypeError, json.JSONDecodeError) as err:
        raise ValueError(f"Not gdlab probe output: {err}") from None
    if not isinstance(data, dict) or "outcomes" not in data:
        raise ValueError("Not gdlab probe output: no 'outcomes' key")
    if data["outcomes"] is None:
        return None
    return [Outcome.from_jsonable(o) for o in data["outcomes"]]


# ----------------------------------------------------------------------------- judge side

def _number_text(x):
    text = repr(x.item() if isinstance(x, np.generic) else x)
    return text if len(text) <= 10 else f"{float(x):.6g}"


def _arg_text(value):
    if isinstance(value, Ref):
        return value.expr
    if isinstance(value, np.ndarray):
        if value.size <= 6 and value.ndim == 1 and value.dtype.kind in "biuf":
            return f"np.array([{', '.join(_number_text(v) for v in value)}])"
        if value.ndim == 0 and value.dtype.kind in "biuf":
            return f"np.array({_number_text(value[()])})"
        return f"<array of shape {value.shape}>"
    if isinstance(value, (int, float, np.generic)) and not isinstance(value, bool):
        try:
            return _number_text(value)
        except Exception:
            return fmt_value(value)
    if isinstance(value, (list, tuple)) and len(value) <= 6:
        inner = ", ".join(_arg_text(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else \
            f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, (int, float, np.generic, str, type(None), bool)):
        return fmt_value(value)
    if isinstance(value, (list, tuple)):
        return f"<{type(value).__name__} of {len(value)} items>"
    return f"<{type(value).__name__}>"


def call_text(exercise, case):
    """How the case's call reads in a message, e.g. ``dfdx(np.array([-1., 2.]))``."""
    if exercise.kind == "value":
        return f"`{exercise.target}`"
    parts = [_arg_text(a) for a in case.args]
    parts += [f"{k}={_arg_text(v)}" for k, v in case.kwargs.items()]
    return f"{exercise.target}({', '.join(parts)})"


def _expected(exercise, case, index):
    try:
        with np.errstate(all="ignore"):
            return exercise.call_with(exercise.reference, case)
    except Exception as err:
        raise RuntimeError(f"The reference of exercise {exercise.id} failed on case "
                           f"{index} ({call_text(exercise, case)}): {err!r}") from err


def _matches_mistake(exercise, mistake, case, got):
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wrong = exercise.call_with(mistake.func, case)
        if exercise.compare is not None:
            return exercise.compare(got, wrong, case) is None
        return diagnose(got, wrong, returns="any", rtol=exercise.rtol, atol=exercise.atol,
                        meta=case.meta) is None
    except Exception:
        return False  # a mistake that cannot be computed for this case does not match


def _exception_advice(error_type, error_message):
    """What an exception usually means, for the ones whose text does not say it."""
    if error_type == "TypeError" and "converted to Python scalars" in error_message:
        # numpy's words when math.pow, math.exp, float(...) ... get a whole array
        return (". The math module (math.pow, math.exp, ...) works on single numbers "
                "only; for arrays use numpy's operations, which work elementwise: x ** 3, "
                "np.exp(x), np.sqrt(x).")
    return ""


def _judge_case(exercise, case, index, outcome):
    """None when the case passes, else a Finding."""
    call = call_text(exercise, case)
    if outcome.status == "not_implemented":
        return Finding("not-implemented", f"Calling {call} raised NotImplementedError: the "
                                          "`raise NotImplementedError()` line is still there.")
    if outcome.status == "not_callable":
        return Finding("not-callable", f"`{exercise.target}` should be a function, but it is "
                                       f"a {outcome.error_type}. Did a later cell reuse the "
                                       "name for something else?")
    if outcome.status == "raised":
        detail = f": {outcome.error_message}" if outcome.error_message else ""
        if outcome.error_line is not None:
            lineno, text = outcome.error_line
            detail += f", at line {lineno} of your cell: `{text}`"
        advice = _exception_advice(outcome.error_type, outcome.error_message)
        return Finding("exception", f"Calling {call} raised {outcome.error_type}{detail}"
                                    f"{advice}")
    expected = _expected(exercise, case, index)
    got = outcome.value
    name = call if exercise.kind == "value" else f"the result of {call}"
    if outcome.mutated:
        which = ", ".join(outcome.mutated)
        return Finding("mutated", f"Calling {call} changed its input {which} in place. Do "
                                  "not modify the arguments: work on a copy, e.g. write "
                                  "x = x - step "
                                  "instead of x -= step, or start with x = x.copy().")
    if exercise.compare is not None:
        try:
            text = exercise.compare(got, expected, case)
        except Exception as err:
            text = f"{name} could not be checked ({type(err).__name__}: {err})"
        finding = None if text is None else Finding("values", with_call(call, str(text)))
        if finding is None:
            # What the declaration says the text asks for (an array, not a list) holds even
            # when the exercise's own comparison accepts the numbers; a compare that has a
            # message of its own for a list keeps it.
            finding = array_type_finding(got, exercise.returns, name)
    else:
        finding = diagnose(got, expected, returns=exercise.returns, rtol=exercise.rtol,
                           atol=exercise.atol, meta=case.meta, name=name)
    return finding


# Generic findings an exercise's own Mistake replaces when the learner's result equals that
# Mistake's result (within the exercise's tolerance). "The numbers differ", "the shape
# differs" and the value heuristics (sign, factor 2 or one half, sum vs mean) are guesses
# about the cause; the author's "you returned 1/L instead of 2/L" names it. Unambiguous
# findings keep priority: exception, mutated input, None, wrong type, not numbers, NaN/inf,
# and the specific shape slips (column vs flat vector, array vs number, transposed).
_REPLACEABLE = ("values", "shape", "sign", "factor-2", "half", "sum-not-mean",
                "mean-not-sum")


def with_call(call, text):
    """``"For <call>: <text>"``, so every per-case message says which call it is about,
    unless the text already names the call (e.g. "Calling f(1.0) raised ..." or an
    author's message that starts with the same prefix)."""
    if call in text:
        return text
    return f"For {call}: {_sentence(text)}"


def _explain_with_mistakes(exercise, cases, outcomes, findings):
    """Replace vague findings by the exercise's Mistake that explains them.

    A wrong answer can coincide with several mistakes on one case (f(1) may equal a
    mistake's f'(1)), so each mistake is scored by how many failing cases it explains and
    every case gets the best-scoring mistake that matches it. On a tie, a mistake that also
    agrees with the learner on every PASSING case (so it explains the whole answer) wins:
    two slips that are wrong in the same way where they are wrong (lr * gamma * k against
    lr * gamma**k) still differ where one of them happens to be right. Otherwise the
    mistake declared first wins.
    """
    vague = [i for i, f in enumerate(findings) if f is not None and f.code in _REPLACEABLE]
    if not vague or not exercise.mistakes:
        return findings
    matches = {i: [k for k, m in enumerate(exercise.mistakes)
                   if _matches_mistake(exercise, m, cases[i], outcomes[i].value)]
               for i in vague}
    score = [sum(k in ks for ks in matches.values()) for k in range(len(exercise.mistakes))]
    candidates = {k for ks in matches.values() for k in ks}
    passing = [i for i, f in enumerate(findings) if f is None and outcomes[i].status ==
               "returned"]
    agree = {k: all(_matches_mistake(exercise, exercise.mistakes[k], cases[i],
                                     outcomes[i].value) for i in passing)
             for k in candidates if len(candidates) > 1}
    out = list(findings)
    for i, ks in matches.items():
        if ks:
            best = max(ks, key=lambda k: (score[k], agree.get(k, False), -k))
            m = exercise.mistakes[best]
            out[i] = Finding(f"mistake:{m.name}",
                             with_call(call_text(exercise, cases[i]), m.message))
    return out


def _sentence(text):
    """Capitalise messages that start with a lowercase name ("the result of ...")."""
    if text.startswith(("the ", "your ", "part ", "element ", "array ", "`")):
        return text[:1].upper() + text[1:]
    return text



def _points_text(p):
    return f"{p:g} point" if p == 1 else f"{p:g} points"


def _coincidences(exercise, cases, outcomes, findings):
    """Indices of passing cases that a known mistake found on a failing case passes too.

    Such a case cannot tell the learner's answer from that mistake, so it earns nothing:
    a wrong rule (an off-by-one in a loop, a clamp forgotten) is right on the cases where
    the rule does not matter, and without this it would earn more partial credit than a
    wrong formula, which fails everywhere.
    """
    found = {f.code[len("mistake:"):] for f in findings
             if f is not None and f.code.startswith("mistake:")}
    if not found:
        return set()
    mistakes = [m for m in exercise.mistakes if m.name in found]
    return {i for i, f in enumerate(findings)
            if f is None and outcomes[i].status == "returned" and
            any(_matches_mistake(exercise, m, cases[i], outcomes[i].value) for m in mistakes)}


def _fraction(findings, n_visible, uncredited=()):
    """(share of the points earned, note for the message) for per-case findings; passing
    cases in ``uncredited`` count as not passed."""
    n = len(findings)
    ok = [f is None and i not in uncredited for i, f in enumerate(findings)]
    if n_visible is None or not 0 < n_visible < n:
        return sum(ok) / n, ""
    seen, hidden = sum(ok[:n_visible]), sum(ok[n_visible:])
    n_hidden = n - n_visible
    were = "was" if n_hidden == 1 else "were"
    note = (f"\n({n_hidden} of the {n} cases {were} hidden: inputs drawn by the grader, like "
            "the lesson's cases but not shown there.)")
    if hidden / n_hidden < seen / n_visible:
        note += (f"\nYour code passes {seen} of the lesson's {n_visible} cases but only "
                 f"{hidden} of the {n_hidden} hidden ones. Points count the weaker of the "
                 "two: answers that fit only the lesson's inputs earn nothing.")
    return min(seen / n_visible, hidden / n_hidden), note


def evaluate(exercise, outcomes, cases=None, n_visible=None):
    """Judge the outcomes of one exercise (``outcomes`` None = target not defined).

    ``cases``: the cases the outcomes belong to, in order (default: the exercise's own).
    The batch grader appends hidden cases and gives ``n_visible``, the number of the
    lesson's own cases in front: the points then count the weaker of the two parts, so an
    honest partial answer (right on the same kinds of input in both) keeps its credit and
    answers that only fit the lesson's inputs earn nothing. Returns a :class:`Result`.
    ``exercise`` may be an id or an :class:`Exercise`.
    """
    if isinstance(exercise, str):
        exercise = get_exercise(exercise)
    if not isinstance(exercise, Exercise):
        raise TypeError(f"evaluate needs an Exercise or an exercise id, got {exercise!r}")
    cases = exercise.make_cases() if cases is None else list(cases)
    n = len(cases)
    ex_id, target = exercise.id, exercise.target

    def not_attempted(message):
        return Result(ex_id, NOT_ATTEMPTED, 0.0, exercise.points, 0, n, message,
                      (message,) * n)

    if outcomes is None:
        what = "function" if exercise.kind == "function" else "variable"
        return not_attempted(
            f"{ex_id}: not attempted yet: the {what} `{target}` is not defined. Write it in "
            "the exercise cell above and run that cell (Shift+Enter), then run this check.")
    outcomes = list(outcomes)
    if len(outcomes) != n:
        raise ValueError(f"Exercise {ex_id} has {n} cases but {len(outcomes)} outcomes were "
                         "given")
    for o in outcomes:
        if not isinstance(o, Outcome):
            raise TypeError(f"outcomes must be Outcome objects, got {type(o).__name__}")
    if all(o.status == "not_implemented" for o in outcomes):
        return not_attempted(
            f"{ex_id}: not attempted yet: `{target}` still raises NotImplementedError. "
            "Replace the `raise NotImplementedError()` line with your code, run that cell, "
            "then run this check again.")

    findings = [_judge_case(exercise, c, i, o) for i, (c, o) in enumerate(zip(cases, outcomes))]
    findings = _explain_with_mistakes(exercise, cases, outcomes, findings)
    passed = sum(f is None for f in findings)
    uncredited = _coincidences(exercise, cases, outcomes, findings)
    fraction, hidden_note = _fraction(findings, n_visible, uncredited)
    rule_codes = {f"mistake:{m.name}" for m in exercise.mistakes if m.wrong_rule}
    if any(f is not None and f.code in rule_codes for f in findings):
        # a wrong rule that agrees with the right one on some inputs earns nothing there
        fraction, hidden_note = 0.0, hidden_note + (
            "\n(This is a mistake in the rule itself: the cases where it happens to give the "
            "right result earn no points.)")
    points = round(exercise.points * fraction, 2)
    case_messages = tuple(None if f is None else f.message for f in findings)
    case_codes = tuple(None if f is None else f.code for f in findings)
    hits = forbid.called(exercise, outcomes)
    if hits:
        return _forbidden_result(exercise, hits, points, passed, n, case_messages,
                                 case_codes)
    if passed == n:
        cases_text = f"all {n} cases pass" if n > 1 else "1 case passes"
        message = f"✔ {ex_id}: {cases_text} ({_points_text(exercise.points)})" + hidden_note
        reveal = getattr(exercise, "reveal", None)
        if reveal:
            # what the check confirmed, kept out of the lesson's text until now (also in
            # the grader's feedback: the judge writes every message)
            message += "\n" + (reveal() if callable(reveal) else reveal).strip()
        return Result(ex_id, PASSED, float(exercise.points), exercise.points, n, n, message,
                      case_messages)
    first = next(f for f in findings if f is not None)
    counted = f"{passed} of {n} cases pass" if n > 1 else "not correct yet"
    lines = [f"✘ {ex_id}: {counted} ({points:g} of {_points_text(exercise.points)}).",
             _sentence(first.message)]
    if uncredited:
        lines.append("(The cases that pass are ones where this mistake gives the right "
                     "answer too, so they earn no points.)")
    others = sorted({f.code for f in findings if f is not None} - {first.code})
    if others:
        lines.append("(Other failing cases show a different problem too; fix this one "
                     "first and check again.)")
    where = "the cell that defines" if exercise.kind == "function" else "the cell that sets"
    lines.append(f"Fix it, run {where} `{target}` again, then rerun this check. "
                 f"Stuck? Try hint(\"{ex_id}\").")
    if hidden_note:
        lines.append(hidden_note.strip())
    return Result(ex_id, FAILED, points, exercise.points, passed, n, "\n".join(lines),
                  case_messages, case_codes)


def _forbidden_result(exercise, hits, points, passed, n, case_messages, case_codes):
    """The verdict when the answer called what the exercise forbids (``forbid.called``):
    at most the Forbid's ``keep`` share of the points, whatever the values."""
    keep = min(f.keep for f, _ in hits)
    points = min(points, round(exercise.points * keep, 2))
    target = exercise.target
    shown = [name for _, name in hits]
    f, name = hits[0]
    if f.message:
        why = f.message
    else:
        why = (f"That is gdlab's own implementation of what this exercise asks you to "
               f"write: write `{target}` yourself, with Python and numpy (gdlab's version is "
               "there for the lessons that use it, not for this exercise).")
    values = (f"all {n} cases give the right values" if passed == n else
              f"{passed} of {n} cases give the right values")
    lines = [f"✘ {exercise.id}: `{target}` calls {name} ({points:g} of "
             f"{_points_text(exercise.points)}).", why,
             f"(Apart from that, {values}.)"]
    if len(shown) > 1:
        lines.append(f"It also calls {', '.join(shown[1:])}.")
    lines.append(f"Fix it, run the cell that defines `{target}` again, then rerun this "
                 "check.")
    return Result(exercise.id, FAILED, points, exercise.points, passed, n, "\n".join(lines),
                  case_messages, case_codes, tuple(shown))
