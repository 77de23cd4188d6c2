"""The seccomp filter every sandboxed kernel runs under (bwrap ``--seccomp FD``).

A grading kernel computes: it never needs to make namespaces, trace other processes, use
the kernel's keyrings, mount file systems, load BPF programs or kernel modules, or open
perf counters, and each of those is a path to the host kernel's less-tested code. The list
follows Flatpak's default filter (flatpak-run.c) where it applies to a batch kernel.

The filter is a classic BPF program (``struct sock_filter`` records, as
``prctl(PR_SET_SECCOMP)`` takes them) written here instead of through libseccomp, so the
grader needs no extra package. It allows everything except:

* the blocked system calls below, which fail with EPERM;
* ``clone`` with any namespace flag (EPERM) and ``clone3`` (ENOSYS: its flags sit in
  memory a filter cannot read, and glibc falls back to ``clone`` when it is missing);
* every system call made through another ABI than the machine's own (32-bit x86 through
  ``int 0x80``, x32): those have other numbers, which this list would not catch.

Only x86_64 and aarch64 are described; elsewhere :func:`seccomp_program` returns None and
the sandbox runs without the filter.
"""
import errno
import platform
import struct

__all__ = ["seccomp_program", "BLOCKED"]

# System call numbers: (x86_64, aarch64), from the kernel's unistd headers.
BLOCKED = {
    "unshare": (272, 97), "setns": (308, 268),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "chroot": (161, 51),
    "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430),
    "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "kcmp": (312, 272),
    "add_key": (248, 217), "request_key": (249, 218), "keyctl": (250, 219),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294),
    "syslog": (103, 116), "acct": (163, 89), "quotactl": (179, 60),
    "swapon": (167, 224), "swapoff": (168, 225), "reboot": (169, 142),
    "sethostname": (170, 161), "setdomainname": (171, 162),
    "name_to_handle_at": (303, 264), "open_by_handle_at": (304, 265),
    "lookup_dcookie": (212, 18),
}
_CLONE, _CLONE3 = (56, 220), (435, 435)
# CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET (clone's low byte
# is the exit signal, so CLONE_NEWTIME, 0x80, cannot be asked for through clone).
_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | \
    0x20000000 | 0x40000000

# audit architecture of each machine, and the index of its numbers in BLOCKED
_ARCHES = {"x86_64": (0xC000003E, 0), "amd64": (0xC000003E, 0),
           "aarch64": (0xC00000B7, 1), "arm64": (0xC00000B7, 1)}
_X32_BIT = 0x40000000

# BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h)
_LD_W_ABS = 0x20             # BPF_LD | BPF_W | BPF_ABS
_JEQ, _JGE, _JSET = 0x15, 0x35, 0x45   # BPF_JMP | BPF_{JEQ,JGE,JSET} | BPF_K
_RET = 0x06                  # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000
# offsets in struct seccomp_data: nr, arch, then the low 32 bits of args[0] (little endian)
_NR, _ARCH, _ARG0 = 0, 4, 16


def _assemble(code):
    """Pack a program whose jump targets are labels: ("jeq", k, "label_true", "label_false"),
    ("ld", offset), ("ret", value) and ("label", name)."""
    where, n = {}, 0
    for op in code:
        if op[0] == "label":
            where[op[1]] = n
        else:
            n += 1
    out, i = [], 0
    for op in code:
        if op[0] == "label":
            continue
        i += 1
        if op[0] == "ld":
            out.append(struct.pack("HBBI", _LD_W_ABS, 0, 0, op[1]))
        elif op[0] == "ret":
            out.append(struct.pack("HBBI", _RET, 0, 0, op[1]))
        else:
            kind, k, yes, no = op
            jt, jf = (0 if t is None else where[t] - i for t in (yes, no))
            assert 0 <= jt < 256 and 0 <= jf < 256, "jump out of range"
            out.append(struct.pack("HBBI", {"jeq": _JEQ, "jge": _JGE, "jset": _JSET}[kind],
                                   jt, jf, k))
    return b"".join(out)


def seccomp_program(machine=None):
    """The filter as bytes for ``bwrap --seccomp``, or None for a machine not described."""
    arch = _ARCHES.get((machine or platform.machine()).lower())
    if arch is None:
        return None
    audit_arch, col = arch
    code = [("ld", _ARCH), ("jeq", audit_arch, None, "deny"), ("ld", _NR)]
    if col == 0:
        code.append(("jge", _X32_BIT, "deny", None))
    for numbers in sorted(BLOCKED.values()):
        code.append(("jeq", numbers[col], "deny", None))
    code += [("jeq", _CLONE3[col], "nosys", None),
             ("jeq", _CLONE[col], None, "allow"),
             ("ld", _ARG0), ("jset", _NAMESPACE_FLAGS, "deny", "allow"),
             ("label", "allow"), ("ret", _ALLOW),
             ("label", "deny"), ("ret", _ERRNO | errno.EPERM),
             ("label", "nosys"), ("ret", _ERRNO | errno.ENOSYS)]
    return _assemble(code)
