"""gdlab.schedules: values at chosen steps against the formulas computed by hand here."""
import doctest
import math

import numpy as np
import pytest

from gdlab import schedules
from gdlab.schedules import (ReduceOnPlateau, constant, cosine, exponential, inverse_time,
                             multi_step, step_decay, warmup)


def values(schedule, steps):
    return [schedule(t) for t in steps]


def test_constant():
    assert values(constant(0.3), [0, 1, 10 ** 6]) == [0.3, 0.3, 0.3]


def test_step_decay():
    s = step_decay(0.2, step_size=5, gamma=0.3)
    got = values(s, [0, 4, 5, 9, 10, 14, 15])
    want = [0.2, 0.2, 0.06, 0.06, 0.018, 0.018, 0.0054]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert step_decay(1.0, step_size=2)(2) == pytest.approx(0.1)  # default gamma


def test_multi_step():
    s = multi_step(0.5, milestones=[2, 5, 6], gamma=0.5)
    got = values(s, range(9))
    want = [0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.0625, 0.0625, 0.0625]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_exponential():
    s = exponential(2.0, gamma=0.9)
    np.testing.assert_allclose(values(s, [0, 1, 2, 10]), [2.0, 1.8, 1.62, 2.0 * 0.9 ** 10])


def test_inverse_time():
    s = inverse_time(0.6, decay=0.5)
    np.testing.assert_allclose(values(s, [0, 1, 2, 4]), [0.6, 0.4, 0.3, 0.2])
    s = inverse_time(1.0, decay=1.0, power=0.5)
    np.testing.assert_allclose(values(s, [0, 3, 8]), [1.0, 0.5, 1 / 3])


def test_cosine():
    s = cosine(0.1, total_steps=4, min_lr=0.02)
    # halfway (t = 2): (0.1 + 0.02)/2 ; t = 1: 0.02 + 0.04 (1 + cos(pi/4))
    want = [0.1, 0.02 + 0.04 * (1 + math.sqrt(0.5)), 0.06, 0.02 + 0.04 * (1 - math.sqrt(0.5)),
            0.02, 0.02, 0.02]
    np.testing.assert_allclose(values(s, range(7)), want, rtol=1e-12)
    # default min_lr = 0 and the schedule is non-increasing
    s = cosine(1.0, total_steps=50)
    vals = values(s, range(60))
    assert vals[50:] == [0.0] * 10
    assert all(a >= b for a, b in zip(vals, vals[1:]))


def test_warmup_wraps_a_float():
    s = warmup(0.4, warmup_steps=4)
    np.testing.assert_allclose(values(s, range(7)), [0.0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.4])
    s = warmup(0.4, warmup_steps=2, start_factor=0.5)
    np.testing.assert_allclose(values(s, range(4)), [0.2, 0.3, 0.4, 0.4])


def test_warmup_then_schedule_starts_its_own_clock():
    s = warmup(step_decay(1.0, step_size=2, gamma=0.5), warmup_steps=3, start_factor=0.25)
    want = [0.25, 0.5, 0.75, 1.0, 1.0, 0.5, 0.5, 0.25]
    np.testing.assert_allclose(values(s, range(8)), want, rtol=1e-12)
    # warmup of zero steps is the schedule itself; any callable works
    s = warmup(lambda t: 1.0 / (t + 1), warmup_steps=0)
    assert values(s, [0, 1, 3]) == [1.0, 0.5, 0.25]


def test_reduce_on_plateau_follows_torch_rules():
    s = ReduceOnPlateau(1.0, factor=0.5, patience=2, threshold=0.1)
    lrs = []
    # Improvement means loss < best * 0.9 (relative threshold).
    for loss in [10.0, 8.0, 7.5, 7.4, 7.3, 7.0, 6.0, 6.0, 6.0, 6.0]:
        lrs.append(s.observe(loss))
    # 10 best; 8 best; 7.5 bad1 (not < 7.2); 7.4 bad2; 7.3 bad3 > patience -> 0.5, reset;
    # 7.0 < 7.2 best; 6.0 < 6.3 best; 6,6 bad1, bad2; 6 bad3 -> 0.25
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]
    assert s(0) == s(123) == 0.25
    assert s.num_reductions == 2


def test_reduce_on_plateau_cooldown_min_lr_and_reset():
    s = ReduceOnPlateau(1.0, factor=0.1, patience=0, min_lr=0.05, cooldown=2)
    lrs = [s.observe(1.0) for _ in range(8)]
    # first value improves on inf; each later one is bad. patience 0 -> cut at the first
    # bad one, then 2 ignored observations, then cut again (clamped at min_lr), and
    # then no further change.
    assert lrs == [1.0, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]
    assert s.num_reductions == 2
    s.reset()
    assert s(0) == 1.0 and s.num_reductions == 0


def test_reduce_on_plateau_mode_max_and_nan():
    s = ReduceOnPlateau(1.0, factor=0.5, patience=0, mode="max")
    assert [s.observe(v) for v in [0.5, 0.9, 0.8]] == [1.0, 1.0, 0.5]
    s = ReduceOnPlateau(1.0, factor=0.5, patience=0)
    assert [s.observe(v) for v in [1.0, float("nan")]] == [1.0, 0.5]
    assert s.observe(np.float64(0.1)) == 0.5  # numpy scalars are fine


def test_schedules_drive_an_optimizer():
    from gdlab.optim import SGD
    opt = SGD(lr=warmup(0.1, warmup_steps=2))
    x = np.ones(1)
    x = opt.step(x, np.ones(1))    # lr 0
    x = opt.step(x, np.ones(1))    # lr 0.05
    x = opt.step(x, np.ones(1))    # lr 0.1
    np.testing.assert_allclose(x, [1 - 0.15])
    plateau = ReduceOnPlateau(0.1, patience=0, factor=0.5)
    opt = SGD(lr=plateau)
    plateau.observe(1.0)
    plateau.observe(2.0)
    assert opt.current_lr == 0.05


@pytest.mark.parametrize("schedule, text", [
    (constant(0.1), "constant(lr=0.1)"),
    (step_decay(0.1, step_size=10), "step_decay(lr=0.1, step_size=10, gamma=0.1)"),
    (multi_step(0.1, milestones=[3, 7]), "multi_step(lr=0.1, milestones=[3, 7], gamma=0.1)"),
    (exponential(1, gamma=0.5), "exponential(lr=1.0, gamma=0.5)"),
    (inverse_time(1, decay=0.1), "inverse_time(lr=1.0, decay=0.1, power=1.0)"),
    (cosine(0.1, total_steps=100), "cosine(lr=0.1, total_steps=100, min_lr=0.0)"),
    (warmup(cosine(0.1, total_steps=90), warmup_steps=10),
     "warmup(schedule=cosine(lr=0.1, total_steps=90, min_lr=0.0), warmup_steps=10, "
     "start_factor=0.0)"),
    (ReduceOnPlateau(0.1), "ReduceOnPlateau(lr=0.1, factor=0.1, patience=10, "
                           "threshold=0.0001, min_lr=0.0)"),
])
def test_repr_is_readable(schedule, text):
    assert repr(schedule) == text


@pytest.mark.parametrize("make, exc, match", [
    (lambda: constant(-0.1), ValueError, r"Invalid learning rate: -0.1"),
    (lambda: constant("0.1"), TypeError, r"^Invalid learning rate: '0.1' \(.*not str\)"),
    (lambda: constant(float("nan")), ValueError, r"Invalid learning rate: nan"),
    (lambda: step_decay(0.1, step_size=0), ValueError, r"Invalid step_size: 0 .*>= 1"),
    (lambda: step_decay(0.1, step_size=2.5), TypeError, r"^Invalid step_size: 2.5 \(must be an integer >= 1, not float\)"),
    (lambda: step_decay(0.1, step_size=2, gamma=0), ValueError, r"Invalid gamma: 0.0"),
    (lambda: multi_step(0.1, milestones=[5, 3]), ValueError, r"strictly increasing"),
    (lambda: multi_step(0.1, milestones=[0, 3]), ValueError, r"Invalid milestone: 0"),
    (lambda: multi_step(0.1, milestones=7), TypeError, r"milestones must be a list"),
    (lambda: exponential(0.1, gamma=-0.5), ValueError, r"Invalid gamma: -0.5"),
    (lambda: inverse_time(0.1, decay=-1), ValueError, r"Invalid decay: -1.0"),
    (lambda: inverse_time(0.1, decay=1, power=-1), ValueError, r"Invalid power: -1.0"),
    (lambda: cosine(0.1, total_steps=0), ValueError, r"Invalid total_steps: 0"),
    (lambda: cosine(0.1, total_steps=10, min_lr=0.5), ValueError,
     r"Invalid min_lr: 0.5 \(must be a number in \[0, 0.1\]; a floor cannot exceed lr=0.1\)"),
    (lambda: warmup(0.1, warmup_steps=-1), ValueError, r"Invalid warmup_steps: -1"),
    (lambda: warmup(0.1, warmup_steps=5, start_factor=2), ValueError,
     r"Invalid start_factor: 2.0"),
    (lambda: warmup("fast", warmup_steps=5), TypeError, r"^Invalid schedule: 'fast' \(must be a finite number >= 0"),
    (lambda: ReduceOnPlateau(0.1, factor=1.0), ValueError, r"Invalid factor: 1.0"),
    (lambda: ReduceOnPlateau(0.1, patience=-1), ValueError, r"Invalid patience: -1"),
    (lambda: ReduceOnPlateau(0.1, threshold=-1e-3), ValueError, r"Invalid threshold"),
    (lambda: ReduceOnPlateau(0.1, mode="minimum"), ValueError, r"Invalid mode: 'minimum'"),
    (lambda: ReduceOnPlateau(0.1, min_lr=1.0), ValueError, r"Invalid min_lr: 1.0"),
])
def test_validation_messages(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


@pytest.mark.parametrize("step, exc, match", [
    (-1, ValueError, r"Invalid step: -1"),
    (1.5, TypeError, r"0-based step index"),
])
def test_bad_step_argument(step, exc, match):
    with pytest.raises(exc, match=match):
        cosine(0.1, total_steps=10)(step)


def test_numpy_integer_steps_and_float_results():
    s = cosine(0.1, total_steps=10)
    assert s(np.int64(5)) == s(5)
    assert all(isinstance(sch(3), float) for sch in [
        constant(1), step_decay(1, step_size=2), multi_step(1, milestones=[1]),
        exponential(1, gamma=0.5), inverse_time(1, decay=1), s, warmup(1, warmup_steps=5),
        ReduceOnPlateau(1.0)])


def test_observe_rejects_non_numbers():
    with pytest.raises(TypeError, match="observe"):
        ReduceOnPlateau(0.1).observe("low")


def test_docstring_examples_run():
    assert doctest.testmod(schedules).failed == 0
