"""Open a run's report.html in headless Chromium (network off), check it, screenshot each section.

    python experiments/screenshot_report.py RUN_DIR OUTDIR [--rebuild]

Writes the report first when it is missing (or with --rebuild), then prints the load time, any
page errors, unrendered figures and the PNG paths. Exit status 1 when the page has problems.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.browser import check_page, find_chromium, screenshot_sections  # noqa: E402
from research.run_folder.layout import REPORT  # noqa: E402
from research.viz.report import write_report  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--rebuild", action="store_true", help="rewrite report.html first")
    args = parser.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        print("chromium not found: install it (apt-get install chromium) or set $CHROMIUM",
              file=sys.stderr)
        return 2
    report = args.run_dir / REPORT
    if args.rebuild or not report.is_file():
        report = write_report(args.run_dir)
    print(f"report: {report} ({report.stat().st_size / 1e6:.1f} MB)")
    check = check_page(report, chromium)
    drawn = (f"every figure drawn after {check.rendered_ms / 1000:.2f} s"
             if check.rendered_ms is not None else "figures not all drawn")
    print(f"opened (load event) in {check.load_ms / 1000:.2f} s; {drawn}")
    problems = [f"page error: {e}" for e in check.errors]
    problems += [f"figure not rendered in section {s}" for s in check.unrendered]
    problems += [f"external resource requested: {r}" for r in check.external]
    shots, load_seconds = screenshot_sections(report, args.out_dir, chromium)
    print(f"screenshots: {len(shots)} sections (page loaded in {load_seconds:.1f} s)")
    for path in shots:
        print(f"  {path}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(check.figures)} figures, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
