"""Grading a class vs. just running the notebooks: 20 correct submissions of one lesson.

    python benchmarks/grading.py [--lesson 03] [--n 20] [--jobs N]

Times, in the same run on the same machine:

* ``grader``:   ``gdlab.grading.grade_submissions`` on N copies of the lesson's solution
  notebook (fresh limited kernel per submission, probes, reports; --jobs kernels at once);
* ``nbclient``: the same N notebooks executed one after another with plain nbclient;
* the start-up of one kernel in a bubblewrap sandbox against a plain one (medians of 5,
  interleaved), the per-submission cost of the sandbox;
* making and removing one submission's budget group (cgroup, budget.py): median of 50.

Prints both times and the ratio grader / nbclient (target: <= 1.0). Uses a real lesson
from solutions/ and lessons/ when there is one with checks, else the grader tests' small
lesson 98 built in a temporary folder.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fallback test lesson lives there


def _has_checks(path):
    nb = nbformat.read(path, as_version=4)
    return any(c.get("metadata", {}).get("nbgrader", {}).get("grade") for c in nb.cells)


def pick_lesson(wanted, workdir):
    """(solution notebook, lessons folder) to benchmark."""
    lessons = ROOT / "lessons"
    candidates = [p for p in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
                  if (lessons / p.name).exists() and _has_checks(lessons / p.name)]
    if wanted:
        candidates = [p for p in candidates if p.name.startswith(wanted)]
    if candidates:
        return candidates[0], lessons
    from grading_gallery.lesson import build_course
    sol, _ = build_course(workdir)
    return sol, Path(workdir) / "lessons"


def run_nbclient(paths):
    start = time.perf_counter()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        # allow_errors: the fallback lesson's check() needs exercises only the grader has
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def run_grader(paths, lessons_dir, out, jobs):
    from gdlab.grading import GradeOptions, grade_submissions
    options = GradeOptions(cell_timeout=120, notebook_timeout=600, jobs=jobs)  # sandboxed
    start = time.perf_counter()
    result = grade_submissions(paths, out, lessons_dir=lessons_dir, options=options,
                               force=True, progress=False)
    seconds = time.perf_counter() - start
    scores = {(g.score, g.max_score) for g in result.grades.values()}
    return seconds, scores


def kernel_startups(repeats=5):
    """Median seconds to start (and stop) a kernel: (sandboxed, plain), interleaved."""
    import asyncio
    import statistics
    from gdlab.grading.budget import Budget
    from gdlab.grading.executor import KernelSession
    from gdlab.grading.isolation import resolve_kernel_users
    from gdlab.grading.sandbox import find_sandbox
    sandbox = find_sandbox()
    users = resolve_kernel_users("auto", 1, sandboxed=True)
    user = None if users is None else users[0]

    async def once(box):
        start = time.perf_counter()
        session = KernelSession(memory_mb=4096, sandbox=box, kernel_user=user if box else None,
                               budget=Budget() if box else None)
        await session.start()
        run = await session.run("1 + 1", 60)
        assert run.status == "ok", run
        await session.close()
        return time.perf_counter() - start

    boxed, plain = [], []
    for _ in range(repeats):
        boxed.append(asyncio.run(once(sandbox)))
        plain.append(asyncio.run(once(None)))
    return statistics.median(boxed), statistics.median(plain)


def budget_group_cost(repeats=50):
    """(mechanism name, median seconds to create and remove one submission's group)."""
    import statistics
    from gdlab.grading.budget import Budget, choose_mechanism
    mechanism = choose_mechanism()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        mechanism.create(Budget()).remove()
        times.append(time.perf_counter() - start)
    return mechanism.name, statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lesson", default=None, help="lesson number, e.g. 03")
    parser.add_argument("--n", type=int, default=20, help="number of submissions")
    parser.add_argument("--jobs", type=int, default=0, help="grader kernels (0 = CPUs)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gdlab-bench-") as tmp:
        tmp = Path(tmp)
        sol, lessons_dir = pick_lesson(args.lesson, tmp / "course")
        text = sol.read_text(encoding="utf-8")
        paths = []
        for i in range(args.n):
            p = tmp / "subs" / f"student{i:02d}.ipynb"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
            paths.append(p)
        jobs = args.jobs or os.cpu_count() or 1
        print(f"lesson: {sol.name}, {args.n} submissions, grader jobs={jobs}, "
              f"cpus={os.cpu_count()}")
        t_grader, scores = run_grader(paths, lessons_dir, tmp / "out", jobs)
        print(f"grader:   {t_grader:7.1f} s  (scores seen: {sorted(scores)})")
        t_plain = run_nbclient(paths)
        print(f"nbclient: {t_plain:7.1f} s  (sequential, no grading)")
        print(f"ratio grader / nbclient = {t_grader / t_plain:.2f} (target <= 1.0)")
        boxed, plain = kernel_startups()
        print(f"kernel start-up: sandboxed {boxed * 1000:.0f} ms, plain {plain * 1000:.0f} ms, "
              f"sandbox cost per submission {(boxed - plain) * 1000:+.0f} ms")
        name, group = budget_group_cost()
        print(f"budget group ({name}): create + remove {group * 1000:.2f} ms per submission")


if __name__ == "__main__":
    main()
