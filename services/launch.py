"""Start one service of this system: `python -m services.<name>` calls `main("<name>")`.

The shared runner (services/common/runner.py) does the work; it is handed what only the whole
system knows: the service's class, whether it owns a schema, and the subscription table.
"""
from __future__ import annotations

from services.common import runtime

runtime.patch()

from services import registry  # noqa: E402
from services.common import runner, topology  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.subscriptions import SUBSCRIPTIONS  # noqa: E402


def main(service: str) -> None:
    runner.main(service, registry.service_class(service), SUBSCRIPTIONS,
                owns_schema=service in registry.WITH_DATABASE)


def container_config(settings: Settings) -> dict:
    """The nameko config a container of this system starts with (for tests and benchmarks that
    run a service in their own process): its settings and the events consumed."""
    return topology.with_mandatory_events(settings.nameko_config, SUBSCRIPTIONS)
