"""Add or edit one tenant: a modal form validated by ``tenant_from_fields``, saved by ``upsert_tenant``.

The form never shows a secret value: there is no field for a literal client secret at all. A
secret comes from an environment variable (its NAME) or a file (its path). A tenant that still
keeps a literal ``client_secret`` in the file keeps it, unseen, until one of those is filled in.

Every value the form does not edit (proxy, timeouts, secret transport, unknown keys) is carried
over from the tenant being edited, so saving never drops what the user wrote by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Input, Label, Select, Static

from tui.config import ConfigError, TenantConfig, tenant_from_fields, tenant_to_fields, upsert_tenant
from tui.environments import DATA_CENTERS, ENVIRONMENTS
from tui.textsafe import safe_text
from tui.ui.widgets.header import ACCENTS, accent_colour

__all__ = ["TenantForm", "FORM_KEYS", "data_center_options", "environment_options", "accent_options"]

# TOML keys the form edits (everything else is carried over from the tenant being edited).
FORM_KEYS = (
    "name", "environment", "data_center", "client_id", "auth", "client_secret_env", "client_secret_file",
    "certificate_path", "certificate_password_env", "scopes", "accent", "api_url", "elements_url", "token_url",
    "ca_bundle",
)
COMPACT_BELOW = 36  # terminal lines under which inputs and selects drop their borders
_SECRET_KEYS = ("client_secret_env", "client_secret_file")
_CERT_KEYS = ("certificate_path", "certificate_password_env")
_ADVANCED_KEYS = ("api_url", "elements_url", "token_url", "ca_bundle")

# key -> (label, placeholder, hint)
_FIELDS: dict[str, tuple[str, str, str]] = {
    "name": ("Name", "contoso-prod", "A short label you pick the tenant by."),
    "environment": ("Environment", "", ""),
    "data_center": ("Data center", "", "The region of your AOS tenant."),
    "client_id": ("Client ID", "00000000-0000-0000-0000-000000000000",
                  "Application (client) ID from AOS > Administration > App registrations."),
    "auth": ("Authentication", "", ""),
    "secret_from": ("Client secret from", "", "The secret itself is never stored or shown here."),
    "client_secret_env": ("Secret env var", "CONTOSO_SECRET",
                          "The NAME of an environment variable holding the secret (export it before starting)."),
    "client_secret_file": ("Secret file", "~/.config/avegraph/contoso.secret",
                           "Absolute path (or ~/…) of a file holding only the secret; keep it chmod 600."),
    "certificate_path": ("Certificate", "~/.config/avegraph/contoso.pem",
                         "PEM with the private key, or a .pfx file registered for the app."),
    "certificate_password_env": ("Password env var", "CONTOSO_CERT_PASSWORD",
                                 "Optional: NAME of an env var holding the key's password."),
    "scopes": ("Scopes", "audit.read.all, microsoft365backup.jobInfo.read.all",
               "Optional, comma-separated. Empty: the token gets every scope the app registration holds."),
    "accent": ("Accent", "", "Colour of the tenant badge in the header (tell prod from test at a glance)."),
    "api_url": ("API URL", "https://graph-us.avepointonlineservices.com", "Empty: the data center's default."),
    "elements_url": ("Elements URL", "https://graph.avepointonlineservices.com", "Empty: the environment's default."),
    "token_url": ("Token URL", "https://identity.avepointonlineservices.com/connect/token",
                  "Empty: the environment's default."),
    "ca_bundle": ("CA bundle", "/etc/ssl/corp-ca.pem", "Optional PEM of extra CAs (TLS-inspecting proxies)."),
}


def environment_options() -> list[tuple[Text, str]]:
    return [(Text(f"{env.label} ({key})"), key) for key, env in ENVIRONMENTS.items()]


def data_center_options(environment: str) -> list[tuple[Text, str]]:
    env = ENVIRONMENTS.get(environment)
    if env is None:
        return []
    return [(Text(f"{code} — {DATA_CENTERS[code][0]}"), code) for code in env.data_centers]


def accent_options(current: str | None = None) -> list[tuple[Text, str]]:
    names = list(ACCENTS)
    if current and current not in names:
        names.append(current)  # keep a hand-written colour (e.g. "#ff8800") selectable
    out = []
    for name in names:
        colour = accent_colour(name)
        label = Text.assemble(("██ ", colour)) if colour else Text("   ")
        label.append(safe_text(name, 20))
        out.append((label, name))
    return out


class TenantForm(ModalScreen[str | None]):
    """Dismisses with the saved tenant's name, or None when cancelled."""

    DEFAULT_CSS = """
    TenantForm { align: center middle; }
    TenantForm > #dialog {
        width: 110; max-width: 100%; height: 100%; max-height: 46;
        border: round $accent; background: $surface; padding: 0 1;
    }
    TenantForm #form-title { height: 1; }
    TenantForm #form-general { height: auto; color: $error; display: none; }
    TenantForm #form-general.-visible { display: block; }
    TenantForm #form-note { height: auto; color: $warning; display: none; }
    TenantForm #form-note.-visible { display: block; }
    TenantForm #fields { height: 1fr; scrollbar-gutter: stable; }
    TenantForm .field { height: auto; margin-bottom: 1; }
    TenantForm.-compact .field { margin-bottom: 0; }
    TenantForm .field-label { width: 20; height: 1; text-style: bold; margin-top: 1; }
    TenantForm.-compact .field-label { margin-top: 0; }
    TenantForm .field-body { width: 1fr; height: auto; }
    TenantForm .field-hint { height: auto; color: $text-muted; padding-left: 1; }
    TenantForm .field-error { height: auto; color: $error; text-style: bold; display: none; padding-left: 1; }
    TenantForm .field-error.-visible { display: block; }
    TenantForm .field.-invalid .field-label { color: $error; }
    TenantForm .field.-invalid Input, TenantForm .field.-invalid SelectCurrent { border: tall $error; }
    TenantForm.-compact .field.-invalid Input { border: none; background: $error 20%; }
    TenantForm Collapsible { padding: 0; margin: 0; }
    TenantForm Collapsible > Contents { padding: 0; }
    TenantForm #buttons { height: auto; align-horizontal: right; }
    TenantForm #buttons Button { margin-left: 2; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, config_path: Path, tenant: TenantConfig | None = None, *,
                 taken_names: Iterable[str] = (), reserved_names: Iterable[str] = ()) -> None:
        """``tenant`` is the tenant to edit (None adds one); ``taken_names`` are the configured
        tenants' names, ``reserved_names`` the demo tenants' (a new name may be neither)."""
        super().__init__()
        self.config_path = Path(config_path)
        self.original = tenant
        self.taken_names = set(taken_names) - ({tenant.name} if tenant else set())
        self.reserved_names = set(reserved_names)
        self.errors: dict[str, str] = {}
        self.saving = False
        self.compact = False
        self._initial = tenant_to_fields(tenant) if tenant else {}

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # Decided once here (restyling every widget later is slow); on_resize adjusts when it changes.
        self.compact = self.app.size.height < COMPACT_BELOW
        self.set_class(self.compact, "-compact")
        v = self._initial
        environment = v.get("environment") or "commercial"
        auth = v.get("auth") or "secret"
        with Vertical(id="dialog"):
            title = Text(no_wrap=True, overflow="ellipsis")
            title.append("Edit tenant " if self.original else "Add tenant", style="bold")
            if self.original:
                title.append(safe_text(self.original.name, 64), style="bold")
            title.append("  ·  Ctrl+S save  ·  Esc cancel", style="dim")
            yield Static(title, id="form-title")
            yield Static(id="form-general")
            yield Static(id="form-note")
            with VerticalScroll(id="fields"):
                yield from self._field("name", Input(v.get("name", ""), placeholder=_FIELDS["name"][1],
                                                     id="name", max_length=64))
                yield from self._field("environment", Select(environment_options(), value=environment,
                                                             allow_blank=False, id="environment"))
                yield from self._field("data_center", Select(data_center_options(environment),
                                                             value=self._initial_data_center(environment),
                                                             prompt="choose a data center", id="data_center"))
                yield from self._field("client_id", Input(v.get("client_id", ""), placeholder=_FIELDS["client_id"][1],
                                                          id="client_id"))
                yield from self._field("auth", Select([(Text("client secret"), "secret"),
                                                       (Text("certificate"), "certificate")],
                                                      value=auth if auth in ("secret", "certificate") else "secret",
                                                      allow_blank=False, id="auth"))
                secret_from = "file" if v.get("client_secret_file") else "env"
                yield from self._field("secret_from", Select([(Text("environment variable"), "env"),
                                                              (Text("file"), "file")],
                                                             value=secret_from, allow_blank=False, id="secret_from"))
                for key in (*_SECRET_KEYS, *_CERT_KEYS):
                    yield from self._field(key, Input(v.get(key, ""), placeholder=_FIELDS[key][1], id=key))
                yield from self._field("scopes", Input(v.get("scopes", ""), placeholder=_FIELDS["scopes"][1],
                                                       id="scopes"))
                accent = v.get("accent") or None
                yield from self._field("accent", Select(accent_options(accent), value=accent or Select.NULL,
                                                        prompt="none", id="accent"))
                advanced_set = any(v.get(k) for k in _ADVANCED_KEYS)
                with Collapsible(title="Advanced: URL overrides, CA bundle", collapsed=not advanced_set,
                                 id="advanced"):
                    for key in _ADVANCED_KEYS:
                        yield from self._field(key, Input(v.get(key, ""), placeholder=_FIELDS[key][1], id=key))
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel", compact=self.compact)
                yield Button("Save", id="save", variant="primary", compact=self.compact)

    def _initial_data_center(self, environment: str) -> Any:
        env = ENVIRONMENTS.get(environment)
        if env is None:
            return Select.NULL
        dc = self._initial.get("data_center") or ""
        if dc in env.data_centers:
            return dc
        return env.single_data_center or Select.NULL

    def _field(self, key: str, widget: Widget) -> Iterable[Widget]:
        label, _placeholder, hint = _FIELDS[key]
        widget.compact = self.compact  # type: ignore[attr-defined]
        with Horizontal(classes="field", id=f"field-{key}"):
            yield Label(Text(label), classes="field-label")
            with Vertical(classes="field-body"):
                yield widget
                if hint:
                    yield Static(Text(hint), classes="field-hint")
                yield Static(id=f"error-{key}", classes="field-error")

    def on_resize(self) -> None:
        """Below 36 lines the widgets lose their borders so most of the form fits (the rest scrolls)."""
        compact = self.size.height < COMPACT_BELOW
        if compact != self.compact:
            self.compact = compact
            self.set_class(compact, "-compact")
            for widget in self.query("Input, Select, Button"):
                widget.compact = compact  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self._sync_visibility()
        if self.original is not None and self.original.client_secret:
            note = self.query_one("#form-note", Static)
            note.update(Text(
                "This tenant's client secret is written literally in the config file (it is not shown). "
                "Fill in a secret env var or file to move it out; leave both empty to keep it."))
            note.add_class("-visible")
        self.query_one("#name", Input).focus()

    # -- dynamic parts -------------------------------------------------------------------------------
    def _value(self, key: str) -> str:
        widget = self.query_one(f"#{key}")
        if isinstance(widget, Select):
            value = widget.value
            return "" if value is Select.NULL or value is None else str(value)
        assert isinstance(widget, Input)
        return widget.value

    def _sync_visibility(self) -> None:
        auth = self._value("auth")
        secret_from = self._value("secret_from")
        self.query_one("#field-secret_from").display = auth == "secret"
        self.query_one("#field-client_secret_env").display = auth == "secret" and secret_from == "env"
        self.query_one("#field-client_secret_file").display = auth == "secret" and secret_from == "file"
        for key in _CERT_KEYS:
            self.query_one(f"#field-{key}").display = auth == "certificate"

    @on(Select.Changed, "#auth, #secret_from")
    def _auth_changed(self) -> None:
        self._sync_visibility()

    @on(Select.Changed, "#environment")
    def _environment_changed(self, event: Select.Changed) -> None:
        environment = str(event.value)
        select = self.query_one("#data_center", Select)
        previous = select.value
        select.set_options(data_center_options(environment))
        env = ENVIRONMENTS.get(environment)
        if env is None:
            return
        if previous in env.data_centers:
            select.value = previous
        elif env.single_data_center:
            select.value = env.single_data_center

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    # -- validation and saving -------------------------------------------------------------------------
    def collect_fields(self) -> dict[str, str]:
        """The form as ``tenant_from_fields`` input: the edited tenant's other keys, then the form's."""
        fields: dict[str, Any] = dict(self._initial)
        fields.pop("client_secret", None)
        for key in FORM_KEYS:
            fields[key] = self._value(key).strip()
        auth = fields["auth"]
        if auth == "secret":
            hidden = "client_secret_file" if self._value("secret_from") == "env" else "client_secret_env"
            fields[hidden] = ""
            for key in _CERT_KEYS:
                fields[key] = ""
            literal = self.original.client_secret if self.original is not None else None
            if literal and not fields["client_secret_env"] and not fields["client_secret_file"]:
                fields["client_secret"] = literal  # kept as it was, never displayed
        else:
            for key in _SECRET_KEYS:
                fields[key] = ""
        return fields

    def validate(self) -> tuple[TenantConfig | None, dict[str, str]]:
        tenant, errors = tenant_from_fields(self.collect_fields())
        name = self._value("name").strip()
        if name in self.taken_names:
            errors = {"name": f"a tenant named {name!r} already exists. Fix: choose another name.", **errors}
            tenant = None
        elif name in self.reserved_names:
            errors = {"name": f"{name!r} is the name of a demo tenant. Fix: choose another name.", **errors}
            tenant = None
        return tenant, errors

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """One message under each field; messages for keys the form does not show go on top."""
        placed: dict[str, str] = {}
        general: list[str] = []
        for key, message in errors.items():
            target = self._field_for_error(key)
            if target is None:
                general.append(f"{key}: {message}")
            else:
                placed.setdefault(target, message)
        self.errors = dict(errors)
        for field in self.query(".field"):
            key = (field.id or "").removeprefix("field-")
            label = self.query_one(f"#error-{key}", Static)
            message = placed.get(key)
            field.set_class(message is not None, "-invalid")
            label.set_class(message is not None, "-visible")
            label.update(Text(safe_text(message)) if message else "")
        summary = self.query_one("#form-general", Static)
        if errors:
            count = len(errors)
            text = Text(f"Not saved: {count} problem{'s' if count != 1 else ''} to fix"
                        + (" (marked below)." if placed else "."))
            for line in general:
                text.append("\n" + safe_text(line))
            summary.update(text)
        summary.set_class(bool(errors), "-visible")
        if placed:
            first = next(k for k in FORM_KEYS + ("secret_from",) if k in placed)
            if first in _ADVANCED_KEYS:
                self.query_one("#advanced", Collapsible).collapsed = False
            widget = self.query_one(f"#{first}")
            widget.focus()
            self.call_after_refresh(self.query_one(f"#field-{first}").scroll_visible, animate=False)

    def _field_for_error(self, key: str) -> str | None:
        if key in _SECRET_KEYS or key == "client_secret":
            if self._value("auth") != "secret":
                return None
            return "client_secret_env" if self._value("secret_from") == "env" else "client_secret_file"
        if key in FORM_KEYS and self.query_one(f"#field-{key}").display:
            return key
        return None

    def action_save(self) -> None:
        if self.saving:
            return
        tenant, errors = self.validate()
        self.show_errors(errors)
        if tenant is None:
            return
        self.saving = True
        self.save(tenant)

    @work(thread=True, exclusive=True, group="tenant-form-save")
    def save(self, tenant: TenantConfig) -> None:
        """Write in a thread: the save takes a file lock another avegraph process may hold."""
        old_name = self.original.name if self.original is not None else None
        try:
            upsert_tenant(self.config_path, tenant, old_name=old_name)
        except (ConfigError, OSError) as exc:
            self.app.call_from_thread(self._save_failed, exc)
            return
        self.app.call_from_thread(self.dismiss, tenant.name)

    def _save_failed(self, exc: Exception) -> None:
        self.saving = False
        key = getattr(exc, "key", None)
        message = getattr(exc, "message", None) or str(exc)
        if key and self._field_for_error(key):
            self.show_errors({key: message})
        else:
            self.show_errors({"file": str(exc)})
