"""Offline HTML reports for run folders: plain-data loading, plotly figures, page assembly.

Everything here reads the files a run wrote (never live models), so a report can be rebuilt for
any old run folder, and every page works with the network off (plotly.js is embedded once).
"""

from __future__ import annotations

from research.viz.classify_html import render_classification_html
from research.viz.index import write_index
from research.viz.report import write_report

__all__ = ["render_classification_html", "write_index", "write_report"]
