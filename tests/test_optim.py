"""gdlab.optim against the update rules written out longhand, step by step.

The references below are deliberately the most literal transcription of the formulas
torch.optim documents (one line per line of its pseudo-code, allocating freely), so they
share no code or tricks with gdlab's in-place implementation.
"""
import doctest
import itertools
import math

import numpy as np
import pytest

from gdlab import optim, schedules
from gdlab.optim import SGD, Adagrad, Adam, AdamW, Newton, RMSprop

N_STEPS = 20
RNG = np.random.default_rng(1234)
X0 = RNG.normal(size=4)
GRADS = RNG.normal(size=(N_STEPS, 4)) * np.array([1.0, 0.1, 10.0, 3.0])
A = np.array([[3.0, 0.5, 0.0, 0.0], [0.5, 2.0, 0.3, 0.0], [0.0, 0.3, 1.0, 0.0],
              [0.0, 0.0, 0.0, 0.5]])
B = np.array([1.0, -2.0, 0.5, 0.0])


# --------------------------------------------------------------------------- references
def ref_sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
            maximize=False):
    state = {"t": 0, "buf": None}

    def step(x, g):
        lr_t = lr(state["t"]) if callable(lr) else lr
        state["t"] += 1
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * x
        if momentum != 0:
            if state["buf"] is None:
                state["buf"] = g
            else:
                state["buf"] = momentum * state["buf"] + (1 - dampening) * g
            if nesterov:
                g = g + momentum * state["buf"]
            else:
                g = state["buf"]
        return x - lr_t * g
    return step


def ref_adagrad(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                eps=1e-10, maximize=False):
    state = {"t": 0, "sum": None}

    def step(x, g):
        lr_t = lr(state["t"]) if callable(lr) else lr
        state["t"] += 1
        t = state["t"]
        if state["sum"] is None:
            state["sum"] = np.full(x.shape, initial_accumulator_value)
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * x
        clr = lr_t / (1 + (t - 1) * lr_decay)
        state["sum"] = state["sum"] + g ** 2
        return x - clr * g / (np.sqrt(state["sum"]) + eps)
    return step


def ref_rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                maximize=False):
    state = {"t": 0, "v": 0.0, "gavg": 0.0, "b": 0.0}

    def step(x, g):
        lr_t = lr(state["t"]) if callable(lr) else lr
        state["t"] += 1
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * x
        state["v"] = alpha * state["v"] + (1 - alpha) * g ** 2
        v_tilde = state["v"]
        if centered:
            state["gavg"] = alpha * state["gavg"] + (1 - alpha) * g
            v_tilde = v_tilde - state["gavg"] ** 2
        if momentum > 0:
            state["b"] = momentum * state["b"] + g / (np.sqrt(v_tilde) + eps)
            return x - lr_t * state["b"]
        return x - lr_t * g / (np.sqrt(v_tilde) + eps)
    return step


def ref_adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
             maximize=False, decoupled=False):
    b1, b2 = betas
    state = {"t": 0, "m": 0.0, "v": 0.0, "vmax": 0.0}

    def step(x, g):
        lr_t = lr(state["t"]) if callable(lr) else lr
        state["t"] += 1
        t = state["t"]
        if maximize:
            g = -g
        if decoupled:
            x = x - lr_t * weight_decay * x
        elif weight_decay != 0:
            g = g + weight_decay * x
        state["m"] = b1 * state["m"] + (1 - b1) * g
        state["v"] = b2 * state["v"] + (1 - b2) * g ** 2
        m_hat = state["m"] / (1 - b1 ** t)
        if amsgrad:
            state["vmax"] = np.maximum(state["vmax"], state["v"])
            v_hat = state["vmax"] / (1 - b2 ** t)
        else:
            v_hat = state["v"] / (1 - b2 ** t)
        return x - lr_t * m_hat / (np.sqrt(v_hat) + eps)
    return step


def run_pair(opt, ref, problem, x0=X0, n=N_STEPS):
    """Drive ``opt`` and ``ref`` side by side; yield (gdlab x, reference x) per step."""
    x, xr = x0.copy(), x0.copy()
    for k in range(n):
        if problem == "sequence":
            g, gr = GRADS[k], GRADS[k]
        else:  # quadratic 0.5 x^T A x - b^T x: the gradient depends on where we are
            g, gr = A @ x - B, A @ xr - B
        x = opt.step(x, g)
        xr = ref(xr, gr)
        yield x, xr


def assert_matches(opt, ref, problem, rtol=1e-12):
    for k, (x, xr) in enumerate(run_pair(opt, ref, problem)):
        np.testing.assert_allclose(x, xr, rtol=rtol, atol=1e-13, err_msg=f"step {k + 1}")


# --------------------------------------------------------------------------- option grids
def grid(**options):
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


SGD_CASES = [kw for kw in grid(momentum=[0.0, 0.9], dampening=[0.0, 0.3],
                               nesterov=[False, True], weight_decay=[0.0, 0.1],
                               maximize=[False, True])
             if not (kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0))]
ADAGRAD_CASES = grid(lr_decay=[0.0, 0.05], weight_decay=[0.0, 0.1],
                     initial_accumulator_value=[0.0, 0.5], eps=[1e-10, 1e-3],
                     maximize=[False, True])
RMSPROP_CASES = grid(alpha=[0.99, 0.5], momentum=[0.0, 0.8], centered=[False, True],
                     weight_decay=[0.0, 0.1], maximize=[False, True])
ADAM_CASES = grid(betas=[(0.9, 0.999), (0.5, 0.9)], amsgrad=[False, True],
                  weight_decay=[0.0, 0.1], maximize=[False, True], eps=[1e-8, 1e-2])
PROBLEMS = ["sequence", "quadratic"]


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("kw", SGD_CASES, ids=str)
def test_sgd_matches_formula(kw, problem):
    assert_matches(SGD(lr=0.05, **kw), ref_sgd(0.05, **kw), problem)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("kw", ADAGRAD_CASES, ids=str)
def test_adagrad_matches_formula(kw, problem):
    assert_matches(Adagrad(lr=0.3, **kw), ref_adagrad(0.3, **kw), problem)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("kw", RMSPROP_CASES, ids=str)
def test_rmsprop_matches_formula(kw, problem):
    # The centered denominator sqrt(v - gbar^2) amplifies rounding; 1e-10 is still exact
    # enough to catch any formula change.
    assert_matches(RMSprop(lr=0.01, **kw), ref_rmsprop(0.01, **kw), problem, rtol=1e-10)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("kw", ADAM_CASES, ids=str)
def test_adam_matches_formula(kw, problem):
    # gdlab folds the bias corrections into scalars: equal up to rounding.
    assert_matches(Adam(lr=0.05, **kw), ref_adam(0.05, **kw), problem, rtol=1e-10)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("kw", ADAM_CASES, ids=str)
def test_adamw_matches_formula(kw, problem):
    assert_matches(AdamW(lr=0.05, **kw), ref_adam(0.05, decoupled=True, **kw), problem,
                   rtol=1e-10)


def test_sgd_momentum_buffer_first_step_is_the_gradient():
    # b_1 = g_1 with no dampening factor, then b_2 = mu b_1 + (1 - tau) g_2.
    opt = SGD(lr=1.0, momentum=0.5, dampening=0.5)
    opt.step(np.zeros(2), np.array([2.0, 4.0]))
    np.testing.assert_array_equal(opt.state["momentum_buffer"], [2.0, 4.0])
    opt.step(np.zeros(2), np.array([2.0, 0.0]))
    np.testing.assert_array_equal(opt.state["momentum_buffer"], [0.5 * 2 + 0.5 * 2, 2.0])


def test_plain_sgd_by_hand():
    x = SGD(lr=0.1).step(np.array([1.0, 2.0]), np.array([10.0, -10.0]))
    np.testing.assert_allclose(x, [0.0, 3.0])


def test_adam_first_step_is_lr_times_sign():
    # m_hat = g and v_hat = g^2 at t = 1, so the step is lr * g / (|g| + eps).
    g = np.array([1e-3, -5.0, 200.0])
    x = Adam(lr=0.01, eps=0.0).step(np.zeros(3), g)
    np.testing.assert_allclose(x, -0.01 * np.sign(g))


def test_amsgrad_keeps_the_max_of_v_not_of_v_hat():
    # torch >= 2: vmax = max(vmax, v_t) on the raw second moment.
    opt = Adam(lr=0.1, betas=(0.0, 0.5), amsgrad=True)
    x = np.zeros(1)
    for g in [4.0, 0.0, 0.0]:
        x = opt.step(x, np.array([g]))
    # v: 8, 4, 2 -> vmax stays 8 while v decays.
    np.testing.assert_allclose(opt.state["exp_avg_sq"], [2.0])
    np.testing.assert_allclose(opt.state["max_exp_avg_sq"], [8.0])


# --------------------------------------------------------------------------- Newton
def test_newton_solves_a_quadratic_in_one_step():
    x = Newton().step(X0, A @ X0 - B, hess=A)
    np.testing.assert_allclose(A @ x, B, atol=1e-12)


def test_newton_damping_and_lr():
    g = A @ X0 - B
    x = Newton(lr=0.5, damping=2.0).step(X0, g, hess=A)
    expected = X0 - 0.5 * np.linalg.solve(A + 2.0 * np.eye(4), g)
    np.testing.assert_allclose(x, expected, rtol=1e-12)


def test_newton_accepts_a_hessian_callable():
    x = Newton().step(X0, A @ X0 - B, hess=lambda z: A)
    np.testing.assert_allclose(A @ x, B, atol=1e-12)


def test_newton_elementwise_1d_hessian():
    # 1-D objective f = x^4: f' = 4x^3, f'' = 12x^2, elementwise on an array of shape (1,).
    x = np.array([2.0])
    new = Newton().step(x, 4 * x ** 3, hess=12 * x ** 2)
    np.testing.assert_allclose(new, [2.0 - 32.0 / 48.0])
    assert new.shape == (1,)
    # A 1x1 matrix or a 0-d Hessian give the same step.
    np.testing.assert_allclose(Newton().step(x, 4 * x ** 3, hess=np.array([[48.0]])), new)
    np.testing.assert_allclose(Newton().step(x, 4 * x ** 3, hess=48.0), new)
    # A 0-d point stays 0-d.
    zero_d = Newton().step(np.asarray(2.0), np.asarray(32.0), hess=48.0)
    assert isinstance(zero_d, np.ndarray) and zero_d.shape == ()


def test_newton_line_search_armijo_backtracks():
    # f = x^4 from x = 1: Newton direction d = 4/12 = 1/3. lr = 8 overshoots to -5/3
    # (f = 7.7 > 1) and must be halved once, to 4 (-> -1/3: f drops 1 -> 1/81).
    f = lambda z: np.sum(z ** 4)  # noqa: E731
    x = np.array([1.0])
    g, h = 4 * x ** 3, 12 * x ** 2
    d = g / h
    opt = Newton(lr=8.0, line_search=True)
    new = opt.step(x, g, hess=h, fun=f)
    alpha = 8.0
    while f(x - alpha * d) > f(x) - 1e-4 * alpha * float(g @ d):
        alpha /= 2
    np.testing.assert_allclose(new, x - alpha * d)
    assert opt.state["step_size"] == alpha == 4.0
    assert opt.state["line_search_ok"] is True


def test_newton_line_search_rejects_a_direction_that_is_not_downhill():
    # Saddle x^2 - y^2 at (0.5, 1), no damping: H is indefinite and the Newton direction
    # d = H^{-1} g has g.d = 0.5 - 2 < 0, so -d points uphill. The Armijo test with a
    # negative slope would accept an increase of f; the step must be refused instead.
    f = lambda z: z[0] ** 2 - z[1] ** 2  # noqa: E731
    H = np.diag([2.0, -2.0])
    x = np.array([0.5, 1.0])
    g = np.array([1.0, -2.0])
    assert g @ np.linalg.solve(H, g) < 0
    opt = Newton(line_search=True, max_backtracks=5)
    new = opt.step(x, g, hess=H, fun=f)
    assert opt.state["line_search_ok"] is False
    assert opt.state["step_size"] == 0.0
    np.testing.assert_array_equal(new, x)


def _himmelblau():
    f = lambda z: (z[0] ** 2 + z[1] - 11) ** 2 + (z[0] + z[1] ** 2 - 7) ** 2  # noqa: E731
    def grad(z):
        a, b = z[0] ** 2 + z[1] - 11, z[0] + z[1] ** 2 - 7
        return np.array([4 * z[0] * a + 2 * b, 2 * a + 4 * z[1] * b])
    def hess(z):
        return np.array([[12 * z[0] ** 2 + 4 * z[1] - 42, 4 * (z[0] + z[1])],
                         [4 * (z[0] + z[1]), 4 * z[0] + 12 * z[1] ** 2 - 26]])
    return f, grad, hess


def test_newton_fixed_damping_30_points_uphill_at_lesson_09_start():
    # Issue 11: lesson 09 starts Himmelblau's function at (-0.6, -0.6), where H has
    # eigenvalues about (-41.4, -22.8). A fixed delta = 30 leaves H + 30 I indefinite and
    # the step -d with (H + 30 I) d = g goes uphill (g.d < 0).
    f, grad, hess = _himmelblau()
    x = np.array([-0.6, -0.6])
    g, H = grad(x), hess(x)
    np.testing.assert_allclose(np.linalg.eigvalsh(H), [-41.4, -22.8], atol=0.05)
    d_fixed = np.linalg.solve(H + 30.0 * np.eye(2), g)
    assert g @ d_fixed < 0                      # the old rule: an uphill direction
    # Newton(damping=30) raises delta until H + delta I has a Cholesky factor, so its
    # direction goes downhill, and a short step along it lowers f.
    opt = Newton(damping=30.0, lr=1e-3)
    new = opt.step(x, g, hess=H)
    delta = opt.state["damping_used"]
    assert delta > 30.0 and np.linalg.eigvalsh(H + delta * np.eye(2)).min() > 0
    d = (x - new) / 1e-3
    np.testing.assert_allclose(d, np.linalg.solve(H + delta * np.eye(2), g), rtol=1e-10)
    assert g @ d > 0
    assert f(new) < f(x)


def test_newton_damping_is_doubled_until_cholesky_succeeds():
    # H = diag(-41, 5): delta 30 fails, 60 is the first doubling with H + delta I > 0.
    H = np.diag([-41.0, 5.0])
    opt = Newton(damping=30.0)
    opt.step(np.zeros(2), np.ones(2), hess=H)
    assert opt.state["damping_used"] == 60.0
    # A damping that already makes H positive definite is kept as it is.
    opt = Newton(damping=2.0)
    opt.step(X0, A @ X0 - B, hess=A)
    assert opt.state["damping_used"] == 2.0
    # The same rule on an elementwise (1-D) Hessian: f'' = -3, delta 1 -> 2 -> 4.
    opt = Newton(damping=1.0)
    new = opt.step(np.array([0.0]), np.array([2.0]), hess=np.array([-3.0]))
    assert opt.state["damping_used"] == 4.0
    np.testing.assert_allclose(new, [-2.0])


def test_newton_damped_line_search_runs_downhill_on_himmelblau():
    # The run of lesson 09: every accepted step lowers f, and it ends at a minimum.
    f, grad, hess = _himmelblau()
    x = np.array([-0.6, -0.6])
    opt = Newton(damping=30.0, line_search=True)
    for _ in range(40):
        if f(x) < 1e-16:          # below this, rounding decides whether f still drops
            break
        new = opt.step(x, grad(x), hess=hess(x), fun=f)
        assert opt.state["line_search_ok"] is True
        assert f(new) < f(x)
        x = new
    assert f(x) < 1e-16 and np.linalg.eigvalsh(hess(x)).min() > 0


def test_newton_rejects_a_non_finite_hessian():
    with pytest.raises(ValueError, match="not finite"):
        Newton(damping=1.0).step(np.zeros(2), np.ones(2), hess=np.array([[np.nan, 0], [0, 1.0]]))


def test_newton_repr_shows_every_hyperparameter():
    text = repr(Newton(damping=0.5, line_search=True, armijo_c=0.1, shrink=0.3,
                       max_backtracks=7))
    assert text == ("Newton(lr=1.0, damping=0.5, line_search=True, armijo_c=0.1, "
                    "shrink=0.3, max_backtracks=7)")


@pytest.mark.parametrize("call, exc, match", [
    (lambda o: o.step(X0, X0), TypeError, "needs the Hessian"),
    (lambda o: o.step(X0, X0, hess=np.eye(3)), ValueError, r"hess has shape \(3, 3\)"),
    (lambda o: o.step(X0, X0, hess=np.zeros((4, 4))), np.linalg.LinAlgError, "singular"),
    (lambda o: o.step(np.ones(1), np.ones(1), hess=0.0), np.linalg.LinAlgError, "damping"),
])
def test_newton_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call(Newton())


def test_newton_line_search_needs_fun():
    with pytest.raises(TypeError, match="fun=f"):
        Newton(line_search=True).step(X0, X0, hess=A)


def test_needs_hessian_flag():
    assert Newton.needs_hessian is True
    assert not any(cls.needs_hessian for cls in (SGD, Adagrad, RMSprop, Adam, AdamW))


# --------------------------------------------------------------------------- behaviour
ALL = [lambda: SGD(lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True),
       lambda: Adagrad(lr=0.1, weight_decay=0.1),
       lambda: RMSprop(lr=0.1, momentum=0.5, centered=True, weight_decay=0.1),
       lambda: Adam(lr=0.1, amsgrad=True, weight_decay=0.1),
       lambda: Adam(lr=0.1, maximize=True),
       lambda: AdamW(lr=0.1, amsgrad=True)]
ALL_IDS = ["SGD", "Adagrad", "RMSprop", "Adam", "Adam-maximize", "AdamW"]


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_step_never_mutates_inputs_and_returns_new_array(make):
    opt = make()
    x, g = X0.copy(), GRADS[0].copy()
    new = opt.step(x, g)
    new2 = opt.step(new, g)
    np.testing.assert_array_equal(x, X0)
    np.testing.assert_array_equal(g, GRADS[0])
    assert new is not x and not np.shares_memory(new, x) and not np.shares_memory(new, g)
    assert not np.shares_memory(new2, new)
    for buf in opt.state.values():
        if isinstance(buf, np.ndarray):
            assert not np.shares_memory(buf, new) and not np.shares_memory(buf, new2)


def test_newton_never_mutates_inputs():
    x, g, H = X0.copy(), GRADS[0].copy(), A.copy()
    new = Newton(damping=0.1).step(x, g, hess=H)
    np.testing.assert_array_equal(x, X0)
    np.testing.assert_array_equal(g, GRADS[0])
    np.testing.assert_array_equal(H, A)
    assert not np.shares_memory(new, x)


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_float32_stays_float32(make):
    opt = make()
    x = X0.astype(np.float32)
    for g in GRADS[:3]:
        x = opt.step(x, g.astype(np.float32))
        assert x.dtype == np.float32
    for buf in opt.state.values():
        if isinstance(buf, np.ndarray):
            assert buf.dtype == np.float32
    # and agrees with the float64 run to float32 precision
    x64, opt64 = X0.copy(), make()
    for g in GRADS[:3]:
        x64 = opt64.step(x64, g)
    np.testing.assert_allclose(x, x64, rtol=1e-4, atol=1e-5)


def test_float32_newton_and_float32_grad_for_float64_x():
    x = np.array([1.0, 2.0], dtype=np.float32)
    assert Newton().step(x, x, hess=np.eye(2)).dtype == np.float32
    # float64 x with a float32 gradient: the parameters' dtype decides.
    assert SGD(lr=0.1).step(np.ones(2), np.ones(2, dtype=np.float32)).dtype == np.float64


def test_lists_and_ints_are_converted_to_float64():
    x = Adam(lr=0.1).step([1, 2], [1, -1])
    assert isinstance(x, np.ndarray) and x.dtype == np.float64
    np.testing.assert_allclose(x, [0.9, 2.1])


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_zero_d_and_2d_parameters_work_elementwise(make):
    # The rules are elementwise: a 0-d x or a (2, 2) x behaves like the flattened vector.
    flat_opt, opt0, opt2 = make(), make(), make()
    x_flat, x0, x2 = X0.copy(), np.asarray(X0[0]), X0.reshape(2, 2)
    for g in GRADS[:3]:
        x_flat = flat_opt.step(x_flat, g)
        x0 = opt0.step(x0, np.asarray(g[0]))
        x2 = opt2.step(x2, g.reshape(2, 2))
    assert isinstance(x0, np.ndarray) and x0.shape == ()
    assert x2.shape == (2, 2)
    np.testing.assert_allclose(x0, x_flat[0], rtol=1e-12)
    np.testing.assert_allclose(x2.ravel(), x_flat, rtol=1e-12)


def test_lr_assignment_is_validated():
    opt = Adam(lr=0.1)
    opt.lr = 0.2
    assert opt.current_lr == 0.2
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        opt.lr = -1
    assert opt.lr == 0.2


def test_grad_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"grad has shape \(3,\) but x has shape \(2,\)"):
        SGD(lr=0.1).step(np.ones(2), np.ones(3))


def test_state_shape_change_is_an_error_until_reset():
    opt = Adam(lr=0.1)
    opt.step(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\).*reset"):
        opt.step(np.ones(3), np.ones(3))
    opt.reset()
    assert opt.step(np.ones(3), np.ones(3)).shape == (3,)


def test_non_numeric_input_is_a_type_error():
    with pytest.raises(TypeError, match="numeric"):
        SGD(lr=0.1).step(["a", "b"], [1.0, 2.0])
    with pytest.raises(TypeError, match="real"):
        SGD(lr=0.1).step(np.ones(2, dtype=complex), np.ones(2))


def test_state_and_reset():
    opt = RMSprop(lr=0.1, momentum=0.9, centered=True)
    assert opt.state == {"step": 0} and opt.t == 0
    x = opt.step(X0, GRADS[0])
    opt.step(x, GRADS[1])
    assert opt.t == 2
    assert set(opt.state) == {"step", "square_avg", "momentum_buffer", "grad_avg"}
    assert opt.state["step"] == 2
    # The buffers are the live ones: square_avg after two steps, by hand.
    a = 0.99
    np.testing.assert_allclose(opt.state["square_avg"],
                               a * (1 - a) * GRADS[0] ** 2 + (1 - a) * GRADS[1] ** 2)
    opt.reset()
    assert opt.state == {"step": 0} and opt.t == 0
    # After reset it behaves exactly like a fresh optimizer.
    fresh = RMSprop(lr=0.1, momentum=0.9, centered=True)
    np.testing.assert_array_equal(opt.step(X0, GRADS[0]), fresh.step(X0, GRADS[0]))


def test_state_keys_per_optimizer():
    x, g = np.ones(2), np.ones(2)
    cases = [(SGD(lr=0.1), {"step"}), (SGD(lr=0.1, momentum=0.5), {"step", "momentum_buffer"}),
             (Adagrad(), {"step", "sum"}), (RMSprop(), {"step", "square_avg"}),
             (Adam(), {"step", "exp_avg", "exp_avg_sq"}),
             (AdamW(amsgrad=True), {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})]
    for opt, keys in cases:
        opt.step(x, g)
        assert set(opt.state) == keys, opt


# --------------------------------------------------------------------------- schedules as lr
SCHEDULE = schedules.step_decay(0.1, step_size=3, gamma=0.5)


@pytest.mark.parametrize("make_opt, make_ref", [
    (lambda lr: SGD(lr=lr, momentum=0.9), lambda lr: ref_sgd(lr, momentum=0.9)),
    (lambda lr: Adagrad(lr=lr, lr_decay=0.1), lambda lr: ref_adagrad(lr, lr_decay=0.1)),
    (lambda lr: RMSprop(lr=lr), lambda lr: ref_rmsprop(lr)),
    (lambda lr: Adam(lr=lr), lambda lr: ref_adam(lr)),
    (lambda lr: AdamW(lr=lr), lambda lr: ref_adam(lr, weight_decay=1e-2, decoupled=True)),
], ids=["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_schedule_as_lr_uses_zero_based_update_index(make_opt, make_ref):
    opt = make_opt(SCHEDULE)
    seen = []
    for x, xr in run_pair(opt, make_ref(SCHEDULE), "quadratic"):
        np.testing.assert_allclose(x, xr, rtol=1e-10, atol=1e-13)
        seen.append(opt.current_lr)
    # current_lr is the rate of the NEXT update (index = steps taken so far).
    assert seen == [0.1 * 0.5 ** ((k + 1) // 3) for k in range(N_STEPS)]


def test_current_lr_with_float_and_lambda():
    opt = SGD(lr=0.25)
    assert opt.current_lr == 0.25
    opt = SGD(lr=lambda t: 1.0 / (t + 1))
    x = opt.step(np.zeros(1), np.ones(1))
    np.testing.assert_allclose(x, [-1.0])
    assert opt.current_lr == 0.5


def test_newton_with_schedule():
    opt = Newton(lr=schedules.constant(0.5))
    x = opt.step(np.array([2.0]), np.array([2.0]), hess=np.array([1.0]))
    np.testing.assert_allclose(x, [1.0])


@pytest.mark.parametrize("bad, exc, match", [
    (lambda t: -1.0, ValueError, r"Invalid learning rate: -1.0 returned by the schedule"),
    (lambda t: float("nan"), ValueError, "Invalid learning rate: nan"),
    (lambda t: "fast", TypeError, "must return a float"),
])
def test_bad_schedule_values(bad, exc, match):
    opt = SGD(lr=bad)
    with pytest.raises(exc, match=match):
        opt.step(np.ones(1), np.ones(1))


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("make, exc, match", [
    (lambda: SGD(lr=-0.1), ValueError, r"^Invalid learning rate: -0.1"),
    (lambda: SGD(lr=float("inf")), ValueError, "Invalid learning rate: inf"),
    (lambda: SGD(lr="0.1"), TypeError,
     r"^Invalid learning rate: '0.1' \(must be a finite number >= 0 or a schedule.*not str\)"),
    (lambda: SGD(lr=True), TypeError, r"^Invalid learning rate: True .*not bool"),
    (lambda: SGD(momentum=-0.5), ValueError, r"^Invalid momentum value: -0.5"),
    (lambda: SGD(weight_decay=-1e-4), ValueError, r"^Invalid weight_decay value: -0.0001"),
    (lambda: SGD(dampening=2.0), ValueError, r"^Invalid dampening value: 2.0"),
    (lambda: SGD(nesterov=True), ValueError, "Nesterov momentum requires a momentum and "
                                             "zero dampening"),
    (lambda: SGD(momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     r"Nesterov.*dampening=0.1"),
    (lambda: Adagrad(lr=-1), ValueError, r"Invalid learning rate: -1.0"),
    (lambda: Adagrad(lr_decay=-1), ValueError, r"Invalid lr_decay value: -1.0"),
    (lambda: Adagrad(initial_accumulator_value=-1), ValueError,
     r"Invalid initial_accumulator_value value: -1.0"),
    (lambda: Adagrad(eps=-1e-10), ValueError, r"Invalid epsilon value: -1e-10"),
    (lambda: RMSprop(alpha=-0.1), ValueError, r"Invalid alpha value: -0.1"),
    (lambda: RMSprop(alpha=1.5), ValueError, r"Invalid alpha value: 1.5"),
    (lambda: RMSprop(eps=float("nan")), ValueError, r"Invalid epsilon value: nan"),
    (lambda: RMSprop(momentum=-1), ValueError, r"Invalid momentum value: -1.0"),
    (lambda: Adam(betas=(1.5, 0.999)), ValueError, r"^Invalid beta parameter at index 0: 1.5"),
    (lambda: Adam(betas=(0.9, 1.0)), ValueError, r"Invalid beta parameter at index 1: 1.0"),
    (lambda: Adam(betas=(-0.1, 0.9)), ValueError, r"Invalid beta parameter at index 0: -0.1"),
    (lambda: Adam(betas=0.9), TypeError, r"betas must be a pair"),
    (lambda: Adam(betas=(0.9, "x")), TypeError,
     r"^Invalid beta parameter at index 1: 'x' \(must be a number in \[0, 1\), not str\)"),
    (lambda: Adam(eps=-1.0), ValueError, r"Invalid epsilon value: -1.0"),
    (lambda: AdamW(weight_decay=-0.01), ValueError, r"Invalid weight_decay value: -0.01"),
    (lambda: Newton(lr=-1.0), ValueError, r"Invalid learning rate: -1.0"),
    (lambda: Newton(damping=-1.0), ValueError, r"Invalid damping value: -1.0"),
    (lambda: Newton(armijo_c=1.5), ValueError, r"Invalid armijo_c value: 1.5"),
    (lambda: Newton(shrink=0.0), ValueError, r"Invalid shrink value: 0.0"),
    (lambda: Newton(max_backtracks=-1), ValueError, r"Invalid max_backtracks value: -1"),
])
def test_validation_messages(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_hyperparameters_are_keyword_only():
    with pytest.raises(TypeError):
        SGD(0.1)  # noqa
    with pytest.raises(TypeError):
        Adam(0.1, (0.9, 0.99))  # noqa


@pytest.mark.parametrize("cls, defaults", [
    (SGD, dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
               maximize=False)),
    (Adagrad, dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                   eps=1e-10)),
    (RMSprop, dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                   centered=False)),
    (Adam, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False)),
    (AdamW, dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)),
    (Newton, dict(lr=1.0, damping=0.0, line_search=False, armijo_c=1e-4, shrink=0.5,
                  max_backtracks=30)),
])
def test_defaults_follow_torch(cls, defaults):
    opt = cls()
    for name, value in defaults.items():
        assert getattr(opt, name) == value, name
    text = repr(opt)
    assert text.startswith(cls.__name__ + "(lr=")


# --------------------------------------------------------------------------- clipping
def test_grad_norm_global_over_list():
    gs = [np.array([1.0, -2.0]), np.array([[2.0], [4.0]])]
    flat = np.array([1.0, -2.0, 2.0, 4.0])
    assert optim.grad_norm(gs) == pytest.approx(math.sqrt(np.sum(flat ** 2)))
    assert optim.grad_norm(gs, norm_type=1) == pytest.approx(9.0)
    assert optim.grad_norm(gs, norm_type=3) == pytest.approx(np.sum(np.abs(flat) ** 3) ** (1 / 3))
    assert optim.grad_norm(gs, norm_type=float("inf")) == 4.0
    assert optim.grad_norm(np.array([3.0, 4.0])) == pytest.approx(5.0)


def test_clip_grad_norm_rescales_a_copy():
    g = np.array([30.0, 40.0])
    out = optim.clip_grad_norm(g, max_norm=5.0)
    np.testing.assert_allclose(out, g * 5.0 / (50.0 + 1e-6))
    np.testing.assert_array_equal(g, [30.0, 40.0])
    assert not np.shares_memory(out, g)
    # Under the limit: unchanged values (still a copy).
    small = np.array([0.3, 0.4])
    out = optim.clip_grad_norm(small, max_norm=1.0)
    np.testing.assert_array_equal(out, small)
    assert out is not small


def test_clip_grad_norm_list_uses_the_global_norm():
    gs = [np.array([3.0]), np.array([4.0], dtype=np.float32)]
    out = optim.clip_grad_norm(gs, max_norm=1.0)
    assert isinstance(out, list) and len(out) == 2
    np.testing.assert_allclose(np.concatenate(out), [0.6, 0.8], rtol=1e-6)
    assert out[1].dtype == np.float32
    out_inf = optim.clip_grad_norm(gs, max_norm=2.0, norm_type=float("inf"))
    np.testing.assert_allclose(np.concatenate(out_inf), [1.5, 2.0], rtol=1e-6)


def test_clip_grad_value():
    g = np.array([-5.0, 0.5, 2.0])
    np.testing.assert_array_equal(optim.clip_grad_value(g, 1.0), [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(g, [-5.0, 0.5, 2.0])
    out = optim.clip_grad_value([np.array([3.0]), np.array([-0.1])], 0.2)
    np.testing.assert_allclose(np.concatenate(out), [0.2, -0.1])


@pytest.mark.parametrize("call, exc, match", [
    (lambda: optim.clip_grad_norm(np.ones(2), -1.0), ValueError, "Invalid max_norm: -1.0"),
    (lambda: optim.clip_grad_norm(np.ones(2), "1"), TypeError,
     r"^Invalid max_norm: '1' \(must be a number >= 0, not str\)"),
    (lambda: optim.grad_norm(np.ones(2), norm_type=0), ValueError, "Invalid norm_type: 0"),
    (lambda: optim.grad_norm(np.ones(2), norm_type="fro"), TypeError, "norm_type"),
    (lambda: optim.grad_norm([]), ValueError, "empty list"),
    (lambda: optim.clip_grad_value(np.ones(2), -0.5), ValueError, "Invalid clip_value: -0.5"),
])
def test_clipping_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- docs
@pytest.mark.parametrize("module", ["_base", "sgd", "adagrad", "rmsprop", "adam", "newton",
                                    "clipping"])
def test_docstring_examples_run(module):
    import importlib
    mod = importlib.import_module(f"gdlab.optim.{module}")
    result = doctest.testmod(mod)
    assert result.failed == 0


# --------------------------------------------------------------------------- one clipping rule
def test_fit_clips_with_the_rule_of_clip_grad_norm():
    # one full-batch update: fit(clip_norm=c) must move exactly as SGD on clip_grad_norm(g, c)
    from gdlab import fit
    from gdlab.models import LinearRegression
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30) * 50
    model, theta0 = LinearRegression(), np.zeros(3)
    g = model.grad(theta0, X, y)
    assert np.linalg.norm(g) > 1.0
    h = fit(model, X, y, SGD(lr=0.1), epochs=1, params0=theta0, clip_norm=1.0)
    np.testing.assert_array_equal(h.path[1], theta0 - 0.1 * optim.clip_grad_norm(g, 1.0))
    # torch's rule: c / (|g| + 1e-6), so the clipped norm is a hair below c, never above
    assert 1.0 - 1e-6 < np.linalg.norm(optim.clip_grad_norm(g, 1.0)) < 1.0


def test_clipping_a_zero_gradient_to_zero_norm_is_finite():
    np.testing.assert_array_equal(optim.clip_grad_norm(np.zeros(2), 0.0), [0.0, 0.0])


# --------------------------------------------------------------------------- runner interface
def test_step_unchecked_is_step_without_the_checks():
    g = np.array([0.5, -1.0])
    a, b = Adam(lr=0.1), Adam(lr=0.1)
    x_a = a.step(X0[:2], g)
    x_b = b.step(X0[:2], g)
    x_a = a.step(x_a, g)
    x_b = b.step_unchecked(x_b, g, b.current_lr)
    np.testing.assert_array_equal(x_a, x_b)
    assert a.t == b.t == 2


def test_lr_at_evaluates_the_schedule_without_moving_the_count():
    opt = SGD(lr=lambda t: 1.0 / (t + 1))
    assert opt.lr_at(3) == 0.25 and opt.t == 0
    opt.count_steps(3)
    assert opt.t == 3 and opt.current_lr == opt.lr_at(3)
    assert SGD(lr=0.2).lr_at(99) == 0.2
    with pytest.raises(ValueError, match="Invalid number of steps: -1"):
        opt.count_steps(-1)


# --------------------------------------------------------------------------- torch habits
@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam, AdamW, Newton])
def test_torch_style_params_argument_explains_gdlab_call(cls):
    # issue 13: gdlab.optim.Adam([x], lr=0.1) used to be Python's bare "takes 1 positional
    # argument but 2 were given"; the message must say how gdlab's call differs
    x = np.zeros(2)
    with pytest.raises(TypeError) as info:
        cls([x], lr=0.1)
    text = str(info.value)
    assert f"{cls.__name__}(lr=" in text and "opt.step(x, grad)" in text
    assert "positional" in text and "torch" in text


def test_crosscheck_script_exits_non_zero_on_a_mismatch(monkeypatch, capsys):
    import importlib.util
    import sys
    import types
    from pathlib import Path

    # the script needs torch only to run the comparison; its verdict is plain Python
    fake = types.SimpleNamespace(SGD=object, Adagrad=object, RMSprop=object, Adam=object,
                                 AdamW=object)
    monkeypatch.setitem(sys.modules, "torch", types.SimpleNamespace(optim=fake))
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "crosscheck_torch.py"
    spec = importlib.util.spec_from_file_location("crosscheck_torch", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.verdict([1e-16, 3e-15]) == 0
    assert script.verdict([1e-16, 1e-3]) == 1
    assert script.verdict([float("nan")]) == 1
    assert "MISMATCH" in capsys.readouterr().out
