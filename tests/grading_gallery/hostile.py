"""Hostile and broken submissions of test lesson 98, with the grade each must get.

Every builder takes the solutions notebook (a dict) and returns the submission file
content (a dict, or raw text for files that are not notebooks). ``EXPECTED`` says, per
gallery entry, the row status, the total score and per-exercise (points, status).
The correct solutions score 2 + 3 + 1 = 6.
"""
import copy
import json

from grading_gallery.lesson import grade_id, with_solution

GOOD_DOUBLE = "def double(x):\n    return 2.0 * np.asarray(x, dtype=float)\n"


def infinite_loop(nb):
    # The function itself never returns: the probe is interrupted at the cell limit.
    return with_solution(nb, "98-double-solution",
                         "def double(x):\n    while True:\n        pass\n")


def hung_cell(nb):
    # A top-level loop that swallows KeyboardInterrupt: the interrupt cannot stop it, so the
    # kernel is killed and restarted; earlier cells are replayed, norm2 is never defined.
    return with_solution(nb, "98-norm-solution",
                         "import time\nwhile True:\n    try:\n        time.sleep(0.2)\n"
                         "    except BaseException:\n        pass\n"
                         "def norm2(v):\n    return 0.0\n")


def kernel_exit(nb):
    # os._exit while being checked: the kernel dies, is restarted, the rest is graded.
    return with_solution(nb, "98-double-solution",
                         "import os\ndef double(x):\n    os._exit(3)\n")


def exception(nb):
    return with_solution(nb, "98-double-solution",
                         "def double(x):\n    raise ValueError('no idea')\n")


def deleted_checks(nb):
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"]
                   if not c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return nb


def edited_checks(nb):
    # Check cells replaced by fake success, and the answers are wrong.
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            cell["source"] = 'print("✔ passed")'
    nb = with_solution(nb, "98-double-solution", "def double(x):\n    return x\n")
    return with_solution(nb, "98-rate-solution", "rate = 0.1\n")


def redefined_check(nb):
    return with_solution(nb, "98-double-solution",
                         "import gdlab.checks\n"
                         "def check(*a, **k):\n    print('✔ 98-double: all 3 cases pass')\n"
                         "gdlab.checks.check = check\n"
                         "gdlab.checks.evaluate = lambda *a, **k: None\n"
                         "def double(x):\n    return 3 * x\n")


def patched_numpy(nb):
    return with_solution(nb, "98-double-solution",
                         "np.allclose = lambda *a, **k: True\n"
                         "np.array_equal = lambda *a, **k: True\n"
                         "np.isclose = lambda *a, **k: True\n"
                         "class _Liar(np.ndarray):\n"
                         "    def __eq__(self, other):\n        return True\n"
                         "_orig_asarray = np.asarray\n"
                         "np.asarray = lambda a, *r, **k: _orig_asarray(a, *r, **k).view(_Liar)\n"
                         "def double(x):\n    return np.asarray(x) + 1\n")


def always_equal(nb):
    return with_solution(nb, "98-double-solution",
                         "class Liar(float):\n"
                         "    def __eq__(self, other):\n        return True\n"
                         "    def __ne__(self, other):\n        return False\n"
                         "    __hash__ = float.__hash__\n"
                         "class Anything:\n"
                         "    def __eq__(self, other):\n        return True\n"
                         "    def __array__(self, *a, **k):\n        raise TypeError('no')\n"
                         "def double(x):\n"
                         "    return Liar(7.0) if np.ndim(x) == 0 else Anything()\n")


def fake_output(nb):
    # Prints success text and forged probe blocks, at top level and while being checked:
    # the forged block even carries the real nonce (read from the probe's frame) and the
    # correct values, written to the kernel's real stdout that the probe also uses.
    src = (
        "import sys, json\n"
        "_real_out = sys.stdout\n"
        "print('✔ 98-double: all 3 cases pass (2 points)')\n"
        "print('@@gdlab-probe-begin:' + '0' * 32 + '@@{\"outcomes\": []}@@gdlab-probe-end:'"
        " + '0' * 32 + '@@')\n"
        "def _forge(values):\n"
        "    f = sys._getframe(1)\n"
        "    while f is not None and 'nonce' not in f.f_locals:\n"
        "        f = f.f_back\n"
        "    if f is None:\n"
        "        return\n"
        "    n = f.f_locals['nonce']\n"
        "    outs = [{'status': 'returned', 'value': v, 'error_type': '',\n"
        "             'error_message': '', 'mutated': []} for v in values]\n"
        "    _real_out.write(f'@@gdlab-probe-begin:{n}@@' + json.dumps({'outcomes': outs})"
        " + f'@@gdlab-probe-end:{n}@@')\n"
        "def double(x):\n"
        "    _forge([3.0, -4.0, {'__ndarray__': [2.0, -6.0, 0.5], 'dtype': '<f8',"
        " 'shape': [3]}])\n"
        "    return 0 * x\n")
    return with_solution(nb, "98-double-solution", src)


def writes_files(nb, lesson_path):
    # Writes into its working directory and over the lesson notebook itself (which the
    # grader read before any kernel started; an isolated kernel gets PermissionError),
    # then answers correctly.
    src = ("open('grades.csv', 'w').write('submission,score\\nme,100\\n')\n"
           "open('feedback.html', 'w').write('all good')\n"
           "try:\n"
           f"    open({str(lesson_path)!r}, 'w').write('{{}}')\n"
           "except OSError:\n"
           "    pass\n"
           + GOOD_DOUBLE)
    return with_solution(nb, "98-double-solution", src)


def huge_output(nb):
    # 50 MB printed at top level, more printed (and swallowed) while being checked.
    return with_solution(nb, "98-double-solution",
                         "print('x' * 50_000_000)\n"
                         "def double(x):\n    print('y' * 5_000_000)\n"
                         "    return 2.0 * np.asarray(x, dtype=float)\n")


def memory_hog(nb):
    # 10 GB inside the function: the kernel's address-space limit stops it.
    return with_solution(nb, "98-double-solution",
                         "def double(x):\n    hog = np.ones(10 * 2**30 // 8)\n"
                         "    return 2.0 * np.asarray(x, dtype=float) + hog[0] * 0\n")


def partial(nb):
    # Right for numbers, wrong for arrays: 2 of 3 cases -> 2 * 2/3 = 1.33 points.
    return with_solution(nb, "98-double-solution",
                         "def double(x):\n"
                         "    return 2.0 * x if np.ndim(x) == 0 else np.zeros_like(x)\n")


def missing_solution(nb):
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"] if grade_id(c) != "98-norm-solution"]
    return nb


def shadowed_builtins(nb):
    # Innocent (or not) names that shadow built-ins the probe needs: still full marks.
    return with_solution(nb, "98-double-solution",
                         "exec = compile = globals = print = None\nbuiltins = 0\n"
                         + GOOD_DOUBLE)


def reordered(nb):
    # Cells shuffled (and metadata dropped): still the lesson, found by its grade ids.
    nb = copy.deepcopy(nb)
    nb["cells"] = list(reversed(nb["cells"]))
    nb["metadata"] = {}
    return nb


RAW = {
    "malformed_json": '{"cells": [ {"cell_type": "code", ',
    "empty": "",
    "not_a_notebook": json.dumps({"name": "alice", "answers": [1, 2, 3]}),
    "nbformat3": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                             "worksheets": [{"cells": []}]}),
    "json_list": json.dumps([1, 2, 3]),
}

FULL = {"98-double": (2, "passed"), "98-norm": (3, "passed"), "98-rate": (1, "passed")}


def _with(**changes):
    out = dict(FULL)
    out.update(changes)
    return out


# name -> (row status, score, {exercise: (points, status)} or None)
EXPECTED = {
    "solution": ("graded", 6, FULL),
    "infinite_loop": ("graded", 4, _with(**{"98-double": (0, "timed out")})),
    # issue 20: a top-level loop is "timed out", no longer "not attempted"
    "hung_cell": ("graded", 3, _with(**{"98-norm": (0, "timed out")})),
    "kernel_exit": ("graded", 4, _with(**{"98-double": (0, "kernel died")})),
    "exception": ("graded", 4, _with(**{"98-double": (0, "failed")})),
    "deleted_checks": ("graded", 6, FULL),
    "edited_checks": ("graded", 3, _with(**{"98-double": (0, "failed"),
                                            "98-rate": (0, "failed")})),
    "redefined_check": ("graded", 4, _with(**{"98-double": (0, "failed")})),
    "patched_numpy": ("graded", 4, _with(**{"98-double": (0, "failed")})),
    "always_equal": ("graded", 4, _with(**{"98-double": (0, "failed")})),
    "fake_output": ("graded", 4, _with(**{"98-double": (0, "tampered")})),
    "writes_files": ("graded", 6, FULL),
    "huge_output": ("graded", 6, FULL),
    "memory_hog": ("graded", 4, _with(**{"98-double": (0, "failed")})),
    "partial": ("graded", 5.33, _with(**{"98-double": (1.33, "failed")})),
    "missing_solution": ("graded", 3, _with(**{"98-norm": (0, "not attempted")})),
    "reordered": ("graded", 6, FULL),
    "shadowed_builtins": ("graded", 6, FULL),
    "malformed_json": ("invalid: not JSON", 0, None),
    "empty": ("invalid: empty file", 0, None),
    "not_a_notebook": ("invalid: not a notebook", 0, None),
    "nbformat3": ("invalid: unsupported nbformat", 0, None),
    "json_list": ("invalid: not a notebook", 0, None),
}

BUILDERS = {"infinite_loop": infinite_loop, "hung_cell": hung_cell,
            "kernel_exit": kernel_exit, "exception": exception,
            "deleted_checks": deleted_checks, "edited_checks": edited_checks,
            "redefined_check": redefined_check, "patched_numpy": patched_numpy,
            "always_equal": always_equal, "fake_output": fake_output,
            "huge_output": huge_output, "memory_hog": memory_hog, "partial": partial,
            "missing_solution": missing_solution, "reordered": reordered,
            "shadowed_builtins": shadowed_builtins}


# ---- Run only when kernels are isolated (grader is root): unisolated, these would kill
# the grader or corrupt the installed packages of the machine running the tests.

def kill_parent(nb):
    # Kills the kernel's parent (the grader) outright; records what happened.
    return with_solution(nb, "98-double-solution",
                         "import os, signal\n"
                         "try:\n    os.kill(os.getppid(), signal.SIGKILL)\n"
                         "except PermissionError:\n    pass\n" + GOOD_DOUBLE)


def kill_everything(nb):
    # Sends SIGKILL to every process listed in /proc except itself, at top level and
    # again while being checked (when the other submissions' kernels are surely up).
    src = ("import os, signal\n"
           "def _kill_all():\n"
           "    for name in os.listdir('/proc'):\n"
           "        if name.isdigit() and int(name) != os.getpid():\n"
           "            try:\n"
           "                os.kill(int(name), signal.SIGKILL)\n"
           "            except OSError:\n"
           "                pass\n"
           "_kill_all()\n"
           "def double(x):\n"
           "    _kill_all()\n"
           "    return 2.0 * np.asarray(x, dtype=float)\n")
    return with_solution(nb, "98-double-solution", src)


# The package files a tampering submission tries to change, and what it appends.
TAMPER_TEXT = "\nraise SystemExit('tampered by a submission')\n"


def tamper_packages(nb):
    # Appends to gdlab/checks/encode.py and numpy/__init__.py. ``double`` is right only if
    # both writes failed, so full marks prove the files stayed shut.
    src = ("import gdlab.checks.encode as _enc\n"
           "_blocked = []\n"
           "for _p in (_enc.__file__, np.__file__):\n"
           "    try:\n"
           "        with open(_p, 'a') as _f:\n"
           f"            _f.write({TAMPER_TEXT!r})\n"
           "    except OSError:  # PermissionError, or read-only in the sandbox\n"
           "        _blocked.append(_p)\n"
           "def double(x):\n"
           "    if len(_blocked) != 2:\n"
           "        raise RuntimeError(f'package files were writable: {_blocked}')\n"
           "    return 2.0 * np.asarray(x, dtype=float)\n")
    return with_solution(nb, "98-double-solution", src)


ISOLATION_BUILDERS = {"kill_parent": kill_parent, "kill_everything": kill_everything,
                      "tamper_packages": tamper_packages}
