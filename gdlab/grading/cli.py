"""``gdlab grade SUBMISSION... --out DIR``: the command line of the batch grader.

Mounted by ``gdlab.cli`` as the ``grade`` subcommand through :func:`add_arguments` and
:func:`run`. Exit status: 0 when every submission got a row (whatever its grade), 1 when
the grader itself failed on some submission, 2 for a usage problem (missing lessons folder,
missing submission file, an --out folder holding someone else's grades.json).
"""
import argparse
import sys

__all__ = ["add_arguments", "run"]


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0 seconds, got {text!r}")
    return value


def _int_at_least(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer: {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value
    return parse


def _memory(text):
    from gdlab.grading.budget import parse_memory
    try:
        return parse_memory(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_arguments(parser):
    """Add the grade options to an argparse parser."""
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                        help="submitted notebooks (.ipynb), or folders holding them")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="folder for grades.csv, grades.json, feedback/, report.html "
                             "and gradebook.csv")
    parser.add_argument("--jobs", type=_int_at_least(1), default=None, metavar="N",
                        help="kernels run at the same time (default: number of CPUs)")
    parser.add_argument("--cell-timeout", type=_positive_float, default=60.0, metavar="S",
                        help="seconds one cell may run before it is interrupted "
                             "(default: 60)")
    parser.add_argument("--notebook-timeout", type=_positive_float, default=600.0,
                        metavar="S", help="seconds a whole notebook may run (default: 600)")
    parser.add_argument("--memory-mb", type=_int_at_least(0), default=4096, metavar="M",
                        help="address-space limit of each process of a kernel in MB, 0 = none "
                             "(default: 4096)")
    parser.add_argument("--memory", type=_memory, default="2G", metavar="SIZE",
                        help="memory budget of each submission, for all its processes and "
                             "the files it writes in its sandbox together, e.g. 2G or 1536M "
                             "(default: 2G); a submission over it gets status 'memory "
                             "limit'")
    parser.add_argument("--max-procs", type=_int_at_least(32), default=128, metavar="N",
                        help="processes and threads each submission may run at once "
                             "(default: 128)")
    parser.add_argument("--kernel-user", default="auto", metavar="USER",
                        help="who runs learner code. 'auto' (default): when the grader "
                             "runs as root, each kernel drops to its own unprivileged uid "
                             "(64000+slot) before any learner code runs, so it cannot "
                             "signal the grader or other kernels nor write the installed "
                             "packages; when not root, kernels run as the grader's user "
                             "(NOT isolated; a warning says so). A user name or uid: every "
                             "kernel runs as that user (needs root). 'none': no privilege "
                             "drop")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without the bubblewrap sandbox (NOT safe against hostile "
                             "submissions: they can read the answer key, other submissions "
                             "and the grades); every row then records sandbox: none")
    parser.add_argument("--force", action="store_true",
                        help="regrade submissions that are already graded and unchanged")
    parser.add_argument("--lessons", default=None, metavar="DIR",
                        help="folder of released lesson notebooks (default: the first "
                             "lessons/ found in the working directory, the checkout gdlab "
                             "runs from, or the folder gdlab was pip-installed from)")
    parser.add_argument("--student-pattern", default=None, metavar="REGEX",
                        help="regular expression with a group (?P<student>...), searched "
                             "in each submission's absolute path (/ between folders), that "
                             "names its student for gradebook.csv and report.html (default: "
                             "the STUDENT folder of nbgrader's submitted/STUDENT/ASSIGNMENT/"
                             "x.ipynb, else STUDENT in a file named STUDENT_NN_*.ipynb)")
    parser.add_argument("--roster", default=None, metavar="CSV",
                        help="the class list exported from Canvas or Moodle (or any CSV with "
                             "a login column): submission folders are matched to it for "
                             "gradebook-canvas.csv and gradebook-moodle.csv")
    parser.add_argument("--missing", choices=("blank", "zero"), default="blank",
                        help="in the platform gradebooks, what a student on the roster who "
                             "handed nothing in gets: an empty cell (default; the platform "
                             "keeps what it has) or 0")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run(args):
    """Run the grader for parsed ``args``; returns the exit status."""
    from gdlab.grading.batch import Interrupted, grade_submissions
    from gdlab.grading.grader import GRADER_ERROR, GradeOptions
    from gdlab.grading.sandbox import SandboxUnavailable
    try:
        options = GradeOptions(cell_timeout=args.cell_timeout,
                               notebook_timeout=args.notebook_timeout,
                               memory_mb=args.memory_mb, jobs=args.jobs or 0,
                               memory_budget_mb=args.memory, max_procs=args.max_procs,
                               kernel_user=args.kernel_user, sandbox=not args.no_sandbox)
        result = grade_submissions(args.submissions, args.out, lessons_dir=args.lessons,
                                   options=options, force=args.force,
                                   progress=not args.quiet,
                                   student_pattern=args.student_pattern,
                                   roster=args.roster, missing=args.missing)
    except (FileNotFoundError, ValueError, SandboxUnavailable) as err:
        print(f"gdlab grade: {err}", file=sys.stderr)
        return 2
    except Interrupted as err:
        print(f"gdlab grade: {err}", file=sys.stderr)
        return 130
    grades = result.grades
    failed = [n for n in result.graded if grades[n].status == GRADER_ERROR]
    print(f"graded {len(result.graded)}, skipped {len(result.skipped)} (unchanged; "
          f"--force regrades them); results in {args.out}/grades.csv, report.html, "
          "gradebook.csv, gradebook-canvas.csv, gradebook-moodle.csv")
    for note in result.notes:
        print(f"gradebook: {note}", file=sys.stderr)
    for name in failed:
        print(f"grader error on {name}: see {args.out}/grades.json", file=sys.stderr)
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gdlab grade", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
