"""What a screen reader needs from a dashboard, which ipywidgets' own views do not give.

ipywidgets 8 draws a slider as a noUiSlider whose handle (``role="slider"``) has no
accessible name (the description is a separate ``<label>``) and whose ``aria-valuetext``
is the raw value (a log slider's exponent, ``0.04892800000000001``) rather than the
readout on screen; the play bar's buttons are icons with no name; a status line that
changes is not announced. None of that can be set from Python, so every dashboard carries
a small script, shown through an ``Output`` widget (it runs wherever the widget renders:
JupyterLab, Notebook 7, VS Code), that:

* names each control after its description (``aria-label``), and keeps the handle's
  ``aria-valuetext`` equal to the readout the learner sees;
* names the play bar's buttons ("play", "pause", "stop", "repeat") as their icons change;
* makes the status line (class ``gdlab-status``) a polite live region;
* labels the figure canvas (``role="img"``) with the text of the hidden figure
  description (class ``gdlab-figure-description``), which the kernel rewrites with each
  redraw (throttled like the redraw itself);
* draws a visible focus outline on handles and buttons.

The script is idempotent (one MutationObserver per page). Control names, value texts and
play buttons are fixed for every ipywidget on the page once a dashboard has loaded it
(lesson 00's plain "drag me" slider too); the live region and the canvas label only inside
gdlab dashboards (class ``gdlab-dashboard``).
"""
from __future__ import annotations

FOCUS_COLOR = "#0072B2"   # Okabe-Ito blue: 5.1:1 against white, also for the outline

A11Y_SCRIPT = r"""
(function () {
  if (window.gdlabA11y) { window.gdlabA11y(); return; }
  var css = document.createElement('style');
  css.textContent = '.jupyter-widgets .noUi-handle:focus-visible, ' +
    '.jupyter-widgets button:focus-visible, .jupyter-widgets select:focus-visible, ' +
    '.jupyter-widgets input:focus-visible { outline: 3px solid FOCUS; outline-offset: 2px; }' +
    '.gdlab-figure-description { position: absolute; width: 1px; height: 1px; ' +
    'overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }';
  document.head.appendChild(css);
  function text(el) { return el ? (el.textContent || '').replace(/\s+/g, ' ').trim() : ''; }
  function set(el, name, value) {
    if (value && el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }
  var ICONS = {'fa-play': 'play', 'fa-pause': 'pause', 'fa-stop': 'stop',
               'fa-retweet': 'repeat', 'fa-repeat': 'repeat'};
  function fix(root) {
    root.querySelectorAll('.jupyter-widgets').forEach(function (w) {
      var label = text(w.querySelector(':scope > .widget-label'));
      var readout = w.querySelector(':scope > .widget-readout');
      w.querySelectorAll('[role="slider"]').forEach(function (h) {
        set(h, 'aria-label', label);
        set(h, 'aria-valuetext', text(readout));
      });
      w.querySelectorAll(':scope > select, :scope > input, :scope > textarea')
        .forEach(function (c) { set(c, 'aria-label', label); });
    });
    root.querySelectorAll('.widget-play button').forEach(function (b) {
      var icon = b.querySelector('i');
      if (!icon) { return; }
      Object.keys(ICONS).forEach(function (k) {
        if (icon.classList.contains(k)) { set(b, 'aria-label', ICONS[k]); }
      });
    });
    root.querySelectorAll('.gdlab-dashboard .gdlab-status').forEach(function (s) {
      set(s, 'role', 'status'); set(s, 'aria-live', 'polite');
    });
    root.querySelectorAll('.gdlab-dashboard').forEach(function (d) {
      var desc = text(d.querySelector('.gdlab-figure-description'));
      d.querySelectorAll('canvas').forEach(function (c) {
        set(c, 'role', 'img'); set(c, 'aria-label', desc || 'dashboard figure');
      });
    });
  }
  var pending = false;
  function later() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; fix(document); });
  }
  window.gdlabA11y = later;
  new MutationObserver(later).observe(document.body, {subtree: true, childList: true,
    characterData: true, attributes: true,
    attributeFilter: ['class', 'aria-valuetext', 'aria-valuenow']});
  later();
})();
""".replace("FOCUS", FOCUS_COLOR)


def a11y_output():
    """An ``Output`` widget that runs :data:`A11Y_SCRIPT` where the dashboard renders."""
    import ipywidgets as W
    from IPython.display import Javascript
    out = W.Output(layout=W.Layout(height="0px", overflow="hidden"))
    out.append_display_data(Javascript(A11Y_SCRIPT))
    return out
