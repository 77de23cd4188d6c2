"""How long the class report of a big class takes to build and to show in Chromium.

    python benchmarks/class_report.py [--n 200] [--repeats 5]

Builds grades.json data for N submissions (the synthetic class of the report tests:
three lessons, nbgrader layout, mistakes, time-outs, flags), writes report.html, and opens
it REPEATS times in a fresh headless Chromium page (/usr/bin/chromium). Prints:

* ``write_s``: seconds to build and write report.html (Python side, figures included);
* ``render_ms``: from navigation start until the load event, with every image decoded
  (``performance`` timing inside the page), median and worst over the repeats;
* ``wall_ms``: the same measured from outside (page.goto + decode), median.

Target: render under 2000 ms for 200 submissions.
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the synthetic class lives with the tests
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"

# Milliseconds from navigation start until the page is loaded and every image decoded.
_LOADED_MS = """async () => {
  await Promise.all([...document.images].map(i => i.decode()));
  const nav = performance.getEntriesByType("navigation")[0];
  return Math.max(nav.loadEventEnd, performance.now());
}"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="submissions (default 200)")
    parser.add_argument("--repeats", type=int, default=5, help="page loads (default 5)")
    args = parser.parse_args()

    from grading_gallery.class_data import synthetic_class
    from playwright.sync_api import sync_playwright

    from gdlab.grading.class_report import write_class_report

    data = synthetic_class(args.n, seed=0)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        path = write_class_report(data, Path(tmp) / "report.html")
        write_s = time.perf_counter() - started
        size_kb = path.stat().st_size / 1024
        render, wall = [], []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])
            for _ in range(args.repeats):
                page = browser.new_page()
                t0 = time.perf_counter()
                page.goto(path.as_uri(), wait_until="load")
                render.append(page.evaluate(_LOADED_MS))
                wall.append((time.perf_counter() - t0) * 1000)
                page.close()
            browser.close()
    print(f"class_report n={args.n} size_kb={size_kb:.0f} write_s={write_s:.2f} "
          f"render_ms median={statistics.median(render):.0f} max={max(render):.0f} "
          f"wall_ms median={statistics.median(wall):.0f}")


if __name__ == "__main__":
    main()
