"""The product's own description of the API: every documented endpoint, as data."""

from tui.catalog.model import (Catalog, ChildList, Edge, Endpoint, EnumValue, Pagination, Param,
                               StatusMapping, dig, dig_first, load_catalog)

__all__ = ["Catalog", "ChildList", "Edge", "Endpoint", "EnumValue", "Pagination", "Param",
           "StatusMapping", "dig", "dig_first", "load_catalog"]
