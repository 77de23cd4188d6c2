"""Which unprivileged user each grading kernel runs as (privilege separation).

Learner code runs with the rights of its kernel's user. If that is the grader's own user,
it can kill the grader (``os.kill(os.getppid(), 9)``), signal other students' kernels or
write into the installed ``gdlab`` / numpy that later kernels import. So when the grader
runs as root, every kernel drops to another user before any learner code runs:

* ``kernel_user="auto"`` (the default): each concurrent kernel slot gets its own numeric
  uid ``AUTO_UID_BASE + slot`` (group ``nogroup``, no supplementary groups). Kernels then
  cannot signal the grader *or each other*, and can write only their own working
  directory (and world-writable places such as /tmp). When not root, kernels run as the
  grader's user and a one-time warning on stderr says they are not isolated.
* ``kernel_user="NAME"`` or ``"UID"``: every kernel runs as that one user (needs root).
  Kernels are isolated from the grader, but not from each other.
* ``kernel_user="none"``: no privilege drop (the pre-isolation behaviour).

Before the first kernel starts, a preflight runs ``python -c "import ipykernel, numpy,
gdlab"`` as the kernel user: Python installed under a directory that user cannot enter
(e.g. pyenv in a 0700 /root) would make every kernel fail. In "auto" mode that falls back
to unisolated kernels with a warning; an explicitly named user is an error instead.
"""
import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass

__all__ = ["KernelUser", "resolve_kernel_users", "validate_kernel_user", "AUTO_UID_BASE",
           "NOT_ROOT_WARNING"]

# uids 64000..64999 lie in Debian's "reserved, globally allocated" range that ordinary
# systems leave unused, and inside the 65536 ids a rootless container maps by default.
AUTO_UID_BASE = 64000
_AUTO_SLOTS = 1000

NOT_ROOT_WARNING = (
    "gdlab grade: warning: not running as root, so grading kernels run as the same user "
    "as the grader and are NOT isolated from it (learner code could stop the grader, "
    "signal other kernels or change files that user can write). Run the grader as root "
    "to give each kernel its own unprivileged user (see --kernel-user).")

_warned = set()


def _warn_once(text, stream=None):
    """Print ``text`` on stderr once per process (the grader may be built many times)."""
    if text in _warned:
        return
    _warned.add(text)
    print(text, file=stream or sys.stderr, flush=True)


@dataclass(frozen=True)
class KernelUser:
    """The identity a kernel runs as: uid, primary gid and a name for USER/LOGNAME."""

    uid: int
    gid: int
    name: str


def _nogroup():
    for name in ("nogroup", "nobody"):
        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            pass
    return 65534


def validate_kernel_user(value):
    """Check the ``kernel_user`` option: "auto", "none", a user name or a uid (>0)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"Invalid kernel_user: {value!r} (use 'auto', 'none', a user "
                         "name or a numeric uid)")
    value = value.strip()
    if value in ("auto", "none"):
        return value
    if value.isdigit():
        if int(value) == 0:
            raise ValueError("Invalid kernel_user: '0' is root, which isolates nothing "
                             "(use 'none' to turn isolation off)")
        return value
    try:
        entry = pwd.getpwnam(value)
    except KeyError:
        raise ValueError(f"Invalid kernel_user: no user named {value!r} on this machine "
                         "(use 'auto', 'none', an existing user name or a numeric uid)"
                         ) from None
    if entry.pw_uid == 0:
        raise ValueError(f"Invalid kernel_user: {value!r} is root, which isolates nothing")
    return value


def _named_user(value):
    if value.isdigit():
        uid = int(value)
        try:
            entry = pwd.getpwuid(uid)
            return KernelUser(uid, entry.pw_gid, entry.pw_name)
        except KeyError:
            return KernelUser(uid, _nogroup(), f"uid{uid}")
    entry = pwd.getpwnam(value)
    return KernelUser(entry.pw_uid, entry.pw_gid, entry.pw_name)


_preflight_cache = {}


def preflight(user, timeout=120.0):
    """Return None if ``user`` can start Python and import ipykernel, numpy and gdlab,
    otherwise a short reason. Cached per (uid, gid)."""
    key = (user.uid, user.gid)
    if key in _preflight_cache:
        return _preflight_cache[key]
    work = tempfile.mkdtemp(prefix="gdlab-preflight-")
    reason = None
    try:
        os.chown(work, user.uid, user.gid)
        env = dict(os.environ, HOME=work, USER=user.name, LOGNAME=user.name)
        try:
            done = subprocess.run(
                [sys.executable, "-c", "import ipykernel.kernelapp, numpy, gdlab.checks"],
                cwd=work, env=env, user=user.uid, group=user.gid, extra_groups=[],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
            if done.returncode != 0:
                lines = (done.stderr or "").strip().splitlines()
                reason = lines[-1] if lines else f"exit status {done.returncode}"
        except (OSError, subprocess.SubprocessError) as err:
            reason = f"{type(err).__name__}: {err}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _preflight_cache[key] = reason
    return reason


def resolve_kernel_users(kernel_user, n_slots, *, stream=None, sandboxed=False):
    """The identity of each of ``n_slots`` kernel slots, or None for "run as the grader".

    Raises ValueError when an explicitly named user cannot be used (not root, or that
    user cannot import the course's Python packages). Prints the one-time warnings.
    ``sandboxed``: kernels run in a bubblewrap sandbox, which binds the environment as
    root before the uid drop (so no preflight is needed) and, when the grader is not root,
    isolates kernels in a user namespace instead (no warning).
    """
    kernel_user = validate_kernel_user(kernel_user)
    if kernel_user == "none":
        return None
    is_root = os.geteuid() == 0
    if sandboxed:
        if not is_root:
            if kernel_user != "auto":
                raise ValueError(f"kernel_user={kernel_user!r} needs the grader to run as "
                                 "root (only root can switch users); use 'auto' or 'none'")
            return None
        if kernel_user != "auto":
            return [_named_user(kernel_user)] * n_slots
        return [KernelUser(AUTO_UID_BASE + i, _nogroup(), f"gdlab-kernel-{i}")
                for i in range(n_slots)]
    if kernel_user != "auto":
        if not is_root:
            raise ValueError(f"kernel_user={kernel_user!r} needs the grader to run as root "
                             "(only root can switch users); use 'auto' or 'none'")
        user = _named_user(kernel_user)
        reason = preflight(user)
        if reason is not None:
            raise ValueError(f"Kernels cannot run as user {kernel_user!r}: it cannot start "
                             f"Python with the course packages ({reason}). Make the Python "
                             "installation readable by that user, or use 'none'.")
        return [user] * n_slots
    if not is_root:
        _warn_once(NOT_ROOT_WARNING, stream)
        return None
    if n_slots > _AUTO_SLOTS:
        raise ValueError(f"Too many jobs for kernel_user='auto': {n_slots} (at most "
                         f"{_AUTO_SLOTS})")
    gid = _nogroup()
    users = [KernelUser(AUTO_UID_BASE + i, gid, f"gdlab-kernel-{i}") for i in range(n_slots)]
    reason = preflight(users[0])
    if reason is not None:
        _warn_once("gdlab grade: warning: kernels cannot run as an unprivileged user here "
                   f"(uid {users[0].uid} cannot start Python with the course packages: "
                   f"{reason}), so they run as root and are NOT isolated from the grader. "
                   "Make the Python installation world-readable (e.g. not under a 0700 "
                   "home directory) to enable isolation.", stream)
        return None
    return users
