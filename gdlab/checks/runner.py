"""Call a learner's function on one case and record what happened: the one copy of the
check's kernel side.

The in-notebook ``check()`` imports this module (``judge.run_cases``). The batch grader
pastes its source, after ``encode.py`` and ``traceback_line.py``, into every probe cell
(``gdlab.grading.probe``), so a probe runs the code the grader has, not whatever a
submission did to the installed files or to ``sys.modules``; ``main`` is the probe's entry
point. What is recorded per call: the returned value, or the exception (type, message,
line of the learner's cell), NotImplementedError as "not attempted", and which arguments
the call changed in place, and which functions of the watched modules (an exercise's
``forbids``, e.g. gdlab's own implementation of what it asks for) were entered while the
learner's function ran. Learner prints and numpy warnings are swallowed.

Nothing here judges: the values are compared with the answer key in the grader's process
(``judge.evaluate``), which is why this module holds no reference and imports no lesson.
"""
import contextlib
import copy
import importlib
import inspect
import io
import json
import re
import sys
import warnings

import numpy as np

if "to_jsonable" not in globals():  # imported as a module (not pasted into a probe cell)
    from gdlab.checks.encode import (PROBE_BUDGET, RESULT_BUDGET, decoded_size,
                                     from_jsonable, to_jsonable)
    from gdlab.checks.traceback_line import error_line

__all__ = ["call", "resolve_ref", "decode_arg", "encode_value", "main", "watched"]

# A single result larger than this (as JSON text) is not sent: no exercise expects one, and
# a learner returning a 10**8-element array must not make the grader parse gigabytes.
MAX_VALUE_CHARS = 2_000_000
MAX_ARRAY_SIZE = 1_000_000


def resolve_ref(expr):
    """Evaluate an exercise's Ref expression with ``np`` and ``gdlab`` in scope (the
    ``gdlab.<module>`` names it uses are imported first)."""
    import gdlab
    for sub in sorted(set(re.findall(r"\bgdlab\.([A-Za-z_]\w*)", expr))):
        try:
            importlib.import_module(f"gdlab.{sub}")
        except ModuleNotFoundError:
            pass  # an attribute of gdlab, not a submodule
    return eval(expr, {"np": np, "gdlab": gdlab})  # noqa: S307 - author-written


def decode_arg(data):
    """An encoded case argument (``probe.case_spec``) as a fresh value."""
    if isinstance(data, dict) and "__ref__" in data:
        return resolve_ref(data["__ref__"])
    if isinstance(data, list):
        return [decode_arg(v) for v in data]
    if isinstance(data, dict) and "__tuple__" in data:
        return tuple(decode_arg(v) for v in data["__tuple__"])
    if isinstance(data, dict) and "__dict__" in data:
        return {from_jsonable(k): decode_arg(v) for k, v in data["__dict__"]}
    return from_jsonable(data)


def same_data(before, after):
    """Whether an argument still holds what it held before the call (for plain data)."""
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or before.shape != after.shape \
                or before.dtype != after.dtype:
            return False
        try:
            return bool(np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
        except Exception:
            return bool(np.array_equal(before, after))
    if isinstance(before, (list, tuple)):
        return (type(before) is type(after) and len(before) == len(after)
                and all(same_data(b, a) for b, a in zip(before, after)))
    if isinstance(before, dict):
        return (isinstance(after, dict) and list(before) == list(after)
                and all(same_data(before[k], after[k]) for k in before))
    # Numbers and strings are immutable; other objects cannot be compared safely.
    return True


def arg_names(func, args, kwargs):
    """How each argument is named in a message: `x` when the signature says so."""
    labels = [f"argument {i + 1}" for i in range(len(args))]
    try:
        bound = inspect.signature(func).bind(*args, **kwargs)
        names = list(bound.arguments)
        labels = [f"`{n}`" for n in names[: len(args)]] + labels[len(names):]
    except (TypeError, ValueError):
        pass
    return labels + [f"`{k}`" for k in kwargs]


def error_text(err):
    try:
        text = str(err)
    except Exception:
        text = ""
    return text if len(text) <= 300 else text[:297] + "..."


# At most this many distinct watched functions are recorded per call (the names travel in
# the probe's JSON; one forbidden name is enough to tell).
MAX_ENTERED = 50


def _watched_module(name, watch):
    return isinstance(name, str) and any(name == w or name.startswith(w + ".") for w in watch)


def watched(func, watch, entered):
    """``func`` wrapped so that calling it records, in the list ``entered``, every function
    of the modules in ``watch`` (module names; their submodules count) that is entered
    while it runs, as ``"module:qualname"`` (``"gdlab.schedules:cosine._value"``).

    Names come from the running code (the frame's module and the code's qualified name),
    not from how the learner spelled the call, so an alias, a re-import or a helper that
    calls it does not hide it. ``"!monitor"`` is appended when the learner's code replaced
    the monitor (``sys.setprofile``) while it ran. An earlier profiler is restored after.
    """
    if not watch:
        return func
    watch = tuple(watch)
    seen = {}

    def hook(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        hit = seen.get(code)
        if hit is None:
            module = frame.f_globals.get("__name__")
            hit = seen[code] = bool(_watched_module(module, watch)) and \
                code.co_name != "<module>"
            if hit and len(entered) < MAX_ENTERED:
                entered.append(f"{module}:{getattr(code, 'co_qualname', code.co_name)}")

    def run(*args, **kwargs):
        previous = sys.getprofile()
        sys.setprofile(hook)
        try:
            return func(*args, **kwargs)
        finally:
            if sys.getprofile() is not hook:
                entered.append("!monitor")
            sys.setprofile(previous)

    run.__wrapped__ = func      # the signature (argument names in messages) is func's
    return run


def call(func, args, kwargs, watch=()):
    """Call ``func(*args, **kwargs)`` (fresh values the caller made) and return a dict with
    status ("returned", "raised", "not_implemented"), value (raw), error_type,
    error_message, error_line, mutated (argument names changed in place) and entered (the
    functions of the ``watch`` modules the call entered, see :func:`watched`)."""
    entered = []
    out = {"status": "returned", "value": None, "error_type": "", "error_message": "",
           "error_line": None, "mutated": (), "entered": entered}
    func = watched(func, watch, entered)
    try:
        snapshot = copy.deepcopy((args, kwargs))
    except Exception:
        snapshot = None
    try:
        with contextlib.redirect_stdout(io.StringIO()), np.errstate(all="ignore"), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = func(*args, **kwargs)
    except NotImplementedError:
        out["status"] = "not_implemented"
        return out
    except BaseException as err:
        # BaseException too: a KeyboardInterrupt raised by the learner's function must not
        # end the probe before it prints its own block (a block forged by the function
        # would be the only one). main() stops calling after an interrupt.
        status = "interrupted" if isinstance(err, KeyboardInterrupt) else "raised"
        out.update(status=status, error_type=type(err).__name__,
                   error_message=error_text(err), error_line=error_line(err))
        return out
    out["value"] = value
    if snapshot is not None:
        labels = arg_names(func, args, kwargs)
        before = list(snapshot[0]) + list(snapshot[1].values())
        after = list(args) + list(kwargs.values())
        out["mutated"] = tuple(lab for lab, b, a in zip(labels, before, after)
                               if not same_data(b, a))
    return out


def encode_value(value, budget=RESULT_BUDGET):
    """The result as JSON-able data, replaced by an opaque marker when far too large (as
    JSON text, or once decoded: ``budget`` bytes, see ``encode.decoded_size``)."""
    if isinstance(value, np.ndarray) and value.size > MAX_ARRAY_SIZE:
        return {"__opaque__": f"numpy array of {value.size} numbers",
                "reason": "too large to send to the grader"}
    data = to_jsonable(value)
    if len(json.dumps(data, allow_nan=False)) > MAX_VALUE_CHARS or \
            decoded_size(data, budget) > budget:
        return {"__opaque__": f"{type(value).__name__} too large to send to the grader",
                "reason": "too large to send to the grader"}
    return data


def _wire(result, budget=RESULT_BUDGET):
    """A :func:`call` result in the probe's JSON format (``judge.Outcome.from_jsonable``)."""
    data = {"status": result["status"], "value": encode_value(result["value"], budget),
            "error_type": result["error_type"], "error_message": result["error_message"],
            "mutated": list(result["mutated"])}
    if result["error_line"] is not None:
        data["error_line"] = list(result["error_line"])
    if result.get("entered"):
        data["entered"] = list(result["entered"])
    return data


_MISSING = object()


def main(spec_json, namespace, nonce):
    """Run the exercise described by ``spec_json`` on ``namespace`` and print the framed
    outcomes: ``@@gdlab-probe-begin:NONCE@@{json}@@gdlab-probe-end:NONCE@@``."""
    out = sys.stdout  # taken before any learner code runs in this cell
    spec = json.loads(spec_json)
    target = namespace.get(spec["target"], _MISSING)
    if target is _MISSING:
        outcomes = None
    elif spec["kind"] == "value":
        outcomes = [_wire({"status": "returned", "value": target, "error_type": "",
                           "error_message": "", "error_line": None, "mutated": ()})]
    elif not callable(target):
        outcomes = [{"status": "not_callable", "value": None,
                     "error_type": type(target).__name__, "error_message": "",
                     "mutated": []} for _ in spec["cases"]]
    else:
        outcomes, left = [], PROBE_BUDGET
        for case in spec["cases"]:
            args = [decode_arg(a) for a in case["args"]]
            kwargs = {k: decode_arg(v) for k, v in case["kwargs"]}
            outcomes.append(_wire(call(target, args, kwargs, spec.get("watch", ())),
                                  min(RESULT_BUDGET, left)))
            left -= decoded_size(outcomes[-1]["value"], left)
            if outcomes[-1]["status"] == "interrupted":
                break  # the grader scores an interrupted check as tampered
    payload = json.dumps({"outcomes": outcomes}, allow_nan=False, separators=(",", ":"))
    out.write(f"@@gdlab-probe-begin:{nonce}@@{payload}@@gdlab-probe-end:{nonce}@@\n")
    out.flush()
