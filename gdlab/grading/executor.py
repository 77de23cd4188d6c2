"""Run code cell by cell in a fresh, resource-limited IPython kernel.

Each kernel is started through a tiny launcher (``python -c LAUNCHER``) that, before
ipykernel is even imported, limits its own address space (``RLIMIT_AS``: a learner who
allocates 10 GB gets a MemoryError or dies, the machine does not swap), the size of files
it may write (``RLIMIT_FSIZE``) and core dumps. The kernel runs in its own temporary
working directory with its own IPython directory, so files it writes never reach the
lesson folder's copies the grader works from, nor another submission's kernel.

Stored output is capped per cell, and output beyond the cap is not held: the grader's
IOPub socket refuses any message larger than ``MAX_MESSAGE`` (ZeroMQ drops it, and the
connection, before reading it), and smaller ones are discarded as they come. A cell whose
end was in a dropped message ends when the kernel's reply has come and IOPub is quiet. A
cell that runs too long is interrupted, and a kernel that dies or ignores the interrupt is
reported so the caller can restart it.
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

import zmq
from jupyter_client import AsyncKernelManager

from gdlab.grading import sandbox as sandbox_limits
from gdlab.grading.budget import choose_mechanism

__all__ = ["CellRun", "KernelSession", "KernelStartError", "LAUNCHER", "OK", "ERROR",
           "TIMEOUT", "DIED"]

OK, ERROR, TIMEOUT, DIED = "ok", "error", "timeout", "died"

# Runs as `python -c LAUNCHER MEMORY_MB FSIZE_MB UID GID NPROC NOFILE CPU_S SETSID -f FILE`
# (UID -1: stay; 0 for NPROC/NOFILE/CPU_S: no limit; SETSID 1: start a new session).
LAUNCHER = """\
import os, resource, signal, sys
mem_mb, fsize_mb, uid, gid, nproc, nofile, cpu_s, setsid = (int(v) for v in sys.argv[1:9])
del sys.argv[1:9]
if setsid:
    try:
        os.setsid()  # own session and process group: signals to it never reach the grader
    except OSError:
        pass  # already a session leader (jupyter_client starts it in a new session)
else:
    # In a sandbox the kernel's parent is bwrap (pid 1 of the namespace), which ipykernel
    # would take for "the launcher died"; bwrap itself dies with the grader.
    os.environ.pop("JPY_PARENT_PID", None)
if mem_mb > 0:
    resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))
if fsize_mb > 0:
    # Writing past the limit then fails with OSError instead of killing the kernel.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_mb << 20, fsize_mb << 20))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
# Inherited by every process the kernel starts: with the process cap, the total is bounded.
if nproc > 0:
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
if nofile > 0:
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
if cpu_s > 0:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
if uid >= 0:
    # Drop root for good before any learner code runs: groups first, then gid, then uid
    # (setuid from root to another uid also clears every capability).
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid or os.getegid() != gid:
        sys.exit("gdlab kernel: could not drop privileges")
if os.environ.get("GDLAB_KERNEL_CWD"):
    os.chdir(os.environ.pop("GDLAB_KERNEL_CWD"))  # after the drop: the folder is the user's
from ipykernel import kernelapp as app
app.launch_new_instance()
"""

# After an interrupt, how long a cell may take to stop before the kernel is declared hung.
INTERRUPT_GRACE = 3.0
# How often a silent kernel is checked for being alive while a cell runs.
POLL = 0.5
# The largest IOPub message the grader accepts: the probe's output (32 MB of text at most,
# JSON-escaped) fits; a bigger one is dropped by ZeroMQ unread.
MAX_MESSAGE = 80 << 20


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
    """A kernel manager whose kernel command is the resource-limiting launcher, wrapped in
    the submission's sandbox when there is one."""

    launch_limits = (0, 0, 0, 0, 0)   # memory MB, file MB, processes, open files, CPU s
    kernel_user = None  # isolation.KernelUser, or None to run as the grader's user
    sandbox = None      # sandbox.Sandbox, or None (--no-sandbox)
    conn_dir = None
    work_dir = None
    group = None        # the submission's budget group (budget.py), or None

    def format_kernel_cmd(self, extra_arguments=None):
        # Called right after the connection file is written: hand it to the kernel user
        # (owner-only, in a root-owned folder the kernel cannot rename things in).
        mem_mb, fsize_mb, nproc, nofile, cpu_s = self.launch_limits
        uid = gid = -1
        if self.kernel_user is not None:
            uid, gid = self.kernel_user.uid, self.kernel_user.gid
            os.chown(self.connection_file, uid, gid)
            os.chmod(self.connection_file, 0o400)
        # In a sandbox, bwrap's namespaces contain the kernel; it must stay in bwrap's
        # process group so that an interrupt (sent to the group) reaches it.
        setsid = 0 if self.sandbox is not None else 1
        cmd = [sys.executable, "-c", LAUNCHER, *(str(int(v)) for v in (
                   mem_mb, fsize_mb, uid, gid, nproc, nofile, cpu_s, setsid)),
               "-f", os.path.realpath(self.connection_file),
               "--HistoryManager.hist_file=:memory:"]
        if self.sandbox is not None:
            cmd = self.sandbox.command(self.conn_dir, cmd, self.work_dir)
        return cmd if self.group is None else self.group.wrap(cmd)


# What a sandboxed kernel inherits of the grader's environment (nothing else: the grader's
# variables may hold tokens or paths the learner has no business seeing).
_SANDBOX_ENV = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH",
                "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "OPENBLAS_CORETYPE", "MPLBACKEND",
                "GDLAB_NO_WIDGETS")


def _kernel_env(ipython_dir, workdir, user, sandboxed=False):
    if sandboxed:
        env = {k: v for k, v in os.environ.items() if k in _SANDBOX_ENV or k.startswith("LC_")}
    else:
        env = dict(os.environ)
    # One BLAS thread per kernel: the grader runs --jobs kernels side by side, and BLAS
    # thread pools also reserve address space that RLIMIT_AS would count.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["IPYTHONDIR"] = ipython_dir
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env.pop("JPY_SESSION_NAME", None)
    if user is not None or sandboxed:
        # The grader's HOME (e.g. /root) is not the kernel's: config and caches
        # (matplotlib, IPython, jupyter runtime) go to the kernel's own working directory.
        env.update(HOME=workdir, MPLCONFIGDIR=os.path.join(workdir, ".matplotlib"))
        env.pop("XDG_RUNTIME_DIR", None)
    if sandboxed:
        env["GDLAB_KERNEL_CWD"] = workdir
    if user is not None:
        env.update(USER=user.name, LOGNAME=user.name)
    return env


def _uid_processes(uid):
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    found.append(int(pid))
            except OSError:
                pass
    return found


async def _wait_until_gone(uid, timeout=10.0):
    """Wait until no process of the sandbox's uid is left: killing bwrap tears down its PID
    namespace, but the kernel reaps those processes asynchronously, and until then they
    count against the next kernel's process cap (same slot, same uid)."""
    deadline = time.monotonic() + timeout
    while _uid_processes(uid) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


# A Unix socket's path must fit in sun_path (108 bytes on Linux, with its NUL). A sandboxed
# kernel's sockets live at <tmp>/gdlab-grade-XXXXXXXX/work/.kernel-N-ipc-PORT, about 50
# characters below the temp folder, so a deep TMPDIR (pytest's, a CI runner's) would stop
# every kernel from starting with ZeroMQ's "File name too long".
_SOCKET_PATH_MAX = 107
_BELOW_TMP = len("/gdlab-grade-xxxxxxxx/ipc/.kernel-999-ipc-99999")


def grading_tmpdir(sandboxed):
    """Where the grader's per-kernel folders go: the usual temp folder, or /tmp when that
    is too deep for a sandboxed kernel's sockets."""
    base = tempfile.gettempdir()
    if not sandboxed or len(base) + _BELOW_TMP <= _SOCKET_PATH_MAX:
        return base
    if os.path.isdir("/tmp") and os.access("/tmp", os.W_OK | os.X_OK):
        return "/tmp"
    raise KernelStartError(
        f"the temp folder {base!r} is {len(base)} characters deep, too deep for the "
        f"sandboxed kernel's sockets (at most {_SOCKET_PATH_MAX - _BELOW_TMP}), and /tmp "
        f"is not writable: set TMPDIR to a short writable folder")


def _kernel_stderr():
    """Where kernels' own stderr goes: nowhere, unless GDLAB_GRADER_DEBUG=1 (a maintainer
    looking at why kernels do not start)."""
    return None if os.environ.get("GDLAB_GRADER_DEBUG") == "1" else subprocess.DEVNULL


def _cap_iopub(kc):
    """Make ``kc``'s IOPub socket refuse messages over MAX_MESSAGE: the option must be set
    before the socket connects, so it is a default of the context while it is made."""
    connect = kc.connect_iopub

    def capped(identity=None):
        kc.context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE)
        try:
            return connect(identity=identity)
        finally:
            kc.context.sockopts.pop(zmq.MAXMSGSIZE, None)
    kc.connect_iopub = capped


async def _replied(kc, msg_id):
    """Whether the kernel's execute_reply to ``msg_id`` is waiting on the shell channel
    (older replies, whose idle status came, are skipped)."""
    while True:
        try:
            reply = await kc.get_shell_msg(timeout=0)
        except (queue.Empty, asyncio.TimeoutError, TimeoutError):
            return False
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return True


class KernelSession:
    """One kernel for one submission, in its own temporary working directory.

    memory_mb: address-space limit of the kernel process (0 = none). fsize_mb: largest
    file it may write. output_cap: characters of stream output kept per cell.
    kernel_user: an ``isolation.KernelUser`` the kernel drops to before any learner code
    runs (the grader must be root), or None to run it as the grader's own user.
    sandbox: a ``sandbox.Sandbox`` that every (re)started kernel runs in, or None.
    cpu_seconds: CPU time limit of each process in the sandbox (0 = none).
    budget: a ``budget.Budget`` for all the session's processes together (one group for
    the session, kept across kernel restarts), or None.

    Layout: a root-owned folder ``gdlab-grade-*`` (mode 0711) holds the connection files,
    ``ipc/`` (the kernel's sockets) and ``work/``, the kernel's working directory, HOME
    and IPython directory, owned by the kernel user. In a sandbox, ``work/`` is a private
    size-capped tmpfs (nothing the kernel writes there reaches the host disk). The kernel
    cannot swap the connection file the grader writes for a symlink.
    """

    def __init__(self, *, memory_mb=4096, fsize_mb=256, output_cap=65536,
                 startup_timeout=60.0, kernel_user=None, sandbox=None, cpu_seconds=0,
                 budget=None):
        self.memory_mb = int(memory_mb)
        self.budget = budget
        self.group = None
        self._last = (None, None)   # over_budget() and peak_memory_mb() of a closed session
        self.sandbox = sandbox
        self.cpu_seconds = int(cpu_seconds)
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
            self._root = tempfile.mkdtemp(prefix="gdlab-grade-",
                                          dir=grading_tmpdir(self.sandbox is not None))
            self.workdir = os.path.join(self._root, "work")
            os.mkdir(self.workdir, 0o700)
            os.mkdir(os.path.join(self._root, "ipc"), 0o700)
            if user is not None:
                os.chmod(self._root, 0o711)  # the kernel may pass through, not list
                os.chown(self.workdir, user.uid, user.gid)
                os.chown(os.path.join(self._root, "ipc"), user.uid, user.gid)
        if self.budget is not None and self.group is None:
            self.group = choose_mechanism().create(self.budget)
        ipython_dir = os.path.join(self.workdir, ".ipython")
        if self.sandbox is None and not os.path.isdir(ipython_dir):
            # (in a sandbox the working folder is a fresh tmpfs: IPython makes it there)
            os.mkdir(ipython_dir, 0o700)
            if user is not None:
                os.chown(ipython_dir, user.uid, user.gid)
        self._starts += 1
        km = _LimitedKernelManager(kernel_name="python3")
        km.kernel_user = user
        km.group = self.group
        km.connection_file = os.path.join(self._root, f"kernel-{self._starts}.json")
        if self.sandbox is not None:
            # No network in the sandbox: ZeroMQ over Unix sockets in the kernel's folder.
            km.sandbox, km.conn_dir, km.work_dir = self.sandbox, self._root, self.workdir
            km.transport = "ipc"
            km.ip = os.path.join(self._root, "ipc", f".kernel-{self._starts}-ipc")
            km.launch_limits = (self.memory_mb, self.fsize_mb, sandbox_limits.MAX_PROCESSES,
                                sandbox_limits.MAX_OPEN_FILES, self.cpu_seconds)
        else:
            km.launch_limits = (self.memory_mb, self.fsize_mb, 0, 0, 0)
        self._km = km
        try:
            # The kernel's own chatter (and fd 2 of learner code) must not garble the grader's
            # progress bar; learner output reaches us through iopub anyway.
            await km.start_kernel(cwd=self.workdir,
                                  env=_kernel_env(ipython_dir, self.workdir, user,
                                                  self.sandbox is not None),
                                  stdout=subprocess.DEVNULL, stderr=_kernel_stderr())
            if self.group is not None:
                self.group.started(km.provisioner.pid)
            kc = km.client()
            _cap_iopub(kc)
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
        try:
            await self._stop(kc, km)
        finally:
            if km is not None and self.sandbox is not None and self.kernel_user is not None:
                await _wait_until_gone(self.kernel_user.uid)

    async def _stop(self, kc, km):
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
        """Stop the kernel and delete the working directory (also when the stop is
        cancelled half-way, e.g. by Ctrl-C: a sandbox left behind dies with the grader)."""
        try:
            await self._stop_kernel()
        finally:
            if self.group is not None:
                self._last = (self.group.over_budget(), self.group.peak_mb())
                self.group.remove()
                self.group = None
            if self._root is not None:
                # rmtree does not follow symlinks the kernel may have left in work/
                shutil.rmtree(self._root, ignore_errors=True)
                self._root = self.workdir = None

    async def _interrupt(self):
        if self.sandbox is None:
            await self._km.interrupt_kernel()  # SIGINT to the kernel's process group
            return
        # A signal to the process group would end bwrap (and the sandbox) instead; ipykernel
        # interrupts itself when asked on the control channel.
        msg = self._kc.session.msg("interrupt_request", content={})
        self._kc.control_channel.send(msg)

    def over_budget(self):
        """'memory' or 'processes' once the session's budget stopped something, else None."""
        return self._last[0] if self.group is None else self.group.over_budget()

    def peak_memory_mb(self):
        """The most memory the session's processes held together (None: not measured)."""
        return self._last[1] if self.group is None else self.group.peak_mb()

    async def _reconnect_iopub(self):
        """A fresh IOPub socket (ZeroMQ may not reconnect one that refused a message), ready
        once a status message of the kernel came through it."""
        kc = self._kc
        kc.iopub_channel.stop()
        kc._iopub_channel = None
        kc.iopub_channel.start()
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            kc.kernel_info()
            try:
                await kc.get_iopub_msg(timeout=0.2)
            except (queue.Empty, asyncio.TimeoutError, TimeoutError):
                continue
            while True:  # what is left of the nudges
                try:
                    await kc.get_iopub_msg(timeout=0.2)
                except (queue.Empty, asyncio.TimeoutError, TimeoutError):
                    return

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
        replied = False
        while True:
            now = time.monotonic()
            if interrupted_at is None and now >= deadline:
                interrupted_at = now
                result.status = TIMEOUT
                try:
                    await self._interrupt()
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
                # The idle status was in a message IOPub dropped (over MAX_MESSAGE): the
                # reply has come and IOPub stayed quiet for a whole poll since.
                if replied and interrupted_at is None:
                    result.truncated = True
                    await self._reconnect_iopub()
                    break
                replied = replied or await _replied(kc, msg_id)
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
