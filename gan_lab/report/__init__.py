"""`python -m gan_lab.report DIR [DIR ...]`: tables (report.md, report.csv) and plots of the runs and
multiruns in DIR, grouped into configurations and swept levels, with mean ± std over seeds."""

from gan_lab.report.build import build_report
from gan_lab.report.errors import ReportError

__all__ = ["ReportError", "build_report"]
