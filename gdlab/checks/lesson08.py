"""Lesson 08 exercises: the gradients behind five machine-learning models.

Each exercise is one formula the lesson derives: the logistic-regression gradient,
soft-thresholding (the lasso's proximal step), the hinge-loss subgradient of a linear SVM,
one SGD update of a matrix-factorisation recommender, and the backward pass through one
dense layer. The mistakes are the slips the derivations invite: a missing sigmoid, a hard
instead of a soft threshold, <= instead of < at the hinge's kink, a "fresh" user vector in
the item update, a db that was never summed over the batch.
"""
import numpy as np

from gdlab.checks.core import Case, Mistake, choice_exercise, exercise


def _f(a):
    return np.asarray(a, dtype=float)


def _sigmoid(z):
    # exp(-log(1 + exp(-z))): finite for any z (a direct 1 / (1 + exp(-z)) overflows for z << 0)
    return np.exp(-np.logaddexp(0.0, -z))


# --------------------------------------------------------------------------- 08-logistic-grad
def _logistic_grad(theta, X, y):
    X, y, theta = _f(X), _f(y), _f(theta)
    return X.T @ (_sigmoid(X @ theta) - y) / X.shape[0]


def _logistic_cases(rng):
    X1 = rng.normal(size=(8, 3))
    y1 = np.array([1, 0, 0, 1, 1, 0, 1, 0])
    Xsq = np.array([[1.0, 0.5, -1.0], [1.0, -2.0, 0.3], [1.0, 1.5, 2.0]])   # square: m = d
    ysq = np.array([0, 1, 1])
    X2 = np.column_stack([np.ones(12), rng.normal(size=(12, 1)) * 2.0])
    y2 = (X2[:, 1] + rng.normal(size=12) > 0).astype(np.int64)
    # the square case comes first: a transposed X only runs there, and the first failing
    # case is the one whose message the learner sees
    return [
        Case(np.array([0.2, -0.7, 0.4]), Xsq, ysq, meta={"m": 3}),
        Case(np.zeros(3), X1, y1, meta={"m": 8}),
        Case(np.array([0.5, -1.0, 2.0]), X1, y1, meta={"m": 8}),
        Case(np.array([-0.5, 1.5]), X2, y2, meta={"m": 12}),
    ]


def _logistic_pm_labels(theta, X, y):
    """The +-1-label formula -(1/m) sum y_i x_i sigmoid(-y_i z_i), applied to 0/1 labels."""
    X, y, theta = _f(X), _f(y), _f(theta)
    z = X @ theta
    return -(X.T @ (y * _sigmoid(-y * z))) / X.shape[0]


exercise(
    id="08-logistic-grad", lesson="08", title="The logistic-regression gradient",
    forbids=["gdlab.models.LogisticRegression", "gdlab.gradcheck"],
    target="logistic_grad", kind="function", points=2,
    cases=_logistic_cases, reference=_logistic_grad, rtol=1e-7, atol=1e-10, returns="array",
    mistakes=[
        Mistake("missing sigmoid",
                lambda t, X, y: _f(X).T @ (_f(X) @ _f(t) - _f(y)) / _f(X).shape[0],
                "You used the scores X @ theta where the probabilities belong: that is the "
                "least-squares gradient (up to a factor 2). Pass the scores through the "
                "sigmoid first, p = 1 / (1 + exp(-X @ theta)), then use p - y."),
        Mistake("transposed X",
                lambda t, X, y: _f(X) @ (_sigmoid(_f(X) @ _f(t)) - _f(y)) / _f(X).shape[0],
                "You multiplied by X where X.T belongs (this only runs because this X is "
                "square). The gradient has one entry per column of X: X.T @ (p - y) / m."),
        Mistake("+-1 label formula",
                _logistic_pm_labels,
                "You used the formula for labels in {-1, +1}, but here y is 0 or 1: rows with "
                "y = 0 then contribute nothing. For 0/1 labels the gradient is "
                "X.T @ (sigmoid(X @ theta) - y) / m."),
        Mistake("sigmoid of y",
                lambda t, X, y: _f(X).T @ (_sigmoid(_f(X) @ _f(t)) - _sigmoid(_f(y))) / _f(X).shape[0],
                "You applied the sigmoid to y as well. The labels are already 0/1 targets: "
                "use sigmoid(X @ theta) - y."),
    ],
    hints=[
        "The derivative of the cross-entropy with respect to the score z_i is p_i - y_i, "
        "where p_i = sigmoid(z_i). The chain rule then multiplies by x_i.",
        "p = 1 / (1 + np.exp(-(X @ theta))); the gradient averages (p_i - y_i) x_i over "
        "the m rows: a matrix-vector product with X.T, divided by m.",
        "p = 1 / (1 + np.exp(-(X @ theta)))\nreturn X.T @ (p - y) / len(y)",
    ],
)


# --------------------------------------------------------------------------- 08-soft-threshold
def _soft(x, t):
    x = _f(x)
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0)


def _soft_cases(rng):
    return [
        Case(np.array([-3.0, -0.4, 0.0, 0.2, 1.0, 2.5]), 0.5),
        Case(np.array([1.5, -1.5, 0.99, -0.99, 4.0]), 1.0),
        Case(rng.normal(size=7) * 2.0, 0.8),
        Case(np.array([-2.0, -1.0, 0.1, 3.0]), 0.25),   # one entry inside the threshold
    ]


exercise(
    id="08-soft-threshold", lesson="08", title="Soft-thresholding, the lasso's proximal step",
    forbids=["gdlab.models"],
    target="soft_threshold", kind="function", points=2,
    cases=_soft_cases, reference=_soft, rtol=1e-9, atol=1e-12, returns="array",
    mistakes=[
        Mistake("shrink without threshold",
                lambda x, t: _f(x) - t * np.sign(_f(x)),
                "You move every entry t closer to zero, but entries with |x| <= t overshoot "
                "past zero to the other side. Those must stop AT zero: "
                "np.maximum(np.abs(x) - t, 0) does that."),
        Mistake("negatives wiped out",
                lambda x, t: np.maximum(_f(x) - t, 0.0),
                "Your negative entries all became 0. Soft-thresholding is symmetric: shrink "
                "the size |x| and put the sign back, np.sign(x) * np.maximum(np.abs(x) - t, 0)."),
        Mistake("sign lost",
                lambda x, t: np.maximum(np.abs(_f(x)) - t, 0.0),
                "Your entries have the right size but are all >= 0: the sign of x is lost. "
                "Multiply by np.sign(x)."),
        Mistake("hard threshold",
                lambda x, t: _f(x) * (np.abs(_f(x)) > t),
                "That is HARD thresholding: you zero the small entries but keep the large "
                "ones unchanged. Soft-thresholding also moves the survivors t closer to "
                "zero (e.g. S_0.5(2.5) = 2.0, not 2.5)."),
    ],
    hints=[
        "Work on the size |x| and the sign separately: the size shrinks by t but never "
        "below 0; the sign stays as it was.",
        "np.maximum(np.abs(x) - t, 0) is the new size of every entry; np.sign(x) gives the sign.",
        "return np.sign(x) * np.maximum(np.abs(x) - t, 0.0)",
    ],
)


# --------------------------------------------------------------------------- 08-hinge-subgrad
def _hinge(w, X, y, lam, *, strict=True, reg=True):
    w, X, y = _f(w), _f(X), _f(y)
    margin = y * (X @ w)
    active = margin < 1.0 if strict else margin <= 1.0
    g = -(X.T @ (y * active)) / X.shape[0]
    return g + lam * w if reg else g


def _hinge_active_mean(w, X, y, lam):
    w, X, y = _f(w), _f(X), _f(y)
    active = y * (X @ w) < 1.0
    return -(X.T @ (y * active)) / max(int(active.sum()), 1) + lam * w


def _hinge_cases(rng):
    """Integer data, so that some margins are EXACTLY 1 (the kink, where < and <= differ)."""
    cases = []
    for m, d, lam in [(8, 3, 0.1), (10, 2, 0.5), (6, 4, 0.05)]:
        while True:
            X = rng.integers(-2, 3, size=(m, d)).astype(float)
            w = rng.integers(-1, 2, size=d).astype(float)
            y = rng.choice([-1.0, 1.0], size=m)
            margin = y * (X @ w)
            # need a margin exactly 1, one inside (< 1) and one outside (> 1), and w != 0
            if np.any(margin == 1) and np.any(margin < 1) and np.any(margin > 1) and np.any(w):
                break
        cases.append(Case(w, X, y, lam, meta={"m": m}))
    return cases


exercise(
    id="08-hinge-subgrad", lesson="08", title="A subgradient of the SVM's hinge loss",
    forbids=["gdlab.models", "gdlab.gradcheck"],
    target="hinge_subgradient", kind="function", points=2,
    cases=_hinge_cases, reference=_hinge, rtol=1e-9, atol=1e-12, returns="array",
    mistakes=[
        Mistake("<= at the kink",
                lambda w, X, y, lam: _hinge(w, X, y, lam, strict=False),
                "Examples with margin exactly 1 are counted as violating the margin. The task "
                "uses the subgradient that is 0 at the kink: include example i only when "
                "y_i * (x_i . w) < 1 (strictly)."),
        Mistake("averaged over the active examples only",
                lambda w, X, y, lam: _hinge_active_mean(w, X, y, lam),
                "Your hinge part is divided by the number of examples inside the margin. The "
                "loss is the mean over ALL m examples (those outside the margin contribute 0 "
                "but still count): divide the sum by m = len(y)."),
        Mistake("margin condition missing",
                lambda w, X, y, lam: -(_f(X).T @ _f(y)) / len(y) + lam * _f(w),
                "You summed -y_i x_i over every example. Only the examples with margin "
                "y_i * (x_i . w) < 1 have a nonzero hinge gradient; the others contribute 0."),
        Mistake("regulariser forgotten",
                lambda w, X, y, lam: _hinge(w, X, y, lam, reg=False),
                "The penalty's gradient lam * w is missing: the objective is the mean hinge "
                "loss PLUS lam/2 ||w||^2, whose gradient is lam * w."),
        Mistake("regulariser doubled",
                lambda w, X, y, lam: _hinge(w, X, y, lam, reg=False) + 2 * lam * _f(w),
                "The penalty's gradient is lam * w: the 1/2 in lam/2 ||w||^2 cancels the 2 "
                "from the square."),
        Mistake("y forgotten",
                lambda w, X, y, lam: -(_f(X).T @ (_f(y) * (_f(X) @ _f(w)) < 1).astype(float))
                / len(y) + lam * _f(w),
                "Each active example contributes -y_i x_i, with its label: you left out y_i."),
    ],
    hints=[
        "Compute the margins y * (X @ w). Only examples with margin < 1 have a nonzero "
        "hinge gradient; for them d/dw max(0, 1 - y x.w) = -y x.",
        "active = margins < 1 (a boolean array). The hinge part is -(X.T @ (y * active)) / m; "
        "then add the penalty's gradient lam * w.",
        "active = (y * (X @ w) < 1)\nreturn -(X.T @ (y * active)) / len(y) + lam * w",
    ],
)


# --------------------------------------------------------------------------- 08-mf-update
def _mf_step(u, v, r, lr, reg, *, fresh=False, fresh_error=True, use_reg=True, sign=1.0,
             two=2.0, err_sign=1.0):
    # fresh: v's gradient uses the updated u (stale-value mistake), with the error either
    # recomputed at (u_new, v) (fresh_error) or reused from the old point;
    # err_sign=-1: error written as r - u.v while the penalty term keeps its sign
    u, v = _f(u), _f(v)
    e = err_sign * (u @ v - r)
    gu = two * e * v + (two * reg * u if use_reg else 0.0)
    u_new = u - sign * lr * gu
    u_for_v = u_new if fresh else u
    e_v = err_sign * (u_new @ v - r) if (fresh and fresh_error) else e
    gv = two * e_v * u_for_v + (two * reg * v if use_reg else 0.0)
    v_new = v - sign * lr * gv
    return u_new, v_new


def _mf_cases(rng):
    return [
        Case(np.array([0.5, -0.2, 0.1]), np.array([0.3, 0.8, -0.5]), 4.0, 0.05, 0.1),
        Case(rng.normal(size=4), rng.normal(size=4), 2.5, 0.1, 0.02),
        Case(np.array([1.0, 1.0]), np.array([1.0, -0.5]), 1.0, 0.2, 0.5),
        Case(rng.normal(size=3), rng.normal(size=3), -1.0, 0.01, 0.3),
    ]


exercise(
    id="08-mf-update", lesson="08", title="One SGD update of a matrix-factorisation recommender",
    forbids=["gdlab.models"],
    target="mf_sgd_update", kind="function", points=2,
    cases=_mf_cases, reference=_mf_step, rtol=1e-8, atol=1e-12, returns=("array",) * 2,
    mistakes=[
        Mistake("fresh u in the v update",
                lambda u, v, r, lr, reg: _mf_step(u, v, r, lr, reg, fresh=True),
                "Your u_new is right, but v_new was computed with the UPDATED user vector. "
                "Both gradients belong to the same point (u, v): compute them from the old "
                "values, then update both (keep a copy of the old u)."),
        Mistake("fresh u, old error in the v update",
                lambda u, v, r, lr, reg: _mf_step(u, v, r, lr, reg, fresh=True, fresh_error=False),
                "Your u_new is right, but v_new was computed with the UPDATED user vector "
                "(2 * e * u_new instead of 2 * e * u). Both gradients belong to the same point "
                "(u, v): compute grad_u and grad_v from the old values first, then update both."),
        Mistake("error sign flipped",
                lambda u, v, r, lr, reg: _mf_step(u, v, r, lr, reg, err_sign=-1.0),
                "The error term pushes the wrong way while the penalty is right: with "
                "e = r - u . v the gradient of e^2 is -2 e v, not 2 e v. Use e = u @ v - r "
                "(prediction minus rating) in the formulas of the task."),
        Mistake("regularisation missing",
                lambda u, v, r, lr, reg: _mf_step(u, v, r, lr, reg, use_reg=False),
                "The penalty reg * (||u||^2 + ||v||^2) is missing from your gradients: add "
                "2 * reg * u to the u gradient and 2 * reg * v to the v gradient."),
        Mistake("ascent",
                lambda u, v, r, lr, reg: _mf_step(u, v, r, lr, reg, sign=-1.0),
                "You step UP the loss: with e = u . v - r the update is u - lr * gradient, "
                "not u + lr * gradient. (If you wrote e = r - u . v, the signs inside the "
                "gradient flip too.)"),
        Mistake("factor 2 dropped",
                lambda u, v, r, lr, reg: _mf_step(u, v, r, lr, reg, two=1.0),
                "Your steps are half as long as the rule asks: the derivative of the squares "
                "(u . v - r)^2 and reg ||u||^2 brings a factor 2, e.g. 2 * e * v + 2 * reg * u."),
    ],
    hints=[
        "Compute the error e = u @ v - r once, from the old u and v. The loss "
        "e^2 + reg (||u||^2 + ||v||^2) has gradient 2 e v + 2 reg u in u, and 2 e u + 2 reg v in v.",
        "Compute BOTH gradients before changing anything, then u_new = u - lr * grad_u and "
        "v_new = v - lr * grad_v. Return them as a tuple.",
        "e = u @ v - r\ngrad_u = 2 * e * v + 2 * reg * u\ngrad_v = 2 * e * u + 2 * reg * v\n"
        "return u - lr * grad_u, v - lr * grad_v",
    ],
)


# --------------------------------------------------------------------------- 08-backprop-layer
def _layer_backward(dZ, A_prev, W):
    dZ, A_prev, W = _f(dZ), _f(A_prev), _f(W)
    m = dZ.shape[0]
    return A_prev.T @ dZ / m, dZ.sum(axis=0) / m, dZ @ W.T


def _layer_cases(rng):
    cases = []
    # The square W comes first: there a transposed dW or a missing W.T still runs and has
    # the right shape, so the check can name the mistake itself (the first failing case is
    # the one the learner reads); on the other shapes it shows up as a shape error.
    for m, n_in, n_out in [(4, 3, 3), (5, 3, 2), (6, 2, 4), (3, 4, 1)]:
        dZ = rng.normal(size=(m, n_out))
        A = rng.normal(size=(m, n_in))
        W = rng.normal(size=(n_in, n_out))
        cases.append(Case(dZ, A, W, meta={"m": m}))
    return cases


def _lb(fn):
    """Wrap a wrong formula so it sees float arrays and m, like the reference."""
    return lambda dZ, A, W: fn(_f(dZ), _f(A), _f(W), _f(dZ).shape[0])


exercise(
    id="08-backprop-layer", lesson="08", title="Backpropagation through one dense layer",
    forbids=["gdlab.models"],
    target="layer_backward", kind="function", points=3,
    cases=_layer_cases, reference=_layer_backward, rtol=1e-8, atol=1e-12, returns=("array",) * 3,
    mistakes=[
        Mistake("db not summed",
                _lb(lambda dZ, A, W, m: (A.T @ dZ / m, dZ / m, dZ @ W.T)),
                "Your db still has one row per example. The bias is added to every example, "
                "so its gradient collects all of them: db = dZ.sum(axis=0) / m, shape (n_out,)."),
        Mistake("db summed over everything",
                _lb(lambda dZ, A, W, m: (A.T @ dZ / m, dZ.sum() / m, dZ @ W.T)),
                "Your db is a single number: you summed over the units as well. Sum over the "
                "examples only (axis=0), keeping one entry per output unit."),
        Mistake("db over the wrong axis",
                _lb(lambda dZ, A, W, m: (A.T @ dZ / m, dZ.mean(axis=1), dZ @ W.T)),
                "Your db averages along axis 1 (over the units of each example). Reduce over "
                "the examples instead: dZ.sum(axis=0) / m."),
        Mistake("dW transposed",
                _lb(lambda dZ, A, W, m: (dZ.T @ A / m, dZ.sum(axis=0) / m, dZ @ W.T)),
                "Your dW is transposed (this W happens to be square, so the shape did not "
                "give it away). dW must have W's shape (n_in, n_out): A_prev.T @ dZ / m."),
        Mistake("W not transposed in dA_prev",
                _lb(lambda dZ, A, W, m: (A.T @ dZ / m, dZ.sum(axis=0) / m, dZ @ W)),
                "Your dA_prev uses W where W.T belongs (it only runs because this W is "
                "square). Z = A_prev @ W + b sends the gradient back through W.T: dZ @ W.T."),
        Mistake("dA_prev averaged",
                _lb(lambda dZ, A, W, m: (A.T @ dZ / m, dZ.sum(axis=0) / m, dZ @ W.T / m)),
                "Your dA_prev is divided by m. The task keeps dA_prev per example (row i is "
                "the gradient of example i's loss): only the parameter gradients dW and db "
                "are averaged over the batch."),
        Mistake("nothing averaged",
                _lb(lambda dZ, A, W, m: (A.T @ dZ, dZ.sum(axis=0), dZ @ W.T)),
                "Your dW and db are sums over the batch: the task asks for the gradients of "
                "the MEAN loss, so divide dW and db by m (but not dA_prev)."),
    ],
    hints=[
        "Follow the shapes: dW must be (n_in, n_out) like W, db must be (n_out,) like b, "
        "dA_prev must be (m, n_in) like A_prev. Each is a product of two of the inputs.",
        "Z = A_prev @ W + b. Then dW = A_prev.T @ dZ and db = dZ.sum(axis=0), both divided "
        "by m for the mean loss; dA_prev = dZ @ W.T stays per example (no 1/m).",
        "m = dZ.shape[0]\nreturn A_prev.T @ dZ / m, dZ.sum(axis=0) / m, dZ @ W.T",
    ],
)


# --------------------------------------------------------------------------- 08-read-adam-sgd
# The learner reads the Adam vs SGD + momentum printout and picks the conclusion it
# supports. Each wrong letter is a reading the printed numbers refute.
_READING_RIGHT = "C"
# The numbers quoted here are those the lesson prints; tests/test_lesson_facts_08.py
# recomputes the experiment and checks every one of them.
_READING_WRONG = {
    "A": "A is not supported. Adam's mean test accuracy is higher by 0.0014, a fifth of one "
         "test example per repetition (142 test examples each); the printed per-repetition "
         "differences are 0, 0, 0, -1, 0 errors, and the test accuracy varies by about 0.01 "
         "(its sd) between repetitions. A difference this small (a mean of -0.2 errors, against "
         "a standard error of 0.35 errors corrected for overlapping re-splits) cannot be told "
         "from the split.",
    "B": "B is not supported. Nothing in the printout favours SGD + momentum: it never made "
         "fewer test errors than Adam in any repetition. Agreeing with a paper is not "
         "evidence; the experiment shows no difference either way.",
    "D": "D is refuted by the printout: Adam's mean training accuracy (0.9889) is LOWER than "
         "SGD + momentum's (0.9912), and both fit within about 1.5 percentage points of "
         "their test accuracy, so neither overfits noticeably.",
}
_READING_REVEAL = (
    "C it is. Both optimisers fit the training data to about 99 % and reach about 98 % on "
    "the test examples. Adam made one test error fewer than SGD with momentum in one "
    "repetition and the same number in the other four: a difference of at most one of 142 "
    "test examples, inside the spread between repetitions (a standard deviation of about "
    "0.01 in accuracy, 1 to 2 examples); the mean difference, -0.2 errors, is smaller than "
    "its standard error corrected for overlapping re-splits (0.35 errors, Nadeau and Bengio "
    "2003). On this problem, with equal tuning effort, the choice between the two did not "
    "matter; the experiment neither confirms nor refutes Wilson et al.")


choice_exercise(
    id="08-read-adam-sgd", lesson="08", title="What the Adam vs SGD experiment shows",
    target="adam_vs_sgd_conclusion", points=1, right=_READING_RIGHT, wrong=_READING_WRONG,
    what="the conclusion the printout supports", reveal=_READING_REVEAL,
    hints=[
        "Compare the size of the difference with the size of the noise: how many test "
        "examples apart are the two optimisers in each repetition, and how much does the "
        "accuracy move from one repetition to the next?",
        "One test example is 1/142 = 0.007 of accuracy. The per-split differences are at "
        "most one example, and the spread between repetitions is about 0.01. Which option "
        "says what such numbers can support?",
        "The differences are within the noise, in either direction: that is option C. "
        "return \"C\"",
    ],
)
