"""gdlab.epochs: fit's two epoch runners leave the same records.

LeastSquaresSGDEpoch (LinearRegression + plain SGD) must be a pure speed-up of the general
loop: the same iterates bit for bit, the same losses and gradient norms to rounding, the
same stop at the same step. The general loop is forced with a LinearRegression subclass
that overrides ``_loss_grad`` (the runner only takes models whose gradient it knows), and
both are checked against plain numpy written here from the update rule.
"""
import warnings

import numpy as np
import pytest

import gdlab.epochs as epochs
from gdlab import schedules
from gdlab.epochs import LeastSquaresSGDEpoch, RowChunks
from gdlab.models import LinearRegression, LogisticRegression, Ridge
from gdlab.optim import SGD, Adam
from gdlab.train import fit


class GeneralOnly(LinearRegression):
    """LinearRegression that the fast runner must refuse (its gradient is overridden)."""

    def _loss_grad(self, params, X, y):
        return super()._loss_grad(params, X, y)


def _data(m, d, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, d)).astype(dtype)
    y = (X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(m)).astype(dtype)
    return X, y


def _both(X, y, make_opt, **kw):
    """Run fit with the fast runner and with the general loop; return both Histories and
    both optimizers, failing if fit did not take the runner the test expects."""
    calls = {"n": 0}
    real_chunk = LeastSquaresSGDEpoch._chunk

    def counting(self, *args):
        calls["n"] += 1
        return real_chunk(self, *args)

    out = []
    for model in (LinearRegression(), GeneralOnly()):
        opt = make_opt()
        with warnings.catch_warnings(), pytest.MonkeyPatch.context() as mp:
            warnings.simplefilter("ignore")
            mp.setattr(LeastSquaresSGDEpoch, "_chunk", counting)
            before = calls["n"]
            h = fit(model, X, y, opt, params0=np.zeros(X.shape[1], X.dtype), **kw)
        used_fast = calls["n"] > before
        assert used_fast == (type(model) is LinearRegression)
        out.append((h, opt))
    return out


CASES = [
    # (m, d, batch_size, extra fit arguments)
    (1000, 5, 32, dict(epochs=3)),                       # several chunks, last batch short
    (1000, 5, 7, dict(epochs=2, seed=4)),                # batches of 7, short last batch
    (3001, 20, 64, dict(epochs=2, shuffle=False)),       # views of X, no gathering
    (700, 3, 1, dict(epochs=2)),                         # stochastic: 1024-row chunks of 1
    (100, 3, None, dict(epochs=5)),                      # full batch
    (2500, 4, 100, dict(epochs=2, record_path=False)),   # no path kept
]


@pytest.mark.parametrize("m,d,B,kw", CASES)
def test_fast_runner_matches_general_loop(m, d, B, kw):
    X, y = _data(m, d)
    (fast, opt_f), (slow, opt_s) = _both(X, y, lambda: SGD(lr=0.05), batch_size=B, **kw)
    assert fast.n_updates == slow.n_updates and fast.stop_reason == slow.stop_reason
    np.testing.assert_array_equal(fast.x, slow.x)              # same arithmetic, same bits
    if slow.path is None:
        assert fast.path is None
    else:
        np.testing.assert_array_equal(fast.path, slow.path)
    np.testing.assert_array_equal(fast.epoch_loss, slow.epoch_loss)
    np.testing.assert_allclose(fast.loss, slow.loss, rtol=1e-13)   # summed in another order
    np.testing.assert_allclose(fast.grad_norm, slow.grad_norm, rtol=1e-13)
    np.testing.assert_array_equal(fast.lr, slow.lr)
    assert np.all(np.diff(fast.time) >= 0) and fast.time.shape == slow.time.shape
    assert (fast.grad_evals, fast.examples_seen, fast.epochs) == \
        (slow.grad_evals, slow.examples_seen, slow.epochs)
    assert opt_f.t == opt_s.t == fast.n_updates


def test_fast_runner_matches_a_loop_written_from_the_update_rule():
    m, d, B, lr, seed = 530, 6, 16, 0.03, 11
    X, y = _data(m, d, seed=2)
    h = fit(LinearRegression(), X, y, SGD(lr=lr), batch_size=B, epochs=3, seed=seed)
    rng = np.random.default_rng(seed)
    theta = np.zeros(d)
    path, losses, norms = [theta], [], []
    for _ in range(3):
        order = rng.permutation(m)
        for lo in range(0, m, B):
            rows = order[lo:lo + B]
            r = X[rows] @ theta - y[rows]
            g = 2.0 / len(rows) * X[rows].T @ r
            losses.append(r @ r / len(rows))
            norms.append(np.linalg.norm(g))
            theta = theta - lr * g
            path.append(theta)
    np.testing.assert_allclose(h.path, path, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.loss[:-1], losses, rtol=1e-12)
    np.testing.assert_allclose(h.grad_norm, norms, rtol=1e-12)
    assert h.loss[-1] == pytest.approx(np.mean((X @ theta - y) ** 2), rel=1e-12)


@pytest.mark.parametrize("make_lr", [
    lambda: schedules.step_decay(0.05, step_size=40, gamma=0.5),
    lambda: schedules.cosine(0.05, total_steps=200, min_lr=0.001),
    lambda: schedules.ReduceOnPlateau(0.05, patience=0, factor=0.5, threshold=0.9),
])
def test_fast_runner_follows_schedules_like_the_general_loop(make_lr):
    X, y = _data(1200, 4, seed=3)
    (fast, opt_f), (slow, _) = _both(X, y, lambda: SGD(lr=make_lr()), batch_size=32, epochs=4)
    np.testing.assert_array_equal(fast.lr, slow.lr)
    assert len(np.unique(fast.lr)) > 1                 # the schedule really changed the lr
    np.testing.assert_array_equal(fast.path, slow.path)
    assert opt_f.t == fast.n_updates


@pytest.mark.parametrize("B", [16, 1000])
def test_fast_runner_stops_at_the_same_diverging_batch(B):
    # lr far above 2/L: the loss explodes inside a chunk; the fast runner notices when the
    # chunk ends and must rewind to the first bad batch, as the general loop stops there.
    X, y = _data(3000, 4, seed=5)
    (fast, opt_f), (slow, opt_s) = _both(X, y, lambda: SGD(lr=3.0), batch_size=B, epochs=20,
                                         max_loss=1e6)
    assert fast.diverged and slow.diverged
    assert fast.stop_reason == slow.stop_reason and fast.n_updates == slow.n_updates
    assert fast.n_updates % (epochs.GATHER_ROWS // B) != 0 or B == 1000  # stopped mid-chunk
    np.testing.assert_array_equal(fast.x, slow.x)
    np.testing.assert_array_equal(fast.path, slow.path)
    np.testing.assert_allclose(fast.loss, slow.loss, rtol=1e-12)
    assert fast.loss[-1] > 1e6 and fast.grad_evals == slow.grad_evals == fast.n_updates + 1
    assert opt_f.t == opt_s.t == fast.n_updates


def test_fast_runner_keeps_float32():
    X, y = _data(900, 5, dtype=np.float32, seed=6)
    (fast, _), (slow, _) = _both(X, y, lambda: SGD(lr=0.01), batch_size=8, epochs=2)
    assert fast.x.dtype == np.float32 and fast.path.dtype == np.float32
    np.testing.assert_array_equal(fast.path, slow.path)
    np.testing.assert_allclose(fast.loss, slow.loss, rtol=1e-6)


@pytest.mark.parametrize("model,opt,kw,X_dtype", [
    (LinearRegression(), SGD(lr=0.1), {}, np.float64),
    (GeneralOnly(), SGD(lr=0.1), {}, np.float64),
    (Ridge(alpha=0.1), SGD(lr=0.1), {}, np.float64),
    (LogisticRegression(), SGD(lr=0.1), {}, np.float64),
    (LinearRegression(), SGD(lr=0.1, momentum=0.9), {}, np.float64),
    (LinearRegression(), SGD(lr=0.1, weight_decay=0.01), {}, np.float64),
    (LinearRegression(), SGD(lr=0.1, maximize=True), {}, np.float64),
    (LinearRegression(), Adam(lr=0.1), {}, np.float64),
    (LinearRegression(), SGD(lr=0.1), {"tol": 1e-6}, np.float64),
    (LinearRegression(), SGD(lr=0.1), {"clip_norm": 1.0}, np.float64),
    (LinearRegression(), SGD(lr=0.1), {}, np.float32),     # params stay float64: mixed
])
def test_fast_runner_takes_only_what_it_computes_exactly(model, opt, kw, X_dtype):
    X = np.ones((4, 2), dtype=X_dtype)
    y = np.ones(4)
    expected = (type(model) is LinearRegression and opt.momentum == 0 and not kw
                and opt.weight_decay == 0 and not opt.maximize and X_dtype == np.float64) \
        if isinstance(opt, SGD) else False
    got = LeastSquaresSGDEpoch.applies(model, opt, X, y, np.zeros(2), tol=kw.get("tol"),
                                       clip_norm=kw.get("clip_norm"), prox=None)
    assert got is expected


@pytest.mark.parametrize("m,B", [(10, 3), (2048, 32), (2049, 32), (5000, 1), (300, 300)])
def test_row_chunks_cover_every_row_once_in_the_given_order(m, B):
    X = np.arange(2 * m, dtype=float).reshape(m, 2)
    y = np.arange(m, dtype=float)
    chunks = RowChunks(X, y, B, shuffled=True)
    assert chunks.rows % B == 0 or chunks.rows == m      # batches never straddle chunks
    order = np.random.default_rng(0).permutation(m)
    seen = []
    for X_c, y_c in chunks(order):
        np.testing.assert_array_equal(X_c[:, 0], 2 * y_c)   # X and y rows travel together
        assert np.shares_memory(X_c, chunks.X_buf)          # gathered into the reused buffer
        seen.append(y_c.copy())
    np.testing.assert_array_equal(np.concatenate(seen), order)
    views = list(RowChunks(X, y, B, shuffled=False)(None))
    assert all(np.shares_memory(X_c, X) for X_c, _ in views)  # no order: views, no copy
    np.testing.assert_array_equal(np.concatenate([y_c for _, y_c in views]), y)


def test_blocks_stay_small_when_there_are_many_parameters():
    # 200,000 parameters and batches of 1: the default chunk of 1024 batches would keep
    # 1025 x 200,000 iterates (1.6 GB); the block is capped at BLOCK_NUMBERS numbers instead
    m, d = 40, 200_000
    X, y = _data(m, d, seed=7)
    chunks = RowChunks(X, y, 1, shuffled=True, n_params=d)
    runner = LeastSquaresSGDEpoch(None, chunks, 1, SGD(lr=1e-6), max_loss=1e12, d=d,
                                  dtype=np.float64)
    assert runner.iterates.size <= epochs.BLOCK_NUMBERS + d and chunks.rows == 5
    h = fit(LinearRegression(), X, y, SGD(lr=1e-6), batch_size=1, epochs=1, record_path=False)
    assert h.n_updates == m and np.isfinite(h.final_loss)
