"""The judge of exercise 11-decisions: the learner's record of the capstone's decisions,
re-run and checked against the course's decision rule.

It lives in ``gdlab.checks`` (the answer key, hidden from the grader's sandbox): the grader
runs it in its own process, on the record the sandbox sends out as plain values.

A record is ``{"decisions": [...], "final": config}``. A paired decision is
``{"question", "a", "b", "seeds", "mean", "se", "choice"}`` with ``choice`` "a" or "b"; a
learning-rate decision is ``{"question": "learning rate", "config", "grid", "seeds",
"scores", "choice"}`` with one mean validation R^2 per rate and the chosen rate.
"""
import functools
import json
import math
import numbers

import numpy as np

from gdlab.capstone import evaluate_config, load_split, validate_config
from gdlab.grids import best_on_grid

QUESTIONS = ("scaling", "learning rate", "optimizer", "schedule", "batch size", "model")
#: the configuration keys each question decides (the final configuration must agree on them
#: with the candidate chosen by the last decision on that question)
KEYS = {"scaling": ("standardize", "scale_target"), "optimizer": ("optimizer", "momentum", "nesterov"),
        "schedule": ("schedule",), "batch size": ("batch_size",), "model": ("model",),
        "learning rate": ("lr",)}
_OPTIMIZER_ORDER = ("sgd", "sgd+momentum", "sgd+nesterov", "adagrad", "rmsprop", "adam", "adamw")
_SCHEDULE_ORDER = ("constant", "inverse_time", "exponential", "cosine")
_MODEL_ORDER = ("linear", "ridge", "lasso", "mlp")
MIN_SEEDS, MAX_SEEDS, MAX_DECISIONS, MAX_GRID = 5, 12, 12, 12
#: how far a recorded number may lie from the judge's re-run: ATOL plus 10 % of the re-run
#: value (see _close; runs of Adam differ by about 1e-3 between processes). A number made up
#: or halved misses it; one rounded to two significant digits passes, so this checks that
#: the numbers came from the comparison, not that they were copied by code.
ATOL = 2e-3


def simplicity(question, config):
    """The rank of ``config`` in the lesson's order of simplicity for ``question`` (lower
    is simpler); ties of a paired comparison go to the lower rank."""
    c = validate_config(config)
    if question == "scaling":
        return int(c["standardize"]) + int(c["scale_target"])
    if question == "optimizer":
        name = c["optimizer"]
        if name == "sgd" and c["momentum"]:
            name = "sgd+nesterov" if c["nesterov"] else "sgd+momentum"
        return _OPTIMIZER_ORDER.index(name)
    if question == "schedule":
        return _SCHEDULE_ORDER.index(c["schedule"])
    if question == "batch size":   # full batch, then larger batches before smaller ones
        return 0.0 if c["batch_size"] is None else 1.0 + 1.0 / c["batch_size"]
    if question == "model":
        return _MODEL_ORDER.index(c["model"])
    raise ValueError(f"no simplicity order for question {question!r}")


@functools.lru_cache(maxsize=4096)
def _score(config_json, seed):
    return evaluate_config(json.loads(config_json), seed).score


def _key(config):
    return json.dumps(validate_config(config), sort_keys=True)


def rerun_paired(a, b, seeds):
    """(mean, corrected standard error) of score(a) - score(b), as exercise 11-paired."""
    d = np.array([_score(_key(a), s) - _score(_key(b), s) for s in seeds])
    X_train, X_val, _, _ = load_split(seeds[0])
    n = len(seeds)
    return float(d.mean()), float(d.std(ddof=1) * math.sqrt(1 / n + len(X_val) / len(X_train)))


def rerun_grid(config, grid, seeds):
    """Mean validation R^2 over ``seeds`` for each rate of ``grid`` (-inf: diverged)."""
    return [float(np.mean([_score(_key({**config, "lr": lr}), s) for s in seeds])) for lr in grid]


def call(mean, se):
    """The course's decision rule: 'a', 'b' or 'tie' (|mean| at most two standard errors)."""
    if not abs(mean) > 2 * se:
        return "tie"
    return "a" if mean > 0 else "b"


class Bad(Exception):
    """A record that cannot be judged; the message says what is wrong."""


def _seeds(d, where):
    seeds = d.get("seeds")
    if isinstance(seeds, range):
        seeds = list(seeds)
    if not isinstance(seeds, (list, tuple, np.ndarray)) or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in seeds):
        raise Bad(f"{where}: 'seeds' must be a list of split seeds (ints), like "
                  f"list(range(20, 28)); got {seeds!r}")
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) != len(seeds) or not MIN_SEEDS <= len(seeds) <= MAX_SEEDS:
        raise Bad(f"{where}: use between {MIN_SEEDS} and {MAX_SEEDS} different splits; got "
                  f"{seeds}")
    return seeds


def _number(d, name, where):
    v = d.get(name)
    if not isinstance(v, numbers.Real) or isinstance(v, bool) or not math.isfinite(float(v)):
        raise Bad(f"{where}: '{name}' must be a finite number; got {v!r}")
    return float(v)


def _config(v, where, name):
    try:
        return validate_config(v)
    except (TypeError, ValueError) as err:
        raise Bad(f"{where}: '{name}' is not a usable configuration: {err}") from None


def parse(record):
    """The record in a checked form, or Bad naming what is malformed."""
    if not isinstance(record, dict) or "decisions" not in record or "final" not in record:
        raise Bad("decision_record() must return a dict {'decisions': [...], 'final': "
                  f"config}}; got {type(record).__name__}"
                  + (f" with keys {sorted(map(str, record))}" if isinstance(record, dict) else ""))
    decisions = record["decisions"]
    if not isinstance(decisions, (list, tuple)) or not 1 <= len(decisions) <= MAX_DECISIONS:
        raise Bad(f"'decisions' must be a list of 1 to {MAX_DECISIONS} decisions (dicts)")
    out = []
    for i, d in enumerate(decisions):
        where = f"decision {i}"
        if not isinstance(d, dict) or d.get("question") not in QUESTIONS:
            raise Bad(f"{where}: each decision is a dict whose 'question' is one of "
                      f"{list(QUESTIONS)}; got {d!r:.120}")
        q = d["question"]
        where = f"decision {i} ({q})"
        seeds = _seeds(d, where)
        if q == "learning rate":
            grid = d.get("grid")
            if not isinstance(grid, (list, tuple, np.ndarray)) or not 3 <= len(grid) <= MAX_GRID:
                raise Bad(f"{where}: 'grid' must be a list of 3 to {MAX_GRID} rates")
            grid = [float(v) for v in grid]
            config = d.get("config")
            if not isinstance(config, dict):
                raise Bad(f"{where}: 'config' must be the configuration whose rate the grid "
                          f"varies (a dict); got {config!r:.80}")
            config = _config({**config, "lr": grid[0]}, where, "config")
            del config["lr"]      # the grid supplies the rate
            scores = d.get("scores")
            if not isinstance(scores, (list, tuple, np.ndarray)) or len(scores) != len(grid):
                raise Bad(f"{where}: 'scores' must hold one mean R^2 per rate of the grid")
            scores = [float(v) for v in scores]
            choice = _number(d, "choice", where)
            for lr in grid:
                _config({**config, "lr": lr}, where, f"config with lr {lr}")
            out.append({"question": q, "config": config, "grid": grid, "seeds": seeds,
                        "scores": scores, "choice": choice})
        else:
            a, b = _config(d.get("a"), where, "a"), _config(d.get("b"), where, "b")
            if d.get("choice") not in ("a", "b"):
                raise Bad(f"{where}: 'choice' must be 'a' or 'b'; got {d.get('choice')!r}")
            out.append({"question": q, "a": a, "b": b, "seeds": seeds,
                         "mean": _number(d, "mean", where), "se": _number(d, "se", where),
                         "choice": d["choice"]})
    return out, _config(record["final"], "the record", "final")


def _close(got, want):
    if not math.isfinite(want):
        return not math.isfinite(got) or got < -1e3
    return abs(got - want) <= ATOL + 0.1 * abs(want)


@functools.lru_cache(maxsize=256)
def _assess_json(text):
    record = json.loads(text)
    try:
        decisions, final = parse(record)
    except Bad as err:
        return {c: ("malformed", str(err)) for c in CRITERIA}
    found = {c: None for c in CRITERIA}

    def fault(criterion, name, message):
        if found[criterion] is None:
            found[criterion] = (name, message)

    missing = [q for q in QUESTIONS if q not in {d["question"] for d in decisions}]
    if missing:
        fault("covered", "question not covered",
              f"Your record has no decision on {', '.join(map(repr, missing))}: every one of "
              f"{list(QUESTIONS)} needs at least one.")
    for i, d in enumerate(decisions):
        where, q = f"decision {i} ({d['question']})", d["question"]
        if q == "learning rate":
            scores = rerun_grid(d["config"], d["grid"], d["seeds"])
            if not all(_close(g, w) for g, w in zip(d["scores"], scores)):
                fault("reproduce", "numbers do not reproduce",
                      f"{where}: re-running your grid over your splits gives mean R^2 "
                      f"{[round(s, 4) for s in scores]}, not your {[round(s, 4) for s in d['scores']]}.")
            try:
                best = best_on_grid(d["grid"], [s if math.isfinite(s) else float("nan")
                                                for s in scores], goal="max", warn=False)
            except ValueError:
                fault("bracket", "every rate diverged",
                      f"{where}: every rate of your grid {d['grid']} diverged on your splits: "
                      f"try smaller rates.")
                continue
            if best.on_edge:
                fault("bracket", "rate on the grid's edge",
                      f"{where}: the best rate {best.value:g} is the "
                      f"{'smallest' if best.on_edge == 'low' else 'largest'} of your grid "
                      f"{d['grid']}: the optimum may lie beyond it. Widen the grid until the "
                      f"best rate is inside (gdlab.best_on_grid warns when it is not).")
            elif d["choice"] not in d["grid"] or \
                    scores[d["grid"].index(d["choice"])] < best.score - ATOL:
                fault("bracket", "not the best rate",
                      f"{where}: you chose {d['choice']:g}, but the best mean R^2 on your grid "
                      f"is at {best.value:g} ({best.score:.4f}).")
            continue
        mean, se = rerun_paired(d["a"], d["b"], d["seeds"])
        if not (_close(d["mean"], mean) and _close(d["se"], se)):
            fault("reproduce", "numbers do not reproduce",
                  f"{where}: re-running a against b on your splits gives {mean:+.4f} +- "
                  f"{se:.4f} (corrected standard error), not your {d['mean']:+.4f} +- "
                  f"{d['se']:.4f}.")
        keys = KEYS[q]
        if all(d["a"][k] == d["b"][k] for k in keys):
            fault("rule", "candidates do not differ",
                  f"{where}: a and b agree on {', '.join(keys)}, so this comparison does not "
                  f"answer the question {q!r}.")
            continue
        verdict = call(mean, se)
        if verdict in ("a", "b") and d["choice"] != verdict:
            fault("rule", "choice against the evidence",
                  f"{where}: {verdict} wins by {abs(mean):.4f}, more than two standard errors "
                  f"({se:.4f}), but you chose {d['choice']}.")
        elif verdict == "tie":
            rank = {x: simplicity(q, d[x]) for x in ("a", "b")}
            if rank[d["choice"]] > min(rank.values()):
                fault("rule", "tie broken toward the complex candidate",
                      f"{where}: the difference {mean:+.4f} is within two standard errors "
                      f"({se:.4f}), a tie, and a tie goes to the simpler candidate; you chose "
                      f"the more complex one.")
    # The last decision on each question is the one 'final' must follow: section 4 takes
    # each decision from the choices before it, so a later one (a new rate grid for the
    # optimizer that won, the next rival of the current champion) replaces an earlier one.
    last = {d["question"]: (i, d) for i, d in enumerate(decisions)}
    for i, d in sorted(last.values(), key=lambda pair: pair[0]):
        chosen = {"lr": d["choice"]} if d["question"] == "learning rate" else d[d["choice"]]
        off = [k for k in KEYS[d["question"]] if chosen[k] != final[k]]
        if off:
            fault("final", "final differs from the decisions",
                  f"decision {i} ({d['question']}) chose {', '.join(f'{k}={chosen[k]!r}' for k in off)}, "
                  f"but your final configuration has {', '.join(f'{k}={final[k]!r}' for k in off)}.")
    return found


CRITERIA = ("covered", "reproduce", "rule", "bracket", "final")


def assess(record):
    """criterion -> None (met) or (fault name, message), for each of :data:`CRITERIA`."""
    try:
        text = json.dumps(record, sort_keys=True, default=_jsonable)
    except (TypeError, ValueError) as err:
        return {c: ("malformed", f"the record holds something that is not plain data "
                                 f"(numbers, strings, lists, dicts): {err}") for c in CRITERIA}
    return _assess_json(text)


def _jsonable(v):
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, range):
        return list(v)
    raise TypeError(f"{type(v).__name__} is not plain data")
