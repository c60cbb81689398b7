"""The complete route table of the simulated API."""

from __future__ import annotations

from pbs_sim.routes import access, admin, config, content, datastore_jobs, nodes, remote_scan, side_channel
from pbs_sim.routes.router import Router


def build_router() -> Router:
    router = Router()
    for module in (access, config, datastore_jobs, remote_scan, admin, content, nodes, side_channel):
        module.register(router)
    return router
