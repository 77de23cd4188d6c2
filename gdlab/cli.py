"""The ``gdlab`` command: ``gdlab release [--check]``, ``gdlab grade ...`` and
``gdlab autograder --gradescope LESSON``.

``python -m gdlab`` runs the same code. The grade subcommand belongs to
``gdlab.grading.cli`` (``add_arguments(parser)`` and ``run(args) -> int``); this module only
mounts it, so a broken or missing grader never stops ``gdlab release`` from working.
"""
import argparse
import sys
from pathlib import Path

__all__ = ["main", "build_parser"]


def _rel(path):
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _hint_level(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def _run_release(args):
    from gdlab.release import release   # standard library only: works in any Python with gdlab

    try:
        report = release(args.source, args.dest, check=args.check, max_hint=args.max_hint)
    except FileNotFoundError as err:
        print(f"gdlab release: {err}", file=sys.stderr)
        return 2
    for message in report.errors:
        print(f"error: {message}", file=sys.stderr)
    if args.check:
        for path in report.stale:
            print(f"stale: {_rel(path)} (differs from a fresh release of {args.source})")
        for path in report.missing:
            print(f"missing: {_rel(path)}")
        for path in report.extra:
            print(f"extra: {_rel(path)} (no matching notebook in {args.source})")
        if report.up_to_date:
            print(f"{args.dest} is up to date ({len(report.unchanged)} notebooks)")
            return 0
        print(f"{args.dest} is out of date: run `gdlab release`", file=sys.stderr)
        return 1
    for path in report.written:
        print(f"wrote {_rel(path)}")
    for path in report.removed:
        print(f"removed {_rel(path)} (no matching notebook in {args.source})")
    print(f"{len(report.written)} written, {len(report.unchanged)} unchanged, "
          f"{len(report.removed)} removed, {len(report.errors)} failed")
    return 1 if report.errors else 0


def _mount_grade(sub):
    help_text = "grade submitted notebooks (writes grades.csv, grades.json, feedback)"
    try:
        from gdlab.grading import cli as grading_cli
        parser = sub.add_parser("grade", help=help_text, description=help_text)
        grading_cli.add_arguments(parser)
        parser.set_defaults(func=grading_cli.run)
    except Exception as err:  # missing or broken grader: say so when it is used
        reason = f"{type(err).__name__}: {err}"
        parser = sub.add_parser("grade", help=help_text + " [unavailable]",
                                description=help_text)
        parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

        def unavailable(args):
            print("gdlab grade is not available: the grader (gdlab.grading.cli) could not "
                  f"be loaded ({reason}).", file=sys.stderr)
            return 2
        parser.set_defaults(func=unavailable)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="gdlab", description="Tools for the gdlab gradient-descent course.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    rel = sub.add_parser(
        "release", help="build lessons/ from solutions/ (solutions removed, outputs cleared)",
        description="Write lessons/NN.ipynb for every solutions/NN.ipynb: solution regions "
                    "replaced by stubs, outputs cleared, check cells locked.")
    rel.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 naming stale, missing or extra lessons")
    rel.add_argument("--source", default="solutions",
                     help="folder of solution notebooks (default: solutions)")
    rel.add_argument("--dest", default="lessons",
                     help="folder of lesson notebooks (default: lessons)")
    rel.add_argument("--max-hint", type=_hint_level, default=None, metavar="N",
                     help="let learners see at most N hints per exercise (default: all); "
                          "hint() says the instructor set the limit")
    rel.set_defaults(func=_run_release)
    _mount_grade(sub)
    auto = sub.add_parser(
        "autograder", help="build a course platform's autograder for one lesson",
        description="Build Gradescope's autograder.zip for one lesson: it grades the "
                    "submitted notebook with the same grader as `gdlab grade`.")
    auto.add_argument("--gradescope", required=True, metavar="LESSON",
                      help="the lesson: its number (03), its name or its notebook's path")
    auto.add_argument("--out", default="autograder.zip", metavar="ZIP",
                      help="where to write the zip (default: autograder.zip)")
    auto.add_argument("--lessons", default=None, metavar="DIR",
                      help="folder of released lessons (default: as for gdlab grade)")
    auto.set_defaults(func=_run_autograder)
    return parser


def _run_autograder(args):
    from gdlab.grading.gradescope import build_autograder
    try:
        path = build_autograder(args.gradescope, args.out, lessons_dir=args.lessons)
    except (FileNotFoundError, ValueError) as err:
        print(f"gdlab autograder: {err}", file=sys.stderr)
        return 2
    print(f"wrote {path}: upload it as the autograder of a Gradescope programming "
          "assignment (Ubuntu base image)")
    return 0


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
