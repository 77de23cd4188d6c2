"""Speed of gdlab's core numerics, measured against plain numpy written the obvious way.

    python benchmarks/core.py

Each benchmark times gdlab and its naive counterpart side by side in the same run
(interleaved repeats, median), so a busy machine slows both alike, and prints one line

    NAME gdlab_ms=X naive_ms=Y ratio=R

with R = gdlab / naive (lower is better), plus `target=... met`/`MISSED` when the
benchmark has a target. Sections: bench_adam() (one Adam step on 10 million float32
parameters; target ratio <= 0.6) and bench_fit() (one epoch of mini-batch linear
regression against scikit-learn; target ratio <= 0.6, plus an untargeted line for fit's
general loop, which every other model/optimizer combination takes).

A section is a function returning a dict {"name", "gdlab_s", "naive_s"} (seconds,
medians) and optionally "target" (the largest acceptable ratio), or a list of such
dicts; main() prints them.
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
    for section in (bench_adam, bench_fit):
        results = section()
        for result in results if isinstance(results, list) else [results]:
            report(result)


def bench_fit(m=200_000, d=100, batch_size=32, repeats=5):
    """One training epoch of linear regression: gdlab.train.fit vs scikit-learn's SGDRegressor.

    gdlab: ``fit(LinearRegression(), X, y, SGD(lr=0.01), batch_size=32, epochs=1)``, i.e.
    ceil(m / 32) = 6250 vectorised mini-batch updates with a fresh shuffle, the full
    History bookkeeping (batch loss, gradient norm, lr, time and path per update) and the
    end-of-epoch training loss. fit runs this combination with
    ``gdlab.epochs.LeastSquaresSGDEpoch``; the second line times the same call through
    fit's general loop (a LinearRegression subclass, which the fast runner refuses), the
    path of every other model and optimizer. scikit-learn: ``SGDRegressor(max_iter=1,
    tol=None, learning_rate="constant")``, one epoch of per-example updates in compiled
    Cython, also shuffled. All three are timed from the same in-memory float64 arrays,
    interleaved; ratio = gdlab time / scikit-learn time (lower is better).

    Where the time goes is measured in ``gdlab.epochs.LeastSquaresSGDEpoch``'s docstring
    (one place, so the figures cannot drift apart).
    """
    import warnings

    from gdlab.models import LinearRegression
    from gdlab.optim import SGD
    from gdlab.train import fit
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import SGDRegressor
    except ImportError as exc:  # the benchmark's only extra dependency
        raise ImportError("bench_fit compares against scikit-learn: pip install scikit-learn") from exc

    rng = np.random.default_rng(0)
    X = rng.standard_normal((m, d))
    theta = rng.standard_normal(d)
    y = X @ theta + 0.1 * rng.standard_normal(m)

    class GeneralLoop(LinearRegression):
        """Same model; overriding the gradient sends fit down its general loop."""

        def _loss_grad(self, params, X_b, y_b):
            return super()._loss_grad(params, X_b, y_b)

    def run_gdlab():
        run_gdlab.out = fit(LinearRegression(), X, y, SGD(lr=0.01), batch_size=batch_size,
                            epochs=1, seed=0)

    def run_general():
        run_general.out = fit(GeneralLoop(), X, y, SGD(lr=0.01), batch_size=batch_size,
                              epochs=1, seed=0)

    def run_sklearn():
        reg = SGDRegressor(max_iter=1, tol=None, learning_rate="constant", eta0=0.001,
                           fit_intercept=False, shuffle=True, random_state=0)
        with warnings.catch_warnings():
            # max_iter=1 is deliberate; sklearn warns that one epoch did not converge
            warnings.simplefilter("ignore", ConvergenceWarning)
            reg.fit(X, y)
        run_sklearn.out = reg

    run_gdlab(), run_general(), run_sklearn()  # warm-up
    # Both must have actually learned the model before their speed means anything:
    # after one epoch each is within noise level of the least-squares fit (MSE ~ 0.01).
    mse_gdlab = float(np.mean((X @ run_gdlab.out.x - y) ** 2))
    mse_sklearn = float(np.mean((X @ run_sklearn.out.coef_ - y) ** 2))
    if not (mse_gdlab < 0.05 and mse_sklearn < 0.05):
        raise AssertionError(f"an epoch did not fit the data: MSE gdlab {mse_gdlab:.3g}, "
                             f"sklearn {mse_sklearn:.3g}")
    if not np.array_equal(run_gdlab.out.x, run_general.out.x):
        raise AssertionError("fit's fast runner and its general loop disagree")
    t_gdlab, t_general, t_sklearn = interleaved([run_gdlab, run_general, run_sklearn], repeats)
    name = f"fit_epoch_linreg_{m}x{d}_batch{batch_size}"
    return [{"name": f"{name}_vs_sklearn_SGDRegressor", "gdlab_s": t_gdlab,
             "naive_s": t_sklearn, "target": 0.6},
            {"name": f"{name}_general_loop_vs_sklearn_SGDRegressor", "gdlab_s": t_general,
             "naive_s": t_sklearn}]


if __name__ == "__main__":
    main()
