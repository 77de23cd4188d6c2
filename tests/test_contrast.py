"""Every colour gdlab writes text in meets WCAG 2.1's 4.5:1 contrast against white (the
background of JupyterLab's light theme, the feedback pages and the class report)."""
import re
from pathlib import Path

import pytest

from gdlab.checks.feedback import Progress, ProgressRow

PACKAGE = Path(__file__).resolve().parent.parent / "gdlab"
TEXT_COLOUR = re.compile(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})\b")


def _luminance(hex_colour):
    # WCAG 2.1's relative luminance of an sRGB colour
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b="#FFFFFF"):
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_against_known_values():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#777777") == pytest.approx(4.48, abs=0.01)
    # the failing cases from issue 21: progress() statuses on white
    assert contrast("#009E73") == pytest.approx(3.42, abs=0.01)
    assert contrast("#E69F00") == pytest.approx(2.25, abs=0.01)


def test_progress_statuses_reach_4_5_to_1():
    rows = [ProgressRow(f"00-{s[:3]}", "t", 0, 1, s)
            for s in ("passed", "failed", "not attempted", "not checked yet")]
    colours = TEXT_COLOUR.findall(Progress(rows, "Progress")._repr_html_())
    assert len(colours) == 4
    for c in colours:
        assert contrast(c) >= 4.5, c


@pytest.mark.parametrize("module", sorted(p.relative_to(PACKAGE).as_posix()
                                          for p in PACKAGE.rglob("*.py")))
def test_every_text_colour_in_the_package_reaches_4_5_to_1(module):
    source = (PACKAGE / module).read_text(encoding="utf-8")
    for c in TEXT_COLOUR.findall(source):
        assert contrast(c) >= 4.5, f"{module}: text colour {c} is {contrast(c):.2f}:1"
