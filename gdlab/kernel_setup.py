"""Get a running kernel ready for the course, wherever it runs.

Every lesson's install cell calls :func:`prepare_kernel` right after it has (if needed)
installed gdlab itself with ``pip install --no-deps``. Hosted kernels such as Google Colab
come with their own ipykernel and ipywidgets, wired to the page they serve; letting pip
upgrade those inside the running kernel (what ``pip install gdlab`` with its dependencies
did) leaves a kernel whose packages no longer match what is loaded. So:

* a dependency that is missing is installed (that needs no restart: nothing of it was
  imported yet);
* one that is older than gdlab asks for is upgraded, unless the kernel itself runs on it
  (:data:`KERNEL_OWNED`): then it is kept and the learner is told; after any upgrade the
  kernel must be restarted, and the learner is told how on this platform;
* everything already installed is pinned to its version for that pip call, so pip cannot
  upgrade it behind our back to satisfy a new package's own requirements;
* on Colab, the custom widget manager that third-party widgets (ipympl) need is turned on.

Only the standard library is used here (plus ``packaging``, which pip itself vendors), so
the module works in a kernel where gdlab's dependencies are still missing.
"""
from __future__ import annotations

import importlib
import importlib.metadata as metadata
import importlib.util
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

__all__ = ["KERNEL_OWNED", "InstallPlan", "plan_install", "prepare_kernel", "platform",
           "frontend_help", "restart_advice", "enable_widget_frontend"]

#: Packages the running kernel and the page's widget manager are made of: never upgraded
#: in place, because the copy already imported (or the page's JavaScript) would not match.
KERNEL_OWNED = frozenset({"ipykernel", "ipython", "ipywidgets", "widgetsnbextension",
                          "jupyterlab-widgets", "jupyter-client", "jupyter-core", "tornado",
                          "pyzmq", "traitlets", "comm", "google-colab", "notebook",
                          "jupyter-server", "jupyterlab"})

PLATFORMS = ("colab", "vscode", "binder", "jupyter", "terminal")


def _norm(name):
    return name.lower().replace("_", "-").replace(".", "-")


def _packaging():
    try:
        from packaging.requirements import Requirement
        from packaging.version import Version
    except ImportError:  # a kernel without packaging still has pip, which vendors it
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.version import Version
    return Requirement, Version


def platform():
    """Where this code runs: one of :data:`PLATFORMS`.

    The kernel cannot see which page talks to it, so JupyterLab, Notebook 7 and classic
    Notebook are all "jupyter"; Colab, VS Code and Binder leave traces in the kernel.
    """
    if _on_colab():
        return "colab"
    shell = _shell()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return "terminal"  # plain python, the IPython terminal, a script
    if "__vsc_ipynb_file__" in shell.user_ns:  # VS Code's Jupyter extension sets it
        return "vscode"
    if os.environ.get("BINDER_LAUNCH_HOST") or os.environ.get("BINDER_REQUEST"):
        return "binder"
    return "jupyter"


def _on_colab():
    if "google.colab" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("google.colab") is not None
    except ModuleNotFoundError:  # no "google" package at all
        return False


def _shell():
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


_FIXES = {
    "colab": (
        "Fix on Colab: run the lesson's install cell (the one that calls "
        "prepare_kernel()): it\ninstalls ipympl and turns on Colab's custom widget manager. "
        "By hand:\n  %pip install ipympl\n  from google.colab import output; "
        "output.enable_custom_widget_manager()\nthen run this cell again."),
    "vscode": (
        "Fix in VS Code: run  %pip install ipympl ipywidgets  in a cell (it installs into "
        "the\nkernel's own interpreter), restart the kernel and run the notebook again."),
    "binder": (
        "Fix on Binder: the image has the widget front end; reload the browser page. If "
        "the\ndashboard still does not show, open the lesson in JupyterLab (the address "
        "ending in\n/lab/tree/lessons/...)."),
    "jupyter": (
        "Fix: run  pip install ipympl ipywidgets  in the kernel's environment, restart the\n"
        "kernel and reload the page. JupyterLab 4 and Notebook 7 show the dashboards; "
        "classic\nNotebook 6 cannot (pip install \"notebook>=7\")."),
    "terminal": (
        "Plain Python and the IPython terminal cannot show widgets: open the lesson in\n"
        "Jupyter (jupyter lab lessons/), or save a still image with .static_figure()."),
}


# A Jupyter kernel whose widget packages are installed but that no page is showing: the
# notebook is run by nbclient (`jupyter execute`, nbconvert --execute, nbval, a grader).
# Advising to install what is installed sends the reader the wrong way.
_NO_FRONTEND = (
    "No widget front end is attached to this kernel: the notebook runs without a page that "
    "shows\nwidgets (for example under `jupyter execute`, nbconvert or another nbclient "
    "runner). ipywidgets\nand ipympl are installed, so there is nothing to install: open "
    "the notebook in JupyterLab 4\nor Notebook 7 and run it there to use the dashboard.")


def _widget_packages_installed():
    return all(importlib.util.find_spec(name) is not None for name in ("ipywidgets", "ipympl"))


def frontend_help(where=None):
    """What a reader sees instead of a dashboard that cannot be shown, with the fix for
    ``where`` (a name from :data:`PLATFORMS`; default: this kernel's platform). In a plain
    Jupyter kernel that has the widget packages, the fix is not an install: no front end
    is attached (nbclient and the like), and the text says so."""
    where = platform() if where is None else where
    if where not in _FIXES:
        raise ValueError(f"unknown platform {where!r}; expected one of {PLATFORMS}")
    fix = _FIXES[where]
    if where == "jupyter" and _widget_packages_installed():
        fix = _NO_FRONTEND
    return ("This dashboard needs a live Jupyter kernel with the widget front end.\n"
            f"{fix}\n"
            "Without a kernel, the figure above the dashboard shows the same plot, static.")


def restart_advice(where=None):
    """How to restart the kernel on ``where`` (default: this kernel's platform)."""
    where = platform() if where is None else where
    how = {"colab": "Runtime > Restart session",
           "vscode": "the Restart button in the notebook toolbar",
           "terminal": "quitting and starting Python again"}
    return (f"Restart the kernel ({how.get(where, 'Kernel > Restart Kernel')}) and run the "
            "notebook again from the top.")


_widget_frontend_on = False


def enable_widget_frontend():
    """Make this kernel's page able to show ipympl widgets; True if something was done.

    Only Colab needs a step: its built-in widget manager renders core ipywidgets, and
    third-party ones such as ipympl's canvas only under its custom widget manager.
    """
    global _widget_frontend_on
    if _widget_frontend_on or platform() != "colab":
        return False
    from google.colab import output

    output.enable_custom_widget_manager()
    _widget_frontend_on = True
    return True


@dataclass
class InstallPlan:
    """What :func:`prepare_kernel` decided for each of gdlab's requirements."""

    install: list = field(default_factory=list)   # requirement strings for pip
    upgrades: list = field(default_factory=list)  # (name, installed version, wanted)
    kept: list = field(default_factory=list)      # kernel-owned and too old: left alone
    pins: dict = field(default_factory=dict)      # name -> installed version (constraints)

    @property
    def restart_needed(self):
        return bool(self.upgrades)


def plan_install(requirements, installed):
    """Decide what to install.

    ``requirements`` are PEP 508 strings (gdlab's metadata); ``installed`` maps package
    names to installed version strings. A missing requirement is installed; an installed
    one that does not satisfy its range is upgraded unless it is in :data:`KERNEL_OWNED`;
    every other installed package is pinned where it is.
    """
    Requirement, Version = _packaging()
    have = {_norm(k): v for k, v in installed.items()}
    plan = InstallPlan()
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = _norm(req.name)
        version = have.get(name)
        if version is None:
            plan.install.append(str(req))
        elif not req.specifier.contains(Version(version), prereleases=True):
            if name in KERNEL_OWNED:
                plan.kept.append((name, version, str(req.specifier)))
            else:
                plan.install.append(str(req))
                plan.upgrades.append((name, version, str(req.specifier)))
    upgrading = {_norm(Requirement(r).name) for r in plan.install}
    # A version pip cannot parse would make the whole constraints file invalid; such a
    # package cannot be an upgrade candidate either, so leaving it unpinned is safe enough.
    plan.pins = {n: v for n, v in have.items() if n not in upgrading and _valid(Version, v)}
    return plan


def _valid(Version, text):
    try:
        Version(text)
    except ValueError:  # packaging's InvalidVersion is a ValueError
        return False
    return True


def _installed_versions():
    versions = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        # The first one found on sys.path is the one Python imports, as for metadata.version.
        if name and _norm(name) not in versions:
            versions[_norm(name)] = dist.version
    return versions


def _gdlab_requirements():
    return metadata.requires("gdlab") or []


def _pip_install(plan):
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="gdlab-pins-",
                                     delete=False) as pins:
        pins.write("".join(f"{n}=={v}\n" for n, v in sorted(plan.pins.items())))
    try:
        cmd = [sys.executable, "-m", "pip", "install", "-q", "-c", pins.name, *plan.install]
        done = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        os.unlink(pins.name)
    if done.returncode != 0:
        raise RuntimeError(f"pip could not install {', '.join(plan.install)} without "
                           "changing what this kernel already has:\n"
                           + (done.stderr or done.stdout)[-3000:])
    importlib.invalidate_caches()  # so the new packages import without a restart


def prepare_kernel(*, install=True):
    """Install what gdlab needs and is missing, and turn on the widget front end.

    Prints one line per action and nothing when there was nothing to do. It returns
    nothing, so that as the last line of the install cell it leaves no output behind
    (:func:`plan_install` gives the decision). ``install=False`` reports what it would
    keep and enables the widgets, but installs nothing.
    """
    plan = plan_install(_gdlab_requirements(), _installed_versions())
    if plan.install and install:
        print("gdlab: installing " + ", ".join(plan.install))
        _pip_install(plan)
    for name, version, wanted in plan.kept:
        print(f"gdlab: kept {name} {version} (gdlab is tested with {name}{wanted}); the "
              "running kernel uses it, so it is not upgraded in place")
    if plan.restart_needed and install:
        olds = ", ".join(f"{n} {v}" for n, v, _ in plan.upgrades)
        print(f"gdlab: upgraded {olds}, which this kernel may already have loaded. "
              + restart_advice())
    enable_widget_frontend()


if __name__ == "__main__":
    prepare_kernel()
