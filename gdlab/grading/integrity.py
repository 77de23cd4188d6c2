"""Integrity flags: what a human should look at in a submission (never a penalty).

Two kinds, per exercise (its solution cell ``<id>-solution``):

* **What the code reaches for.** A solution cell that imports the check or grading
  machinery, opens files, reads ``/proc``, starts processes (``subprocess``, ``os.system``),
  loads C code (``ctypes``), opens sockets, or walks interpreter frames has no business in
  an exercise about gradient descent; in the sandbox none of it gains anything, but it
  says something about intent.
* **Same code as someone else.** Cells are compared after normalising formatting, comments,
  docstrings and every name the learner chose (so renaming variables does not hide a
  copy): a cell equal to the published solution, or to another submission's cell for the
  same exercise in the same grades folder, is flagged with who it matches. Cells too short
  to tell (a one-line assignment) are not compared.
"""
import ast
import hashlib
import re

__all__ = ["code_flags", "fingerprint", "similarity_flags", "MIN_NODES"]

# Normalised cells with fewer AST nodes than this are too short to call a copy.
MIN_NODES = 25

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
}


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


def code_flags(source):
    """Sentences naming what a solution cell reaches for (empty list: nothing)."""
    flags = []

    def add(text):
        if text not in flags:
            flags.append(text)

    if "/proc" in source:
        add("touches /proc (the process table)")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return flags
    aliases = {}   # "import sys as _sys": calls through _sys count as sys
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({a.asname: a.name for a in node.names if a.asname})
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in _FRAME_ATTRS:
            add("reads the interpreter's stack frames (sys._getframe)")
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            for module, text in _MODULES.items():
                if name == module or name.startswith(module + "."):
                    add(text)
        if isinstance(node, ast.Call):
            called = _dotted(node.func)
            head, _, rest = called.partition(".")
            if head in aliases:
                called = aliases[head] + ("." + rest if rest else "")
            if called in _CALLS:
                add(_CALLS[called])
    return flags


class _Normalise(ast.NodeTransformer):
    """Renames every learner-chosen name to n0, n1, ... in order of appearance and drops
    docstrings; attribute names (np.sum) and keywords stay, they are the algorithm."""

    def __init__(self):
        self.names = {}

    def _canon(self, name):
        return self.names.setdefault(name, f"n{len(self.names)}")

    def visit_Name(self, node):
        return ast.copy_location(ast.Name(id=self._canon(node.id), ctx=node.ctx), node)

    def visit_arg(self, node):
        node.arg = self._canon(node.arg)
        node.annotation = None
        return node

    def _strip_docstring(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(
                getattr(body[0], "value", None), ast.Constant) and \
                isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]

    def visit_FunctionDef(self, node):
        node.name = self._canon(node.name)
        self._strip_docstring(node)
        node.returns = None
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node.name = self._canon(node.name)
        self._strip_docstring(node)
        self.generic_visit(node)
        return node


def fingerprint(source):
    """A hash of the cell's normalised syntax tree, or None when the cell does not parse
    or is too short to compare."""
    source = re.sub(r"^\s*###\s*(BEGIN|END) SOLUTION.*$", "", source, flags=re.M)
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    tree = _Normalise().visit(tree)
    if sum(1 for _ in ast.walk(tree)) < MIN_NODES:
        return None
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:16]


def similarity_flags(rows, published):
    """Flags for equal cells: ``rows`` maps submission name -> {exercise id: fingerprint}
    (None: nothing to compare), ``published`` maps exercise id -> fingerprint of the
    published solution. Returns {(name, exercise id): [sentence, ...]}."""
    groups = {}
    for name, prints in rows.items():
        for gid, fp in prints.items():
            if fp:
                groups.setdefault((gid, fp), []).append(name)
    out = {}
    for (gid, fp), names in groups.items():
        for name in names:
            flags = []
            if published.get(gid) == fp:
                flags.append("same code as the published solution (names and formatting "
                             "aside)")
            others = sorted(n for n in names if n != name)
            if others:
                flags.append("same code as another submission's (names and formatting "
                             f"aside): {', '.join(others)}")
            if flags:
                out[(name, gid)] = flags
    return out
