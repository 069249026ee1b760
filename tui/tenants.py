"""The tenants a user can open: the configured ones plus the simulator's demo tenants.

UI-free: the tenant screen, the headless commands and the tests share it. The demo server is
started lazily (on the first demo tenant opened), so listing tenants costs nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from tui.config import Config, ConfigError, ConfigMissing, TenantConfig, load_config, tenant_from_fields


@dataclass(frozen=True)
class DemoTenantInfo:
    name: str
    description: str
    auth: str


# Mirrors the simulator's demo apps (tui/simulator); listed before the server runs.
DEMO_TENANTS: tuple[DemoTenantInfo, ...] = (
    DemoTenantInfo("demo-aos", "AOS customer tenant in us, every Modern API scope", "secret"),
    DemoTenantInfo("demo-partner", "Elements partner with ~40 customers", "secret"),
    DemoTenantInfo("demo-restricted", "two scopes only, certificate auth (shows 403s)", "certificate"),
)


@dataclass(frozen=True)
class TenantEntry:
    name: str
    demo: bool
    config: TenantConfig | None      # None for a demo tenant whose server is not started yet
    description: str = ""

    @property
    def auth(self) -> str:
        if self.config is not None:
            return self.config.auth
        return next((d.auth for d in DEMO_TENANTS if d.name == self.name), "secret")


class DemoRuntime:
    """The in-process simulator behind the demo tenants, started once on first use."""

    def __init__(self, seed: int = 1, server=None, **knobs):
        self.seed = seed
        self.knobs = knobs
        self._server = server          # an already running simulator (tests, benchmark) is used as is
        self._owned = server is None
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._server is not None

    @property
    def server(self):
        return self.ensure_started()

    def ensure_started(self):
        with self._lock:
            if self._server is None:
                from tui.simulator import SimulatorServer
                self._server = SimulatorServer(seed=self.seed, **self.knobs).start()
            return self._server

    def tenant_configs(self) -> dict[str, TenantConfig]:
        server = self.ensure_started()
        out: dict[str, TenantConfig] = {}
        for fields in server.tenant_dicts():
            fields = {k: v for k, v in fields.items() if k != "demo"}
            tenant, errors = tenant_from_fields(fields)
            if tenant is None:
                raise ConfigError(f"demo tenant {fields.get('name')!r} is invalid: {errors}")
            out[tenant.name] = tenant
        return out

    def stop(self) -> None:
        with self._lock:
            if self._server is not None and self._owned:
                self._server.stop()
                self._server = None


class TenantDirectory:
    """Configured tenants (from the config file) and demo tenants, by name."""

    def __init__(self, config_path: Path, demo: DemoRuntime | None = None):
        self.config_path = config_path
        self.demo = demo or DemoRuntime()
        self.config: Config | None = None
        self.error: ConfigError | None = None
        self.reload()

    @property
    def missing(self) -> bool:
        return isinstance(self.error, ConfigMissing)

    def reload(self) -> None:
        try:
            self.config = load_config(self.config_path)
            self.error = None
        except ConfigError as exc:
            self.config = None
            self.error = exc

    def entries(self) -> list[TenantEntry]:
        out = [TenantEntry(t.name, False, t) for t in (self.config.tenants if self.config else ())]
        demo_configs = self.demo.tenant_configs() if self.demo.started else {}
        for d in DEMO_TENANTS:
            out.append(TenantEntry(d.name, True, demo_configs.get(d.name), d.description))
        return out

    def default_name(self) -> str | None:
        return self.config.default_tenant if self.config else None

    def resolve(self, name: str) -> TenantConfig:
        """The tenant's config, starting the demo server when a demo tenant is asked for."""
        if self.config is not None:
            for t in self.config.tenants:
                if t.name == name:
                    return t
        if any(d.name == name for d in DEMO_TENANTS):
            return self.demo.tenant_configs()[name]
        known = [e.name for e in self.entries()]
        raise ConfigError(f"no tenant named {name!r}. Known tenants: {', '.join(known)}.",
                          path=self.config_path)
