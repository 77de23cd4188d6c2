"""Lesson 01 exercises: descent in one dimension.

References are written out here (not taken from gdlab.train) so that a bug in the package
cannot make a wrong answer look right. Each Mistake recomputes what a learner gets with one
specific, common error, so the check can name it.
"""
import numpy as np

from gdlab.checks.core import Case, Mistake, Ref, exercise, explain_array_mismatch


def _f(a):
    return np.asarray(a, dtype=float)


# --------------------------------------------------------------------------- 01-derivative
# f(x) = x^4/4 - 2 x^2 + x, a tilted double well (two minima of different depth).
def _dfdx(x):
    x = _f(x)
    return x ** 3 - 4.0 * x + 1.0


def _derivative_cases(rng):
    # Every case is an array of several points: a formula written for single numbers only
    # (math.pow, a loop that returns a list) must fail every case, and each coefficient
    # slip must show on at least one point of every case (no case is all zeros).
    return [
        Case(np.array([0.0, 1.0])), Case(np.array([-2.5, 0.3, 2.0])),
        Case(np.linspace(-3.0, 3.0, 7)),
        Case(rng.uniform(-2.0, 2.0, size=5)),
        Case(np.array([[0.5, -1.0], [1.5, -0.25]])),
        Case(np.array([-1.0, 4.0])),
    ]


def _derivative_compare(got, expected, case):
    # A list passes the numeric comparison (numpy converts it), so it is refused here:
    # the task asks for a function that works on arrays like numpy's own functions do.
    if isinstance(got, (list, tuple)):
        return ("the result is a Python list, but for an array input dfdx must return an "
                "array of the same shape. Write the formula with array arithmetic, "
                "x**3 - 4*x + 1, which works for a number and for a whole array at once, "
                "instead of looping over the elements.")
    return explain_array_mismatch(got, expected, rtol=1e-9, atol=1e-12, returns="array",
                                  name="your derivative")


exercise(
    id="01-derivative", lesson="01", title="A derivative by hand",
    forbids=["gdlab.objectives", "gdlab.gradcheck"],
    target="dfdx", kind="function", points=2,
    cases=_derivative_cases, reference=_dfdx, rtol=1e-9, atol=1e-12, returns="array",
    compare=_derivative_compare,
    mistakes=[
        Mistake("returned f", lambda x: _f(x) ** 4 / 4 - 2 * _f(x) ** 2 + _f(x),
                "You return f(x) itself, not its derivative f'(x)."),
        Mistake("power rule without the factor",
                lambda x: _f(x) ** 3 / 4 - 2 * _f(x) + 1,
                "You lowered each power by one but did not multiply by the old power: "
                "d/dx x^n = n x^(n-1), so d/dx x^4/4 = x^3 and d/dx 2x^2 = 4x."),
        Mistake("kept the 4 of x^4/4",
                lambda x: 4 * _f(x) ** 3 - 4 * _f(x) + 1,
                "The first term is x^4/4: the power rule gives 4x^3, and the 1/4 in front "
                "stays, so d/dx (x^4/4) = x^3, not 4x^3."),
        Mistake("x^3/4 from x^4/4", lambda x: _f(x) ** 3 / 4 - 4 * _f(x) + 1,
                "Wrong coefficient of x^3: you kept the 1/4 but dropped the factor 4 the "
                "power rule brings down. d/dx (x^4/4) = (4/4) x^3 = x^3, coefficient 1."),
        Mistake("-2x from -2x^2", lambda x: _f(x) ** 3 - 2 * _f(x) + 1,
                "Wrong coefficient of x: d/dx (-2x^2) = -2 * 2x = -4x. You wrote -2x, "
                "without the factor 2 from the power."),
        Mistake("dropped the linear term", lambda x: _f(x) ** 3 - 4 * _f(x),
                "The derivative of the linear term + x is 1, and it is missing."),
        Mistake("sign of the middle term", lambda x: _f(x) ** 3 + 4 * _f(x) + 1,
                "Check the sign of the middle term: f has -2x^2, whose derivative is -4x."),
        Mistake("constant from the linear term", lambda x: _f(x) ** 3 - 4 * _f(x) + _f(x),
                "d/dx x is the constant 1, not x."),
    ],
    hints=[
        "Differentiate term by term with the power rule d/dx x^n = n x^(n-1).",
        "Three terms: x^4/4 -> x^3, -2x^2 -> -4x, x -> 1.",
        "return x**3 - 4*x + 1   (this works for floats and NumPy arrays alike)",
    ],
)


# --------------------------------------------------------------------------- 01-descent
def _run(grad, x0, lr, steps, *, sign=-1.0, lr_power=1):
    """Trajectory [x0, x1, ..., x_steps] of x <- x + sign * lr^lr_power * grad(x)."""
    xs = [float(x0)]
    for _ in range(steps):
        x = xs[-1]
        xs.append(x + sign * lr ** lr_power * float(grad(x)))
    return np.array(xs)


def _descend(grad, x0, lr, steps):
    return _run(grad, x0, lr, steps)


def _grad_at_scaled_x(grad, x0, lr, steps):
    xs = [float(x0)]
    for _ in range(steps):
        xs.append(xs[-1] - float(grad(lr * xs[-1])))
    return np.array(xs)


def _descent_compare(got, expected, case):
    if isinstance(got, (list, tuple)):
        # The hints build the trajectory in a list, so the advice is the hint's last step.
        return ("your trajectory is a Python list; return it as a numpy array: convert the "
                "list after the loop with np.array(xs, dtype=float).")
    # A custom compare (instead of the default one) so that a trajectory of the wrong
    # LENGTH still reaches the exercise's own mistakes (missing x0, one step short...),
    # which the default comparison would stop at with a bare "wrong shape" message.
    return explain_array_mismatch(got, expected, rtol=1e-9, atol=1e-12, returns="array",
                                  name="your trajectory")


def _descent_cases(rng):
    # No parabola is centred at 0: there grad(lr * x) = lr * grad(x), so a loop that
    # evaluates the gradient at the wrong point would pass.
    return [
        Case(Ref("gdlab.objectives.parabola(a=2.0, c=0.5).grad"), 2.5, lr=0.1, steps=10),
        Case(Ref("gdlab.objectives.parabola(a=1.0, c=-1.0).grad"), 3.0, lr=0.5, steps=5),
        Case(Ref("gdlab.objectives.parabola(a=4.0, c=-0.3).grad"), 1.0, lr=0.45, steps=8),
        Case(Ref("gdlab.objectives.wavy().grad"), 3.0, lr=0.05, steps=30),
        Case(Ref("lambda x: 4 * x ** 3"), 1.0, lr=0.1, steps=12),
        Case(Ref("gdlab.objectives.parabola(a=1.0, c=2.0).grad"), -0.5, lr=0.3, steps=1),
    ]


exercise(
    id="01-descent", lesson="01", title="A 1-D gradient-descent loop",
    forbids=["gdlab.train", "gdlab.optim"],
    target="descend", kind="function", points=3,
    cases=_descent_cases, reference=_descend, rtol=1e-9, atol=1e-12, returns="array",
    compare=_descent_compare,
    mistakes=[
        Mistake("ascent", lambda grad, x0, lr, steps: _run(grad, x0, lr, steps, sign=1.0),
                "Your x moves UPHILL: you add lr * grad(x). Descent subtracts it: "
                "x = x - lr * grad(x)."),
        Mistake("learning rate twice",
                lambda grad, x0, lr, steps: _run(grad, x0, lr, steps, lr_power=2),
                "Your steps are too short by a factor lr: the learning rate is applied "
                "twice (lr * lr * grad). Multiply the gradient by lr once."),
        Mistake("no learning rate",
                lambda grad, x0, lr, steps: _run(grad, x0, lr, steps, lr_power=0),
                "Your steps ignore the learning rate: x - grad(x) instead of "
                "x - lr * grad(x)."),
        Mistake("gradient at lr * x", _grad_at_scaled_x,
                "You evaluate the gradient at lr * x: grad(lr * x). The learning rate scales "
                "the STEP, not the point: x = x - lr * grad(x), with the gradient taken at x "
                "itself."),
        Mistake("missing x0", lambda grad, x0, lr, steps: _run(grad, x0, lr, steps)[1:],
                "Your trajectory leaves out the starting point. It must begin with x0 and "
                "hold steps + 1 values: x0, x1, ..., x_steps."),
        Mistake("one step short",
                lambda grad, x0, lr, steps: _run(grad, x0, lr, steps)[:-1],
                "Your trajectory has one value too few: it starts at x0 but takes only "
                "steps - 1 steps. After `steps` updates there are steps + 1 points."),
        Mistake("one step too many", lambda grad, x0, lr, steps: _run(grad, x0, lr, steps + 1),
                "Your loop takes one update too many: the trajectory must hold exactly "
                "steps + 1 values (x0 and one per update)."),
    ],
    hints=[
        "Keep a Python list of positions starting with x0; each pass of a "
        "`for _ in range(steps)` loop appends one new position.",
        "Inside the loop: x = x - lr * grad(x); then append x. After the loop convert the "
        "list with np.array(...), which gives shape (steps + 1,).",
        "xs = [x0]\nfor _ in range(steps):\n    xs.append(xs[-1] - lr * grad(xs[-1]))\n"
        "return np.array(xs, dtype=float)",
    ],
)


# --------------------------------------------------------------------------- 01-max-lr
def _final_over_start(objective, x0, lrs, steps):
    """For each lr: (f(x_steps), f(x0)) after `steps` plain descent steps from x0."""
    out = []
    for lr in _f(lrs):
        x = float(x0)
        for _ in range(steps):
            x = x - lr * float(objective.grad(x))
        out.append((float(objective.f(x)), float(objective.f(float(x0)))))
    return out


def _largest_stable(objective, x0, lrs, steps=50):
    lrs = _f(lrs)
    stable = [lr for lr, (end, start) in zip(lrs, _final_over_start(objective, x0, lrs, steps))
              if end < start]
    return float(max(stable))


def _first_unstable(objective, x0, lrs, steps=50):
    lrs = _f(lrs)
    for lr, (end, start) in zip(lrs, _final_over_start(objective, x0, lrs, steps)):
        if not end < start:
            return float(lr)
    return float("nan")


def _smallest_stable(objective, x0, lrs, steps=50):
    lrs = _f(lrs)
    stable = [lr for lr, (end, start) in zip(lrs, _final_over_start(objective, x0, lrs, steps))
              if end < start]
    return float(min(stable))


def _largest_finite(objective, x0, lrs, steps=50):
    lrs = _f(lrs)
    ok = [lr for lr, (end, _) in zip(lrs, _final_over_start(objective, x0, lrs, steps))
          if np.isfinite(end)]
    return float(max(ok))


def _index_of_largest(objective, x0, lrs, steps=50):
    lrs = _f(lrs)
    flags = [end < start for end, start in _final_over_start(objective, x0, lrs, steps)]
    return float(max(i for i, ok in enumerate(flags) if ok))


def _one_update(objective, x0, lrs, steps=50):
    return _largest_stable(objective, x0, lrs, steps=1)


def _fifty_updates(objective, x0, lrs, steps=50):
    return _largest_stable(objective, x0, lrs, steps=50)


def _closed_form_in_grid(objective, x0, lrs, steps=50):
    limit = 2.0 / objective.smoothness
    return float(max((lr for lr in _f(lrs) if lr < limit), default=float("nan")))


def _max_lr_cases(rng):
    # Curves that are not parabolas (wavy: x^2/4 + sin 2x, plateau: tanh(x)^2): on a
    # parabola one update, fifty updates and the formula 2/f'' all pick the same rate, so
    # an answer that skips the experiment would pass. Here each of those gives a different
    # rate, and no case uses the default steps=50. Every stable/unstable verdict below has
    # a loss gap of at least 0.01 and stays the same when x0 moves by 1e-6 (relative), so
    # rounding differences between machines or loop styles cannot flip it.
    return [
        Case(Ref("gdlab.objectives.wavy()"), -2.0, np.linspace(0.1, 2.0, 20), steps=5),
        Case(Ref("gdlab.objectives.plateau()"), -0.5, np.linspace(0.1, 2.0, 20), steps=20),
        Case(Ref("gdlab.objectives.plateau()"), -2.0, np.linspace(0.5, 6.0, 12), steps=10),
        Case(Ref("gdlab.objectives.wavy()"), 0.5, np.linspace(0.05, 1.0, 20), steps=10),
    ]


exercise(
    id="01-max-lr", lesson="01", title="The largest stable learning rate, by experiment",
    forbids=["gdlab.grids"],   # gdlab.train may run the experiment
    target="largest_stable_lr", kind="function", points=3,
    cases=_max_lr_cases, reference=_largest_stable, rtol=1e-12, atol=1e-12,
    returns="float",
    mistakes=[
        Mistake("first unstable", _first_unstable,
                "You return the first learning rate that FAILS. The task asks for the "
                "largest one that still works: the grid value just before it."),
        Mistake("smallest stable", _smallest_stable,
                "You return the smallest stable learning rate; the task asks for the "
                "largest."),
        Mistake("finite is not stable", _largest_finite,
                "You count a run as stable as long as its loss is a finite number. A run "
                "can grow for many steps before it overflows: compare the final loss with "
                "the loss at x0 instead."),
        Mistake("formula instead of experiment",
                lambda objective, x0, lrs, steps=50: 2.0 / objective.smoothness,
                "You return 2/f'' from the formula. The exercise asks for the EXPERIMENT: "
                "the largest learning rate in the grid `lrs` whose run ends below its "
                "starting loss. (The formula is what we compare the experiment with.)"),
        Mistake("formula picked from the grid", _closed_form_in_grid,
                "You pick the grid rate just below 2/f'' from the formula. The exercise asks "
                "for the EXPERIMENT: run `steps` updates with every rate and keep the largest "
                "whose final loss is below the starting loss. The formula holds for "
                "parabolas only; on other curves the experiment can find a different rate."),
        Mistake("one update", _one_update,
                "You judge each rate after one update only. Run `steps` updates from x0 for "
                "every rate, then compare the final loss with the loss at x0."),
        Mistake("steps ignored", _fifty_updates,
                "Your runs always take 50 updates: use the `steps` argument for the number "
                "of updates (50 is only its default)."),
        Mistake("index", _index_of_largest,
                "You return the POSITION of the largest stable learning rate in the grid; "
                "return the learning rate itself, lrs[i]."),
    ],
    hints=[
        "Loop over the grid; for each lr run `steps` descent steps from x0 using "
        "objective.grad, then compare objective.f at the end with objective.f(x0).",
        "Keep track of the last lr whose final loss was below the starting loss. Because "
        "the grid is sorted, that is the largest stable one.",
        "best = None\nfor lr in lrs:\n    x = x0\n    for _ in range(steps):\n"
        "        x = x - lr * objective.grad(x)\n    if objective.f(x) < objective.f(x0):\n"
        "        best = lr\nreturn float(best)",
    ],
)
