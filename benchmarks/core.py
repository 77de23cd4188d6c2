"""Speed of gdlab's core numerics, measured against plain numpy written the obvious way.

    python benchmarks/core.py

Each benchmark times gdlab and its naive counterpart side by side in the same run
(interleaved repeats, median), so a busy machine slows both alike, and prints one line

    NAME gdlab_ms=X naive_ms=Y ratio=R

with R = gdlab / naive (lower is better), plus `target=... met`/`MISSED` when the
benchmark has a target. Sections: bench_adam() (one Adam step on 10 million float32
parameters; target ratio <= 0.6) and bench_fit() when defined (training-loop overhead).

A section is a function returning a dict {"name", "gdlab_s", "naive_s"} (seconds,
medians) and optionally "target" (the largest acceptable ratio); main() prints it.
"""
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a bare checkout too

from gdlab.optim import Adam  # noqa: E402


def interleaved(fns, repeats):
    """Median seconds per call for each of ``fns``, calling them in turn ``repeats`` times."""
    times = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(ts) for ts in times]


def naive_adam_step(x, g, m, v, t, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Adam exactly as written in the paper, one numpy expression per line."""
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    mhat = m / (1 - b1 ** t)
    vhat = v / (1 - b2 ** t)
    x = x - lr * mhat / (np.sqrt(vhat) + eps)
    return x, m, v


def bench_adam(n=10_000_000, repeats=15):
    """One Adam step on ``n`` float32 parameters: gdlab.optim.Adam vs naive numpy."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n, dtype=np.float32)
    g = rng.standard_normal(n, dtype=np.float32)

    opt = Adam(lr=1e-3)
    naive = {"m": np.zeros_like(x), "v": np.zeros_like(x), "t": 0}

    def run_gdlab():
        # Keep the result alive until the next call, as `x = opt.step(x, g)` would.
        run_gdlab.out = opt.step(x, g)

    def run_naive():
        naive["t"] += 1
        out, naive["m"], naive["v"] = naive_adam_step(x, g, naive["m"], naive["v"], naive["t"])
        run_naive.out = out

    run_gdlab(), run_naive()  # warm-up: first-touch page faults of the state buffers
    # Both versions computed the same first step; check before timing anything.
    if not np.allclose(run_gdlab.out, run_naive.out, rtol=1e-5, atol=1e-6):
        raise AssertionError("gdlab's Adam and the naive step disagree")
    t_gdlab, t_naive = interleaved([run_gdlab, run_naive], repeats)
    return {"name": f"adam_step_{n // 1_000_000}M_float32", "gdlab_s": t_gdlab,
            "naive_s": t_naive, "target": 0.6}


def report(result):
    ratio = result["gdlab_s"] / result["naive_s"]
    line = (f"{result['name']} gdlab_ms={result['gdlab_s'] * 1e3:.1f} "
            f"naive_ms={result['naive_s'] * 1e3:.1f} ratio={ratio:.2f}")
    if result.get("target") is not None:
        line += f" target={result['target']} " + ("met" if ratio <= result["target"]
                                                   else "MISSED")
    print(line)
    return ratio


def main():
    sections = [bench_adam]
    if "bench_fit" in globals():  # added by the training-loop benchmark
        sections.append(globals()["bench_fit"])
    for section in sections:
        report(section())


if __name__ == "__main__":
    main()
