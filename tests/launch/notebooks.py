"""Which notebook a launch test opens, and running a notebook in another environment."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from .envs import ROOT, clean_env

RUNNER = Path(__file__).with_name("run_notebook.py")
PREFERRED = "01_descent_1d.ipynb"
# A code cell that builds a dashboard: gdlab.widgets.NAME(...) or w.NAME(...) after an import.
_DASHBOARD_CALL = re.compile(r"\b(?:gdlab\.)?widgets\.\w+\(|\bw\.\w+\(")


def lesson_notebooks(folder: str, root: Path = ROOT) -> list[Path]:
    return sorted((root / folder).glob("[0-9][0-9]_*.ipynb"))


def solution_to_run(root: Path = ROOT) -> Path:
    """solutions/01_descent_1d.ipynb if it exists, else the first solution there is."""
    preferred = root / "solutions" / PREFERRED
    if preferred.exists():
        return preferred
    found = lesson_notebooks("solutions", root)
    if not found:
        raise AssertionError(f"no solution notebooks in {root / 'solutions'}")
    return found[0]


def has_dashboard(path: Path) -> bool:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return any(cell["cell_type"] == "code" and _DASHBOARD_CALL.search("".join(cell["source"]))
               for cell in nb["cells"])


def notebook_with_dashboard(dest: Path, root: Path = ROOT) -> Path:
    """Copy a solution that shows a dashboard into ``dest`` and return the copy.

    Prefers lesson 01; if no solution has a dashboard cell yet, copies lesson 01 (or the
    first solution) and appends ``w.descent_1d()``, so the browser test always has a
    live ipympl figure to move.
    """
    candidates = [root / "solutions" / PREFERRED] + lesson_notebooks("solutions", root)
    for path in candidates:
        if path.exists() and has_dashboard(path):
            target = dest / path.name
            target.write_bytes(path.read_bytes())
            return target
    source = solution_to_run(root)
    nb = json.loads(source.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {},
                        "outputs": [],
                        "source": ["import gdlab.widgets as w\n", "w.descent_1d()"]})
    target = dest / source.name
    target.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return target


def execute_in(venv: Path, notebook: Path, report: Path, *, home: Path, timeout=1800):
    """Run ``notebook`` with ``venv``'s python and nbclient; return the JSON report.

    Raises AssertionError naming every error output if the notebook did not run cleanly.
    """
    # The kernel chooses its own (inline) backend, as it would for a learner.
    env = clean_env(venv, HOME=str(home))
    proc = subprocess.run([str(venv / "bin" / "python"), str(RUNNER), str(notebook),
                           str(report)], cwd=notebook.parent, env=env, timeout=timeout,
                          capture_output=True, text=True)
    if not report.exists():
        raise AssertionError(f"executing {notebook.name} produced no report (exit "
                             f"{proc.returncode})\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    if data["errors"]:
        lines = [f"  cell {e['cell']}: {e['ename']}: {e['evalue']}" for e in data["errors"]]
        raise AssertionError(f"{notebook.name} raised in {len(lines)} cell(s) when run with "
                             f"{venv}:\n" + "\n".join(lines))
    if data["probe"] is None:
        raise AssertionError(f"{notebook.name} ran but its probe cell printed nothing:\n"
                             f"{proc.stderr[-4000:]}")
    return data
