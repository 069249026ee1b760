"""A failed-jobs report to paste into a ticket or a mail: ``render_markdown(result)``, ``render_html(result)``.

Failures grouped by customer (the tenant itself when it is not a partner) and service, each group
with its counts (failed, finished with exceptions), first and last failure and its error messages
(the most frequent first). Sources that could not be read are listed too: a report that looked
only half-way is not a clean bill. The HTML is one self-contained file (inline style, no script,
no external asset) with every server string escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from tui.triage.jobs import _disp_time

__all__ = ["ReportGroup", "group_jobs", "render_markdown", "render_html"]

MAX_MESSAGES = 3                          # error messages shown per group


@dataclass
class ReportGroup:
    customer: str
    service: str
    failed: int = 0
    exceptions: int = 0
    first: datetime | None = None
    last: datetime | None = None
    messages: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.failed + self.exceptions

    def top_messages(self) -> list[tuple[str, int]]:
        return sorted(self.messages.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_MESSAGES]


def group_jobs(jobs: Iterable[Any], tenant_label: str = "") -> list[ReportGroup]:
    """One group per (customer, service), customers then services in name order."""
    groups: dict[tuple[str, str], ReportGroup] = {}
    for j in jobs:
        customer = j.customer or j.tenant or tenant_label or "this tenant"
        g = groups.get((customer, j.service))
        if g is None:
            g = groups[(customer, j.service)] = ReportGroup(customer, j.service)
        if j.severity == "failed":
            g.failed += 1
        else:
            g.exceptions += 1
        when = j.start or j.end
        if when is not None:
            g.first = when if g.first is None or when < g.first else g.first
            g.last = when if g.last is None or when > g.last else g.last
        message = " ".join((j.first_error or "").split())
        if message:
            g.messages[message] = g.messages.get(message, 0) + 1
    return [groups[k] for k in sorted(groups, key=lambda k: (k[0].lower(), k[1].lower()))]


def _headline(result: Any) -> tuple[str, str]:
    n_failed = len(result.failed)
    n_exc = len(result.jobs) - n_failed
    window = result.window.label() if hasattr(result.window, "label") else ""
    line = f"{n_failed} failed" + (f", {n_exc} finished with exceptions" if result.include_exceptions else "")
    return line, window


def _unread(result: Any) -> list[tuple[str, str]]:
    return [(s.label, s.error or s.state) for s in result.sources if s.errors]


# -- Markdown -----------------------------------------------------------------------------------------

def _md(text: Any) -> str:
    """A table cell: one line, pipes and markup characters escaped."""
    s = " ".join(str(text if text is not None else "").split())
    for ch in ("\\", "|", "*", "_", "`", "<", ">", "[", "]"):
        s = s.replace(ch, "\\" + ch)
    return s


def render_markdown(result: Any, tenant_label: str = "") -> str:
    line, window = _headline(result)
    out = [f"# Failed jobs{(' — ' + _md(tenant_label)) if tenant_label else ''}", "",
           f"{line} in the {_md(window)}.", ""]
    groups = group_jobs(result.jobs, tenant_label)
    customer = None
    for i, g in enumerate(groups):
        if g.customer != customer:
            customer = g.customer
            out += [f"## {_md(customer)}", "", "| Service | Failed | Exceptions | First | Last | Error |",
                    "|---|---:|---:|---|---|---|"]
        errors = "; ".join(f"{_md(m)} (×{n})" if n > 1 else _md(m) for m, n in g.top_messages())
        out.append(f"| {_md(g.service)} | {g.failed} | {g.exceptions} | {_disp_time(g.first) or ''} | "
                   f"{_disp_time(g.last) or ''} | {errors} |")
        if i + 1 == len(groups) or groups[i + 1].customer != customer:
            out.append("")
    if not groups:
        out += ["Nothing failed.", ""]
    unread = _unread(result)
    if unread:
        out += ["## Not read completely", ""]
        out += [f"- {_md(label)}: {_md(err)}" for label, err in unread]
        out.append("")
    return "\n".join(out)


# -- HTML ---------------------------------------------------------------------------------------------

_STYLE = ("body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
          "table{border-collapse:collapse;margin-bottom:1.5em}"
          "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}"
          "td.n{text-align:right}th{background:#f3f3f3}.failed{color:#b00020;font-weight:bold}")


def _h(text: Any) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def render_html(result: Any, tenant_label: str = "") -> str:
    line, window = _headline(result)
    title = "Failed jobs" + (f" — {tenant_label}" if tenant_label else "")
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{_h(title)}</title><style>{_STYLE}</style></head><body>",
           f"<h1>{_h(title)}</h1>", f"<p>{_h(line)} in the {_h(window)}.</p>"]
    groups = group_jobs(result.jobs, tenant_label)
    customer = None
    for i, g in enumerate(groups):
        if g.customer != customer:
            if customer is not None:
                out.append("</tbody></table>")
            customer = g.customer
            out += [f"<h2>{_h(customer)}</h2>",
                    "<table><thead><tr><th>Service</th><th>Failed</th><th>Exceptions</th><th>First</th>"
                    "<th>Last</th><th>Error</th></tr></thead><tbody>"]
        errors = "<br>".join(_h(m) + (f" (×{n})" if n > 1 else "") for m, n in g.top_messages())
        out.append(f"<tr><td>{_h(g.service)}</td><td class=\"n failed\">{g.failed}</td>"
                   f"<td class=\"n\">{g.exceptions}</td><td>{_h(_disp_time(g.first) or '')}</td>"
                   f"<td>{_h(_disp_time(g.last) or '')}</td><td>{errors}</td></tr>")
    if groups:
        out.append("</tbody></table>")
    else:
        out.append("<p>Nothing failed.</p>")
    unread = _unread(result)
    if unread:
        out.append("<h2>Not read completely</h2><ul>")
        out += [f"<li>{_h(label)}: {_h(err)}</li>" for label, err in unread]
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
