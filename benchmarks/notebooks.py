"""Time every solution notebook the way CI runs it: a fresh kernel, top to bottom.

    python benchmarks/notebooks.py [solutions/01_descent_1d.ipynb ...]

Prints one line per notebook, `NAME seconds=X`, and the total. The course promises at most
20 s per notebook and 3 minutes for all of them on the 2-core CI machine.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(argv):
    paths = [Path(p) for p in argv] or sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
    total = 0.0
    for path in paths:
        seconds = run(path)
        total += seconds
        print(f"{path.stem} seconds={seconds:.1f}", flush=True)
    print(f"total seconds={total:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
