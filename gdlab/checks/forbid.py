"""What an exercise's answer must not call while it runs: ``Forbid(...)``.

Two uses, one mechanism:

* **Write it, don't call it.** gdlab implements most methods the course teaches (the
  schedules, the optimizers, the models' gradients, numerical gradients ...). An exercise
  that asks the learner to write one of them forbids gdlab's version:
  ``forbids=[Forbid("gdlab.schedules")]`` (every function of the module),
  ``Forbid("gdlab.data.Standardizer")`` (every method of the class) or
  ``Forbid("gdlab.gradcheck.numerical_grad")`` (one function). Calling it scores 0.
* **A method the text rules out**, e.g. forming ``H^-1``:
  ``Forbid("numpy.linalg.inv", "numpy.linalg.pinv", message="...", keep=0.5)`` keeps the
  stated share of the points (the exercise's text states the deduction) and shows
  ``message``.

Forbid only what the exercise is about: gdlab used for the surrounding work (an objective
passed in as an argument, data, plotting) stays allowed, so name the function or class
rather than a module whenever the cases hand the learner's function gdlab objects.

Detection happens as the learner's function runs (``runner.watched``): the kernel records
which functions of the forbidden names' modules were entered, by the running code's module
and qualified name, so an alias (``from gdlab.schedules import cosine as c``), a helper, a
class method or a bound method kept from an earlier cell are all seen. The names are
resolved here, on the judge's side, to ``(module, qualname)`` patterns.
"""
import functools
import importlib
import inspect

__all__ = ["Forbid", "watch_modules", "called", "MONITOR_OFF"]

MONITOR_OFF = "!monitor"   # what runner.watched records when the monitor was switched off


class Forbid:
    """``Forbid(*names, message=None, keep=0.0)``: dotted names of modules, classes or
    functions the answer must not enter; ``keep`` is the share of the points kept when it
    does (0: the exercise scores 0); ``message`` says why (required for names outside
    gdlab, which are methods the text rules out rather than gdlab's own answer)."""

    __slots__ = ("names", "message", "keep")

    def __init__(self, *names, message=None, keep=0.0):
        if not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise TypeError(f"Forbid needs dotted names like 'gdlab.schedules.cosine', "
                            f"got {names!r}")
        if isinstance(keep, bool) or not isinstance(keep, (int, float)) or not 0 <= keep < 1:
            raise ValueError(f"Forbid keep must be a share of the points in [0, 1), got "
                             f"{keep!r}")
        outside = [n for n in names if not _is_gdlab(n)]
        if outside and not message:
            raise ValueError(f"Forbid {outside!r}: names outside gdlab need a message that "
                             "says why the text rules them out")
        if message is not None and (not isinstance(message, str) or not message.strip()):
            raise TypeError(f"Forbid message must be a non-empty string, got {message!r}")
        self.names = tuple(n.strip() for n in names)
        self.message = message
        self.keep = float(keep)
        for n in self.names:
            _patterns(n)   # an unknown name fails at declaration, not in a notebook

    def __repr__(self):
        return f"Forbid({', '.join(map(repr, self.names))}, keep={self.keep:g})"


def _is_gdlab(name):
    return name == "gdlab" or name.startswith("gdlab.")


@functools.lru_cache(maxsize=None)
def _patterns(name):
    """``(module, qualname or None, shown)`` for a dotted name: None matches every
    function of the module (and its submodules); a qualname matches itself and what is
    nested in it (a class's methods, a function's inner functions)."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        break
    else:
        raise ValueError(f"Forbid: no module in {name!r}")
    if i == len(parts):
        return (obj.__name__, None, name)
    try:
        for attr in parts[i:]:
            obj = getattr(obj, attr)
    except AttributeError:
        raise ValueError(f"Forbid: {name!r} does not exist") from None
    if inspect.isclass(obj):
        return (obj.__module__, obj.__qualname__, name)
    func = inspect.unwrap(obj)
    func = getattr(func, "__func__", func)
    code = getattr(func, "__code__", None)
    if code is None:
        raise ValueError(f"Forbid: {name!r} is not a Python function, class or module "
                         "(a C function cannot be watched)")
    return (func.__globals__.get("__name__", ""), code.co_qualname, name)


def _in_module(module, pattern_module):
    return module == pattern_module or module.startswith(pattern_module + ".")


def _match(entry, pattern):
    """The name to show when ``entry`` ("module:qualname") matches the pattern, else None."""
    module, _, qualname = entry.partition(":")
    p_module, p_qualname, shown = pattern
    if p_qualname is None:
        if not _in_module(module, p_module):
            return None
        top = qualname.split(".")[0]
        return f"{module}.{top}"
    if module == p_module and (qualname == p_qualname or
                               qualname.startswith(p_qualname + ".")):
        return shown
    return None


def watch_modules(exercise):
    """The module names the kernel watches for this exercise (empty: nothing forbidden)."""
    mods = {_patterns(n)[0] for f in getattr(exercise, "forbids", ()) for n in f.names}
    return sorted(mods)


def called(exercise, outcomes):
    """``[(Forbid, shown name), ...]``: each forbidden thing the outcomes entered, in the
    order first entered (one per Forbid). Switching the monitor off counts as entering
    the exercise's first Forbid."""
    forbids = tuple(getattr(exercise, "forbids", ()))
    if not forbids:
        return []
    found = {}   # id(Forbid) -> (Forbid, shown); a public name replaces a private one

    def private(shown):
        return shown.rsplit(".", 1)[-1].startswith("_")

    for outcome in outcomes or ():
        for entry in getattr(outcome, "entered", ()):
            if entry == MONITOR_OFF:
                found.setdefault(id(forbids[0]), (forbids[0], "sys.setprofile (it switched "
                                                  "off the check's call monitor)"))
                continue
            for f in forbids:
                if id(f) in found and not private(found[id(f)][1]):
                    continue
                for n in f.names:
                    shown = _match(entry, _patterns(n))
                    if shown and (id(f) not in found or not private(shown)):
                        found[id(f)] = (f, shown)
                        break
    return list(found.values())
