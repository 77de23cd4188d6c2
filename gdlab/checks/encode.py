"""Turn a learner's result into JSON text and back, with nothing but numpy.

The grader runs the learner's function inside the learner's kernel but judges the result in
its own process, so results have to cross a process boundary as text. The in-notebook
``check()`` sends results through the same round trip, so both verdicts are computed from
exactly the same decoded values.

What survives the trip (and what the checks need to tell apart):

=====================  ==========================================================
learner value          decoded as
=====================  ==========================================================
None, bool, int, str   the same Python value
float                  the same float (NaN and +-inf included)
list / tuple / dict    list / tuple / dict (the container type is kept: returning
                       a list where an array is expected is a mistake we report)
numpy array            numpy array with the same dtype and shape (subclasses such
                       as ``np.matrix`` become plain ``ndarray``)
numpy scalar           numpy scalar of the same dtype
anything else          :class:`Opaque` naming the type (never the object's repr,
                       which could hold memory addresses or lie)
=====================  ==========================================================

Learner objects are never compared with ``==`` here and their own ``__iter__``,
``__eq__`` or ``__repr__`` are never trusted: subclasses of built-in types are read
through the base type's methods.

>>> import numpy as np
>>> decode(encode((1, np.array([0.5, float("nan")]))))
(1, array([0.5, nan]))
"""
import json
import math
import numbers

import numpy as np

__all__ = ["encode", "decode", "to_jsonable", "from_jsonable", "decoded_size", "Opaque",
           "RESULT_BUDGET", "PROBE_BUDGET"]

# Containers nested deeper than this are reported as opaque instead of recursing further.
MAX_DEPTH = 64

# Limits on what a decoded array may cost, checked before anything is allocated: the data
# may come from a sandbox that lies (a tiny JSON "|S100000000" array must not make the
# grader allocate gigabytes).
MAX_DECODED_BYTES = 64 * 2**20
MAX_ITEM_BYTES = 2**16
_DECODABLE_KINDS = "biufcSUO"

# What the grader may hold after decoding one result, and all results of one probe (see
# decoded_size): a few KB of JSON can stand for gigabytes (40 references to one 64 MB
# string array are 40 arrays once decoded). The kernel side sends nothing larger.
RESULT_BUDGET = 80 * 2**20
PROBE_BUDGET = 160 * 2**20


class Opaque:
    """Stands in for a value that cannot be sent as data (a function, a custom object ...).

    ``type_name`` is the qualified name of the learner's type; ``reason`` says why it was
    not converted. Two Opaque values are never equal to anything (they hold no data).
    """

    __slots__ = ("type_name", "reason")

    def __init__(self, type_name, reason=""):
        self.type_name = str(type_name)
        self.reason = str(reason)

    def __repr__(self):
        return f"<object of type {self.type_name}>"


def _type_name(obj):
    # type() cannot be faked by the object (unlike obj.__class__).
    t = type(obj)
    module = getattr(t, "__module__", "")
    name = getattr(t, "__qualname__", t.__name__)
    return name if module in ("builtins", "", None, "__main__") else f"{module}.{name}"


def _float_token(x):
    """JSON has no NaN/inf: encode them as strings inside a float marker."""
    if math.isfinite(x):
        return x
    return {"__float__": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


def _float_from_token(tok):
    if isinstance(tok, dict):
        return float(tok["__float__"])
    return float(tok)


def _encode_array(arr):
    """Plain ndarray (already a private copy) -> JSON-able dict."""
    if arr.nbytes > MAX_DECODED_BYTES or arr.dtype.itemsize > MAX_ITEM_BYTES:
        # The other side would refuse it: say what it is instead of sending it.
        return {"__opaque__": f"numpy array of {arr.nbytes} bytes (dtype {arr.dtype})",
                "reason": "too large to send"}
    kind = arr.dtype.kind
    shape = list(arr.shape)
    flat = arr.reshape(-1)
    if kind == "f":
        values = [_float_token(v) for v in flat.tolist()]
    elif kind in "biu":
        values = flat.tolist()
    elif kind == "c":
        values = [[_float_token(v.real), _float_token(v.imag)] for v in flat.tolist()]
    elif kind == "U":
        values = flat.tolist()
    elif kind == "S":
        values = [v.decode("latin-1") for v in flat.tolist()]
    elif kind == "O":
        values = [to_jsonable(v) for v in flat.tolist()]
    else:
        # datetime, structured, void ...: nothing an exercise in this course returns.
        return {"__opaque__": f"numpy array of dtype {arr.dtype}", "reason": "unsupported dtype"}
    return {"__ndarray__": values, "dtype": arr.dtype.str, "shape": shape}


def _plain_array(obj):
    """A private plain-ndarray copy of an ndarray or ndarray subclass."""
    base = np.ndarray.view(obj, np.ndarray)  # never calls subclass methods
    return np.array(base, copy=True)


def to_jsonable(obj, _depth=0, _path=None):
    """Convert ``obj`` to a structure of JSON types (see the module docstring)."""
    path = set() if _path is None else _path
    if _depth > MAX_DEPTH:
        return {"__opaque__": _type_name(obj), "reason": "nested too deeply"}
    try:
        if obj is None or type(obj) is bool:
            return obj
        if isinstance(obj, np.ndarray):
            return _encode_array(_plain_array(obj))
        if isinstance(obj, np.generic):
            enc = _encode_array(np.array(obj))
            if "__ndarray__" in enc:
                enc["scalar"] = True
            return enc
        if isinstance(obj, int):  # int subclasses: read the value through int itself
            return int.__index__(obj)
        if isinstance(obj, float):
            return _float_token(float.__float__(obj))
        if isinstance(obj, complex):
            c = complex.__complex__(obj)
            return {"__complex__": [_float_token(c.real), _float_token(c.imag)]}
        if isinstance(obj, str):
            return str.__str__(obj)
        if isinstance(obj, (list, tuple, dict)):
            if id(obj) in path:
                return {"__opaque__": _type_name(obj), "reason": "contains itself"}
            path.add(id(obj))
            try:
                if isinstance(obj, list):
                    return [to_jsonable(v, _depth + 1, path) for v in list.__iter__(obj)]
                if isinstance(obj, tuple):
                    return {"__tuple__": [to_jsonable(v, _depth + 1, path)
                                          for v in tuple.__iter__(obj)]}
                return {"__dict__": [[to_jsonable(k, _depth + 1, path),
                                      to_jsonable(v, _depth + 1, path)]
                                     for k, v in dict.items(obj)]}
            finally:
                path.discard(id(obj))
        if isinstance(obj, numbers.Real):  # Fraction, Decimal: real numbers we can read
            return _float_token(float(obj))
        if hasattr(type(obj), "__array__"):
            # Array-likes (e.g. a pandas Series): take their numbers, if they give them.
            arr = np.asarray(obj)
            if arr.dtype.kind != "O":
                return _encode_array(_plain_array(arr))
        return {"__opaque__": _type_name(obj), "reason": "not plain data"}
    except RecursionError:
        return {"__opaque__": _type_name(obj), "reason": "nested too deeply"}
    except Exception as err:  # a hostile object may raise anything from its hooks
        return {"__opaque__": _type_name(obj),
                "reason": f"reading it raised {type(err).__name__}"}


def _checked_layout(data):
    dtype = np.dtype(str(data["dtype"]))
    if dtype.kind not in _DECODABLE_KINDS or dtype.itemsize > MAX_ITEM_BYTES:
        raise ValueError(f"Refusing to decode an array of dtype {dtype}")
    shape = data["shape"]
    if not isinstance(shape, list) or len(shape) > 32 or not all(
            type(n) is int and n >= 0 for n in shape):
        raise ValueError(f"Invalid array shape in encoded value: {shape!r}")
    values = data["__ndarray__"]
    size = math.prod(shape)
    if not isinstance(values, list) or len(values) != size:
        raise ValueError(f"Encoded array of shape {tuple(shape)} does not hold {size} values")
    if size * dtype.itemsize > MAX_DECODED_BYTES:
        raise ValueError(f"Refusing to decode an array of {size * dtype.itemsize} bytes "
                         f"(limit {MAX_DECODED_BYTES})")
    return dtype, tuple(shape), values


def decoded_size(data, limit=None):
    """Bytes that ``from_jsonable(data)`` would hold, counted before anything is built:
    arrays count itemsize x length, every occurrence of a value counts (a reference
    repeated in the learner's value is repeated in the JSON). Counting stops once past
    ``limit``. Raises ValueError for an array that could not be decoded at all."""
    import sys
    total, stack = 0, [data]
    while stack:
        d = stack.pop()
        if isinstance(d, list):
            total += 56 + 8 * len(d)
            stack.extend(d)
        elif isinstance(d, dict) and "__ndarray__" in d:
            dtype, shape, values = _checked_layout(d)
            total += 112 + math.prod(shape) * dtype.itemsize
            if dtype.kind == "O":
                stack.extend(values)
        elif isinstance(d, dict):
            total += 64
            for key in ("__tuple__", "__dict__", "__complex__"):
                if isinstance(d.get(key), list):
                    stack.append(d[key])
        elif d is not None and not isinstance(d, bool):
            total += sys.getsizeof(d)
        if limit is not None and total > limit:
            break
    return total


def _decode_array(data):
    dtype, shape, values = _checked_layout(data)
    kind = dtype.kind
    if kind == "f":
        arr = np.array([_float_from_token(v) for v in values], dtype=dtype)
    elif kind == "c":
        arr = np.array([complex(_float_from_token(r), _float_from_token(i))
                        for r, i in values], dtype=dtype)
    elif kind == "S":
        arr = np.array([v.encode("latin-1") for v in values], dtype=dtype)
    elif kind == "O":
        arr = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            arr[i] = from_jsonable(v)
    else:
        arr = np.array(values, dtype=dtype)
    arr = arr.reshape(shape)
    if data.get("scalar"):
        return arr[()]
    return arr


def from_jsonable(data):
    """Inverse of :func:`to_jsonable`."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [from_jsonable(v) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise ValueError(f"Not an encoded value: {data!r}")
    if "__float__" in data:
        return _float_from_token(data)
    if "__ndarray__" in data:
        return _decode_array(data)
    if "__tuple__" in data:
        return tuple(from_jsonable(v) for v in data["__tuple__"])
    if "__dict__" in data:
        out = {}
        for k, v in data["__dict__"]:
            key = from_jsonable(k)
            if isinstance(key, list):  # unhashable keys cannot happen in real dicts
                key = tuple(key)
            out[key] = from_jsonable(v)
        return out
    if "__complex__" in data:
        re, im = data["__complex__"]
        return complex(_float_from_token(re), _float_from_token(im))
    if "__opaque__" in data:
        return Opaque(data["__opaque__"], data.get("reason", ""))
    raise ValueError(f"Unknown marker in encoded value: {sorted(data)!r}")


def encode(obj):
    """Encode ``obj`` as compact JSON text (never raises for learner values)."""
    return json.dumps(to_jsonable(obj), allow_nan=False, separators=(",", ":"))


def decode(text):
    """Decode text made by :func:`encode`. Raises ValueError on malformed text."""
    try:
        data = json.loads(text)
    except (TypeError, json.JSONDecodeError) as err:
        raise ValueError(f"Not encoded gdlab check data: {err}") from None
    return from_jsonable(data)
