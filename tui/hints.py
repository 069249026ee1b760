"""What to tell a person when the service says 401 or 403: the scope needed, whether the token
holds it, and where to add it. UI-free: the explorer, the CLI and the permissions screen use it."""

from __future__ import annotations

from tui.catalog import Endpoint


def registration_place(endpoint: Endpoint) -> str:
    if endpoint.service_key in ("elements", "elements-legacy"):
        return "Elements: Settings > API app registration"
    return "AvePoint Online Services: Administration > App registrations"


def holds_scope(endpoint: Endpoint, granted: set[str] | None) -> bool | None:
    """True/False when the token's scopes are known, None when they are not."""
    if granted is None:
        return None
    low = {s.lower() for s in granted}
    return any(s.lower() in low for s in endpoint.scopes)


def permission_hint(endpoint: Endpoint, status: int, granted: set[str] | None) -> str:
    need = " or ".join(endpoint.scopes)
    has = holds_scope(endpoint, granted)
    if status == 401:
        head = "401: the token was refused (expired, malformed or for another audience)."
        if has is False:
            head += f" This endpoint also needs {need}, which the token lacks."
        return head + " Check the token with `avegraph token`; press P for the permissions screen."
    if has is False:
        state = "the token does not hold it"
    elif has is True:
        state = "the token holds it, so the service refused for another reason (customer scope, licence)"
    else:
        state = "the token's scopes are not known yet"
    return (f"{status}: this endpoint needs {need}; {state}. "
            f"Add the scope in {registration_place(endpoint)}, then get a new token. "
            "Press P for the permissions screen.")
