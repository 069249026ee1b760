"""The simulator's data, one module per product, deterministic from a seed.

``Dataset`` (dataset.py) is the entry point; ``core`` holds the building blocks and the registry
the product modules fill when imported here: ``m365``, ``aos``, ``dmso``, ``saas`` (Dynamics
365, IaaS + PaaS, Google Workspace, Salesforce), ``enpower``, ``insights``, ``opus`` (and
Confide), ``elements`` and ``elements_tenants`` (the partner API); ``examples`` builds a valid
request for any endpoint.
"""

from tui.simulator.data import aos, dmso, elements, elements_tenants, enpower, insights, m365, opus, saas  # noqa: F401
from tui.simulator.data.core import BadRequest, Collection, NotFound, Query, keyed_collection
from tui.simulator.data.dataset import Dataset

__all__ = ["BadRequest", "Collection", "Dataset", "NotFound", "Query", "keyed_collection"]
