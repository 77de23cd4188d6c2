"""axe-core (bundled by axe-playwright-python) on a page, with each violation sorted into
what gdlab's output caused and what the surrounding application (JupyterLab, nbconvert's
template) caused."""
from __future__ import annotations

from dataclasses import dataclass

# Where gdlab's own output lives on a page: a cell's output area (nbconvert and
# JupyterLab use the same class) or a dashboard.
OURS = ".jp-OutputArea-output, .gdlab-dashboard"


@dataclass
class Violation:
    rule: str
    impact: str
    target: str
    html: str
    ours: bool

    def __str__(self):
        return f"{self.rule} ({self.impact}) at {self.target}: {self.html[:160]}"


def violations(page, *, everything_ours=False):
    """axe's violations on ``page``; ``everything_ours``: a page gdlab wrote whole (the
    class report, a feedback page)."""
    from axe_playwright_python.sync_playwright import Axe
    response = Axe().run(page).response
    found = []
    for v in response["violations"]:
        for node in v["nodes"]:
            target = node["target"][0] if node["target"] else ""
            if isinstance(target, list):     # inside an iframe: not gdlab's
                target = " >>> ".join(map(str, target))
                ours = False
            else:
                ours = everything_ours or page.evaluate(
                    "([sel, ours]) => { const e = document.querySelector(sel);"
                    " return !!(e && e.closest(ours)); }", [target, OURS])
            found.append(Violation(v["id"], v.get("impact") or "", target,
                                   node.get("html", ""), ours))
    return found
