"""Issue 20, the sandbox side: one memory and process budget per submission (budget.py),
a size-capped working folder, output beyond the cap not held by the grader, and a seccomp
filter that refuses namespaces (seccomp.py).

The gallery run grades each attack of grading_gallery/budgets.py, then an honest and a
blank submission, with two kernels at once, while a thread samples the grader's memory,
each submission group's memory and what the kernels leave on the host disk.
"""
import asyncio
import os
import struct
import threading
import time
from pathlib import Path

import pytest

from gdlab.grading import GradeOptions, budget, grade_submissions, isolation
from gdlab.grading.cli import main as grade_main
from gdlab.grading.executor import KernelSession, grading_tmpdir
from gdlab.grading.seccomp import BLOCKED, seccomp_program
from grading_gallery import budgets
from grading_gallery.lesson import attacker_honest_blank, build_course, load
from grading_gallery.sandbox import require_sandbox

OPTIONS = GradeOptions(cell_timeout=30, notebook_timeout=180, jobs=2)
GB = 1024


# ------------------------------------------------------------------ budgets and options

@pytest.mark.parametrize("text,mb", [("2G", 2048), ("1536M", 1536), ("1.5GB", 1536),
                                     ("2048", 2048), ("3 GiB", 3072)])
def test_memory_budget_is_read_in_megabytes(text, mb):
    assert budget.parse_memory(text) == mb


@pytest.mark.parametrize("text,words", [("2T", "write it like 2G"), ("lots", "write it"),
                                        ("100M", "below 256 MB"), ("-1G", "write it")])
def test_bad_memory_budget_is_refused_clearly(text, words, capsys):
    with pytest.raises(SystemExit) as exit_:
        grade_main(["x.ipynb", "--out", "o", f"--memory={text}"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--memory" in err and repr(text) in err and words in err


def test_bad_process_budget_is_refused_clearly(capsys):
    with pytest.raises(SystemExit):
        grade_main(["x.ipynb", "--out", "o", "--max-procs", "4"])
    assert "--max-procs: must be >= 32, got 4" in capsys.readouterr().err
    with pytest.raises(ValueError, match="process budget: 0"):
        GradeOptions(max_procs=0)


# ------------------------------------------------------------------ the seccomp filter

def _run_filter(program, arch, nr, arg0=0):
    """Interpret the classic BPF filter on one system call (seccomp_data: nr, arch, ip,
    args): the instructions it uses are load, jeq, jge, jset and ret."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, arg0, 0, 0, 0, 0, 0)
    code = [struct.unpack("HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]
    pc, acc = 0, 0
    while True:
        op, jt, jf, k = code[pc]
        pc += 1
        if op == 0x20:
            acc = struct.unpack_from("<I", data, k)[0]
        elif op == 0x06:
            return k
        else:
            hit = {0x15: acc == k, 0x35: acc >= k, 0x45: bool(acc & k)}[op]
            pc += jt if hit else jf


@pytest.mark.parametrize("machine,arch,col", [("x86_64", 0xC000003E, 0),
                                               ("aarch64", 0xC00000B7, 1)])
def test_filter_refuses_what_a_kernel_never_needs(machine, arch, col):
    prog = seccomp_program(machine)
    eperm, enosys, allow = 0x50000 | 1, 0x50000 | 38, 0x7FFF0000
    for name, numbers in BLOCKED.items():
        assert _run_filter(prog, arch, numbers[col]) == eperm, name
    clone, clone3, read = (56, 220)[col], 435, (0, 63)[col]
    assert _run_filter(prog, arch, read) == allow
    assert _run_filter(prog, arch, clone, 0x01200011) == allow       # fork
    assert _run_filter(prog, arch, clone, 0x003D0F00) == allow       # a thread
    assert _run_filter(prog, arch, clone, 0x10000000 | 17) == eperm  # CLONE_NEWUSER
    assert _run_filter(prog, arch, clone, 0x00020000) == eperm       # CLONE_NEWNS
    assert _run_filter(prog, arch, clone3) == enosys
    assert _run_filter(prog, 0x40000003, 310) == eperm               # i386's unshare
    if col == 0:
        assert _run_filter(prog, arch, 0x40000000 + 272) == eperm    # x32's unshare
    assert seccomp_program("riscv64") is None


# ------------------------------------------------------------------ one sandboxed kernel

def _session(**kw):
    users = isolation.resolve_kernel_users("auto", 1, sandboxed=True)
    return KernelSession(kernel_user=None if users is None else users[0],
                         sandbox=require_sandbox(), **kw)


@pytest.mark.slow
def test_sandbox_refuses_namespaces_and_still_runs_the_course_stack():
    async def go():
        async with _session(budget=budget.Budget()) as s:
            made = await s.run("import subprocess\nr = subprocess.run(['unshare', '-Ur', "
                               "'true'], capture_output=True, text=True)\n"
                               "print(r.returncode, r.stderr)", 30)
            stack = await s.run(
                "import numpy as np, matplotlib, ipykernel\nmatplotlib.use('agg')\n"
                "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
                "ax.plot(np.arange(5.0))\nfig.savefig('f.png')\n"
                "import os\nprint(os.path.getsize('f.png') > 0, ipykernel.__version__)", 60)
            return made, stack
    made, stack = asyncio.run(go())
    code, _, err = made.stdout.partition(" ")
    assert int(code) != 0 and "Operation not permitted" in err, made
    assert stack.status == "ok" and "True " + ipykernel_version() in stack.stdout, stack


def ipykernel_version():
    import ipykernel
    return ipykernel.__version__


def _groups():
    found = []
    for parent in getattr(budget.choose_mechanism(), "parents", []):
        found += [p for p in Path(parent).glob(f"gdlab-{os.getpid()}-*")]
    return found


@pytest.mark.slow
def test_cancelled_session_removes_its_group():
    async def go():
        async with _session(budget=budget.Budget()) as s:
            assert len(_groups()) == len(budget.choose_mechanism().parents)
            await s.run("import time\ntime.sleep(60)", 120)
    if budget.choose_mechanism().name == "watchdog":
        pytest.skip("no cgroup on this machine: nothing to remove")

    async def cancel_soon():
        task = asyncio.ensure_future(go())
        await asyncio.sleep(8)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    asyncio.run(cancel_soon())
    assert _groups() == []


@pytest.mark.slow
def test_watchdog_ends_a_sandbox_over_budget(monkeypatch, capsys):
    monkeypatch.setattr(budget, "_chosen", {})
    monkeypatch.setattr(budget, "_cgroup_v2", lambda: None)
    monkeypatch.setattr(budget, "_cgroup_v1", lambda: None)
    assert budget.choose_mechanism().name == "watchdog"
    assert "watchdog" in capsys.readouterr().err

    async def go():
        async with _session(budget=budget.Budget(memory_mb=512)) as s:
            run = await s.run("import time\nblock = b'x' * (900 << 20)\ntime.sleep(30)", 60)
            return run, s.over_budget(), s.peak_memory_mb()
    run, over, peak = asyncio.run(go())
    monkeypatch.setattr(budget, "_chosen", {})
    assert run.status == "died" and over == "memory", run
    assert 512 < peak < 1200


# ------------------------------------------------------------------ the gallery run

class _Sampler(threading.Thread):
    """Every 50 ms: the grader's resident memory, each submission group's memory, and the
    bytes below the grader's kernel folders on the host disk."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.grader_mb, self.group_mb, self.disk_mb = 0.0, {}, 0.0

    def run(self):
        base = Path(grading_tmpdir(True))
        while not self.stop.wait(0.05):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    self.grader_mb = max(self.grader_mb, int(line.split()[1]) / 1024)
            for group in _groups():
                usage = group / "memory.usage_in_bytes"
                if not usage.exists():
                    usage = group / "memory.current"
                try:
                    mb = int(usage.read_text()) / 2**20
                except (OSError, ValueError):
                    continue
                self.group_mb[group.name] = max(self.group_mb.get(group.name, 0.0), mb)
            total = 0
            for folder in base.glob("gdlab-grade-*"):
                for top, _, files in os.walk(folder):   # (folders vanish as it walks)
                    for name in files:
                        try:
                            total += os.lstat(os.path.join(top, name)).st_size
                        except OSError:
                            pass
            self.disk_mb = max(self.disk_mb, total / 2**20)


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    require_sandbox()
    root = tmp_path_factory.mktemp("budgets")
    sol, lesson = build_course(root)
    nb, blank = load(sol), load(lesson)
    paths = attacker_honest_blank(root / "subs", {name: budgets.build(nb, name)
                                                   for name in budgets.ATTACKS}, nb, blank, pad=1)
    Path("/proc/self/clear_refs").write_text("5")   # restart the peak (VmHWM) here
    sampler = _Sampler()
    sampler.start()
    try:
        res = grade_submissions(paths, root / "out", lessons_dir=root / "lessons",
                                options=OPTIONS, progress=False)
    finally:
        sampler.stop.set()
        sampler.join()
    hwm = [int(line.split()[1]) / 1024 for line in
           Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:")]
    res.grades = {Path(n).stem: g for n, g in res.grades.items()}
    artifacts = os.environ.get("GDLAB_ARTIFACTS")
    figures = (f"grader peak RSS {hwm[0]:.0f} MB (sampled {sampler.grader_mb:.0f} MB); "
               f"largest submission group {max(sampler.group_mb.values(), default=0):.0f} MB;"
               f" host disk below kernel folders at most {sampler.disk_mb:.1f} MB\n")
    print(figures)
    if artifacts:
        Path(artifacts, "grader-budgets.txt").write_text(figures)
    return {"res": res, "out": root / "out", "sampler": sampler, "hwm": hwm[0]}


@pytest.mark.slow
@pytest.mark.parametrize("i,name", list(enumerate(budgets.ATTACKS)))
def test_budget_attack_gets_its_row(gallery, i, name):
    grade = gallery["res"].grades[f"{i}a_{name}"]
    status, exercises = budgets.EXPECTED[name]
    assert grade.status == status, (grade.status, grade.message)
    got = {g: (e.points, e.status) for g, e in grade.exercises.items()}
    assert got == exercises, grade.exercises


@pytest.mark.slow
@pytest.mark.parametrize("i,name", list(enumerate(budgets.ATTACKS)))
def test_honest_and_blank_rows_unchanged(gallery, i, name):
    honest = gallery["res"].grades[f"{i}b_honest"]
    blank = gallery["res"].grades[f"{i}c_blank"]
    assert (honest.status, honest.score, honest.max_score) == ("graded", 6, 6), \
        honest.exercises
    assert (blank.status, blank.score, blank.max_score) == ("graded", 0, 6), blank.exercises
    assert {e.status for e in blank.exercises.values()} == {"not attempted"}


@pytest.mark.slow
def test_grader_and_submissions_stay_within_their_budgets(gallery):
    sampler = gallery["sampler"]
    assert gallery["hwm"] < 1 * GB, gallery["hwm"]
    if budget.choose_mechanism().name != "watchdog":
        assert sampler.group_mb and max(sampler.group_mb.values()) <= OPTIONS.memory_budget_mb
    # sockets and connection files only: the 750 MB went to the capped tmpfs, if anywhere
    assert sampler.disk_mb < 5, sampler.disk_mb
    assert _groups() == []


@pytest.mark.slow
def test_instructor_sees_the_memory_limit(gallery):
    out = gallery["out"]
    row = next(line for line in (out / "grades.csv").read_text().splitlines()
               if "fork_memory" in line)
    assert ",memory limit,2," in row, row
    report = (out / "report.html").read_text(encoding="utf-8")
    problems = report[report.index('id="problems-section"'):]
    assert "fork_memory" in problems and "memory limit" in problems
    assert "memory budget of 2048 MB" in problems
