"""One memory and process budget per submission, for all of its processes together.

Per-process limits (RLIMIT_AS, RLIMIT_NPROC) let a kernel that forks hold many times its
share; a budget counts the kernel, its children and the tmpfs pages they write (its /tmp,
/dev/shm and working folder) as one. It is enforced by the first mechanism that works here,
chosen once per grading run:

1. **cgroup v2**, where the grader's own cgroup has the ``memory`` and ``pids`` controllers
   and lets it make a child group (a delegated subtree, or root in a container);
2. **cgroup v1**, where the ``memory`` and ``pids`` hierarchies are mounted and writable
   (a child of the grader's own group in each);
3. else a **watchdog** thread in the grader that sums the resident memory and threads of
   the sandbox's processes every 0.1 s and kills the sandbox over budget (it cannot stop a
   fork; a one-line warning says this mechanism is in use).

Each submission gets its own group (``gdlab-<pid>-<n>``), made before its kernel starts
and removed after (killing whatever is left in it), also when grading is cancelled. The
kernel enters it through a shell that writes its own pid into the group and then execs
the sandbox, so no learner code ever runs outside it.
"""
import itertools
import os
import re
import signal
import sys
import threading
import time

__all__ = ["Budget", "parse_memory", "choose_mechanism", "MEMORY_MB", "MAX_PROCS",
           "WATCHDOG_WARNING"]

MEMORY_MB = 2048
MAX_PROCS = 128          # tasks: threads count too (ipykernel alone runs about 10)
MIN_MEMORY_MB = 256      # a kernel with numpy and matplotlib needs about 150 MB
MIN_PROCS = 32
WATCHDOG_PERIOD = 0.1

WATCHDOG_WARNING = (
    "gdlab grade: warning: no writable cgroup (v2 delegated subtree or v1 memory+pids) "
    "here, so each submission's memory and process budget is kept by a watchdog that "
    "checks every 0.1 s (a fast allocation can overshoot it; forks are not refused). "
    "Run the grader as root, or in a cgroup it may manage, for kernel-enforced budgets.")


def parse_memory(text):
    """'2G', '1536M', '1.5GB', '2048' (MB) -> megabytes; ValueError saying what is valid."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([MmGg](?:i?[Bb])?)?\s*", str(text))
    if match is None:
        raise ValueError(f"invalid memory budget {text!r} (write it like 2G, 1536M or "
                         "2048, in megabytes)")
    value = float(match[1]) * (1024 if (match[2] or "m")[0] in "Gg" else 1)
    if not value >= MIN_MEMORY_MB:
        raise ValueError(f"memory budget {text!r} is below {MIN_MEMORY_MB} MB, too little "
                         "for a kernel with numpy and matplotlib")
    return int(value)


def _read(path):
    with open(path, encoding="ascii") as fh:
        return fh.read()


def _write(path, text):
    with open(path, "w", encoding="ascii") as fh:
        fh.write(text)


def _counter(path, key):
    """The number after ``key`` in a flat keyed file (memory.events, memory.oom_control)."""
    try:
        for line in _read(path).splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _own_cgroups():
    """{controller or '' (v2): path of this process's group}, from /proc/self/cgroup."""
    out = {}
    for line in _read("/proc/self/cgroup").splitlines():
        _, controllers, path = line.split(":", 2)
        for c in controllers.split(",") if controllers else [""]:
            out[c] = path
    return out


def _mounts():
    """{controller or '' (v2): mount point} of the cgroup file systems."""
    out = {}
    for line in _read("/proc/self/mountinfo").splitlines():
        left, _, right = line.partition(" - ")
        fstype, _, options = right.split(" ", 2)
        mount_point = left.split()[4]
        if fstype == "cgroup2":
            out.setdefault("", mount_point)
        elif fstype == "cgroup":
            for opt in options.split(" ")[-1].split(","):
                if opt in ("memory", "pids"):
                    out.setdefault(opt, mount_point)
    return out


_names = itertools.count()


class _Group:
    """One submission's cgroup: ``dirs`` are its folders (one in v2, memory and pids in v1)."""

    def __init__(self, mechanism, dirs):
        self.mechanism, self.dirs = mechanism, dirs
        self.killed = False

    def wrap(self, argv):
        """``argv`` run from inside the group."""
        script = 'for f; do [ "$f" = -- ] && break; echo $$ >"$f" || exit 126; shift; done; ' \
                 'shift; exec "$@"'
        procs = [os.path.join(d, "cgroup.procs") for d in self.dirs]
        return ["/bin/sh", "-c", script, "gdlab-budget", *procs, "--", *argv]

    def started(self, pid):
        pass

    def over_budget(self):
        """'memory' once the kernel's OOM killer has acted in the group, else None."""
        if self.mechanism.version == 2:
            hit = _counter(os.path.join(self.dirs[0], "memory.events"), "oom_kill")
        else:
            hit = _counter(os.path.join(self.dirs[0], "memory.oom_control"), "oom_kill")
        return "memory" if hit else None

    def peak_mb(self):
        name = "memory.peak" if self.mechanism.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int(_read(os.path.join(self.dirs[0], name))) / 2**20
        except (OSError, ValueError):
            return None

    def _pids(self):
        found = set()
        for d in self.dirs:
            try:
                found.update(int(p) for p in _read(os.path.join(d, "cgroup.procs")).split())
            except (OSError, ValueError):
                pass
        return found

    def remove(self, timeout=10.0):
        """Kill what is left in the group and delete it (best effort, never raises)."""
        deadline = time.monotonic() + timeout
        if self.mechanism.version == 2:
            try:
                _write(os.path.join(self.dirs[0], "cgroup.kill"), "1")
            except OSError:
                pass
        while True:
            left = self._pids()
            if not left or time.monotonic() > deadline:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)
        for d in self.dirs:
            while True:
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)


class _CgroupMechanism:
    def __init__(self, version, parents):
        self.version, self.parents = version, parents
        self.name = f"cgroup v{version}"

    def create(self, budget):
        name = f"gdlab-{os.getpid()}-{next(_names)}"
        dirs = [os.path.join(p, name) for p in self.parents]
        made = []
        try:
            for d in dirs:
                os.mkdir(d, 0o700)
                made.append(d)
            memory = str(budget.memory_mb << 20)
            if self.version == 2:
                _write(os.path.join(dirs[0], "memory.max"), memory)
                _write(os.path.join(dirs[0], "pids.max"), str(budget.max_procs))
                if os.path.exists(os.path.join(dirs[0], "memory.swap.max")):
                    _write(os.path.join(dirs[0], "memory.swap.max"), "0")
            else:
                _write(os.path.join(dirs[0], "memory.limit_in_bytes"), memory)
                memsw = os.path.join(dirs[0], "memory.memsw.limit_in_bytes")
                if os.path.exists(memsw):  # no swapping past the budget either
                    _write(memsw, memory)
                _write(os.path.join(dirs[1], "pids.max"), str(budget.max_procs))
        except OSError:
            for d in made:
                try:
                    os.rmdir(d)
                except OSError:
                    pass
            raise
        return _Group(self, dirs)


def _cgroup_v2():
    mount, own = _mounts().get(""), _own_cgroups().get("")
    if mount is None or own is None:
        return None
    parent = os.path.normpath(mount + "/" + own)
    try:
        enabled = _read(os.path.join(parent, "cgroup.subtree_control")).split()
        if not {"memory", "pids"} <= set(enabled):
            _write(os.path.join(parent, "cgroup.subtree_control"), "+memory +pids")
    except OSError:
        return None
    return _CgroupMechanism(2, [parent])


def _cgroup_v1():
    mounts, own = _mounts(), _own_cgroups()
    if "memory" not in mounts or "pids" not in mounts:
        return None
    parents = [os.path.normpath(mounts[c] + "/" + own.get(c, "/")) for c in ("memory", "pids")]
    return _CgroupMechanism(1, parents)


class _WatchedGroup:
    """The watchdog's stand-in for a cgroup: a thread that sums the memory and threads of
    the sandbox's process tree and kills its root over budget."""

    def __init__(self, budget):
        self.budget, self.exceeded, self.peak = budget, None, 0.0
        self._stop = threading.Event()
        self._thread = None

    def wrap(self, argv):
        return list(argv)

    def started(self, pid):
        self._stop.set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(pid, self._stop),
                                        daemon=True, name="gdlab-budget-watchdog")
        self._thread.start()

    def _watch(self, root, stop):
        page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
        while not stop.wait(WATCHDOG_PERIOD):
            pids = _tree(root)
            if not pids:
                return
            rss, tasks = 0.0, 0
            for pid in pids:
                try:
                    rss += int(_read(f"/proc/{pid}/statm").split()[1]) * page_mb
                    tasks += len(os.listdir(f"/proc/{pid}/task"))
                except (OSError, ValueError, IndexError):
                    pass
            self.peak = max(self.peak, rss)
            if rss > self.budget.memory_mb or tasks > self.budget.max_procs:
                self.exceeded = "memory" if rss > self.budget.memory_mb else "processes"
                try:
                    os.kill(root, signal.SIGKILL)
                except OSError:
                    pass
                return

    def over_budget(self):
        return self.exceeded

    def peak_mb(self):
        return self.peak

    def remove(self, timeout=10.0):
        self._stop.set()


def _tree(root):
    """``root`` and every process below it (a PID namespace's orphans stay below its init)."""
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                ppid = int(_read(f"/proc/{name}/stat").rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(name))
    if not os.path.exists(f"/proc/{root}"):
        return []
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


class _Watchdog:
    name = "watchdog"

    def create(self, budget):
        return _WatchedGroup(budget)


class Budget:
    """What one submission may use together: ``memory_mb`` and ``max_procs`` (tasks)."""

    def __init__(self, memory_mb=MEMORY_MB, max_procs=MAX_PROCS):
        for name, value, low in (("memory budget", memory_mb, MIN_MEMORY_MB),
                                 ("process budget", max_procs, MIN_PROCS)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"Invalid {name}: {value!r} (must be a whole number >= "
                                 f"{low})")
        self.memory_mb, self.max_procs = memory_mb, max_procs

    def __repr__(self):
        return f"Budget(memory_mb={self.memory_mb}, max_procs={self.max_procs})"


_chosen = {}


def choose_mechanism(stream=None):
    """The mechanism for this process (cached): a cgroup v2 or v1 one whose test group
    could be made and limited, else the watchdog (with its one-line warning)."""
    if "m" in _chosen:
        return _chosen["m"]
    probe = Budget()
    for find in (_cgroup_v2, _cgroup_v1) if sys.platform.startswith("linux") else ():
        try:
            mechanism = find()
            if mechanism is not None:
                mechanism.create(probe).remove()
                _chosen["m"] = mechanism
                return mechanism
        except (OSError, ValueError):
            continue
    print(WATCHDOG_WARNING, file=stream or sys.stderr, flush=True)
    _chosen["m"] = _Watchdog()
    return _chosen["m"]
