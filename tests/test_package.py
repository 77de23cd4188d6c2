"""Package-level promises: a light import, the public names, and the command line."""
import subprocess
import sys

import gdlab


def test_import_gdlab_stays_light():
    # Run in a fresh interpreter: this test process may already have loaded matplotlib.
    code = (
        "import sys, gdlab\n"
        "heavy = [m for m in ('matplotlib', 'ipywidgets', 'nbclient', 'ipympl', 'IPython') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import gdlab pulled in: {out.stdout.strip()}"


def test_public_names_resolve():
    for name in gdlab.__all__:
        assert getattr(gdlab, name) is not None, name


def test_python_dash_m_matches_console_script():
    via_module = subprocess.run([sys.executable, "-m", "gdlab", "--help"],
                                capture_output=True, text=True)
    assert via_module.returncode == 0
    assert "release" in via_module.stdout and "grade" in via_module.stdout
