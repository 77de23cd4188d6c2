"""In-notebook checks: verdicts, feedback on common mistakes (and which message wins when
several apply), lists of differently shaped arrays, custom compares, hostile results, hints,
progress, the JSON encoding shared with the grader, and the real lesson declarations."""
import math

import numpy as np
import pytest

import checks_example_exercises as examples  # noqa: F401  (registers lesson "97")
from gdlab.checks import (Case, ExerciseFailed, Mistake, NotAttempted, PartlyRight, check,
                          decode_probe, evaluate, exercise, exercises, explain_array_mismatch,
                          get_exercise, hint, probe, progress, reset_session)
from gdlab.checks.encode import Opaque, decode, encode
from gdlab.checks.registry import available_lessons


@pytest.fixture(autouse=True)
def fresh_session():
    reset_session()
    yield
    reset_session()


def failure(exercise_id, **namespace):
    """What check() gives for an answer that is not right: the exception it raises (no
    points) or the PartlyRight it returns (some points). The test fails if it passes."""
    try:
        value = check(exercise_id, namespace)
    except ExerciseFailed as err:
        assert err.result.points == 0, f"raised for {err.result.points} points"
        return err
    assert isinstance(value, PartlyRight), f"{exercise_id} passed with {namespace}"
    return value


def good_dfdx(x):
    return 6 * x - 2


# ------------------------------------------------------------------------------ verdicts

def test_correct_function_prints_one_stable_line(capsys):
    assert check("97-derivative", {"dfdx": good_dfdx}) is None
    assert capsys.readouterr().out == "✔ 97-derivative: all 5 cases pass (2 points)\n"


def test_check_reads_the_callers_globals(capsys):
    global dfdx
    dfdx = good_dfdx
    try:
        check("97-derivative")
    finally:
        del dfdx
    assert capsys.readouterr().out.startswith("✔ 97-derivative")


def test_prints_inside_the_learners_function_are_hidden(capsys):
    def chatty(x):
        print("debugging", x)
        return 6 * x - 2
    check("97-derivative", {"dfdx": chatty})
    assert "debugging" not in capsys.readouterr().out


def test_unsolved_stub_is_not_attempted():
    def dfdx(x):
        # YOUR CODE HERE
        raise NotImplementedError()
    err = failure("97-derivative", dfdx=dfdx)
    assert type(err) is NotAttempted
    assert "not attempted yet" in str(err)
    assert err.result.points == 0 and err.result.status == "not attempted"


def test_undefined_target_is_not_attempted():
    err = failure("97-derivative")
    assert type(err) is NotAttempted
    assert "`dfdx` is not defined" in str(err)


def test_value_exercise_not_defined_then_right_then_wrong(capsys):
    assert type(failure("97-learning-rate")) is NotAttempted
    check("97-learning-rate", {"lr_best": 0.25})
    assert capsys.readouterr().out == "✔ 97-learning-rate: 1 case passes (1 point)\n"
    err = failure("97-learning-rate", lr_best=0.5)
    assert "twice" in str(err)


def test_traceback_shows_only_the_friendly_message():
    err = failure("97-derivative", dfdx=lambda x: -(6 * x - 2))
    lines = err._render_traceback_()
    assert lines == str(err).splitlines()
    assert lines[0].startswith("✘ 97-derivative: 0 of 5 cases pass (0 of 2 points)")
    assert not any("Traceback" in line or "File " in line for line in lines)
    assert isinstance(err, AssertionError)  # a failing test cell for nbgrader


def half_right_dfdx(x):
    # Right for scalars, wrong (sign) for arrays: cases 0 and 1 pass, 3 of 5 fail.
    return 6 * x - 2 if np.ndim(x) == 0 else -(6 * x - 2)


def test_partial_credit_counts_passing_cases():
    err = failure("97-derivative", dfdx=half_right_dfdx)
    assert err.result.passed_cases == 2 and err.result.n_cases == 5
    assert err.result.points == pytest.approx(round(2 * 2 / 5, 2))
    assert "2 of 5 cases pass (0.8 of 2 points)" in str(err)


def test_partly_right_returns_its_points_for_nbgrader_and_shows_the_message():
    # nbgrader scores a grade cell by its output: an error is 0 points, an execute_result
    # whose text/plain float() accepts is that many points, anything else full points.
    from IPython.core.formatters import DisplayFormatter
    value = check("97-derivative", {"dfdx": half_right_dfdx})
    assert isinstance(value, PartlyRight) and not isinstance(value, BaseException)
    data, _ = DisplayFormatter().format(value)
    assert float(data["text/plain"]) == 0.8
    assert "2 of 5 cases pass (0.8 of 2 points)" in data["text/html"]
    assert "wrong sign" in data["text/html"]
    assert "<pre" in data["text/html"] and "&lt;" not in str(value)
    assert float(value) == 0.8 and "0.8/2" in repr(value)


def test_partly_right_message_is_escaped_in_html():
    def dfdx(x):
        if np.ndim(x):
            raise ValueError("<b>arrays</b> are not supported")
        return 6 * x - 2
    value = check("97-derivative", {"dfdx": dfdx})
    assert isinstance(value, PartlyRight) and "<b>arrays</b>" in str(value)
    html = value._repr_html_()
    assert "&lt;b&gt;arrays&lt;/b&gt;" in html and "<b>" not in html


def test_no_points_raise_and_every_status_reaches_progress():
    failure("97-derivative", dfdx=lambda x: -(6 * x - 2))          # raises: 0 points
    assert check("97-derivative", {"dfdx": half_right_dfdx}) is not None
    rows = {r.exercise_id: r for r in progress("97").rows}
    assert rows["97-derivative"].status == "failed"
    assert rows["97-derivative"].points == 0.8


# ------------------------------------------------------------------ generic mistakes

@pytest.mark.parametrize("wrong, phrase", [
    (lambda x: -(6 * x - 2), "wrong sign"),
    (lambda x: 2 * (6 * x - 2), "twice the expected value"),
    (lambda x: (6 * x - 2) / 2, "half the expected value"),
    (lambda x: list(np.atleast_1d(6 * x - 2)), "is a Python list"),
    (lambda x: tuple(np.atleast_1d(6 * x - 2)), "is a Python tuple"),
    (lambda x: None, "is None"),
    (lambda x: (6 * x - 2) * np.nan, "contains NaN"),
    (lambda x: (6 * x - 2) * np.inf, "contains inf"),
    (lambda x: 1 / 0, "raised ZeroDivisionError: division by zero"),
    (lambda x: "6x - 2", "is text"),
])
def test_generic_mistakes_get_their_own_message(wrong, phrase):
    assert phrase in str(failure("97-derivative", dfdx=wrong))


def test_exception_message_names_the_case():
    def dfdx(x):
        if np.ndim(x) > 0:
            raise ValueError("arrays not supported")
        return 6 * x - 2
    text = str(failure("97-derivative", dfdx=dfdx))
    assert "Calling dfdx(np.array([-1.0, 2.0])) raised ValueError: arrays not supported" in text


def test_exercise_specific_mistake_message():
    text = str(failure("97-derivative", dfdx=lambda x: 3 * x - 2))
    assert "bring the exponent down" in text


def test_mutated_input_is_reported():
    def dfdx(x):
        if isinstance(x, np.ndarray):
            x *= 6
            x -= 2
            return x
        return 6 * x - 2
    err = failure("97-derivative", dfdx=dfdx)
    assert "changed its input `x` in place" in str(err)
    assert err.result.passed_cases == 2  # the two float cases cannot be mutated


def test_sum_instead_of_mean_uses_meta_m():
    err = failure("97-mean-grad", mean_grad=lambda X, y, t: X.T @ (X @ t - y))
    assert "4 times too large" in str(err) and "sum where a mean" in str(err)


def test_column_instead_of_flat_vector():
    text = str(failure("97-mean-grad", mean_grad=lambda X, y, t: (X.T @ (X @ t - y) / len(y))
                       [:, None]))
    assert "shape (2, 1) (a column)" in text and "shape (2,)" in text


def test_broadcasting_shape_gets_a_tip():
    # y[:, None] makes (m, 1) - (m,) broadcast to (m, m).
    text = str(failure("97-mean-grad", mean_grad=lambda X, y, t:
                       X.T @ (X @ t - y[:, None]) / len(y)))
    assert "has shape (2, 4)" in text and "broadcasting" in text


def test_transposed_matrix():
    text = str(failure("97-outer", outer=lambda u, v: np.outer(v, u)))
    assert "transposed: shape (2, 3) instead of (3, 2)" in text


def test_wrong_values_show_expected_and_got():
    text = str(failure("97-outer", outer=lambda u, v: np.outer(u, v) + 1))
    assert "expected:" in text and "got:" in text and "largest difference" in text


def test_tuple_exercise():
    check("97-stats", {"stats": lambda x: (x.mean(), x.std())})
    assert "tuple of 2 values" in str(failure("97-stats", stats=lambda x: x.mean()))
    text = str(failure("97-stats", stats=lambda x: (x.mean(), x.var())))
    assert "Part 1 of the result" in text


def test_ref_arguments_are_evaluated_fresh():
    check("97-scale", {"scale": lambda v, c: c * v})
    text = str(failure("97-scale", scale=lambda v, c: v))
    assert "scale(np.arange(1.0, 4.0), 2.0)" in text


def test_not_a_function():
    assert "should be a function, but it is a int" in str(failure("97-derivative", dfdx=3))


# -------------------------------------------------------------------- hostile results

class AlwaysEqual:
    """Claims to equal everything."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None


class NoNumbers:
    def __float__(self):
        raise RuntimeError("no float for you")

    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array for you")


class LyingArray(np.ndarray):
    """An ndarray subclass whose comparisons always say 'equal'."""

    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)

    def __array_finalize__(self, obj):
        pass


def test_object_that_equals_everything_fails():
    text = str(failure("97-derivative", dfdx=lambda x: AlwaysEqual()))
    assert "object of type" in text and "AlwaysEqual" in text


def test_object_that_refuses_conversion_fails_cleanly():
    text = str(failure("97-derivative", dfdx=lambda x: NoNumbers()))
    assert "NoNumbers" in text


def test_lying_ndarray_subclass_is_judged_by_its_numbers(capsys):
    wrong = failure("97-derivative",
                    dfdx=lambda x: np.asarray(6 * np.asarray(x) + 5.0).view(LyingArray))
    assert "wrong values" in str(wrong) or "expected value" in str(wrong)
    check("97-derivative", {"dfdx": lambda x: np.asarray(6 * np.asarray(x) - 2.0)
                            .view(LyingArray)})
    assert capsys.readouterr().out.startswith("✔")


def test_explain_array_mismatch_never_trusts_eq():
    assert explain_array_mismatch(AlwaysEqual(), np.array([1.0])) is not None
    assert explain_array_mismatch(NoNumbers(), 1.0) is not None
    assert "ragged" in explain_array_mismatch([[1.0, 2.0], [3.0]], np.ones((2, 2)))
    assert explain_array_mismatch(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12])) is None


# ---------------------------------------------------------------------------- hints

def test_hints_escalate_then_repeat_the_last(capsys):
    shown = []
    for _ in range(5):
        hint("97-derivative")
        shown.append(capsys.readouterr().out)
    assert "Use the power rule." in shown[0] and "Hint 1 of 3" in shown[0]
    assert "n x^(n-1)" in shown[1] and "Hint 2 of 3" in shown[1]
    assert "6x - 2" in shown[2] and "last hint" in shown[2]
    for repeated in shown[3:]:
        assert "6x - 2" in repeated and "repeats the last one" in repeated


def test_exercise_without_hints_says_so(capsys):
    hint("97-outer")
    assert "No hints" in capsys.readouterr().out


def test_unknown_id_suggests_the_closest():
    with pytest.raises(ValueError, match="Did you mean '97-derivative'"):
        hint("97-derivativ")
    with pytest.raises(ValueError, match="Invalid exercise id"):
        check("derivative")


def test_ids_of_the_release_before_lesson_09_was_split_still_work_with_a_warning(capsys):
    # An old lesson-09 notebook has a locked cell check("09-newton-step"); after the split
    # it failed with "Unknown exercise '09-newton-step'".
    with pytest.warns(UserWarning, match="'09-newton-step' is called '10-newton-step'"):
        check("09-newton-step",
              namespace={"newton_step": lambda x, g, H: x - np.linalg.solve(H, g)})
    assert capsys.readouterr().out.startswith("✔ 10-newton-step: ")
    with pytest.warns(UserWarning, match="hand in the current lesson 11 notebook"):
        hint("10-config")
    with pytest.raises(ValueError, match="Unknown exercise '10-r3'"):
        hint("10-r3")


def test_every_renamed_id_points_at_an_exercise_and_shadows_none():
    from gdlab.checks.registry import _RENAMED
    for old, new in _RENAMED.items():
        assert get_exercise(new).id == new
        assert old not in {e.id for e in exercises(old[:2])}, f"{old} is a current id too"


# -------------------------------------------------------------------------- progress

def test_progress_shows_every_state():
    check("97-derivative", {"dfdx": good_dfdx})
    failure("97-mean-grad", mean_grad=lambda X, y, t: -_mean_grad(X, y, t))
    failure("97-outer")
    table = progress("97")
    states = {row.exercise_id: row.status for row in table.rows}
    assert states == {"97-derivative": "passed", "97-mean-grad": "failed",
                      "97-outer": "not attempted", "97-scale": "not checked yet",
                      "97-learning-rate": "not checked yet", "97-stats": "not checked yet"}
    text = repr(table)
    assert "97-derivative" in text and "2/2" in text and "not checked yet" in text
    html = table._repr_html_()
    assert "<table>" in html and "97-mean-grad" in html and "failed" in html
    assert table.points == 2 and table.max_points == 2 + 3 + 1 + 1 + 1 + 2


def test_progress_without_lesson_shows_lessons_touched():
    hint("97-derivative")
    assert {row.exercise_id[:2] for row in progress().rows} == {"97"}


def _mean_grad(X, y, t):
    return X.T @ (X @ t - y) / len(y)


# ----------------------------------------------------------------- grader round trip

@pytest.mark.parametrize("value", [
    None, True, 3, -2.5, float("nan"), float("inf"), "text", [1, [2.0, None]],
    (1.0, 2.0), {"a": 1, 2: (3.0,)},
    np.array([1.5, -np.inf, np.nan]), np.arange(6, dtype=np.int32).reshape(2, 3),
    np.float32(0.5), np.array(7.0), np.array([1 + 2j]), np.array(["a", "bc"]),
    np.zeros((0, 3)),
])
def test_encode_decode_round_trip(value):
    back = decode(encode(value))
    assert type(back) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert back.dtype == value.dtype and np.shape(back) == np.shape(value)
        np.testing.assert_array_equal(back, value)
    elif isinstance(value, float) and math.isnan(value):
        assert math.isnan(back)
    else:
        assert back == value


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_encode_turns_objects_into_opaque_markers():
    loop = [1]
    loop.append(loop)
    back = decode(encode({"f": len, "bad": NoNumbers(), "loop": loop,
                          "matrix": np.matrix([[1.0, 2.0]])}))
    assert isinstance(back["f"], Opaque) and isinstance(back["bad"], Opaque)
    assert back["bad"].type_name.endswith("NoNumbers")
    assert back["loop"][0] == 1 and isinstance(back["loop"][1], Opaque)
    assert type(back["matrix"]) is np.ndarray and back["matrix"].shape == (1, 2)


def test_decode_rejects_garbage():
    with pytest.raises(ValueError):
        decode("{not json")
    with pytest.raises(ValueError):
        decode('{"__nonsense__": 1}')


def test_grader_path_gives_the_notebook_verdict():
    ns = {"dfdx": lambda x: 3 * x - 2}
    text = probe("97-derivative", ns)
    assert isinstance(text, str)
    result = evaluate(get_exercise("97-derivative"), decode_probe(text))
    assert result.status == "failed"
    assert result.message == str(failure("97-derivative", **ns))
    missing = evaluate("97-derivative", decode_probe(probe("97-derivative", {})))
    assert missing.status == "not attempted" and missing.points == 0


# --------------------------------------------------------------------- declarations

def test_cases_are_reproducible():
    ex = get_exercise("97-derivative")
    a, b = ex.make_cases(), ex.make_cases()
    np.testing.assert_array_equal(a[3].args[0], b[3].args[0])
    assert a[3].args[0] is not b[3].args[0]


@pytest.mark.parametrize("bad, match", [
    (dict(id="97 bad"), "Invalid exercise id"),
    (dict(id="96-wrong-lesson"), "does not start with its lesson"),
    (dict(kind="method"), "invalid kind"),
    (dict(returns="lists"), "invalid returns"),
    (dict(points=-1), "invalid points"),
    (dict(hints="one string"), "list of strings"),
])
def test_bad_declarations_are_refused(bad, match):
    args = dict(id="97-extra", lesson="97", title="t", target="f", points=1,
                cases=[Case(1.0)], reference=lambda x: x)
    args.update(bad)
    with pytest.raises((ValueError, TypeError), match=match):
        exercise(**args)


def test_exercises_keep_declaration_order():
    ids = [e.id for e in exercises("97")]
    assert ids[:3] == ["97-derivative", "97-mean-grad", "97-outer"]


# ------------------------------------------------------- the real lesson declarations

def _real_exercises():
    found = []
    for lesson in available_lessons():
        try:
            found += exercises(lesson)
        except Exception:
            pass  # reported by test_lesson_file_loads, without breaking collection here
    return found


@pytest.mark.parametrize("lesson", available_lessons())
def test_lesson_file_loads_and_declares_at_least_3_exercises(lesson):
    assert len(exercises(lesson)) >= 3


def test_lessons_declare_exercises():
    assert _real_exercises(), "no gdlab/checks/lessonNN.py declares an exercise"


@pytest.mark.parametrize("ex", _real_exercises(), ids=lambda e: e.id)
def test_reference_passes_and_every_mistake_fails(ex):
    # a value exercise's learner sets a variable: the answer is what its reference returns
    as_answer = (lambda f: f()) if ex.kind == "value" else (lambda f: f)
    right = evaluate(ex, decode_probe(probe(ex, {ex.target: as_answer(ex.reference)})))
    assert right.status == "passed", right.message
    for mistake in ex.mistakes:
        wrong = evaluate(ex, decode_probe(probe(ex, {ex.target: as_answer(mistake.func)})))
        assert wrong.status == "failed", f"mistake {mistake.name!r} passes the check"


# ------------------------------------- declared mistakes beat generic value heuristics
# Lesson "96" exists only in this file. Each reference is written out by hand.

def _two_over(L):
    return 2.0 / np.asarray(L, dtype=float)


exercise(
    id="96-two-over-l", lesson="96", title="Two over L", target="two_over", points=1,
    returns="array", rtol=1e-9, atol=1e-12,
    cases=[Case(np.array([1.0, 4.0])), Case(np.array([0.5, 2.0, 8.0]))],
    reference=_two_over,
    mistakes=[
        Mistake("one over L", lambda L: 1.0 / np.asarray(L, dtype=float),
                "You returned 1/L instead of 2/L."),
        Mistake("negated", lambda L: -2.0 / np.asarray(L, dtype=float),
                "You returned -2/L: the step size is positive."),
        Mistake("as a list", lambda L: list(2.0 / np.asarray(L, dtype=float)),
                "This message must never show: a list is a type problem first."),
    ],
)

exercise(
    id="96-mean-loss", lesson="96", title="Mean of squares", target="mean_sq", points=1,
    returns="float",
    cases=[Case(np.array([1.0, 2.0, 3.0]), meta={"m": 3})],
    reference=lambda r: float(np.mean(np.asarray(r) ** 2)),
    mistakes=[Mistake("summed", lambda r: float(np.sum(np.asarray(r) ** 2)),
                      "You summed the squared residuals over the batch.")],
)


def test_declared_mistake_beats_one_half():
    text = str(failure("96-two-over-l", two_over=lambda L: 1.0 / L))
    assert "You returned 1/L instead of 2/L." in text
    assert "half" not in text


def test_declared_mistake_beats_wrong_sign():
    text = str(failure("96-two-over-l", two_over=lambda L: -2.0 / L))
    assert "You returned -2/L" in text and "wrong sign" not in text


def test_declared_mistake_beats_sum_instead_of_mean():
    text = str(failure("96-mean-loss", mean_sq=lambda r: float(np.sum(r ** 2))))
    assert "You summed the squared residuals" in text and "3 times too large" not in text


def test_undeclared_factor_two_still_gets_the_generic_message():
    text = str(failure("96-two-over-l", two_over=lambda L: 4.0 / L))
    assert "exactly twice the expected value" in text


def test_type_problem_is_reported_before_a_matching_mistake():
    text = str(failure("96-two-over-l", two_over=lambda L: list(2.0 / L)))
    assert "is a Python list" in text and "must never show" not in text


def test_nonfinite_and_exception_are_reported_before_mistakes():
    assert "contains inf" in str(failure("96-two-over-l", two_over=lambda L: L * np.inf))
    assert "raised KeyError" in str(failure("96-two-over-l", two_over=lambda L: {}["x"]))


# -------------------------------------------------------- lists of differently shaped arrays

def _clip(grads, max_norm):
    total = math.sqrt(sum(float(np.sum(np.asarray(g, dtype=float) ** 2)) for g in grads))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return [np.asarray(g, dtype=float) * scale for g in grads]


_LAYERS = [np.array([3.0, 4.0]), np.array([[12.0, 0.0], [0.0, 0.0], [0.0, 0.0]])]

exercise(
    id="96-clip", lesson="96", title="Clip by global norm", target="clip", points=2,
    returns="list", rtol=1e-9, atol=1e-12,
    cases=[Case(_LAYERS, 6.5), Case(_LAYERS, 100.0)],   # norm 13: halve; then unchanged
    reference=_clip,
    mistakes=[Mistake("per layer",
                      lambda grads, c: [np.asarray(g, dtype=float)
                                        * min(1.0, c / np.linalg.norm(g)) for g in grads],
                      "You clipped every layer on its own.")],
)

exercise(
    id="96-clip-any", lesson="96", title="Clip by global norm (returns any)",
    target="clip", points=2, returns="any", rtol=1e-9, atol=1e-12,
    cases=[Case(_LAYERS, 6.5)], reference=_clip,
)


def _halved():
    return [np.array([1.5, 2.0]), np.array([[6.0, 0.0], [0.0, 0.0], [0.0, 0.0]])]


def test_list_of_ragged_arrays_passes_as_list_or_tuple(capsys):
    check("96-clip", {"clip": _clip})
    check("96-clip", {"clip": lambda g, c: tuple(_clip(g, c))})
    check("96-clip-any", {"clip": _clip})
    assert capsys.readouterr().out.count("✔") == 3


def test_list_message_names_the_wrong_element_and_its_shape():
    def clip(grads, c):
        out = _clip(grads, c)
        out[1] = out[1] + 1.0
        return out
    text = str(failure("96-clip", clip=clip))
    assert "Element 1 (expected shape (3, 2)) of the result of clip(" in text
    assert "wrong values" in text
    text = str(failure("96-clip-any", clip=clip))
    assert "Element 1 (expected shape (3, 2))" in text


def test_list_element_with_the_wrong_shape():
    text = str(failure("96-clip", clip=lambda g, c: [a.T for a in _clip(g, c)]))
    assert "element 1 (expected shape (3, 2))" in text.lower()
    assert "transposed: shape (2, 3) instead of (3, 2)" in text


def test_list_first_element_generic_slip():
    def clip(grads, c):
        out = _clip(grads, c)
        out[0] = -out[0]
        return out
    text = str(failure("96-clip", clip=clip))
    assert "Element 0 (expected shape (2,))" in text and "wrong sign" in text


def test_list_with_wrong_length_or_type():
    text = str(failure("96-clip", clip=lambda g, c: _clip(g, c)[:1]))
    assert "has 1 element, but 2 are expected" in text
    text = str(failure("96-clip", clip=lambda g, c: np.concatenate([a.ravel() for a in g])))
    assert "numpy array of shape (8,)" in text and "a list of 2 arrays is expected" in text
    text = str(failure("96-clip", clip=lambda g, c: [None, None]))
    assert "Element 0 (expected shape (2,)) of the result" in text and "is None" in text


def test_list_exercise_recognises_its_mistake():
    text = str(failure("96-clip", clip=lambda g, c: [a * min(1.0, c / np.linalg.norm(a))
                                                     for a in g]))
    assert "You clipped every layer on its own." in text


def test_explain_array_mismatch_compares_lists_element_by_element():
    assert explain_array_mismatch(_halved(), _clip(_LAYERS, 6.5), returns="list") is None
    assert explain_array_mismatch(tuple(_halved()), _clip(_LAYERS, 6.5)) is None
    text = explain_array_mismatch([_halved()[0], _halved()[1] * 2], _clip(_LAYERS, 6.5))
    assert text.startswith("element 1 (expected shape (3, 2)) of your result is exactly "
                           "twice")


# ------------------------------------------------- custom compare messages name the call

def _compare_loose(got, expected, case):
    if abs(float(got) - expected) <= 0.5:
        return None
    return f"your estimate {float(got):g} is more than 0.5 away."


exercise(
    id="96-estimate", lesson="96", title="Estimate a square", target="estimate", points=1,
    cases=[Case(3.0)], reference=lambda x: x * x, compare=_compare_loose,
)

exercise(
    id="96-estimate-prefixed", lesson="96", title="Estimate a square (prefixed message)",
    target="estimate", points=1, cases=[Case(3.0)], reference=lambda x: x * x,
    compare=lambda got, expected, case: None if got == expected else
    "For estimate(3.0): this message already names its call.",
)

exercise(
    id="96-answer", lesson="96", title="Pick a value", target="answer", kind="value",
    points=1, reference=lambda: 7.0, compare=_compare_loose,
)


def test_custom_compare_message_gets_the_call_prefix():
    text = str(failure("96-estimate", estimate=lambda x: x))
    assert "For estimate(3.0): Your estimate 3 is more than 0.5 away." in text
    text = str(failure("96-answer", answer=1.0))
    assert "For `answer`: Your estimate 1 is more than 0.5 away." in text


def test_custom_compare_prefix_is_not_duplicated():
    text = str(failure("96-estimate-prefixed", estimate=lambda x: x))
    assert text.count("For estimate(3.0)") == 1
    assert "For estimate(3.0): this message already names its call." in text


def test_crashing_custom_compare_names_the_call_once():
    text = str(failure("96-estimate", estimate=lambda x: "nine"))
    assert text.count("estimate(3.0)") == 1 and "could not be checked (ValueError" in text


# ---------------------------------------- lesson 00: check() from an ordinary cell works

def test_lesson00_demo_cell_prints_the_failure(capsys):
    # The demo cell of solutions/00_start_here.ipynb, run as a notebook cell would be:
    # top-level code whose globals are the notebook namespace.
    cell = ('import numpy as np\nfrom gdlab.checks import check\n'
            'def mean_of(values):\n    return float(np.sum(values))\n'
            'try:\n    check("00-mean")\nexcept Exception as failure:\n    print(failure)\n')
    exec(compile(cell, "<cell>", "exec"), {"__name__": "__main__"})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✘ 00-mean: 0 of 5 cases pass (0 of 1 point)."   # no one-value case
    assert lines[1].startswith("For mean_of(np.array([1.0, 2.0, 3.0, 4.0])): You return "
                               "the SUM of the values")
    assert lines[2].startswith("Fix it, run the cell that defines `mean_of` again")


# ------------------------------------------- an exception points at the learner's own line

def _cell(source, number=7):
    """Define functions as a notebook cell does: its own file name, source in linecache."""
    import linecache
    filename = f"/tmp/ipykernel_4242/cell{number}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np}
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - test input
    return namespace


def test_exception_shows_the_line_of_the_learners_cell():
    ns = _cell("def dfdx(x):\n    y = 6 * x\n    return 1/0\n")
    text = str(failure("97-derivative", dfdx=ns["dfdx"]))
    assert ("raised ZeroDivisionError: division by zero, at line 3 of your cell: "
            "`return 1/0`") in text, text


def test_exception_inside_numpy_points_at_the_learners_call():
    ns = _cell("def dfdx(x):\n    return np.reshape(6 * x - 2, (7, 3))\n", number=8)
    text = str(failure("97-derivative", dfdx=ns["dfdx"]))
    assert "at line 2 of your cell: `return np.reshape(6 * x - 2, (7, 3))`" in text, text


def test_error_line_survives_the_grader_json_round_trip():
    from gdlab.checks import Outcome
    out = Outcome("raised", error_type="KeyError", error_message="'a'",
                  error_line=(4, "return d['a']"))
    back = Outcome.from_jsonable(out.to_jsonable())
    assert back.error_line == (4, "return d['a']")
    assert Outcome.from_jsonable({"status": "raised"}).error_line is None
    assert Outcome.from_jsonable({"status": "raised", "error_line": "junk"}).error_line is None


def test_error_line_skips_library_frames_and_gives_none_without_source():
    from gdlab.checks.traceback_line import error_line
    ns = _cell("def outer(v):\n    return sorted(v, key=lambda t: t / 0)\n", number=9)
    try:
        ns["outer"]([1, 2])
    except ZeroDivisionError as err:
        assert error_line(err) == (2, "return sorted(v, key=lambda t: t / 0)")
    try:
        exec("1/0", {})  # noqa: S102 - code without a source file
    except ZeroDivisionError as err:
        inner = err.with_traceback(err.__traceback__.tb_next)  # drop this test's own frame
        assert error_line(inner) is None
    assert error_line(ValueError("never raised")) is None
