"""Helpers for the launch tests: Binder emulation, a fresh clone, a real browser.

Each launch path builds or starts something outside the test process (a virtual
environment, a Jupyter server, a browser), so the plumbing those tests share lives here:
``envs`` (clean subprocess environments and virtual environments), ``notebooks`` (which
notebook to run and how to run it in another interpreter), ``server`` (a Jupyter server
with a random port and token) and ``artifacts`` (where screenshots and timings go).
"""
