"""A Jupyter server (JupyterLab or Notebook 7) on 127.0.0.1 with a random port and token.

Started in its own process group so that stopping it also stops its kernels; readiness is
``GET /api/status`` answering with the token (a bound port alone is not enough: the
server accepts connections before its extensions are loaded).
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterServer:
    """``with JupyterServer(jupyter, "lab", root, env, log) as srv: srv.url("lab/tree/x")``."""

    def __init__(self, jupyter: str, app: str, root_dir: Path, env: dict, log: Path,
                 *, ready_timeout: float = 120.0):
        if app not in ("lab", "notebook"):
            raise ValueError(f"Invalid app: {app!r} (expected 'lab' or 'notebook')")
        self.jupyter, self.app, self.root_dir = jupyter, app, Path(root_dir)
        self.env, self.log, self.ready_timeout = env, Path(log), ready_timeout
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.proc = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}?token={self.token}"

    def api(self, path: str):
        """GET an API path with the token; returns the decoded JSON."""
        request = urllib.request.Request(f"{self.base}/api/{path}",
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def __enter__(self):
        cmd = [self.jupyter, self.app, "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               f"--ServerApp.root_dir={self.root_dir}",
               # No update checks or news fetches: this machine has no internet, and a
               # learner's first view should be the notebook.
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if self.app == "lab":
            cmd.append("--LabApp.news_url=None")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # CI runs as root in a throwaway container
        self._log = open(self.log, "w", encoding="utf-8")
        self.proc = subprocess.Popen(cmd, cwd=self.root_dir, env=self.env,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"jupyter {self.app} exited with {self.proc.returncode} "
                                     f"before it was ready:\n{self.log_tail()}")
            try:
                status = self.api("status")
                if "started" in status:
                    return
            except (urllib.error.URLError, OSError, ValueError) as err:
                last = err
            time.sleep(0.3)
        raise AssertionError(f"jupyter {self.app} not ready after {self.ready_timeout:.0f}s "
                             f"({last!r}):\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no server log)"

    def kernel_states(self) -> list[str]:
        return [k.get("execution_state", "?") for k in self.api("kernels")]

    def stop(self):
        """SIGTERM the process group (server and kernels), SIGKILL what is left after 20 s."""
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
                # Kernels may outlive the server by a moment; make sure the group is gone.
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue
            break
        self._log.close()
        self.proc = None

    def __exit__(self, *exc):
        self.stop()
