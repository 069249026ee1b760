"""Items as a person reads them: enum codes in response fields shown by their documented label.

`{"state": 3}` from /aos/jobs reads "Failed" in a table; the raw item (with the code) stays what
the inspector, exports and drill-downs use.
"""

from __future__ import annotations

from typing import Any

from tui.catalog.model import Endpoint


def response_enums(endpoint: Endpoint) -> dict[str, dict[str, str]]:
    """Top-level response fields with documented values: field -> {code: label}."""
    return _response_enums(endpoint.id, endpoint)


_CACHE: dict[str, dict[str, dict[str, str]]] = {}


def _response_enums(key: str, endpoint: Endpoint) -> dict[str, dict[str, str]]:
    if key in _CACHE:
        return _CACHE[key]
    out: dict[str, dict[str, str]] = {}
    for sf in endpoint.status_fields:
        name = str(sf.get("field", ""))
        values = sf.get("values") or []
        if not values or "(" in name or "." in name or " " in name:
            continue          # query filters and nested fields are not item fields
        labels = {str(v["value"]): v["label"] for v in values if isinstance(v, dict)}
        if labels:
            out[name] = labels
    if endpoint.status is not None:
        for f in endpoint.status.fields:
            out.setdefault(f, dict(endpoint.status.labels))
    _CACHE[key] = out
    return out


def labelled(endpoint: Endpoint, item: Any) -> Any:
    """A shallow copy of ``item`` with coded enum fields replaced by their labels."""
    if not isinstance(item, dict):
        return item
    enums = response_enums(endpoint)
    if not enums:
        return item
    out = None
    for field, labels in enums.items():
        if field in item and not isinstance(item[field], (dict, list, bool)) and item[field] is not None:
            value = item[field]
            if isinstance(value, int) and value.bit_length() > 64:
                continue                # no documented code is that large (and str() may refuse it)
            label = labels.get(str(value))
            if label is not None and label != item[field]:
                if out is None:
                    out = dict(item)
                out[field] = label
    return out if out is not None else item
