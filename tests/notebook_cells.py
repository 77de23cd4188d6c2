"""Run chosen code cells of a solution notebook and hand back their variables.

For facts that exist only in a lesson's own computation (a network written as a loop in the
notebook, a search routine defined there), a test runs exactly the cells that compute the
fact, by cell id, and checks the resulting values. Nothing is read from stored outputs.
"""
import contextlib
import io
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


def run_cells(notebook, cell_ids):
    """Execute the code cells `cell_ids` of solutions/`notebook` in the order given and
    return the namespace they leave behind (their printing is swallowed)."""
    nb = nbformat.read(SOLUTIONS / notebook, as_version=4)
    by_id = {c.get("id"): c for c in nb.cells if c.cell_type == "code"}
    missing = [cid for cid in cell_ids if cid not in by_id]
    if missing:
        raise KeyError(f"{notebook} has no code cell with id {missing}; "
                       f"its code cells are {sorted(by_id)}")
    namespace = {"__name__": "__lesson__"}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        # plt.show() under Agg warns that it cannot show anything, which is the point here
        warnings.simplefilter("ignore", UserWarning)
        for cid in cell_ids:
            exec(compile(by_id[cid].source, f"{notebook}:{cid}", "exec"), namespace)
    plt.close("all")
    return namespace
