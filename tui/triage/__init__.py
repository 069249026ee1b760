"""Failed-jobs triage: every failed job of a tenant (or of all a partner's customers) in one list.

UI-free (no Textual): the failed-jobs screen, ``avegraph failed-jobs`` and the benchmark share it.

    scan = FailedJobsScan(session, window=Window.parse("7d"), include_exceptions=True, concurrency=4,
                          on_event=print)
    result = await scan.run()          # or: async for event in scan.stream(): ...
    result.jobs, result.sources, result.exit_code

What it does, all from the catalogue (``Endpoint.status``, params, pagination; catalogue section 6):

* **Sources** are the catalogue's job sources (``catalog.job_sources()``) the token may call. A
  source whose scope the token does not hold is listed as *skipped* and costs no request.
* **Server-side filter where one exists** (M365 ``jobState=3``, D365 ``status=4``, Google
  ``jobStatus=3``, Salesforce ``status=4``, DMSO ``status=500``): one query per wanted code (the
  failed codes, plus the "attention" codes such as *finished with exception* when asked for).
  Elsewhere every page is read and filtered on the client. Items are always checked on the client
  as well, so a server that ignores a filter cannot smuggle other jobs in.
* **The time window** goes out as the endpoint's own start/end parameters (split into chunks when
  the endpoint documents a maximum window), and is applied on the client to sources without time
  parameters. An endpoint documented as newest-first on request (``/aos/jobs`` ``sortorder=1``)
  stops paging at the first page older than the window. Required parameters get their "all"
  value (D365 ``type=0``). Pages are as large as the endpoint documents (``top`` 1000, Elements 100).
* **Partner tenants**: ``elements.customers`` is both a source (customer backup health) and the
  list that fans out the per-customer (``{customerId}``) and per-customer-tenant
  (``{customerId}/{tenantId}``) sources, as soon as each page of customers arrives.
* **Bounded concurrency**: one ``asyncio.Semaphore`` around every page request (the token is
  acquired once, before). A target that fails (403, 5xx, timeout) is recorded with its error and
  exchange; the others carry on.
* **Streaming**: ``on_event`` (or ``stream()``) sees ``ScanEvent``s: ``source`` (a source's
  progress changed), ``jobs`` (new rows), ``done``.
* **Cancellation**: ``scan.cancel()`` (or cancelling the task that runs it) stops every request;
  the jobs found so far stay in the result, unfinished sources are marked *cancelled*.

The package is split by job; callers import from ``tui.triage`` itself, which re-exports the
names below. The modules, in dependency order:

``window``   the time window (``Window``)
``jobs``     a failed job as a row (``FailedJob``, ``JobError``, ``DetailRequest``) and its forms
``results``  per-source progress, events and the result (``SourceState``, ``ScanEvent``, ``ScanResult``)
``items``    reading one job item (times, duration, counts, errors)
``sources``  what the catalogue says about a source, and the queries sent to it
``rows``     items of a page -> new rows (``JobRows``)
``scan``     the concurrent scan (``FailedJobsScan``, ``scan_failed_jobs``)
"""

from __future__ import annotations

# ``NAME as NAME``: names the single-module tui.triage offered outside __all__ (the CLI, the
# screen and the tests import some of them from here).
from tui.triage.items import _duration_of as _duration_of
from tui.triage.items import extract_errors as extract_errors
from tui.triage.jobs import FLAT_COLUMNS, SEVERITY_LABELS, TABLE_COLUMNS, DetailRequest, FailedJob, JobError
from tui.triage.results import ScanEvent, ScanResult, SourceState, TargetError
from tui.triage.results import count_by as count_by
from tui.triage.scan import DEFAULT_CONCURRENCY as DEFAULT_CONCURRENCY
from tui.triage.scan import MAX_CONCURRENCY as MAX_CONCURRENCY
from tui.triage.scan import FailedJobsScan, scan_failed_jobs
from tui.triage.sources import PlanError as PlanError
from tui.triage.sources import page_size_for, server_filter, short_service
from tui.triage.window import Window

__all__ = ["Window", "JobError", "DetailRequest", "FailedJob", "TargetError", "SourceState", "ScanEvent",
           "ScanResult", "FailedJobsScan", "scan_failed_jobs", "SEVERITY_LABELS", "TABLE_COLUMNS", "FLAT_COLUMNS",
           "server_filter", "page_size_for", "short_service"]
