"""AvePoint environments and data centers: the hosts a tenant talks to.

Facts come from the public docs (AvePoint/cloud-api): ``modern-api/Overview.md``
("Endpoints Upon Data Centers") for the regional Graph hosts and
``modern-api/register-app.md`` for the identity (token) URLs. This module is
pure data plus two small lookups; it must stay free of UI imports.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DATA_CENTERS",
    "ENVIRONMENTS",
    "Environment",
    "UnknownDataCenter",
    "UnknownEnvironment",
    "api_url_for",
    "data_centers_for",
    "default_urls",
    "resolve_data_center",
]


@dataclass(frozen=True)
class Environment:
    """One AvePoint Online Services environment (an identity realm)."""

    key: str
    label: str
    token_url: str
    elements_url: str
    # Codes of the data centers (regional Graph hosts) that belong to it, in display order.
    data_centers: tuple[str, ...]

    @property
    def single_data_center(self) -> str | None:
        """The data center when there is exactly one (gov, aos2, fedramp), else None."""
        return self.data_centers[0] if len(self.data_centers) == 1 else None


# Commercial data centers: code -> region name as written in Overview.md.
# GCP rows get a "GCP " prefix and lose the ":region-id" suffix so they read well in a picker.
_COMMERCIAL_DATA_CENTERS: tuple[tuple[str, str], ...] = (
    ("au", "APAC - Australia"),
    ("sg", "APAC - Singapore"),
    ("ca", "Canada Central (Toronto)"),
    ("ne", "EMEA - Ireland"),
    ("we", "EMEA - Netherlands"),
    ("fr", "France Central (Paris)"),
    ("de", "Germany West Central (Frankfurt)"),
    ("jp", "Japan West - Osaka"),
    ("kr", "Korea Central (Seoul)"),
    ("ch", "Switzerland North (Zurich)"),
    ("uk", "UK South (London)"),
    ("us", "US - East"),
    ("uae", "United Arab Emirates (Dubai)"),
    ("za", "South Africa North (Johannesburg)"),
    ("qa", "Qatar Central (Doha)"),
    ("gcp-au", "GCP Australia Southeast (Sydney)"),
    ("gcp-jp", "GCP Japan (Tokyo)"),
    ("gcp-us", "GCP East US (Moncks Corner)"),
    ("gcp-we", "GCP West Europe (Eemshaven, Netherlands)"),
    ("gcp-kr", "GCP South Korea (Seoul)"),
)

# Regional API hosts that do not follow https://graph-{dc}.avepointonlineservices.com.
_API_URL_EXCEPTIONS: dict[str, str] = {
    "fedramp": "https://graphusgovapi.online15.net",
}

# The docs give an Elements host only for Commercial (one global host, independent of
# the data center). For gov, aos2 and fedramp the public PowerShell client
# (AvePoint's Elements module) uses the same host as the regional API, so we do too.
ENVIRONMENTS: dict[str, Environment] = {
    "commercial": Environment(
        key="commercial",
        label="Commercial",
        token_url="https://identity.avepointonlineservices.com/connect/token",
        elements_url="https://graph.avepointonlineservices.com",
        data_centers=tuple(code for code, _ in _COMMERCIAL_DATA_CENTERS),
    ),
    "gov": Environment(
        key="gov",
        label="U.S. Government",
        token_url="https://identity-gov.avepointonlineservices.com/connect/token",
        elements_url="https://graph-gov.avepointonlineservices.com",
        data_centers=("gov",),
    ),
    "aos2": Environment(
        key="aos2",
        label="AOS2",
        token_url="https://identity-aos2.avepointonlineservices.com/connect/token",
        elements_url="https://graph-aos2.avepointonlineservices.com",
        data_centers=("aos2",),
    ),
    "fedramp": Environment(
        key="fedramp",
        label="FedRAMP Cloud (Project Hosts)",
        token_url="https://identity.online15.net/connect/token",
        elements_url="https://graphusgovapi.online15.net",
        data_centers=("fedramp",),
    ),
}

# code -> (region label, environment key)
DATA_CENTERS: dict[str, tuple[str, str]] = {
    **{code: (label, "commercial") for code, label in _COMMERCIAL_DATA_CENTERS},
    "gov": ("AOS-US Gov", "gov"),
    "aos2": ("AOS2", "aos2"),
    "fedramp": ("FedRAMP Cloud (Project Hosts)", "fedramp"),
}


class UnknownEnvironment(ValueError):
    """The environment key is not one of ENVIRONMENTS."""


class UnknownDataCenter(ValueError):
    """The data center is missing or does not belong to the environment."""


def _environment(environment: str) -> Environment:
    try:
        return ENVIRONMENTS[environment]
    except KeyError:
        valid = ", ".join(ENVIRONMENTS)
        raise UnknownEnvironment(
            f"unknown environment {environment!r}; valid environments: {valid}"
        ) from None


def data_centers_for(environment: str) -> tuple[str, ...]:
    """Data-center codes valid for ``environment`` (raises UnknownEnvironment)."""
    return _environment(environment).data_centers


def resolve_data_center(environment: str, data_center: str | None) -> str:
    """Check ``data_center`` against ``environment`` and return the code to use.

    Single-data-center environments (gov, aos2, fedramp) accept None and fill in
    their one code; commercial needs an explicit code.
    """
    env = _environment(environment)
    if data_center is None:
        if env.single_data_center is not None:
            return env.single_data_center
        raise UnknownDataCenter(
            f"environment {environment!r} needs a data center; "
            f"valid data centers: {', '.join(env.data_centers)}"
        )
    if data_center in env.data_centers:
        return data_center
    hint = ""
    if data_center in DATA_CENTERS:
        # A real code, just in another environment: say which, it is the likely fix.
        hint = f" (it belongs to environment {DATA_CENTERS[data_center][1]!r})"
    raise UnknownDataCenter(
        f"unknown data center {data_center!r} for environment {environment!r}{hint}; "
        f"valid data centers: {', '.join(env.data_centers)}"
    )


def api_url_for(data_center: str) -> str:
    """Regional Graph API base URL (no trailing slash) for a data-center code."""
    if data_center not in DATA_CENTERS:
        raise UnknownDataCenter(
            f"unknown data center {data_center!r}; valid data centers: {', '.join(DATA_CENTERS)}"
        )
    return _API_URL_EXCEPTIONS.get(data_center, f"https://graph-{data_center}.avepointonlineservices.com")


def default_urls(environment: str, data_center: str | None = None) -> tuple[str, str, str]:
    """``(api_url, elements_url, token_url)`` for an environment and data center.

    Raises UnknownEnvironment / UnknownDataCenter (both ValueError) on bad input.
    """
    env = _environment(environment)
    dc = resolve_data_center(environment, data_center)
    return api_url_for(dc), env.elements_url, env.token_url
