"""scripts/probe_table.py: the probes of many studies in one table, and docs/probes.md kept equal to it."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys

from tests.conftest import REPO

spec = importlib.util.spec_from_file_location("probe_table", REPO / "scripts" / "probe_table.py")
probe_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(probe_table)

FIELDS = ["configuration", "level_key", "level", "probe", "metric", "probe_level", "mean", "std", "n", "auc"]


def write_study(directory, rows):
    directory.mkdir(parents=True)
    with open(directory / "probes.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for configuration, level_key, level, probe, metric, probe_level, mean in rows:
            writer.writerow(dict(zip(FIELDS, [configuration, level_key, level, probe, metric, probe_level, mean, 0.1, 3, ""])))
    return directory


def test_each_configuration_is_a_row_with_accuracies_and_fid_ratios_of_the_means(tmp_path):
    study = write_study(tmp_path / "noise_sweep", [
        ("corruption.ambient=False", "corruption.level", 0.4, "d_attack", "accuracy", 0.0, 0.75),
        ("corruption.ambient=False", "corruption.level", 0.4, "d_attack", "accuracy", 1 / 255, 0.25),
        ("corruption.ambient=False", "corruption.level", 0.4, "d_attack_as_trained", "success", 2 / 255, 0.1),
        ("corruption.ambient=False", "corruption.level", 0.4, "latent_dropout", "fid", 0.0, 4.0),
        ("corruption.ambient=False", "corruption.level", 0.4, "latent_dropout", "fid", 0.25, 5.0),
        ("corruption.ambient=False", "corruption.level", 0.4, "latent_scale", "fid", 1.0, 4.0),
        ("corruption.ambient=False", "corruption.level", 0.4, "latent_scale", "fid", 0.75, 7.0),
        ("corruption.ambient=False", "corruption.level", 0.0, "g_attack", "worst_to_random", 0.5, 8.25),
        ("corruption.ambient=False", "corruption.level", 0.0, "d_overfit", "membership_auc", 0.0, 0.625),
    ])  # fmt: skip
    lines = probe_table.probe_table([study]).splitlines()
    assert len(lines) == 4  # header, rule, one row per configuration and level, the lower level first
    clean = [cell.strip() for cell in lines[2].strip("|").split("|")]
    noisy = [cell.strip() for cell in lines[3].strip("|").split("|")]
    assert clean[:3] == ["noise_sweep", "corruption.ambient=False @ corruption.level=0", "3"]
    assert clean[3:] == ["–", "–", "–", "–", "–", "–", "8.25", "0.62"]
    # 5/4 = 1.25 and 7/4 = 1.75; the clean 2/255 attack was not recorded, the as-trained one was (0.1 flipped)
    assert noisy[1:3] == ["corruption.ambient=False @ corruption.level=0.4", "3"]
    assert noisy[3:] == ["0.75", "0.25", "–", "0.10", "1.25", "1.75", "–", "–"]


def test_the_table_in_docs_probes_md_is_what_the_script_writes_from_docs_studies():
    table = probe_table.probe_table(sorted(path.parent for path in (REPO / "docs" / "studies").glob("*/probes.csv")))
    document = (REPO / "docs" / "probes.md").read_text()
    block = document.split(probe_table.BEGIN, 1)[1].split(probe_table.END, 1)[0]
    assert block == "\n" + table, "docs/probes.md is stale: run python scripts/probe_table.py --write docs/probes.md"


def test_a_study_without_probes_is_named(tmp_path):
    (tmp_path / "lr_sweep").mkdir()
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "probe_table.py"), str(tmp_path / "lr_sweep")], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "no probes.csv in" in proc.stderr and "lr_sweep" in proc.stderr
