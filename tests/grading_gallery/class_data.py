"""A made-up class as grades.json data, for the class report and gradebook without kernels.

Three lessons with three exercises each; every student hands in each lesson with some
probability, laid out as nbgrader lays it out (``submitted/STUDENT/LESSON/FILE.ipynb``).
Exercises pass, fail with a named mistake (whose message quotes the student's name, to
test anonymising), are not attempted, or time out; a few notebooks crash or are empty, and
a few exercises carry integrity flags. Seeded, so a size gives the same class every time.
"""
import numpy as np

# lesson -> (file, [(grade_id, title, max points, [mistake names])])
LESSONS = {
    "01": ("01_descent_1d.ipynb", [
        ("01-derivative", "A derivative by hand", 2.0, ["sign flipped", "power rule"]),
        ("01-descent-loop", "The descent loop", 3.0, ["off by one step"]),
        ("01-stable-rate", "The largest stable rate", 1.0, []),
    ]),
    "03": ("03_linear_regression.ipynb", [
        ("03-mse", "The mean squared error", 2.0, ["sum instead of mean", "missing square"]),
        ("03-mse-grad", "The gradient of the MSE", 3.0, ["missing factor 2"]),
        ("03-lstsq", "Compare with np.linalg.lstsq", 1.0, ["transposed"]),
    ]),
    "10": ("10_capstone.ipynb", [
        ("10-fit", "Fit a model", 4.0, ["no intercept"]),
        ("10-schedule", "A schedule", 2.0, []),
        ("10-report", "The report numbers", 2.0, ["rounded too early"]),
    ]),
}


def _exercise(rng, student, gid, max_points, mistakes):
    draw = rng.random()
    ex = {"points": 0.0, "max_points": max_points, "finding": "", "mistakes": []}
    if draw < 0.55:
        ex.update(points=max_points, status="passed",
                  message=f"✔ {gid}: all 3 cases pass ({max_points:g} points)")
    elif draw < 0.85:
        passed = int(rng.integers(0, 3))
        ex["points"] = round(max_points * passed / 3, 2)
        ex["status"] = "failed"
        if mistakes:
            name = mistakes[int(rng.integers(len(mistakes)))]
            ex["finding"], ex["mistakes"] = f"mistake:{name}", [name]
            ex["message"] = (f"✘ {gid}: {passed} of 3 cases pass.\nFor f(1.0): {name}, "
                             f"see /home/{student}/notes.txt")
        else:
            ex["finding"] = "values"
            ex["message"] = f"✘ {gid}: {passed} of 3 cases pass.\nThe numbers differ."
    elif draw < 0.95:
        ex.update(status="not attempted", message=f"{gid}: not attempted yet")
    else:
        ex.update(status="timed out", message=f"{gid}: checking your code took longer "
                                              "than 60 s")
    if rng.random() < 0.03:
        ex["flags"] = [f"same solution as another submission of {gid}"]
    return ex


def synthetic_class(n_submissions=30, seed=0):
    """grades.json data with about ``n_submissions`` rows (exactly that many: students
    are added until the count is reached)."""
    rng = np.random.default_rng(seed)
    subs = []
    i = 0
    while len(subs) < n_submissions:
        student = f"student{i:03d}"
        i += 1
        for lesson, (file, exercises) in LESSONS.items():
            if len(subs) >= n_submissions or rng.random() < 0.2:
                continue
            name = f"{student}/{lesson}/{file[:-6]}"
            row = {"name": name, "path": f"submitted/{student}/{lesson}/{file}",
                   "sha256": "0" * 64, "status": "graded", "message": "",
                   "lesson": lesson, "lesson_file": file, "lesson_sha256": "1" * 64,
                   "exercises": {}, "seconds": round(float(rng.uniform(2, 20)), 2),
                   "student": student, "feedback": f"feedback/{name.replace('/', '_')}.html"}
            draw = rng.random()
            if draw < 0.03:
                row.update(status="invalid: not JSON", lesson="", lesson_file="",
                           lesson_sha256="", message="The file is not JSON.")
            else:
                for gid, _, mx, mistakes in exercises:
                    row["exercises"][gid] = _exercise(rng, student, gid, mx, mistakes)
                if draw < 0.06:
                    row["status"] = "kernel died"
                    row["message"] = "The kernel died or hung 4 times."
            row["score"] = round(sum(e["points"] for e in row["exercises"].values()), 2)
            row["max_score"] = (round(sum(e["max_points"]
                                          for e in row["exercises"].values()), 2)
                                if row["lesson"] else None)
            subs.append(row)
    subs.sort(key=lambda s: s["name"])
    return {"format": "gdlab-grades", "version": 1, "submissions": subs}
