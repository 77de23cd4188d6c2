"""Issue 20's attacks on the grader's resources and the sandbox, as submissions of lesson 98.

Each attack replaces one solution cell; ``EXPECTED`` gives the row status and, per
exercise, (points, status). They are graded attacker, honest, blank, with ``--jobs 2``.
"""
from grading_gallery.hostile import GOOD_DOUBLE
from grading_gallery.lesson import with_solution

GOOD_NORM = "def norm2(v):\n    return float(np.sqrt(np.sum(np.asarray(v, dtype=float) ** 2)))\n"

# Three children touch 1 GB each and wait for each other: 3 GB held by one submission
# unless the budget (2 GB, all processes together) stops one. It sits in the norm cell,
# so the double exercise, judged before, keeps its points.
FORK_MEMORY = '''
import os, time
_kids = []
for _ in range(3):
    _pid = os.fork()
    if _pid == 0:
        _block = b"\\x01" * (1 << 30)
        time.sleep(8)
        os._exit(0)
    _kids.append(_pid)
for _pid in _kids:
    os.waitpid(_pid, 0)
''' + GOOD_NORM

# 300 MB of output from a solution cell, in 1 MB lines; the function is right.
PRINT_300MB = '''
_line = "x" * (1 << 20)
for _ in range(300):
    print(_line)
''' + GOOD_DOUBLE

# ~750 MB written to the kernel's working folder in three files under the per-file limit;
# writing stops at the first error (the folder's cap). The function is right.
WRITE_750MB = '''
_chunk = b"\\x02" * (1 << 20)
_written = 0
try:
    for _i in range(3):
        with open(f"filler-{_i}.bin", "wb") as _fh:
            for _ in range(250):
                _fh.write(_chunk)
                _written += 1
except OSError as _err:
    print("stopped after", _written, "MB:", _err)
''' + GOOD_DOUBLE

# A user namespace made inside the sandbox (unshare -Ur, and the raw system call): if
# either works, double is wrong, so full marks mean both were refused.
UNSHARE = '''
import ctypes, subprocess
_made = subprocess.run(["unshare", "-Ur", "true"], capture_output=True).returncode == 0
_libc = ctypes.CDLL(None, use_errno=True)
_made = _made or _libc.unshare(0x10000000) == 0   # CLONE_NEWUSER
def double(x):
    return (3.0 if _made else 2.0) * np.asarray(x, dtype=float)
'''

ATTACKS = {"fork_memory": ("98-norm-solution", FORK_MEMORY),
           "print_300mb": ("98-double-solution", PRINT_300MB),
           "write_750mb": ("98-double-solution", WRITE_750MB),
           "unshare": ("98-double-solution", UNSHARE)}

FULL = {"98-double": (2, "passed"), "98-norm": (3, "passed"), "98-rate": (1, "passed")}
EXPECTED = {
    "fork_memory": ("memory limit", {"98-double": (2, "passed"), "98-norm": (0, "not run"),
                                     "98-rate": (0, "not run")}),
    "print_300mb": ("graded", FULL),
    "write_750mb": ("graded", FULL),
    "unshare": ("graded", FULL),
}


def build(nb, name):
    cell, source = ATTACKS[name]
    return with_solution(nb, cell, source)
