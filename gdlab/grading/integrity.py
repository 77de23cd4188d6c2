"""Integrity flags: what a human should look at in a submission (never a penalty).

Two kinds, per exercise (its solution cell ``<id>-solution``):

* **What the code reaches for.** A solution cell that imports the check or grading
  machinery, opens files, reads ``/proc``, starts processes (``subprocess``, ``os.system``),
  loads C code (``ctypes``), opens sockets, or walks interpreter frames has no business in
  an exercise about gradient descent; in the sandbox none of it gains anything, but it
  says something about intent.
  Names built at run time (``getattr(sys, '_get' + 'frame')``, ``__import__(name)``,
  ``importlib.import_module(name)``) are flagged as such: the text cannot say what they reach.
* **Similar to someone else's.** Cells are compared by winnowed fingerprints of their
  normalised token streams (``winnow.py``: formatting, comments, docstrings, the names the
  learner chose, literals and ``pass`` do not count, and a few local edits leave most
  fingerprints shared): a cell whose similarity to the published solution, or to another
  submission's cell for the same exercise in the same grades folder, reaches
  ``winnow.THRESHOLD`` is flagged with the score and who it matches. Cells too short to
  tell (a one-line assignment) are not compared.

Cells longer than ``MAX_SCAN_CHARS`` are not parsed at all (a 3 MB list literal took the
parser gigabytes and minutes): they are flagged "too large to analyse".
"""
import ast
import itertools

from gdlab.grading import winnow

__all__ = ["code_flags", "fingerprint", "similarity_flags", "analyse", "MAX_SCAN_CHARS",
           "TOO_LARGE"]

# No solution cell of the course is near this; parsing this much takes milliseconds.
MAX_SCAN_CHARS = 64 * 1024
TOO_LARGE = "too large to analyse"

_MODULES = {
    "gdlab.checks": "imports the check machinery (gdlab.checks)",
    "gdlab.grading": "imports the grader (gdlab.grading)",
    "subprocess": "starts processes (subprocess)",
    "ctypes": "loads C code (ctypes)",
    "socket": "opens network sockets (socket)",
    "inspect": "inspects the running program (inspect)",
    "multiprocessing": "starts processes (multiprocessing)",
}
_CALLS = {
    "open": "opens files (open)",
    "os.system": "runs shell commands (os.system)",
    "os.popen": "runs shell commands (os.popen)",
    "os.fork": "starts processes (os.fork)",
    "os.kill": "sends signals (os.kill)",
    "sys._getframe": "reads the interpreter's stack frames (sys._getframe)",
    "exec": "runs code built at run time (exec)",
    "eval": "runs code built at run time (eval)",
    "__import__": "imports modules by name at run time (__import__)",
    "os.posix_spawn": "starts processes (os.posix_spawn)",
    "os.posix_spawnp": "starts processes (os.posix_spawnp)",
    "os.forkpty": "starts processes (os.forkpty)",
    "os.open": "opens files (os.open)",
    "io.open": "opens files (io.open)",
}
for _name in ("execv", "execve", "execvp", "execl", "execlp", "spawnv", "spawnl"):
    _CALLS[f"os.{_name}"] = f"runs another program (os.{_name})"

# Modules whose attributes, reached by a name built at run time, can be anything above.
_DYNAMIC_MODULES = ("sys", "os", "builtins", "subprocess", "importlib", "posix", "io",
                    "__builtins__", "ctypes", "inspect")


# Attributes that only code walking the interpreter's frames uses.
_FRAME_ATTRS = ("_getframe", "f_back", "f_locals", "f_globals", "tb_frame", "gi_frame")


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _text(node):
    """The string a node always evaluates to (a constant), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _module_of(node, aliases):
    name = _dotted(node)
    head, _, rest = name.partition(".")
    if head in aliases:
        name = aliases[head] + ("." + rest if rest else "")
    return name


def code_flags(source, tree=None):
    """Sentences naming what a solution cell reaches for (empty list: nothing). ``tree``:
    the cell already parsed (None: parse it here; a cell too large or unparseable is only
    checked for /proc)."""
    flags = []

    def add(text):
        if text not in flags:
            flags.append(text)

    if "/proc" in source:
        add("touches /proc (the process table)")
    if tree is None:
        if len(source) > MAX_SCAN_CHARS:
            return flags
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return flags
    aliases = {}   # "import sys as _sys": calls through _sys count as sys

    def module_names(names):
        for name in names:
            for module, text in _MODULES.items():
                if name == module or name.startswith(module + "."):
                    add(text)

    def called(name):
        if name in _CALLS:
            add(_CALLS[name])
        if name.rpartition(".")[2] in _FRAME_ATTRS:
            add("reads the interpreter's stack frames (sys._getframe)")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({a.asname: a.name for a in node.names if a.asname})
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _FRAME_ATTRS:
            add("reads the interpreter's stack frames (sys._getframe)")
        if isinstance(node, ast.Import):
            module_names([a.name for a in node.names])
        elif isinstance(node, ast.ImportFrom) and node.module:
            module_names([node.module] + [f"{node.module}.{a.name}" for a in node.names])
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
                node.value.attr == "__dict__" and \
                _module_of(node.value.value, aliases) in _DYNAMIC_MODULES:
            add(f"reaches {_module_of(node.value.value, aliases)}'s attributes through "
                "__dict__")
        if not isinstance(node, ast.Call):
            continue
        name = _module_of(node.func, aliases)
        called(name)
        first = node.args[0] if node.args else None
        if name in ("getattr", "setattr", "delattr", "builtins.getattr") and \
                len(node.args) >= 2:
            module = _module_of(first, aliases)
            if module in _DYNAMIC_MODULES:
                attr = _text(node.args[1])
                if attr is None:
                    add(f"reaches {module}'s attributes by a name built at run time "
                        f"({name}({module}, ...))")
                else:
                    called(f"{module}.{attr}")
        elif name in ("__import__", "importlib.import_module", "builtins.__import__") \
                and first is not None:
            module = _text(first)
            if module is None:
                add(f"imports a module whose name is built at run time ({name})")
            else:
                module_names([module])
        elif name == "vars" and first is not None and \
                _module_of(first, aliases) in _DYNAMIC_MODULES:
            add(f"reaches {_module_of(first, aliases)}'s attributes through vars()")
    return flags


def analyse(source):
    """The integrity scan of one solution cell: (flags, fingerprint, syntax_error).

    syntax_error is (line, message) when the cell does not parse, else None. A cell over
    MAX_SCAN_CHARS is not parsed: its only flag says it is too large to analyse."""
    if len(source) > MAX_SCAN_CHARS:
        return ([f"{TOO_LARGE} ({len(source) // 1024} KB; the scan reads cells up to "
                 f"{MAX_SCAN_CHARS // 1024} KB)"], "", None)
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        return code_flags(source, tree=ast.Module(body=[], type_ignores=[])), "", \
            (err.lineno or 0, str(err.msg)[:200])
    except (ValueError, RecursionError, MemoryError) as err:
        return [], "", (0, type(err).__name__)
    return code_flags(source, tree), fingerprint(source) or "", None


def fingerprint(source):
    """The cell's winnowed fingerprints as text (hex words), or None when the cell does
    not tokenise, is too short to compare, or is larger than MAX_SCAN_CHARS."""
    if len(source) > MAX_SCAN_CHARS:
        return None
    prints = winnow.fingerprints(source)
    return None if prints is None else " ".join(f"{h:08x}" for h in prints)


def _prints(text):
    try:
        return {int(w, 16) for w in (text or "").split()}
    except ValueError:
        return set()


COPY_PREFIXES = ("similar to", "same code as")  # the second: grades.json of older graders


def similarity_flags(rows, published, threshold=None):
    """Flags for similar cells: ``rows`` maps submission name -> {exercise id:
    fingerprint text} (None or "": nothing to compare), ``published`` maps exercise id ->
    fingerprint text of the published solution. Returns {(name, exercise id): [sentence,
    ...]}; each sentence gives the similarity score (``winnow.similarity``)."""
    threshold = winnow.THRESHOLD if threshold is None else threshold
    by_gid = {}
    for name, prints in rows.items():
        for gid, fp in prints.items():
            if fp:
                by_gid.setdefault(gid, []).append((name, _prints(fp)))
    out = {}
    for gid, cells in by_gid.items():
        mine = _prints(published.get(gid))
        for name, fp in cells:
            score = winnow.similarity(fp, mine)
            if score >= threshold:
                out.setdefault((name, gid), []).append(
                    f"similar to the published solution (similarity {score:.2f}; names, "
                    "formatting and small edits aside)")
        matches = {}
        for (a, fa), (b, fb) in itertools.combinations(sorted(cells), 2):
            score = winnow.similarity(fa, fb)
            if score >= threshold:
                matches.setdefault(a, []).append((score, b))
                matches.setdefault(b, []).append((score, a))
        for name, found in matches.items():
            found.sort(key=lambda m: (-m[0], m[1]))
            listed = ", ".join(f"{other} ({score:.2f})" for score, other in found)
            out.setdefault((name, gid), []).append(
                f"similar to another submission's (similarity in brackets): {listed}")
    return out
