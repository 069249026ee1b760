"""A faithful simulator of the AvePoint Graph Modern API, the Elements API and their identity service.

Real HTTP on 127.0.0.1: the embedded default behind ``avegraph --demo``, the server every
integration test talks to, and ``avegraph demo-server``. UI-free (no Textual imports).

    from tui.simulator import SimulatorServer
    with SimulatorServer(seed=1) as sim:
        sim.base_url, sim.token_url, sim.tenant_dicts(), sim.dataset.items("m365.cloudbackupjobs")
"""

from tui.simulator.demo import DEMO_SPECS, DemoTenant
from tui.simulator.server import Faults, RequestRecord, SimulatorServer

__all__ = ["DEMO_SPECS", "DemoTenant", "Faults", "RequestRecord", "SimulatorServer"]
