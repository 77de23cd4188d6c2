"""What the learner sees: the failure exceptions, the partly-right verdict and the progress
table.

The exceptions define ``_render_traceback_``: IPython calls it instead of formatting a
traceback, so a failed check shows only the friendly message, while the cell still ends
in an error (which is what nbgrader counts as a failed test cell: 0 points).

A partly right answer is not an error: ``check()`` returns a :class:`PartlyRight`, whose
plain-text form is the points alone (nbgrader's autograder reads a grade cell's
``execute_result`` text/plain as partial credit when ``float()`` accepts it) and whose HTML
form is the learner's message (what JupyterLab, Colab, VS Code and nbgrader's feedback
pages show, since they prefer HTML to plain text).
"""
import html

__all__ = ["ExerciseFailed", "NotAttempted", "PartlyRight", "Progress", "ProgressRow"]


class ExerciseFailed(AssertionError):
    """A check found a wrong answer. ``str(err)`` is the message; ``err.result`` the Result."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.message = message
        self.result = result

    def __str__(self):
        return self.message

    def _render_traceback_(self):
        return self.message.splitlines()


class NotAttempted(ExerciseFailed):
    """The exercise still holds the stub (or its name is not defined yet)."""


class PartlyRight:
    """check()'s value for an answer that passes some cases: ``str()`` is the message,
    ``result`` the Result, ``float()`` the points earned."""

    def __init__(self, message, result):
        if not 0 < result.points <= result.max_points:
            raise ValueError(f"PartlyRight needs 0 < points <= {result.max_points:g} "
                             f"(the exercise's maximum), got {result.points!r}")
        self.message = message
        self.result = result

    def __str__(self):
        return self.message

    def __float__(self):
        return float(self.result.points)

    def __repr__(self):
        return (f"PartlyRight({self.result.exercise_id!r}, points={self.result.points:g}/"
                f"{self.result.max_points:g})")

    def _repr_pretty_(self, printer, cycle):
        # IPython's text/plain: only the number, in the form nbgrader's float() parses.
        printer.text(repr(float(self)))

    def _repr_html_(self):
        # Monospace and whole words, like the text of a failed check (notebook themes
        # set other fonts and break-all for <pre> in outputs).
        return ("<pre style='white-space:pre-wrap;word-break:normal;overflow-wrap:anywhere;"
                "font-family:var(--jp-code-font-family,monospace);margin:0;padding:4px 8px;"
                f"border-left:4px solid {_STATUS_COLOUR['failed']}'>"
                f"{html.escape(self.message)}</pre>")


class ProgressRow:
    __slots__ = ("exercise_id", "title", "points", "max_points", "status")

    def __init__(self, exercise_id, title, points, max_points, status):
        self.exercise_id = exercise_id
        self.title = title
        self.points = points
        self.max_points = max_points
        self.status = status

    def __repr__(self):
        return (f"ProgressRow({self.exercise_id!r}, points={self.points:g}/"
                f"{self.max_points:g}, status={self.status!r})")


_STATUS_MARK = {"passed": "✔", "failed": "✘", "not attempted": "…", "not checked yet": "·"}
# Okabe-Ito's hues (colour-blind safe), darkened until text on white reaches WCAG's 4.5:1
# (green 5.3, vermillion 5.5, orange 5.9, grey 5.7); the mark before each word carries the
# status for readers who cannot tell the colours apart at all.
_STATUS_COLOUR = {"passed": "#007A5A", "failed": "#B34700", "not attempted": "#8A5A00",
                  "not checked yet": "#666666"}


class Progress:
    """A table of exercises with points and status; shows itself as HTML in Jupyter and
    as aligned text elsewhere. ``rows`` holds :class:`ProgressRow` objects."""

    def __init__(self, rows, heading):
        self.rows = list(rows)
        self.heading = heading

    @property
    def points(self):
        return round(sum(r.points for r in self.rows), 2)

    @property
    def max_points(self):
        return round(sum(r.max_points for r in self.rows), 2)

    def summary(self):
        solved = sum(r.status == "passed" for r in self.rows)
        return (f"{self.points:g} of {self.max_points:g} points; {solved} of "
                f"{len(self.rows)} exercises passed")

    def __repr__(self):
        if not self.rows:
            return f"{self.heading}: no exercises found"
        header = ("exercise", "points", "status", "title")
        body = [(r.exercise_id, f"{r.points:g}/{r.max_points:g}",
                 f"{_STATUS_MARK[r.status]} {r.status}", r.title) for r in self.rows]
        widths = [max(len(row[i]) for row in [header] + body) for i in range(3)]
        lines = [self.heading]
        for row in [header] + body:
            lines.append("  ".join(c.ljust(w) for c, w in zip(row[:3], widths)) + "  " + row[3])
        lines.append(self.summary())
        return "\n".join(line.rstrip() for line in lines)

    def _repr_html_(self):
        esc = html.escape
        if not self.rows:
            return f"<p>{esc(self.heading)}: no exercises found</p>"
        out = [f"<p><b>{esc(self.heading)}</b></p>",
               "<table><thead><tr><th style='text-align:left'>exercise</th>"
               "<th style='text-align:left'>title</th><th>points</th>"
               "<th style='text-align:left'>status</th></tr></thead><tbody>"]
        for r in self.rows:
            out.append(
                f"<tr><td style='text-align:left'><code>{esc(r.exercise_id)}</code></td>"
                f"<td style='text-align:left'>{esc(r.title)}</td>"
                f"<td>{r.points:g} / {r.max_points:g}</td>"
                f"<td style='text-align:left;color:{_STATUS_COLOUR[r.status]}'>"
                f"{_STATUS_MARK[r.status]} {esc(r.status)}</td></tr>")
        out.append(f"</tbody></table><p>{esc(self.summary())}</p>")
        return "".join(out)
