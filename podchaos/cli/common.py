"""What the commands share: the help formatter, progress lines, durations, output files, scenario files."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from podchaos.errors import ReportError

if TYPE_CHECKING:
    from podchaos.model import Scenario

    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the descriptions' line breaks."""


def add_command(
    commands: Commands,
    name: str,
    handler: Callable[[argparse.Namespace], int],
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    """A command's parser: ``summary`` in ``podchaos --help``, ``description`` in its own help;
    ``handler(args)`` runs it and returns the exit status."""
    parser = commands.add_parser(name, help=summary, description=description, formatter_class=Formatter)
    parser.set_defaults(handler=handler)
    return parser


OUTPUT_FORMATS = ("text", "json")


def add_output_format(parser: argparse.ArgumentParser) -> None:
    """``-o/--output text|json`` of a command that lists: lines for people, or one JSON document (a
    list of objects) for programs, as ``kubectl get -o json`` gives."""
    parser.add_argument(
        "-o",
        "--output",
        choices=OUTPUT_FORMATS,
        default="text",
        help="text (default): one line each; json: one JSON list of objects on stdout",
    )


def print_listing(
    output: str, items: Sequence[Mapping[str, Any]], lines: Sequence[str], empty: str = ""
) -> None:
    """A listing in the format ``-o`` chose: ``items`` as JSON, else ``lines`` (``empty`` when none)."""
    if output == "json":
        print(json.dumps([dict(item) for item in items], indent=2))
    else:
        print("\n".join(lines) or empty)


def progress(message: str) -> None:
    """A progress line on stderr."""
    print(f"podchaos: {message}", file=sys.stderr, flush=True)


def duration(text: str) -> float:
    """A command-line duration (90s, 30m, 2h) in seconds."""
    from podchaos.loader import parse_duration

    seconds = parse_duration(text)
    if seconds is None:
        raise argparse.ArgumentTypeError(f"expected a duration such as 90s, 30m or 2h, got {text!r}")
    return seconds


def write_output(output: Path, text: str) -> None:
    """Write an output file whole; ReportError naming it when that fails."""
    from podchaos.report.files import write_atomically

    try:
        write_atomically(output, text)
    except OSError as exc:
        raise ReportError(f"cannot write {output}: {exc.strerror or exc}") from exc


def load_all(files: Sequence[str], directories: Sequence[str], builtin: bool) -> list[Scenario]:
    """The scenarios of ``files``; with none, those of the directories (and the built-in catalogue)."""
    from podchaos.catalogue import builtin_scenario_dir, discover, load

    if files:
        return [load(Path(file)) for file in files]
    found = discover([*([builtin_scenario_dir()] if builtin else []), *(Path(d) for d in directories)])
    return [load(path) for path in found.values()]
