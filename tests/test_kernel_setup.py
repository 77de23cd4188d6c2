"""gdlab.kernel_setup: what the lessons' install cell installs, and the dashboards on Colab.

Colab itself cannot run here, so its traces are emulated in a real kernel: a fake
``google.colab.output`` that records calls to ``enable_custom_widget_manager``, fake
``.dist-info`` folders that make the kernel's metadata report Colab's old ipykernel and
ipywidgets (older than gdlab's floors) and an old contourpy, and a fake ``pip`` that records
what it was asked to install instead of installing it.
"""
from __future__ import annotations

import json
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from packaging.requirements import Requirement

from gdlab import kernel_setup, widgets

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def install_cell(path):
    """The install cell of a solution notebook (the one that calls prepare_kernel)."""
    nb = nbformat.read(path, as_version=4)
    found = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and "prepare_kernel()" in c.source]
    assert len(found) == 1, f"{path.name}: {len(found)} install cells"
    return found[0], nb.cells[found[0]].source


# --- the decision ------------------------------------------------------------------------

def test_missing_packages_are_installed_and_need_no_restart():
    plan = kernel_setup.plan_install(["numpy>=2.0,<3", "ipympl>=0.9.4,<1"],
                                     {"numpy": "2.1.0", "ipywidgets": "8.1.5",
                                      "odd-build": "not a version"})
    assert [r.replace(" ", "") for r in plan.install] == ["ipympl<1,>=0.9.4"]
    assert not plan.restart_needed
    assert plan.pins == {"numpy": "2.1.0", "ipywidgets": "8.1.5"}


def test_colab_kernel_packages_are_kept_even_when_older_than_the_floor():
    plan = kernel_setup.plan_install(["ipykernel>=6.29", "ipywidgets>=8.1,<9"],
                                     {"ipykernel": "6.17.1", "ipywidgets": "7.7.1"})
    assert plan.install == []
    assert [k[:2] for k in plan.kept] == [("ipykernel", "6.17.1"), ("ipywidgets", "7.7.1")]
    assert plan.pins == {"ipykernel": "6.17.1", "ipywidgets": "7.7.1"}
    assert not plan.restart_needed


def test_an_old_library_is_upgraded_unpinned_and_asks_for_a_restart():
    plan = kernel_setup.plan_install(["numpy>=2.0,<3", "Pillow>=10"],
                                     {"numpy": "1.26.4", "pillow": "11.0.0"})
    assert [r.replace(" ", "") for r in plan.install] == ["numpy<3,>=2.0"]
    assert plan.upgrades == [("numpy", "1.26.4", "<3,>=2.0")]
    assert plan.restart_needed
    assert plan.pins == {"pillow": "11.0.0"}  # numpy must be free to move


def test_requirements_for_other_environments_are_skipped():
    plan = kernel_setup.plan_install(['tomli>=1; python_version < "3.0"'], {})
    assert plan.install == []


# --- the fallback text names the fix for each platform ----------------------------------------

@pytest.mark.parametrize("where, fix", [
    ("colab", "output.enable_custom_widget_manager()"),
    ("vscode", "VS Code"),
    ("binder", "reload the browser page"),
    ("jupyter", "pip install ipympl ipywidgets"),
    ("terminal", ".static_figure()"),
])
def test_dashboard_fallback_names_the_platforms_fix(monkeypatch, where, fix):
    monkeypatch.setattr(kernel_setup, "platform", lambda: where)
    monkeypatch.setattr(kernel_setup, "_widget_frontend_on", True)  # no google.colab here
    monkeypatch.setattr(kernel_setup, "_widget_packages_installed", lambda: False)
    box = widgets.momentum()
    text = box._repr_mimebundle_()["text/plain"]
    assert fix in text and "momentum" in text
    others = [f for w, f in [("colab", "enable_custom_widget_manager"), ("vscode", "VS Code"),
                             ("binder", "Binder")] if w != where]
    assert not any(o in text for o in others), text


def test_a_kernel_with_the_packages_but_no_page_says_no_front_end_is_attached(monkeypatch):
    """Issue 19: under nbclient / `jupyter execute` the widget packages are installed, and
    the fallback advised installing them anyway."""
    monkeypatch.setattr(kernel_setup, "platform", lambda: "jupyter")
    monkeypatch.setattr(kernel_setup, "_widget_frontend_on", True)
    assert kernel_setup._widget_packages_installed()       # as in this test environment
    text = widgets.momentum()._repr_mimebundle_()["text/plain"]
    assert "No widget front end is attached" in text and "jupyter execute" in text
    assert "pip install" not in text, text


def test_unknown_platform_is_refused_by_name():
    with pytest.raises(ValueError, match=r"unknown platform 'kaggle'.*'colab'"):
        kernel_setup.frontend_help("kaggle")


# --- Colab, emulated in a real kernel --------------------------------------------------------

def _fake_colab(root: Path, log: Path):
    out = root / "google" / "colab"  # no google/__init__.py: a namespace package, as on Colab
    out.mkdir(parents=True)
    (out / "__init__.py").write_text("")
    (out / "output.py").write_text(textwrap.dedent(f"""
        def enable_custom_widget_manager():
            with open({str(log)!r}, "a") as f:
                f.write("enable_custom_widget_manager\\n")
        """))


def _fake_pip(root: Path, log: Path):
    pkg = root / "pip"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text(textwrap.dedent(f"""
        import json, sys
        args = sys.argv[1:]
        pins = open(args[args.index("-c") + 1]).read() if "-c" in args else ""
        with open({str(log)!r}, "a") as f:
            f.write(json.dumps({{"args": args, "constraints": pins}}) + "\\n")
        """))


def _fake_dist(root: Path, name: str, version: str):
    info = root / f"{name}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


@pytest.mark.slow
def test_install_cell_and_dashboard_in_a_colab_like_kernel(tmp_path, monkeypatch):
    fake = tmp_path / "site"
    fake.mkdir()
    colab_log, pip_log = tmp_path / "colab.log", tmp_path / "pip.log"
    _fake_colab(fake, colab_log)
    _fake_pip(fake, pip_log)
    for name, version in [("ipykernel", "6.17.1"), ("ipywidgets", "7.7.1"),
                          ("contourpy", "1.0.0")]:
        _fake_dist(fake, name, version)
    monkeypatch.setenv("PYTHONPATH", str(fake))

    index, source = install_cell(SOLUTIONS[1])
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(source),
        nbformat.v4.new_code_cell("import gdlab.widgets as w\nw.descent_1d()")])
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    setup_text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert {o.output_type for o in nb.cells[0].outputs} == {"stream"}, nb.cells[0].outputs
    assert colab_log.read_text().splitlines() == ["enable_custom_widget_manager"]
    calls = [json.loads(line) for line in pip_log.read_text().splitlines()]
    assert len(calls) == 1, calls
    args, pins = calls[0]["args"], calls[0]["constraints"].splitlines()
    wanted = [Requirement(r) for r in metadata.requires("gdlab") if r.startswith("contourpy")]
    asked = [Requirement(a) for a in args[args.index("-c") + 2:]]
    assert [(r.name, r.specifier) for r in asked] == [(r.name, r.specifier) for r in wanted]
    assert "ipykernel==6.17.1" in pins and "ipywidgets==7.7.1" in pins
    assert not any(a.startswith(("ipykernel", "ipywidgets")) for a in args)
    assert "kept ipykernel 6.17.1" in setup_text and "kept ipywidgets 7.7.1" in setup_text
    assert "upgraded contourpy 1.0.0" in setup_text
    assert "Runtime > Restart session" in setup_text

    shown = [o for o in nb.cells[1].outputs if o.output_type in ("display_data",
                                                                  "execute_result")]
    text = shown[-1]["data"]["text/plain"]
    assert "Fix on Colab" in text and "enable_custom_widget_manager()" in text
    assert "application/vnd.jupyter.widget-view+json" in shown[-1]["data"]


def test_a_dashboard_turns_on_colabs_widget_manager_by_itself(tmp_path, monkeypatch):
    """A learner who skipped the install cell still gets a dashboard Colab can show."""
    log = tmp_path / "colab.log"
    _fake_colab(tmp_path, log)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m == "google" or m.startswith("google.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(kernel_setup, "_widget_frontend_on", False)
    assert kernel_setup.platform() == "colab"
    widgets.descent_1d()
    widgets.momentum()
    assert log.read_text().splitlines() == ["enable_custom_widget_manager"]


def test_every_solution_has_the_install_cell_second():
    for path in SOLUTIONS:
        index, source = install_cell(path)
        nb = nbformat.read(path, as_version=4)
        first_code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"][0]
        assert index == first_code, f"{path.name}: the install cell is not the first code cell"
        assert "--no-deps" in source and "gdlab @ git+" in source, path.name
