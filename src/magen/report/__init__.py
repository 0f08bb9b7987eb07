"""The after-action report: timeline, maps at key moments, plots and measures from the log."""

from magen.report.build import ReportError, ReportFiles, build_report, write_report

__all__ = ["ReportError", "ReportFiles", "build_report", "write_report"]
