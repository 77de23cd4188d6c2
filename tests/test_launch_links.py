"""Every lesson can be opened from the README on Binder and on Colab, and opens correctly.

The README's lesson table carries, for each file in lessons/, a Binder link that opens
that file in JupyterLab and an Open-in-Colab link to the same file on GitHub. Colab has no
gdlab installed, so each lesson's first code cell installs it when the import fails (and
does nothing anywhere gdlab is already installed).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPO = "gdlab-course/gdlab"
BINDER = re.compile(r"https://mybinder\.org/v2/gh/" + re.escape(REPO) +
                    r"/(?:HEAD|main)\?urlpath=(?:lab/tree/|lab%2Ftree%2F)([^)\s\"]+)")
COLAB = re.compile(r"https://colab\.research\.google\.com/github/" + re.escape(REPO) +
                   r"/blob/main/([^)\s\"]+)")
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))


def _readme_rows():
    """{lesson file name: table row} for the README table rows that link to a lesson
    (the Binder badge at the top links lesson 00 too, but it is not a lesson row)."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("|"):
            continue
        for target in BINDER.findall(line) + COLAB.findall(line):
            rows.setdefault(Path(unquote(target)).name, line)
    return rows


def test_there_are_lessons():
    assert LESSONS, "lessons/ holds no notebooks"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_readme_row_links_the_lesson_on_binder_and_colab(lesson):
    row = _readme_rows().get(lesson.name)
    assert row is not None, f"README.md has no lesson-table row linking {lesson.name}"
    binder = [unquote(t) for t in BINDER.findall(row)]
    colab = COLAB.findall(row)
    assert f"lessons/{lesson.name}" in binder, (
        f"the README row for {lesson.name} has no Binder link with "
        f"urlpath=lab/tree/lessons/{lesson.name}: {row}")
    assert f"lessons/{lesson.name}" in colab, (
        f"the README row for {lesson.name} has no Colab link to "
        f"github/{REPO}/blob/main/lessons/{lesson.name}: {row}")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_readme_row_gives_the_time_the_lesson_header_states(lesson):
    # The README's Minutes column and the lesson's "Time: about N minutes" drifted apart
    # once already (a split lesson grew exercises; only the header was updated).
    row = _readme_rows()[lesson.name]
    header = "".join(json.loads(lesson.read_text(encoding="utf-8"))["cells"][0]["source"])
    stated = re.search(r"about (\d+) minutes", header)
    assert stated, f"{lesson.name}: the first cell does not say how long the lesson takes"
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    assert cells[3] == stated.group(1), (
        f"{lesson.name} says 'about {stated.group(1)} minutes', the README row says "
        f"{cells[3]!r}")


def test_every_launch_link_in_the_readme_points_at_an_existing_file():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [unquote(t) for t in BINDER.findall(text)] + COLAB.findall(text)
    assert targets, "README.md has no Binder or Colab links"
    missing = sorted({t for t in targets if not (ROOT / t).is_file()})
    assert not missing, f"README.md links to files that do not exist: {missing}"


def _first_code_cell(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            return "".join(cell["source"])
    return ""


def _is_colab_install_cell(source: str) -> bool:
    """try: import gdlab / except ImportError: %pip install ... gdlab @ git+URL."""
    lines = [l.strip() for l in source.splitlines()
             if l.strip() and not l.strip().startswith("#")]
    try:
        i_try = lines.index("try:")
        i_exc = lines.index("except ImportError:")
    except ValueError:
        return False
    imports = lines[i_try + 1:i_exc]
    installs = lines[i_exc + 1:]
    url = f"git+https://github.com/{REPO}"
    return ("import gdlab" in imports and bool(installs)
            and installs[0].startswith("%pip install") and "gdlab @ " + url in installs[0])


def test_install_cell_recogniser_on_examples():
    good = ('# Colab\ntry:\n    import gdlab\nexcept ImportError:\n'
            f'    %pip install -q "gdlab @ git+https://github.com/{REPO}"\n    import gdlab\n')
    assert _is_colab_install_cell(good)
    assert not _is_colab_install_cell("import gdlab\n")
    assert not _is_colab_install_cell(good.replace("%pip", "!pip"))   # wrong environment
    assert not _is_colab_install_cell(good.replace("ImportError", "Exception"))
    assert not _is_colab_install_cell(good.replace(REPO, "someone/else"))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_first_code_cell_installs_gdlab_on_colab(lesson):
    source = _first_code_cell(lesson)
    assert _is_colab_install_cell(source), (
        f"{lesson.name}: the first code cell must be the Colab install cell "
        f"(try: import gdlab / except ImportError: %pip install \"gdlab @ "
        f"git+https://github.com/{REPO}\"), found:\n{source}")
