"""What `ops alerts pull` prints: what it did (or would do), what is left for the next run, and why."""

from __future__ import annotations


def text(report) -> str:
    lines = [f"{report.origin}: {report.alerts} alert{'s' if report.alerts != 1 else ''} read"
             + (" (dry run: nothing written)" if report.dry_run else "")]
    if report.plan.problems:
        lines.append(f"{len(report.plan.problems)} problem(s); nothing was written")
    for done in report.done:
        where = f" ({done.path})" if done.path else ""
        lines.append(f"  {done.incident_id or 'new incident'}: {done.what}: {done.detail}{where}")
    if not report.done and not report.plan.problems:
        lines.append("  nothing to do: no new alert opens an incident, and no alert's state changed")
    for notice in report.notices + report.plan.notices:
        lines.append(f"  notice: {notice}")
    for left in report.not_done:
        lines.append(f"  not done (the next run tries again): {left}")
    if report.github:
        lines.append(f"GitHub: {report.github['reads']} reads, {report.github['writes']} writes")
    return "\n".join(lines) + "\n"
