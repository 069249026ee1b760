"""``FailedJobsScan``: every job source of a tenant (and of a partner's customers) scanned at once.

Bounded concurrency (one semaphore around every page request), a failure of one target
recorded without stopping the others, events streamed as sources progress, and cancellation
that keeps the jobs found so far. What to ask each source comes from ``sources``; turning its
items into rows from ``rows``.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Callable, Iterable

from tui import clock
from tui.catalog.model import Endpoint
from tui.catalog.validate import time_params
from tui.triage.items import _START_FIELDS, _time_of
from tui.triage.jobs import FailedJob
from tui.triage.results import ScanEvent, ScanResult, SourceState, TargetError
from tui.triage.rows import JobRows
from tui.triage.sources import (
    PlanError,
    _Query,
    _Target,
    page_size_for,
    plan_queries,
    server_filter,
    short_service,
    wanted_codes,
)
from tui.triage.window import Window

DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 32


class FailedJobsScan:
    """One scan of one tenant. Not reusable: make a new one to rerun."""

    def __init__(self, session: Any, *, window: Window | str = "7d", include_exceptions: bool = False,
                 concurrency: int = DEFAULT_CONCURRENCY, timeout: float | None = None,
                 tenant_label: str | None = None, sources: Iterable[str] | None = None,
                 on_event: Callable[[ScanEvent], Any] | None = None, catalog: Any = None):
        if isinstance(window, str):
            window = Window.parse(window)
        if not 1 <= int(concurrency) <= MAX_CONCURRENCY:
            raise ValueError(f"concurrency must be between 1 and {MAX_CONCURRENCY}")
        self.session = session
        self.catalog = catalog or session.catalog
        self.window = window
        self.include_exceptions = include_exceptions
        self.concurrency = int(concurrency)
        self.timeout = timeout
        self.tenant_label = tenant_label if tenant_label is not None else getattr(session.tenant, "name", "")
        self.only = set(sources) if sources is not None else None
        self.on_event = on_event
        self.endpoints: dict[str, Endpoint] = {}
        self.sources: dict[str, SourceState] = {}
        self.jobs: list[FailedJob] = []
        self._sem: asyncio.Semaphore | None = None
        self._tg: asyncio.TaskGroup | None = None
        self._task: asyncio.Task | None = None
        self._cancel_requested = False
        self.cancelled = False
        self.error: str | None = None
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.started: float | None = None
        self.elapsed = 0.0
        self._queue: asyncio.Queue | None = None
        # Rows of every source go through one JobRows: it remembers the jobs already seen.
        self._rows = JobRows(self.catalog, window, include_exceptions)
        for e in self.catalog.job_sources():
            if self.only is not None and e.id not in self.only:
                continue
            scope = ("customer tenant" if {"customerId", "tenantId"} <= set(e.path_params) else
                     "customer" if "customerId" in e.path_params else "tenant")
            self.endpoints[e.id] = e
            self.sources[e.id] = SourceState(e.id, short_service(e), scope)

    # -- events -------------------------------------------------------------------------------------
    def _emit(self, event: ScanEvent) -> None:
        if self.on_event is not None:
            try:
                self.on_event(event)
            except Exception:  # an observer must never break the scan
                pass
        if self._queue is not None:
            self._queue.put_nowait(event)

    @property
    def _observed(self) -> bool:
        """Someone receives events (an ``on_event`` callback or ``stream()``): else none is built."""
        return self.on_event is not None or self._queue is not None

    def _changed(self, src: SourceState) -> None:
        if self._observed:
            self._emit(ScanEvent("source", src.snapshot()))

    # -- control ------------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop every request; ``run()`` returns the partial result."""
        self._cancel_requested = True
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def stream(self) -> AsyncIterator[ScanEvent]:
        """Run the scan, yielding its events as they happen; the last one is ``done``."""
        self._queue = asyncio.Queue()
        task = asyncio.ensure_future(self.run())
        try:
            while True:
                getter = asyncio.ensure_future(self._queue.get())
                done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    event = getter.result()
                    yield event
                    if event.kind == "done":
                        break
                else:
                    getter.cancel()
                    while not self._queue.empty():
                        event = self._queue.get_nowait()
                        yield event
                        if event.kind == "done":
                            return
                    task.result()         # raises what run() raised
                    return
        finally:
            if not task.done():
                self.cancel()
                try:
                    await task
                except BaseException:
                    pass

    def result(self) -> ScanResult:
        return ScanResult(self.window, self.include_exceptions, self.concurrency, list(self.jobs),
                          [s.snapshot() for s in self.sources.values()], self.cancelled, self.error,
                          self.elapsed, self.requests)

    async def run(self) -> ScanResult:
        self._task = asyncio.current_task()
        self._sem = asyncio.Semaphore(self.concurrency)
        self.started = clock.perf_counter()
        try:
            runnable = await self._prepare()
            async with asyncio.TaskGroup() as tg:
                self._tg = tg
                customers = self.sources.get("elements.customers")
                fan_out = [sid for sid in runnable if self.sources[sid].scope != "tenant"]
                for sid in runnable:
                    src = self.sources[sid]
                    if src.scope != "tenant":
                        continue
                    if sid == "elements.customers":
                        tg.create_task(self._run_customers(fan_out))
                    else:
                        tg.create_task(self._run_target(sid, _Target("", {}, tenant=self.tenant_label or None)))
                if fan_out and (customers is None or customers.id not in runnable):
                    for sid in fan_out:
                        self._fail_source(sid, "needs the customer list (elements.customers), which cannot be read")
            for src in self.sources.values():
                if src.state in ("pending", "running"):
                    self._finish_source(src)
        except asyncio.CancelledError:
            self.cancelled = True
            for src in self.sources.values():
                if src.state in ("pending", "running"):
                    src.state = "cancelled"
                    src.finished = clock.perf_counter()
                    self._changed(src)
            self.elapsed = clock.perf_counter() - self.started
            self._emit(ScanEvent("done", result=self.result()))
            if self._cancel_requested:
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                return self.result()
            raise
        self.elapsed = clock.perf_counter() - self.started
        result = self.result()
        self._emit(ScanEvent("done", result=result))
        return result

    # -- preparation: tokens and permissions ------------------------------------------------------------
    async def _prepare(self) -> list[str]:
        """Acquire a token per bundle the sources need; decide which sources may run."""
        from tui.api.errors import ApiError
        session = self.session
        failures: dict[str, Exception] = {}
        bundles = {}
        for sid, e in self.endpoints.items():
            try:
                b = session.tokens.bundle_for(e)
            except Exception:  # noqa: BLE001 - no bundle at all: the request will say why
                continue
            bundles.setdefault(b.name, (b, []))[1].append(sid)
        for name, (b, sids) in bundles.items():
            try:
                await session.token(b)
            except ApiError as exc:
                failures[name] = exc
        granted = session.granted_scopes()
        low = {s.lower() for s in granted} if granted else None
        runnable = []
        for name, (b, sids) in bundles.items():
            for sid in sids:
                src, e = self.sources[sid], self.endpoints[sid]
                if name in failures:
                    exc = failures[name]
                    src.errors.append(TargetError("", f"no token: {exc}", None, "auth",
                                                  getattr(exc, "exchange", None), getattr(exc, "hint", None)))
                    src.state = "failed"
                    self._changed(src)
                    continue
                if low is not None and not any(s.lower() in low for s in e.scopes):
                    src.state = "skipped"
                    src.reason = f"the token lacks {' or '.join(e.scopes)}"
                    self._changed(src)
                    continue
                runnable.append(sid)
        if failures and not runnable:
            first = next(iter(failures.values()))
            self.error = str(first)
        for sid in runnable:
            src = self.sources[sid]
            sf = server_filter(self.endpoints[sid])
            if sf is not None:
                src.server_filter = f"{sf[0]}=" + ",".join(wanted_codes(self.endpoints[sid], sf[1],
                                                                        self.include_exceptions))
            start, end = time_params(self.endpoints[sid])
            src.client_window = start is None and end is None
            self._changed(src)
        return runnable

    # -- sources ----------------------------------------------------------------------------------------
    def _start_source(self, src: SourceState) -> None:
        if src.state == "pending":
            src.state = "running"
            src.started = clock.perf_counter()

    def _finish_source(self, src: SourceState) -> None:
        if src.finished_state:
            return
        if src.targets_failed and src.targets_failed >= max(1, src.targets_total):
            src.state = "failed"
        elif src.targets_failed:
            src.state = "partial"
        else:
            src.state = "done"
        src.finished = clock.perf_counter()
        if src.started is None:
            src.started = src.finished
        self._changed(src)

    def _fail_source(self, sid: str, message: str) -> None:
        src = self.sources[sid]
        src.errors.append(TargetError("", message, None, "dependency"))
        src.state = "failed"
        src.finished = clock.perf_counter()
        self._changed(src)

    def _target_done(self, src: SourceState) -> None:
        src.targets_done += 1
        if src.scope == "tenant" or (self._customers_done and src.targets_done >= src.targets_total):
            self._finish_source(src)
        else:
            self._changed(src)

    _customers_done = False

    async def _run_customers(self, fan_out: list[str]) -> None:
        """Page the customers: their health is a source of its own, and each page fans out the
        per-customer and per-customer-tenant sources at once."""
        sid = "elements.customers"
        for f in fan_out:
            self._start_source(self.sources[f])

        def on_items(items: list) -> None:
            for c in items:
                if not isinstance(c, dict) or not c.get("id"):
                    continue
                org = str(c.get("organization") or c.get("name") or c["id"])
                for f in fan_out:
                    e = self.endpoints[f]
                    if "tenantId" in e.path_params:
                        for t in c.get("tenants") or ():
                            if isinstance(t, dict) and t.get("id"):
                                tname = str(t.get("name") or t["id"])
                                self._spawn(f, _Target(f"{org} › {tname}", {"customerId": c["id"], "tenantId": t["id"]},
                                                       org, str(c["id"]), tname, str(t["id"])))
                    else:
                        self._spawn(f, _Target(org, {"customerId": c["id"]}, org, str(c["id"])))

        try:
            await self._run_target(sid, _Target("", {}), on_items=on_items)
        finally:
            self._customers_done = True
            customers = self.sources[sid]
            for f in fan_out:
                src = self.sources[f]
                if src.finished_state:
                    continue
                if customers.errors and src.targets_total == 0:
                    self._fail_source(f, "the customer list could not be read: " + (customers.error or "unknown error"))
                elif customers.errors:
                    src.notices.append("the customer list was read only in part: " + (customers.error or ""))
                    if src.targets_done >= src.targets_total:
                        self._finish_source(src)
                elif src.targets_done >= src.targets_total:
                    self._finish_source(src)

    def _spawn(self, sid: str, target: _Target) -> None:
        src = self.sources[sid]
        src.targets_total += 1
        self._changed(src)
        assert self._tg is not None
        self._tg.create_task(self._run_target(sid, target, counted=True))

    async def _run_target(self, sid: str, target: _Target, *, on_items: Callable[[list], None] | None = None,
                          counted: bool = False) -> None:
        """Every query of one source for one target (the tenant, a customer, a customer's tenant)."""
        from tui.api.errors import ApiError
        e, src = self.endpoints[sid], self.sources[sid]
        self._start_source(src)
        if not counted:
            src.targets_total += 1
        try:
            queries = plan_queries(e, self.window, self.include_exceptions)
        except PlanError as exc:
            src.errors.append(TargetError(target.label, str(exc), None, "params"))
            src.targets_failed += 1
            self._target_done(src)
            return
        ok = True
        for q in queries:
            try:
                await self._walk(e, src, target, q, on_items)
            except asyncio.CancelledError:
                raise
            except (ApiError, TimeoutError) as exc:
                src.errors.append(_target_error(target.label, exc, self.timeout))
                ok = False
                break
            except Exception as exc:  # noqa: BLE001 - a bug in one source must not stop the others
                src.errors.append(TargetError(target.label, f"{type(exc).__name__}: {exc}", None, "error"))
                ok = False
                break
        if not ok:
            src.targets_failed += 1
        self._target_done(src)

    async def _walk(self, e: Endpoint, src: SourceState, target: _Target, q: _Query,
                    on_items: Callable[[list], None] | None) -> None:
        pager = self.session.pager(e, target.path_params, q.params, page_size=page_size_for(e))
        pages = pager.pages()
        counted_total = False
        sem = self._sem
        assert sem is not None
        try:
            while not pager.done:
                async with sem:
                    self.in_flight += 1
                    self.max_in_flight = max(self.max_in_flight, self.in_flight)
                    self.requests += 1
                    try:
                        if self.timeout:
                            async with asyncio.timeout(self.timeout):
                                page = await pages.__anext__()
                        else:
                            page = await pages.__anext__()
                    except StopAsyncIteration:
                        break
                    finally:
                        self.in_flight -= 1
                items = page.items if isinstance(page.items, list) else [page.items]
                src.pages += 1
                src.items += len(items)
                if page.total is not None and not counted_total:
                    src.total = (src.total or 0) + page.total
                    counted_total = True
                if page.notice:
                    src.notices.append(page.notice)
                if on_items is not None:
                    on_items(items)
                found = self._rows.select(e, src, target, items, q, page.exchange)
                if found:
                    self.jobs.extend(found)
                    if self._observed:
                        self._emit(ScanEvent("jobs", src.snapshot(), found))
                self._changed(src)
                if q.stop_before is not None and items:
                    last = _time_of(items[-1], _START_FIELDS) if isinstance(items[-1], dict) else None
                    if last is not None and last < q.stop_before:
                        break             # newest first: everything after this page is older
        finally:
            await pages.aclose()


def _target_error(label: str, exc: BaseException, timeout: float | None) -> TargetError:
    from tui.api.errors import AuthError, HttpError, NetworkError
    if isinstance(exc, TimeoutError):
        return TargetError(label, f"timed out after {timeout:g} s" if timeout else "timed out", None, "timeout")
    status = getattr(exc, "status", None)
    kind = ("auth" if isinstance(exc, AuthError) else "http" if isinstance(exc, HttpError) else
            "timeout" if isinstance(exc, NetworkError) and getattr(exc, "kind", "") == "timeout" else
            "network" if isinstance(exc, NetworkError) else "error")
    return TargetError(label, str(exc), status, kind, getattr(exc, "exchange", None), getattr(exc, "hint", None))


async def scan_failed_jobs(session: Any, **kwargs: Any) -> ScanResult:
    """Convenience: ``await scan_failed_jobs(session, window="7d", concurrency=4)``."""
    return await FailedJobsScan(session, **kwargs).run()
