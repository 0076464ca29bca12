"""`sweeper=study` (Hydra's `hydra/sweeper=study`): Hydra's basic sweeper, made resumable (gan_lab's default).

The same cartesian product of values as the basic sweeper, with three differences:
- each member's directory is named by its overrides (gan_lab.study.members.member_name), not by
  its job number, so that it stays put when the study is re-run or extended;
- members whose results.json says `completed` are not launched again (their files stay untouched);
  `failed` and `diverged` ones neither, unless `retry=failed`; a member with a checkpoint resumes
  from it; the others run;
- the study's ledger (study.yaml) keeps every member any invocation planned, for the report.
Hydra itself cannot resume a sweep (facebookresearch/hydra#1407).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf

from gan_lab.study.members import StudyMismatch, plan_study, retire, write_ledger

log = logging.getLogger(__name__)

RETRY_CHOICES = (None, "failed")


class StudySweeper(BasicSweeper):
    """A basic sweeper that keeps what a study has already done (module docstring)."""

    def __init__(self, max_batch_size: int | None = None, params: dict[str, str] | None = None) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)

    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        retry = self.config.get("retry")
        if retry not in RETRY_CHOICES:
            raise HydraException(f"retry={retry}: expected retry=failed (run the failed and diverged members again) or no retry")
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        overrides = parser.parse_overrides(self._parse_config() + list(arguments))
        jobs = [job for batch in self.split_arguments(overrides, None) for job in batch]
        swept_keys = {override.get_key_element().lstrip("+~") for override in overrides if override.is_sweep_override()}

        study_dir = Path(self.config.hydra.sweep.dir)
        try:
            plan, ledger = plan_study(study_dir, jobs, swept_keys, retry_failed=retry == "failed")
        except StudyMismatch as err:
            raise HydraException(str(err)) from None
        study_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, study_dir / "multirun.yaml")
        write_ledger(study_dir, ledger)
        log.info(plan.summary())
        for name in plan.retried:
            log.info("retry=failed: %s moved to %s; it runs again from the start", name, retire(study_dir, name))

        # Each job is told its directory: `hydra.sweep.subdir` as a Hydra override of that job only.
        batch_jobs = [[*plan.members[name], f"hydra.sweep.subdir='{name}'"] for name in plan.to_run]
        self.overrides = list(self.split_overrides_to_chunks(batch_jobs, self.max_batch_size)) if batch_jobs else []
        self.batch_index = 0
        returns = []
        initial_job_idx = 0
        while not self.is_done():
            batch = self.get_job_batch()
            tic = time.perf_counter()
            self.validate_batch_is_legal(batch)
            log.debug("validated %d jobs in %.2f s", len(batch), time.perf_counter() - tic)
            results = self.launcher.launch(batch, initial_job_idx=initial_job_idx)
            for result in results:
                _ = result.return_value  # re-raises a member's exception, as the basic sweeper does
            initial_job_idx += len(batch)
            returns.append(results)
        return returns
