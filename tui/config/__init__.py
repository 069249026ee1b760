"""The avegraph configuration file: where it lives, what it holds, how it is checked and saved.

UI-free core: nothing here may import textual. Three rules shape the code:

* One set of validators serves both ``load_config`` (TOML values) and
  ``tenant_from_fields`` (form strings), so the file and the tenant screen can
  never disagree about what is valid (``validate``).
* Saves are read-modify-write of the *current* file under an exclusive lock,
  written atomically (temp file in the same directory, fsync, ``os.replace``),
  so two avegraph processes never lose each other's tenants and a crash never
  leaves half a file. A file that is not valid TOML is never overwritten
  (``write``, ``edit``).
* No secret value (client secret, proxy credentials, values of keys that hold
  secrets) ever appears in an error message, ``repr`` or ``str`` (``secrets``,
  ``model``).

The package is split by job; callers import from ``tui.config`` itself, which re-exports
the public names below. The modules, in dependency order:

``errors``    ConfigError / ConfigMissing (the message format)
``location``  where the file is (``--config``, ``$AVEGRAPH_CONFIG``, XDG)
``urls``      loopback checks, credential masking
``schema``    the tenant keys: kinds, units, defaults, allowed values
``secrets``   reading a tenant's secret or certificate
``model``     TenantConfig, Config and their table / form representations
``validate``  coercion and checks of one tenant (file tables and forms)
``document``  reading and parsing the TOML file
``watch``     the failed-jobs screen's watch keys (``watch_interval``, ``watch_bell``)
``load``      ``load_config``
``write``     the locked, atomic 0600 writer
``saved``     saved requests: the ``[[saved]]`` tables and the shared TOML file
``edit``      save_config, upsert_tenant, delete_tenant, set_default_tenant, set_theme, upsert_saved,
              delete_saved, import_saved

shlex, tomllib and tomli_w are imported where they are used: the tenant screen imports this
package at start-up, usually before any file is read or written.
"""

from __future__ import annotations

# ``NAME as NAME``: constants the single-module tui.config offered outside __all__, still
# importable from here.
from tui.config.edit import (delete_saved, delete_tenant, import_saved, save_config, set_default_tenant, set_theme,
                             upsert_saved, upsert_tenant)
from tui.config.errors import ConfigError, ConfigMissing
from tui.config.load import load_config
from tui.config.location import CONFIG_ENV_VAR, resolve_config_path
from tui.config.model import Config, TenantConfig, config_to_dict, tenant_to_dict, tenant_to_fields
from tui.config.saved import SavedRequest, export_saved, read_saved_file
from tui.config.schema import AUTH_KINDS as AUTH_KINDS
from tui.config.schema import MAX_NAME_LENGTH as MAX_NAME_LENGTH
from tui.config.schema import PROXY_SCHEMES as PROXY_SCHEMES
from tui.config.schema import SECRET_TRANSPORTS as SECRET_TRANSPORTS
from tui.config.schema import TENANT_KEYS
from tui.config.urls import LOOPBACK_NAMES as LOOPBACK_NAMES
from tui.config.urls import is_loopback_host, is_loopback_url
from tui.config.validate import tenant_from_fields

__all__ = [
    "CONFIG_ENV_VAR",
    "Config",
    "ConfigError",
    "ConfigMissing",
    "TENANT_KEYS",
    "SavedRequest",
    "TenantConfig",
    "config_to_dict",
    "delete_saved",
    "delete_tenant",
    "export_saved",
    "import_saved",
    "is_loopback_host",
    "is_loopback_url",
    "load_config",
    "read_saved_file",
    "resolve_config_path",
    "save_config",
    "set_default_tenant",
    "set_theme",
    "tenant_from_fields",
    "tenant_to_dict",
    "tenant_to_fields",
    "upsert_saved",
    "upsert_tenant",
]
