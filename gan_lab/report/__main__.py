"""Command line: `python -m gan_lab.report DIR [DIR ...] [--out OUTDIR] [--metric fid ...]`, or
`python -m gan_lab.report --findings conf/findings.yaml` for the findings page."""

from __future__ import annotations

import argparse
import sys

from gan_lab.report.build import REPORT_CSV, REPORT_MD, build_report
from gan_lab.report.errors import ReportError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m gan_lab.report",
        description="Tables and plots of gan_lab runs: one row per configuration and swept level, mean ± std "
        "(ddof=1) over completed seeds, runs that diverged, failed or are missing listed.",
    )
    parser.add_argument("dirs", nargs="*", metavar="DIR", help="run directories, multirun directories, or folders of them")
    parser.add_argument(
        "--findings",
        metavar="SPEC",
        help="build the findings page from a claims spec (conf/findings.yaml) and the study directories it names, "
        "instead of a report of DIRs",
    )
    parser.add_argument("--studies", help="with --findings: the folder of study directories (default: the spec's studies_dir)")
    parser.add_argument("--out", help="output folder (default: the first DIR if it is a multirun directory, else ./report)")
    parser.add_argument(
        "--metric",
        nargs="+",
        dest="metrics",
        metavar="NAME",
        help="metrics for report.md, the plots and the robustness ranking (default: the evaluation "
        "metrics present; robustness by fid, or mode_kl on 2-D data)",
    )
    parser.add_argument("--level", help="the swept override, e.g. corruption.level (default: found; 'none': no level)")
    parser.add_argument(
        "--ignore",
        nargs="+",
        default=[],
        metavar="KEY",
        help="override keys (and their sub-keys) to leave out of configurations, besides the seed, paths.*, hydra.* and logger",
    )
    parser.add_argument(
        "--wandb",
        action="store_true",
        help="also log the report (tables, plots, report.md) to W&B as a job_type=report run in the study's group "
        "(offline unless an API key is configured; files under OUT/wandb)",
    )
    parser.add_argument("--wandb-project", default="gan_lab", help="W&B project for --wandb (default: gan_lab)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.findings:
        return findings_main(args)
    if not args.dirs:
        print("gan_lab.report: error: give at least one DIR (or --findings SPEC)", file=sys.stderr)
        return 2
    try:
        contents = build_report(args.dirs, out=args.out, metrics=args.metrics, level=args.level, ignore=tuple(args.ignore))
    except ReportError as err:
        print(f"gan_lab.report: error: {err}", file=sys.stderr)
        return 2
    print(
        f"{len(contents.runs)} runs in {len(contents.grouping.configurations)} configurations; "
        f"wrote {REPORT_MD}, {REPORT_CSV} and {len(contents.all_figures())} figures to {contents.out}"
    )
    if args.wandb:
        from gan_lab.report.wandb_upload import upload_report

        print(f"logged the report to W&B: {upload_report(contents, project=args.wandb_project)}")
    return 0


def findings_main(args: argparse.Namespace) -> int:
    from gan_lab.report.findings import build_findings

    try:
        page = build_findings(args.findings, studies_dir=args.studies, out=args.out)
    except ReportError as err:
        print(f"gan_lab.report: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {page} and its figures in {page.parent / page.stem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
