"""A bubblewrap sandbox per submission: what learner code can see, reach and use.

Every grading kernel is started as ``bwrap <options> -- python -c LAUNCHER ...``. Inside:

* its own PID, IPC, UTS and network namespaces: it sees only its own processes (a
  double-forked ``setsid`` child is still one of them, and all of them are killed when the
  kernel ends: bwrap is the namespace's init and ``--die-with-parent`` ties it to the
  grader), and it has no network at all (only loopback);
* a file system made of read-only binds of the system (``/usr``), the Python environment
  (``sys.base_prefix``, ``sys.prefix``) and the ``gdlab`` package, with the answer key
  masked (``gdlab/checks/lessonNN*.py`` appear empty, their byte code is hidden): no
  ``solutions/``, no other submission, no output folder, no home directory;
* private, size-capped ``/tmp``, ``/dev/shm`` and working folder (tmpfs, gone with the
  sandbox; their pages also count against the submission's memory budget, budget.py);
* the kernel's connection directory bound read-write: the grader talks to the kernel over
  Unix sockets there (ZeroMQ ``ipc`` transport), since the sandbox has no network;
* a seccomp filter (seccomp.py) that refuses namespaces, ptrace, keyrings, mounts, BPF,
  perf and kernel modules, and bwrap's ``--disable-userns`` where bwrap has it (it needs a
  user namespace, so only when the grader is not root; as root the filter covers it).

When the grader runs as root, bwrap keeps only CAP_SETUID/CAP_SETGID and the launcher uses
them to become the slot's own unprivileged uid before any learner code runs; otherwise
bwrap makes an unprivileged user namespace. Limits (address space per process, number of
processes, open files, CPU seconds, file size) are set by the launcher before ipykernel is
imported and are inherited by everything the kernel starts, so with the process cap the
total stays bounded.

The binds are made by root before the uid drop, so an interpreter under a home directory
other users cannot enter (e.g. pyenv in a 0700 /root) works: the sandbox's copies of the
parent directories are created world-traversable.
"""
import functools
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

from gdlab.grading.seccomp import seccomp_program

__all__ = ["Sandbox", "SandboxUnavailable", "find_sandbox", "NO_SANDBOX_WARNING",
           "TMP_MB", "SHM_MB", "WORK_MB"]

TMP_MB = 256      # private /tmp of a sandbox
SHM_MB = 64       # private /dev/shm
WORK_MB = 256     # the kernel's working folder (its HOME), a tmpfs over the host folder
MAX_PROCESSES = 256   # threads count too: ipykernel alone runs about 10
MAX_OPEN_FILES = 1024

NO_SANDBOX_WARNING = (
    "gdlab grade: warning: --no-sandbox: learner code runs WITHOUT a sandbox. It can read "
    "the answer key in the installed gdlab, the solutions, other submissions and the grades, "
    "and leave processes behind. Every row of grades.csv records 'sandbox: none'.")

_HOW_TO_GET_ONE = (
    "Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
    "bubblewrap) and run the grader as root or as a user allowed to create user "
    "namespaces (sysctl kernel.unprivileged_userns_clone=1 / "
    "user.max_user_namespaces > 0). To grade anyway, without protection against hostile "
    "submissions, pass --no-sandbox.")


class SandboxUnavailable(RuntimeError):
    """No sandbox can be made on this machine; the message says why and how to get one."""


def _gdlab_dir():
    import gdlab
    return Path(gdlab.__file__).resolve().parent


def _key_files(package_dir):
    """Files that hold the answer key: the lesson exercise modules (lessonNN.py and the
    modules of their judges, such as lesson11_decisions.py) and their byte code."""
    checks = package_dir / "checks"
    files = sorted(checks.glob("lesson[0-9][0-9]*.py"))
    cache = checks / "__pycache__"
    return files, (cache if cache.is_dir() else None)


def _other_gdlab_copies(prefixes, package_dir):
    """Installed copies of gdlab in the bound environments other than the imported one
    (e.g. a regular install in the base interpreter beside an editable one)."""
    found = []
    for prefix in prefixes:
        for pattern in ("lib/python3*/site-packages/gdlab", "lib64/python3*/site-packages/gdlab",
                        "local/lib/python3*/dist-packages/gdlab"):
            for hit in glob.glob(os.path.join(prefix, pattern)):
                p = Path(hit).resolve()
                if p != package_dir and (p / "checks").is_dir():
                    found.append(p)
    return found


def _ancestors(path):
    """'/a/b/c' -> ['/a', '/a/b'] (the directories bwrap must create to bind 'c')."""
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[:i + 1]) for i in range(len(parts))]


@functools.lru_cache(maxsize=None)
def bwrap_has_option(bwrap, option):
    """Whether the installed bwrap knows ``option`` (read from its --help, once)."""
    try:
        text = subprocess.run([bwrap, "--help"], capture_output=True, text=True,
                              timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return option in text.split()


class Sandbox:
    """Builds the bwrap command line for one kernel (see the module docstring).

    ``as_root``: the grader is root (binds as root, keeps CAP_SETUID/SETGID for the
    launcher's uid drop). The answer key and package location are read once here.
    """

    def __init__(self, bwrap, *, as_root):
        self.bwrap = bwrap
        self.as_root = as_root
        self.package_dir = _gdlab_dir()
        prefixes = []
        for p in (sys.base_prefix, sys.prefix):
            real = os.path.realpath(p)
            if real not in prefixes and not any(real.startswith(q + os.sep) for q in prefixes):
                prefixes.append(real)
        self.prefixes = prefixes
        self.key_files, self.key_cache = _key_files(self.package_dir)
        self.other_copies = _other_gdlab_copies(prefixes, self.package_dir)
        self.python = sys.executable
        self.seccomp = seccomp_program()
        # --disable-userns works inside the user namespace bwrap makes (--unshare-user).
        self.disable_userns = not as_root and bwrap_has_option(bwrap, "--disable-userns")

    def _system_binds(self):
        args = ["--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64"):
            path = f"/{name}"
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        # What Python, numpy and matplotlib read from /etc; not passwd, not the host's config.
        for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/fonts", "/etc/alternatives",
                     "/etc/ssl/certs"):
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        return args

    def _tree_binds(self, roots, made):
        args = []
        for root in roots:
            for parent in _ancestors(root):
                # Folders under /tmp too: the sandbox's /tmp is a fresh tmpfs, and a mount
                # point bwrap makes there itself is private (0700), so a kernel that has
                # dropped root could not reach a Python environment that lives under /tmp
                # (a CI checkout's .venv: "No module named 'ipykernel'").
                if parent not in made and not parent.startswith("/usr/") \
                        and parent not in ("/usr", "/tmp"):
                    args += ["--perms", "0755", "--dir", parent]
                    made.add(parent)
            args += ["--ro-bind", root, root]
            made.add(root)
        return args

    def _key_masks(self):
        args = []
        for f in self.key_files:
            args += ["--ro-bind", "/dev/null", str(f)]
        if self.key_cache is not None:
            args += ["--tmpfs", str(self.key_cache)]
        for copy in self.other_copies:
            args += ["--tmpfs", str(copy / "checks")]
        return args

    def command(self, conn_dir, inner, work_dir=None):
        """argv that runs ``inner`` (argv) inside the sandbox; ``conn_dir`` is the only host
        folder it can write (its sockets); ``work_dir``, a folder below it, is hidden under
        a size-capped tmpfs (the kernel's working folder)."""
        made = set()
        args = [self.bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-net",
                "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent",
                "--hostname", "gdlab-sandbox"]
        if self.as_root:
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            args += ["--unshare-user"]
            if self.disable_userns:
                args += ["--disable-userns"]
        args += self._system_binds()
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--size", str(SHM_MB << 20), "--perms", "1777", "--tmpfs", "/dev/shm",
                 "--size", str(TMP_MB << 20), "--perms", "1777", "--tmpfs", "/tmp"]
        roots = list(self.prefixes)
        if not any(str(self.package_dir).startswith(p + os.sep) for p in self.prefixes):
            roots.append(str(self.package_dir))
        args += self._tree_binds(roots, made)
        args += self._key_masks()
        for parent in _ancestors(conn_dir):
            if parent not in made and parent != "/tmp":
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        # The launcher enters ``workdir`` itself, after dropping to the kernel's uid (root
        # without capabilities may not enter a folder private to that uid).
        args += ["--bind", conn_dir, conn_dir]
        if work_dir is not None:
            args += ["--size", str(WORK_MB << 20), "--perms", "1777", "--tmpfs", work_dir]
        args += ["--chdir", "/tmp"]
        if self.seccomp is None:
            return args + ["--"] + list(inner)
        # bwrap reads the filter from a file descriptor: the shell opens it as fd 3.
        bpf = os.path.join(conn_dir, "seccomp.bpf")
        if not os.path.exists(bpf):
            fd = os.open(bpf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(self.seccomp)
        return ["/bin/sh", "-c", 'exec "$@" 3<"$0"', bpf, *args, "--seccomp", "3", "--",
                *inner]


@functools.lru_cache(maxsize=None)
def _probe(bwrap, as_root):
    """None when a sandbox starts Python with the course's kernel packages, else why not."""
    box = Sandbox(bwrap, as_root=as_root)
    work = Path(os.environ.get("TMPDIR", "/tmp")).resolve()
    import tempfile
    conn = tempfile.mkdtemp(prefix="gdlab-probe-", dir=work)
    try:
        imports = "import ipykernel.kernelapp, numpy, gdlab"
        if as_root:  # as the kernels will: after dropping to an unprivileged uid
            imports = ("import os; os.setgroups([]); os.setgid(65534); os.setuid(64999); "
                       + imports)
        inner = [box.python, "-c", imports]
        done = subprocess.run(box.command(conn, inner), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout or "").strip().splitlines()
            return lines[-1] if lines else f"exit status {done.returncode}"
        return None
    except (OSError, subprocess.SubprocessError) as err:
        return f"{type(err).__name__}: {err}"
    finally:
        shutil.rmtree(conn, ignore_errors=True)


def find_sandbox():
    """A :class:`Sandbox` that works here, or raise :class:`SandboxUnavailable`."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"gdlab grade needs Linux to sandbox submissions (this is "
                                 f"{sys.platform}). {_HOW_TO_GET_ONE}")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed, so submissions "
                                 f"cannot be sandboxed. {_HOW_TO_GET_ONE}")
    as_root = os.geteuid() == 0
    reason = _probe(bwrap, as_root)
    if reason is not None:
        raise SandboxUnavailable(f"bubblewrap could not start a sandbox here ({reason}). "
                                 f"{_HOW_TO_GET_ONE}")
    return Sandbox(bwrap, as_root=as_root)
