"""A plain-text progress bar on stderr (no tqdm needed).

On a terminal the bar redraws itself in place; when stderr is a file or a CI log, one line
is printed per finished submission instead (carriage returns would only make a mess).
"""
import sys
import time

__all__ = ["ProgressBar"]


class ProgressBar:
    """``bar.update(text)`` after each finished item; ``bar.close()`` at the end."""

    def __init__(self, total, *, stream=None, width=28, enabled=True):
        self.total = int(total)
        self.done = 0
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.enabled = enabled and self.total > 0
        self.started = time.monotonic()
        try:
            self.tty = bool(self.stream.isatty())
        except Exception:
            self.tty = False
        if self.enabled and self.tty:
            self._draw("")

    def _line(self, text):
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.monotonic() - self.started
        return f"grading [{bar}] {self.done}/{self.total} {elapsed:5.0f}s {text}"

    def _draw(self, text):
        line = self._line(text)[:160]
        self.stream.write("\r" + line.ljust(160) if self.tty else line + "\n")
        self.stream.flush()

    def update(self, text=""):
        self.done += 1
        if self.enabled:
            self._draw(text)

    def close(self):
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
