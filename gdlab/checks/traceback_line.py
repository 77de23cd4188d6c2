"""Where in the learner's own code an exception happened: ``error_line(err)``.

A check that says "raised ZeroDivisionError" leaves the learner searching; pointing at
"line 3 of your cell" does not. The traceback is walked from the innermost frame outwards
and the first frame that belongs to the learner is reported. Frames of gdlab itself, of
numpy and of the installed Python (standard library and site-packages) are skipped, so an
error raised deep inside ``np.reshape`` points at the learner's line that called it. A
frame whose source cannot be read (code built by ``exec`` of a string) is skipped too: a
line number without its text helps nobody.

In Jupyter each cell is compiled as its own file and IPython keeps its text in
``linecache``, so the line number is counted within the cell.
"""
import linecache
import os
import sysconfig
import traceback

__all__ = ["error_line"]

_MAX_TEXT = 160


def _library_dirs():
    import numpy
    import gdlab
    dirs = {os.path.dirname(os.path.abspath(m.__file__)) for m in (gdlab, numpy)}
    paths = sysconfig.get_paths()
    dirs |= {os.path.abspath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")
             if paths.get(k)}
    return tuple(d.rstrip(os.sep) + os.sep for d in dirs)


_LIBRARY_DIRS = _library_dirs()


def _is_library(filename):
    return os.path.abspath(filename).startswith(_LIBRARY_DIRS)


def error_line(err):
    """``(line number, line text)`` of the innermost learner frame of ``err``'s traceback,
    or ``None`` when there is none (no traceback, or only library code)."""
    frames = list(traceback.walk_tb(getattr(err, "__traceback__", None)))
    for frame, lineno in reversed(frames):
        filename = frame.f_code.co_filename
        if not filename or _is_library(filename):
            continue
        text = linecache.getline(filename, lineno, frame.f_globals).strip()
        if not text:
            continue
        if len(text) > _MAX_TEXT:
            text = text[: _MAX_TEXT - 3] + "..."
        return int(lineno), text
    return None
