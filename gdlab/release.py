"""Build the student notebooks (lessons/) from the solution notebooks (solutions/).

For every ``solutions/NN_slug.ipynb`` the lesson ``lessons/NN_slug.ipynb`` is the same
notebook with

* every region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in a solution code
  cell replaced by ``# YOUR CODE HERE`` / ``raise NotImplementedError()``, indented like the
  BEGIN marker (in markdown solution cells by ``YOUR ANSWER HERE``, as nbgrader does);
* all outputs and execution counts cleared (and the run-time metadata that goes with them:
  per-cell execution timings, saved widget state);
* check cells (nbgrader ``grade`` and not ``solution``) locked: ``nbgrader.locked = true``,
  ``editable = false``, ``deletable = false``, and tagged ``raises-exception`` so that
  running the unsolved lesson top to bottom (nbval) expects their failure; so is a
  solution cell whose stub stands at the top level (the capstone's experiment cells),
  since its ``raise NotImplementedError()`` runs when the cell does;
* solution cells not deletable (``deletable = false``), as nbgrader's release makes them;
* every nbgrader cell that is graded, a solution or locked given the ``checksum`` and
  ``cell_type`` that nbgrader's ``generate_assignment`` writes (:func:`nbgrader_checksum`),
  so that nbgrader's Validate in the learner's notebook server reports an edited check
  cell, and its autograder gives 0 to a graded answer that was left as the stub.

Everything else is kept as it is. The output is a pure function of the input, written in
the layout nbformat writes (sorted keys, one-space indent, sources split into lines), so
releasing twice gives the same bytes and ``release(check=True)`` can tell whether lessons/
is up to date. Reading and writing that JSON needs only the standard library, so
``gdlab release --check`` works in any Python that can import gdlab (a test compares the
bytes with ``nbformat.writes``).

Solutions are validated on the way: a BEGIN without END (or the reverse), markers in a cell
that is not a solution cell, a solution code cell without markers, duplicate grade_ids, a
graded cell without numeric points, or nbgrader metadata that is not schema version 3 stop
the release of that notebook with an error naming the notebook and the cell.
"""
import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ReleaseError", "ReleaseReport", "release", "release_notebook", "render_lesson",
           "nbgrader_checksum", "BEGIN", "END", "CODE_STUB", "ANSWER_STUB", "CHECK_TAG"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
ANSWER_STUB = "YOUR ANSWER HERE"
CHECK_TAG = "raises-exception"
# Cell metadata written by running a notebook, meaningless once outputs are cleared.
_RUNTIME_CELL_METADATA = ("execution", "ExecuteTime")
_RUNTIME_NOTEBOOK_METADATA = ("widgets",)


class ReleaseError(ValueError):
    """A solution notebook cannot be released; the message names notebook and cell."""


@dataclass
class ReleaseReport:
    """What :func:`release` did (or, with check=True, would do).

    written/unchanged/removed: lesson paths. stale: lessons whose content differs from a
    fresh release; missing: lessons not there at all; extra: lessons without a solution.
    errors: messages for solution notebooks that could not be released.
    """

    written: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    missing: list = field(default_factory=list)
    extra: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def up_to_date(self):
        return not (self.stale or self.missing or self.extra or self.errors)


def _where(name, index, cell):
    gid = (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")
    return f"{name}, cell {index}" + (f" (grade_id {gid!r})" if gid else "")


def _nbgrader(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else None


def _nbgrader_locked(meta):
    # nbgrader's rule: a solution cell is never locked, a graded one always is.
    return not meta.get("solution", False) and bool(
        meta.get("grade", False) or meta.get("locked", False))


def nbgrader_checksum(cell):
    """The checksum nbgrader (``nbgrader.utils.compute_checksum``, schema 3) computes for
    an nbgrader cell: the MD5 hex digest of its source, cell type, the words True/False
    for graded, solution and locked, its grade_id and, for graded cells, its points as
    a float. Written here so that releasing needs no nbgrader (a test compares the two)."""
    meta = _nbgrader(cell)
    if meta is None:
        raise ValueError("nbgrader_checksum needs a cell with metadata.nbgrader, got one "
                         f"with metadata keys {sorted(cell.get('metadata', {}))}")
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(source)
    graded = bool(meta.get("grade", False))
    md5 = hashlib.md5()
    for part in (source, cell["cell_type"], str(graded), str(bool(meta.get("solution", False))),
                 str(_nbgrader_locked(meta)), meta["grade_id"]):
        md5.update(part.encode("utf-8"))
    if graded:
        md5.update(str(float(meta["points"])).encode("utf-8"))
    return md5.hexdigest()


def _is_marker(line, marker):
    return line.strip() == marker


def _replace_regions(source, where, stub_lines_for):
    """Replace every BEGIN..END region (markers included); ``stub_lines_for(indent)``
    gives the replacement lines. Raises ReleaseError on unbalanced markers."""
    lines = source.split("\n")
    out = []
    begin_at = None
    n_regions = 0
    for number, line in enumerate(lines, start=1):
        if _is_marker(line, BEGIN):
            if begin_at is not None:
                raise ReleaseError(f"{where}: '{BEGIN}' on line {number} inside the region "
                                   f"opened on line {begin_at} (regions cannot nest)")
            begin_at = number
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(stub_lines_for(indent))
        elif _is_marker(line, END):
            if begin_at is None:
                raise ReleaseError(f"{where}: '{END}' on line {number} without a "
                                   f"'{BEGIN}' before it")
            begin_at = None
            n_regions += 1
        elif begin_at is None:
            out.append(line)
    if begin_at is not None:
        raise ReleaseError(f"{where}: '{BEGIN}' on line {begin_at} has no matching '{END}'")
    return "\n".join(out), n_regions


def _validate_metadata(cell, index, where, seen_ids):
    meta = _nbgrader(cell)
    if meta is None:
        return
    if meta.get("schema_version") != 3:
        raise ReleaseError(f"{where}: nbgrader schema_version is "
                           f"{meta.get('schema_version')!r}, expected 3")
    for key in ("grade", "solution", "locked"):
        if not isinstance(meta.get(key), bool):
            raise ReleaseError(f"{where}: nbgrader.{key} must be true or false, "
                               f"got {meta.get(key)!r}")
    if meta["grade"] or meta["solution"] or meta["locked"]:
        gid = meta.get("grade_id")
        if not isinstance(gid, str) or not gid.strip():
            raise ReleaseError(f"{where}: nbgrader cell without a grade_id")
        if gid in seen_ids:
            raise ReleaseError(f"{where}: duplicate grade_id {gid!r} (also cell "
                               f"{seen_ids[gid]})")
        seen_ids[gid] = index
    if meta["grade"]:
        points = meta.get("points")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
            raise ReleaseError(f"{where}: graded cell needs numeric points >= 0, "
                               f"got {points!r}")


def _tag(cell, tag):
    tags = list(cell.metadata.get("tags", []))
    if tag not in tags:
        tags.append(tag)
    cell.metadata["tags"] = tags


def release_notebook(nb, name="notebook"):
    """The lesson version of a solution notebook (a new object; ``nb`` is not changed)."""
    nb = copy.deepcopy(nb)
    seen_ids = {}
    for index, cell in enumerate(nb.cells):
        where = _where(name, index, cell)
        meta = _nbgrader(cell)
        _validate_metadata(cell, index, where, seen_ids)
        source = cell.get("source", "")
        is_solution = bool(meta and meta.get("solution"))
        is_check = bool(meta and meta.get("grade") and not meta.get("solution"))
        if is_solution:
            if cell.cell_type == "code":
                indents = []

                def code_stub(indent):
                    indents.append(indent)
                    return [indent + line for line in CODE_STUB]
                source, n = _replace_regions(source, where, code_stub)
                if n == 0:
                    raise ReleaseError(f"{where}: solution code cell without a "
                                       f"'{BEGIN}' / '{END}' region")
                if "" in indents:
                    # A stub at the top level (an experiment cell, not a function body)
                    # raises as soon as the unsolved lesson runs: say nbval should expect it.
                    _tag(cell, CHECK_TAG)
            else:
                source, n = _replace_regions(source, where,
                                             lambda indent: [indent + ANSWER_STUB])
                if n == 0:
                    source = ANSWER_STUB  # nbgrader replaces an unmarked answer entirely
            cell.source = source
            # As nbgrader's generate_assignment does: an answer cell can be edited, not
            # deleted (the grader and nbgrader both look answers up by grade_id).
            cell.metadata["deletable"] = False
        elif any(_is_marker(line, m) for line in source.split("\n") for m in (BEGIN, END)):
            raise ReleaseError(f"{where}: solution markers in a cell that is not an nbgrader "
                               "solution cell (set metadata.nbgrader.solution = true)")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in _RUNTIME_CELL_METADATA:
            cell.metadata.pop(key, None)
        if is_check:
            meta["locked"] = True
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
            _tag(cell, CHECK_TAG)
        if meta is not None and (meta.get("grade") or meta.get("solution")
                                 or _nbgrader_locked(meta)):
            meta["checksum"] = nbgrader_checksum(cell)
            meta["cell_type"] = cell.cell_type
    for key in _RUNTIME_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    return nb


def _ensure_cell_ids(nb, name):
    """nbformat >= 4.5 wants cell ids; invent stable ones where a solution lacks them so
    that writing does not add random ids (which would change the bytes every run)."""
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        return
    for index, cell in enumerate(nb.cells):
        if not cell.get("id"):
            cell["id"] = hashlib.sha1(f"{name}:{index}".encode()).hexdigest()[:8]


class _Node(dict):
    """A JSON object with attribute access, the part of nbformat's NotebookNode used here."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key, value):
        self[key] = value


def _read_notebook(path):
    """A v4 notebook as _Nodes, with cell sources joined into strings (as nbformat reads)."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh, object_hook=_Node)
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError("not a version-4 notebook (no nbformat = 4 and list of cells)")
    for cell in nb.cells:
        if isinstance(cell.get("source"), list):
            cell.source = "".join(cell.source)
    return nb


def _dumps_notebook(nb):
    """The text nbformat.writes(nb, version=4) gives, for notebooks without outputs
    (which is what a lesson is): sources split into lines, transient keys dropped."""
    nb = copy.deepcopy(nb)
    for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("trusted", None)
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
    return json.dumps(nb, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)


_CHECKS_IMPORT = "from gdlab.checks import"


def cap_hints(nb, max_hint, name="notebook"):
    """Write the instructor's hint cap into a notebook (in place): ``metadata.gdlab.max_hint``
    for tools, and, right after the cell line that imports ``hint``, a call of
    ``set_hint_cap`` so that ``hint()`` in the learner's kernel stops there."""
    if isinstance(max_hint, bool) or not isinstance(max_hint, int) or max_hint < 0:
        raise ReleaseError(f"--max-hint must be a whole number >= 0, got {max_hint!r}")
    nb.metadata.setdefault("gdlab", {})["max_hint"] = max_hint
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.split("\n")
        for i, line in enumerate(lines):
            if line.startswith(_CHECKS_IMPORT) and "hint" in line:
                lines[i + 1:i + 1] = [
                    "from gdlab.checks import set_hint_cap",
                    f"set_hint_cap({max_hint})   # set by your instructor: at most {max_hint} "
                    "hint(s) per exercise"]
                cell.source = "\n".join(lines)
                return nb
    if any(_nbgrader(c) for c in nb.cells):
        raise ReleaseError(f"{name}: has exercises but no '{_CHECKS_IMPORT} ... hint' line "
                           "to put the hint cap after")
    return nb


def render_lesson(path, max_hint=None):
    """The exact text of the lesson released from the solution notebook at ``path``
    (with ``max_hint``: hints capped at that level, see :func:`cap_hints`)."""
    path = Path(path)
    try:
        nb = _read_notebook(path)
    except Exception as err:
        raise ReleaseError(f"{path}: not a readable notebook ({err})") from err
    name = f"{path.parent.name}/{path.name}"
    _ensure_cell_ids(nb, name)
    if max_hint is not None:
        cap_hints(nb, max_hint, name)
    lesson = release_notebook(nb, name)
    return _dumps_notebook(lesson) + "\n"


def release(source="solutions", dest="lessons", *, check=False, max_hint=None):
    """Release every ``source/*.ipynb`` into ``dest``; with ``check=True`` write nothing
    and only report what is stale, missing or extra. ``max_hint``: the number of hints a
    learner may see per exercise (None: all). Returns a :class:`ReleaseReport`."""
    source, dest = Path(source), Path(dest)
    if not source.is_dir():
        raise FileNotFoundError(f"No solutions folder at {source.resolve()}: run from the "
                                "repository root or pass --source")
    report = ReleaseReport()
    solutions = sorted(source.glob("*.ipynb"))
    wanted = {p.name for p in solutions}
    for sol in solutions:
        target = dest / sol.name
        try:
            text = render_lesson(sol, max_hint)
        except ReleaseError as err:
            report.errors.append(str(err))
            continue
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            report.unchanged.append(target)
            continue
        (report.missing if current is None else report.stale).append(target)
        if not check:
            dest.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            report.written.append(target)
    if dest.is_dir():
        for lesson in sorted(dest.glob("*.ipynb")):
            if lesson.name not in wanted:
                report.extra.append(lesson)
                if not check:
                    lesson.unlink()
                    report.removed.append(lesson)
    return report
