"""Issue 20's rows against the grader's side, as ``98-double`` solution cells.

``ROWS`` maps a row to its cell source; ``EXPECTED`` to what the work deserves: the
(points, status) of 98-double (the other two exercises stay right: 3 + 1 points).
"""
from grading_gallery.attacks import _FORGE_HELPERS, WRONG
from grading_gallery.hostile import GOOD_DOUBLE

# ~160 KB of JSON that an unguarded grader decodes into 40 separate 64 MB arrays.
FORTY_REFERENCES = '''
def double(x):
    one = np.zeros(1024, dtype="<U16384")
    return {i: one for i in range(40)}
'''

# A forged block printed from the probe's own frames, then KeyboardInterrupt so that the
# probe's real block never follows; the function itself mutates its input and is wrong.
FORGED_THEN_INTERRUPT = _FORGE_HELPERS + '''
_out = _sys.stdout
def double(x):
    nonce, spec = _find("nonce"), _find("spec_json")
    if nonce and spec:
        payload = _json.dumps({"outcomes": _forged_outcomes(spec)})
        _out.write(f"@@gdlab-probe-begin:{nonce}@@{payload}@@gdlab-probe-end:{nonce}@@")
        _out.flush()
        raise KeyboardInterrupt
    x *= 3
    return x
'''

# The same with the frame access spelled at run time, which no source pattern matches.
RUNTIME_NAMES = FORGED_THEN_INTERRUPT.replace(
    "f = _sys._getframe(1)", "f = getattr(_sys, '_get' + 'frame')(1)").replace(
    "f.f_back", "getattr(f, 'f_' + 'back')").replace(
    "f.f_locals", "getattr(f, 'f_' + 'locals')")

BIG_INT = '''
import sys
sys.set_int_max_str_digits(0)
def double(x):
    return 10 ** 5000
'''

# 3 MB of list literal before an honest answer. Compiling it takes the kernel ~15 s and
# ~700 MB on an idle machine, so on a loaded one the cell may pass the cell limit: the
# row then times out (the kernel's cost, its own budget); the grader never parses it.
HUGE_CELL = "_data = [" + "1, " * 1_000_000 + "]\n" + GOOD_DOUBLE

SYNTAX = "def double(x):\n    return 2.0 * np.asarray(x, dtype=float\n"

LOOPS_AT_TOP_LEVEL = "while True:\n    pass\n" + GOOD_DOUBLE

ROWS = {
    "forty_references": FORTY_REFERENCES,
    "forged_then_interrupt": FORGED_THEN_INTERRUPT,
    "runtime_names": RUNTIME_NAMES,
    "big_int": BIG_INT,
    "huge_cell": HUGE_CELL,
    "syntax_error": SYNTAX,
    "loops_at_top_level": LOOPS_AT_TOP_LEVEL,
    "wrong": WRONG,
}

# row -> the (points, status) of 98-double, or a set of them when the kernel's speed decides.
EXPECTED = {
    "forty_references": (0, "failed"),
    "forged_then_interrupt": (0, "tampered"),
    "runtime_names": (0, "tampered"),
    "big_int": (0, "tampered"),
    "huge_cell": {(2, "passed"), (0, "timed out")},
    "syntax_error": (0, "syntax error"),
    "loops_at_top_level": (0, "timed out"),
    "wrong": (0, "failed"),
}
