"""The code a probe cell runs inside the learner's kernel (never imported there).

The grader reads this file's source once, appends it to the source of
``gdlab/checks/encode.py`` and pastes both into every probe cell (see ``probe.py``). So the
probe does not depend on anything the learner's kernel could have changed on disk or in
``sys.modules['gdlab.checks']``: a learner who replaces ``gdlab.checks.judge.run_cases`` or
edits the installed package files changes nothing for the probe.

The behaviour mirrors ``gdlab.checks.judge.run_cases`` exactly (fresh arguments per call,
learner prints swallowed, NotImplementedError = not attempted, mutation of the inputs
reported by argument name) so that the grader's verdict equals the in-notebook ``check()``.
The output is JSON in the format of ``gdlab.checks.judge.Outcome.to_jsonable``, written
once, framed by the probe's nonce.

This module relies on the names defined by ``encode.py`` (``to_jsonable``,
``from_jsonable``, ``np``) being in the same namespace; ``main`` is the entry point.
"""
# ruff: noqa: F821  (to_jsonable / from_jsonable come from encode.py in the same namespace)
import contextlib as _contextlib
import copy as _copy
import importlib as _importlib
import inspect as _inspect
import io as _io
import json as _json
import re as _re
import sys as _sys
import warnings as _warnings

import numpy as np

# A single result larger than this (as JSON text) is not sent: no exercise expects one, and
# a learner returning a 10**8-element array must not make the grader parse gigabytes.
_MAX_VALUE_CHARS = 2_000_000
_MAX_ARRAY_SIZE = 1_000_000


def _resolve_ref(expr):
    """Evaluate an exercise's Ref expression with ``np`` and ``gdlab`` in scope."""
    import gdlab
    for sub in sorted(set(_re.findall(r"\bgdlab\.([A-Za-z_]\w*)", expr))):
        try:
            _importlib.import_module(f"gdlab.{sub}")
        except ModuleNotFoundError:
            pass
    return eval(expr, {"np": np, "gdlab": gdlab})  # noqa: S307 - author-written


def _decode_arg(data):
    """Encoded case argument -> a fresh value ({"__ref__": expr} evaluated here)."""
    if isinstance(data, dict) and "__ref__" in data:
        return _resolve_ref(data["__ref__"])
    if isinstance(data, list):
        return [_decode_arg(v) for v in data]
    if isinstance(data, dict) and "__tuple__" in data:
        return tuple(_decode_arg(v) for v in data["__tuple__"])
    if isinstance(data, dict) and "__dict__" in data:
        return {from_jsonable(k): _decode_arg(v) for k, v in data["__dict__"]}
    return from_jsonable(data)


def _same_data(before, after):
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
                and all(_same_data(b, a) for b, a in zip(before, after)))
    if isinstance(before, dict):
        return (isinstance(after, dict) and list(before) == list(after)
                and all(_same_data(before[k], after[k]) for k in before))
    return True


def _arg_names(func, args, kwargs):
    labels = [f"argument {i + 1}" for i in range(len(args))]
    try:
        bound = _inspect.signature(func).bind(*args, **kwargs)
        names = list(bound.arguments)
        labels = [f"`{n}`" for n in names[: len(args)]] + labels[len(names):]
    except (TypeError, ValueError):
        pass
    return labels + [f"`{k}`" for k in kwargs]


def _error_text(err):
    try:
        text = str(err)
    except Exception:
        text = ""
    return text if len(text) <= 300 else text[:297] + "..."


def _outcome(status, value=None, error_type="", error_message="", mutated=()):
    return {"status": status, "value": value, "error_type": error_type,
            "error_message": error_message, "mutated": list(mutated)}


def _encode_value(value):
    """The result as JSON-able data, replaced by an opaque marker when far too large."""
    if isinstance(value, np.ndarray) and value.size > _MAX_ARRAY_SIZE:
        return {"__opaque__": f"numpy array of {value.size} numbers",
                "reason": "too large to send to the grader"}
    data = to_jsonable(value)
    if len(_json.dumps(data, allow_nan=False)) > _MAX_VALUE_CHARS:
        return {"__opaque__": f"{type(value).__name__} too large to send to the grader",
                "reason": "too large to send to the grader"}
    return data


def _run_one(func, args, kwargs):
    try:
        snapshot = _copy.deepcopy((args, kwargs))
    except Exception:
        snapshot = None
    try:
        with _contextlib.redirect_stdout(_io.StringIO()), np.errstate(all="ignore"), \
                _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            value = func(*args, **kwargs)
    except NotImplementedError:
        return _outcome("not_implemented")
    except (Exception, SystemExit) as err:
        return _outcome("raised", error_type=type(err).__name__,
                        error_message=_error_text(err))
    mutated = ()
    if snapshot is not None:
        labels = _arg_names(func, args, kwargs)
        before = list(snapshot[0]) + list(snapshot[1].values())
        after = list(args) + list(kwargs.values())
        mutated = tuple(lab for lab, b, a in zip(labels, before, after)
                        if not _same_data(b, a))
    return _outcome("returned", value=_encode_value(value), mutated=mutated)


_MISSING = object()


def main(spec_json, namespace, nonce):
    """Run the exercise described by ``spec_json`` on ``namespace`` and print the framed
    outcomes: ``@@gdlab-probe-begin:NONCE@@{json}@@gdlab-probe-end:NONCE@@``."""
    out = _sys.stdout  # taken before any learner code runs in this cell
    spec = _json.loads(spec_json)
    target = namespace.get(spec["target"], _MISSING)
    if target is _MISSING:
        outcomes = None
    elif spec["kind"] == "value":
        outcomes = [_outcome("returned", value=_encode_value(target))]
    elif not callable(target):
        outcomes = [_outcome("not_callable", error_type=type(target).__name__)
                    for _ in spec["cases"]]
    else:
        outcomes = []
        for case in spec["cases"]:
            args = [_decode_arg(a) for a in case["args"]]
            kwargs = {k: _decode_arg(v) for k, v in case["kwargs"]}
            outcomes.append(_run_one(target, args, kwargs))
    payload = _json.dumps({"outcomes": outcomes}, allow_nan=False, separators=(",", ":"))
    out.write(f"@@gdlab-probe-begin:{nonce}@@{payload}@@gdlab-probe-end:{nonce}@@\n")
    out.flush()
