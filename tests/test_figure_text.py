"""Alt text: read off a figure's data, set by hand, and attached to the PNG a kernel shows."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbclient  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gdlab import objectives, plotting  # noqa: E402
from gdlab.figure_text import alt_text, describe  # noqa: E402


def test_a_curve_is_described_by_its_numbers_not_its_title():
    fig, ax = plt.subplots()
    ax.plot(np.arange(11), 100 * 0.5 ** np.arange(11), label="lr = 0.1")
    ax.set_title("Loss"), ax.set_xlabel("step"), ax.set_yscale("log")
    text = alt_text(fig)
    plt.close(fig)
    assert "'lr = 0.1' falls from 100 at x = 0 to 0.0977 at x = 10" in text
    assert "x axis 'step'" in text.lower() and "log scale" in text


def test_oscillation_and_rise_are_told_apart():
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2, 3, 4, 5], [1, -1, 1, -1, 1, -1], label="ringing")
    ax.plot([0, 1, 2], [1, 2, 4], label="growing")
    text = alt_text(fig)
    plt.close(fig)
    assert "'ringing' goes up and down" in text and "'growing' rises" in text


def test_describe_overrides_and_rejects_empty_text():
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    describe(ax, "Custom panel text.")
    assert "Custom panel text." in alt_text(fig)
    describe(fig, "The whole figure:   one line.")
    assert alt_text(fig) == "The whole figure: one line."
    with pytest.raises(ValueError, match="non-empty string"):
        describe(fig, "  ")
    with pytest.raises(TypeError, match="Figure or Axes; got int"):
        describe(3, "text")
    plt.close(fig)


def test_a_contour_drawn_by_gdlab_mentions_its_surface_and_minimum():
    ax = plotting.contour(objectives.rosenbrock())
    text = alt_text(ax.figure)
    plt.close(ax.figure)
    assert "Contour lines" in text and "global minimum" in text


@pytest.mark.slow
def test_a_kernel_attaches_the_text_to_every_png_however_the_figure_is_shown(tmp_path):
    cells = [
        "import gdlab, matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n"
        "ax.plot([0, 1, 2], [4, 2, 1], label='run')\nplt.show()",
        "%matplotlib inline\nfig, ax = plt.subplots()\nax.plot([0, 1], [1, 3])\n"
        "gdlab.plotting.describe(fig, 'Hand-written: rises to 3.')\ndisplay(fig)\nplt.close(fig)",
        "fig, ax = plt.subplots()\nax.bar([1, 2], [3, 5])",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(tmp_path)}}
                            ).execute()
    alts = [o.metadata["image/png"]["alt"] for c in nb.cells for o in c.outputs
            if "image/png" in o.get("data", {})]
    assert len(alts) == 3
    # JupyterLab ignores the metadata; the text/html twin carries the alt attribute
    htmls = [o.data["text/html"] for c in nb.cells for o in c.outputs
             if "image/png" in o.get("data", {})]
    assert all(h.startswith('<img src="data:image/png;base64,') for h in htmls)
    assert 'alt="Hand-written: rises to 3."' in htmls[1]
    assert "'run' falls from 4" in alts[0]
    assert alts[1] == "Hand-written: rises to 3."
    assert "2 bars of heights 3, 5" in alts[2]
