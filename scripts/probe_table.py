"""One table of what the probes say across published studies, from each study's `probes.csv`.

    python scripts/probe_table.py                          # every docs/studies/<study>/ with probes
    python scripts/probe_table.py docs/studies/noise_sweep docs/studies/missing_sweep
    python scripts/probe_table.py --write docs/probes.md   # refresh the table between its markers there

A row per study and configuration (its sweep level included): D's accuracy under attack (`d_attack`,
the worst case over FGSM and PGD, real and generated images together) at ε = 0, 1/255 and 2/255;
the fraction of D's correct decisions flipped at 2/255 when it is shown the inputs it was trained on
(`d_attack_as_trained`: held-out images through the run's corruption, G's samples through
AmbientGAN's measurement when the run had one);
the FID with a quarter of the latent missing (`latent_dropout` p = 0.25) and with the latent
truncated to s = 0.75 (`latent_scale`), each divided by the unperturbed FID; G's worst-case
latent change over a random one of the same norm (`g_attack`, ‖δ‖ = 0.5); and how well D's output
tells its training images from held-out ones (`d_overfit`'s membership AUC, 0.5 = not at all). Every number is the
report's mean over seeds; the FID ratios are ratios of those means. A probe or level a study did not
record is left as "–".
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STUDIES = REPO / "docs" / "studies"
BEGIN, END = "<!-- probe_table: begin -->", "<!-- probe_table: end -->"

# (header, probe, metric, probe level, probe level to divide by or None)
COLUMNS = [
    ("D acc. ε=0", "d_attack", "accuracy", 0.0, None),
    ("D acc. 1/255", "d_attack", "accuracy", 1 / 255, None),
    ("D acc. 2/255", "d_attack", "accuracy", 2 / 255, None),
    ("flipped 2/255, as trained", "d_attack_as_trained", "success", 2 / 255, None),
    ("FID × 25 % latent missing", "latent_dropout", "fid", 0.25, 0.0),
    ("FID × truncation 0.75", "latent_scale", "fid", 0.75, 1.0),
    ("G worst ÷ random (‖δ‖ 0.5)", "g_attack", "worst_to_random", 0.5, None),
    ("D membership AUC", "d_overfit", "membership_auc", 0.0, None),
]


def read_probes_csv(study: Path) -> dict[str, dict[tuple[str, str, float], tuple[float, int]]]:
    """{row label: {(probe, metric, probe level): (mean, seeds)}} from a study's probes.csv, the rows
    sorted by configuration, then by sweep level."""
    rows: dict[tuple[str, float], dict] = {}
    labels: dict[tuple[str, float], str] = {}
    with open(study / "probes.csv", newline="") as f:
        for record in csv.DictReader(f):
            key = (record["configuration"], float(record["level"]) if record["level_key"] else -math.inf)
            labels[key] = record["configuration"] + (f" @ {record['level_key']}={key[1]:g}" if record["level_key"] else "")
            value = (float(record["mean"]), int(record["n"]))
            rows.setdefault(key, {})[(record["probe"], record["metric"], float(record["probe_level"]))] = value
    return {labels[key]: rows[key] for key in sorted(rows)}


def lookup(cells: dict, probe: str, metric: str, level: float) -> tuple[float, int] | None:
    for (p, m, at), value in cells.items():
        if p == probe and m == metric and math.isclose(at, level, rel_tol=1e-9, abs_tol=1e-12):
            return value
    return None


def cell(cells: dict, probe: str, metric: str, level: float, reference: float | None) -> str:
    value = lookup(cells, probe, metric, level)
    if value is None:
        return "–"
    if reference is None:
        return f"{value[0]:.2f}"
    base = lookup(cells, probe, metric, reference)
    return f"{value[0] / base[0]:.2f}" if base is not None and base[0] > 0 else "–"


def probe_table(studies: list[Path]) -> str:
    lines = [
        "| study | configuration | seeds | " + " | ".join(header for header, *_ in COLUMNS) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in COLUMNS) + " |",
    ]
    for study in studies:
        for label, cells in read_probes_csv(study).items():
            seeds = max(n for _, n in cells.values())
            values = [cell(cells, *column[1:]) for column in COLUMNS]
            lines.append(f"| {study.name} | {label} | {seeds} | " + " | ".join(values) + " |")
    return "\n".join(lines) + "\n"


def write_between_markers(document: Path, table: str) -> None:
    text = document.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{document} has no '{BEGIN}' … '{END}' block to write the table into")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    document.write_text(f"{head}{BEGIN}\n{table}{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("studies", nargs="*", type=Path, help="study directories (default: docs/studies/* with probes.csv)")
    parser.add_argument("--write", type=Path, help="a Markdown file whose probe_table block to replace")
    args = parser.parse_args(argv)
    studies = args.studies or sorted(path.parent for path in STUDIES.glob("*/probes.csv"))
    missing = [str(study) for study in studies if not (study / "probes.csv").is_file()]
    if missing:
        print(f"no probes.csv in {', '.join(missing)}: probe the study (gan_lab.evaluate study=…) and report it", file=sys.stderr)
        return 2
    table = probe_table(studies)
    if args.write:
        write_between_markers(args.write, table)
    else:
        print(table, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
