"""Cross-check gdlab.optim against torch.optim step by step (not part of the test suite).

    pip install torch==2.13.0 && python benchmarks/crosscheck_torch.py

The unit tests compare every optimizer with plain loops written from the documented
formulas; this script is the extra check that those formulas are the ones PyTorch runs.
It prints one line per configuration and the largest relative difference found, and
exits with status 1 when any configuration differs by more than ``TOLERANCE``.
"""
import itertools
import sys

import numpy as np
import torch

from gdlab.optim import SGD, Adagrad, Adam, AdamW, RMSprop

A = np.array([[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.4]])
B = np.array([1.0, -2.0, 0.5])
X0 = np.array([1.5, -0.7, 2.0])
STEPS = 30
#: both sides compute in float64, so agreeing formulas differ by rounding only (~1e-15);
#: a wrong formula or default shows up many orders of magnitude above this
TOLERANCE = 1e-10


def grid(**options):
    keys = list(options)
    for values in itertools.product(*options.values()):
        yield dict(zip(keys, values))


CASES = (
    [(SGD, torch.optim.SGD, kw) for kw in grid(momentum=[0.0, 0.9], dampening=[0.0],
                                              weight_decay=[0.0, 0.1], nesterov=[False, True],
                                              maximize=[False])
     if not (kw["nesterov"] and kw["momentum"] == 0)]
    + [(SGD, torch.optim.SGD, dict(momentum=0.8, dampening=0.3))]
    + [(Adagrad, torch.optim.Adagrad, kw) for kw in grid(lr_decay=[0.0, 0.01],
                                                        weight_decay=[0.0, 0.1],
                                                        initial_accumulator_value=[0.0, 0.5])]
    + [(RMSprop, torch.optim.RMSprop, kw) for kw in grid(momentum=[0.0, 0.9],
                                                        centered=[False, True],
                                                        weight_decay=[0.0, 0.1])]
    + [(cls, tcls, kw) for cls, tcls in [(Adam, torch.optim.Adam), (AdamW, torch.optim.AdamW)]
       for kw in grid(amsgrad=[False, True], weight_decay=[0.0, 0.1])]
)


def verdict(diffs, tol=TOLERANCE):
    """The exit status: 0 when every relative difference is within ``tol``, else 1."""
    bad = [d for d in diffs if not d <= tol]   # NaN counts as a mismatch
    worst = max(diffs, default=0.0)
    print(f"worst relative difference over {len(diffs)} configurations: {worst:.1e}")
    if bad:
        print(f"MISMATCH: {len(bad)} of {len(diffs)} configurations differ by more than "
              f"{tol:.0e}")
        return 1
    return 0


def main():
    diffs = []
    for ours, theirs, kw in CASES:
        x = X0.copy()
        p = torch.tensor(X0.copy(), requires_grad=True)
        opt, topt = ours(lr=0.05, **kw), theirs([p], lr=0.05, **kw)
        for _ in range(STEPS):
            x = opt.step(x, A @ x - B)
            p.grad = torch.tensor(A @ p.detach().numpy() - B)
            topt.step()
        ref = p.detach().numpy()
        diff = float(np.max(np.abs(x - ref) / np.maximum(np.abs(ref), 1e-12)))
        diffs.append(diff)
        print(f"{ours.__name__:8s} {kw} max_rel_diff={diff:.1e}"
              + ("" if diff <= TOLERANCE else "  MISMATCH"))
    return verdict(diffs)


if __name__ == "__main__":
    sys.exit(main())
