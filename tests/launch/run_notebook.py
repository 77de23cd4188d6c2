"""Execute one notebook in *this* interpreter's environment and report what happened.

Run as a script by another environment's python (Binder emulation, a fresh clone), so it
imports nothing from the test suite: only nbformat and nbclient, which the learner's
requirements install. Usage::

    python run_notebook.py NOTEBOOK REPORT.json [--timeout SECONDS]

A probe cell is appended that prints the kernel's interpreter and where gdlab was imported
from, so the caller can prove the notebook ran in the new environment and not in a stray
kernel. The report holds every error output (cell index, ename, evalue) and the probe.
Exit code 0 means the notebook executed to the end without an error output.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import nbclient
import nbformat

PROBE = ("import sys, gdlab\n"
         "print('GDLAB-PROBE', sys.executable, gdlab.__file__, sep='\\n')")


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    parser.add_argument("report")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)

    nb = nbformat.read(args.notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = nbclient.NotebookClient(
        nb, timeout=args.timeout, kernel_name="python3", allow_errors=True,
        # Run from the notebook's folder, as Jupyter does when a learner opens it.
        resources={"metadata": {"path": str(Path(args.notebook).resolve().parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start

    errors, probe = [], None
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append({"cell": index, "ename": out.get("ename"),
                               "evalue": str(out.get("evalue"))[:500],
                               "source": cell.source[:300]})
            text = out.get("text", "")
            if out.get("output_type") == "stream" and "GDLAB-PROBE" in text:
                lines = text.split("GDLAB-PROBE", 1)[1].strip().splitlines()
                probe = {"executable": lines[0], "gdlab_file": lines[1]}
    report = {"notebook": args.notebook, "seconds": seconds, "errors": errors,
              "probe": probe, "python": sys.executable,
              "code_cells": sum(c.cell_type == "code" for c in nb.cells) - 1}
    with open(args.report, "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1)
    return 1 if errors or probe is None else 0


if __name__ == "__main__":
    sys.exit(main())
