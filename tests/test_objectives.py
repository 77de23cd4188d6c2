"""Tests for gdlab.objectives against independent references written here.

Derivatives are checked with this file's own finite differences (not gdlab.gradcheck),
stated critical points are checked by their defining properties (zero gradient, Hessian
signature, f compared with nearby points), and completeness is checked by this file's own
root search.
"""
import numpy as np
import pytest

from gdlab import objectives as obj

RNG_SEED = 1234
H = 1e-5  # finite-difference step (central differences: error ~ H^2)


# --------------------------------------------------------------------------------------
# references written in the test
# --------------------------------------------------------------------------------------
def fd_grad(fun, x, h=H):
    """Central-difference gradient of a scalar function of a (d,) point."""
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (float(fun(x + e)) - float(fun(x - e))) / (2 * h)
    return g


def fd_jacobian(fun, x, h=H):
    """Central-difference Jacobian of a vector function: column i = d fun / d x_i."""
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * h))
    return np.stack(cols, axis=-1)


def close(a, b, rtol=1e-6):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(1.0, float(np.max(np.abs(b))), float(np.max(np.abs(a))))
    return float(np.max(np.abs(a - b))) <= rtol * scale


def random_points(o, n=6, seed=RNG_SEED):
    rng = np.random.default_rng(seed)
    lo = np.array([b[0] for b in o.bounds])
    hi = np.array([b[1] for b in o.bounds])
    return lo + (hi - lo) * rng.random((n, o.dim))


SPD3 = [[4.0, 1.0, 0.5], [1.0, 3.0, -0.2], [0.5, -0.2, 2.0]]

ALL = list(obj.catalog().values()) + [
    obj.parabola(a=3.0, c=-1.0),
    obj.quadratic(SPD3, b=[1.0, -2.0, 0.5]),
    obj.quadratic([[1.0, 2.0], [2.0, -1.0]], b=[1.0, 0.0]),  # indefinite
    obj.quadratic([[2.5]], b=[1.0]),  # 1-D quadratic, elementwise
    obj.ill_conditioned(50.0, dim=4, angle=0.7),
    obj.rosenbrock(a=-0.5, b=10.0),
    obj.rastrigin(dim=1),
    obj.rastrigin(dim=3),
]
IDS = [f"{o.name}-{i}" for i, o in enumerate(ALL)]
ALL_2D = [o for o in ALL if o.dim == 2]
ALL_1D = [o for o in ALL if o.dim == 1]


def point_arg(o, p):
    """A (dim,) point as the objective expects it (1-D objectives are elementwise)."""
    return p[0] if o.dim == 1 else p


def grad_vec(o, p):
    return np.atleast_1d(o.grad(point_arg(o, p)))


def hess_mat(o, p):
    return np.asarray(o.hess(point_arg(o, p)), float).reshape(o.dim, o.dim)


# --------------------------------------------------------------------------------------
# derivatives
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("o", ALL, ids=IDS)
def test_gradient_matches_finite_differences(o):
    for p in random_points(o):
        expected = fd_grad(lambda q: o.f(point_arg(o, q)), p)
        assert close(grad_vec(o, p), expected), (o, p)


@pytest.mark.parametrize("o", ALL, ids=IDS)
def test_hessian_matches_finite_differences_of_gradient(o):
    for p in random_points(o, seed=RNG_SEED + 1):
        expected = fd_jacobian(lambda q: grad_vec(o, q), p)
        H_ = hess_mat(o, p)
        assert close(H_, expected, rtol=1e-5), (o, p)
        assert np.allclose(H_, H_.T)


SMOOTH = [o for o in ALL if o.smoothness is not None]


def test_smoothness_is_claimed_where_it_is_known():
    names = {o.name for o in SMOOTH}
    assert {"parabola", "quadratic", "booth", "saddle"} <= names, names


@pytest.mark.parametrize("o", SMOOTH, ids=[repr(o) for o in SMOOTH])
def test_smoothness_bounds_the_curvature(o):
    for p in random_points(o, n=200, seed=7):
        eig = np.linalg.eigvalsh(hess_mat(o, p))
        assert np.max(np.abs(eig)) <= o.smoothness * (1 + 1e-9)
    if o.strong_convexity is not None:
        for p in random_points(o, n=20, seed=8):
            assert np.linalg.eigvalsh(hess_mat(o, p)).min() >= o.strong_convexity * (1 - 1e-9)


# --------------------------------------------------------------------------------------
# critical points
# --------------------------------------------------------------------------------------
def grad_tol(o, p):
    # gradients near a minimizer are a few roundings of the largest term
    return 1e-8 * max(1.0, float(np.max(np.abs(hess_mat(o, p)))))


def sample(points, k=300, seed=0):
    """At most k of the listed points (Rastrigin in 3-D lists thousands)."""
    if len(points) <= k:
        return points
    return points[np.random.default_rng(seed).choice(len(points), k, replace=False)]


def nearby(o, p, r=1e-3, n=40, seed=0):
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(n, o.dim))
    d *= r / np.linalg.norm(d, axis=1, keepdims=True)
    return p + d


@pytest.mark.parametrize("o", ALL, ids=IDS)
def test_minimizers_are_local_minima(o):
    for p in sample(o.minimizers):
        assert np.linalg.norm(grad_vec(o, p)) <= grad_tol(o, p), (o, p)
        assert np.linalg.eigvalsh(hess_mat(o, p)).min() > 0, (o, p)
        fp = float(o.f(point_arg(o, p)))
        assert all(float(o.f(point_arg(o, q))) >= fp for q in nearby(o, p))


@pytest.mark.parametrize("o", ALL, ids=IDS)
def test_global_minimizers_have_the_lowest_value(o):
    if not len(o.minimizers):
        assert len(o.global_minimizers) == 0 and o.f_star is None
        return
    values = [float(o.f(point_arg(o, p))) for p in o.minimizers]
    for g in o.global_minimizers:
        assert float(o.f(point_arg(o, g))) == pytest.approx(min(values), abs=1e-10)
    assert o.f_star == pytest.approx(min(values), abs=1e-10)
    # and nothing sampled in the window is lower
    grid = random_points(o, n=2000, seed=3)
    assert min(float(o.f(point_arg(o, q))) for q in grid) >= o.f_star - 1e-12


@pytest.mark.parametrize("o", ALL, ids=IDS)
def test_saddles_and_maxima(o):
    for p in sample(o.saddles):
        assert np.linalg.norm(grad_vec(o, p)) <= grad_tol(o, p)
        eig = np.linalg.eigvalsh(hess_mat(o, p))
        if o.name == "monkey_saddle":
            # degenerate: Hessian is zero, so show the saddle by f's sign changes nearby
            assert np.allclose(eig, 0)
            vals = [float(o.f(q)) for q in nearby(o, p, r=0.1)]
            assert min(vals) < float(o.f(p)) < max(vals)
        else:
            assert eig.min() < 0 < eig.max(), (o, p, eig)
    for p in sample(o.maximizers):
        assert np.linalg.norm(grad_vec(o, p)) <= grad_tol(o, p)
        assert np.linalg.eigvalsh(hess_mat(o, p)).max() < 0
        fp = float(o.f(point_arg(o, p)))
        assert all(float(o.f(point_arg(o, q))) <= fp for q in nearby(o, p))


def test_known_minimizers_from_the_literature():
    # values as published (Himmelblau 1972; Beale 1958; Rosenbrock 1960; Booth)
    himmelblau = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                  (3.584428, -1.848126)]
    got = obj.himmelblau().minimizers
    for ref in himmelblau:
        assert np.min(np.linalg.norm(got - ref, axis=1)) < 1e-5
    assert np.allclose(obj.himmelblau().global_minimizers[0], [3.0, 2.0])
    assert np.allclose(obj.beale().minimizers, [[3.0, 0.5]])
    assert np.allclose(obj.booth().minimizers, [[1.0, 3.0]])
    assert np.allclose(obj.rosenbrock(a=2.0, b=5.0).minimizers, [[2.0, 4.0]])
    assert len(obj.rosenbrock().saddles) == 0
    assert np.allclose(obj.rastrigin(dim=3).global_minimizers, [[0.0, 0.0, 0.0]])
    assert np.allclose(obj.saddle().saddles, [[0, 0]]) and len(obj.saddle().minimizers) == 0
    assert np.allclose(obj.monkey_saddle().saddles, [[0, 0]])


def newton_roots_2d(o, n=41, iters=80):
    """All critical points Newton finds from an n x n grid of starts inside the window.

    The starts are iterated together (a batch of 2x2 solves), which keeps this fast.
    """
    (x0, x1), (y0, y1) = o.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    P = np.array([X.ravel(), Y.ravel()])
    with np.errstate(all="ignore"):
        for _ in range(iters):
            Hs = np.moveaxis(o.hess(P), -1, 0)            # (N, 2, 2)
            G = o.grad(P).T[..., None]                    # (N, 2, 1)
            ok = np.abs(np.linalg.det(Hs)) > 1e-12
            step = np.zeros_like(P)
            step[:, ok] = np.linalg.solve(Hs[ok], G[ok])[..., 0].T
            P = np.where(np.isfinite(P - step) & (np.abs(P) < 100), P - step, np.nan)
    found = []
    for p in P.T:
        if not np.all(np.isfinite(p)):
            continue
        inside = x0 <= p[0] <= x1 and y0 <= p[1] <= y1
        if inside and np.linalg.norm(grad_vec(o, p)) < 1e-8:
            if not any(np.linalg.norm(p - q) < 1e-6 for q in found):
                found.append(p)
    return np.array(found)


@pytest.mark.parametrize("name, counts", [("himmelblau", (4, 4, 1)), ("beale", (1, 2, 0))])
def test_all_critical_points_are_listed(name, counts):
    o = obj.get(name)
    assert (len(o.minimizers), len(o.saddles), len(o.maximizers)) == counts
    listed = np.concatenate([o.minimizers, o.saddles, o.maximizers])
    roots = newton_roots_2d(o)
    assert len(roots) == len(listed)
    for r in roots:
        assert np.min(np.linalg.norm(listed - r, axis=1)) < 1e-8


def test_wavy_critical_points_by_sign_changes():
    o = obj.wavy()
    xs = np.linspace(-20, 20, 400_001)
    g = o.grad(xs)
    roots = xs[:-1][np.sign(g[:-1]) != np.sign(g[1:])]
    listed = np.sort(np.concatenate([o.minimizers[:, 0], o.maximizers[:, 0]]))
    assert len(roots) == len(listed) == 5
    assert np.allclose(np.sort(roots), listed, atol=1e-4)
    # accurate to 1e-10: a bisection-free check is |f'| tiny relative to f''
    for m in listed:
        assert abs(float(o.grad(m))) / abs(float(o.hess(m))) < 1e-10
    # the global minimum by brute force on the grid
    assert float(o.global_minimizers[0, 0]) == pytest.approx(xs[np.argmin(o.f(xs))], abs=1e-4)


def test_rastrigin_lattice_counts():
    r2 = obj.rastrigin(dim=2)
    assert (len(r2.minimizers), len(r2.saddles), len(r2.maximizers)) == (121, 220, 100)
    # near every integer point there is a local minimum, inside the customary box
    ints = np.array([(i, j) for i in range(-5, 6) for j in range(-5, 6)])
    for p in ints:
        assert np.min(np.linalg.norm(r2.minimizers - p, axis=1)) < 0.05
    assert np.all(np.abs(r2.minimizers) <= 5.12)
    big = obj.rastrigin(dim=6)  # too many to list: only the global one
    assert np.allclose(big.minimizers, np.zeros((1, 6)))


# --------------------------------------------------------------------------------------
# shapes, batches, dtypes
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("o", ALL_2D, ids=[o.name for o in ALL_2D])
def test_meshgrid_evaluation_equals_pointwise(o):
    (x0, x1), (y0, y1) = o.bounds
    X, Y = np.meshgrid(np.linspace(x0, x1, 7), np.linspace(y0, y1, 5))
    P = np.array([X, Y])
    F, G, Hs = o.f(P), o.grad(P), o.hess(P)
    assert F.shape == (5, 7) and G.shape == (2, 5, 7) and Hs.shape == (2, 2, 5, 7)
    for i in range(5):
        for j in range(7):
            p = np.array([X[i, j], Y[i, j]])
            assert F[i, j] == pytest.approx(float(o.f(p)), rel=1e-12, abs=1e-12)
            assert np.allclose(G[:, i, j], o.grad(p), rtol=1e-12, atol=1e-12)
            assert np.allclose(Hs[:, :, i, j], o.hess(p), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("o", ALL_1D, ids=[o.name for o in ALL_1D])
def test_one_dimensional_objectives_are_elementwise(o):
    lo, hi = o.bounds[0]
    xs = np.linspace(lo, hi, 11)
    for fn in (o.f, o.grad, o.hess):
        vals = fn(xs)
        assert vals.shape == (11,)
        assert np.allclose(vals, [float(fn(x)) for x in xs])
        assert np.ndim(fn(float(xs[3]))) == 0
        assert fn(np.array([xs[3]])).shape == (1,)
    # derivative by finite differences, elementwise
    assert np.allclose(o.grad(xs), (o.f(xs + H) - o.f(xs - H)) / (2 * H), rtol=1e-6, atol=1e-6)
    assert o.start.shape == (1,) and o.minimizers.shape[1] == 1


def test_point_shapes_dtypes_and_no_mutation():
    o = obj.rosenbrock()
    x = np.array([0.5, -0.25])
    before = x.copy()
    assert np.ndim(o.f(x)) == 0 and o.grad(x).shape == (2,) and o.hess(x).shape == (2, 2)
    assert np.array_equal(x, before)
    x32 = x.astype(np.float32)
    assert o.f(x32).dtype == np.float32 and o.grad(x32).dtype == np.float32
    assert o.hess(x32).dtype == np.float32
    assert obj.booth().hess(x32).dtype == np.float32
    assert obj.ill_conditioned(4.0).grad(x32).dtype == np.float32
    assert o.f(np.array([1, 1])).dtype == np.float64  # ints become float64
    assert o([1.0, 1.0]) == 0.0  # __call__ is f, lists accepted
    g = o.grad(x)
    g[0] = -12345.0  # results are private copies
    assert o.grad(x)[0] != -12345.0


def test_special_points_are_copies():
    o = obj.himmelblau()
    s = o.start
    s += 10.0
    m = o.minimizers
    m[:] = 0
    assert np.allclose(o.start, [0.0, 0.0])
    assert np.allclose(o.minimizers[0], [3.0, 2.0])


def test_bounds_contain_start_and_minimizers():
    for o in obj.catalog().values():
        lo = np.array([b[0] for b in o.bounds])
        hi = np.array([b[1] for b in o.bounds])
        assert np.all((lo <= o.start) & (o.start <= hi)), o
        for p in o.global_minimizers:
            assert np.all((lo <= p) & (p <= hi)), o


# --------------------------------------------------------------------------------------
# quadratics
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kappa, dim, angle", [(1.0, 2, 0.0), (10.0, 2, 0.0),
                                               (100.0, 2, np.pi / 6), (25.0, 5, 1.0)])
def test_ill_conditioned_has_condition_number_kappa(kappa, dim, angle):
    o = obj.ill_conditioned(kappa, dim=dim, angle=angle)
    eig = np.linalg.eigvalsh(o.hess(np.zeros(dim)))
    assert eig.max() / eig.min() == pytest.approx(kappa, rel=1e-10)
    assert eig.min() == pytest.approx(1.0) and eig.max() == pytest.approx(kappa)
    assert (o.smoothness, o.strong_convexity) == (pytest.approx(kappa), pytest.approx(1.0))
    assert np.allclose(o.minimizers, np.zeros((1, dim)))
    if kappa > 1 and dim == 2:
        # the flat direction (eigenvalue 1) is the x-axis rotated by angle
        u = np.array([np.cos(angle), np.sin(angle)])
        assert np.allclose(o.hess(np.zeros(2)) @ u, u)


def test_ill_conditioned_unrotated_formula():
    o = obj.ill_conditioned(9.0)
    x, y = 0.7, -1.3
    assert float(o.f(np.array([x, y]))) == pytest.approx(0.5 * (x * x + 9 * y * y))


def test_quadratic_matches_formula_and_solution():
    A = np.array(SPD3)
    b = np.array([1.0, -2.0, 0.5])
    o = obj.quadratic(A, b)
    rng = np.random.default_rng(5)
    for _ in range(5):
        x = rng.normal(size=3)
        assert float(o.f(x)) == pytest.approx(0.5 * x @ A @ x - b @ x)
        assert np.allclose(o.grad(x), A @ x - b)
    assert np.allclose(A @ o.minimizers[0], b)
    eig = np.linalg.eigvalsh(A)
    assert o.smoothness == pytest.approx(eig.max())
    assert o.strong_convexity == pytest.approx(eig.min())


def test_indefinite_quadratic_has_a_saddle_not_a_minimum():
    o = obj.quadratic([[1.0, 2.0], [2.0, -1.0]], b=[1.0, 0.0])
    assert len(o.minimizers) == 0 and len(o.saddles) == 1
    assert o.strong_convexity is None
    singular = obj.quadratic([[1.0, 0.0], [0.0, 0.0]])
    assert len(singular.minimizers) == len(singular.saddles) == 0


@pytest.mark.parametrize("a", [0.5, 1.0, 4.0])
def test_parabola_step_size_limit_is_two_over_L(a):
    o = obj.parabola(a=a, c=1.5)
    assert o.smoothness == a == o.strong_convexity

    def run(lr, steps=200):
        x = float(o.start[0])
        for _ in range(steps):
            x = x - lr * float(o.grad(x))
        return abs(x - 1.5)

    assert run(0.95 * 2 / o.smoothness) < 1e-3
    assert run(1.05 * 2 / o.smoothness) > 1e3
    assert run(1.0 / a, steps=1) == pytest.approx(0.0, abs=1e-12)


def test_plateau_is_flat_far_from_the_minimum():
    o = obj.plateau()
    assert float(o.f(0.0)) == 0.0
    assert abs(float(o.grad(o.start[0]))) < 0.05
    assert abs(float(o.grad(5.0))) < 1e-3
    assert float(o.f(5.0)) == pytest.approx(1.0, abs=1e-3)
    xs = np.linspace(-6, 6, 10001)
    assert o.hess(xs).max() == pytest.approx(2.0, abs=1e-6)
    assert o.hess(xs).min() == pytest.approx(-2.0 / 3.0, abs=1e-6)


# --------------------------------------------------------------------------------------
# catalog, names, repr
# --------------------------------------------------------------------------------------
def test_catalog_and_get():
    names = {"parabola", "quadratic", "ill_conditioned", "rosenbrock", "beale", "himmelblau",
             "booth", "saddle", "monkey_saddle", "wavy", "plateau", "rastrigin"}
    cat = obj.catalog()
    assert set(cat) == names
    assert all(cat[n].name == n for n in names)
    assert obj.get("Monkey saddle").name == "monkey_saddle"
    assert obj.get("ROSENBROCK").dim == 2


def test_repr_names_the_objective():
    assert repr(obj.rosenbrock()) == "Objective('rosenbrock', dim=2, a=1.0, b=100.0)"
    assert repr(obj.wavy()) == "Objective('wavy', dim=1)"
    assert "kappa=10.0" in repr(obj.ill_conditioned(10))
    assert "0x" not in repr(obj.catalog())  # no memory addresses


@pytest.mark.parametrize("make, exc, match", [
    (lambda: obj.quadratic([[1.0, 2.0], [0.0, 1.0]]), ValueError, r"not symmetric.*A\[0, 1\]"),
    (lambda: obj.quadratic([[1.0, 2.0, 3.0]]), ValueError, r"shape \(1, 3\).*square"),
    (lambda: obj.quadratic([[1.0, np.nan], [np.nan, 1.0]]), ValueError, "finite"),
    (lambda: obj.quadratic(np.eye(2), b=[1.0, 2.0, 3.0]), ValueError, r"b: shape \(3,\).*\(2,\)"),
    (lambda: obj.quadratic("eye"), TypeError, "Invalid A"),
    (lambda: obj.ill_conditioned(0.5), ValueError, r"kappa: 0\.5.*>= 1"),
    (lambda: obj.ill_conditioned(float("inf")), ValueError, "kappa: inf.*finite"),
    (lambda: obj.ill_conditioned("10"), TypeError, "kappa: '10'"),
    (lambda: obj.ill_conditioned(10, dim=1), ValueError, "dim: 1"),
    (lambda: obj.ill_conditioned(10, dim=2.5), TypeError, "dim: 2.5"),
    (lambda: obj.parabola(a=0.0), ValueError, r"a: 0\.0.*> 0"),
    (lambda: obj.parabola(a=-1), ValueError, "a: -1"),
    (lambda: obj.parabola(c=True), TypeError, "c: True"),
    (lambda: obj.rosenbrock(b=0), ValueError, "b: 0"),
    (lambda: obj.rastrigin(dim=0), ValueError, "dim: 0"),
    (lambda: obj.get("banana"), ValueError, "Unknown objective: 'banana'.*rosenbrock"),
    (lambda: obj.get(3), TypeError, "objective name: 3"),
])
def test_bad_arguments_are_named(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


@pytest.mark.parametrize("x, exc, match", [
    (np.zeros(3), ValueError, r"rosenbrock: shape \(3,\).*expected \(2,\)"),
    (np.zeros((5, 2)), ValueError, r"shape \(5, 2\).*X\.T"),
    (1.0, ValueError, r"shape \(\)"),
    (np.array(["a", "b"]), TypeError, "dtype"),
    (np.array([1 + 1j, 2.0]), TypeError, "complex"),
])
def test_bad_points_are_named(x, exc, match):
    o = obj.rosenbrock()
    for fn in (o.f, o.grad, o.hess):
        with pytest.raises(exc, match=match):
            fn(x)


def test_objective_constructor_validates():
    f = lambda x: x ** 2  # noqa: E731
    with pytest.raises(ValueError, match="bounds"):
        obj.Objective("q", 1, f, f, f, bounds=[(1.0, 0.0)], start=[0.0])
    with pytest.raises(ValueError, match=r"start: shape \(2,\)"):
        obj.Objective("q", 1, f, f, f, bounds=[(0.0, 1.0)], start=[0.0, 1.0])
    with pytest.raises(TypeError, match="grad"):
        obj.Objective("q", 1, f, None, f, bounds=[(0.0, 1.0)], start=[0.0])
    custom = obj.Objective("q", 1, f, lambda x: 2 * x, lambda x: 2 + 0 * x,
                           bounds=[(-1.0, 1.0)], start=[0.5], minimizers=[0.0])
    assert custom.minimizers.shape == (1, 1) and custom.f_star == 0.0
