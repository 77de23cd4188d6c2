"""Lesson 03's primer on the projector pinv(X) X, recomputed (the rest of lesson 03's facts
are in test_lesson_facts.py; the premise of 03-gd-limit's slow cases is tested with the
exercise, in test_lesson_checks_03.py)."""
import numpy as np
import pytest

import gdlab

pytestmark = pytest.mark.slow


def test_03_projector_splits_a_vector_into_row_space_and_null_space():
    """c017b/c017e: for X = [[1, 2], [3, 6]] (rows along (1, 2)), P = pinv(X) X satisfies
    P^2 = P; P v lies along (1, 2); v - P v lies along (2, -1) and X (v - P v) = 0."""
    X = np.array([[1.0, 2.0], [3.0, 6.0]])
    P = np.linalg.pinv(X) @ X
    v = np.array([3.0, 0.0])
    assert np.allclose(P @ P, P)
    row, null = P @ v, v - P @ v
    assert abs(row[0] * 2.0 - row[1] * 1.0) < 1e-12          # parallel to (1, 2)
    assert abs(null[0] * -1.0 - null[1] * 2.0) < 1e-12        # parallel to (2, -1)
    assert np.allclose(X @ null, 0.0, atol=1e-12)
    assert np.allclose(row, [0.6, 1.2]) and np.allclose(null, [2.4, -1.2])


def test_03_independent_columns_make_the_projector_the_identity():
    """c017b/c017c: "With independent columns ... P = I", on the lesson's synthetic data."""
    rng = np.random.default_rng(0)
    X = gdlab.data.add_intercept(rng.uniform(0, 4, size=100))
    assert np.allclose(np.linalg.pinv(X) @ X, np.eye(2))
