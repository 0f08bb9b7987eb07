"""`magen bench NAME`: run `bench/NAME.py` (or all of them) from the source tree."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from magen.cli.common import CliError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `magen bench`; what follows its name goes to the benchmark."""
    bench = sub.add_parser("bench", help="run a benchmark from bench/ (or 'all')")
    bench.add_argument("name")
    bench.set_defaults(run_rest=_cmd_bench)


def _bench_dir() -> Path:
    here = Path(__file__).resolve().parents[3] / "bench"  # src/magen/cli/bench.py -> the tree
    for candidate in (Path.cwd() / "bench", here):
        if candidate.is_dir():
            return candidate
    raise CliError("no bench/ folder here: run from the Magen source tree")


def _cmd_bench(args: argparse.Namespace, rest: list[str]) -> int:
    bench = _bench_dir()
    names = sorted(p.stem for p in bench.glob("*.py") if not p.stem.startswith("_"))
    targets = names if args.name == "all" else [args.name]
    for name in targets:
        if name not in names:
            raise CliError(f"no benchmark {name!r}; one of: {', '.join(names)}")
    sys.path.insert(0, str(bench))
    status = 0
    for name in targets:
        print(f"== bench {name}", flush=True)
        module = importlib.import_module(name)
        status = status or int(module.main(rest) or 0)
    return status
