"""Copies of published solution cells with the five trivial edits of issue 20 (each edit
alone): dead code, an added ``pass``, swapped operands (``h*2`` for ``2*h``), a for loop
rewritten as a while loop, and temporaries. Each must still be flagged as a copy.

``EVASIONS`` maps the published cell's exercise id to {edit: source}; the published text
is read from solutions/ by the test, so a changed solution shows up as a failing test.
"""

EVASIONS = {
    "03-gradient-descent": {
        "dead code": '''def gradient_descent(X, y, theta0, lr, n_iters):
    m = X.shape[0]
    unused = np.zeros(3)
    theta = np.array(theta0, dtype=float)
    if False:
        theta = theta * 0
    costs = np.empty(n_iters + 1)
    costs[0] = np.mean((X @ theta - y) ** 2)
    for k in range(n_iters):
        grad = 2.0 / m * X.T @ (X @ theta - y)
        theta = theta - lr * grad
        costs[k + 1] = np.mean((X @ theta - y) ** 2)
    return theta, costs
''',
        "pass": '''def gradient_descent(X, y, theta0, lr, n_iters):
    m = X.shape[0]
    theta = np.array(theta0, dtype=float)
    pass
    costs = np.empty(n_iters + 1)
    costs[0] = np.mean((X @ theta - y) ** 2)
    for k in range(n_iters):
        grad = 2.0 / m * X.T @ (X @ theta - y)
        pass
        theta = theta - lr * grad
        costs[k + 1] = np.mean((X @ theta - y) ** 2)
    return theta, costs
''',
        "swapped operands": '''def gradient_descent(X, y, theta0, lr, n_iters):
    m = X.shape[0]
    theta = np.array(theta0, dtype=float)
    costs = np.empty(n_iters + 1)
    costs[0] = np.mean((X @ theta - y) ** 2)
    for k in range(n_iters):
        grad = X.T @ (X @ theta - y) * 2.0 / m
        theta = theta - grad * lr
        costs[k + 1] = np.mean((X @ theta - y) ** 2)
    return theta, costs
''',
        "while loop": '''def gradient_descent(X, y, theta0, lr, n_iters):
    m = X.shape[0]
    theta = np.array(theta0, dtype=float)
    costs = np.empty(n_iters + 1)
    costs[0] = np.mean((X @ theta - y) ** 2)
    k = 0
    while k < n_iters:
        grad = 2.0 / m * X.T @ (X @ theta - y)
        theta = theta - lr * grad
        costs[k + 1] = np.mean((X @ theta - y) ** 2)
        k += 1
    return theta, costs
''',
        "temporaries": '''def gradient_descent(X, y, theta0, lr, n_iters):
    m = X.shape[0]
    theta = np.array(theta0, dtype=float)
    costs = np.empty(n_iters + 1)
    costs[0] = np.mean((X @ theta - y) ** 2)
    for k in range(n_iters):
        residual = X @ theta - y
        grad = 2.0 / m * X.T @ residual
        step = lr * grad
        theta = theta - step
        costs[k + 1] = np.mean((X @ theta - y) ** 2)
    result = (theta, costs)
    return result
''',
    },
    "02-numerical-grad": {
        "dead code": '''def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    debug = False
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        if debug:
            print(i, step)
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad
''',
        "pass": '''def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        pass
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
        pass
    return grad
''',
        "swapped operands": '''def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (h * 2)
    return grad
''',
        "while loop": '''def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    i = 0
    while i < x.size:
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
        i += 1
    return grad
''',
        "temporaries": '''def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        up = f(x + step)
        down = f(x - step)
        grad[i] = (up - down) / (2 * h)
    return grad
''',
    },
    "09-lr-grid": {
        "dead code": '''def lr_grid_search(objective, x0, lrs, steps):
    losses = []
    tried = 0
    for lr in lrs:
        x = np.array(x0, dtype=float)
        for _ in range(steps):
            x = x - lr * objective.grad(x)
        losses.append(float(objective.f(x)))
        tried = tried + 1
    losses = np.array(losses)
    safe = np.where(np.isfinite(losses), losses, np.inf)
    return float(lrs[np.argmin(safe)]), losses
''',
        "pass": '''def lr_grid_search(objective, x0, lrs, steps):
    losses = []
    for lr in lrs:
        x = np.array(x0, dtype=float)
        for _ in range(steps):
            x = x - lr * objective.grad(x)
            pass
        losses.append(float(objective.f(x)))
    losses = np.array(losses)
    safe = np.where(np.isfinite(losses), losses, np.inf)
    return float(lrs[np.argmin(safe)]), losses
''',
        "swapped operands": '''def lr_grid_search(objective, x0, lrs, steps):
    losses = []
    for lr in lrs:
        x = np.array(x0, dtype=float)
        for _ in range(steps):
            x = x - objective.grad(x) * lr
        losses.append(float(objective.f(x)))
    losses = np.array(losses)
    safe = np.where(np.isfinite(losses), losses, np.inf)
    return float(lrs[np.argmin(safe)]), losses
''',
        "while loop": '''def lr_grid_search(objective, x0, lrs, steps):
    losses = []
    for lr in lrs:
        x = np.array(x0, dtype=float)
        n = 0
        while n < steps:
            x = x - lr * objective.grad(x)
            n += 1
        losses.append(float(objective.f(x)))
    losses = np.array(losses)
    safe = np.where(np.isfinite(losses), losses, np.inf)
    return float(lrs[np.argmin(safe)]), losses
''',
        "temporaries": '''def lr_grid_search(objective, x0, lrs, steps):
    losses = []
    for lr in lrs:
        x = np.array(x0, dtype=float)
        for _ in range(steps):
            g = objective.grad(x)
            x = x - lr * g
        final = float(objective.f(x))
        losses.append(final)
    losses = np.array(losses)
    safe = np.where(np.isfinite(losses), losses, np.inf)
    best = lrs[np.argmin(safe)]
    return float(best), losses
''',
    },
}
