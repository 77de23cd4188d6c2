"""Run code cell by cell in a fresh, resource-limited IPython kernel.

Each kernel is started through a tiny launcher (``python -c LAUNCHER``) that, before
ipykernel is even imported, limits its own address space (``RLIMIT_AS``: a learner who
allocates 10 GB gets a MemoryError or dies, the machine does not swap), the size of files
it may write (``RLIMIT_FSIZE``) and core dumps. The kernel runs in its own temporary
working directory with its own IPython directory, so files it writes never reach the
lesson folder's copies the grader works from, nor another submission's kernel.

Stored output is capped per cell (a learner printing 50 MB costs the grader a bounded
amount of memory), a cell that runs too long is interrupted, and a kernel that dies or
ignores the interrupt is reported so the caller can restart it.
"""
import asyncio
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from jupyter_client import AsyncKernelManager

__all__ = ["CellRun", "KernelSession", "KernelStartError", "LAUNCHER", "OK", "ERROR",
           "TIMEOUT", "DIED"]

OK, ERROR, TIMEOUT, DIED = "ok", "error", "timeout", "died"

# Runs as `python -c LAUNCHER MEMORY_MB FSIZE_MB UID GID -f CONNECTION_FILE` (UID -1: stay).
LAUNCHER = """\
import os, resource, signal, sys
mem_mb, fsize_mb, uid, gid = (int(v) for v in sys.argv[1:5])
del sys.argv[1:5]
try:
    os.setsid()  # own session and process group: signals to it never reach the grader
except OSError:
    pass  # already a session leader (jupyter_client starts it in a new session)
if mem_mb > 0:
    resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
if fsize_mb > 0:
    # Writing past the limit then fails with OSError instead of killing the kernel.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_mb << 20, fsize_mb << 20))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
if uid >= 0:
    # Drop root for good before any learner code runs: groups first, then gid, then uid
    # (setuid from root to another uid also clears every capability).
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getegid() != gid:
        sys.exit("gdlab kernel: could not drop privileges")
from ipykernel import kernelapp as app
app.launch_new_instance()
"""

# After an interrupt, how long a cell may take to stop before the kernel is declared hung.
INTERRUPT_GRACE = 3.0
# How often a silent kernel is checked for being alive while a cell runs.
POLL = 0.5


class KernelStartError(RuntimeError):
    """The kernel process could not be started or did not answer."""


@dataclass
class CellRun:
    """What running one cell did.

    status: "ok", "error" (the cell raised; ``ename``/``evalue`` say what), "timeout" (it
    was interrupted; ``hung`` when it did not even stop then) or "died" (the kernel
    process ended). stdout holds at most the session's cap of stream text;
    ``truncated`` says whether more was printed.
    """

    status: str
    stdout: str = ""
    ename: str = ""
    evalue: str = ""
    truncated: bool = False
    hung: bool = False
    seconds: float = 0.0


class _LimitedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command is the resource-limiting launcher."""

    launch_limits = (0, 0)
    kernel_user = None  # isolation.KernelUser, or None to run as the grader's user

    def format_kernel_cmd(self, extra_arguments=None):
        # Called right after the connection file is written: hand it to the kernel user
        # (owner-only, in a root-owned folder the kernel cannot rename things in).
        mem_mb, fsize_mb = self.launch_limits
        uid = gid = -1
        if self.kernel_user is not None:
            uid, gid = self.kernel_user.uid, self.kernel_user.gid
            os.chown(self.connection_file, uid, gid)
            os.chmod(self.connection_file, 0o400)
        return [sys.executable, "-c", LAUNCHER, str(int(mem_mb)), str(int(fsize_mb)),
                str(uid), str(gid), "-f", os.path.realpath(self.connection_file),
                "--HistoryManager.hist_file=:memory:"]


def _kernel_env(ipython_dir, workdir, user):
    env = dict(os.environ)
    # One BLAS thread per kernel: the grader runs --jobs kernels side by side, and BLAS
    # thread pools also reserve address space that RLIMIT_AS would count.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["IPYTHONDIR"] = ipython_dir
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.pop("JPY_SESSION_NAME", None)
    if user is not None:
        # The grader's HOME (e.g. /root) is not the kernel user's: config and caches
        # (matplotlib, IPython, jupyter runtime) go to the kernel's own working directory.
        env.update(HOME=workdir, USER=user.name, LOGNAME=user.name)
        env.pop("XDG_RUNTIME_DIR", None)
    return env


class KernelSession:
    """One kernel for one submission, in its own temporary working directory.

    memory_mb: address-space limit of the kernel process (0 = none). fsize_mb: largest
    file it may write. output_cap: characters of stream output kept per cell.
    kernel_user: an ``isolation.KernelUser`` the kernel drops to before any learner code
    runs (the grader must be root), or None to run it as the grader's own user.

    Layout: a root-owned folder ``gdlab-grade-*`` (mode 0711) holds the connection files
    and ``work/``, the kernel's working directory, HOME and IPython directory, owned by
    the kernel user. The kernel can write only there, and cannot swap the connection
    file the grader writes for a symlink.
    """

    def __init__(self, *, memory_mb=4096, fsize_mb=256, output_cap=65536,
                 startup_timeout=60.0, kernel_user=None):
        self.memory_mb = int(memory_mb)
        self.fsize_mb = int(fsize_mb)
        self.output_cap = int(output_cap)
        self.startup_timeout = float(startup_timeout)
        self.kernel_user = kernel_user
        self.workdir = None
        self._root = None
        self._starts = 0
        self._km = None
        self._kc = None

    async def __aenter__(self):
        await self.start()
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def start(self):
        """Create the working directory (first time) and start a fresh kernel."""
        user = self.kernel_user
        if self.workdir is None:
            self._root = tempfile.mkdtemp(prefix="gdlab-grade-")
            self.workdir = os.path.join(self._root, "work")
            os.mkdir(self.workdir, 0o700)
            if user is not None:
                os.chmod(self._root, 0o711)  # the kernel may pass through, not list
                os.chown(self.workdir, user.uid, user.gid)
        ipython_dir = os.path.join(self.workdir, ".ipython")
        if not os.path.isdir(ipython_dir):
            os.mkdir(ipython_dir, 0o700)
            if user is not None:
                os.chown(ipython_dir, user.uid, user.gid)
        self._starts += 1
        km = _LimitedKernelManager(kernel_name="python3")
        km.launch_limits = (self.memory_mb, self.fsize_mb)
        km.kernel_user = user
        km.connection_file = os.path.join(self._root, f"kernel-{self._starts}.json")
        self._km = km
        try:
            # The kernel's own chatter (and fd 2 of learner code) must not garble the grader's
            # progress bar; learner output reaches us through iopub anyway.
            await km.start_kernel(cwd=self.workdir,
                                  env=_kernel_env(ipython_dir, self.workdir, user),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            kc = km.client()
            kc.start_channels()
            self._kc = kc
            await kc.wait_for_ready(timeout=self.startup_timeout)
        except Exception as err:
            await self._stop_kernel()
            raise KernelStartError(f"the kernel did not start ({type(err).__name__}: "
                                   f"{err})") from err

    async def restart(self):
        """Kill the current kernel (whatever state it is in) and start a fresh one."""
        await self._stop_kernel()
        await self.start()

    async def _stop_kernel(self):
        kc, km = self._kc, self._km
        self._kc = self._km = None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:
                pass
        if km is not None:
            try:
                await km.shutdown_kernel(now=True)
            except Exception:
                try:
                    await km.provisioner.kill()  # last resort: make sure it is gone
                except Exception:
                    pass

    async def close(self):
        """Stop the kernel and delete the working directory."""
        await self._stop_kernel()
        if self._root is not None:
            # rmtree does not follow symlinks the kernel may have left in work/
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = self.workdir = None

    async def is_alive(self):
        return self._km is not None and await self._km.is_alive()

    async def run(self, code, timeout, *, output_cap=None, store_history=True):
        """Execute ``code``; wait at most ``timeout`` seconds. Returns a :class:`CellRun`."""
        if self._kc is None:
            return CellRun(DIED)
        cap = self.output_cap if output_cap is None else int(output_cap)
        kc = self._kc
        started = time.monotonic()
        msg_id = kc.execute(code, store_history=store_history, allow_stdin=False,
                            stop_on_error=False)
        chunks, kept = [], 0
        result = CellRun(OK)
        deadline = started + max(0.0, float(timeout))
        interrupted_at = None
        while True:
            now = time.monotonic()
            if interrupted_at is None and now >= deadline:
                interrupted_at = now
                result.status = TIMEOUT
                try:
                    await self._km.interrupt_kernel()
                except Exception:
                    result.hung = True
                    break
            if interrupted_at is not None and now >= interrupted_at + INTERRUPT_GRACE:
                result.hung = True
                break
            limit = (deadline if interrupted_at is None
                     else interrupted_at + INTERRUPT_GRACE) - now
            try:
                msg = await kc.get_iopub_msg(timeout=max(0.01, min(POLL, limit)))
            except (queue.Empty, asyncio.TimeoutError, TimeoutError):
                if not await self._km.is_alive():
                    result.status = DIED
                    break
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg.get("msg_type"), msg.get("content", {})
            if kind == "stream":
                text = content.get("text", "")
                room = cap - kept
                if len(text) > room:
                    result.truncated = True
                if room > 0:
                    chunks.append(text[:room])
                    kept += min(room, len(text))
            elif kind == "error":
                if result.status != TIMEOUT:
                    result.status = ERROR
                result.ename = str(content.get("ename", ""))[:200]
                result.evalue = str(content.get("evalue", ""))[:2000]
            elif kind == "status" and content.get("execution_state") == "idle":
                break
        result.stdout = "".join(chunks)
        result.seconds = time.monotonic() - started
        if result.status == TIMEOUT and not result.hung and not await self.is_alive():
            result.status = DIED
        return result
