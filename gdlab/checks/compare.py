"""Compare a learner's result with the expected one and say, in words, what is wrong.

Learner objects are never compared with ``==``: they are first turned into private float
arrays (:func:`as_float_array`), which an object that lies in ``__eq__`` cannot influence.
A result ``g`` matches an expected ``e`` when, entry by entry,

    |g - e| <= atol + rtol * |e|

and the shapes are equal (no broadcasting: a (d, 1) column is not a (d,) vector).

When the values do not match, the common slips are recognised by recomputing the expected
result with the slip applied and comparing again: ``-e`` (sign), ``2 e`` and ``e / 2``
(a stray factor 2), ``m e`` and ``e / m`` (a sum instead of a mean and back, when the case
says how many samples ``m`` there are), ``e.T`` (transposed).

Tuples (``returns="tuple"``) and lists of arrays with different shapes (``returns="list"``,
or a ragged reference result under ``returns="any"``) are compared part by part; the
message names the first wrong part, and for lists its expected shape.
"""
import numpy as np

from gdlab.checks.encode import Opaque

__all__ = ["as_float_array", "explain_array_mismatch", "diagnose", "Finding", "fmt_value",
           "RETURNS", "valid_returns", "array_type_finding", "distinct_numbers"]

# What an exercise's correct answer is: one array, one number, a tuple of values, a list of
# arrays whose shapes may differ (compared element by element), or anything numeric.
RETURNS = ("array", "float", "tuple", "list", "any")


def valid_returns(returns):
    """Whether ``returns`` is one of RETURNS or a tuple of them (the kind of each part of a
    tuple result, e.g. ``("array", "float")``: an "array" part must not be a list)."""
    if isinstance(returns, tuple):
        return bool(returns) and all(r in RETURNS and r != "tuple" for r in returns)
    return returns in RETURNS


class Finding:
    """What is wrong with one result: a short ``code`` and a learner-facing ``message``.

    ``code == "values"`` means no specific slip was recognised (the numbers are just
    different), so exercise-specific mistakes get a chance to explain it.
    """

    __slots__ = ("code", "message")

    def __init__(self, code, message):
        self.code = code
        self.message = message

    def __repr__(self):
        return f"Finding({self.code!r}, {self.message!r})"


def as_float_array(value):
    """``(array, None)`` with a private float64 copy of ``value``, or ``(None, reason)``.

    Strings, dicts, None and complex numbers with an imaginary part are refused (they are
    not results a numeric exercise can have); objects whose ``__array__``/``__float__``
    raise are refused with the name of the exception.
    """
    if value is None:
        return None, "None"
    if isinstance(value, Opaque):
        return None, f"an object of type {value.type_name}"
    if isinstance(value, (str, bytes)):
        return None, f"text ({type(value).__name__})"
    if isinstance(value, dict):
        return None, "a dict"
    try:
        if isinstance(value, np.ndarray):
            arr = np.ndarray.view(value, np.ndarray)  # ignore subclass behaviour
        else:
            arr = np.asarray(value)
            if isinstance(arr, np.ndarray) and type(arr) is not np.ndarray:
                arr = np.ndarray.view(arr, np.ndarray)
        kind = arr.dtype.kind
        if kind in "USV":
            return None, "text" if kind in "US" else f"an array of dtype {arr.dtype}"
        if kind == "c":
            if np.any(arr.imag != 0):
                return None, "complex numbers"
            arr = arr.real
        if kind == "O":
            for item in arr.reshape(-1):
                if item is None or isinstance(item, (str, bytes, dict, Opaque)):
                    return None, f"a container holding {fmt_value(item)}"
        out = np.array(arr, dtype=np.float64, copy=True)
    except Exception as err:  # ragged lists, hostile __array__ / __float__ ...
        if isinstance(err, ValueError) and "inhomogeneous" in _short(err, 10**4):
            return None, "a ragged nested list (rows of different lengths)"
        return None, f"something numpy cannot turn into numbers ({type(err).__name__}: " \
                     f"{_short(err)})"
    if type(out) is not np.ndarray or out.dtype != np.float64:
        return None, "something numpy cannot turn into plain numbers"
    return out, None


def _short(err, limit=120):
    try:
        text = str(err)
    except Exception:
        text = "?"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fmt_value(value):
    """Short, stable text for a value in a message (rounded, no memory addresses)."""
    if isinstance(value, Opaque):
        return repr(value)
    if value is None or isinstance(value, (bool, str)):
        return repr(value) if not isinstance(value, str) or len(value) < 60 else "'...'"
    if isinstance(value, (int, float, np.generic)) and np.ndim(value) == 0:
        try:
            return f"{float(value):.6g}"
        except Exception:
            return f"a {type(value).__name__}"
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufc":
            if value.ndim == 0:
                return f"{value[()]:.6g}" if value.dtype.kind != "c" else str(value[()])
            return np.array2string(value, precision=4, threshold=12, edgeitems=3,
                                   separator=", ", suppress_small=True)
        return f"an array of dtype {value.dtype}, shape {value.shape}"
    if isinstance(value, (list, tuple)):
        items = [fmt_value(v) for v in value[:6]]
        if len(value) > 6:
            items.append("...")
        body = ", ".join(items)
        if isinstance(value, tuple):
            return f"({body}{',' if len(value) == 1 else ''})"
        return f"[{body}]"
    if isinstance(value, dict):
        return f"a dict with {len(value)} keys"
    return f"a {type(value).__name__}"


def _close(a, b, rtol, atol):
    """Entrywise closeness with equal shapes; NaN matches NaN."""
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        ok = np.abs(a - b) <= atol + rtol * np.abs(b)
        both_nan = np.isnan(a) & np.isnan(b)
        same_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    return bool(np.all(ok | both_nan | same_inf))


def _shape_text(shape):
    return "()" if shape == () else str(tuple(shape))


def distinct_numbers(got, expected):
    """Two numbers as text with enough significant digits (6 to 17) to tell them apart,
    followed by their relative error: "-0.00316227766 ... -0.00316228266 (relative error
    1.6e-06)". Six digits alone can print the same text for two numbers the check keeps
    apart."""
    got, expected = float(got), float(expected)
    a, b = f"{got:.6g}", f"{expected:.6g}"
    for digits in range(7, 18):
        if a != b or not (np.isfinite(got) and np.isfinite(expected)):
            break
        a, b = f"{got:.{digits}g}", f"{expected:.{digits}g}"
    with np.errstate(all="ignore"):
        diff = abs(got - expected)
    if not np.isfinite(diff):
        return a, b, ""
    if expected != 0:
        return a, b, f" (relative error {diff / abs(expected):.2g})"
    return a, b, f" (absolute difference {diff:.2g})"


def _values_message(g, e, name):
    if e.ndim == 0:
        a, b, error = distinct_numbers(g[()], e[()])
        return f"{name} is {a}, but the expected value is {b}{error}."
    with np.errstate(all="ignore"):
        diff = np.abs(g - e)
    diff = np.where(np.isnan(diff), np.inf, diff)
    worst = np.unravel_index(int(np.argmax(diff)), e.shape)
    idx = worst[0] if len(worst) == 1 else tuple(int(i) for i in worst)
    a, b, error = distinct_numbers(g[worst], e[worst])
    return (f"{name} has the right shape {_shape_text(e.shape)} but wrong values.\n"
            f"  expected: {fmt_value(e)}\n  got:      {fmt_value(g)}\n"
            f"  largest difference at index {idx}: expected {b}, got {a}{error}.")


def diagnose(got, expected, *, returns="any", rtol=1e-6, atol=1e-9, meta=None,
             name="your result"):
    """``None`` when ``got`` matches ``expected``, else a :class:`Finding`.

    ``expected`` is trusted (it comes from the reference solution); ``got`` may be anything.
    """
    meta = meta or {}
    if got is None and expected is not None:
        return Finding("none", f"{name} is None: the function probably has no `return` "
                               "(printing a value does not return it).")
    if isinstance(returns, tuple) or returns == "tuple" or (
            returns == "any" and isinstance(expected, tuple)):
        parts = returns if isinstance(returns, tuple) else None
        return _diagnose_tuple(got, expected, rtol=rtol, atol=atol, meta=meta, name=name,
                               parts=parts)
    if returns == "list" or (returns == "any" and _is_ragged(expected)):
        return _diagnose_list(got, expected, rtol=rtol, atol=atol, meta=meta, name=name)

    e, why_not = as_float_array(expected)
    if e is None:
        # Non-numeric expected value (e.g. a string answer): compare decoded plain data.
        if type(got) is type(expected) and isinstance(got, (str, bool, int)) \
                and got == expected:
            return None
        return Finding("values", f"{name} is {fmt_value(got)}, but the expected answer is "
                                 f"{fmt_value(expected)}.")

    if returns == "array":
        finding = array_type_finding(got, returns, name)
        if finding is not None:
            return finding
    g, why = as_float_array(got)
    if g is None:
        wanted = "a number" if e.ndim == 0 else f"a numpy array of shape {_shape_text(e.shape)}"
        return Finding("not-numeric", f"{name} is {why}, not numbers: {wanted} is expected.")

    if np.any(~np.isfinite(g)) and np.all(np.isfinite(e)):
        bad = "NaN" if np.any(np.isnan(g)) else "inf"
        return Finding("nonfinite",
                       f"{name} contains {bad} ({fmt_value(g)}). This usually comes from an "
                       "overflow (a step that is far too large), a division by zero, or the "
                       "log/sqrt of a negative number.")

    if g.shape != e.shape:
        return _shape_finding(g, e, returns, rtol, atol, name)

    if _close(g, e, rtol, atol):
        return None

    if not _close(e, np.zeros_like(e), rtol, atol):
        if _close(g, -e, rtol, atol):
            return Finding("sign", f"{name} has the wrong sign: expected {fmt_value(e)}, got "
                                   f"{fmt_value(g)}. Check the direction: gradient descent "
                                   "steps along MINUS the gradient, and d/dx of (a - x) is -1.")
        if _close(g, 2 * e, rtol, atol):
            return Finding("factor-2", f"{name} is exactly twice the expected value "
                                       f"({fmt_value(e)}): look for a stray factor of 2.")
        if _close(g, e / 2, rtol, atol):
            return Finding("half", f"{name} is exactly half the expected value "
                                   f"({fmt_value(e)}): a factor of 2 is missing (for "
                                   "example the 2 from differentiating a square).")
        m = meta.get("m")
        if isinstance(m, (int, float)) and not isinstance(m, bool) and m not in (0, 1):
            if _close(g, m * e, rtol, atol):
                return Finding("sum-not-mean",
                               f"{name} is {m:g} times too large, and {m:g} is the number of "
                               f"samples: you took a sum where a mean is needed (divide by "
                               f"m, or use np.mean).")
            if _close(g, e / m, rtol, atol):
                return Finding("mean-not-sum",
                               f"{name} is {m:g} times too small, and {m:g} is the number of "
                               f"samples: you took a mean where a sum is needed.")
    return Finding("values", _values_message(g, e, name))


def array_type_finding(got, returns, name="your result"):
    """The "is a Python list" finding when ``returns`` asks for a numpy array (``"array"``,
    or ``"array"`` parts of a tuple like ``("array", "float")``) and ``got`` has a list or
    tuple there; else None. The judge applies it before an exercise's own ``compare``, so
    what the text requires is enforced however the values are compared."""
    if returns == "array":
        if isinstance(got, (list, tuple)):
            kind = type(got).__name__
            # No advice on loops here: several exercises' hints build a list in a loop on
            # purpose; an exercise that wants array arithmetic says so in its own compare.
            return Finding("type", f"{name} is a Python {kind}, but a numpy array is "
                                   "expected: convert it with np.array(...) before "
                                   "returning it.")
        return None
    if isinstance(returns, tuple) and isinstance(got, (list, tuple)) and \
            len(got) == len(returns):
        for i, (part, kind) in enumerate(zip(got, returns)):
            finding = array_type_finding(part, kind, f"part {i} of {name}")
            if finding is not None:
                return finding
    return None


def _shape_finding(g, e, returns, rtol, atol, name):
    gs, es = _shape_text(g.shape), _shape_text(e.shape)
    if e.ndim == 0 and g.size == 1:
        return Finding("shape-scalar", f"{name} is an array of shape {gs}, but a single "
                                       "number is expected: use .item() or float(...), or "
                                       "avoid keepdims=True.")
    if e.ndim == 0:
        return Finding("shape", f"{name} has shape {gs}, but a single number is expected "
                                "(did you forget to sum or average?).")
    if g.shape == e.shape + (1,) or g.shape == (1,) + e.shape:
        what = "column" if g.shape == e.shape + (1,) else "row"
        return Finding("shape-column", f"{name} has shape {gs} (a {what}), but a flat vector "
                                       f"of shape {es} is expected: use .ravel() or avoid "
                                       "[:, None] / reshape(-1, 1) / keepdims=True.")
    if e.shape == g.shape + (1,):
        return Finding("shape-column", f"{name} has shape {gs}, but a column of shape {es} "
                                       "is expected: use .reshape(-1, 1).")
    if g.ndim == 2 and g.shape == e.shape[::-1]:
        if _close(g.T, e, rtol, atol):
            return Finding("transposed", f"{name} is transposed: shape {gs} instead of {es}. "
                                         "Swap the order of the matrix product or use .T.")
        return Finding("shape", f"{name} has shape {gs}, expected {es} (the axes look swapped: "
                                "check the order of a matrix product).")
    tip = ""
    if g.ndim == e.ndim + 1:
        tip = (" An extra axis like this often comes from broadcasting a (m, 1) column "
               "against a (m,) vector (look for [:, None], reshape(-1, 1) or keepdims).")
    return Finding("shape", f"{name} has shape {gs}, but shape {es} is expected.{tip}")


def _diagnose_tuple(got, expected, *, rtol, atol, meta, name, parts=None):
    if not isinstance(expected, (tuple, list)):
        raise TypeError(f"returns='tuple' but the reference returned {type(expected).__name__}")
    if not isinstance(got, (tuple, list)):
        return Finding("type", f"{name} is {fmt_value(got)}, but a tuple of "
                               f"{len(expected)} values is expected "
                               "(return a, b with a comma).")
    if len(got) != len(expected):
        return Finding("shape", f"{name} has {len(got)} parts, but {len(expected)} are "
                                "expected.")
    for i, (g, e) in enumerate(zip(got, expected)):
        kind = parts[i] if parts is not None and i < len(parts) else "any"
        f = diagnose(g, e, returns=kind, rtol=rtol, atol=atol, meta=meta,
                     name=f"part {i} of {name}")
        if f is not None:
            return f
    return None


def _is_ragged(value):
    """Whether ``value`` is a list/tuple of numeric parts that do not stack into one array
    (e.g. per-layer gradients of different shapes): such results are compared part by part."""
    if not isinstance(value, (list, tuple)) or not value:
        return False
    return as_float_array(value)[0] is None and all(
        as_float_array(v)[0] is not None for v in value)


def _diagnose_list(got, expected, *, rtol, atol, meta, name):
    """Element by element: a list of arrays whose shapes may differ from one another."""
    if not isinstance(expected, (tuple, list)):
        raise TypeError(f"returns='list' but the reference returned "
                        f"{type(expected).__name__}; it must return a list or tuple")
    n = len(expected)
    if not isinstance(got, (tuple, list)):
        what = (f"a numpy array of shape {_shape_text(np.shape(got))}"
                if isinstance(got, np.ndarray) else fmt_value(got))
        return Finding("type", f"{name} is {what}, but a list of {n} arrays is expected "
                               "(one per input, in the same order; the arrays may have "
                               "different shapes, so return a Python list of them).")
    if len(got) != n:
        return Finding("shape", f"{name} has {len(got)} element{'s' if len(got) != 1 else ''}"
                                f", but {n} are expected (one per input, in the same order).")
    for i, (g, e) in enumerate(zip(got, expected)):
        e_arr, _ = as_float_array(e)
        shape = "" if e_arr is None else f" (expected shape {_shape_text(e_arr.shape)})"
        f = diagnose(g, e, returns="any", rtol=rtol, atol=atol, meta=meta,
                     name=f"element {i}{shape} of {name}")
        if f is not None:
            return f
    return None


def explain_array_mismatch(got, expected, *, rtol=1e-6, atol=1e-9, returns="any",
                           meta=None, name="your result"):
    """For custom ``compare`` functions: ``None`` when they match, else a message.

    >>> import numpy as np
    >>> explain_array_mismatch(np.array([-1.0, 2.0]), np.array([1.0, -2.0]))[:34]
    'your result has the wrong sign: ex'
    """
    f = diagnose(got, expected, returns=returns, rtol=rtol, atol=atol, meta=meta, name=name)
    return None if f is None else f.message
