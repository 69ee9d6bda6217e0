"""HTML reports: a side-by-side page per pair, a page per checked document, a paginated scan report.

Every page is one self-contained file (style and script inline, nothing fetched)
with a JSON twin one link away. Document text, titles, ids and bylines are
untrusted: every character is escaped, and each page's Content-Security-Policy
lets only its own inline script run.
"""
from __future__ import annotations

from .render import (
    DEFAULT_PAGE_SIZE,
    check_json,
    content_security_policy,
    iter_scan_files,
    render_check,
    render_pair,
    render_scan,
    render_scan_page,
    render_template,
    report_targets,
    scan_json,
    scan_report_dir,
    sort_clusters,
    write_check_report,
    write_pair_report,
    write_scan_report,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "check_json",
    "content_security_policy",
    "iter_scan_files",
    "render_check",
    "render_pair",
    "render_scan",
    "render_scan_page",
    "render_template",
    "report_targets",
    "scan_json",
    "scan_report_dir",
    "sort_clusters",
    "write_check_report",
    "write_pair_report",
    "write_scan_report",
]
