"""Probe cells: the code that replaces a check cell when a submission is graded.

A probe calls the learner's target on the exercise's cases inside the learner's kernel and
prints the encoded outcomes between two markers that contain a fresh random nonce::

    @@gdlab-probe-begin:<nonce>@@{"outcomes": [...]}@@gdlab-probe-end:<nonce>@@

The verdict is computed later in the grader's own process (``gdlab.checks.evaluate``), so
nothing the learner's code does to ``check``, ``gdlab`` or ``numpy`` in the kernel can turn a
wrong answer into a pass: the only thing that counts is the data between the markers, and
that must hold values equal to the reference's.

The nonce is drawn per probe cell when the cell is generated, after all earlier cells have
run, so text printed earlier cannot contain it. A learner function *called by* the probe
could read the running cell's source and print a forged block; that is why exactly one
block must be present (a second block makes the probe output invalid, never a pass).
"""
import inspect
import json
import secrets

from gdlab.checks import encode as _encode
from gdlab.checks import runner as _runner
from gdlab.checks import traceback_line as _traceback_line
from gdlab.checks.encode import PROBE_BUDGET, RESULT_BUDGET, decoded_size, to_jsonable
from gdlab.checks.registry import Ref

__all__ = ["ProbeError", "case_spec", "make_probe", "parse_probe_output", "read_outcomes",
           "new_nonce"]

_BEGIN = "@@gdlab-probe-begin:{}@@"
_END = "@@gdlab-probe-end:{}@@"


class ProbeError(ValueError):
    """The probe's output cannot be trusted or read; the message says why. ``tampered``:
    the output is malformed, duplicated or truncated (an honest probe never does that)."""

    def __init__(self, message, tampered=True):
        super().__init__(message)
        self.tampered = tampered


def _runtime_source():
    """encode.py + traceback_line.py + runner.py, read once from the grader's own copy of
    gdlab (the probe does not trust what a submission may have done to the installed
    files or to sys.modules; runner.py imports nothing of gdlab when pasted this way)."""
    return "\n\n".join(inspect.getsource(m) for m in (_encode, _traceback_line, _runner))


_RUNTIME = _runtime_source()
_RUNTIME_CODE_LITERAL = repr(_RUNTIME)


def new_nonce():
    """128 random bits as hex: cannot be guessed by code that ran before the probe."""
    return secrets.token_hex(16)


def _encode_arg(value, exercise_id):
    """A case argument as JSON-able data; Refs travel as their expression."""
    if isinstance(value, Ref):
        return {"__ref__": value.expr}
    if isinstance(value, list):
        return [_encode_arg(v, exercise_id) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [_encode_arg(v, exercise_id) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": [[to_jsonable(k), _encode_arg(v, exercise_id)]
                             for k, v in value.items()]}
    data = to_jsonable(value)
    if isinstance(data, dict) and "__opaque__" in data:
        raise ValueError(f"Exercise {exercise_id}: a case argument of type "
                         f"{type(value).__name__} cannot be sent to a kernel; use plain data "
                         "(numbers, arrays, strings, lists, tuples, dicts) or Ref('...')")
    return data


def case_spec(exercise, cases=None):
    """JSON text describing what the probe must call: target, kind, encoded cases
    (``cases`` default to the exercise's own) and the modules whose functions the probe
    records when the target enters them (the exercise's ``forbids``). Nothing of the
    answer key is in it."""
    from gdlab.checks.forbid import watch_modules
    cases = exercise.make_cases() if cases is None else cases
    spec = {"id": exercise.id, "target": exercise.target, "kind": exercise.kind,
            "watch": watch_modules(exercise),
            "cases": [{"args": [_encode_arg(a, exercise.id) for a in c.args],
                       "kwargs": [[k, _encode_arg(v, exercise.id)]
                                  for k, v in c.kwargs.items()]}
                      for c in cases]}
    return json.dumps(spec, allow_nan=False, separators=(",", ":"))


def make_probe(spec_json, nonce):
    """Source of a probe cell for an exercise (``spec_json`` from :func:`case_spec`).

    The runtime is executed in a private namespace; only a helper name is added to the
    learner's namespace, and it is deleted again at the end.
    """
    # Built-ins are reached through the builtins module: a learner's variable named
    # `exec`, `compile` or `globals` must not break (or hijack) the probe.
    return (
        "# gdlab grader probe (generated; replaces the check cell)\n"
        "def __gdlab_probe__():\n"
        "    import builtins as _b\n"
        "    _rt = {'__name__': '__gdlab_probe_runtime__'}\n"
        f"    _b.exec(_b.compile({_RUNTIME_CODE_LITERAL}, '<gdlab-probe>', 'exec'), _rt)\n"
        f"    _rt['main']({spec_json!r}, _b.globals(), {nonce!r})\n"
        "try:\n"
        "    __gdlab_probe__()\n"
        "finally:\n"
        "    del __gdlab_probe__\n"
    )


def parse_probe_output(text, nonce):
    """The JSON payload printed by the probe with this nonce.

    Raises :class:`ProbeError` when there is no complete block or more than one block (a
    forged copy); the payload is read by :func:`read_outcomes`.
    """
    begin, end = _BEGIN.format(nonce), _END.format(nonce)
    n_begin, n_end = text.count(begin), text.count(end)
    if n_begin == 0 and n_end == 0:
        raise ProbeError("the probe printed no result (it did not finish)", tampered=False)
    if n_begin == 0 or n_end == 0:
        raise ProbeError("the result block is truncated (one of its markers is missing)")
    if n_begin > 1 or n_end > 1:
        raise ProbeError(f"the probe output was tampered with ({n_begin} result blocks "
                         "instead of 1)")
    start = text.index(begin) + len(begin)
    stop = text.index(end)
    if stop < start:
        raise ProbeError("the probe output is garbled (end marker before the start)")
    return text[start:stop]


def _mb(n):
    return f"{n / 2**20:.0f} MB"


def payload_limit(n_cases):
    """The longest payload an honest probe prints for ``n_cases`` cases: each value is
    at most ``runner.MAX_VALUE_CHARS`` of JSON, plus a few short texts per case."""
    return max(n_cases, 1) * (_runner.MAX_VALUE_CHARS + 16_384) + 1024


def decode_outcomes(payload, n_cases):
    """The outcomes in a probe's payload, each value checked against the budgets
    (``encode.RESULT_BUDGET`` per result, ``PROBE_BUDGET`` per probe) before anything is
    built. Raises ProbeError (tampered) for anything an honest probe never prints; every
    failure to parse (ValueError, RecursionError, OverflowError, MemoryError ...) is one."""
    from gdlab.checks.judge import Outcome
    if len(payload) > payload_limit(n_cases):
        raise ProbeError(f"the result block is {len(payload)} characters long, more than "
                         f"an honest check prints for {n_cases} cases")
    try:
        data = json.loads(payload)
        if not isinstance(data, dict) or "outcomes" not in data:
            raise ValueError("no 'outcomes' key")
        if data["outcomes"] is None:
            return None
        if not isinstance(data["outcomes"], list):
            raise ValueError("'outcomes' is not a list")
        total = 0
        for i, item in enumerate(data["outcomes"]):
            value = item.get("value") if isinstance(item, dict) else None
            size = decoded_size(value, RESULT_BUDGET)
            total += size
            if size > RESULT_BUDGET or total > PROBE_BUDGET:
                raise ProbeError(f"the result of case {i + 1} would take more than "
                                 f"{_mb(min(size, total))} once decoded (limits: "
                                 f"{_mb(RESULT_BUDGET)} per result, {_mb(PROBE_BUDGET)} per "
                                 "check)")
        outcomes = [Outcome.from_jsonable(o) for o in data["outcomes"]]
    except ProbeError:
        raise
    except BaseException as err:  # noqa: B036 - any failure to parse means a forged block
        if isinstance(err, (KeyboardInterrupt, SystemExit)):
            raise
        raise ProbeError(f"the result is not well-formed ({type(err).__name__}: "
                         f"{str(err)[:200]})") from None
    return outcomes


def read_outcomes(run, nonce, n_cases):
    """The outcomes (a list of ``n_cases`` Outcome, or None for "target not defined") in a
    probe cell's run (an ``executor.CellRun``). Raises :class:`ProbeError`: tampered for
    output over the cap, a missing, duplicated or truncated block, bad JSON, a wrong
    structure, a value over the size budgets, a call that was interrupted, or a block from
    a cell that raised (an honest probe prints its block last and never raises after it);
    not tampered when the probe did not finish (its cell raised before printing)."""
    if run.truncated:
        raise ProbeError("more output than the grader keeps was printed while your code "
                         "was checked, so the result could be cut or pushed out")
    try:
        payload = parse_probe_output(run.stdout, nonce)
    except ProbeError as err:
        if not err.tampered and run.ename:
            raise ProbeError(f"the check could not run ({run.ename}: {run.evalue[:300]})",
                             tampered=False) from None
        raise
    if run.ename:
        raise ProbeError(f"a result block was printed, but the check then stopped with "
                         f"{run.ename[:80]}")
    outcomes = decode_outcomes(payload, n_cases)
    stopped = [o for o in outcomes or () if o.status == "interrupted"]
    if stopped:
        raise ProbeError(f"your code raised {stopped[0].error_type} while it was checked, "
                         "which stops the check")
    if outcomes is not None and len(outcomes) != n_cases:
        raise ProbeError(f"the result holds {len(outcomes)} outcomes for {n_cases} cases")
    return outcomes
