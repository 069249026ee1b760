"""The API core: tokens, HTTP, paging and request records. UI-free (never imports textual).

    from tui.api import Session
    async with Session(tenant) as s:
        ex = await s.request("m365.cloudbackupjobs", {}, {"jobState": 3})
        async for page in s.pager("m365.cloudbackupjobs").pages(): ...
"""

from tui.api.claims import TokenClaims
from tui.api.errors import (ApiError, AuthError, CredentialError, HttpError, NetworkError, ParamError, RefusedError,
                            ThrottledError, error_message)
from tui.api.exchange import Exchange
from tui.api.pager import Page, Pager

__all__ = ["ApiError", "AuthError", "CredentialError", "Exchange", "HttpError", "NetworkError", "Page", "Pager",
           "ParamError", "RefusedError", "Session", "ThrottledError", "TokenClaims", "error_message"]


def __getattr__(name: str):
    if name == "Session":  # imports httpx and msal: only when asked for
        from tui.api.session import Session
        return Session
    raise AttributeError(name)
